package sqlgateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rtdw/rtdw/internal/restclient"
)

// Sentinel errors. Match them with errors.Is; an [*Error] matches the one that
// describes Flink's answer.
var (
	// ErrSessionNotFound: the gateway does not know the session (never opened,
	// closed, or expired after missing heartbeats).
	ErrSessionNotFound = errors.New("sqlgateway: session not found")
	// ErrOperationNotFound: the gateway does not know the operation (closed, or
	// its session is gone).
	ErrOperationNotFound = errors.New("sqlgateway: operation not found")
	// ErrStatementFailed: the statement failed inside Flink (parse, validation
	// or execution error); [*Error.RootCause] gives Flink's reason.
	ErrStatementFailed = errors.New("sqlgateway: statement failed")
	// ErrNotJSON: the answer was not JSON, typically a proxy's HTML error page.
	ErrNotJSON = errors.New("sqlgateway: answer is not JSON")
	// ErrUnsupportedAPIVersion: the call needs a newer SQL Gateway REST API
	// version than the one in use.
	ErrUnsupportedAPIVersion = errors.New("sqlgateway: not supported by this REST API version")
	// ErrNoCommonAPIVersion: the gateway offers no REST API version this
	// client speaks.
	ErrNoCommonAPIVersion = errors.New("sqlgateway: no REST API version in common with the gateway")
	// ErrClosed: the session or operation was closed by this client.
	ErrClosed = errors.New("sqlgateway: already closed")
)

// Error is the error of one REST call: which call, what HTTP status (0 when no
// answer arrived), and Flink's own `errors` list. Err holds the cause: a
// transport error, a context error, a JSON decoding error or [ErrNotJSON].
// Request headers (and so credentials) are never part of it.
type Error struct {
	Method      string   // HTTP method, e.g. "POST"
	Path        string   // URL path of the call, e.g. "/v2/sessions/…/statements"
	Status      int      // HTTP status; 0 when the call got no answer
	Errors      []string // Flink's "errors" list, as sent
	ContentType string   // Content-Type of the answer, if any
	BodyPrefix  string   // start of an answer that is not Flink's error JSON (at most 512 bytes, trimmed)
	Err         error    // underlying cause, if any
}

// Error summarises the call, the status and Flink's most telling message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sqlgateway: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if msg := e.summary(); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// newError is the *Error of a failed call.
func newError(f *restclient.Failure) error {
	e := &Error{Method: f.Method, Path: f.Path, Status: f.Status, Errors: f.Errors, ContentType: f.ContentType, BodyPrefix: f.Body, Err: f.Err}
	if f.NotJSON {
		e.Err = ErrNotJSON
	}
	return e
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinels that describe Flink's answer.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrSessionNotFound:
		return e.contains("Session '") && e.contains("does not exist")
	case ErrOperationNotFound:
		return e.contains("Can not find the submitted operation")
	case ErrStatementFailed:
		return e.contains("Failed to execute the operation")
	}
	return false
}

func (e *Error) contains(s string) bool {
	for _, m := range e.Errors {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// RootCause returns the deepest "Caused by" message of Flink's server-side
// stack trace (the reason a statement failed, e.g. a ValidationException), or
// the first error message when there is no stack trace.
func (e *Error) RootCause() string {
	cause := ""
	for _, m := range e.Errors {
		for _, line := range strings.Split(m, "\n") {
			line = strings.TrimSpace(line)
			if rest, ok := strings.CutPrefix(line, "Caused by: "); ok {
				cause = rest
			}
		}
	}
	if cause != "" {
		return cause
	}
	for _, m := range e.Errors {
		if m == "Internal server error." {
			continue
		}
		line, _, _ := strings.Cut(strings.TrimPrefix(m, "<Exception on server side:"), "\n\t")
		line = strings.TrimSpace(line)
		if line != "" {
			return firstLine(line)
		}
	}
	return ""
}

func (e *Error) summary() string {
	if len(e.Errors) > 0 {
		return restclient.Truncate(e.RootCause(), 300)
	}
	if e.BodyPrefix != "" {
		return "body starts " + fmt.Sprintf("%q", restclient.Truncate(e.BodyPrefix, 120))
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
