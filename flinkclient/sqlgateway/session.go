package sqlgateway

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"
)

// SessionOptions are the settings of a new session. The zero value opens an
// unnamed session with the gateway's default configuration.
type SessionOptions struct {
	// Name is shown by the gateway (sessionName); optional.
	Name string
	// Properties override the gateway's configuration for this session,
	// e.g. "execution.runtime-mode": "batch".
	Properties map[string]string
}

// Session is one SQL Gateway session: a catalog/configuration context in
// which statements run. Sessions expire on the gateway when idle; call
// [Session.Heartbeat] to keep a long-lived one alive, and [Session.Close]
// when done.
type Session struct {
	c       *Client
	handle  string
	version APIVersion
	closed  atomic.Bool
}

// OpenSession opens a session (POST /sessions). It is never retried, so a
// lost answer cannot open two sessions.
func (c *Client) OpenSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	v, err := c.APIVersion(ctx)
	if err != nil {
		return nil, err
	}
	req := struct {
		Properties  map[string]string `json:"properties,omitempty"`
		SessionName string            `json:"sessionName,omitempty"`
	}{opts.Properties, opts.Name}
	var resp struct {
		SessionHandle string `json:"sessionHandle"`
	}
	path := "/" + v.String() + "/sessions"
	if err := c.do(ctx, call{method: "POST", path: path, body: req, out: &resp}); err != nil {
		return nil, err
	}
	if resp.SessionHandle == "" {
		return nil, &Error{Method: "POST", Path: path, Status: 200, Err: fmt.Errorf("answer has no sessionHandle")}
	}
	return &Session{c: c, handle: resp.SessionHandle, version: v}, nil
}

// AttachSession returns a [Session] for a handle opened earlier (for example
// by another process), speaking REST API version v. It does no I/O.
func (c *Client) AttachSession(handle string, v APIVersion) *Session {
	return &Session{c: c, handle: handle, version: v}
}

// Handle is the gateway's identifier of the session.
func (s *Session) Handle() string { return s.handle }

// APIVersion is the REST API version the session speaks.
func (s *Session) APIVersion() APIVersion { return s.version }

func (s *Session) path(suffix string) string {
	return "/" + s.version.String() + "/sessions/" + url.PathEscape(s.handle) + suffix
}

func (s *Session) check() error {
	if s.closed.Load() {
		return fmt.Errorf("session %s: %w", s.handle, ErrClosed)
	}
	return nil
}

// Properties returns the session's effective configuration
// (GET /sessions/{handle}).
func (s *Session) Properties(ctx context.Context) (map[string]string, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var resp struct {
		Properties map[string]string `json:"properties"`
	}
	err := s.c.do(ctx, call{method: "GET", path: s.path(""), idempotent: true, out: &resp})
	return resp.Properties, err
}

// Configure runs a statement that changes the session (CREATE/DROP/ALTER
// TABLE, USE CATALOG, LOAD MODULE, ADD JAR, …) and waits for it
// (POST /sessions/{handle}/configure-session, REST API V2 and later).
// timeout, when positive, bounds the execution on the gateway.
func (s *Session) Configure(ctx context.Context, statement string, timeout time.Duration) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := needVersion(s.version, V2, "configure-session"); err != nil {
		return err
	}
	req := struct {
		Statement        string `json:"statement"`
		ExecutionTimeout int64  `json:"executionTimeout,omitempty"`
	}{statement, timeout.Milliseconds()}
	return s.c.do(ctx, call{method: "POST", path: s.path("/configure-session"), body: req})
}

// Heartbeat tells the gateway the client is still there, so the session does
// not expire (POST /sessions/{handle}/heartbeat). It is retried like a GET.
func (s *Session) Heartbeat(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: "POST", path: s.path("/heartbeat"), idempotent: true})
}

// CompleteStatement returns completion hints for statement at the given
// byte position (GET /sessions/{handle}/complete-statement, V2 and later).
func (s *Session) CompleteStatement(ctx context.Context, statement string, position int) ([]string, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := needVersion(s.version, V2, "complete-statement"); err != nil {
		return nil, err
	}
	req := struct {
		Position  int    `json:"position"`
		Statement string `json:"statement"`
	}{position, statement}
	var resp struct {
		Candidates []string `json:"candidates"`
	}
	err := s.c.do(ctx, call{method: "GET", path: s.path("/complete-statement"), body: req, idempotent: true, out: &resp})
	return resp.Candidates, err
}

// Close closes the session and every operation in it
// (DELETE /sessions/{handle}). Closing a closed session is a no-op.
func (s *Session) Close(ctx context.Context) error {
	if s.closed.Load() {
		return nil
	}
	var resp struct {
		Status string `json:"status"`
	}
	if err := s.c.do(ctx, call{method: "DELETE", path: s.path(""), out: &resp}); err != nil {
		return err
	}
	s.closed.Store(true)
	return nil
}

// ExecuteOptions tune one statement. The zero value runs it with the
// session's configuration and no gateway-side timeout.
type ExecuteOptions struct {
	// Config overrides session configuration for this statement only
	// (executionConfig), e.g. "parallelism.default": "4".
	Config map[string]string
	// Timeout, when positive, bounds the execution on the gateway
	// (executionTimeout, sent in milliseconds).
	Timeout time.Duration
}

// Execute submits a statement (POST /sessions/{handle}/statements) and
// returns its operation at once; read its rows with [Operation.Results] or
// [Operation.Rows]. A statement that fails in Flink is reported when its
// results are fetched, as an error matching [ErrStatementFailed]. Execute is
// never retried.
func (s *Session) Execute(ctx context.Context, statement string, opts ExecuteOptions) (*Operation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	req := struct {
		ExecutionConfig  map[string]string `json:"executionConfig,omitempty"`
		ExecutionTimeout int64             `json:"executionTimeout,omitempty"`
		Statement        string            `json:"statement"`
	}{opts.Config, opts.Timeout.Milliseconds(), statement}
	var resp struct {
		OperationHandle string `json:"operationHandle"`
	}
	path := s.path("/statements")
	if err := s.c.do(ctx, call{method: "POST", path: path, body: req, out: &resp}); err != nil {
		return nil, err
	}
	if resp.OperationHandle == "" {
		return nil, &Error{Method: "POST", Path: path, Status: 200, Err: fmt.Errorf("answer has no operationHandle")}
	}
	return &Operation{s: s, handle: resp.OperationHandle}, nil
}

// RefreshMaterializedTableOptions are the fields of a materialized-table
// refresh. The zero value refreshes the whole table now.
type RefreshMaterializedTableOptions struct {
	Periodic         bool              // a periodic (scheduled) refresh
	ScheduleTime     string            // the schedule time, as Flink formats it
	StaticPartitions map[string]string // partition spec to refresh
	DynamicOptions   map[string]string // table hints for this refresh
	Config           map[string]string // executionConfig
}

// RefreshMaterializedTable refreshes a materialized table given by its fully
// qualified identifier ("catalog.db.table")
// (POST /sessions/{handle}/materialized-tables/{identifier}/refresh). Only
// REST API V3 (Flink 2.0 and later) has it; V4 dropped it again, so pin V3
// with [WithAPIVersion] to use it against a V4 gateway.
func (s *Session) RefreshMaterializedTable(ctx context.Context, identifier string, opts RefreshMaterializedTableOptions) (*Operation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.version != V3 {
		return nil, fmt.Errorf("%w: materialized-table refresh exists only in REST API v3, the session uses %s", ErrUnsupportedAPIVersion, s.version)
	}
	req := struct {
		IsPeriodic       bool              `json:"isPeriodic"`
		ScheduleTime     string            `json:"scheduleTime,omitempty"`
		StaticPartitions map[string]string `json:"staticPartitions,omitempty"`
		DynamicOptions   map[string]string `json:"dynamicOptions,omitempty"`
		ExecutionConfig  map[string]string `json:"executionConfig,omitempty"`
	}{opts.Periodic, opts.ScheduleTime, opts.StaticPartitions, opts.DynamicOptions, opts.Config}
	var resp struct {
		OperationHandle string `json:"operationHandle"`
	}
	path := s.path("/materialized-tables/" + url.PathEscape(identifier) + "/refresh")
	if err := s.c.do(ctx, call{method: "POST", path: path, body: req, out: &resp}); err != nil {
		return nil, err
	}
	return &Operation{s: s, handle: resp.OperationHandle}, nil
}

// DeployScriptOptions name the SQL script to deploy: Script (the text) or
// ScriptURI (where the cluster can read it), plus Flink configuration.
type DeployScriptOptions struct {
	Script    string
	ScriptURI string
	Config    map[string]string
}

// DeployScript deploys a SQL script as an application-mode cluster and
// returns the cluster id (POST /sessions/{handle}/scripts, REST API V4).
func (s *Session) DeployScript(ctx context.Context, opts DeployScriptOptions) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	if err := needVersion(s.version, V4, "deploying a script"); err != nil {
		return "", err
	}
	if (opts.Script == "") == (opts.ScriptURI == "") {
		return "", fmt.Errorf("sqlgateway: DeployScript: set exactly one of Script and ScriptURI")
	}
	req := struct {
		Script          string            `json:"script,omitempty"`
		ScriptURI       string            `json:"scriptUri,omitempty"`
		ExecutionConfig map[string]string `json:"executionConfig,omitempty"`
	}{opts.Script, opts.ScriptURI, opts.Config}
	var resp struct {
		ClusterID string `json:"clusterID"`
	}
	err := s.c.do(ctx, call{method: "POST", path: s.path("/scripts"), body: req, out: &resp})
	return resp.ClusterID, err
}

// KeepAlive sends a heartbeat every interval (0 means one minute) until ctx
// ends, so that a session used only now and then does not expire on the
// gateway (sql-gateway.session.idle-timeout, 10 minutes by default). Run it
// in its own goroutine. It returns ctx's error when ctx ends, or the first
// heartbeat error (after the retries every heartbeat gets), for example one
// matching [ErrSessionNotFound].
func (s *Session) KeepAlive(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := s.Heartbeat(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
		}
	}
}
