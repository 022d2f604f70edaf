//go:build unix

package mysql

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// selectBenchShapes are the tables of BenchmarkSnapshotToClickHouse
// (package clickhouse): bench, five columns, and wide, issue 15's eight.
var selectBenchShapes = []struct{ name, create, fill string }{
	{"bench",
		"CREATE TABLE bench (id BIGINT PRIMARY KEY, k INT NOT NULL, s VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, created DATETIME NOT NULL)",
		"INSERT INTO bench SELECT seq, seq %% 1000, CONCAT('name-', seq), seq / 100, '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_%d"},
	{"wide",
		"CREATE TABLE wide (id BIGINT PRIMARY KEY, b BIGINT NOT NULL, s VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, " +
			"t TINYINT NOT NULL, note VARCHAR(100) NOT NULL, at3 DATETIME(3) NOT NULL, at DATETIME NOT NULL)",
		"INSERT INTO wide SELECT seq, seq * 7919, CONCAT('name-', seq), seq / 100, seq %% 100, " +
			"CONCAT('note of row ', seq, ': ', REPEAT('x', 24)), '2024-01-01 00:00:00' + INTERVAL seq * 1234000 MICROSECOND, " +
			"'2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_%d"},
}

// BenchmarkSelectChunk reads one snapshot chunk of DefaultSplitSize rows
// from MariaDB, decoded into canonical rows, three ways in the same run:
// database-sql is the oldest path (go-sql-driver's text rows through
// queryRows and decodeDriverValue), go-mysql-streaming the next one
// (go-mysql's ExecuteSelectStreaming through decodeFieldValue), chunk-conn
// the reader's connection as the snapshot reads with it (its own reading of
// the rows, see textResult). Run it with -benchmem and -count of 3 or more:
// cpu-ns/row and ns/row are per row of the chunk.
func BenchmarkSelectChunk(b *testing.B) {
	src := testenv.NewSource(b, testenv.MariaDB)
	ctx := context.Background()
	const rows = DefaultSplitSize
	for _, shape := range selectBenchShapes {
		src.Exec(b, shape.create, fmt.Sprintf(shape.fill, rows))
	}
	r := connTestRunner(b, src, nil)
	for _, shape := range selectBenchShapes {
		id := cdc.TableID{Database: src.Database, Table: shape.name}
		schemas, err := LoadTableSchemas(ctx, src.DB, []cdc.TableID{id})
		if err != nil {
			b.Fatal(err)
		}
		ts := &tableState{id: id, schema: schemas[id]}
		chunk := &snapshotChunk{}
		check := func(b *testing.B, got []cdc.Row) {
			if len(got) != rows {
				b.Fatalf("read %d rows, want %d", len(got), rows)
			}
		}
		// cpu-ns/row is this process's CPU time (user and system) per
		// row: the client's cost, without the server's, which shares the
		// machine.
		var cpu0 time.Duration
		startCPU := func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 = processCPU(b)
		}
		perRow := func(b *testing.B) {
			n := float64(b.N * rows)
			b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/n, "cpu-ns/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
		}
		b.Run(shape.name+"/database-sql", func(b *testing.B) {
			conn, err := r.db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			startCPU(b)
			for range b.N {
				got, err := r.selectChunkSQL(ctx, conn, ts, ts.schema, chunk)
				if err != nil {
					b.Fatal(err)
				}
				check(b, got)
			}
			perRow(b)
		})
		b.Run(shape.name+"/go-mysql-streaming", func(b *testing.B) {
			cc := openChunkConn(b, r).(*clientChunkConn)
			if err := cc.exec(ctx, "DO 1"); err != nil { // connect outside the timing
				b.Fatal(err)
			}
			query, args := chunkQuery(ts, ts.schema, chunk)
			startCPU(b)
			for range b.N {
				got, err := cc.selectRowsStreaming(ctx, query, args, ts.schema.Columns, r.cfg.SplitSize)
				if err != nil {
					b.Fatal(err)
				}
				check(b, got)
			}
			perRow(b)
		})
		b.Run(shape.name+"/chunk-conn", func(b *testing.B) {
			cc := openChunkConn(b, r)
			if err := cc.exec(ctx, "DO 1"); err != nil { // connect outside the timing
				b.Fatal(err)
			}
			startCPU(b)
			for range b.N {
				got, err := r.selectChunkOn(ctx, cc, ts, ts.schema, chunk)
				if err != nil {
					b.Fatal(err)
				}
				check(b, got)
			}
			perRow(b)
		})
	}
}

// processCPU is the CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
