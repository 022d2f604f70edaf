package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// spillCase is a ClickHouse type and values clickhouse-go's AppendRow
// takes for it.
type spillCase struct {
	typ  string
	vals []any
}

func spillCases() []spillCase {
	s := func(v string) *string { return &v }
	t0 := time.Date(2026, 12, 2, 10, 11, 12, 345_000_000, time.UTC)
	return []spillCase{
		{"Int64", []any{int64(-1), int64(1 << 62), int64(0)}},
		{"UInt8", []any{uint8(0), uint8(255), uint8(1)}},
		{"Float64", []any{1.5, -0.0, 1e300}},
		{"String", []any{"", "ünïcode", strings.Repeat("x", 300)}},
		{"FixedString(3)", []any{"abc", "de\x00", "\x00\x00\x00"}},
		{"Nullable(String)", []any{s("a"), nil, s("")}},
		{"Decimal(9, 2)", []any{decimal.RequireFromString("1234567.89"), decimal.Zero, decimal.RequireFromString("-0.01")}},
		{"Nullable(Decimal(18, 4))", []any{nil, decimal.RequireFromString("99999999999999.9999"), decimal.RequireFromString("-1.5")}},
		{"Decimal(38, 10)", []any{decimal.RequireFromString("1234567890123456789012345678.0123456789"), decimal.Zero, decimal.RequireFromString("-1")}},
		{"Date", []any{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{"DateTime", []any{t0.Truncate(time.Second), time.Unix(0, 0).UTC(), time.Unix(1<<31, 0).UTC()}},
		{"Nullable(DateTime64(3))", []any{t0, nil, time.Unix(0, 1_000_000).UTC()}},
		{"LowCardinality(String)", []any{"a", "b", "a"}},
		{"LowCardinality(Nullable(String))", []any{"a", nil, "a"}},
		{"Array(Nullable(String))", []any{[]*string{s("a"), nil}, []*string{}, []*string{s("b")}}},
		{"Enum8('a' = 1, 'b' = 2)", []any{"a", "b", "b"}},
		{"UUID", []any{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
	}
}

// newColumns returns a column of each case's type, the values appended
// when fill is set.
func newColumns(t *testing.T, cases []spillCase, fill bool) []column.Interface {
	t.Helper()
	var cols []column.Interface
	for i, c := range cases {
		col, err := column.Type(c.typ).Column(fmt.Sprintf("c%d", i), &column.ServerContext{Timezone: time.UTC})
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		if fill {
			for _, v := range c.vals {
				if err := col.AppendRow(v); err != nil {
					t.Fatalf("%s: appending %v: %v", c.typ, v, err)
				}
			}
		}
		cols = append(cols, col)
	}
	return cols
}

// rowText is a column's row as text, pointers followed.
func rowText(col column.Interface, i int) string {
	v := reflect.ValueOf(col.Row(i, false))
	for v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "NULL"
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return "NULL"
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Pointer {
		var parts []string
		for j := range v.Len() {
			e := v.Index(j)
			if e.IsNil() {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, fmt.Sprint(e.Elem().Interface()))
			}
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

// TestSpillFileRoundTrip: blocks of every kind of column the sink writes
// (and LowCardinality, Array, Enum, UUID ones an existing table may have)
// come back from the spill file as they went in, in any order, from a file
// no longer in its directory, which is emptied once no block is live.
func TestSpillFileRoundTrip(t *testing.T) {
	cases := spillCases()
	dir := t.TempDir()
	sf := &spillFile{dir: dir}
	defer sf.close()
	a := newColumns(t, cases, true)
	// A second block: the same values, last first.
	rev := make([]spillCase, len(cases))
	for i, c := range cases {
		rev[i] = spillCase{c.typ, []any{c.vals[2], c.vals[1], c.vals[0]}}
	}
	b := newColumns(t, rev, true)
	spA, err := sf.write(a, 3)
	if err != nil {
		t.Fatal(err)
	}
	spB, err := sf.write(b, 3)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the spill file's directory holds %v; want it unlinked", entries)
	}
	for _, tc := range []struct {
		sp   *spilled
		want []column.Interface
	}{{spB, b}, {spA, a}} {
		got := newColumns(t, cases, false)
		if err := sf.read(tc.sp, got); err != nil {
			t.Fatal(err)
		}
		for i, col := range got {
			if col.Rows() != 3 {
				t.Fatalf("%s: %d rows back, want 3", cases[i].typ, col.Rows())
			}
			for r := range 3 {
				if g, w := rowText(col, r), rowText(tc.want[i], r); g != w {
					t.Errorf("%s row %d: %q back from the spill file, %q went in", cases[i].typ, r, g, w)
				}
			}
		}
	}
	// A column of other rows than the block is refused, not written.
	if _, err := sf.write(append(newColumns(t, cases[:1], true), newColumns(t, cases[1:2], false)...), 3); err == nil {
		t.Error("a block whose columns hold 3 and 0 rows was spilled")
	}
	sf.release(spA)
	if fi, _ := sf.f.Stat(); fi.Size() == 0 {
		t.Errorf("the spill file was emptied with a block still live")
	}
	sf.release(spB)
	if fi, _ := sf.f.Stat(); fi.Size() != 0 || sf.size != 0 {
		t.Errorf("the spill file holds %d bytes (next block at %d) with no block live; want it emptied", fi.Size(), sf.size)
	}
	// Blocks released behind one kept live make room for the next ones:
	// the file does not grow with every INSERT written after a failed one.
	kept, err := sf.write(newColumns(t, cases, true), 3)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		sp, err := sf.write(newColumns(t, cases, true), 3)
		if err != nil {
			t.Fatal(err)
		}
		if sp.off != kept.n {
			t.Errorf("a block after one kept live went at %d; want %d, where the released ones began", sp.off, kept.n)
		}
		sf.release(sp)
	}
	sf.release(kept)
	// A block read against the wrong columns is an error, not a panic.
	spC, err := sf.write(newColumns(t, cases[3:4], true), 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := sf.read(spC, newColumns(t, cases[0:1], false)); err == nil {
		t.Error("three strings read back as an Int64 column without an error")
	}
}

// TestSpillDirThatCannotBeUsed: a SpillDir the sink cannot make its file
// in costs the spill, not rows: the rows of each INSERT stay in memory
// (ending it at half of MaxBytes), a warning says why, and every row is
// written.
func TestSpillDirThatCannotBeUsed(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	var logs strings.Builder
	missing := t.TempDir() + "/missing"
	const maxBytes = 64 << 10
	ctx, sink, _ := proxiedSink(t, SinkConfig{SpillDir: missing, MaxBytes: maxBytes, FlushInterval: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	note := strings.Repeat("x", 1000)
	var rows []cdc.Row
	for i := range 300 {
		rows = append(rows, cdc.Row{int64(4), uint64(i), nil, note})
	}
	if err := sink.HandleEvents(ctx, insertEvents(schema, rows)); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "stay in memory") || !strings.Contains(logs.String(), missing) {
		t.Errorf("logs do not say the rows stay in memory because of %s:\n%s", missing, logs.String())
	}
	if st := sink.Stats(); st.Flushes < 5 {
		t.Errorf("%d INSERTs for 300 KB held in memory with MaxBytes %d; want them ended at half of it", st.Flushes, maxBytes)
	}
	readEquals(ctx, t, sink, schema, rows)
}

// streamBlocks hands sink events[0] and flushes it (the table is made),
// then the other events, and waits until p has forwarded blocks full
// blocks of rows of at least 50 bytes: the INSERT they stream in is open,
// and its blocks are in the spill file.
func streamBlocks(ctx context.Context, t *testing.T, sink *Sink, p *proxy, events []cdc.Event, blocks int) {
	t.Helper()
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent := p.toServer.Load()
	if err := sink.HandleEvents(ctx, events[1:]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.toServer.Load()-sent < int64(blocks*insertBlockRows*50) {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes sent after %d full blocks; want them streamed", p.toServer.Load()-sent, blocks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetryReadsSpilledBlocks: the connection of an open INSERT is cut
// after three blocks went to the server, and to the spill file, their
// buffers back in the sink; the retry sends them again from the file, and
// ClickHouse holds every row once.
func TestRetryReadsSpilledBlocks(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	var mu sync.Mutex
	var infos []FlushInfo
	ctx, sink, p := proxiedSink(t, SinkConfig{FlushInterval: -1, Retry: RetryPolicy{MinBackoff: time.Millisecond},
		OnFlush: func(fi FlushInfo) { mu.Lock(); infos = append(infos, fi); mu.Unlock() }})
	rows := kvRows(5, 3*insertBlockRows+7)
	streamBlocks(ctx, t, sink, p, insertEvents(schema, rows), 3)
	p.Cut()
	p.Restore()
	cut := p.toServer.Load()
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush after the open INSERT's connection was cut: %v", err)
	}
	// ClickHouse 18.16 may keep what a cut INSERT sent: the bytes show
	// that the retry sent the three blocks again all the same.
	if resent := p.toServer.Load() - cut; resent < 3*insertBlockRows*50 {
		t.Errorf("%d bytes sent after the cut; want the three spilled blocks sent again", resent)
	}
	mu.Lock()
	last := infos[len(infos)-1]
	mu.Unlock()
	if last.Err != nil || last.Attempts < 2 || last.Rows != len(rows)-1 {
		t.Errorf("the cut INSERT: %+v; want %d rows written at a later attempt", last, len(rows)-1)
	}
	// The blocks went back to the table as they were spilled: every row
	// the retry wrote came from the file.
	if n := len(sink.tables[schema.Table].spares); n < 3 {
		t.Errorf("%d spare blocks; want the 3 spilled ones back", n)
	}
	readEquals(ctx, t, sink, schema, rows)
}

// TestSpilledRowsFollowAnAlteredColumn: rows of an INSERT cut after its
// blocks went to the spill file are kept (the retry fails too), and
// someone changes a column's type before the next flush. The rows go to
// the column as the type it has now, as they did when they were held in
// memory (a String into a Nullable(String), an Int32 into a Float32 by
// value), rather than failing to decode or writing an Int32's bits as a
// Float32's.
func TestSpilledRowsFollowAnAlteredColumn(t *testing.T) {
	t.Parallel()
	for _, alter := range []string{"MODIFY COLUMN `note` Nullable(String)", "MODIFY COLUMN `qty` Nullable(Float32)"} {
		t.Run(alter, func(t *testing.T) {
			ch := testenv.NewClickHouse(t)
			ctx := ctxT(t)
			p := newProxy(t, ch.Addr)
			sink, err := NewSink(testClient(t, p.Addr()), SinkConfig{TableOptions: TableOptions{Database: ch.Database},
				FlushInterval: -1, Retry: RetryPolicy{MaxAttempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close(ctx)
			schema := kvSchema("shop")
			rows := kvRows(6, 2*insertBlockRows+7)
			streamBlocks(ctx, t, sink, p, insertEvents(schema, rows), 2)
			p.Cut()
			if err := sink.Flush(ctx); err == nil {
				t.Fatal("Flush with ClickHouse cut off returned nil")
			}
			table := QuoteIdent(ch.Database) + "." + QuoteIdent(schema.Table.Table)
			if err := ch.Conn.Exec(ctx, "ALTER TABLE "+table+" "+alter); err != nil {
				t.Fatal(err)
			}
			p.Restore()
			if err := sink.Flush(ctx); err != nil {
				t.Fatalf("Flush after %s: %v", alter, err)
			}
			var n, wrong uint64
			if err := ch.Conn.QueryRow(ctx, "SELECT count(), countIf(toFloat64(assumeNotNull(`qty`)) != toFloat64(`line`) OR `note` != ?) FROM "+table+" FINAL",
				rows[0][3]).Scan(&n, &wrong); err != nil {
				t.Fatal(err)
			}
			if n != uint64(len(rows)) || wrong != 0 {
				t.Errorf("after %s: %d rows, %d of them with other values than written; want %d rows as written", alter, n, wrong, len(rows))
			}
		})
	}
}

// lockedBuilder is a strings.Builder that a sink's insert job and the test
// write and read under mu.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuilder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuilder) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestSpillFileThatFailsRests: a SpillDir that cannot be used is tried
// again, and logged, once per spillRetry, not by every INSERT (one a
// FlushInterval, a warning a second by default); once the directory works
// again the INSERTs spill again.
func TestSpillFileThatFailsRests(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	var logs lockedBuilder
	missing := t.TempDir() + "/missing"
	ctx, sink, _ := proxiedSink(t, SinkConfig{SpillDir: missing, FlushInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	sink.spill.rest = 300 * time.Millisecond // the insert job reads it once a row comes
	var rows []cdc.Row
	write := func(n int) {
		t.Helper()
		for range n {
			row := cdc.Row{int64(4), uint64(len(rows)), nil, "x"}
			rows = append(rows, row)
			if err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{row})); err != nil {
				t.Fatal(err)
			}
			time.Sleep(15 * time.Millisecond)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	write(10)
	flushes := sink.Stats().Flushes
	if n := strings.Count(logs.String(), "stay in memory"); n != 1 || flushes < 5 {
		t.Errorf("%d warnings that the rows stay in memory in %d INSERTs within %v; want 1", n, flushes, sink.spill.rest)
	}
	if err := os.Mkdir(missing, 0o700); err != nil {
		t.Fatal(err)
	}
	time.Sleep(sink.spill.rest)
	write(3)
	if sink.spill.f == nil {
		t.Errorf("no spill file once %s exists and %v has passed", missing, sink.spill.rest)
	}
	readEquals(ctx, t, sink, schema, rows)
}

// TestSpillFileOnTmpfsWarns: a spill file on tmpfs is memory, which
// MaxBytes no longer bounds; the sink says so, once, naming the fix.
func TestSpillFileOnTmpfsWarns(t *testing.T) {
	shm := "/dev/shm"
	probe, err := os.CreateTemp(shm, "rtdw-tmpfs-probe-*")
	if err != nil {
		t.Skipf("no %s to try a tmpfs with: %v", shm, err)
	}
	tmpfs := onTmpfs(probe)
	probe.Close()
	os.Remove(probe.Name())
	if !tmpfs {
		t.Skipf("%s is not a tmpfs here", shm)
	}
	for _, tc := range []struct {
		dir  string
		warn bool
	}{{shm, true}, {t.TempDir(), false}} {
		var logs strings.Builder
		sf := &spillFile{dir: tc.dir, log: slog.New(slog.NewTextHandler(&logs, nil))}
		for range 2 {
			sp, err := sf.write(newColumns(t, spillCases()[:1], true), 3)
			if err != nil {
				t.Fatal(err)
			}
			sf.release(sp)
			sf.close()
		}
		if got := strings.Count(logs.String(), "SinkConfig.SpillDir"); got != map[bool]int{true: 1, false: 0}[tc.warn] {
			t.Errorf("SpillDir %s: %d warnings naming SinkConfig.SpillDir, want one if it is tmpfs:\n%s", tc.dir, got, logs.String())
		}
	}
}
