//go:build unix

package mysql_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The benchmarks of this file measure the source against a baseline in the
// same run, on both servers (scripts/bench-cdc.sh runs them):
//
//   - BenchmarkSnapshot: the SnapshotOnly snapshot of a table beside a plain
//     `mariadb --quick -e 'SELECT * FROM t' > /dev/null`, and the peak heap
//     while the snapshot runs, for a small and a large table.
//   - BenchmarkBinlog: the source streaming a range of row events from a
//     SpecificOffset beside go-mysql's bare BinlogSyncer reading the same
//     range.
//
// Each iteration measures the baseline and the source back to back, logs
// both and their ratio, and the reported metrics are the medians over the
// iterations, so run them with -benchtime=3x or more.

// benchSizes reads a comma-separated list of row counts from the variable
// env, or returns def.
func benchSizes(b *testing.B, env string, def ...int) []int {
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a comma-separated list of positive row counts", env, v)
		}
		out = append(out, n)
	}
	return out
}

// benchFlavors are the servers the benchmarks run against.
var benchFlavors = []testenv.Flavor{testenv.MariaDB, testenv.MySQL}

// benchCreateTable is a realistic order table: BIGINT key, integers,
// strings (one nullable), a DECIMAL and two DATETIMEs.
const benchCreateTable = `CREATE TABLE %s (
	id BIGINT NOT NULL PRIMARY KEY,
	customer_id INT NOT NULL,
	quantity INT NOT NULL,
	sku VARCHAR(32) NOT NULL,
	city VARCHAR(64) NOT NULL,
	note VARCHAR(128) NULL,
	amount DECIMAL(12,2) NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB`

// benchRowsSelect selects rows lo..hi of the bench table from a number
// generator: MariaDB's sequence engine, or a recursive CTE on MySQL.
func benchRowsSelect(f testenv.Flavor, lo, hi int) string {
	const cols = `n, n %% 100003, 1 + n %% 17, CONCAT('SKU-', LPAD(n %% 99991, 8, '0')),
		ELT(1 + n %% 5, 'Beijing', 'Shanghai', 'Guangzhou', 'Shenzhen', 'Hangzhou'),
		IF(n %% 10 = 0, NULL, CONCAT('deliver to door ', n)),
		n / 100, TIMESTAMP('2024-01-01 00:00:00') + INTERVAL n SECOND,
		TIMESTAMP('2024-06-01 00:00:00.123') + INTERVAL n SECOND`
	if f == testenv.MariaDB {
		return fmt.Sprintf("SELECT "+cols+" FROM (SELECT seq AS n FROM seq_%d_to_%d) g", lo, hi)
	}
	return fmt.Sprintf("WITH RECURSIVE g(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM g WHERE n < %d) SELECT "+cols+" FROM g", lo, hi)
}

// benchLoad creates table and fills it with rows 1..n in slices of 200k
// rows. Unless logged, the rows bypass the binlog (sql_log_bin = 0): a
// snapshot benchmark never reads that binlog, and logging the load would add
// hundreds of megabytes to the shared server's binlog with every run, which
// every later test and run of the server carries. It logs how far the
// binlog moved during the load.
func benchLoad(b *testing.B, src *testenv.Source, table string, n int, logged bool) {
	b.Helper()
	stmts := []string{"SET SESSION cte_max_recursion_depth = 100000000", fmt.Sprintf(benchCreateTable, testenv.QuoteIdent(table))}
	if src.Flavor == testenv.MariaDB {
		stmts[0] = "SET SESSION max_recursive_iterations = 100000000"
	}
	for lo := 1; lo <= n; lo += 200_000 {
		hi := min(lo+200_000-1, n)
		stmts = append(stmts, "INSERT INTO "+testenv.QuoteIdent(table)+" "+benchRowsSelect(src.Flavor, lo, hi))
	}
	file0, pos0 := src.BinlogPosition(b)
	start := time.Now()
	src.ExecSession(b, logged, stmts...)
	elapsed := time.Since(start)
	grew := "in another file"
	if file, pos := src.BinlogPosition(b); file == file0 {
		grew = fmt.Sprintf("%d bytes", pos-pos0)
	}
	b.Logf("%s: loaded %d rows into %s in %s (logged %v; the binlog, written by every session, grew by %s)",
		src.Flavor, n, table, elapsed.Round(time.Millisecond), logged, grew)
}

// benchPlainRead runs `mariadb --quick -e 'SELECT * FROM table' > /dev/null`
// and returns how long it took.
func benchPlainRead(b *testing.B, src *testenv.Source, table string) time.Duration {
	b.Helper()
	cmd := exec.Command("mariadb", "--no-defaults", "--skip-ssl", "-h"+src.Host, "-P"+strconv.Itoa(src.Port), "-u"+src.User,
		"--quick", "-N", "-B", "-e", "SELECT * FROM "+testenv.QuoteIdent(table), src.Database)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+src.Password)
	var stderr strings.Builder
	cmd.Stderr = &stderr // stdout stays nil: /dev/null
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("mariadb --quick: %v: %s", err, stderr.String())
	}
	return time.Since(start)
}

// benchServerIDs returns a fresh range of n replica server ids.
func benchServerIDs(n int) (first uint32, spec string) {
	first = 3_000_000_000 + rand.Uint32N(1<<28)
	return first, fmt.Sprintf("%d-%d", first, first+uint32(n)-1)
}

// benchSource builds a source for table with the given startup options.
func benchSource(b *testing.B, src *testenv.Source, table string, opts mysql.StartupOptions) *mysql.Source {
	b.Helper()
	_, ids := benchServerIDs(8)
	par, _ := strconv.Atoi(os.Getenv("RTDW_BENCH_PARALLELISM")) // 0: the default
	split, _ := strconv.Atoi(os.Getenv("RTDW_BENCH_SPLIT_SIZE"))
	s, err := mysql.NewSource().
		Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.` + table).
		ServerID(ids).SnapshotParallelism(par).SplitSize(split).
		StartupOptions(opts).
		Build()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchHeapPeak samples the heap in use (HeapInuse of runtime.MemStats,
// read through runtime/metrics, which does not stop the world) every 2ms
// until stop is called, and returns the largest sample.
func benchHeapPeak() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// benchCPU returns the CPU time (user and system) this process has used.
func benchCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchMedian returns the median of xs.
func benchMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkSnapshot measures, on MariaDB and on MySQL, for a table of each
// size in RTDW_BENCH_SNAPSHOT_ROWS (default 200000,2000000) loaded once per
// run, in each iteration:
//
//   - plain-rows/s: `mariadb --quick -N -B -e 'SELECT * FROM t' > /dev/null`
//   - rows/s: the source's snapshot (SnapshotOnly) into a handler that
//     counts the events
//   - ratio: rows/s ÷ plain-rows/s
//   - heap-peak-MiB: the largest HeapInuse sampled while the snapshot ran
//     (after a GC before it), which must not grow with the table
//   - cpu-ns/row: CPU time (user and system) of this process during the
//     snapshot, per row: the figure the machine's noise disturbs least
//
// The metrics are medians over the iterations; each iteration is logged,
// with the time to the first row (the snapshot's fixed cost, which
// dominates small tables).
func BenchmarkSnapshot(b *testing.B) {
	if _, err := exec.LookPath("mariadb"); err != nil {
		b.Skipf("the mariadb client is not installed: %v", err)
	}
	sizes := benchSizes(b, "RTDW_BENCH_SNAPSHOT_ROWS", 200_000, 2_000_000)
	for _, f := range benchFlavors {
		b.Run(string(f), func(b *testing.B) {
			src := testenv.NewSource(b, f)
			for _, n := range sizes {
				benchLoad(b, src, fmt.Sprintf("orders_%d", n), n, false)
			}
			for _, n := range sizes {
				table := fmt.Sprintf("orders_%d", n)
				b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
					benchSnapshotRun(b, src, table, n)
				})
			}
		})
	}
}

func benchSnapshotRun(b *testing.B, src *testenv.Source, table string, n int) {
	ctx := context.Background()
	var plainRates, rates, ratios, peaks, cpus []float64
	for i := 0; i < b.N; i++ {
		plain := benchPlainRead(b, src, table)

		var seen atomic.Int64
		var first time.Time
		count := cdc.HandlerFunc(func(_ context.Context, evs []cdc.Event) error {
			if seen.Add(int64(len(evs))) == int64(len(evs)) {
				first = time.Now()
			}
			return nil
		})
		s := benchSource(b, src, table, mysql.SnapshotOnly())
		runtime.GC()
		stop := benchHeapPeak()
		cpu0, start := benchCPU(b), time.Now()
		err := s.Run(ctx, cdc.Unbuffered(count))
		elapsed, cpu := time.Since(start), benchCPU(b)-cpu0
		peak := stop()
		if err != nil {
			b.Fatal(err)
		}
		if got := seen.Load(); got != int64(n) {
			b.Fatalf("snapshot delivered %d rows, want %d", got, n)
		}
		plainRate, rate := float64(n)/plain.Seconds(), float64(n)/elapsed.Seconds()
		plainRates, rates = append(plainRates, plainRate), append(rates, rate)
		ratios = append(ratios, rate/plainRate)
		peaks = append(peaks, float64(peak)/(1<<20))
		cpus = append(cpus, float64(cpu.Nanoseconds())/float64(n))
		b.Logf("%s rows=%d: plain %.0f rows/s (%s), source %.0f rows/s (%s, first row after %s, %s CPU), ratio %.2f, heap peak %.1f MiB",
			src.Flavor, n, plainRate, plain.Round(time.Millisecond), rate, elapsed.Round(time.Millisecond), first.Sub(start).Round(time.Millisecond),
			cpu.Round(time.Millisecond), rate/plainRate, float64(peak)/(1<<20))
	}
	b.ReportMetric(benchMedian(plainRates), "plain-rows/s")
	b.ReportMetric(benchMedian(rates), "rows/s")
	b.ReportMetric(benchMedian(ratios), "ratio")
	b.ReportMetric(benchMedian(peaks), "heap-peak-MiB")
	b.ReportMetric(benchMedian(cpus), "cpu-ns/row")
}

// benchBareSyncer reads the binlog from file:pos with go-mysql's
// BinlogSyncer, configured as the source configures its own, until it has
// seen want row changes (an update counts once) of db.table, and returns
// how long that took and the CPU time the process used.
func benchBareSyncer(b *testing.B, src *testenv.Source, table, file string, pos uint64, want int) (time.Duration, time.Duration) {
	b.Helper()
	id, _ := benchServerIDs(1)
	flavor := gomysql.MySQLFlavor
	if src.Flavor == testenv.MariaDB {
		flavor = gomysql.MariaDBFlavor
	}
	cfg := replication.BinlogSyncerConfig{
		ServerID: id, Flavor: flavor, Host: src.Host, Port: uint16(src.Port), User: src.User, Password: src.Password,
		DisableRetrySync: true, DiscardGTIDSet: true, Logger: slog.New(slog.DiscardHandler),
	}
	mysql.ConfigureBinlogSyncer(&cfg)
	cpu0, start := benchCPU(b), time.Now()
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	stream, err := syncer.StartSync(gomysql.Position{Name: file, Pos: uint32(pos)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	seen := 0
	for seen < want {
		ev, err := stream.GetEvent(ctx)
		if err != nil {
			b.Fatalf("bare syncer after %d rows: %v", seen, err)
		}
		re, ok := ev.Event.(*replication.RowsEvent)
		if !ok || re.Table == nil || string(re.Table.Table) != table || string(re.Table.Schema) != src.Database {
			continue
		}
		if re.Type() == replication.EnumRowsEventTypeUpdate {
			seen += len(re.Rows) / 2
		} else {
			seen += len(re.Rows)
		}
	}
	return time.Since(start), benchCPU(b) - cpu0
}

// benchStream runs the source from SpecificOffset(file, pos) until its
// handler has seen want events, and returns how long that took and the CPU
// time the process used.
func benchStream(b *testing.B, src *testenv.Source, table, file string, pos uint64, want int) (time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var seen int
	var at time.Time
	count := cdc.HandlerFunc(func(_ context.Context, evs []cdc.Event) error {
		seen += len(evs)
		if seen >= want && at.IsZero() {
			at = time.Now()
			cancel()
		}
		return nil
	})
	s := benchSource(b, src, table, mysql.SpecificOffset(file, pos))
	cpu0, start := benchCPU(b), time.Now()
	if err := s.Run(ctx, cdc.Unbuffered(count)); err != nil {
		b.Fatal(err)
	}
	if seen < want {
		b.Fatalf("source stopped after %d of %d events", seen, want)
	}
	return at.Sub(start), benchCPU(b) - cpu0
}

// BenchmarkBinlog measures, on MariaDB and on MySQL, the decoding of the
// binlog written by an INSERT of RTDW_BENCH_BINLOG_ROWS/2 rows (default
// 1000000 in all) and an UPDATE of each of them, logged once per run (this
// benchmark measures reading that binlog, so it alone writes its load to
// the shared server's binlog: about 0.3 GB per run at the default), in
// each iteration:
//
//   - bare-events/s: go-mysql's BinlogSyncer reading the range and counting
//     the row changes, configured as the source configures it
//   - events/s: the source from SpecificOffset at the start of the range,
//     delivering canonical events to a handler that counts them
//   - ratio: events/s ÷ bare-events/s
//
// Both start at the same position and stop at the last change; both times
// include connecting. bare-cpu-ns/event and cpu-ns/event are the CPU time
// of this process per change. The metrics are medians over the iterations.
func BenchmarkBinlog(b *testing.B) {
	total := benchSizes(b, "RTDW_BENCH_BINLOG_ROWS", 1_000_000)[0]
	inserts := total / 2
	want := 2 * inserts
	for _, f := range benchFlavors {
		b.Run(string(f), func(b *testing.B) {
			src := testenv.NewSource(b, f)
			const table = "orders"
			src.Exec(b, fmt.Sprintf(benchCreateTable, table))
			file, pos32 := src.BinlogPosition(b)
			pos := uint64(pos32)
			start := time.Now()
			// Written by one session in order, so the range holds the
			// inserts and then the updates.
			ctx := context.Background()
			conn, err := src.DB.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, q := range []string{"SET SESSION cte_max_recursion_depth = 100000000", "SET SESSION max_recursive_iterations = 100000000"} {
				_, _ = conn.ExecContext(ctx, q)
			}
			for lo := 1; lo <= inserts; lo += 100_000 {
				hi := min(lo+100_000-1, inserts)
				if _, err := conn.ExecContext(ctx, "INSERT INTO "+table+" "+benchRowsSelect(f, lo, hi)); err != nil {
					b.Fatal(err)
				}
			}
			for lo := 1; lo <= inserts; lo += 100_000 {
				if _, err := conn.ExecContext(ctx, "UPDATE "+table+" SET quantity = quantity + 1, updated_at = updated_at + INTERVAL 1 SECOND WHERE id BETWEEN ? AND ?", lo, lo+100_000-1); err != nil {
					b.Fatal(err)
				}
			}
			conn.Close()
			b.Logf("%s: logged %d inserts and %d updates from %s:%d in %s", f, inserts, inserts, file, pos, time.Since(start).Round(time.Millisecond))
			b.Run(fmt.Sprintf("events=%d", want), func(b *testing.B) {
				var bareRates, rates, ratios, bareCPUs, cpus []float64
				for i := 0; i < b.N; i++ {
					bare, bareCPU := benchBareSyncer(b, src, table, file, pos, want)
					elapsed, cpu := benchStream(b, src, table, file, pos, want)
					bareRate, rate := float64(want)/bare.Seconds(), float64(want)/elapsed.Seconds()
					bareRates, rates = append(bareRates, bareRate), append(rates, rate)
					ratios = append(ratios, rate/bareRate)
					bareCPUs, cpus = append(bareCPUs, float64(bareCPU.Nanoseconds())/float64(want)), append(cpus, float64(cpu.Nanoseconds())/float64(want))
					b.Logf("%s events=%d: bare syncer %.0f events/s (%s, %s CPU), source %.0f events/s (%s, %s CPU), ratio %.2f",
						f, want, bareRate, bare.Round(time.Millisecond), bareCPU.Round(time.Millisecond), rate, elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond), rate/bareRate)
				}
				b.ReportMetric(benchMedian(bareRates), "bare-events/s")
				b.ReportMetric(benchMedian(rates), "events/s")
				b.ReportMetric(benchMedian(ratios), "ratio")
				b.ReportMetric(benchMedian(bareCPUs), "bare-cpu-ns/event")
				b.ReportMetric(benchMedian(cpus), "cpu-ns/event")
			})
		})
	}
}
