package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
	"github.com/shopspring/decimal"
)

func testClient(t testing.TB, addr string) *Client {
	t.Helper()
	c, err := New(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// binlogPos is the position of the latest event insertEvents made, shared
// by the tests that run in parallel.
var binlogPos atomic.Uint64

// insertEvents returns events for rows in binlog order.
func insertEvents(schema *cdc.TableSchema, rows []cdc.Row) []cdc.Event {
	var evs []cdc.Event
	for _, r := range rows {
		evs = append(evs, cdc.Event{Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: r,
			Source: cdc.Source{File: "mysql-bin.000001", Pos: 4 + binlogPos.Add(100), Snapshot: cdc.SnapshotFalse}})
	}
	return evs
}

// equalRows compares rows value by value, decimals by value.
func equalRows(t *testing.T, schema *cdc.TableSchema, got, want []cdc.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range want {
		for j, w := range want[i] {
			g := got[i][j]
			if wd, ok := w.(decimal.Decimal); ok {
				if gd, ok := g.(decimal.Decimal); ok && gd.Equal(wd) {
					continue
				}
			} else if reflect.DeepEqual(g, w) {
				continue
			}
			t.Errorf("row %d column %q: got %#v (%T), want %#v (%T)", i, schema.Columns[j].Name, g, g, w, w)
		}
	}
}

func TestRoundTripEveryType(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := allTypesSchema("source_db")
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	rows := allTypesRows()
	got := writeAndRead(ctx, t, sink, schema, insertEvents(schema, rows))
	equalRows(t, schema, got, rows)
	if st := sink.Stats(); st.RowsWritten != uint64(len(rows)) || st.Flushes != 1 || st.RowsBuffered != 0 {
		t.Errorf("stats %+v", st)
	}
}

func dateSchema(db string) *cdc.TableSchema {
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: db, Table: "dates"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}},
			{Name: "d", Type: cdc.ColumnType{Kind: cdc.KindDate}, Nullable: true},
			{Name: "dt", Type: cdc.ColumnType{Kind: cdc.KindDateTime}, Nullable: true},
			{Name: "dt6", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 6}},
			{Name: "ts", Type: cdc.ColumnType{Kind: cdc.KindTimestamp}},
		},
		PrimaryKey: []string{"id"},
	}
}

func TestZeroAndOutOfRangeDates(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := dateSchema("src")
	rows := []cdc.Row{
		{int64(1), cdc.ZeroTime("0000-00-00"), cdc.ZeroTime("0000-00-00 00:00:00"), cdc.ZeroTime("2020-00-01 00:00:00.000000"), cdc.ZeroTime("0000-00-00 00:00:00")},
		{int64(2), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
			time.Date(1000, 1, 1, 0, 0, 0, 1000, time.UTC), time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)},
		{int64(3), nil, nil, time.Date(2000, 2, 3, 4, 5, 6, 7000, time.UTC), time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC)},
	}

	// Native types refuse what they cannot hold, naming the column.
	nativeSchema := dateSchema("src")
	nativeSchema.Table.Table = "dates_native"
	native, _ := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1})
	err := native.HandleEvents(ctx, insertEvents(nativeSchema, rows[:1]))
	var ve *ValueError
	if !errors.Is(err, ErrUnrepresentable) || !errors.As(err, &ve) || ve.Column != "d" {
		t.Fatalf("zero date into Date: want ErrUnrepresentable on column d, got %v", err)
	}
	err = native.HandleEvents(ctx, insertEvents(nativeSchema, rows[1:2]))
	if !errors.Is(err, ErrUnrepresentable) {
		t.Fatalf("year 1000 into Date: want ErrUnrepresentable, got %v", err)
	}

	// As text, everything round-trips.
	sink, _ := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database, MappingOptions: MappingOptions{DatesAsText: true}}})
	defer sink.Close(ctx)
	got := writeAndRead(ctx, t, sink, schema, insertEvents(schema, rows))
	equalRows(t, schema, got, rows)
}

// kvSchema is a small table for ordering tests; the key needs quoting.
func kvSchema(db string) *cdc.TableSchema {
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: db, Table: "order-lines"},
		Columns: []cdc.Column{
			{Name: "tenant id", Type: cdc.ColumnType{Kind: cdc.KindInt}},
			{Name: "line", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}},
			{Name: "qty", Type: cdc.ColumnType{Kind: cdc.KindInt}, Nullable: true},
			{Name: "note", Type: cdc.ColumnType{Kind: cdc.KindVarChar}},
		},
		PrimaryKey: []string{"tenant id", "line"},
	}
}

// history simulates a table's binlog: a snapshot of rows, then random
// inserts, updates (some changing the key) and deletes. It returns the events
// and the final state in key order.
func history(schema *cdc.TableSchema, r *rand.Rand, n int) ([]cdc.Event, []cdc.Row) {
	type key struct {
		tenant int64
		line   uint64
	}
	state := map[key]cdc.Row{}
	var evs []cdc.Event
	pos := uint64(4)
	src := func(snapshot bool) cdc.Source {
		s := cdc.Source{File: fmt.Sprintf("mysql-bin.%06d", 1+pos/5000), Pos: pos % 5000, Snapshot: cdc.SnapshotFalse}
		if snapshot {
			s.Snapshot = cdc.SnapshotTrue
		}
		pos += 7
		return s
	}
	newRow := func(k key) cdc.Row {
		var qty any
		if r.IntN(4) > 0 {
			qty = int64(r.IntN(1000) - 500)
		}
		return cdc.Row{k.tenant, k.line, qty, fmt.Sprintf("note %d ✓", r.IntN(100))}
	}
	anyKey := func() (key, bool) {
		for k := range state {
			return k, true
		}
		return key{}, false
	}
	for i := 0; i < n/4; i++ {
		k := key{int64(r.IntN(5)), uint64(i)}
		row := newRow(k)
		state[k] = row
		evs = append(evs, cdc.Event{Op: cdc.OpRead, Table: schema.Table, Schema: schema, After: row, Source: src(true)})
	}
	for i := 0; i < n; i++ {
		switch op := r.IntN(10); {
		case op < 4:
			k := key{int64(r.IntN(5)), uint64(1000 + i)}
			row := newRow(k)
			state[k] = row
			evs = append(evs, cdc.Event{Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: row, Source: src(false)})
		case op < 8:
			k, ok := anyKey()
			if !ok {
				continue
			}
			before := state[k]
			nk := k
			if op == 7 {
				nk = key{k.tenant, uint64(100000 + i)} // the update changes the key
				delete(state, k)
			}
			after := newRow(nk)
			state[nk] = after
			evs = append(evs, cdc.Event{Op: cdc.OpUpdate, Table: schema.Table, Schema: schema, Before: before, After: after, Source: src(false)})
		default:
			k, ok := anyKey()
			if !ok {
				continue
			}
			evs = append(evs, cdc.Event{Op: cdc.OpDelete, Table: schema.Table, Schema: schema, Before: state[k], Source: src(false)})
			delete(state, k)
		}
	}
	var final []cdc.Row
	for _, row := range state {
		final = append(final, row)
	}
	sortRows(final)
	return evs, final
}

func sortRows(rows []cdc.Row) {
	less := func(a, b cdc.Row) bool {
		if a[0].(int64) != b[0].(int64) {
			return a[0].(int64) < b[0].(int64)
		}
		return a[1].(uint64) < b[1].(uint64)
	}
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && less(rows[j], rows[j-1]); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

func TestShuffledBatchesConvergeAndReplaysChangeNothing(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	r := rand.New(rand.NewPCG(7, 8))
	evs, final := history(schema, r, 600)

	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxRows: 37, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	// Cut the history into batches and deliver them in a random order.
	var batches [][]cdc.Event
	for i := 0; i < len(evs); i += 23 {
		batches = append(batches, evs[i:min(i+23, len(evs))])
	}
	r.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })
	got := writeAndRead(ctx, t, sink, schema, batches...)
	equalRows(t, schema, got, final)

	// Replaying batches, whole or in part, in any order changes nothing.
	for _, b := range batches[:len(batches)/2] {
		if err := sink.HandleEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	again := writeAndRead(ctx, t, sink, schema, evs)
	equalRows(t, schema, again, final)

	// And so does a merge: OPTIMIZE FINAL collapses versions for good.
	if err := c.Conn().Exec(ctx, "OPTIMIZE TABLE "+QuoteIdent(ch.Database)+"."+QuoteIdent(schema.Table.Table)+" FINAL"); err != nil {
		t.Fatal(err)
	}
	merged, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, merged, final)
}

func TestSchemaChangeAddsColumns(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	v1 := kvSchema("shop")
	v2 := &cdc.TableSchema{Table: v1.Table, PrimaryKey: v1.PrimaryKey,
		Columns: append(append([]cdc.Column{}, v1.Columns...), cdc.Column{Name: "added `col`", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 12, Scale: 3}, Nullable: true})}
	sink, _ := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}})
	defer sink.Close(ctx)
	evs := insertEvents(v1, []cdc.Row{{int64(1), uint64(1), int64(5), "a"}})
	evs = append(evs, cdc.Event{Op: cdc.OpSchemaChange, Table: v1.Table, Schema: v2, DDL: "ALTER TABLE ... ADD COLUMN", Source: cdc.Source{File: "mysql-bin.000001", Pos: 4 + binlogPos.Load() + 1}})
	evs = append(evs, insertEvents(v2, []cdc.Row{{int64(1), uint64(2), nil, "b", mustDecimal("-123456789.125")}})...)
	if err := sink.HandleEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := sink.ReadTable(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, v2, got, []cdc.Row{{int64(1), uint64(1), int64(5), "a", nil}, {int64(1), uint64(2), nil, "b", mustDecimal("-123456789.125")}})
}

func TestRefusedInsertCarriesServerCodeAndKeepsRows(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	var infos []FlushInfo
	sink, _ := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1,
		OnFlush: func(fi FlushInfo) { infos = append(infos, fi) }})
	defer sink.Close(ctx)
	if err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{{int64(1), uint64(1), int64(1), "x"}})); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Someone drops a column underneath the sink.
	if err := c.Conn().Exec(ctx, "ALTER TABLE "+QuoteIdent(ch.Database)+"."+QuoteIdent(schema.Table.Table)+" DROP COLUMN `note`"); err != nil {
		t.Fatal(err)
	}
	if err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{{int64(1), uint64(2), int64(2), "y"}, {int64(1), uint64(3), nil, "z"}})); err != nil {
		t.Fatal(err)
	}
	err := sink.Flush(ctx)
	var ex *proto.Exception
	var ie *InsertError
	if !errors.As(err, &ex) || !errors.As(err, &ie) {
		t.Fatalf("want an InsertError wrapping *proto.Exception, got %T %v", err, err)
	}
	if ex.Code == 0 || ex.Message == "" || ie.Rows != 2 || ie.Attempts != 1 {
		t.Errorf("exception code %d message %q, insert error %+v", ex.Code, ex.Message, ie)
	}
	t.Logf("server refused: %v", err)
	if st := sink.Stats(); st.RowsBuffered != 2 || st.RowsWritten != 1 || st.Failures != 1 {
		t.Errorf("rows were acknowledged: %+v", st)
	}
	if n := len(infos); n != 2 || infos[1].Err == nil || infos[1].Rows != 2 {
		t.Errorf("OnFlush calls: %+v", infos)
	}
	// Repair the table; the kept rows go out on the next flush.
	if err := c.Conn().Exec(ctx, "ALTER TABLE "+QuoteIdent(ch.Database)+"."+QuoteIdent(schema.Table.Table)+" ADD COLUMN `note` String AFTER `qty`"); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, []cdc.Row{{int64(1), uint64(1), int64(1), ""}, {int64(1), uint64(2), int64(2), "y"}, {int64(1), uint64(3), nil, "z"}})
}

func TestClickHouseUnavailableMidStreamLosesNothing(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	p := newProxy(t, ch.Addr)
	c := testClient(t, p.Addr())
	schema := kvSchema("shop")
	evs, final := history(schema, rand.New(rand.NewPCG(9, 10)), 400)
	sink, _ := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxRows: 50, FlushInterval: -1,
		Retry: RetryPolicy{MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	defer sink.Close(ctx)

	half := len(evs) / 2
	if err := sink.HandleEvents(ctx, evs[:half]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	// With ClickHouse gone, size-triggered flushes fail: the handler reports
	// it and keeps the rows (the source would stop and resume here).
	var failed error
	rest := evs[half:]
	for len(rest) > 0 && failed == nil {
		n := min(10, len(rest))
		if failed = sink.HandleEvents(ctx, rest[:n]); failed == nil {
			rest = rest[n:]
		} // else the source redelivers the whole batch when it resumes
	}
	if failed == nil {
		failed = sink.Flush(ctx)
	}
	if failed == nil || !IsTransient(errors.Unwrap(failed)) && !isTransientJoined(failed) {
		t.Fatalf("flush with ClickHouse cut: want a transient error, got %v", failed)
	}
	t.Logf("while cut: %v", failed)
	if st := sink.Stats(); st.RowsBuffered == 0 || st.Retries == 0 {
		t.Errorf("want buffered rows and retries while cut: %+v", st)
	}
	p.Restore()
	got := writeAndRead(ctx, t, sink, schema, rest)
	equalRows(t, schema, got, final)
}

func isTransientJoined(err error) bool {
	var ie *InsertError
	return errors.As(err, &ie) && IsTransient(ie.Err)
}

func TestNothingListeningThenALiveServer(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	// Reserve a port with nothing behind it.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := testClient(t, addr)
	if err := c.Ping(ctx); err == nil || !IsTransient(err) {
		t.Fatalf("ping with nothing listening: want a transient error, got %v", err)
	}
	// The version is detected on first successful use only.
	live := testClient(t, ch.Addr)
	f, err := live.Features(ctx)
	if err != nil || f.Version.Major == 0 {
		t.Fatalf("features: %+v %v", f, err)
	}
	t.Logf("server %s features %+v", f.Version, f)
}

// writeAndRead hands each batch to the sink, flushes it, and returns the
// table's visible state.
func writeAndRead(ctx context.Context, t *testing.T, sink *Sink, schema *cdc.TableSchema, batches ...[]cdc.Event) []cdc.Row {
	t.Helper()
	for _, b := range batches {
		if err := sink.HandleEvents(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// An insert of more rows than insertBlockRows goes out in several blocks of
// one INSERT: every row arrives once, in one flush, the block boundaries
// included, and a DATETIME(3) kept as text in a String column on 18.16
// reads back as the same instant.
func TestInsertOfSeveralBlocks(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := &cdc.TableSchema{
		Table: cdc.TableID{Database: "source_db", Table: "blocks"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
			{Name: "note", Type: cdc.ColumnType{Kind: cdc.KindVarChar}, Nullable: true},
			{Name: "at", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 3}},
			// Decimal32 nullable and Decimal64 not null: the sink hands
			// both to clickhouse-go in the native encoding (nativeBlock).
			{Name: "small", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 9, Scale: 2}, Nullable: true},
			{Name: "big", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 18, Scale: 4}},
		},
		PrimaryKey: []string{"id"},
	}
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	n := 2*insertBlockRows + 7
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]cdc.Row, n)
	for i := range rows {
		var note any = "row " + strconv.Itoa(i)
		if i%5 == 0 {
			note = nil
		}
		var small any = decimal.New(int64(i)*37-150_000, -2)
		if i%7 == 3 {
			small = nil
		}
		big := decimal.New(int64(i)*1_000_003-4_000_000, -3)
		switch i {
		case 1:
			small, big = decimal.RequireFromString("9999999.99"), decimal.RequireFromString("99999999999999.9999")
		case 2:
			small, big = decimal.RequireFromString("-9999999.99"), decimal.RequireFromString("-99999999999999.9999")
		}
		rows[i] = cdc.Row{int64(i), note, base.Add(time.Duration(i) * 1234 * time.Millisecond), small, big}
	}
	got := writeAndRead(ctx, t, sink, schema, insertEvents(schema, rows))
	equalRows(t, schema, got, rows)
	if st := sink.Stats(); st.RowsWritten != uint64(n) || st.Flushes != 1 {
		t.Errorf("stats %+v, want %d rows in 1 flush", st, n)
	}
}
