package flinkclient

import (
	"context"
	"fmt"
	"net/http"
	"sort"
)

// ParallelismBounds is the parallelism range the adaptive scheduler may run a vertex with.
type ParallelismBounds struct {
	// Lower is the least parallelism the job may run with (at least 1).
	Lower int
	// Upper is the most; the scheduler uses as much as the slots allow, up to it.
	Upper int
}

type vertexRequirements struct {
	Parallelism struct {
		Lower int `json:"lowerBound"`
		Upper int `json:"upperBound"`
	} `json:"parallelism"`
}

// ResourceRequirements returns each vertex's parallelism bounds, keyed by vertex ID (Flink 1.18
// on; before, an [*UnsupportedError]).
func (c *Client) ResourceRequirements(ctx context.Context, jobID string) (map[string]ParallelismBounds, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	if err := c.require(ctx, "ResourceRequirements", Flink118); err != nil {
		return nil, err
	}
	var body map[string]vertexRequirements
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/resource-requirements", path: "/jobs/" + jobID + "/resource-requirements", idempotent: true, out: &body}); err != nil {
		return nil, err
	}
	out := make(map[string]ParallelismBounds, len(body))
	for id, r := range body {
		out[id] = ParallelismBounds{Lower: r.Parallelism.Lower, Upper: r.Parallelism.Upper}
	}
	return out, nil
}

// SetResourceRequirements rescales a running job in place: the adaptive scheduler
// (jobmanager.scheduler: adaptive) restarts it from its latest checkpoint with a parallelism
// within the new bounds, for every vertex of the job (Flink 1.18 on; before, an
// [*UnsupportedError]). Flink's older rescaling route, PATCH /jobs/{jobid}/rescaling, is
// disabled in every version this client speaks to (FLINK-12312); on a cluster without the
// adaptive scheduler rescale by [Client.Stop] and [Client.RunJar] with SavepointPath and a new
// Parallelism. The call is retried like a read: setting the same bounds twice is harmless.
func (c *Client) SetResourceRequirements(ctx context.Context, jobID string, bounds map[string]ParallelismBounds) error {
	ps := invalid("SetResourceRequirements")
	if !hex32.MatchString(jobID) {
		ps.Add("job ID", jobID, "want 32 lower-case hex digits")
	}
	if len(bounds) == 0 {
		ps.Add("bounds", nil, "empty; give the bounds of every vertex of the job (ResourceRequirements lists them)")
	}
	ids := make([]string, 0, len(bounds))
	for id := range bounds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	body := make(map[string]vertexRequirements, len(bounds))
	for _, id := range ids {
		b := bounds[id]
		if !hex32.MatchString(id) {
			ps.Add("vertex ID", id, "want 32 lower-case hex digits, a JobVertex.ID from JobDetails")
		}
		if b.Lower < 1 || b.Upper < b.Lower {
			ps.Add("bounds["+id+"]", b, "want 1 <= Lower <= Upper")
		}
		var r vertexRequirements
		r.Parallelism.Lower, r.Parallelism.Upper = b.Lower, b.Upper
		body[id] = r
	}
	if err := ps.Err(); err != nil {
		return err
	}
	if err := c.require(ctx, "SetResourceRequirements", Flink118); err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodPut, route: "/jobs/{jobid}/resource-requirements", path: "/jobs/" + jobID + "/resource-requirements", body: body, idempotent: true})
}

// WaitForRescale polls until the job runs again with every vertex's parallelism within its
// resource requirements (the adaptive scheduler restarts a job after
// [Client.SetResourceRequirements], once its resources have settled), and returns each vertex's
// parallelism by vertex ID. A job that reaches FINISHED, CANCELED or FAILED instead gives a
// [*JobStateError]; when ctx ends, an error wrapping ctx's error. Flink 1.18 on.
func (c *Client) WaitForRescale(ctx context.Context, jobID string, w WaitOptions) (map[string]int, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	bounds, err := c.ResourceRequirements(ctx, jobID)
	if err != nil {
		return nil, err
	}
	var got map[string]int
	err = poll(ctx, w, func() (bool, error) {
		d, err := c.JobDetails(ctx, jobID)
		if err != nil {
			return false, err
		}
		if d.State.IsGloballyTerminal() {
			return false, &JobStateError{JobID: jobID, State: d.State, Want: []JobState{JobRunning}}
		}
		got = make(map[string]int, len(d.Vertices))
		settled := d.State == JobRunning
		for _, v := range d.Vertices {
			got[v.ID] = v.Parallelism
			if b, ok := bounds[v.ID]; ok && (v.Parallelism < b.Lower || v.Parallelism > b.Upper) {
				settled = false
			}
		}
		return settled, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return got, fmt.Errorf("flinkclient: waiting for job %s to rescale: %w", jobID, ctx.Err())
		}
		return got, err
	}
	return got, nil
}

// Rescale is one rescaling of a job by the adaptive scheduler, as Flink 2.3 records it
// (GET /jobs/{jobid}/rescales/history and /rescales/details/{rescaleuuid}).
type Rescale struct {
	UUID                     string `json:"rescaleUuid"`
	ResourceRequirementsUUID string `json:"resourceRequirementsUuid"`
	AttemptID                int    `json:"rescaleAttemptId"`
	// TriggerCause is INITIAL_SCHEDULE, UPDATE_REQUIREMENT, NEW_RESOURCE_AVAILABLE or
	// RECOVERABLE_FAILOVER.
	TriggerCause string `json:"triggerCause"`
	// TerminalState is COMPLETED, FAILED or IGNORED; empty while the rescale runs.
	TerminalState string `json:"terminalState"`
	// TerminatedReason says why it ended, for example SUCCEEDED or RESOURCE_REQUIREMENTS_UPDATED.
	TerminatedReason string `json:"terminatedReason"`
	// Start and End are epoch milliseconds (End 0 while the rescale runs).
	Start int64 `json:"startTimestampInMillis"`
	End   int64 `json:"endTimestampInMillis"`
	// Vertices holds each vertex's parallelism before and after, keyed by vertex ID.
	Vertices map[string]VertexRescale `json:"vertices"`
}

// VertexRescale is a vertex's part of a [Rescale].
type VertexRescale struct {
	VertexID   string `json:"jobVertexId"`
	VertexName string `json:"jobVertexName"`
	Desired    int    `json:"desiredParallelism"`
	Sufficient int    `json:"sufficientParallelism"`
	Before     int    `json:"preRescaleParallelism"`
	After      int    `json:"postRescaleParallelism"`
}

// RescaleHistory lists the job's recent rescales, newest first (Flink 2.3 on, with the adaptive
// scheduler; before, an [*UnsupportedError]).
func (c *Client) RescaleHistory(ctx context.Context, jobID string) ([]Rescale, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	if err := c.require(ctx, "RescaleHistory", Flink23); err != nil {
		return nil, err
	}
	var out []Rescale
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/rescales/history", path: "/jobs/" + jobID + "/rescales/history", idempotent: true, out: &out})
	return out, err
}
