package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// BenchmarkRunner measures the embedded runner alone, in process: batches of
// 1024 snapshot rows of the benchmark table through a route (plain) or a
// route, a projection and a filter (transformed) into a sink that drops
// them. ns/op is per row; it is what the runner adds to the source's cost.
func BenchmarkRunner(b *testing.B) {
	s := &cdc.TableSchema{Table: cdc.TableID{Database: "db", Table: "bench"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
			{Name: "k", Type: cdc.ColumnType{Kind: cdc.KindInt, Raw: "int"}},
			{Name: "s", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32, Raw: "varchar(32)"}},
			{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 12, Scale: 2, Raw: "decimal(12,2)"}},
			{Name: "created", Type: cdc.ColumnType{Kind: cdc.KindDateTime, Raw: "datetime"}},
		}}
	batch := make([]cdc.Event, 1024)
	for i := range batch {
		batch[i] = cdc.Event{Op: cdc.OpRead, Table: s.Table, Schema: s, Source: cdc.Source{Snapshot: cdc.SnapshotTrue},
			After: cdc.Row{int64(i), int64(i % 1000), fmt.Sprintf("name-%d", i), decimal.New(int64(i), -2), time.Unix(int64(i), 0).UTC()}}
	}
	for _, c := range []struct {
		name  string
		steps []pipeline.TransformStep
	}{
		{"plain", nil},
		{"transformed", []pipeline.TransformStep{
			pipeline.Projection("id, k, UPPER(s) AS s, amount * 100 AS cents, created, __table_name__ AS src"),
			pipeline.Filter("k % 10 <> 0")}},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := &repeatSource{batch: batch, rows: b.N}
			bld := pipeline.New("bench").From(src).Route(`db\.bench`, "ods.bench").
				To(cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })))
			if c.steps != nil {
				bld.Transform(`db\.bench`, c.steps...)
			}
			p, err := bld.Build()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if err := p.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// repeatSource delivers copies of batch until rows rows were delivered.
type repeatSource struct {
	batch []cdc.Event
	rows  int
}

func (r *repeatSource) Run(ctx context.Context, sink cdc.Sink) error {
	buf := make([]cdc.Event, len(r.batch))
	for left := r.rows; left > 0; left -= len(buf) {
		n := min(left, len(r.batch))
		copy(buf, r.batch[:n])
		if err := sink.HandleEvents(ctx, buf[:n]); err != nil {
			return err
		}
	}
	return sink.Flush(ctx)
}
