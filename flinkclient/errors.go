package flinkclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rtdw/rtdw/internal/problems"
	"github.com/rtdw/rtdw/internal/restclient"
)

// Sentinel errors, matched with errors.Is against the errors the client returns.
var (
	// ErrJobNotFound means the JobManager does not know the job (HTTP 404 on a job route, or
	// Flink's FlinkJobNotFoundException).
	ErrJobNotFound = errors.New("flinkclient: job not found")
	// ErrJarNotFound means the JobManager does not know the uploaded jar (Flink answers 400
	// "... does not exist" or 404 on a jar route).
	ErrJarNotFound = errors.New("flinkclient: jar not found")
	// ErrNotJSON means the server answered with something that is not JSON, typically a proxy's
	// or load balancer's HTML page; the [*Error] quotes the start of the body.
	ErrNotJSON = errors.New("flinkclient: answer is not JSON")
	// ErrNotJar means an upload was refused before sending because the content does not start
	// with a zip signature.
	ErrNotJar = errors.New("flinkclient: not a jar (zip) file")
	// ErrUnsupported means the cluster's Flink version lacks the feature or request field.
	ErrUnsupported = errors.New("flinkclient: not supported by this Flink version")
	// ErrOperationFailed means an asynchronous operation (savepoint, checkpoint, disposal)
	// completed with a failure cause; the error is an [*OperationError].
	ErrOperationFailed = errors.New("flinkclient: asynchronous operation failed")
	// ErrUnexpectedState means a job reached a terminal state that [Client.WaitForJobState] was
	// not waiting for; the error is a [*JobStateError].
	ErrUnexpectedState = errors.New("flinkclient: job reached an unexpected terminal state")
	// ErrInvalidRequest is matched by every [*ValidationError]: a request or an option was
	// refused before any I/O.
	ErrInvalidRequest = errors.New("flinkclient: invalid request")
)

// Error describes a failed REST call: either an HTTP answer with a non-success status (Status,
// Errors from Flink's {"errors": [...]} body), an answer that could not be decoded (BodyPrefix),
// or a transport failure (Status 0, Err set; a context error when ctx ended or the default
// timeout fired).
type Error struct {
	// Method and Path identify the call (Path without the base URL or query).
	Method, Path string
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Errors is Flink's error list, usually one message, sometimes with a Java stack trace.
	Errors []string
	// ContentType is the Content-Type of a non-JSON answer.
	ContentType string
	// BodyPrefix quotes the start of an answer that is not Flink's error JSON (at most 512
	// bytes, trimmed).
	BodyPrefix string
	// Err is the underlying cause (a transport error, a context error, a decoding error).
	Err error

	notFound error // ErrJobNotFound or ErrJarNotFound, decided from route and message
}

// Error implements error. It never contains request headers, so credentials stay out of logs.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flinkclient: %s %s", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if len(e.Errors) > 0 {
		first := e.Errors[0]
		if i := strings.IndexByte(first, '\n'); i >= 0 {
			first = first[:i] // drop the Java stack trace
		}
		fmt.Fprintf(&b, ": %s", first)
		if len(e.Errors) > 1 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Errors)-1)
		}
	}
	switch {
	case errors.Is(e.Err, ErrNotJSON):
		fmt.Fprintf(&b, ": answer is not JSON (Content-Type %q, body starts %q)", e.ContentType, restclient.Truncate(e.BodyPrefix, 120))
	case e.BodyPrefix != "":
		fmt.Fprintf(&b, ": body starts %q", restclient.Truncate(e.BodyPrefix, 120))
	}
	if e.Err != nil && !errors.Is(e.Err, ErrNotJSON) {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err, context.DeadlineExceeded) works for
// timeouts.
func (e *Error) Unwrap() error { return e.Err }

// Is matches [ErrJobNotFound] and [ErrJarNotFound] by route and Flink's message, and
// [ErrNotJSON] for undecodable answers.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrJobNotFound, ErrJarNotFound:
		return e.notFound == target
	}
	return false
}

// newError is the *Error of a failed call to route (a path template such as "/jobs/{jobid}").
func newError(f *restclient.Failure, route string) error {
	e := &Error{Method: f.Method, Path: f.Path, Status: f.Status, Errors: f.Errors, BodyPrefix: f.Body, Err: f.Err}
	if f.NotJSON {
		e.ContentType, e.Err = f.ContentType, ErrNotJSON
	}
	if e.Status != 0 {
		e.classifyNotFound(route)
	}
	return e
}

// classifyNotFound decides whether an HTTP error means "no such job" or "no such jar".
func (e *Error) classifyNotFound(route string) {
	msg := strings.Join(e.Errors, "\n")
	switch {
	case strings.HasPrefix(route, "/jars/"):
		if e.Status == http.StatusNotFound || (e.Status == http.StatusBadRequest && strings.Contains(msg, "does not exist")) {
			e.notFound = ErrJarNotFound
		}
	case strings.HasPrefix(route, "/jobs/"):
		if e.Status == http.StatusNotFound || strings.Contains(msg, "FlinkJobNotFoundException") {
			e.notFound = ErrJobNotFound
		}
	}
}

// OperationError is the failure of an asynchronous operation as Flink reports it.
type OperationError struct {
	// Operation names the operation, e.g. "savepoint" or "stop-with-savepoint".
	Operation string
	// JobID is empty for savepoint disposal.
	JobID string
	// TriggerID identifies the operation.
	TriggerID string
	// Cause is Flink's failure cause.
	Cause FailureCause
}

// FailureCause is Flink's SerializedThrowable as sent over REST.
type FailureCause struct {
	// Class is the Java exception class, e.g. "java.util.concurrent.CompletionException".
	Class string
	// StackTrace is the Java stack trace; its first line carries the message.
	StackTrace string
}

// Message returns the first line of the stack trace (class and message), or the class.
func (c FailureCause) Message() string {
	if c.StackTrace != "" {
		line, _, _ := strings.Cut(c.StackTrace, "\n")
		return strings.TrimSpace(line)
	}
	return c.Class
}

// Error implements error.
func (e *OperationError) Error() string {
	job := ""
	if e.JobID != "" {
		job = " of job " + e.JobID
	}
	return fmt.Sprintf("flinkclient: %s%s (trigger %s) failed: %s", e.Operation, job, e.TriggerID, e.Cause.Message())
}

// Is matches [ErrOperationFailed].
func (e *OperationError) Is(target error) bool { return target == ErrOperationFailed }

// JobStateError reports that a job reached a terminal state other than those awaited.
type JobStateError struct {
	JobID string
	State JobState
	Want  []JobState
}

// Error implements error.
func (e *JobStateError) Error() string {
	return fmt.Sprintf("flinkclient: job %s reached terminal state %s while waiting for %v", e.JobID, e.State, e.Want)
}

// Is matches [ErrUnexpectedState].
func (e *JobStateError) Is(target error) bool { return target == ErrUnexpectedState }

// UnsupportedError names a feature the cluster's Flink version lacks.
type UnsupportedError struct {
	// Feature names the call or request field, e.g. "TriggerCheckpoint".
	Feature string
	// Version is the cluster's version; Since the first version that has the feature.
	Version, Since Version
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("flinkclient: %s needs Flink %s or later; the cluster runs %s", e.Feature, e.Since, e.Version)
}

// Is matches [ErrUnsupported].
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// ValidationError lists every invalid field of a request, or every invalid option of [New],
// found before any I/O: each problem's Field, Value and Fix. What names the request, e.g.
// "RunJarRequest". It matches [ErrInvalidRequest] with errors.Is.
type ValidationError = problems.Error

// invalid starts the list of problems of a request.
func invalid(request string) *ValidationError {
	return problems.New("flinkclient", request, ErrInvalidRequest)
}
