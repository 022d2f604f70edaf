package flinkclient

import (
	"context"
	"fmt"
	"net/http"
)

// BackPressureLevel grades how much of its time a vertex or subtask spends back-pressured.
type BackPressureLevel string

// Back-pressure levels as Flink names them.
const (
	BackPressureOK   BackPressureLevel = "ok"
	BackPressureLow  BackPressureLevel = "low"
	BackPressureHigh BackPressureLevel = "high"
)

// BackPressure is GET /jobs/{jobid}/vertices/{vertexid}/backpressure.
type BackPressure struct {
	// Status is "ok" when the figures are current, "deprecated" while Flink has none yet: 1.12
	// samples stack traces on request, 1.13 and later wait for the vertex's metrics. Use
	// [Client.WaitBackPressure] to wait for "ok".
	Status string `json:"status"`
	// Level is the vertex's worst subtask level. Flink sends it as "backpressure-level" in every
	// version (the 1.18 and later specs call it backpressureLevel, after its Java getter).
	Level BackPressureLevel `json:"backpressure-level"`
	// EndTimestamp is when the figures were taken, epoch milliseconds.
	EndTimestamp int64                 `json:"end-timestamp"`
	Subtasks     []SubtaskBackPressure `json:"subtasks"`
}

// Ready reports whether the figures are current (Status "ok").
func (b *BackPressure) Ready() bool { return b.Status == "ok" }

// SubtaskBackPressure is one subtask's share of time back-pressured, idle and busy (each 0..1;
// IdleRatio and BusyRatio from Flink 1.13 on).
type SubtaskBackPressure struct {
	Subtask   int               `json:"subtask"`
	Level     BackPressureLevel `json:"backpressure-level"`
	Ratio     float64           `json:"ratio"`
	IdleRatio float64           `json:"idleRatio"`
	BusyRatio float64           `json:"busyRatio"`
	// AttemptNumber is the execution attempt (Flink 1.17 on, with speculative execution).
	AttemptNumber int `json:"attempt-number"`
}

// VertexBackPressure asks once for a vertex's back pressure. The first request after a while
// usually answers Status "deprecated" and starts the measurement; [Client.WaitBackPressure]
// asks until the figures are there.
func (c *Client) VertexBackPressure(ctx context.Context, jobID, vertexID string) (*BackPressure, error) {
	if err := checkVertex(jobID, vertexID); err != nil {
		return nil, err
	}
	var out BackPressure
	p := "/jobs/" + jobID + "/vertices/" + vertexID + "/backpressure"
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/vertices/{vertexid}/backpressure", path: p, idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	switch out.Status {
	case "ok", "deprecated":
	default:
		return nil, &Error{Method: http.MethodGet, Path: p, Status: http.StatusOK, Err: fmt.Errorf("unknown back-pressure status %q", out.Status)}
	}
	return &out, nil
}

// WaitBackPressure polls a vertex's back pressure until Flink has current figures (Status "ok")
// and returns them. When ctx ends it returns an error wrapping ctx's error.
func (c *Client) WaitBackPressure(ctx context.Context, jobID, vertexID string, w WaitOptions) (*BackPressure, error) {
	var got *BackPressure
	err := poll(ctx, w, func() (bool, error) {
		b, err := c.VertexBackPressure(ctx, jobID, vertexID)
		if err != nil {
			return false, err
		}
		got = b
		return b.Ready(), nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("flinkclient: waiting for the back pressure of vertex %s: %w", vertexID, ctx.Err())
		}
		return nil, err
	}
	return got, nil
}
