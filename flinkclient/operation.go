package flinkclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
)

// newTriggerID returns 32 random lower-case hex digits, the form Flink expects for triggerId.
func newTriggerID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// operation is the shared machinery of Flink's asynchronous operations: a trigger answered
// with a request-id, then a status resource polled until COMPLETED.
type operation struct {
	c         *Client
	kind      string // "savepoint", "stop-with-savepoint", "checkpoint", "savepoint disposal"
	jobID     string
	triggerID string
	route     string // status route template
	path      string // status path
}

type serializedThrowable struct {
	Class      string `json:"class"`
	StackTrace string `json:"stack-trace"`
}

type operationStatus struct {
	Status struct {
		ID string `json:"id"`
	} `json:"status"`
	Operation *struct {
		Location       string               `json:"location"`
		CheckpointID   *int64               `json:"checkpointId"`
		FailureCause   *serializedThrowable `json:"failure-cause"`
		FailureCauseCP *serializedThrowable `json:"failureCause"` // CheckpointInfo spells it so
	} `json:"operation"`
}

// trigger POSTs the trigger body. Triggers that carry their own triggerId are retried safely:
// Flink acknowledges a repeated trigger ID without starting a second operation.
func (o *operation) trigger(ctx context.Context, route, path string, body any) error {
	var out struct {
		RequestID string `json:"request-id"`
	}
	idempotent := o.triggerID != ""
	if err := o.c.do(ctx, call{method: http.MethodPost, route: route, path: path, body: body, idempotent: idempotent, out: &out}); err != nil {
		return err
	}
	if o.triggerID == "" {
		if !hex32.MatchString(out.RequestID) {
			return &Error{Method: http.MethodPost, Path: path, Status: http.StatusOK, Err: fmt.Errorf("answer has no valid request-id: %q", out.RequestID)}
		}
		o.triggerID = out.RequestID
		o.path += out.RequestID
	}
	return nil
}

// poll asks once. done is false while Flink reports IN_PROGRESS.
func (o *operation) poll(ctx context.Context) (done bool, st *operationStatus, err error) {
	st = &operationStatus{}
	if err := o.c.do(ctx, call{method: http.MethodGet, route: o.route, path: o.path, idempotent: true, out: st}); err != nil {
		return false, nil, err
	}
	switch st.Status.ID {
	case "IN_PROGRESS":
		return false, st, nil
	case "COMPLETED":
	default:
		return false, nil, &Error{Method: http.MethodGet, Path: o.path, Status: http.StatusOK, Err: fmt.Errorf("unknown operation status %q", st.Status.ID)}
	}
	if op := st.Operation; op != nil {
		cause := op.FailureCause
		if cause == nil {
			cause = op.FailureCauseCP
		}
		if cause != nil {
			return true, st, &OperationError{Operation: o.kind, JobID: o.jobID, TriggerID: o.triggerID,
				Cause: FailureCause{Class: cause.Class, StackTrace: cause.StackTrace}}
		}
	}
	return true, st, nil
}

func (o *operation) wait(ctx context.Context, w WaitOptions) (*operationStatus, error) {
	var last *operationStatus
	err := poll(ctx, w, func() (bool, error) {
		done, st, err := o.poll(ctx)
		last = st
		return done, err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("flinkclient: waiting for %s %s: %w", o.kind, o.triggerID, ctx.Err())
		}
		return nil, err
	}
	return last, nil
}

// SavepointOperation is a savepoint (or stop-with-savepoint) in progress.
type SavepointOperation struct{ op *operation }

// TriggerID identifies the operation; with the job ID it can be resumed by
// [Client.ResumeSavepointOperation].
func (s *SavepointOperation) TriggerID() string { return s.op.triggerID }

// JobID is the job the savepoint is taken of.
func (s *SavepointOperation) JobID() string { return s.op.jobID }

// Poll asks once; done is false while the savepoint is in progress. A failed savepoint is an
// [*OperationError].
func (s *SavepointOperation) Poll(ctx context.Context) (done bool, location string, err error) {
	done, st, err := s.op.poll(ctx)
	if err != nil || !done {
		return done, "", err
	}
	return true, locationOf(st), nil
}

// Wait polls with backoff until the savepoint completes and returns its location. A savepoint
// that fails in Flink gives an [*OperationError] (matching [ErrOperationFailed]) carrying Flink's
// failure cause; when ctx ends, an error wrapping ctx.Err().
func (s *SavepointOperation) Wait(ctx context.Context) (string, error) {
	return s.WaitWith(ctx, WaitOptions{})
}

// WaitWith is Wait with explicit polling intervals.
func (s *SavepointOperation) WaitWith(ctx context.Context, w WaitOptions) (string, error) {
	st, err := s.op.wait(ctx, w)
	if err != nil {
		return "", err
	}
	return locationOf(st), nil
}

func locationOf(st *operationStatus) string {
	if st == nil || st.Operation == nil {
		return ""
	}
	return st.Operation.Location
}

// CheckpointOperation is a triggered checkpoint in progress.
type CheckpointOperation struct{ op *operation }

// TriggerID identifies the operation.
func (c *CheckpointOperation) TriggerID() string { return c.op.triggerID }

// Wait polls with backoff until the checkpoint completes and returns its ID. A failed checkpoint
// gives an [*OperationError].
func (c *CheckpointOperation) Wait(ctx context.Context) (int64, error) {
	return c.WaitWith(ctx, WaitOptions{})
}

// WaitWith is Wait with explicit polling intervals.
func (c *CheckpointOperation) WaitWith(ctx context.Context, w WaitOptions) (int64, error) {
	st, err := c.op.wait(ctx, w)
	if err != nil {
		return 0, err
	}
	if st.Operation == nil || st.Operation.CheckpointID == nil {
		return 0, &Error{Method: http.MethodGet, Path: c.op.path, Status: http.StatusOK, Err: fmt.Errorf("completed checkpoint without checkpointId")}
	}
	return *st.Operation.CheckpointID, nil
}

// DisposalOperation is a savepoint disposal in progress.
type DisposalOperation struct{ op *operation }

// TriggerID identifies the operation.
func (d *DisposalOperation) TriggerID() string { return d.op.triggerID }

// Wait polls until the disposal completes. A failed disposal gives an [*OperationError].
func (d *DisposalOperation) Wait(ctx context.Context) error {
	_, err := d.op.wait(ctx, WaitOptions{})
	return err
}
