//go:build unix

package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// benchBinlogRows is the number of rows the UPDATE of
// BenchmarkBinlogToClickHouse changes (RTDW_BENCH_BINLOG_ROWS, default
// 1,000,000).
func benchBinlogRows() int {
	if n, err := strconv.Atoi(os.Getenv("RTDW_BENCH_BINLOG_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkBinlogToClickHouse measures, in each iteration of one run, a live
// UPDATE of every row of the wide table (benchShapes) in MariaDB reaching
// ClickHouse two ways, one after the other, each started before its own
// UPDATE:
//
//   - bare: go-mysql's BinlogSyncer, configured as the source configures it,
//     taking each after-image of the table's update events into typed
//     columns and inserting them with a clickhouse-go batch every 100,000
//     rows (the sink's default MaxRows), into a MergeTree table
//   - rtdw: the cdc source from the binlog position before the UPDATE into
//     a Sink with the default SinkConfig
//
// It reports bare-s and s, the seconds from the start of the UPDATE until
// the last row is in ClickHouse, and latency-ratio = s ÷ bare-s (the target
// is at most 1.2); bare-rows/s and rows/s, the rows per second from the
// first row change read to the last row in ClickHouse, and ratio = rows/s ÷
// bare-rows/s; bare-cpu-ns/row and cpu-ns/row, this process's CPU time per
// row over each run. It needs RTDW_TEST_MARIADB and RTDW_TEST_CLICKHOUSE;
// run it with -benchtime=1x (scripts/bench.sh does).
func BenchmarkBinlogToClickHouse(b *testing.B) {
	n := benchBinlogRows()
	shape := benchShapes[1]
	src := testenv.NewSource(b, testenv.MariaDB)
	ch := testenv.NewClickHouse(b)
	ctx := context.Background()
	loadShape(b, src, shape, n)
	c := testClient(b, ch.Addr)
	update := func(i *int) time.Time {
		*i++
		start := time.Now()
		src.Exec(b, fmt.Sprintf("UPDATE %s SET b = b + 1, note = CONCAT('update %d of row ', id, ': ', REPEAT('y', 20))", shape.name, *i))
		return start
	}
	updates := 0
	b.ResetTimer()
	for i := range b.N {
		// The bare path.
		bareTable := fmt.Sprintf("bare_%d", i)
		if err := ch.Conn.Exec(ctx, "CREATE TABLE "+bareTable+" ("+shape.pipeColumns+") ENGINE = MergeTree ORDER BY id"); err != nil {
			b.Fatal(err)
		}
		file, pos := src.BinlogPosition(b)
		done := make(chan bareResult, 1)
		cpu0 := cpuTime(syscall.RUSAGE_SELF)
		go func() {
			done <- bareBinlogToClickHouse(ctx, src, ch.Conn, ch.Database+"."+bareTable, shape.name, file, pos, n)
		}()
		bareStart := update(&updates)
		bare := <-done
		if bare.err != nil {
			b.Fatal(bare.err)
		}
		bareCPU := cpuTime(syscall.RUSAGE_SELF) - cpu0

		// rtdw: the source into the sink.
		sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: fmt.Sprintf("%s_sink_%d", ch.Database, i)}})
		if err != nil {
			b.Fatal(err)
		}
		file, pos = src.BinlogPosition(b)
		base := 3_000_000_000 + rand.Uint32N(1<<28)
		source, err := mysql.NewSource().
			Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
			DatabaseList(src.Database).TableList(src.Database + `\.` + shape.name).
			ServerID(strconv.FormatUint(uint64(base), 10)).
			StartupOptions(mysql.SpecificOffset(file, uint64(pos))).
			Build()
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		ran := make(chan error, 1)
		var first time.Time
		cpu0 = cpuTime(syscall.RUSAGE_SELF)
		go func() { ran <- source.Run(runCtx, sink) }()
		start := update(&updates)
		for sink.Stats().RowsWritten < uint64(n) {
			if first.IsZero() && sink.Stats().RowsBuffered > 0 {
				first = time.Now()
			}
			select {
			case err := <-ran:
				b.Fatalf("source stopped: %v", err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		end := time.Now()
		cpu := cpuTime(syscall.RUSAGE_SELF) - cpu0
		cancel()
		<-ran
		_ = sink.Close(ctx)
		b.StopTimer()
		if err := ch.Conn.Exec(ctx, "DROP DATABASE "+QuoteIdent(sink.Config().Database)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		elapsed, bareElapsed := end.Sub(start), bare.end.Sub(bareStart)
		b.ReportMetric(bareElapsed.Seconds(), "bare-s")
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(elapsed.Seconds()/bareElapsed.Seconds(), "latency-ratio")
		bareRate := float64(n) / bare.end.Sub(bare.first).Seconds()
		rate := float64(n) / end.Sub(first).Seconds()
		b.ReportMetric(bareRate, "bare-rows/s")
		b.ReportMetric(rate, "rows/s")
		b.ReportMetric(rate/bareRate, "ratio")
		b.ReportMetric(float64(bareCPU.Nanoseconds())/float64(n), "bare-cpu-ns/row")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/row")
		b.Logf("load average %s", loadAverage())
	}
}

type bareResult struct {
	first, end time.Time
	err        error
}

// bareBinlogToClickHouse reads the binlog from file:pos with a bare
// BinlogSyncer until it has seen want updated rows of table (the wide
// shape), inserting their after-images into chTable in batches of 100,000.
func bareBinlogToClickHouse(ctx context.Context, src *testenv.Source, conn chdriver.Conn, chTable, table, file string, pos uint32, want int) (res bareResult) {
	cfg := replication.BinlogSyncerConfig{
		ServerID: 3_000_000_000 + rand.Uint32N(1<<28), Flavor: gomysql.MariaDBFlavor,
		Host: src.Host, Port: uint16(src.Port), User: src.User, Password: src.Password,
		DisableRetrySync: true, DiscardGTIDSet: true, Logger: slog.New(slog.DiscardHandler),
	}
	// As the source configures its syncer (cdc/mysql's configureBinlogSyncer).
	cfg.UseDecimal, cfg.ParseTime, cfg.TimestampStringLocation, cfg.RenderJSONAsMySQLText = true, false, time.UTC, true
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	stream, err := syncer.StartSync(gomysql.Position{Name: file, Pos: pos})
	if err != nil {
		return bareResult{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	const batchRows = 100_000
	var (
		id, bb       []int64
		s, note, at3 []string
		amount       []decimal.Decimal
		t            []int8
		at           []time.Time
	)
	insert := func() error {
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+chTable+" (id, b, s, amount, t, note, at3, at)")
		if err != nil {
			return err
		}
		for i, col := range []any{id, bb, s, amount, t, note, at3, at} {
			if err := batch.Column(i).Append(col); err != nil {
				return err
			}
		}
		id, bb, s, amount, t, note, at3, at = id[:0], bb[:0], s[:0], amount[:0], t[:0], note[:0], at3[:0], at[:0]
		return batch.Send()
	}
	seen := 0
	for seen < want {
		ev, err := stream.GetEvent(ctx)
		if err != nil {
			return bareResult{err: fmt.Errorf("bare syncer after %d rows: %w", seen, err)}
		}
		re, ok := ev.Event.(*replication.RowsEvent)
		if !ok || re.Table == nil || string(re.Table.Table) != table || string(re.Table.Schema) != src.Database ||
			re.Type() != replication.EnumRowsEventTypeUpdate {
			continue
		}
		if res.first.IsZero() {
			res.first = time.Now()
		}
		for k := 1; k < len(re.Rows); k += 2 {
			r := re.Rows[k]
			tm, err := time.ParseInLocation(time.DateTime, r[7].(string), time.UTC)
			if err != nil {
				return bareResult{err: err}
			}
			id, bb, s = append(id, r[0].(int64)), append(bb, r[1].(int64)), append(s, r[2].(string))
			amount, t, note = append(amount, r[3].(decimal.Decimal)), append(t, r[4].(int8)), append(note, r[5].(string))
			at3, at = append(at3, r[6].(string)), append(at, tm)
			seen++
		}
		if len(id) >= batchRows || seen >= want {
			if err := insert(); err != nil {
				return bareResult{err: err}
			}
		}
	}
	res.end = time.Now()
	return res
}
