package clickhouse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// These tests run the whole job: MySQL 9.7 or MariaDB 10.11 → cdc source
// (chunked snapshot, then the binlog) → clickhouse.Sink → ClickHouse, and
// compare ClickHouse's visible state with the rows a plain SELECT reads from
// the source, read by mysql.ReadTable.

// allTypesDDL declares a column of every type both servers have, nullable
// unless a key; MySQL 9 adds VECTOR (which must be NOT NULL: ClickHouse has
// no Nullable(Array)).
func allTypesDDL(f testenv.Flavor) string {
	cols := []string{
		"id BIGINT UNSIGNED NOT NULL PRIMARY KEY",
		"ti TINYINT NULL", "tiu TINYINT UNSIGNED NULL", "si SMALLINT NULL", "siu SMALLINT UNSIGNED NULL",
		"mi MEDIUMINT NULL", "miu MEDIUMINT UNSIGNED NULL", "i INT NULL", "iu INT UNSIGNED NULL",
		"bi BIGINT NULL", "biu BIGINT UNSIGNED NULL",
		"dec10_2 DECIMAL(10,2) NULL", "dec38_10 DECIMAL(38,10) NULL", "dec65_30 DECIMAL(65,30) NULL",
		"f FLOAT NULL", "d DOUBLE NULL", "b1 BIT(1) NULL", "b64 BIT(64) NULL",
		"y YEAR NULL", "dt DATE NULL", "tm TIME(6) NULL", "tm0 TIME NULL",
		"dtm DATETIME NULL", "dtm6 DATETIME(6) NULL", "ts TIMESTAMP NULL DEFAULT NULL", "ts6 TIMESTAMP(6) NULL DEFAULT NULL",
		"c CHAR(10) NULL", "vc VARCHAR(255) NULL", "tt TINYTEXT NULL", "tx TEXT NULL", "mt MEDIUMTEXT NULL", "lt LONGTEXT NULL",
		"latin VARCHAR(20) CHARACTER SET latin1 NULL",
		"bn BINARY(4) NULL", "vb VARBINARY(16) NULL", "tb TINYBLOB NULL", "bl BLOB NULL", "mb MEDIUMBLOB NULL", "lb LONGBLOB NULL",
		"e ENUM('a','b b','ü') NULL", "st SET('x','y','z') NULL", "j JSON NULL", "g GEOMETRY NULL", "pt POINT NULL",
		"`weird ``name`` ü` VARCHAR(20) NOT NULL DEFAULT ''",
	}
	if f == testenv.MySQL {
		cols = append(cols, "v VECTOR(3) NOT NULL DEFAULT (STRING_TO_VECTOR('[0,0,0]'))")
	}
	return "CREATE TABLE all_types (" + strings.Join(cols, ", ") + ") CHARACTER SET utf8mb4"
}

// The rows of all_types: extremes, NULLs everywhere, utf8mb4 text.
const (
	allTypesColumns = "id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, dec10_2, dec38_10, dec65_30, f, d, b1, b64, y, dt, tm, tm0, " +
		"dtm, dtm6, ts, ts6, c, vc, tt, tx, mt, lt, latin, bn, vb, tb, bl, mb, lb, e, st, j, g, pt, `weird ``name`` ü`"
	allTypesMax = "(18446744073709551615, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, " +
		"9223372036854775807, 18446744073709551615, 99999999.99, 9999999999999999999999999999.9999999999, " +
		"99999999999999999999999999999999999.999999999999999999999999999999, 3.4028234e38, 1.7976931348623157e308, b'1', " +
		"b'1111111111111111111111111111111111111111111111111111111111111111', 2155, '2149-06-05', '838:59:59.000000', '-838:59:59', " +
		"'2106-02-07 06:28:15', '2200-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.999999', " +
		"'char', 'vär😀 漢字', '🦄', 'text\\twith\\nnewline', '中文字符 😀', REPEAT('long 漢字 ', 5000), 'Grüße', " +
		"0x0001FEFF, 0x00, 'tb', 0xDEADBEEF, 'mb', REPEAT(0xFF00, 3000), 'ü', 'x,z', " +
		"'{\"a\": [1, 2.5, \"x\", true], \"b\": null, \"emoji\": \"😀\", \"n\": {\"k\": -1e-7}}', " +
		"ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 0))'), ST_GeomFromText('POINT(1.5 -2)'), 'q`\\\\''')"
	allTypesMin = "(0, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, -99999999.99, " +
		"-0.0000000001, -0.000000000000000000000000000001, -1.5, -2.2250738585072014e-308, b'0', b'0', 1901, '1970-01-01', " +
		"'-838:59:59.000000', '-00:00:01', '1970-01-01 00:00:00', '1925-01-01 00:00:00.000001', '1970-01-01 00:00:01', " +
		"'1970-01-01 00:00:01.000001', '', '', '', '', '', '', '', 0x00000000, '', '', '', '', '', 'a', '', '[]', " +
		"ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POINT(0 0)'), '')"
	allTypesNulls = "(1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " +
		"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " +
		"NULL, NULL, NULL, NULL, NULL, NULL, 'all null')"
	allTypesOrdinary = "(2, -1, 1, -300, 300, -70000, 70000, -5, 5, -1234567890123, 1234567890123, 0.01, 123.456, " +
		"12345678901234567890123456789012345.123456789012345678901234567890, 3.1415927, 2.718281828459045, b'1', " +
		"b'1000000000000000000000000000000000000000000000000000000000000001', 2024, '2024-02-29', '-12:34:56.789012', '00:00:00', " +
		"'2024-02-29 23:59:58', '2024-02-29 23:59:58.123456', '2024-02-29 23:59:58', '2024-02-29 23:59:58.000001', " +
		"'  padded', 'Ελληνικά 한국어 العربية', 'ok', 'tab\\there', 'm', 'l', 'café', 'ab', 0xC3A9, 0x00FF, 0x01, 0x02, 0x03, " +
		"'b b', 'x,y,z', '{\"deep\": [[[{\"x\": \"漢字\"}]]], \"big\": 12345678901234567890}', " +
		"ST_GeomFromText('LINESTRING(0 0, 1 1, 2 2)'), ST_GeomFromText('POINT(-180 90)'), '漢字')"
)

func TestSourceToSinkEveryType(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		ch := testenv.NewClickHouse(t)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		db.Exec(t, allTypesDDL(db.Flavor),
			"INSERT INTO all_types ("+allTypesColumns+") VALUES "+allTypesMax+", "+allTypesMin+", "+allTypesNulls+", "+allTypesOrdinary)
		if db.Flavor == testenv.MySQL {
			db.Exec(t, "UPDATE all_types SET v = STRING_TO_VECTOR('[1.5, -2, 3e-9]') WHERE id = 2")
		}
		client := newClient(t, ch.Addr)
		opts := clickhouse.TableOptions{Database: ch.Database}
		sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: opts, MaxRows: 3})
		if err != nil {
			t.Fatal(err)
		}
		p := startPipeline(t, db, sink, pipelineOptions{splitSize: 2}, "all_types")
		table := cdc.TableID{Database: db.Database, Table: "all_types"}

		// The snapshot, read by SELECT, arrives unchanged.
		p.waitStreaming(t, time.Minute)
		waitConverged(t, p, db.DB, client, opts, table, time.Minute)

		// Then the binlog, in several transactions: inserts copying rows,
		// updates to NULL and from NULL, a key change, deletes.
		nonKey := strings.SplitN(allTypesColumns, ", ", 2)[1]
		txns := [][]string{
			{"INSERT INTO all_types (" + allTypesColumns + ") SELECT 10, " + nonKey + " FROM all_types WHERE id = 18446744073709551615",
				"INSERT INTO all_types (" + allTypesColumns + ") SELECT 11, " + nonKey + " FROM all_types WHERE id = 0",
				"INSERT INTO all_types (" + allTypesColumns + ") SELECT 12, " + nonKey + " FROM all_types WHERE id = 2"},
			{"UPDATE all_types AS a JOIN all_types AS b ON b.id = 2 SET " + copyColumns(nonKey, "a", "b") + " WHERE a.id = 1",
				"UPDATE all_types SET " + nullColumns(nonKey) + " WHERE id = 18446744073709551615"},
			{"UPDATE all_types SET id = 42, vc = 'moved ✓' WHERE id = 10", "DELETE FROM all_types WHERE id = 0"},
			{"INSERT INTO all_types (id, vc) VALUES (100, 'short-lived')", "UPDATE all_types SET dec65_30 = -dec65_30, tm = '-00:00:00.000001', j = JSON_ARRAY(1, 'ü') WHERE id = 100",
				"DELETE FROM all_types WHERE id = 100", "INSERT INTO all_types (id, e, st, b64) VALUES (101, 'b b', 'y', b'1010')"},
		}
		for _, tx := range txns {
			if err := execTx(ctx, db.DB, tx...); err != nil {
				t.Fatal(err)
			}
		}
		db.Exec(t, "UPDATE all_types SET tt = CONCAT(tt, '🙂') WHERE id = 12") // autocommit
		want := waitConverged(t, p, db.DB, client, opts, table, time.Minute)
		if len(want) != 7 {
			t.Fatalf("MySQL holds %d rows, the test expects 7", len(want))
		}
		if err := p.stop(); err != nil {
			t.Fatalf("source: %v", err)
		}
		if st := sink.Stats(); st.RowsBuffered != 0 || st.Failures != 0 || st.RowsWritten < 4+3+2+2+4+1 {
			t.Errorf("sink stats %+v", st)
		}
	})
}

// copyColumns renders "a.x = b.x, ..." for a column list.
func copyColumns(cols, a, b string) string {
	var sets []string
	for _, c := range strings.Split(cols, ", ") {
		sets = append(sets, a+"."+c+" = "+b+"."+c)
	}
	return strings.Join(sets, ", ")
}

// nullColumns renders "x = NULL, ..." for the nullable columns of a list.
func nullColumns(cols string) string {
	var sets []string
	for _, c := range strings.Split(cols, ", ") {
		if strings.HasPrefix(c, "`weird") {
			continue
		}
		sets = append(sets, c+" = NULL")
	}
	return strings.Join(sets, ", ")
}

// TestSourceToSinkZeroDates captures MySQL's zero and out-of-range dates
// into a sink with MappingOptions.DatesAsText, by the snapshot and by the
// binlog.
func TestSourceToSinkZeroDates(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		ch := testenv.NewClickHouse(t)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		// Zero dates need a permissive sql_mode, for the session that writes them.
		conn, err := db.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		exec := func(stmts ...string) {
			t.Helper()
			for _, q := range stmts {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		exec("SET SESSION sql_mode = ''",
			"CREATE TABLE dates (id INT PRIMARY KEY, d DATE NULL, dtm DATETIME NULL, dtm6 DATETIME(6) NULL, ts TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL)",
			"INSERT INTO dates VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000')",
			"INSERT INTO dates VALUES (2, '1000-01-01', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999')",
			"INSERT INTO dates VALUES (3, '2020-00-01', '2020-01-00 10:00:00', '2020-00-00 00:00:00.500000', NULL, NULL)",
			"INSERT INTO dates VALUES (4, NULL, NULL, NULL, NULL, NULL)")
		client := newClient(t, ch.Addr)
		opts := clickhouse.TableOptions{Database: ch.Database, MappingOptions: clickhouse.MappingOptions{DatesAsText: true}}
		sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: opts})
		if err != nil {
			t.Fatal(err)
		}
		p := startPipeline(t, db, sink, pipelineOptions{splitSize: 2}, "dates")
		table := cdc.TableID{Database: db.Database, Table: "dates"}
		p.waitStreaming(t, time.Minute)
		waitConverged(t, p, db.DB, client, opts, table, time.Minute)

		exec("BEGIN",
			"INSERT INTO dates VALUES (5, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000')",
			"UPDATE dates SET d = '0000-00-00', dtm6 = '0001-01-01 00:00:00.000001', ts = '0000-00-00 00:00:00' WHERE id = 2",
			"UPDATE dates SET d = '9999-12-31', dtm = '2020-02-00 00:00:00' WHERE id = 4",
			"COMMIT")
		exec("DELETE FROM dates WHERE id = 1")
		waitConverged(t, p, db.DB, client, opts, table, time.Minute)
		if err := p.stop(); err != nil {
			t.Fatalf("source: %v", err)
		}
	})
}

// orderLines is the table of the random-history tests: a composite key,
// nullable columns, a decimal and a DATETIME(6).
const orderLinesDDL = "CREATE TABLE order_lines (tenant INT NOT NULL, line BIGINT UNSIGNED NOT NULL, qty INT NULL, " +
	"note VARCHAR(64) NULL, amount DECIMAL(20,4) NOT NULL, updated DATETIME(6) NOT NULL, PRIMARY KEY (tenant, line))"

// randomHistory changes order_lines in n transactions of 1 to 8 random
// statements: inserts, updates (some moving a row to a new key) and deletes,
// in random order. keys holds the existing keys and is kept up to date.
func randomHistory(ctx context.Context, db *testenv.Source, r *rand.Rand, n int, keys map[[2]uint64]bool, next *uint64) error {
	pick := func() ([2]uint64, bool) {
		i := r.IntN(len(keys) + 1)
		for k := range keys {
			if i--; i < 0 {
				return k, true
			}
		}
		return [2]uint64{}, false
	}
	for tx := 0; tx < n; tx++ {
		var stmts []string
		for range 1 + r.IntN(8) {
			*next++
			switch op := r.IntN(10); {
			case op < 4 || len(keys) == 0:
				k := [2]uint64{uint64(r.IntN(4)), *next}
				keys[k] = true
				stmts = append(stmts, fmt.Sprintf("INSERT INTO order_lines VALUES (%d, %d, %s, %s, %d.%04d, NOW(6))",
					k[0], k[1], randomQty(r), randomNote(r), r.IntN(1e6)-5e5, r.IntN(1e4)))
			case op < 8:
				k, ok := pick()
				if !ok {
					continue
				}
				set := fmt.Sprintf("qty = %s, note = %s, amount = amount + 1.0001, updated = NOW(6)", randomQty(r), randomNote(r))
				if op == 7 { // the update moves the row to a new key
					nk := [2]uint64{k[0], *next}
					delete(keys, k)
					keys[nk] = true
					set += fmt.Sprintf(", line = %d", nk[1])
				}
				stmts = append(stmts, fmt.Sprintf("UPDATE order_lines SET %s WHERE tenant = %d AND line = %d", set, k[0], k[1]))
			default:
				k, ok := pick()
				if !ok {
					continue
				}
				delete(keys, k)
				stmts = append(stmts, fmt.Sprintf("DELETE FROM order_lines WHERE tenant = %d AND line = %d", k[0], k[1]))
			}
		}
		if err := execTx(ctx, db.DB, stmts...); err != nil {
			return err
		}
	}
	return nil
}

func randomQty(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return "NULL"
	}
	return fmt.Sprint(r.IntN(2000) - 1000)
}

func randomNote(r *rand.Rand) string {
	if r.IntN(5) == 0 {
		return "NULL"
	}
	return fmt.Sprintf("'note %d ✓ 😀'", r.IntN(1000))
}

// loadOrderLines creates order_lines with n rows and returns their keys.
func loadOrderLines(t testing.TB, db *testenv.Source, n int) (map[[2]uint64]bool, uint64) {
	t.Helper()
	db.Exec(t, orderLinesDDL)
	keys := map[[2]uint64]bool{}
	var values []string
	for i := 1; i <= n; i++ {
		keys[[2]uint64{uint64(i % 4), uint64(i)}] = true
		values = append(values, fmt.Sprintf("(%d, %d, %d, 'initial %d', %d.5, '2024-01-01 00:00:00.000001')", i%4, i, i, i, i))
	}
	db.Exec(t, "INSERT INTO order_lines VALUES "+strings.Join(values, ", "))
	return keys, uint64(n)
}

// TestSourceToSinkRandomChangesConvergeAndReplayChangesNothing changes rows
// at random while the snapshot runs and after it, checks ClickHouse
// converges to MySQL, then runs the source again from scratch (fresh offset
// stores, new sinks, the same ClickHouse tables): once with a snapshot and
// once re-reading the whole binlog of the table. Neither replay may change
// what ClickHouse shows, at any moment.
func TestSourceToSinkRandomChangesConvergeAndReplayChangesNothing(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		ch := testenv.NewClickHouse(t)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		historyFile, historyPos := binlogPosition(t, db.DB)
		keys, next := loadOrderLines(t, db, 2000)
		seed := uint64(time.Now().UnixNano())
		t.Logf("random seed %d", seed)
		r := rand.New(rand.NewPCG(seed, 1))

		client := newClient(t, ch.Addr)
		opts := clickhouse.TableOptions{Database: ch.Database}
		newSink := func() *clickhouse.Sink {
			s, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: opts, MaxRows: 500, FlushInterval: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(context.Background()) })
			return s
		}
		table := cdc.TableID{Database: db.Database, Table: "order_lines"}
		p := startPipeline(t, db, newSink(), pipelineOptions{splitSize: 100}, "order_lines")
		// Changes while the snapshot reads chunks, then while the binlog streams.
		if err := randomHistory(ctx, db, r, 100, keys, &next); err != nil {
			t.Fatal(err)
		}
		p.waitStreaming(t, time.Minute)
		streamFile, streamPos := binlogPosition(t, db.DB)
		if err := randomHistory(ctx, db, r, 300, keys, &next); err != nil {
			t.Fatal(err)
		}
		final := waitConverged(t, p, db.DB, client, opts, table, time.Minute)
		if len(final) != len(keys) {
			t.Fatalf("MySQL holds %d rows, the test tracked %d", len(final), len(keys))
		}
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		endFile, endPos := binlogPosition(t, db.DB)
		end := mysql.Offset{File: endFile, Pos: endPos}
		_, schema, err := mysqlTable(ctx, db.DB, table)
		if err != nil {
			t.Fatal(err)
		}

		// unchanged fails the test if ClickHouse's visible state differs
		// from final at any check until done() holds. With transient set,
		// rows MySQL no longer has may show for a while: a replay from
		// before the first snapshot brings back rows that were deleted
		// before the snapshot read them, so ClickHouse never had them, until
		// it reaches their delete. Rows MySQL has must never change.
		unchanged := func(what string, transient bool, done func() bool) {
			t.Helper()
			deadline := time.Now().Add(time.Minute)
			extra := 0
			for checks := 1; ; checks++ {
				finished := done()
				got, err := client.ReadTable(ctx, schema, opts)
				if err != nil {
					t.Fatal(err)
				}
				if transient && !finished {
					n := len(got)
					got = onlyKeysOf(got, final)
					extra = max(extra, n-len(got))
				}
				if d := diffRows(schema, final, got); d != "" {
					t.Fatalf("%s changed what ClickHouse shows (check %d):\n%s", what, checks, d)
				}
				if finished {
					t.Logf("%s: visible state unchanged at %d checks (at most %d deleted rows shown for a while)", what, checks, extra)
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s did not finish in a minute", what)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// caughtUp says when the replay has flushed everything up to end.
		caughtUp := func() bool {
			if err, stopped := p.failed(); stopped {
				t.Fatalf("replaying source stopped: %v", err)
			}
			pr := p.src.Progress()
			return pr.Phase == mysql.PhaseBinlog && pr.Offset.Compare(end) >= 0
		}

		// Replay 1: a fresh offset store, so a new snapshot of every row.
		p = startPipeline(t, db, newSink(), pipelineOptions{splitSize: 100}, "order_lines")
		unchanged("a second snapshot", false, func() bool {
			if err, stopped := p.failed(); stopped {
				t.Fatalf("replaying source stopped: %v", err)
			}
			return p.phase() == mysql.PhaseBinlog
		})
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		if st := p.sink.Stats(); st.RowsWritten < uint64(len(final)) {
			t.Fatalf("the second snapshot wrote %d rows, want at least %d", st.RowsWritten, len(final))
		}

		// Replay 2: a fresh offset store starting where the first run
		// began streaming: every binlog change since the snapshot again, as
		// after a crash between a flush and the checkpoint that follows it.
		p = startPipeline(t, db, newSink(), pipelineOptions{startup: mysql.SpecificOffset(streamFile, streamPos)}, "order_lines")
		unchanged("the binlog since the snapshot again", false, caughtUp)
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		if st := p.sink.Stats(); st.RowsWritten == 0 {
			t.Fatal("the binlog replay wrote nothing")
		}

		// Replay 3: from before the table was created: its whole history.
		p = startPipeline(t, db, newSink(), pipelineOptions{startup: mysql.SpecificOffset(historyFile, historyPos)}, "order_lines")
		unchanged("the whole binlog again", true, caughtUp)
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		if st := p.sink.Stats(); st.RowsWritten < 2000 {
			t.Fatalf("the binlog replay wrote %d rows, want at least the 2000 initial inserts", st.RowsWritten)
		}
	})
}

// onlyKeysOf returns the rows of got whose key (the first two columns) is
// the key of a row of want; both are in key order.
func onlyKeysOf(got, want []cdc.Row) []cdc.Row {
	keys := map[[2]any]bool{}
	for _, r := range want {
		keys[[2]any{r[0], r[1]}] = true
	}
	var out []cdc.Row
	for _, r := range got {
		if keys[[2]any{r[0], r[1]}] {
			out = append(out, r)
		}
	}
	return out
}

// TestSourceToSinkClickHouseUnavailableLosesNothing routes the sink through
// a TCP proxy and cuts it while changes keep arriving in MySQL, then
// restores it; ClickHouse must converge to MySQL's state.
//
// "restart": the sink gives up after two attempts, so the source's Run
// fails with the sink's error; it is started again, with a new sink (the
// buffered rows of the old one are lost, as in a crashed process) and the
// same offset store, until ClickHouse is back. Nothing is lost only if the
// source never stored an offset past events the sink had not flushed.
//
// "ride-out": the sink retries until ClickHouse is back; the source waits in
// HandleEvents or Flush, and nothing restarts.
func TestSourceToSinkClickHouseUnavailableLosesNothing(t *testing.T) {
	for _, restart := range []bool{true, false} {
		name := map[bool]string{true: "restart", false: "ride-out"}[restart]
		t.Run(name, func(t *testing.T) {
			testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
				unavailableMidStream(t, db, restart)
			})
		})
	}
}

func unavailableMidStream(t *testing.T, db *testenv.Source, restart bool) {
	ch := testenv.NewClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	keys, next := loadOrderLines(t, db, 500)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))

	proxy := clickhouse.NewTCPProxy(t, ch.Addr)
	viaProxy := newClient(t, proxy.Addr())
	direct := newClient(t, ch.Addr)
	opts := clickhouse.TableOptions{Database: ch.Database}
	// Restart: no timer flushes, so rows reach ClickHouse only when 50 are
	// buffered or when the source calls Flush before storing an offset; a
	// source that stored offsets without flushing first loses the rows the
	// dropped sinks held.
	cfg := clickhouse.SinkConfig{TableOptions: opts, MaxRows: 50, FlushInterval: -1,
		Retry: clickhouse.RetryPolicy{MaxAttempts: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}}
	if !restart {
		cfg.FlushInterval = 20 * time.Millisecond
		cfg.Retry.MaxAttempts = 1_000_000
		cfg.Retry.MaxBackoff = 50 * time.Millisecond
	}
	var sinks []*clickhouse.Sink
	newSink := func() *clickhouse.Sink {
		s, err := clickhouse.NewSink(viaProxy, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sinks = append(sinks, s)
		// A sink of a failed run is dropped unflushed, like a crashed process's.
		return s
	}
	store := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "offset.json"))
	table := cdc.TableID{Database: db.Database, Table: "order_lines"}
	p := startPipeline(t, db, newSink(), pipelineOptions{store: store}, "order_lines")
	p.waitStreaming(t, time.Minute)

	// Changes keep arriving, before, during and after the outage.
	changes := make(chan error, 1)
	go func() {
		for range 30 {
			if err := randomHistory(ctx, db, r, 10, keys, &next); err != nil {
				changes <- err
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		changes <- nil
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.Cut()
	var failures []error
	for outage := time.Now(); time.Since(outage) < 1200*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if err, stopped := p.failed(); stopped {
			if !restart || !isHandlerFailure(err) {
				t.Fatalf("source stopped with ClickHouse unreachable: %v", err)
			}
			failures = append(failures, err)
			p = startPipeline(t, db, newSink(), pipelineOptions{store: store}, "order_lines")
		}
	}
	proxy.Restore()
	if err := <-changes; err != nil {
		t.Fatal(err)
	}
	if err, stopped := p.failed(); stopped {
		failures = append(failures, err)
		p = startPipeline(t, db, newSink(), pipelineOptions{store: store}, "order_lines")
	}
	final := waitConverged(t, p, db.DB, direct, opts, table, time.Minute)
	if len(final) != len(keys) {
		t.Fatalf("MySQL holds %d rows, the test tracked %d", len(final), len(keys))
	}
	var retries, failed uint64
	for _, s := range sinks {
		st := s.Stats()
		retries += st.Retries
		failed += st.Failures
	}
	t.Logf("%d runs, %d sink retries, %d failed inserts; first failure: %v", len(sinks), retries, failed, firstOf(failures))
	if restart && len(failures) == 0 {
		t.Fatal("the source never saw the sink fail: the outage was not exercised")
	}
	if !restart && (len(sinks) != 1 || retries == 0) {
		t.Fatalf("ride-out: want one run with retries, got %d runs and %d retries", len(sinks), retries)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
}

func firstOf(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
