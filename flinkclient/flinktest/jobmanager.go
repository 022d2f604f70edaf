package flinktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

// JobManagerReporter receives the fake JobManager's spec violations as they happen. *testing.T and *testing.B satisfy it.
type JobManagerReporter interface {
	Errorf(format string, args ...any)
}

// JobManagerConfig configures [NewJobManager]. The zero value is a Flink 1.20 JobManager whose
// operations complete after a few milliseconds.
type JobManagerConfig struct {
	// Version is the Flink version whose REST spec the fake follows: "1.15", "1.18", "1.20",
	// "2.0" or "2.3" (default "1.20").
	Version string
	// FlinkVersion is the version string the fake reports in /config and /overview (default
	// Version + ".0", or "2.3-SNAPSHOT" for 2.3).
	FlinkVersion string
	// Reporter, when set, is told about every spec violation (a request the spec rejects, or an
	// answer the fake would give that the spec rejects). Violations are also kept for
	// [JobManager.Violations] and returned by [JobManager.Close].
	Reporter JobManagerReporter
	// JarDir stores uploaded jars (default: a temporary directory removed by Close).
	JarDir string
	// SavepointDelay is how long a savepoint stays IN_PROGRESS (default 20ms).
	SavepointDelay time.Duration
	// CheckpointDelay is how long a triggered checkpoint stays IN_PROGRESS (default 20ms).
	CheckpointDelay time.Duration
	// CancelDelay is how long a cancelled job stays CANCELLING (default 20ms).
	CancelDelay time.Duration
	// StartDelay is how long a new job stays INITIALIZING before RUNNING (default 0: at once).
	StartDelay time.Duration
	// DefaultSavepointDir plays state.savepoints.dir: a savepoint without a target directory
	// fails, as in Flink, when it is empty.
	DefaultSavepointDir string
	// TaskManagers and SlotsPerTaskManager size the fake cluster (defaults 1 and 4).
	TaskManagers, SlotsPerTaskManager int
}

func (c JobManagerConfig) withDefaults() JobManagerConfig {
	if c.Version == "" {
		c.Version = "1.20"
	}
	if c.FlinkVersion == "" {
		if c.Version == "2.3" {
			c.FlinkVersion = "2.3-SNAPSHOT"
		} else {
			c.FlinkVersion = c.Version + ".0"
		}
	}
	if c.SavepointDelay == 0 {
		c.SavepointDelay = 20 * time.Millisecond
	}
	if c.CheckpointDelay == 0 {
		c.CheckpointDelay = 20 * time.Millisecond
	}
	if c.CancelDelay == 0 {
		c.CancelDelay = 20 * time.Millisecond
	}
	if c.TaskManagers == 0 {
		c.TaskManagers = 1
	}
	if c.SlotsPerTaskManager == 0 {
		c.SlotsPerTaskManager = 4
	}
	return c
}

// JobManagerVersions lists the Flink versions the fake JobManager can play, oldest first.
func JobManagerVersions() []string { return flinkspec.JobManagerVersions() }

// JobManagerFault is a misbehaviour injected on one route with [JobManager.InjectFault].
type JobManagerFault struct {
	// Status answers with this HTTP status and Flink's error body (unless Body is set).
	Status int
	// Body answers with this raw body instead (e.g. a proxy's HTML page), with ContentType
	// (default "text/html") and Status (default 502). Raw bodies are not spec-checked.
	Body        string
	ContentType string
	// Delay waits before answering (or before the other fault), or until the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer, before the request is handled.
	Drop bool
	// DropAnswer handles the request (state changes happen) and then closes the connection
	// without an answer: a lost response, as when a proxy times out.
	DropAnswer bool
	// Times limits the fault to the next Times matching requests (0 = every request).
	Times int
}

// JobManager is an in-process fake Flink JobManager. Every request is validated against the
// chosen version's REST spec, and every answer it gives is validated too before it is sent.
type JobManager struct {
	cfg     JobManagerConfig
	spec    *flinkspec.Spec
	srv     *httptest.Server
	tempDir string

	mu         sync.Mutex
	violations []error
	faults     map[string][]*JobManagerFault
	requests   map[string]int
	state      *jmCluster
}

// NewJobManager starts a fake JobManager on a loopback port. It fails only for an unknown
// version or when the jar directory cannot be created.
func NewJobManager(cfg JobManagerConfig) (*JobManager, error) {
	cfg = cfg.withDefaults()
	spec, err := flinkspec.JobManager(cfg.Version)
	if err != nil {
		return nil, fmt.Errorf("flinktest: %w", err)
	}
	jm := &JobManager{cfg: cfg, spec: spec, faults: map[string][]*JobManagerFault{}, requests: map[string]int{}}
	if cfg.JarDir == "" {
		dir, err := os.MkdirTemp("", "flinktest-jars-")
		if err != nil {
			return nil, fmt.Errorf("flinktest: jar directory: %w", err)
		}
		jm.tempDir, jm.cfg.JarDir = dir, dir
	}
	jm.state = newJMCluster(jm.cfg)
	jm.srv = httptest.NewServer(http.HandlerFunc(jm.serveHTTP))
	return jm, nil
}

// NewTestJobManager starts a fake JobManager of a Flink version for a test: spec violations
// fail the test through tb.Errorf, and the server is closed by tb.Cleanup.
func NewTestJobManager(tb testing.TB, version string) *JobManager {
	tb.Helper()
	jm, err := NewJobManager(JobManagerConfig{Version: version, Reporter: tb})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = jm.Close() })
	return jm
}

// URL is the fake's base URL, e.g. "http://127.0.0.1:41234".
func (jm *JobManager) URL() string { return jm.srv.URL }

// Version is the Flink version the fake plays.
func (jm *JobManager) Version() string { return jm.cfg.Version }

// Client returns an *http.Client that reaches the fake.
func (jm *JobManager) Client() *http.Client { return jm.srv.Client() }

// Close stops the server, removes the temporary jar directory and returns the spec violations
// seen, joined (nil when there were none).
func (jm *JobManager) Close() error {
	jm.srv.CloseClientConnections()
	jm.srv.Close()
	if jm.tempDir != "" {
		_ = os.RemoveAll(jm.tempDir)
	}
	return errors.Join(jm.Violations()...)
}

// Violations returns the spec violations seen so far.
func (jm *JobManager) Violations() []error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	return append([]error(nil), jm.violations...)
}

// InjectFault makes requests to route misbehave. route is "METHOD /path/template" as in the
// spec, e.g. "GET /jobs/{jobid}/status", or "*" for every route. Faults on a route apply in the
// order injected, the specific route before "*".
func (jm *JobManager) InjectFault(route string, f JobManagerFault) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	f2 := f
	jm.faults[route] = append(jm.faults[route], &f2)
}

// ClearFaults removes every injected fault.
func (jm *JobManager) ClearFaults() {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.faults = map[string][]*JobManagerFault{}
}

// Requests counts the requests received on route ("METHOD /path/template"), faults included.
func (jm *JobManager) Requests(route string) int {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	return jm.requests[route]
}

func (jm *JobManager) violation(err error) {
	jm.mu.Lock()
	jm.violations = append(jm.violations, err)
	jm.mu.Unlock()
	if jm.cfg.Reporter != nil {
		jm.cfg.Reporter.Errorf("flinktest: spec violation: %v", err)
	}
}

func (jm *JobManager) takeFault(key string) *JobManagerFault {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	for _, k := range []string{key, "*"} {
		list := jm.faults[k]
		for i, f := range list {
			if f.Times > 0 {
				f.Times--
				if f.Times == 0 {
					jm.faults[k] = append(list[:i:i], list[i+1:]...)
				}
			}
			return f
		}
	}
	return nil
}

// jmAnswer is a handler's reply before encoding.
type jmAnswer struct {
	status int
	body   any // encoded as JSON; nil means "{}"
}

func jmError(status int, msg string) jmAnswer {
	return jmAnswer{status: status, body: map[string][]string{"errors": {msg}}}
}

func (jm *JobManager) serveHTTP(w http.ResponseWriter, r *http.Request) {
	route, err := jm.spec.ValidateRequest(r)
	key := "?"
	if route != nil {
		key = route.Method + " " + route.Path
	}
	jm.mu.Lock()
	jm.requests[key]++
	jm.mu.Unlock()
	dropAnswer := false
	if f := jm.takeFault(key); f != nil {
		if f.DropAnswer {
			dropAnswer = true
		} else if jm.applyFault(w, r, f) {
			return
		}
	}
	if err != nil {
		jm.violation(fmt.Errorf("%s %s: %w", r.Method, r.URL.RequestURI(), err))
		switch {
		case errors.Is(err, flinkspec.ErrNoRoute):
			jmWriteJSON(w, http.StatusNotFound, []byte(`{"errors":["Not found: `+jmJSONEscape(r.URL.Path)+`"]}`))
		case errors.Is(err, flinkspec.ErrMethodNotAllowed):
			jmWriteJSON(w, http.StatusMethodNotAllowed, []byte(`{"errors":["Not allowed: `+jmJSONEscape(r.Method+" "+r.URL.Path)+`"]}`))
		default:
			b, _ := json.Marshal(map[string][]string{"errors": {err.Error()}})
			jmWriteJSON(w, http.StatusBadRequest, b)
		}
		return
	}
	a := jm.handle(key, route, r)
	var body []byte
	if a.body == nil {
		body = []byte("{}")
	} else {
		body, err = json.Marshal(a.body)
		if err != nil {
			a = jmError(http.StatusInternalServerError, "flinktest: encode jmAnswer: "+err.Error())
			body, _ = json.Marshal(a.body)
		}
	}
	if dropAnswer {
		jm.applyFault(w, r, &JobManagerFault{Drop: true})
		return
	}
	h := http.Header{"Content-Type": {"application/json; charset=UTF-8"}}
	if verr := jm.spec.ValidateResponse(route, a.status, h, body); verr != nil {
		jm.violation(verr)
		body, _ = json.Marshal(map[string][]string{"errors": {"flinktest: the fake's own jmAnswer violates the spec: " + verr.Error()}})
		a.status = http.StatusInternalServerError
	}
	jmWriteJSON(w, a.status, body)
}

// applyFault plays f; it returns false when the request should then be served normally
// (a pure delay).
func (jm *JobManager) applyFault(w http.ResponseWriter, r *http.Request, f *JobManagerFault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // aborts the connection when hijacking is impossible
	case f.Body != "":
		ct := f.ContentType
		if ct == "" {
			ct = "text/html"
		}
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return true
	case f.Status != 0:
		b, _ := json.Marshal(map[string][]string{"errors": {fmt.Sprintf("flinktest: injected fault (%d)", f.Status)}})
		jmWriteJSON(w, f.Status, b)
		return true
	}
	return false
}

func jmWriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func jmJSONEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// jmDecodeBody reads a JSON request body; an empty body is "{}" as in Flink.
func jmDecodeBody(r *http.Request, v any) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return err
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return nil
	}
	return json.Unmarshal(buf.Bytes(), v)
}
