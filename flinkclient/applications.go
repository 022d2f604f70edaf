package flinkclient

import (
	"context"
	"net/http"
)

// Applications came with Flink 2.3: the cluster groups the jobs one main() method submits under
// an application ID, with routes below /applications.

// ApplicationOverview is one entry of GET /applications/overview (Flink 2.3 on).
type ApplicationOverview struct {
	// ID is 32 hex digits.
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	StartTime int64  `json:"start-time"`
	EndTime   int64  `json:"end-time"`
	Duration  int64  `json:"duration"`
	// Jobs counts the application's jobs per state.
	Jobs map[string]int `json:"jobs"`
}

// ApplicationDetails is GET /applications/{applicationid} (Flink 2.3 on).
type ApplicationDetails struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	StartTime int64  `json:"start-time"`
	EndTime   int64  `json:"end-time"`
	Duration  int64  `json:"duration"`
	// Timestamps holds when the application entered each status, epoch milliseconds.
	Timestamps map[string]int64 `json:"timestamps"`
	// Jobs are the application's jobs.
	Jobs []JobOverview `json:"jobs"`
}

// Applications lists the cluster's applications (Flink 2.3 on; before, an [*UnsupportedError]).
func (c *Client) Applications(ctx context.Context) ([]ApplicationOverview, error) {
	if err := c.require(ctx, "Applications", Flink23); err != nil {
		return nil, err
	}
	var out struct {
		Applications []ApplicationOverview `json:"applications"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: "/applications/overview", path: "/applications/overview", idempotent: true, out: &out})
	return out.Applications, err
}

// Application returns one application with its jobs (Flink 2.3 on).
func (c *Client) Application(ctx context.Context, applicationID string) (*ApplicationDetails, error) {
	if err := checkApplicationID(applicationID); err != nil {
		return nil, err
	}
	if err := c.require(ctx, "Application", Flink23); err != nil {
		return nil, err
	}
	var out ApplicationDetails
	if err := c.do(ctx, call{method: http.MethodGet, route: "/applications/{applicationid}", path: "/applications/" + applicationID, idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelApplication cancels an application and its jobs (Flink 2.3 on). Flink answers at once;
// poll [Client.Application] for the end.
func (c *Client) CancelApplication(ctx context.Context, applicationID string) error {
	if err := checkApplicationID(applicationID); err != nil {
		return err
	}
	if err := c.require(ctx, "CancelApplication", Flink23); err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodPost, route: "/applications/{applicationid}/cancel", path: "/applications/" + applicationID + "/cancel", idempotent: true})
}

// ApplicationJobManagerConfig returns the JobManager configuration an application runs with
// (Flink 2.3 on).
func (c *Client) ApplicationJobManagerConfig(ctx context.Context, applicationID string) ([]ConfigEntry, error) {
	if err := checkApplicationID(applicationID); err != nil {
		return nil, err
	}
	if err := c.require(ctx, "ApplicationJobManagerConfig", Flink23); err != nil {
		return nil, err
	}
	var out []ConfigEntry
	p := "/applications/" + applicationID + "/jobmanager/config"
	err := c.do(ctx, call{method: http.MethodGet, route: "/applications/{applicationid}/jobmanager/config", path: p, idempotent: true, out: &out})
	return out, err
}

// ApplicationException is a failure of one of an application's jobs.
type ApplicationException struct {
	ExceptionName string `json:"exceptionName"`
	Stacktrace    string `json:"stacktrace"`
	// Timestamp is epoch milliseconds.
	Timestamp int64  `json:"timestamp"`
	JobID     string `json:"jobId"`
}

// ApplicationExceptions returns the failures of an application's jobs, newest first (Flink 2.3
// on).
func (c *Client) ApplicationExceptions(ctx context.Context, applicationID string) ([]ApplicationException, error) {
	if err := checkApplicationID(applicationID); err != nil {
		return nil, err
	}
	if err := c.require(ctx, "ApplicationExceptions", Flink23); err != nil {
		return nil, err
	}
	var out struct {
		History struct {
			Entries []ApplicationException `json:"entries"`
		} `json:"exceptionHistory"`
	}
	p := "/applications/" + applicationID + "/exceptions"
	err := c.do(ctx, call{method: http.MethodGet, route: "/applications/{applicationid}/exceptions", path: p, idempotent: true, out: &out})
	return out.History.Entries, err
}

func checkApplicationID(id string) error {
	if !hex32.MatchString(id) {
		ps := invalid("application ID")
		ps.Add("application ID", id, "want 32 lower-case hex digits, an ID from Applications")
		return ps
	}
	return nil
}
