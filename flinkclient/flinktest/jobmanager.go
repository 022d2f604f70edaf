package flinktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
	"github.com/rtdw/rtdw/internal/problems"
)

// JobManagerConfig configures [NewJobManager]. The zero value is a Flink 1.20 JobManager whose
// operations complete after a few milliseconds.
type JobManagerConfig struct {
	// FlinkVersion is the Flink version to imitate, one of [JobManagerVersions] (a patch version
	// such as "1.20.1" is accepted). "" means "1.20". It decides which REST spec every request and
	// answer is checked against.
	FlinkVersion string
	// ReportedVersion is the version string the fake reports in /config and /overview (default
	// FlinkVersion's major.minor + ".0", or "2.3-SNAPSHOT" for 2.3).
	ReportedVersion string
	// Reporter, when set, is told about every spec violation (a request the spec rejects, or an
	// answer the fake would give that the spec rejects); pass the test's *testing.T (or use
	// [NewTestJobManager]). Violations are also kept for [JobManager.Violations] and returned
	// by [JobManager.Close].
	Reporter Reporter
	// JarDir stores uploaded jars (default: a temporary directory removed by Close).
	JarDir string
	// SavepointDelay is how long a savepoint stays IN_PROGRESS (default 20ms).
	SavepointDelay time.Duration
	// CheckpointDelay is how long a triggered checkpoint stays IN_PROGRESS (default 20ms).
	CheckpointDelay time.Duration
	// CancelDelay is how long a cancelled job stays CANCELLING (default 20ms).
	CancelDelay time.Duration
	// RescaleDelay is how long a job whose resource requirements changed (Flink 1.18 on) stays
	// RESTARTING before it runs with the new parallelism, as the adaptive scheduler restarts it
	// (default 20ms).
	RescaleDelay time.Duration
	// StartDelay is how long a new job stays INITIALIZING before RUNNING (default 0: at once).
	StartDelay time.Duration
	// DefaultSavepointDir plays state.savepoints.dir: a savepoint without a target directory
	// fails, as in Flink, when it is empty.
	DefaultSavepointDir string
	// TaskManagers and SlotsPerTaskManager size the fake cluster (defaults 1 and 4).
	TaskManagers, SlotsPerTaskManager int
}

// validate lists every bad field of c, or returns nil.
func (c JobManagerConfig) validate() error {
	ps := problems.New("flinktest", "JobManagerConfig", nil)
	if c.FlinkVersion != "" {
		if _, err := flinkspec.JobManager(c.FlinkVersion); err != nil {
			ps.Add("FlinkVersion", c.FlinkVersion, "use one of %v", JobManagerVersions())
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"SavepointDelay", c.SavepointDelay}, {"CheckpointDelay", c.CheckpointDelay}, {"CancelDelay", c.CancelDelay}, {"StartDelay", c.StartDelay}, {"RescaleDelay", c.RescaleDelay}} {
		if d.v < 0 {
			ps.Add(d.name, d.v, "use a positive duration, or 0 for the default")
		}
	}
	if c.TaskManagers < 0 {
		ps.Add("TaskManagers", c.TaskManagers, "use a positive number, or 0 for the default 1")
	}
	if c.SlotsPerTaskManager < 0 {
		ps.Add("SlotsPerTaskManager", c.SlotsPerTaskManager, "use a positive number, or 0 for the default 4")
	}
	return ps.Err()
}

// withDefaults returns a copy of c with every zero field set to its documented default.
func (c JobManagerConfig) withDefaults() JobManagerConfig {
	if c.FlinkVersion == "" {
		c.FlinkVersion = "1.20"
	}
	c.FlinkVersion, _ = flinkspec.MajorMinor(c.FlinkVersion)
	if c.ReportedVersion == "" {
		c.ReportedVersion = reportedVersion(c.FlinkVersion)
	}
	if c.SavepointDelay == 0 {
		c.SavepointDelay = 20 * time.Millisecond
	}
	if c.CheckpointDelay == 0 {
		c.CheckpointDelay = 20 * time.Millisecond
	}
	if c.RescaleDelay == 0 {
		c.RescaleDelay = 20 * time.Millisecond
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

// JobManager is an in-process fake Flink JobManager. Every request is validated against the
// chosen version's REST spec, and every answer it gives is validated too before it is sent.
type JobManager struct {
	cfg     JobManagerConfig
	spec    *flinkspec.Spec
	core    specServer
	tempDir string

	mu    sync.Mutex // guards state
	state *jmCluster
}

// NewJobManager starts a fake JobManager on a loopback port. Close it when done. Every bad
// field of cfg is reported in one error; it fails otherwise only when the jar directory cannot
// be created.
func NewJobManager(cfg JobManagerConfig) (*JobManager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	spec, err := flinkspec.JobManager(cfg.FlinkVersion)
	if err != nil {
		return nil, fmt.Errorf("flinktest.NewJobManager: %w", err)
	}
	jm := &JobManager{cfg: cfg, spec: spec}
	if cfg.JarDir == "" {
		dir, err := os.MkdirTemp("", "flinktest-jars-")
		if err != nil {
			return nil, fmt.Errorf("flinktest.NewJobManager: jar directory: %w", err)
		}
		jm.tempDir, jm.cfg.JarDir = dir, dir
	}
	jm.state = newJMCluster(jm.cfg)
	jm.core = specServer{
		name:     "JobManager",
		reporter: cfg.Reporter,
		specFor:  func(*http.Request) *flinkspec.Spec { return spec },
		handle: func(r *http.Request, _ *flinkspec.Spec, route *flinkspec.Route) answer {
			return jm.handle(route.Method+" "+route.Path, route, r)
		},
		unspecified: jm.logFileRequest,
		// The 1.12 and 1.13 documents were generated from the classes Flink serializes, field
		// names included, so there an answer carries only the fields they declare. The later
		// specs name some fields after Java getters rather than the wire (flinkspec's
		// documentation), so they cannot be held to that.
		strict: func(s *flinkspec.Spec) bool { return flinkspec.IsDerived(s.FlinkVersion()) },
	}
	jm.core.start()
	return jm, nil
}

// NewTestJobManager starts a fake JobManager for a test: spec violations fail the test through
// tb.Errorf, and tb.Cleanup closes the server. It fails the test at once on a bad cfg.
func NewTestJobManager(tb testing.TB, cfg JobManagerConfig) *JobManager {
	tb.Helper()
	return startForTest(tb, func(r Reporter) (*JobManager, error) {
		cfg.Reporter = r
		return NewJobManager(cfg)
	})
}

// URL is the fake's base URL, e.g. "http://127.0.0.1:41234".
func (jm *JobManager) URL() string { return jm.core.url() }

// FlinkVersion is the imitated Flink version, major.minor ("1.20", …).
func (jm *JobManager) FlinkVersion() string { return jm.cfg.FlinkVersion }

// Client returns an *http.Client that reaches the fake.
func (jm *JobManager) Client() *http.Client { return jm.core.srv.Client() }

// Close stops the server, removes the temporary jar directory and returns the spec violations
// seen, joined (nil when there were none).
func (jm *JobManager) Close() error {
	err := jm.core.close()
	if jm.tempDir != "" {
		_ = os.RemoveAll(jm.tempDir)
	}
	return err
}

// Violations returns the spec violations seen so far.
func (jm *JobManager) Violations() []error { return jm.core.seen() }

// InjectFault makes requests to route misbehave. route is "METHOD /path/template" as in the
// spec, e.g. "GET /jobs/{jobid}/status", or "*" for every route. Faults on a route apply in the
// order injected, the specific route before "*".
func (jm *JobManager) InjectFault(route string, f Fault) { jm.core.injectFault(route, f) }

// ClearFaults removes every injected fault.
func (jm *JobManager) ClearFaults() { jm.core.clearFaults() }

// Requests counts the requests received on route ("METHOD /path/template" as in the spec,
// e.g. "GET /jobs/{jobid}"), faults included; "?" counts requests that matched no route.
func (jm *JobManager) Requests(route string) int { return jm.core.count(route) }

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
