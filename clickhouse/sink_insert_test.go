package clickhouse

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// returnsWithin calls fn and returns its error, failing the test when fn
// has not returned after limit.
func returnsWithin(t *testing.T, name string, limit time.Duration, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- fn() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(limit):
		t.Fatalf("%s still blocked after %v", name, limit)
		return nil
	}
}

// TestHandleEventsReturnsWhileItsInsertRuns: a full batch is inserted in
// the background. With ClickHouse not answering (a stalled proxy),
// HandleEvents hands its full batch over and returns, the next rows are
// buffered meanwhile, and a second full batch waits for the first insert
// (at most one runs, which bounds the memory) until its ctx ends. Flush
// waits for the insert in flight and writes every row once ClickHouse
// answers.
func TestHandleEventsReturnsWhileItsInsertRuns(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	ctx, sink, p := proxiedSink(t, SinkConfig{MaxRows: 2, FlushInterval: -1})
	var rows []cdc.Row
	for i := range 7 {
		rows = append(rows, cdc.Row{int64(1), uint64(i), int64(i), "row"})
	}
	events := insertEvents(schema, rows)
	// The first row prepares the table while ClickHouse answers.
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}

	p.Stall()
	if err := returnsWithin(t, "HandleEvents filling a batch", 5*time.Second, func() error { return sink.HandleEvents(ctx, events[1:2]) }); err != nil {
		t.Fatalf("HandleEvents that starts an insert: %v", err)
	}
	for p.Held() == 0 {
		if ctx.Err() != nil {
			t.Fatal("the insert never reached ClickHouse")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := returnsWithin(t, "HandleEvents during an insert", 5*time.Second, func() error { return sink.HandleEvents(ctx, events[2:3]) }); err != nil {
		t.Fatalf("HandleEvents buffering during an insert: %v", err)
	}
	if st := sink.Stats(); st.RowsWritten != 0 || st.RowsBuffered != 3 {
		t.Fatalf("stats while the insert hangs: %+v; want 3 rows buffered, none written", st)
	}
	// The batch is full again: it waits for the insert in flight.
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := sink.HandleEvents(dctx, events[3:4]); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HandleEvents with a full batch while an insert runs: want context.DeadlineExceeded, got %v", err)
	}

	// Flush waits for the insert in flight, then writes the rest.
	flushed := make(chan error, 1)
	go func() { flushed <- sink.Flush(ctx) }()
	select {
	case err := <-flushed:
		t.Fatalf("Flush returned while ClickHouse does not answer: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	p.Resume()
	if err := <-flushed; err != nil {
		t.Fatalf("Flush once ClickHouse answers: %v", err)
	}
	// The source delivers the refused event again, and the rest.
	got := writeAndRead(ctx, t, sink, schema, events[3:])
	equalRows(t, schema, got, rows)
	if st := sink.Stats(); st.RowsBuffered != 0 || st.RowsWritten < 7 {
		t.Errorf("stats after Flush: %+v", st)
	}
}

// TestBackgroundInsertErrorSurfacesAndLosesNothing: an insert the server
// refuses runs in the background; its error is returned by the next
// HandleEvents, which buffers none of its events then, and by Flush, which
// tries the rows again; they stay buffered until the table is repaired,
// and the next Flush writes them.
func TestBackgroundInsertErrorSurfacesAndLosesNothing(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxRows: 2, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	rows := []cdc.Row{{int64(1), uint64(1), int64(1), "a"}, {int64(1), uint64(2), int64(2), "b"},
		{int64(1), uint64(3), int64(3), "c"}, {int64(1), uint64(4), nil, "d"}}
	events := insertEvents(schema, rows)
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	table := QuoteIdent(ch.Database) + "." + QuoteIdent(schema.Table.Table)
	if err := c.Conn().Exec(ctx, "ALTER TABLE "+table+" DROP COLUMN `note`"); err != nil {
		t.Fatal(err)
	}
	// A full batch: its insert fails in the background.
	if err := sink.HandleEvents(ctx, events[1:3]); err != nil {
		t.Fatalf("HandleEvents that starts the insert: %v", err)
	}
	for sink.Stats().Failures == 0 {
		if ctx.Err() != nil {
			t.Fatal("the insert never failed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var ie *InsertError
	err = sink.HandleEvents(ctx, events[3:])
	if !errors.As(err, &ie) || ie.Rows != 2 {
		t.Fatalf("HandleEvents after a failed background insert: want its *InsertError of 2 rows, got %v", err)
	}
	if st := sink.Stats(); st.RowsBuffered != 2 || st.RowsWritten != 1 {
		t.Errorf("stats after the refused call: %+v; want the 2 rows of the failed insert buffered, none of the call's", st)
	}
	// Returned once: the source delivers the event again and it is taken.
	if err := sink.HandleEvents(ctx, events[3:]); err != nil {
		t.Fatalf("HandleEvents after the error was returned: %v", err)
	}
	if err := sink.Flush(ctx); insertErrorRows(err) != 3 {
		t.Fatalf("Flush with the table still broken: want *InsertErrors of the 3 buffered rows, got %v", err)
	}
	if st := sink.Stats(); st.RowsBuffered != 3 {
		t.Errorf("stats after the failed Flush: %+v; want 3 rows buffered", st)
	}
	if err := c.Conn().Exec(ctx, "ALTER TABLE "+table+" ADD COLUMN `note` String AFTER `qty`"); err != nil {
		t.Fatal(err)
	}
	got := writeAndRead(ctx, t, sink, schema)
	equalRows(t, schema, got, []cdc.Row{{int64(1), uint64(1), int64(1), ""}, rows[1], rows[2], rows[3]})
	if st := sink.Stats(); st.RowsBuffered != 0 || st.RowsWritten != 4 {
		t.Errorf("stats after the repair: %+v", st)
	}
}

// insertErrorRows adds up the rows of the *InsertErrors err joins.
func insertErrorRows(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		n := 0
		for _, e := range j.Unwrap() {
			n += insertErrorRows(e)
		}
		return n
	}
	var ie *InsertError
	if errors.As(err, &ie) {
		return ie.Rows
	}
	return 0
}

// TestInsertStreamsBlocksAsTheyFill: full blocks reach ClickHouse while
// the rows are still coming, within one INSERT the server has not yet
// acknowledged (nothing is counted written), and Flush ends that INSERT:
// every block, the last partial one included, is written by one insert.
func TestInsertStreamsBlocksAsTheyFill(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	ctx, sink, p := proxiedSink(t, SinkConfig{FlushInterval: -1})
	rows := kvRows(2, 3*insertBlockRows+5)
	events := insertEvents(schema, rows)
	// The first row prepares the table; its flush is the first insert.
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent := p.toServer.Load()
	// Three full blocks and a few rows, in calls of 1000 events.
	for lo := 1; lo < len(events); lo += 1000 {
		if err := sink.HandleEvents(ctx, events[lo:min(lo+1000, len(events))]); err != nil {
			t.Fatal(err)
		}
	}
	// Three blocks of about 60 bytes a row are on their way before any
	// Flush; none is acknowledged.
	deadline := time.Now().Add(10 * time.Second)
	for p.toServer.Load()-sent < 3*insertBlockRows*50 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes sent after three full blocks; want them streamed before Flush", p.toServer.Load()-sent)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := sink.Stats(); st.RowsWritten != 1 || st.Flushes != 1 || st.RowsBuffered != len(rows)-1 || st.SpillBytes < 3*insertBlockRows*50 {
		t.Fatalf("stats while the INSERT is open: %+v; want %d rows buffered, 1 written in 1 flush, the 3 blocks sent in the spill file", st, len(rows)-1)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := sink.Stats(); st.RowsWritten != uint64(len(rows)) || st.Flushes != 2 || st.RowsBuffered != 0 || st.SpillBytes != 0 {
		t.Errorf("stats after Flush: %+v; want %d rows written in 2 flushes, the spill file empty", st, len(rows))
	}
	readEquals(ctx, t, sink, schema, rows)
}

// kvRows returns n rows of kvSchema's table for tenant, lines 0 to n-1,
// each with a 40-byte note: about 60 bytes a row as the sink counts them.
func kvRows(tenant int64, n int) []cdc.Row {
	note := strings.Repeat("n", 40)
	rows := make([]cdc.Row, n)
	for i := range rows {
		rows[i] = cdc.Row{tenant, uint64(i), int64(i), note}
	}
	return rows
}

// proxiedSink returns a sink configured by cfg writing into a database of
// its own on the test ClickHouse through a proxy (to stall or cut it), the
// test's ctx, and the proxy. The sink is closed when the test ends.
func proxiedSink(t *testing.T, cfg SinkConfig) (context.Context, *Sink, *proxy) {
	t.Helper()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	p := newProxy(t, ch.Addr)
	cfg.Database = ch.Database
	sink, err := NewSink(testClient(t, p.Addr()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close(ctx) })
	return ctx, sink, p
}

// readEquals fails t unless the sink's table of schema holds want.
func readEquals(ctx context.Context, t *testing.T, sink *Sink, schema *cdc.TableSchema, want []cdc.Row) {
	t.Helper()
	got, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, want)
}

// TestSinkHoldsAtMostMaxBytes: with ClickHouse not answering, HandleEvents
// buffers rows until the sink holds MaxBytes, then waits for the insert,
// until its ctx ends; the rows it took stay buffered, and are written with
// the rest once ClickHouse answers.
func TestSinkHoldsAtMostMaxBytes(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	const maxBytes = 256 << 10
	ctx, sink, p := proxiedSink(t, SinkConfig{MaxBytes: maxBytes, FlushInterval: -1})
	note := strings.Repeat("x", 1000)
	var rows []cdc.Row
	for i := range 1000 {
		rows = append(rows, cdc.Row{int64(3), uint64(i), nil, note})
	}
	events := insertEvents(schema, rows)
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := sink.HandleEvents(dctx, events[1:]); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HandleEvents of 1 MB into a sink of MaxBytes %d while ClickHouse hangs: want context.DeadlineExceeded, got %v", maxBytes, err)
	}
	// A row takes a little over 1000 bytes; the sink may hold MaxBytes in
	// memory and the row that reached it. The rows already sent wait in
	// the spill file (no call runs: the fields are still).
	held := sink.Stats().RowsBuffered
	if sink.bytes > maxBytes+1100 || held*1000 < maxBytes/2 {
		t.Errorf("%d rows of 1 KB buffered, %d bytes of them in memory, with MaxBytes %d", held, sink.bytes, maxBytes)
	}
	p.Resume()
	// The insert the deadline cancelled failed; Flush tries its rows again.
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush once ClickHouse answers: %v", err)
	}
	// The source delivers the rows again: replays change nothing.
	got := writeAndRead(ctx, t, sink, schema, events[1:])
	equalRows(t, schema, got, rows)
}

// TestOpenInsertLeavesTheSinkAConnection: with a pool of one connection,
// an INSERT kept open for more blocks of one table would hold the only
// connection while the sink prepares another table; the sink ends the
// INSERT first, and both tables get their rows.
func TestOpenInsertLeavesTheSinkAConnection(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c, err := New(&chgo.Options{Addr: []string{ch.Addr}, DialTimeout: 2 * time.Second, MaxOpenConns: 1, MaxIdleConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, b := kvSchema("shop"), kvSchema("shop")
	b.Table.Table = "order-lines-b"
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	var rowsA, rowsB []cdc.Row
	for i := range insertBlockRows + 10 {
		rowsA = append(rowsA, cdc.Row{int64(4), uint64(i), int64(i), "a"})
	}
	rowsB = append(rowsB, cdc.Row{int64(5), uint64(1), nil, "b"})
	// A full block of a: its INSERT opens and waits for more.
	if err := sink.HandleEvents(ctx, insertEvents(a, rowsA)); err != nil {
		t.Fatal(err)
	}
	// b's table is prepared on the pool's one connection.
	if err := returnsWithin(t, "HandleEvents of a new table while an INSERT is open", 30*time.Second, func() error {
		return sink.HandleEvents(ctx, insertEvents(b, rowsB))
	}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema *cdc.TableSchema
		rows   []cdc.Row
	}{{a, rowsA}, {b, rowsB}} {
		readEquals(ctx, t, sink, tc.schema, tc.rows)
	}
}

// TestInterleavedTablesGetLargeInserts: blocks of two tables that come
// interleaved are not written one INSERT per block: an INSERT of one table
// goes on while the other's blocks wait, up to half an INSERT's bytes.
func TestInterleavedTablesGetLargeInserts(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	a, b := kvSchema("shop"), kvSchema("shop")
	b.Table.Table = "order-lines-b"
	var mu sync.Mutex
	var infos []FlushInfo
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1,
		OnFlush: func(fi FlushInfo) { mu.Lock(); infos = append(infos, fi); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	note := strings.Repeat("n", 40)
	rows := map[*cdc.TableSchema][]cdc.Row{}
	const batches, perBatch = 40, insertBlockRows / 2
	for i := range batches {
		for _, schema := range []*cdc.TableSchema{a, b} {
			var batch []cdc.Row
			for j := range perBatch {
				batch = append(batch, cdc.Row{int64(6), uint64(i*perBatch + j), int64(j), note})
			}
			rows[schema] = append(rows[schema], batch...)
			if err := sink.HandleEvents(ctx, insertEvents(schema, batch)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(infos)
	mu.Unlock()
	// 40 blocks of 4096 rows: one INSERT per block would be 40 (2 of them
	// preparing the tables' first rows do not count: the tables are new).
	if n > 12 {
		t.Errorf("%d inserts for %d blocks of two interleaved tables; want INSERTs of several blocks", n, batches)
	}
	t.Logf("%d inserts for %d blocks", n, batches)
	for _, schema := range []*cdc.TableSchema{a, b} {
		readEquals(ctx, t, sink, schema, rows[schema])
	}
}
