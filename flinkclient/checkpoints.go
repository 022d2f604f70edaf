package flinkclient

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// CheckpointCounts counts a job's checkpoints.
type CheckpointCounts struct {
	Restored   int64 `json:"restored"`
	Total      int64 `json:"total"`
	InProgress int   `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

// CheckpointSummary describes one checkpoint or savepoint.
type CheckpointSummary struct {
	ID int64 `json:"id"`
	// Status is IN_PROGRESS, COMPLETED or FAILED.
	Status      string `json:"status"`
	IsSavepoint bool   `json:"is_savepoint"`
	// CheckpointType is CHECKPOINT, SAVEPOINT, SYNC_SAVEPOINT (and UNALIGNED_CHECKPOINT from 1.18).
	CheckpointType   string `json:"checkpoint_type"`
	TriggerTimestamp int64  `json:"trigger_timestamp"`
	LatestAck        int64  `json:"latest_ack_timestamp"`
	StateSize        int64  `json:"state_size"`
	EndToEndDuration int64  `json:"end_to_end_duration"`
	NumSubtasks      int    `json:"num_subtasks"`
	NumAcknowledged  int    `json:"num_acknowledged_subtasks"`
	// ExternalPath is where a completed checkpoint or savepoint was written.
	ExternalPath string `json:"external_path"`
	// FailureMessage says why a failed checkpoint failed.
	FailureMessage string `json:"failure_message"`
	// CheckpointedSize is what this checkpoint wrote, less than StateSize for an incremental
	// one (Flink 1.15 on).
	CheckpointedSize int64 `json:"checkpointed_size"`
	// ProcessedData and PersistedData are the in-flight data an unaligned checkpoint processed
	// and persisted, in bytes.
	ProcessedData int64 `json:"processed_data"`
	PersistedData int64 `json:"persisted_data"`
}

// CheckpointDetail is one checkpoint with its statistics per vertex
// (GET /jobs/{jobid}/checkpoints/details/{checkpointid}).
type CheckpointDetail struct {
	CheckpointSummary
	// Tasks holds each vertex's part of the checkpoint, keyed by vertex ID.
	Tasks map[string]TaskCheckpointStats `json:"tasks"`
}

// TaskCheckpointStats is a vertex's part of a checkpoint: how many of its subtasks acknowledged
// it, when the last did, and what they wrote.
type TaskCheckpointStats struct {
	// ID is the checkpoint's ID (Flink repeats it per vertex).
	ID int64 `json:"id"`
	// Status is IN_PROGRESS, COMPLETED or FAILED.
	Status           string `json:"status"`
	LatestAck        int64  `json:"latest_ack_timestamp"`
	StateSize        int64  `json:"state_size"`
	CheckpointedSize int64  `json:"checkpointed_size"`
	EndToEndDuration int64  `json:"end_to_end_duration"`
	NumSubtasks      int    `json:"num_subtasks"`
	NumAcknowledged  int    `json:"num_acknowledged_subtasks"`
	ProcessedData    int64  `json:"processed_data"`
	PersistedData    int64  `json:"persisted_data"`
}

// CheckpointSummaryStats summarizes the completed checkpoints a job keeps statistics of.
type CheckpointSummaryStats struct {
	StateSize        StatsSummary `json:"state_size"`
	EndToEndDuration StatsSummary `json:"end_to_end_duration"`
	// CheckpointedSize is from Flink 1.18 on (zero before).
	CheckpointedSize StatsSummary `json:"checkpointed_size"`
	// ProcessedData, PersistedData and AlignmentBuffered are absent from 1.15 (zero there).
	ProcessedData     StatsSummary `json:"processed_data"`
	PersistedData     StatsSummary `json:"persisted_data"`
	AlignmentBuffered StatsSummary `json:"alignment_buffered"`
}

// StatsSummary is a minimum, maximum and average (bytes or milliseconds), with percentiles
// from Flink 1.15 on (zero before).
type StatsSummary struct {
	Min  int64   `json:"min"`
	Max  int64   `json:"max"`
	Avg  int64   `json:"avg"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
}

// CheckpointStats is GET /jobs/{jobid}/checkpoints: counts, a summary of the completed
// checkpoints, the latest of each kind, and the recent history.
type CheckpointStats struct {
	Counts  CheckpointCounts       `json:"counts"`
	Summary CheckpointSummaryStats `json:"summary"`
	Latest  struct {
		Completed *CheckpointSummary `json:"completed"`
		Savepoint *CheckpointSummary `json:"savepoint"`
		Failed    *CheckpointSummary `json:"failed"`
		Restored  *struct {
			ID           int64  `json:"id"`
			ExternalPath string `json:"external_path"`
			IsSavepoint  bool   `json:"is_savepoint"`
		} `json:"restored"`
	} `json:"latest"`
	History []CheckpointSummary `json:"history"`
}

// CheckpointConfig is GET /jobs/{jobid}/checkpoints/config (the commonly used subset).
type CheckpointConfig struct {
	// Mode is EXACTLY_ONCE or AT_LEAST_ONCE.
	Mode            string `json:"mode"`
	Interval        int64  `json:"interval"`
	Timeout         int64  `json:"timeout"`
	MinPause        int64  `json:"min_pause"`
	MaxConcurrent   int64  `json:"max_concurrent"`
	Externalization struct {
		Enabled              bool `json:"enabled"`
		DeleteOnCancellation bool `json:"delete_on_cancellation"`
	} `json:"externalization"`
	StateBackend               string `json:"state_backend"`
	CheckpointStorage          string `json:"checkpoint_storage"`
	UnalignedCheckpoints       bool   `json:"unaligned_checkpoints"`
	TolerableFailedCheckpoints int    `json:"tolerable_failed_checkpoints"`
}

// CheckpointStats returns a job's checkpoint counts, latest checkpoints and history.
func (c *Client) CheckpointStats(ctx context.Context, jobID string) (*CheckpointStats, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var out CheckpointStats
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/checkpoints", path: "/jobs/" + jobID + "/checkpoints", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckpointConfig returns a job's checkpointing configuration.
func (c *Client) CheckpointConfig(ctx context.Context, jobID string) (*CheckpointConfig, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var out CheckpointConfig
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/checkpoints/config", path: "/jobs/" + jobID + "/checkpoints/config", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckpointDetails returns one checkpoint's statistics, with each vertex's part. Raw holds the
// full answer.
func (c *Client) CheckpointDetails(ctx context.Context, jobID string, checkpointID int64) (*CheckpointDetail, json.RawMessage, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, nil, err
	}
	var raw []byte
	p := "/jobs/" + jobID + "/checkpoints/details/" + strconv.FormatInt(checkpointID, 10)
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/checkpoints/details/{checkpointid}", path: p, idempotent: true, rawOut: &raw}); err != nil {
		return nil, nil, err
	}
	var out CheckpointDetail
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, nil, &Error{Method: http.MethodGet, Path: p, Status: http.StatusOK, Err: err}
	}
	return &out, raw, nil
}

// CheckpointType chooses what a triggered checkpoint writes.
type CheckpointType string

// Checkpoint types for [Client.TriggerCheckpoint].
const (
	CheckpointConfigured  CheckpointType = "CONFIGURED"
	CheckpointFull        CheckpointType = "FULL"
	CheckpointIncremental CheckpointType = "INCREMENTAL"
)

// TriggerCheckpoint asks the job to take a checkpoint now (Flink 1.18 on; earlier versions give
// [ErrUnsupported]). Wait on the returned operation for the checkpoint ID. typ may be empty for
// the configured type. The trigger carries its own trigger ID, so a retried request never takes
// a second checkpoint.
func (c *Client) TriggerCheckpoint(ctx context.Context, jobID string, typ CheckpointType) (*CheckpointOperation, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	switch typ {
	case "", CheckpointConfigured, CheckpointFull, CheckpointIncremental:
	default:
		ps := invalid("TriggerCheckpoint")
		ps.Add("type", string(typ), "want CONFIGURED, FULL or INCREMENTAL")
		return nil, ps
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return nil, err
	}
	if !v.AtLeast(Flink118) {
		return nil, &UnsupportedError{Feature: "TriggerCheckpoint", Version: v, Since: Flink118}
	}
	trigger := c.newTrigger()
	body := map[string]any{"triggerId": trigger}
	if typ != "" {
		body["checkpointType"] = typ
	}
	op := &operation{c: c, kind: "checkpoint", jobID: jobID, triggerID: trigger,
		route: "/jobs/{jobid}/checkpoints/{triggerid}", path: "/jobs/" + jobID + "/checkpoints/" + trigger}
	if err := op.trigger(ctx, "/jobs/{jobid}/checkpoints", "/jobs/"+jobID+"/checkpoints", body); err != nil {
		return nil, err
	}
	return &CheckpointOperation{op: op}, nil
}
