package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestSinkHoldsAtMostMaxBytesAcrossTables: the rows of many tables, each
// below the size at which its block is sealed, count towards MaxBytes too:
// with ClickHouse not answering, HandleEvents waits once the sink holds
// MaxBytes, however the rows are spread over tables, and every row is
// written once ClickHouse answers.
func TestSinkHoldsAtMostMaxBytesAcrossTables(t *testing.T) {
	t.Parallel()
	const maxBytes = 64 << 10
	ctx, sink, p := proxiedSink(t, SinkConfig{MaxBytes: maxBytes, FlushInterval: -1})
	note := strings.Repeat("x", 1000)
	const tables, perTable = 20, 7 // 7 rows of 1 KB stay below a block's 8 KiB
	schemas := make([]*cdc.TableSchema, tables)
	want := make([][]cdc.Row, tables)
	var events []cdc.Event
	for i := range schemas {
		schemas[i] = kvSchema("shop")
		schemas[i].Table.Table = fmt.Sprintf("t%02d", i)
		for r := range perTable + 1 {
			want[i] = append(want[i], cdc.Row{int64(i), uint64(r), nil, note})
		}
		// Each table is prepared while ClickHouse answers.
		if err := sink.HandleEvents(ctx, insertEvents(schemas[i], want[i][:1])); err != nil {
			t.Fatal(err)
		}
		events = append(events, insertEvents(schemas[i], want[i][1:])...)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	err := sink.HandleEvents(dctx, events)
	held := sink.Stats().RowsBuffered
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("HandleEvents of %d rows of 1 KB over %d tables into a sink of MaxBytes %d while ClickHouse hangs: want context.DeadlineExceeded, got %v (%d rows held)",
			len(events), tables, maxBytes, err, held)
	}
	if held*1000 > maxBytes+1100 {
		t.Errorf("%d rows of 1 KB buffered with MaxBytes %d", held, maxBytes)
	}
	p.Resume()
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush once ClickHouse answers: %v", err)
	}
	// The source delivers the rows again: replays change nothing.
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, s := range schemas {
		readEquals(ctx, t, sink, s, want[i])
	}
	if st := sink.Stats(); st.RowsBuffered != 0 {
		t.Errorf("stats after the last Flush: %+v; want no row buffered", st)
	}
}

// TestSparesAcrossTablesStayWithinMaxBytes: the emptied blocks the sink
// keeps for reuse are bounded for the whole sink, not per table: after
// tables written one after the other, each up to MaxBytes held at once,
// the text the spare blocks of all tables keep room for stays within
// about MaxBytes instead of growing with the number of tables.
func TestSparesAcrossTablesStayWithinMaxBytes(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	const maxBytes = 256 << 10
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxBytes: maxBytes, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	note := strings.Repeat("s", 1000)
	const tables, perTable = 8, 1000 // 1 MB a table: the sink fills up to MaxBytes and waits, several times
	schemas := make([]*cdc.TableSchema, tables)
	want := make([][]cdc.Row, tables)
	for i := range schemas {
		schemas[i] = kvSchema("shop")
		schemas[i].Table.Table = fmt.Sprintf("s%02d", i)
		for r := range perTable {
			want[i] = append(want[i], cdc.Row{int64(i), uint64(r), nil, note})
		}
		if err := sink.HandleEvents(ctx, insertEvents(schemas[i], want[i])); err != nil {
			t.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range schemas {
		readEquals(ctx, t, sink, s, want[i])
	}
	// The room the spare blocks keep for the notes' text, read off the
	// buffers themselves; the sink is idle, its lock free.
	if err := sink.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	kept, blocks := 0, 0
	for _, buf := range sink.tables {
		for _, b := range buf.spares {
			kept += cap(b.cols[3].(*textColumn).text)
			blocks++
		}
	}
	sink.release()
	// Each block's text may have grown to twice what it held.
	if kept > 2*maxBytes {
		t.Errorf("the spare blocks of %d tables keep %d bytes of text (%d blocks), more than twice MaxBytes %d", tables, kept, blocks, maxBytes)
	}
	t.Logf("spares keep %d bytes of text in %d blocks", kept, blocks)
}

// TestTimerWritesRowsOfACancelledFlush: a Flush whose ctx ends while
// ClickHouse hangs returns ctx's error and leaves its rows buffered; once
// ClickHouse answers, FlushInterval writes them with no further call, and
// the next HandleEvents takes its events (the cancelled insert is no
// error of its own: the Flush returned ctx's).
func TestTimerWritesRowsOfACancelledFlush(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	ctx, sink, p := proxiedSink(t, SinkConfig{FlushInterval: 100 * time.Millisecond})
	var rows []cdc.Row
	for i := range 11 {
		rows = append(rows, cdc.Row{int64(6), uint64(i), int64(i), "t"})
	}
	events := insertEvents(schema, rows)
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	// Rows in a filling block: Flush hands them to an insert, which hangs.
	if err := sink.HandleEvents(ctx, events[1:10]); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := sink.Flush(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush while ClickHouse hangs: want context.DeadlineExceeded, got %v", err)
	}
	p.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for sink.Stats().RowsBuffered != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the rows of the cancelled Flush were not written by FlushInterval: %+v", sink.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := sink.HandleEvents(ctx, events[10:]); err != nil {
		t.Fatalf("HandleEvents after the cancelled Flush: %v", err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	readEquals(ctx, t, sink, schema, rows)
}

// TestCloseAgainReturnsTheFailedFlush: a Close whose flush failed every
// attempt closes the sink with the rows not written; a second Close
// returns that error again, not a nil a caller would read as "written".
func TestCloseAgainReturnsTheFailedFlush(t *testing.T) {
	t.Parallel()
	schema := kvSchema("shop")
	ctx, sink, p := proxiedSink(t, SinkConfig{FlushInterval: -1, Retry: RetryPolicy{MaxAttempts: 1}})
	events := insertEvents(schema, []cdc.Row{{int64(8), uint64(1), int64(1), "one"}, {int64(8), uint64(2), int64(2), "two"}})
	if err := sink.HandleEvents(ctx, events[:1]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.HandleEvents(ctx, events[1:]); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	var first *InsertError
	if err := sink.Close(ctx); !errors.As(err, &first) || first.Rows != 1 {
		t.Fatalf("Close with ClickHouse cut off: want an InsertError of 1 row, got %v", err)
	}
	p.Restore()
	var again *InsertError
	if err := sink.Close(ctx); !errors.As(err, &again) || again.Rows != 1 {
		t.Errorf("second Close: want the first Close's InsertError again, got %v", err)
	}
}
