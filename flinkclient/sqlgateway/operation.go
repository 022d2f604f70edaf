package sqlgateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// OperationStatus is the state of an operation on the gateway.
type OperationStatus string

// Operation states, as Flink names them.
const (
	StatusInitialized OperationStatus = "INITIALIZED"
	StatusPending     OperationStatus = "PENDING"
	StatusRunning     OperationStatus = "RUNNING"
	StatusFinished    OperationStatus = "FINISHED"
	StatusCanceled    OperationStatus = "CANCELED"
	StatusClosed      OperationStatus = "CLOSED"
	StatusError       OperationStatus = "ERROR"
	StatusTimeout     OperationStatus = "TIMEOUT"
)

// Terminal reports whether the state is final.
func (s OperationStatus) Terminal() bool {
	switch s {
	case StatusFinished, StatusCanceled, StatusClosed, StatusError, StatusTimeout:
		return true
	}
	return false
}

// Operation is a statement submitted to a session.
type Operation struct {
	s      *Session
	handle string
}

// Handle is the gateway's identifier of the operation.
func (o *Operation) Handle() string { return o.handle }

// Session is the session the operation runs in.
func (o *Operation) Session() *Session { return o.s }

func (o *Operation) path(suffix string) string {
	return o.s.path("/operations/" + url.PathEscape(o.handle) + suffix)
}

func (o *Operation) statusCall(ctx context.Context, method, suffix string, idempotent bool) (OperationStatus, error) {
	var resp struct {
		Status OperationStatus `json:"status"`
	}
	err := o.s.c.do(ctx, call{method: method, path: o.path(suffix), idempotent: idempotent, out: &resp})
	return resp.Status, err
}

// Status returns the operation's state (GET …/operations/{handle}/status).
func (o *Operation) Status(ctx context.Context) (OperationStatus, error) {
	return o.statusCall(ctx, "GET", "/status", true)
}

// Cancel cancels the operation and returns its new state
// (POST …/operations/{handle}/cancel).
func (o *Operation) Cancel(ctx context.Context) (OperationStatus, error) {
	return o.statusCall(ctx, "POST", "/cancel", false)
}

// Close releases the operation and its results on the gateway
// (DELETE …/operations/{handle}/close).
func (o *Operation) Close(ctx context.Context) error {
	_, err := o.statusCall(ctx, "DELETE", "/close", false)
	return err
}

// FetchResults fetches the page with the given token (0 is the first page)
// (GET …/operations/{handle}/result/{token}). format applies to REST API V2
// and later; "" means [RowFormatJSON]. Fetching the same token again returns
// the same page, so the call is retried like a GET.
func (o *Operation) FetchResults(ctx context.Context, token int64, format RowFormat) (*ResultPage, error) {
	uri := o.path("/result/" + strconv.FormatInt(token, 10))
	return o.fetch(ctx, uri, nil, format)
}

// FetchNext fetches the page after prev by following its NextResultURI. It
// returns (nil, nil) when prev was the last page.
func (o *Operation) FetchNext(ctx context.Context, prev *ResultPage) (*ResultPage, error) {
	if prev.NextResultURI == "" {
		return nil, nil
	}
	u, err := url.Parse(prev.NextResultURI)
	if err != nil || !strings.HasPrefix(u.Path, "/v") {
		return nil, fmt.Errorf("sqlgateway: unusable nextResultUri %q", prev.NextResultURI)
	}
	// Only the path and query are used: the gateway does not know the
	// address (or proxy prefix) the client reached it by.
	format := prev.RowFormat
	if f := u.Query().Get("rowFormat"); f != "" {
		format = RowFormat(f)
	}
	return o.fetch(ctx, u.EscapedPath(), u.Query(), format)
}

func (o *Operation) fetch(ctx context.Context, path string, query url.Values, format RowFormat) (*ResultPage, error) {
	if format == "" {
		format = RowFormatJSON
	}
	if o.s.version >= V2 {
		if query == nil {
			query = url.Values{}
		}
		if query.Get("rowFormat") == "" {
			query.Set("rowFormat", string(format))
		}
	} else {
		format = RowFormatJSON // V1 has no choice
	}
	var w wirePage
	var page *ResultPage
	err := o.s.c.do(ctx, call{method: "GET", path: path, query: query, idempotent: true,
		decode: func(d *json.Decoder) error {
			w = wirePage{}
			if err := d.Decode(&w); err != nil {
				return err
			}
			var err error
			page, err = decodePage(&w, format)
			return err
		}})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// AttachOperation returns the [Operation] with the given handle in this
// session, for example one submitted by another process. It does no I/O.
func (s *Session) AttachOperation(handle string) *Operation {
	return &Operation{s: s, handle: handle}
}
