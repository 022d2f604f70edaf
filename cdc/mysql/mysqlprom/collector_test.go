package mysqlprom

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// expectedSourceMetrics is the exposition of a source named name with the
// given progress (lag excluded: compare it apart when it is not fixed).
func expectedSourceMetrics(name string, p mysql.Progress) string {
	var b strings.Builder
	metric := func(n, typ, help string, v float64) {
		fmt.Fprintf(&b, "# HELP rtdw_cdc_source_%s %s\n# TYPE rtdw_cdc_source_%s %s\nrtdw_cdc_source_%s{source=%q} %g\n", n, help, n, typ, n, name, v)
	}
	fmt.Fprintf(&b, "# HELP rtdw_cdc_source_phase 1 for the phase the CDC source is in (starting, snapshot, binlog, stopped), 0 for the others.\n# TYPE rtdw_cdc_source_phase gauge\n")
	for _, ph := range []mysql.Phase{mysql.PhaseBinlog, mysql.PhaseSnapshot, mysql.PhaseStarting, mysql.PhaseStopped} { // sorted by label value
		v := 0
		if ph == p.Phase {
			v = 1
		}
		fmt.Fprintf(&b, "rtdw_cdc_source_phase{phase=%q,source=%q} %d\n", ph, name, v)
	}
	metric("snapshot_tables", "gauge", "Tables of the CDC source's current snapshot.", float64(p.TablesTotal))
	metric("snapshot_tables_done", "gauge", "Tables of the current snapshot whose every chunk was delivered.", float64(p.TablesDone))
	metric("snapshot_chunks", "gauge", "Chunks of the CDC source's current snapshot.", float64(p.ChunksTotal))
	metric("snapshot_chunks_done", "gauge", "Chunks of the current snapshot delivered to the handler.", float64(p.ChunksDone))
	metric("snapshot_rows_total", "counter", "Snapshot rows the CDC source delivered to its handler.", float64(p.SnapshotRows))
	metric("snapshot_rows_estimate", "gauge", "The server's estimate of the rows of the CDC source's snapshot.", float64(p.RowsEstimate))
	metric("binlog_events_total", "counter", "Change events the CDC source delivered from the binlog.", float64(p.BinlogEvents))
	metric("binlog_reconnects_total", "counter", "Binlog connections the CDC source re-established after a loss.", float64(p.Reconnects))
	metric("binlog_retention_left_seconds", "gauge", "How long the server keeps the binlog file the CDC source's checkpoint needs before it may purge it (0: not measured, or the server purges no binlog by age).", p.BinlogRetentionLeft.Seconds())
	return b.String()
}

// every metric but the lag, whose value depends on the clock.
var sourceMetricNames = []string{
	"rtdw_cdc_source_phase", "rtdw_cdc_source_snapshot_tables", "rtdw_cdc_source_snapshot_tables_done",
	"rtdw_cdc_source_snapshot_chunks", "rtdw_cdc_source_snapshot_chunks_done", "rtdw_cdc_source_snapshot_rows_total",
	"rtdw_cdc_source_snapshot_rows_estimate", "rtdw_cdc_source_binlog_events_total", "rtdw_cdc_source_binlog_reconnects_total",
	"rtdw_cdc_source_binlog_retention_left_seconds",
}

func lagSeconds(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "rtdw_cdc_source_binlog_lag_seconds" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no rtdw_cdc_source_binlog_lag_seconds")
	return 0
}

func TestSourceCollectorReportsProgress(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	p := mysql.Progress{Phase: mysql.PhaseStarting}
	c := newSourceCollector("orders", func() mysql.Progress { mu.Lock(); defer mu.Unlock(); return p })
	set := func(q mysql.Progress) { mu.Lock(); p = q; mu.Unlock() }
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
	if n := testutil.CollectAndCount(c); n != 14 {
		t.Errorf("%d metrics, want 14 (4 phases and 10 more)", n)
	}
	// A built source that has not run.
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics("orders", mysql.Progress{Phase: mysql.PhaseStarting})), sourceMetricNames...); err != nil {
		t.Error(err)
	}
	// Mid-snapshot, then streaming.
	q := mysql.Progress{Phase: mysql.PhaseSnapshot, TablesTotal: 3, TablesDone: 1, ChunksTotal: 40, ChunksDone: 17,
		SnapshotRows: 123456, RowsEstimate: 300000}
	set(q)
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics("orders", q)), sourceMetricNames...); err != nil {
		t.Error(err)
	}
	q = mysql.Progress{Phase: mysql.PhaseBinlog, TablesTotal: 3, TablesDone: 3, ChunksTotal: 40, ChunksDone: 40,
		SnapshotRows: 299000, RowsEstimate: 300000, BinlogEvents: 77, LagMs: 2500, Reconnects: 2, BinlogRetentionLeft: 90 * time.Minute}
	set(q)
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics("orders", q)), sourceMetricNames...); err != nil {
		t.Error(err)
	}
	if lag := lagSeconds(t, c); lag != 2.5 {
		t.Errorf("lag %g s, want 2.5 (2500 ms)", lag)
	}
}

// A built source that has not run is starting, named by its Name.
func TestSourceCollectorOfABuiltSource(t *testing.T) {
	t.Parallel()
	src, err := mysql.NewSource().Name("orders").Hostname("db").Username("u").DatabaseList("shop").Build()
	if err != nil {
		t.Fatal(err)
	}
	c := NewSourceCollector(src)
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics("orders", mysql.Progress{Phase: mysql.PhaseStarting})), sourceMetricNames...); err != nil {
		t.Error(err)
	}
}

// Two sources with the same Name cannot share a registry: the error says so
// at registration rather than mixing their numbers.
func TestSourceCollectorsNeedDistinctNames(t *testing.T) {
	t.Parallel()
	build := func(name string) *mysql.Source {
		src, err := mysql.NewSource().Name(name).Hostname("db").Username("u").DatabaseList("shop").Build()
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(NewSourceCollector(build("a"))); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(NewSourceCollector(build("b"))); err != nil {
		t.Fatalf("a second source with another name: %v", err)
	}
	if err := reg.Register(NewSourceCollector(build("a"))); err == nil {
		t.Fatal("a second source named a was registered")
	}
}

// The metrics of a real capture: a snapshot of 5 rows in 3 chunks, then 2
// binlog changes.
func TestSourceCollectorDuringCapture(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)")
		cfg := testConfig(db, "t")
		cfg.Name = "capture_" + string(db.Flavor)
		cfg.SplitSize = 2
		src, err := mysql.NewSourceFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := NewSourceCollector(src)
		h := &counter{}
		done := make(chan error, 1)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { done <- src.Run(ctx, cdc.Unbuffered(h)) }()
		h.waitFor(t, "snapshot", 5)
		waitPhase(t, src, mysql.PhaseBinlog)
		before := time.Now()
		db.Exec(t, "INSERT INTO t VALUES (6, 6)", "UPDATE t SET v = 9 WHERE id = 1")
		h.waitFor(t, "2 changes", 7)
		// The progress is updated right after the handler returns.
		deadline := time.Now().Add(5 * time.Second)
		for src.Progress().BinlogEvents < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p := src.Progress()
		want := mysql.Progress{Phase: mysql.PhaseBinlog, TablesTotal: 1, TablesDone: 1, ChunksTotal: p.ChunksTotal, ChunksDone: p.ChunksTotal,
			SnapshotRows: 5, RowsEstimate: p.RowsEstimate, BinlogEvents: 2}
		if p.ChunksTotal < 3 {
			t.Errorf("%d chunks of 2 rows for 5 rows", p.ChunksTotal)
		}
		// The retention left depends on the clock, and on the server's
		// binlog_expire_logs_seconds (0 on the test's MariaDB).
		stable := slices.DeleteFunc(slices.Clone(sourceMetricNames), func(n string) bool { return n == "rtdw_cdc_source_binlog_retention_left_seconds" })
		if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics(cfg.Name, want)), stable...); err != nil {
			t.Error(err)
		}
		if lag, most := lagSeconds(t, c), time.Since(before).Seconds()+1; lag < 0 || lag > most {
			t.Errorf("lag %g s, want between 0 and %g", lag, most)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want.Phase = mysql.PhaseStopped
		if err := testutil.CollectAndCompare(c, strings.NewReader(expectedSourceMetrics(cfg.Name, want)), sourceMetricNames...); err != nil {
			t.Error(err)
		}
	})
}

// testConfig captures tables of src's database, with a server id no other
// test process uses.
func testConfig(src *testenv.Source, tables ...string) mysql.Config {
	for i, t := range tables {
		tables[i] = src.Database + "." + t
	}
	cfg := mysql.DefaultConfig()
	cfg.Hostname, cfg.Port, cfg.Username, cfg.Password = src.Host, src.Port, src.User, src.Password
	cfg.DatabaseList, cfg.TableList = []string{src.Database}, tables
	cfg.ServerID = fmt.Sprint(3_000_000_000 + rand.Uint32N(1<<30))
	cfg.OffsetCommitInterval = 10 * time.Millisecond
	cfg.ConnectTimeout, cfg.MaxReconnectDuration = 10*time.Second, 10*time.Second
	return cfg
}

// counter counts the events it is handed.
type counter struct{ n atomic.Int64 }

func (c *counter) HandleEvents(_ context.Context, events []cdc.Event) error {
	c.n.Add(int64(len(events)))
	return nil
}

func (c *counter) waitFor(t *testing.T, what string, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.n.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %d events, want %d", what, c.n.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitPhase(t *testing.T, src *mysql.Source, ph mysql.Phase) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for src.Progress().Phase != ph {
		if time.Now().After(deadline) {
			t.Fatalf("source still in phase %s, want %s", src.Progress().Phase, ph)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
