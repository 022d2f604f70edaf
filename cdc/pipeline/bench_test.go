package pipeline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The figures of the embedded runner, each beside the plain pipe in the
// same run; scripts/bench-pipeline.sh runs them, as
//
//	eval "$(scripts/services.sh env)"
//	go test -run '^$' -bench 'Pipeline' -benchtime 1x -timeout 30m ./cdc/pipeline
//
// RTDW_BENCH_ROWS sets the snapshot's rows (default 2,000,000),
// RTDW_BENCH_RATE the binlog benchmark's target row changes per second
// (default 20,000) and RTDW_BENCH_SECONDS its duration (default 15).

func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func needPrograms(b *testing.B) {
	for _, prog := range []string{"mariadb", "clickhouse-client"} {
		if _, err := exec.LookPath(prog); err != nil {
			b.Skipf("%s not installed: %v", prog, err)
		}
	}
}

// loadPipelineBench fills table bench of a MariaDB database with n rows
// from the sequence engine, outside the binlog (the benchmarks snapshot it).
func loadPipelineBench(b *testing.B, src *testenv.Source, n int) {
	b.Helper()
	src.Exec(b, "CREATE TABLE bench (id BIGINT PRIMARY KEY, k INT NOT NULL, s VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, created DATETIME NOT NULL, ts BIGINT NOT NULL DEFAULT 0)")
	src.ExecSession(b, false, fmt.Sprintf(
		"INSERT INTO bench SELECT seq, seq %% 1000, CONCAT('name-', seq), seq / 100, '2024-01-01 00:00:00' + INTERVAL seq SECOND, 0 FROM seq_1_to_%d", n))
}

// pipeBench copies the table with mariadb --quick | clickhouse-client.
func pipeBench(b *testing.B, src *testenv.Source, ch *testenv.ClickHouse, table string) time.Duration {
	b.Helper()
	if err := ch.Conn.Exec(context.Background(), "CREATE TABLE "+table+" (id Int64, k Int32, s String, amount Decimal(12, 2), created DateTime('UTC'), ts Int64) ENGINE = MergeTree ORDER BY id"); err != nil {
		b.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ch.Addr)
	script := fmt.Sprintf(`mariadb --no-defaults --skip-ssl -h%s -P%d -u%s --quick -N -B -e 'SELECT id, k, s, amount, created, ts FROM bench' %s | clickhouse-client --host %s --port %s --query 'INSERT INTO %s.%s FORMAT TabSeparated'`,
		src.Host, src.Port, src.User, src.Database, host, port, ch.Database, table)
	start := time.Now()
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+src.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pipe: %v\n%s", err, out)
	}
	return time.Since(start)
}

func benchSource(b *testing.B, src *testenv.Source, startup mysql.StartupOptions) *mysql.Source {
	b.Helper()
	base := 100_000 + rand.IntN(1_000_000)
	s, err := mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.bench`).
		ServerID(fmt.Sprintf("%d-%d", base, base+3)).StartupOptions(startup).
		OffsetCommitInterval(200 * time.Millisecond).
		Build()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// heapPeakDuring samples the heap in use every 20ms until stop.
func heapPeakDuring() (stop func() uint64) {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkPipelineSnapshot copies a MariaDB table of RTDW_BENCH_ROWS rows
// into ClickHouse three ways in each iteration of one run and reports
// rows/s for each and the pipeline's ratio to the pipe:
//
//   - pipe: mariadb --quick -e 'SELECT …' | clickhouse-client --query 'INSERT … FORMAT TabSeparated'
//   - source: the pipeline into a sink that drops the rows (the ceiling the
//     source and the runner set)
//   - plain: a pipeline of the MySQL source (SnapshotOnly) into the clickhouse sink
//   - transformed: the same with a projection (a computed and a metadata
//     column) and a filter keeping about 90% of the rows
//
// and heap-MiB, the peak HeapInuse while the plain pipeline ran.
func BenchmarkPipelineSnapshot(b *testing.B) {
	needPrograms(b)
	n := benchEnvInt("RTDW_BENCH_ROWS", 2_000_000)
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadPipelineBench(b, src, n)
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	runPipeline := func(i int, name string, transform ...pipeline.TransformStep) (time.Duration, uint64, uint64) {
		var sink interface {
			cdc.Sink
			Close(context.Context) error
		}
		if name == "discard" {
			sink = &discardSink{}
		} else {
			chSink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{})
			if err != nil {
				b.Fatal(err)
			}
			sink = chSink
		}
		bld := pipeline.New(name).From(benchSource(b, src, mysql.SnapshotOnly())).
			Route(src.Database+`\.bench`, fmt.Sprintf("%s.%s_%d", ch.Database, name, i)).To(sink)
		if len(transform) > 0 {
			bld.Transform(src.Database+`\.bench`, transform...)
		}
		p, err := bld.Build()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := heapPeakDuring()
		start := time.Now()
		if err := p.Run(ctx); err != nil {
			b.Fatal(err)
		}
		if err := sink.Close(ctx); err != nil {
			b.Fatal(err)
		}
		took, heap := time.Since(start), stop()
		switch s := sink.(type) {
		case *clickhouse.Sink:
			return took, heap, s.Stats().RowsWritten
		case *discardSink:
			return took, heap, s.rows
		}
		return took, heap, 0
	}
	b.ResetTimer()
	for i := range b.N {
		pipe := pipeBench(b, src, ch, fmt.Sprintf("pipe_%d", i))
		sourceOnly, _, _ := runPipeline(i, "discard")
		plain, heap, rows := runPipeline(i, "plain")
		if rows != uint64(n) {
			b.Fatalf("the pipeline wrote %d rows, want %d", rows, n)
		}
		transformed, _, kept := runPipeline(i, "transformed",
			pipeline.Projection("id, k, UPPER(s) AS s, amount * 100 AS cents, created, __table_name__ AS src"),
			pipeline.Filter("k % 10 <> 0"))
		if want := uint64(n - n/10); kept < want-1 || kept > want+1 {
			b.Fatalf("the transformed pipeline wrote %d rows, want about %d", kept, want)
		}
		b.ReportMetric(float64(n)/pipe.Seconds(), "pipe-rows/s")
		b.ReportMetric(float64(n)/sourceOnly.Seconds(), "source-rows/s")
		b.ReportMetric(float64(n)/plain.Seconds(), "rows/s")
		b.ReportMetric(float64(n)/transformed.Seconds(), "transformed-rows/s")
		b.ReportMetric(pipe.Seconds()/plain.Seconds(), "ratio")
		b.ReportMetric(pipe.Seconds()/transformed.Seconds(), "transformed-ratio")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	}
}

// discardSink counts and drops rows.
type discardSink struct{ rows uint64 }

func (d *discardSink) HandleEvents(_ context.Context, events []cdc.Event) error {
	d.rows += uint64(len(events))
	return nil
}
func (d *discardSink) Flush(context.Context) error { return nil }
func (d *discardSink) Close(context.Context) error { return nil }

// lagSink wraps the clickhouse sink to measure, for every changed row,
// the time from the writer's commit (the ts column, Unix nanoseconds set in
// the statement) to its batch insert returning: the rows handed to the sink
// before an insert succeeded are visible when it returns.
type lagSink struct {
	cdc.Sink
	mu      sync.Mutex
	pending []int64
	lags    []time.Duration
}

func (l *lagSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	l.mu.Lock()
	for i := range events {
		if events[i].After != nil && events[i].Schema != nil {
			if v, ok := events[i].Schema.Value(events[i].After, "ts"); ok {
				if ts, ok := v.(int64); ok && ts > 0 {
					l.pending = append(l.pending, ts)
				}
			}
		}
	}
	l.mu.Unlock()
	return l.Sink.HandleEvents(ctx, events)
}

// inserted is the sink's OnFlush: the rows handed so far are visible.
func (l *lagSink) inserted(f clickhouse.FlushInfo) {
	if f.Err != nil {
		return
	}
	now := time.Now().UnixNano()
	l.mu.Lock()
	for _, ts := range l.pending {
		l.lags = append(l.lags, time.Duration(now-ts))
	}
	l.pending = l.pending[:0]
	l.mu.Unlock()
}

// BenchmarkPipelineBinlog changes rows of a MariaDB table at a target rate
// (RTDW_BENCH_RATE row changes/s, in range UPDATEs every 50ms, for
// RTDW_BENCH_SECONDS) while a pipeline streams them into ClickHouse, and
// reports the rate the server sustained, the pipeline's delivered rate, and
// the p50, p99 and max lag from each row's commit in MariaDB to its insert
// into ClickHouse returning.
func BenchmarkPipelineBinlog(b *testing.B) {
	needPrograms(b)
	rate := benchEnvInt("RTDW_BENCH_RATE", 20_000)
	seconds := benchEnvInt("RTDW_BENCH_SECONDS", 15)
	const rows = 200_000
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadPipelineBench(b, src, rows)
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	b.ResetTimer()
	for i := range b.N {
		l := &lagSink{}
		sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{FlushInterval: 100 * time.Millisecond, OnFlush: l.inserted})
		if err != nil {
			b.Fatal(err)
		}
		l.Sink = sink
		p, err := pipeline.New("binlog").From(benchSource(b, src, mysql.Latest())).
			Route(src.Database+`\.bench`, fmt.Sprintf("%s.binlog_%d", ch.Database, i)).To(l).Build()
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(runCtx) }()
		time.Sleep(2 * time.Second) // connected, streaming from the latest position
		// The writer: every 50ms, one UPDATE of the next range of ids.
		per := max(rate/20, 1)
		changed, next := 0, 1
		start := time.Now()
		tick := time.NewTicker(50 * time.Millisecond)
		for time.Since(start) < time.Duration(seconds)*time.Second {
			<-tick.C
			lo := next
			hi := lo + per - 1
			if hi > rows {
				lo, hi = 1, per
			}
			next = hi + 1
			res, err := src.DB.ExecContext(ctx, "UPDATE bench SET k = k + 1, ts = ? WHERE id BETWEEN ? AND ?", time.Now().UnixNano(), lo, hi)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := res.RowsAffected()
			changed += int(n)
		}
		tick.Stop()
		writeTime := time.Since(start)
		// Wait until every change arrived.
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			l.mu.Lock()
			got := len(l.lags)
			l.mu.Unlock()
			if got >= changed {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d changes arrived", got, changed)
			}
		}
		delivered := time.Since(start)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		_ = sink.Close(ctx)
		lags := slices.Clone(l.lags)
		slices.Sort(lags)
		at := func(q float64) float64 { return lags[min(len(lags)-1, int(q*float64(len(lags))))].Seconds() }
		b.ReportMetric(float64(changed)/writeTime.Seconds(), "written-rows/s")
		b.ReportMetric(float64(changed)/delivered.Seconds(), "delivered-rows/s")
		b.ReportMetric(at(0.5), "p50-lag-s")
		b.ReportMetric(at(0.99), "p99-lag-s")
		b.ReportMetric(lags[len(lags)-1].Seconds(), "max-lag-s")
	}
}
