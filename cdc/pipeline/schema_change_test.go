package pipeline_test

import (
	"slices"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// A shard's schema changes reach the merged sink table as changes of that
// table, with the transformed schemas; what would damage the merged table
// (dropping or truncating one shard) and columns the projection leaves out
// do not.
func TestSchemaChangesAreRoutedAndTransformed(t *testing.T) {
	t.Parallel()
	v1 := schema("gmall", "orders_1", "id", "amount")
	v2 := schema("gmall", "orders_1", "id", "amount", "note")
	add := cdc.Event{Op: cdc.OpSchemaChange, Table: v1.Table, Schema: v2, DDL: "ALTER TABLE orders_1 ADD COLUMN note BIGINT",
		Changes: []cdc.SchemaChange{{Kind: cdc.ChangeAddColumn, Table: v1.Table, Column: "note", Before: v1, After: v2}}}
	drop := cdc.Event{Op: cdc.OpSchemaChange, Table: v1.Table, Schema: nil, DDL: "DROP TABLE orders_1",
		Changes: []cdc.SchemaChange{{Kind: cdc.ChangeDropTable, Table: v1.Table, Before: v2}}}
	for _, c := range []struct {
		projection string
		wantAdd    bool
	}{{"*, __table_name__ AS shard", true}, {"id, amount, __table_name__ AS shard", false}} {
		sink := &recordingSink{}
		src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{insert(v1, int64(1), int64(2)), add, insert(v2, int64(3), int64(4), int64(5)), drop}}}
		p, err := pipeline.New("ddl").From(src).To(sink).
			Transform(`gmall\.orders_\d+`, pipeline.Projection(c.projection)).
			Route(`gmall\.orders_\d+`, "ods.orders").Build()
		if err != nil {
			t.Fatal(err)
		}
		if err := run(t, p); err != nil {
			t.Fatal(err)
		}
		var ddl []cdc.Event
		for _, e := range sink.durable {
			if e.Op == cdc.OpSchemaChange {
				ddl = append(ddl, e)
			}
		}
		if !c.wantAdd {
			if len(ddl) != 0 {
				t.Errorf("%s: the sink got %d schema changes, want none (note is not projected; a shard's drop is not passed on)", c.projection, len(ddl))
			}
			continue
		}
		if len(ddl) != 1 {
			t.Fatalf("%s: the sink got %d schema changes, want the add.column only", c.projection, len(ddl))
		}
		ch := ddl[0].Changes[0]
		if ch.Table.String() != "ods.orders" || ch.After.Table.String() != "ods.orders" || ch.Before.Table.String() != "ods.orders" {
			t.Errorf("change routed to %v (after %v, before %v), want ods.orders", ch.Table, ch.After.Table, ch.Before.Table)
		}
		var names []string
		for _, col := range ch.After.Columns {
			names = append(names, col.Name)
		}
		if !slices.Equal(names, []string{"id", "amount", "note", "shard"}) || ch.Before.ColumnIndex("shard") < 0 {
			t.Errorf("after the change: %v; want the transformed schema", names)
		}
		// The rows after the change carry the same schema object as the change.
		last := sink.durable[len(sink.durable)-1]
		if last.Schema != ch.After {
			t.Errorf("the next row's schema is not the change's After")
		}
	}
}
