package flinkclient

import (
	"context"
)

// SavepointFormat chooses the savepoint's binary format (Flink 1.15 on).
type SavepointFormat string

// Savepoint formats.
const (
	// SavepointCanonical is portable across state backends.
	SavepointCanonical SavepointFormat = "CANONICAL"
	// SavepointNative is the state backend's own format: faster, not portable.
	SavepointNative SavepointFormat = "NATIVE"
)

// SavepointRequest is POST /jobs/{jobid}/savepoints. The zero value writes to the cluster's
// configured savepoint directory.
type SavepointRequest struct {
	// TargetDirectory is where the savepoint goes (e.g. hdfs:///flink/savepoints); empty means
	// the cluster's execution.checkpointing.savepoint-dir (state.savepoints.dir before 2.0).
	TargetDirectory string
	// CancelJob cancels the job once the savepoint completes.
	CancelJob bool
	// Format is the savepoint format (Flink 1.15 on); empty means Flink's default (CANONICAL).
	Format SavepointFormat
	// TriggerID, when set, is the trigger ID to send (32 lower-case hex digits), for a caller
	// that records it before sending so that it can resume the operation after a crash. It
	// needs Flink 1.15. Empty: the client chooses one on 1.15 and later, and sends none before
	// (Flink 1.12-1.14 know no triggerId).
	TriggerID string
}

// StopRequest is POST /jobs/{jobid}/stop: stop the job gracefully with a final savepoint.
type StopRequest struct {
	// TargetDirectory as in [SavepointRequest].
	TargetDirectory string
	// Drain emits MAX_WATERMARK before stopping, flushing event-time timers and windows (for a
	// job that will not be restarted from this savepoint).
	Drain bool
	// Format as in [SavepointRequest].
	Format SavepointFormat
	// TriggerID as in [SavepointRequest] (Flink 1.15 on).
	TriggerID string
}

// checkSavepointFields checks the fields the savepoint trigger and stop bodies share against
// the cluster's version: formatType and triggerId came with Flink 1.15, and Flink before 1.15
// answers 400 to a body that carries them.
func checkSavepointFields(request string, v Version, f SavepointFormat, triggerID string) error {
	ps := invalid(request)
	switch f {
	case "":
	case SavepointCanonical, SavepointNative:
		if !v.AtLeast(Flink115) {
			ps.Add("Format", string(f), "not supported by Flink %s (needs 1.15); leave it empty for the canonical format", v)
		}
	default:
		ps.Add("Format", string(f), "want CANONICAL or NATIVE")
	}
	if triggerID != "" {
		switch {
		case !hex32.MatchString(triggerID):
			ps.Add("TriggerID", triggerID, "want 32 lower-case hex digits, or leave it empty")
		case !v.AtLeast(Flink115):
			ps.Add("TriggerID", triggerID, "an idempotent trigger needs Flink 1.15 (the cluster runs %s); leave it empty", v)
		}
	}
	return ps.Err()
}

// TriggerSavepoint starts a savepoint and returns it as an operation to Wait on (bin/flink
// savepoint <jobID> [dir]). From Flink 1.15 on the request carries a trigger ID (the client's
// own, or req.TriggerID), so a retry after a lost answer never takes a second savepoint; before
// 1.15 Flink knows no trigger ID, and the trigger is sent once, never retried.
func (c *Client) TriggerSavepoint(ctx context.Context, jobID string, req SavepointRequest) (*SavepointOperation, error) {
	return c.startSavepoint(ctx, "savepoint", "SavepointRequest", jobID, req.Format, req.TriggerID, func(trigger string) any {
		return struct {
			Target    string          `json:"target-directory,omitempty"`
			CancelJob bool            `json:"cancel-job"`
			Trigger   string          `json:"triggerId,omitempty"`
			Format    SavepointFormat `json:"formatType,omitempty"`
		}{req.TargetDirectory, req.CancelJob, trigger, req.Format}
	})
}

// StopWithSavepoint stops the job with a final savepoint (bin/flink stop; the job ends
// FINISHED). Wait on the operation for the savepoint location. Retries are as for
// [Client.TriggerSavepoint].
func (c *Client) StopWithSavepoint(ctx context.Context, jobID string, req StopRequest) (*SavepointOperation, error) {
	return c.startSavepoint(ctx, "stop-with-savepoint", "StopRequest", jobID, req.Format, req.TriggerID, func(trigger string) any {
		// Flink spells this body's fields in camel case, unlike the savepoint trigger's.
		return struct {
			Target  string          `json:"targetDirectory,omitempty"`
			Drain   bool            `json:"drain"`
			Trigger string          `json:"triggerId,omitempty"`
			Format  SavepointFormat `json:"formatType,omitempty"`
		}{req.TargetDirectory, req.Drain, trigger, req.Format}
	})
}

// savepointRoutes maps a savepoint kind to the trigger route below /jobs/{jobid}.
var savepointRoutes = map[string]string{"savepoint": "/savepoints", "stop-with-savepoint": "/stop"}

// startSavepoint checks the job ID and format, chooses a trigger ID, and posts the body that
// body builds around it to the kind's route.
func (c *Client) startSavepoint(ctx context.Context, kind, request, jobID string, format SavepointFormat, trigger string, body func(trigger string) any) (*SavepointOperation, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkSavepointFields(request, v, format, trigger); err != nil {
		return nil, err
	}
	if trigger == "" && v.AtLeast(Flink115) {
		trigger = c.newTrigger()
	}
	// Without a trigger ID the status path is completed from the answer's request-id.
	op := c.savepointOp(kind, jobID, trigger)
	suffix := savepointRoutes[kind]
	if err := op.trigger(ctx, "/jobs/{jobid}"+suffix, "/jobs/"+jobID+suffix, body(trigger)); err != nil {
		return nil, err
	}
	return &SavepointOperation{op: op}, nil
}

func (c *Client) savepointOp(kind, jobID, trigger string) *operation {
	return &operation{c: c, kind: kind, jobID: jobID, triggerID: trigger,
		route: "/jobs/{jobid}/savepoints/{triggerid}", path: "/jobs/" + jobID + "/savepoints/" + trigger}
}

// ResumeSavepointOperation returns the operation of a savepoint triggered earlier (perhaps by
// another process) so that it can be waited on. No I/O.
func (c *Client) ResumeSavepointOperation(jobID, triggerID string) (*SavepointOperation, error) {
	ps := invalid("ResumeSavepointOperation")
	if !hex32.MatchString(jobID) {
		ps.Add("jobID", jobID, "want 32 lower-case hex digits")
	}
	if !hex32.MatchString(triggerID) {
		ps.Add("triggerID", triggerID, "want 32 lower-case hex digits")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return &SavepointOperation{op: c.savepointOp("savepoint", jobID, triggerID)}, nil
}

// DisposeSavepoint deletes a savepoint's files through the JobManager. Flink's disposal request
// has no trigger ID field, so it is not retried.
func (c *Client) DisposeSavepoint(ctx context.Context, savepointPath string) (*DisposalOperation, error) {
	if savepointPath == "" {
		ps := invalid("DisposeSavepoint")
		ps.Add("savepointPath", "", "pass the location a savepoint returned")
		return nil, ps
	}
	op := &operation{c: c, kind: "savepoint disposal", route: "/savepoint-disposal/{triggerid}", path: "/savepoint-disposal/"}
	body := map[string]string{"savepoint-path": savepointPath}
	if err := op.trigger(ctx, "/savepoint-disposal", "/savepoint-disposal", body); err != nil {
		return nil, err
	}
	return &DisposalOperation{op: op}, nil
}

// Savepoint takes a savepoint and waits for it, returning its location: bin/flink savepoint
// <jobID> [targetDirectory] as one call. It is [Client.TriggerSavepoint] followed by
// [SavepointOperation.Wait]; use those to keep the trigger ID or to poll yourself.
func (c *Client) Savepoint(ctx context.Context, jobID string, req SavepointRequest) (location string, err error) {
	op, err := c.TriggerSavepoint(ctx, jobID, req)
	if err != nil {
		return "", err
	}
	return op.Wait(ctx)
}

// Stop stops the job with a final savepoint and waits for it, returning the savepoint's
// location: bin/flink stop [-p targetDirectory] [-d] <jobID> as one call. It is
// [Client.StopWithSavepoint] followed by [SavepointOperation.Wait].
func (c *Client) Stop(ctx context.Context, jobID string, req StopRequest) (location string, err error) {
	op, err := c.StopWithSavepoint(ctx, jobID, req)
	if err != nil {
		return "", err
	}
	return op.Wait(ctx)
}
