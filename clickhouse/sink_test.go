package clickhouse

import (
	"context"
	"errors"
	"strings"
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
}

// TestMaxBytesBoundsBatches: with large rows, MaxBytes, not MaxRows, cuts
// the batches, and no batch holds much more than MaxBytes.
func TestMaxBytesBoundsBatches(t *testing.T) {
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	const maxBytes = 64 << 10
	var infos []FlushInfo
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, MaxBytes: maxBytes, FlushInterval: -1,
		OnFlush: func(fi FlushInfo) { infos = append(infos, fi) }})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	note := strings.Repeat("x", 1000)
	var rows, want []cdc.Row
	for i := range 500 {
		rows = append(rows, cdc.Row{int64(7), uint64(i), nil, note})
	}
	want = rows
	if err := sink.HandleEvents(ctx, insertEvents(schema, rows)); err != nil {
		t.Fatal(err)
	}
	if len(infos) < 5 {
		t.Fatalf("%d inserts before Flush for 500 KB of rows with MaxBytes %d; want one per 64 KiB", len(infos), maxBytes)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, fi := range infos {
		if fi.Err != nil || fi.Bytes > maxBytes+1100 {
			t.Errorf("insert of %d rows, %d bytes (MaxBytes %d): %v", fi.Rows, fi.Bytes, maxBytes, fi.Err)
		}
		total += fi.Rows
	}
	if total != len(rows) {
		t.Errorf("inserted %d rows, want %d", total, len(rows))
	}
	got, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, want)
}
