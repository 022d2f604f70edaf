//go:build unix

package clickhouse

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	chcolumn "github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
	"github.com/shopspring/decimal"
)

// benchRows is the number of rows of BenchmarkSinkVsPipe
// (RTDW_BENCH_ROWS, default 2,000,000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("RTDW_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 2_000_000
}

func benchSchema(db string) *cdc.TableSchema {
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: db, Table: "bench"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
			{Name: "k", Type: cdc.ColumnType{Kind: cdc.KindInt}},
			{Name: "s", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}},
			{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 12, Scale: 2}},
			{Name: "created", Type: cdc.ColumnType{Kind: cdc.KindDateTime}},
		},
		PrimaryKey: []string{"id"},
	}
}

// heapStats are the heap figures of a benchmark run, in bytes.
type heapStats struct {
	// inuse is runtime.MemStats.HeapInuse: live objects and garbage not
	// collected yet, which the GC lets grow with the live heap (GOGC).
	inuse uint64
	// live is the heap the last GC found live (/gc/heap/live:bytes).
	live uint64
}

func readHeap() heapStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return heapStats{inuse: ms.HeapInuse, live: sample[0].Value.Uint64()}
}

// heapPeak samples the heap every 20 ms until stop is called and returns
// the peaks.
func heapPeak() (stop func() heapStats) {
	var mu sync.Mutex
	var peak heapStats
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			h := readHeap()
			mu.Lock()
			if path := os.Getenv("RTDW_BENCH_HEAPPROFILE"); path != "" && h.live > peak.live+(1<<20) {
				if f, err := os.Create(path); err == nil {
					_ = pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			peak.inuse, peak.live = max(peak.inuse, h.inuse), max(peak.live, h.live)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() heapStats { close(done); wg.Wait(); return peak }
}

// reportHeap reports the peaks of a run above the heap before it:
// heap-peak-MiB (HeapInuse) and live-peak-MiB (the live heap).
func reportHeap(b *testing.B, before, peak heapStats) {
	mib := func(peak, base uint64) float64 { return float64(peak-min(peak, base)) / (1 << 20) }
	b.ReportMetric(mib(peak.inuse, before.inuse), "heap-peak-MiB")
	b.ReportMetric(mib(peak.live, before.live), "live-peak-MiB")
}

// benchEvents returns the synthetic snapshot events of the sink-alone
// benchmark, in deliveries of perCall events, as the cdc source would hand
// them over for the bench table: one event per id of 1..poolRows, with the
// Go types cdc's snapshot produces (int64, string, decimal.Decimal,
// time.Time) and a snapshot position.
func benchEvents(schema *cdc.TableSchema, poolRows, perCall int) [][]cdc.Event {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]cdc.Event
	for i := 1; i <= poolRows; i += perCall {
		events := make([]cdc.Event, min(perCall, poolRows-i+1))
		for j := range events {
			id := int64(i + j)
			events[j] = cdc.Event{Op: cdc.OpRead, Table: schema.Table, Schema: schema,
				After:  cdc.Row{id, id % 1000, "name-" + strconv.FormatInt(id, 10), decimal.New(id, -2), base.Add(time.Duration(id) * time.Second)},
				Source: cdc.Source{File: "mysql-bin.000001", Pos: 4, Snapshot: cdc.SnapshotTrue, Database: schema.Table.Database, Table: schema.Table.Table}}
		}
		out = append(out, events)
	}
	return out
}

// BenchmarkSinkVsPipe measures, in each iteration of one run, the plain pipe
//
//	mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'
//
// copying a MariaDB table of benchRows rows into ClickHouse, and the Sink
// alone writing as many rows from synthetic cdc snapshot events of the same
// table, prepared before the timer starts (a pool of up to 200,000 distinct
// rows, delivered over and over in calls of 4096 events, so that the pool
// does not grow with the row count). It reports pipe-rows/s, rows/s (the
// sink, from the first HandleEvents to the end of Close), ratio = rows/s ÷
// pipe-rows/s, and the sink's memory: heap-peak-MiB, the peak HeapInuse
// while the sink ran above HeapInuse before it (the prepared events), and
// live-peak-MiB, the same for the live heap the GC finds (HeapInuse also
// holds garbage the GC lets accumulate in proportion to the live heap,
// prepared events included). It needs
// RTDW_TEST_MARIADB, RTDW_TEST_CLICKHOUSE and the mariadb and
// clickhouse-client programs; run it with -benchtime=1x
// (scripts/bench-clickhouse.sh does).
func BenchmarkSinkVsPipe(b *testing.B) {
	n := benchRows()
	for _, prog := range []string{"mariadb", "clickhouse-client"} {
		if _, err := exec.LookPath(prog); err != nil {
			b.Skipf("%s not installed: %v", prog, err)
		}
	}
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadBenchTable(b, src, n)
	c := testClient(b, ch.Addr)
	schema := benchSchema("src")
	pool := benchEvents(schema, min(n, 200_000), 4096)
	b.ResetTimer()
	for i := range b.N {
		pipeTable := fmt.Sprintf("pipe_%d", i)
		if err := ch.Conn.Exec(ctx, "CREATE TABLE "+pipeTable+" (id Int64, k Int32, s String, amount Decimal(12, 2), created DateTime('UTC')) ENGINE = MergeTree ORDER BY id"); err != nil {
			b.Fatal(err)
		}
		pipe := runPipe(b, src, ch.Addr, ch.Database, pipeTable)

		sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: fmt.Sprintf("%s_sink_%d", ch.Database, i)}})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		before := readHeap()
		stop := heapPeak()
		start := time.Now()
		for left, k := n, 0; left > 0; k = (k + 1) % len(pool) {
			events := pool[k][:min(len(pool[k]), left)]
			if err := sink.HandleEvents(ctx, events); err != nil {
				b.Fatal(err)
			}
			left -= len(events)
		}
		if err := sink.Close(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		peak := stop()
		st := sink.Stats()
		if st.RowsWritten != uint64(n) {
			b.Fatalf("sink wrote %d rows, want %d", st.RowsWritten, n)
		}
		b.StopTimer()
		var count uint64
		if err := ch.Conn.QueryRow(ctx, "SELECT count() FROM "+pipeTable).Scan(&count); err != nil || count != uint64(n) {
			b.Fatalf("pipe wrote %d rows, want %d: %v", count, n, err)
		}
		if err := ch.Conn.Exec(ctx, "DROP DATABASE "+QuoteIdent(sink.Config().Database)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		b.ReportMetric(float64(n)/pipe.Seconds(), "pipe-rows/s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(pipe.Seconds()/elapsed.Seconds(), "ratio")
		reportHeap(b, before, peak)
		b.ReportMetric(float64(st.Flushes), "inserts")
	}
}

// benchShape is a MariaDB table the snapshot benchmarks copy, with the
// ClickHouse table the pipe writes it into (the types the sink creates for
// it on 18.16).
type benchShape struct {
	name string
	// create and fill make and load the MariaDB table; fill has a %d for the
	// row count.
	create, fill string
	// columns is the select list of the pipe; pipeColumns the ClickHouse
	// columns it inserts into.
	columns, pipeColumns string
}

// benchShapes are the tables of BenchmarkSnapshotToClickHouse: bench, five
// columns, and wide, the eight (a DATETIME(3), which ClickHouse
// 18.16 stores as String, and a note of about 45 characters among them).
var benchShapes = []benchShape{
	{
		name:        "bench",
		create:      "CREATE TABLE bench (id BIGINT PRIMARY KEY, k INT NOT NULL, s VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, created DATETIME NOT NULL)",
		fill:        "INSERT INTO bench SELECT seq, seq %% 1000, CONCAT('name-', seq), seq / 100, '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_%d",
		columns:     "id, k, s, amount, created",
		pipeColumns: "id Int64, k Int32, s String, amount Decimal(12, 2), created DateTime('UTC')",
	},
	{
		name: "wide",
		create: "CREATE TABLE wide (id BIGINT PRIMARY KEY, b BIGINT NOT NULL, s VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, " +
			"t TINYINT NOT NULL, note VARCHAR(100) NOT NULL, at3 DATETIME(3) NOT NULL, at DATETIME NOT NULL)",
		fill: "INSERT INTO wide SELECT seq, seq * 7919, CONCAT('name-', seq), seq / 100, seq %% 100, " +
			"CONCAT('note of row ', seq, ': ', REPEAT('x', 24)), '2024-01-01 00:00:00' + INTERVAL seq * 1234000 MICROSECOND, " +
			"'2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_%d",
		columns:     "id, b, s, amount, t, note, at3, at",
		pipeColumns: "id Int64, b Int64, s String, amount Decimal(12, 2), t Int8, note String, at3 String, at DateTime('UTC')",
	},
}

// loadBenchTable creates the bench table in a MariaDB database and fills it
// with n rows from MariaDB's sequence engine.
func loadBenchTable(b *testing.B, src *testenv.Source, n int) {
	b.Helper()
	loadShape(b, src, benchShapes[0], n)
}

// loadShape creates shape's table in a MariaDB database and fills it with n
// rows from MariaDB's sequence engine. The rows bypass the binlog
// (sql_log_bin = 0 for the INSERT): the benchmarks snapshot the table and
// never read that binlog, and logging it would add to the shared server's
// binlog with every run.
func loadShape(b *testing.B, src *testenv.Source, shape benchShape, n int) {
	b.Helper()
	src.Exec(b, shape.create)
	src.ExecSession(b, false, fmt.Sprintf(shape.fill, n))
}

// runPipe copies the bench table into table of ClickHouse database chDB
// with the plain pipe (see runShapePipe).
func runPipe(b *testing.B, src *testenv.Source, chAddr, chDB, table string) time.Duration {
	d, _ := runShapePipe(b, src, benchShapes[0], chAddr, chDB, table)
	return d
}

// runShapePipe copies shape's table with
//
//	mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'
//
// into table of ClickHouse database chDB and returns how long it took and
// the CPU time (user and system) its processes used.
func runShapePipe(b *testing.B, src *testenv.Source, shape benchShape, chAddr, chDB, table string) (wall, cpu time.Duration) {
	b.Helper()
	chHost, chPort, _ := net.SplitHostPort(chAddr)
	script := fmt.Sprintf(`mariadb --no-defaults --skip-ssl -h%s -P%d -u%s --quick -N -B -e 'SELECT %s FROM %s' %s | clickhouse-client --host %s --port %s --query 'INSERT INTO %s.%s FORMAT TabSeparated'`,
		src.Host, src.Port, src.User, shape.columns, shape.name, src.Database, chHost, chPort, chDB, table)
	cpu0 := cpuTime(syscall.RUSAGE_CHILDREN)
	start := time.Now()
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+src.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pipe: %v\n%s", err, out)
	}
	return time.Since(start), cpuTime(syscall.RUSAGE_CHILDREN) - cpu0
}

// cpuTime is the user and system CPU time of this process (RUSAGE_SELF) or
// of its waited-for children (RUSAGE_CHILDREN).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time the ClickHouse and MariaDB servers have used,
// read from /proc/PID/stat of the pids in RTDW_BENCH_CH_PID and
// RTDW_BENCH_DB_PID (scripts/bench.sh sets them); ok is false when a pid
// is unset or unreadable. Clock ticks are 10 ms: good enough for runs of
// seconds.
func serverCPU() (ch, db time.Duration, ok bool) {
	read := func(env string) (time.Duration, bool) {
		stat, err := os.ReadFile("/proc/" + os.Getenv(env) + "/stat")
		if os.Getenv(env) == "" || err != nil {
			return 0, false
		}
		// Fields after the command (which may hold spaces), from the 3rd:
		// utime is the 14th field, stime the 15th.
		_, rest, found := strings.Cut(string(stat), ") ")
		f := strings.Fields(rest)
		if !found || len(f) < 13 {
			return 0, false
		}
		ut, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return time.Duration(ut+st) * 10 * time.Millisecond, true
	}
	ch, ok1 := read("RTDW_BENCH_CH_PID")
	db, ok2 := read("RTDW_BENCH_DB_PID")
	return ch, db, ok1 && ok2
}

// resetPeakRSS returns freed memory to the OS and resets the process's
// peak resident set (VmHWM) to its current size, so that peakRSS reports
// the peak from now on. It reports false where Linux's clear_refs is not
// available.
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// shapeSource is a cdc source that snapshots table and stops.
func shapeSource(b *testing.B, src *testenv.Source, table string, progress func(mysql.Progress)) *mysql.Source {
	b.Helper()
	base := 3_000_000_000 + rand.Uint32N(1<<28)
	s, err := mysql.NewSource().
		Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.` + table).
		ServerID(fmt.Sprintf("%d-%d", base, base+3)).
		StartupOptions(mysql.SnapshotOnly()).
		Progress(progress).
		Build()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSnapshotToClickHouse measures, in each iteration of one run, for
// each table of benchShapes (a sub-benchmark each), three ways of copying a
// MariaDB table of benchRows rows into ClickHouse, one after the other:
//
//   - pipe-rows/s: mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'
//   - rows/s: the cdc source's snapshot (SnapshotOnly) into a Sink with the
//     default SinkConfig, which creates the ReplacingMergeTree table and
//     writes each row with its version
//   - source-rows/s: the same snapshot into a handler that drops the events,
//     the ceiling the source sets
//
// and reports ratio = rows/s ÷ pipe-rows/s; the CPU time per row of the
// pipe's processes (pipe-cpu-ns/row: bash, mariadb and clickhouse-client,
// from RUSAGE_CHILDREN) and of this process while the snapshot ran into the
// sink (cpu-ns/row, RUSAGE_SELF) and their ratio cpu-ratio = pipe ÷ rtdw;
// rss-peak-MiB, the peak resident set of this process during that run
// (VmHWM, reset before it; Linux only), and heap-peak-MiB and
// live-peak-MiB, the peaks of HeapInuse and of the live heap above their
// values before it; sink-bytes/row, the sink's estimate of a buffered
// row's size (what MaxBytes counts); inserts, the INSERTs the sink ran.
// RTDW_BENCH_SINK_MAXROWS and RTDW_BENCH_SINK_MAXBYTES set the sink's
// MaxRows and MaxBytes (0 or unset: the defaults), and
// RTDW_BENCH_SINK_DISABLESPILL=1 its DisableSpill. With RTDW_BENCH_CH_PID and RTDW_BENCH_DB_PID (the
// servers' pids), it also reports the CPU time per row the ClickHouse and
// MariaDB servers used during the pipe (pipe-ch-cpu-ns/row,
// pipe-db-cpu-ns/row) and during the sink's run (ch-cpu-ns/row,
// db-cpu-ns/row); the servers' background work (merges) lands in
// whichever run it falls in. It needs RTDW_TEST_MARIADB, RTDW_TEST_CLICKHOUSE and
// the mariadb and clickhouse-client programs; run it with -benchtime=1x
// (scripts/bench-clickhouse.sh does).
func BenchmarkSnapshotToClickHouse(b *testing.B) {
	n := benchRows()
	for _, prog := range []string{"mariadb", "clickhouse-client"} {
		if _, err := exec.LookPath(prog); err != nil {
			b.Skipf("%s not installed: %v", prog, err)
		}
	}
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) { benchSnapshotShape(b, shape, n) })
	}
}

func benchSnapshotShape(b *testing.B, shape benchShape, n int) {
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadShape(b, src, shape, n)
	c := testClient(b, ch.Addr)
	b.ResetTimer()
	for i := range b.N {
		// The pipe.
		pipeTable := fmt.Sprintf("pipe_%d", i)
		if err := ch.Conn.Exec(ctx, "CREATE TABLE "+pipeTable+" ("+shape.pipeColumns+") ENGINE = MergeTree ORDER BY id"); err != nil {
			b.Fatal(err)
		}
		awaitMerges(ctx, b, ch.Conn)
		pipeCH0, pipeDB0, _ := serverCPU()
		pipe, pipeCPU := runShapePipe(b, src, shape, ch.Addr, ch.Database, pipeTable)
		pipeCH1, pipeDB1, _ := serverCPU()

		// The source alone.
		var delivered atomic.Int64
		discard := cdc.HandlerFunc(func(_ context.Context, evs []cdc.Event) error { delivered.Add(int64(len(evs))); return nil })
		start := time.Now()
		if err := shapeSource(b, src, shape.name, nil).Run(ctx, cdc.Unbuffered(discard)); err != nil {
			b.Fatal(err)
		}
		sourceOnly := time.Since(start)
		if delivered.Load() != int64(n) {
			b.Fatalf("source delivered %d rows, want %d", delivered.Load(), n)
		}

		// The source into the sink.
		maxRows, _ := strconv.Atoi(os.Getenv("RTDW_BENCH_SINK_MAXROWS"))
		maxBytes, _ := strconv.Atoi(os.Getenv("RTDW_BENCH_SINK_MAXBYTES"))
		sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: fmt.Sprintf("%s_sink_%d", ch.Database, i)}, MaxRows: maxRows, MaxBytes: maxBytes,
			DisableSpill: os.Getenv("RTDW_BENCH_SINK_DISABLESPILL") == "1"})
		if err != nil {
			b.Fatal(err)
		}
		// The pipe's parts are merged before the sink's run, whose server
		// CPU would count that work.
		awaitMerges(ctx, b, ch.Conn)
		runtime.GC()
		rssOK := resetPeakRSS()
		before := readHeap()
		stop := heapPeak()
		cpu0 := cpuTime(syscall.RUSAGE_SELF)
		ch0, db0, _ := serverCPU()
		start = time.Now()
		// The label lets a -cpuprofile of the benchmark be narrowed to this
		// run: go tool pprof -tagfocus run=sink.
		pprof.Do(ctx, pprof.Labels("run", "sink"), func(ctx context.Context) {
			if err := shapeSource(b, src, shape.name, nil).Run(ctx, sink); err != nil {
				b.Fatal(err)
			}
			if err := sink.Close(ctx); err != nil {
				b.Fatal(err)
			}
		})
		elapsed := time.Since(start)
		cpu := cpuTime(syscall.RUSAGE_SELF) - cpu0
		ch1, db1, serversOK := serverCPU()
		peak := stop()
		rss := peakRSS()
		st := sink.Stats()
		if st.RowsWritten != uint64(n) {
			b.Fatalf("sink wrote %d rows, want %d", st.RowsWritten, n)
		}
		b.StopTimer()
		var count uint64
		if err := ch.Conn.QueryRow(ctx, "SELECT count() FROM "+pipeTable).Scan(&count); err != nil || count != uint64(n) {
			b.Fatalf("pipe wrote %d rows, want %d: %v", count, n, err)
		}
		if err := ch.Conn.Exec(ctx, "DROP DATABASE "+QuoteIdent(sink.Config().Database)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		b.ReportMetric(float64(n)/pipe.Seconds(), "pipe-rows/s")
		b.ReportMetric(float64(n)/sourceOnly.Seconds(), "source-rows/s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(pipe.Seconds()/elapsed.Seconds(), "ratio")
		b.ReportMetric(float64(pipeCPU.Nanoseconds())/float64(n), "pipe-cpu-ns/row")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/row")
		b.ReportMetric(pipeCPU.Seconds()/cpu.Seconds(), "cpu-ratio")
		b.ReportMetric(float64(st.BytesWritten)/float64(st.RowsWritten), "sink-bytes/row")
		b.ReportMetric(float64(st.Flushes), "inserts")
		if serversOK {
			perRow := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
			b.ReportMetric(perRow(pipeCH1-pipeCH0), "pipe-ch-cpu-ns/row")
			b.ReportMetric(perRow(ch1-ch0), "ch-cpu-ns/row")
			b.ReportMetric(perRow(pipeDB1-pipeDB0), "pipe-db-cpu-ns/row")
			b.ReportMetric(perRow(db1-db0), "db-cpu-ns/row")
		}
		if rssOK {
			b.ReportMetric(float64(rss)/(1<<20), "rss-peak-MiB")
		}
		reportHeap(b, before, peak)
		b.Logf("load average %s", loadAverage())
	}
}

// awaitMerges waits, for up to a minute, until the ClickHouse server runs
// no merge: the background work one run leaves would otherwise land in the
// server CPU measured for the next.
func awaitMerges(ctx context.Context, b *testing.B, conn driver.Conn) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Logf("%d merges still running after a minute", n)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loadAverage is the first line of /proc/loadavg, or "unknown".
func loadAverage() string {
	l, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(l))
}

// BenchmarkDecimalColumnAppend compares the ways clickhouse-go v2 takes
// values for a Decimal(12, 2) column, 4096 values per op: a []decimal.Decimal
// whose exponent is already -scale (what the sink hands over for cdc's
// decimals), the same values with exponent 0 (integers, which clickhouse-go
// rescales), a []string, and value by value (AppendRow) as the sink did
// before it buffered typed columns. Every form converts through math/big
// inside clickhouse-go; the numbers say which costs least.
func BenchmarkDecimalColumnAppend(b *testing.B) {
	const n = 4096
	scaled := make([]decimal.Decimal, n)
	whole := make([]decimal.Decimal, n)
	text := make([]string, n)
	for i := range n {
		scaled[i] = decimal.New(int64(i)*101, -2)
		whole[i] = decimal.New(int64(i), 0)
		text[i] = scaled[i].StringFixed(2)
	}
	newCol := func(b *testing.B) chcolumn.Interface {
		col, err := chcolumn.Type("Decimal(12, 2)").Column("d", &chcolumn.ServerContext{Timezone: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		return col
	}
	cases := []struct {
		name   string
		append func(col chcolumn.Interface) error
	}{
		{"slice-scaled", func(col chcolumn.Interface) error { _, err := col.Append(scaled); return err }},
		{"slice-exponent-0", func(col chcolumn.Interface) error { _, err := col.Append(whole); return err }},
		{"slice-of-strings", func(col chcolumn.Interface) error { _, err := col.Append(text); return err }},
		{"row-by-row", func(col chcolumn.Interface) error {
			for _, d := range scaled {
				if err := col.AppendRow(d); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.append(newCol(b)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
		})
	}
}

// BenchmarkSinkBuffer measures the sink's own work per row, without a
// server: HandleEvents converting synthetic snapshot events of the bench
// table into the typed column buffers (the batch is emptied between
// deliveries instead of being inserted). The insert itself is clickhouse-go's
// work, measured with the server by BenchmarkSinkVsPipe.
func BenchmarkSinkBuffer(b *testing.B) {
	c, err := New(&chgo.Options{Addr: []string{"127.0.0.1:1"}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.SetFeatures(FeaturesFor(ServerVersion{18, 16, 1}))
	sink, err := NewSink(c, SinkConfig{MaxRows: 1 << 30, MaxBytes: 1 << 40, FlushInterval: -1, ManualTables: true})
	if err != nil {
		b.Fatal(err)
	}
	schema := benchSchema("src")
	seedTable(b, sink, schema)
	// One row short of a block, which would go to an insert.
	events := benchEvents(schema, insertBlockRows-1, insertBlockRows-1)[0]
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := sink.HandleEvents(ctx, events); err != nil {
			b.Fatal(err)
		}
		sink.tables[schema.Table].batch.reset()
		sink.rows, sink.bytes = 0, 0
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/row")
}

// BenchmarkSmallTable measures the fixed cost of a snapshot, in each
// iteration of one run, on a table of 100 rows (the bench shape): the plain
// pipe's time for it (pipe-ms: two programs starting, connecting and
// copying), and the cdc source's SnapshotOnly run into a Sink with the
// default SinkConfig: first-row-ms from Run to the first row handed to the
// sink (connecting, loading the schema, splitting, storing the chunks, the
// commit-visibility margin of the first low watermark) and ms, to the rows
// in ClickHouse after Close. It needs what BenchmarkSnapshotToClickHouse
// needs.
func BenchmarkSmallTable(b *testing.B) {
	const n = 100
	for _, prog := range []string{"mariadb", "clickhouse-client"} {
		if _, err := exec.LookPath(prog); err != nil {
			b.Skipf("%s not installed: %v", prog, err)
		}
	}
	shape := benchShapes[0]
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadShape(b, src, shape, n)
	c := testClient(b, ch.Addr)
	b.ResetTimer()
	for i := range b.N {
		pipeTable := fmt.Sprintf("pipe_%d", i)
		if err := ch.Conn.Exec(ctx, "CREATE TABLE "+pipeTable+" ("+shape.pipeColumns+") ENGINE = MergeTree ORDER BY id"); err != nil {
			b.Fatal(err)
		}
		pipe, _ := runShapePipe(b, src, shape, ch.Addr, ch.Database, pipeTable)

		sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: fmt.Sprintf("%s_sink_%d", ch.Database, i)}})
		if err != nil {
			b.Fatal(err)
		}
		var first time.Time
		watch := cdc.Filter(sink, func(*cdc.Event) bool {
			if first.IsZero() {
				first = time.Now()
			}
			return true
		})
		start := time.Now()
		if err := shapeSource(b, src, shape.name, nil).Run(ctx, watch); err != nil {
			b.Fatal(err)
		}
		if err := sink.Close(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		if st := sink.Stats(); st.RowsWritten != n {
			b.Fatalf("sink wrote %d rows, want %d", st.RowsWritten, n)
		}
		b.StopTimer()
		if err := ch.Conn.Exec(ctx, "DROP DATABASE "+QuoteIdent(sink.Config().Database)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		b.ReportMetric(float64(pipe.Microseconds())/1000, "pipe-ms")
		b.ReportMetric(float64(first.Sub(start).Microseconds())/1000, "first-row-ms")
		b.ReportMetric(float64(elapsed.Microseconds())/1000, "ms")
	}
}
