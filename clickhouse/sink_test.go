package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestBadValueLeavesNoHalfRow needs no server (seedTable stands for it): a value the column cannot
// take is refused with a *ValueError naming table and column, and the
// columns buffered before it in that row are rolled back, so every column
// buffer keeps one value per buffered row.
func TestBadValueLeavesNoHalfRow(t *testing.T) {
	c, err := New(&clickhouse.Options{Addr: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetFeatures(FeaturesFor(ServerVersion{18, 16, 1}))
	sink, err := NewSink(c, SinkConfig{FlushInterval: -1, ManualTables: true})
	if err != nil {
		t.Fatal(err)
	}
	schema := kvSchema("shop")
	seedTable(t, sink, schema)
	ctx := context.Background()
	good := insertEvents(schema, []cdc.Row{{int64(1), uint64(1), int64(2), "a"}})
	if err := sink.HandleEvents(ctx, good); err != nil {
		t.Fatal(err)
	}
	for _, row := range []cdc.Row{
		{int64(1), uint64(2), "three", "b"},          // a string for INT
		{int64(1), uint64(3), int64(1) << 40, "c"},   // outside Int32
		{int64(1), uint64(4), int64(4), nil},         // NULL in NOT NULL
		{int64(1), uint64(5), int64(5), "d", "more"}, // too many values
	} {
		err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{row}))
		var ve *ValueError
		if err == nil || (len(row) == 4 && !errors.As(err, &ve)) {
			t.Fatalf("row %v: want a *ValueError, got %v", row, err)
		}
		if ve != nil && (ve.Table != schema.Table || (ve.Column != "qty" && ve.Column != "note")) {
			t.Errorf("row %v: error names %s column %q", row, ve.Table, ve.Column)
		}
		t.Logf("refused: %v", err)
	}
	if err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{{int64(1), uint64(6), nil, "e"}})); err != nil {
		t.Fatal(err)
	}
	b := sink.tables[schema.Table].batch
	if b.rows != 2 || len(b.versions) != 2 || len(b.deleted) != 2 || sink.Stats().RowsBuffered != 2 {
		t.Fatalf("buffered %d rows, %d versions, %d markers, stats %+v; want 2 of each", b.rows, len(b.versions), len(b.deleted), sink.Stats())
	}
	for i, col := range b.cols {
		if col.len() != 2 {
			t.Errorf("column %d holds %d values, want 2", i, col.len())
		}
	}
	// Nothing listens: the rows are not acknowledged.
	sink.cfg.Retry = RetryPolicy{MaxAttempts: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Retryable: IsTransient}
	if err := sink.Close(ctx); err == nil {
		t.Fatal("Close wrote to a server that is not there")
	}
}

// seedTable gives the sink the table of schema as if it had found it in
// ClickHouse with the mapping's types, so that it buffers rows of schema
// without a server. The client's features must be set.
func seedTable(t testing.TB, s *Sink, schema *cdc.TableSchema) {
	t.Helper()
	f, err := s.client.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLayout(schema, s.cfg.Database, f, s.cfg.MappingOptions)
	if err != nil {
		t.Fatal(err)
	}
	s.tables[schema.Table] = &tableBuffer{layout: l}
	s.order = append(s.order, schema.Table)
	s.states[stateKey{table: schema.Table}] = &tableState{} // no schema change handled
}

// TestMaxBytesBoundsBatches: with large rows, MaxBytes, not MaxRows, cuts
// the batches, and no batch holds much more than MaxBytes.
func TestMaxBytesBoundsBatches(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	// With the spill file, MaxBytes bounds the memory, not the INSERT:
	// one INSERT takes all the rows. Without it, an INSERT ends at half
	// of MaxBytes.
	for _, disable := range []bool{true, false} {
		t.Run(fmt.Sprintf("DisableSpill=%v", disable), func(t *testing.T) {
			ctx := ctxT(t)
			c := testClient(t, ch.Addr)
			schema := kvSchema(fmt.Sprintf("shop%v", disable))
			const maxBytes = 64 << 10
			// OnFlush runs on the sink's insert goroutine.
			var mu sync.Mutex
			var infos []FlushInfo
			sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxBytes: maxBytes, FlushInterval: -1,
				DisableSpill: disable, OnFlush: func(fi FlushInfo) { mu.Lock(); infos = append(infos, fi); mu.Unlock() }})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close(ctx)
			note := strings.Repeat("x", 1000)
			var rows []cdc.Row
			for i := range 500 {
				rows = append(rows, cdc.Row{int64(7), uint64(i), nil, note})
			}
			if err := sink.HandleEvents(ctx, insertEvents(schema, rows)); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			before := len(infos)
			mu.Unlock()
			if disable && before < 5 {
				t.Fatalf("%d inserts before Flush for 500 KB of rows with MaxBytes %d; want one per 32 KiB", before, maxBytes)
			}
			if err := sink.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, fi := range infos {
				if fi.Err != nil || disable && fi.Bytes > maxBytes/2+1100 {
					t.Errorf("insert of %d rows, %d bytes (MaxBytes %d): %v", fi.Rows, fi.Bytes, maxBytes, fi.Err)
				}
				total += fi.Rows
			}
			if total != len(rows) {
				t.Errorf("inserted %d rows, want %d", total, len(rows))
			}
			if !disable && len(infos) != 1 {
				t.Errorf("%d inserts with the spill file, want 1: %+v", len(infos), infos)
			}
			readEquals(ctx, t, sink, schema, rows)
		})
	}
}

// TestCallersKeepTheirDeadlinesWhileTheTimerFlushHangs: ClickHouse stops
// answering (a stalled proxy) while the timer's insert runs in the
// background. HandleEvents, whose batch is not full, buffers its events and
// returns at once without waiting for it; Flush and Close called with a
// short deadline meanwhile return ctx's error within it (the bound is three
// deadlines, for a loaded machine), and no row is lost: once ClickHouse
// answers again every row handed over is written, the row of a Close cut
// short by a second Close.
func TestCallersKeepTheirDeadlinesWhileTheTimerFlushHangs(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	p := newProxy(t, ch.Addr)
	c := testClient(t, p.Addr())
	schema := kvSchema("shop")
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	var rows []cdc.Row
	for i := range 6 {
		rows = append(rows, cdc.Row{int64(1), uint64(i), int64(i), fmt.Sprint("row ", i)})
	}
	events := insertEvents(schema, rows)

	const deadline = 300 * time.Millisecond
	// withDeadline calls fn with a ctx that ends after deadline and returns
	// its error; it fails the test when fn is still blocked at 3×deadline.
	withDeadline := func(name string, fn func(ctx context.Context) error) error {
		t.Helper()
		dctx, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		start := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- fn(dctx) }()
		select {
		case err := <-errc:
			t.Logf("%s returned after %v: %v", name, time.Since(start).Round(time.Millisecond), err)
			return err
		case <-time.After(3 * deadline):
			t.Fatalf("%s still blocked %v after its %v deadline: a background flush holds the sink", name, 3*deadline, deadline)
			return nil
		}
	}
	// stallTimerFlush stalls ClickHouse and waits for the timer's flush to
	// hang on it.
	stallTimerFlush := func() {
		t.Helper()
		p.Stall()
		for p.Held() == 0 {
			if ctx.Err() != nil {
				t.Fatal("the timer never flushed")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	if err := sink.HandleEvents(ctx, events[:3]); err != nil {
		t.Fatal(err)
	}
	stallTimerFlush()
	if err := withDeadline("HandleEvents", func(ctx context.Context) error { return sink.HandleEvents(ctx, events[3:5]) }); err != nil {
		t.Errorf("HandleEvents during a hanging insert, its batch not full: want it buffered at once, got %v", err)
	}
	if err := withDeadline("Flush", sink.Flush); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush during a hanging insert: want context.DeadlineExceeded, got %v", err)
	}
	if st := sink.Stats(); st.RowsBuffered+int(st.RowsWritten) != 5 {
		t.Errorf("stats %+v: want the 5 rows handed over, buffered or written", st)
	}

	// ClickHouse answers again: the rows of the insert Flush cancelled, and
	// those buffered behind it, are written by the next Flush.
	p.Resume()
	got := writeAndRead(ctx, t, sink, schema)
	equalRows(t, schema, got, rows[:5])

	if err := sink.HandleEvents(ctx, events[5:]); err != nil {
		t.Fatal(err)
	}
	stallTimerFlush()
	if err := withDeadline("Close", sink.Close); err == nil {
		t.Error("Close wrote a row to a server that does not answer")
	}
	select {
	case <-sink.timerDone:
	default:
		t.Error("the timer runs on after Close")
	}
	if err := sink.HandleEvents(ctx, events[5:]); !errors.Is(err, ErrClosed) {
		t.Errorf("HandleEvents after Close: want ErrClosed, got %v", err)
	}
	// The row Close could not write is still buffered: a second Close, with
	// ClickHouse back, writes it.
	p.Resume()
	if err := sink.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	got, err = sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, rows)
}

func TestClientCloseTwice(t *testing.T) {
	c, err := Open("clickhouse://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
