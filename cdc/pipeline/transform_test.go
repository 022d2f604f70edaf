package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

func ordersSchema(table string) *cdc.TableSchema {
	return &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: table}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
			{Name: "sku", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32, Raw: "varchar(32)"}},
			{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
			{Name: "status", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 16, Raw: "varchar(16)"}},
		}}
}

// A Flink CDC projection and filter: computed and metadata columns, and
// updates entering and leaving the filter become inserts and deletes.
func TestDeclarativeTransform(t *testing.T) {
	t.Parallel()
	o1 := ordersSchema("orders_1")
	row := func(id int64, sku string, amount int64, status string) cdc.Row {
		return cdc.Row{id, sku, amount, status}
	}
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{
		insert(o1, row(1, "a-1", 10, "paid")...),
		insert(o1, row(2, "b-2", 20, "cancelled")...),                         // filtered out
		update(o1, row(2, "b-2", 20, "cancelled"), row(2, "b-2", 25, "paid")), // enters: an insert
		update(o1, row(1, "a-1", 10, "paid"), row(1, "a-1", 10, "cancelled")), // leaves: a delete
		update(o1, row(2, "b-2", 25, "paid"), row(2, "b-2", 30, "paid")),      // stays: an update
	}}}
	var out bytes.Buffer
	p, err := pipeline.New("decl").From(src).
		Transform(`gmall\.orders_\d+`,
			pipeline.Projection("id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src"),
			pipeline.Filter("status <> 'cancelled'")).
		Route(`gmall\.orders_\d+`, "ods.orders").
		To(pipeline.NewPrintSink(&out, pipeline.PrintReadable)).
		Schemas(o1).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	want := `ods.orders +I id=1 sku="A-1" cents=1000 src="orders_1"
ods.orders +I id=2 sku="B-2" cents=2500 src="orders_1"
ods.orders -D id=1 sku="A-1" cents=1000 src="orders_1"
ods.orders -U id=2 sku="B-2" cents=2500 src="orders_1"
ods.orders +U id=2 sku="B-2" cents=3000 src="orders_1"
`
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
	if got := p.Progress().Table(o1.Table).Filtered; got != 1 {
		t.Errorf("filtered = %d, want 1", got)
	}
}

// Build names an unknown column, a filter that is not boolean and a syntax
// error, before any I/O.
func TestBuildChecksExpressions(t *testing.T) {
	t.Parallel()
	o1 := ordersSchema("orders_1")
	_, err := pipeline.New("bad").From(&sliceSource{}).To(&recordingSink{}).Schemas(o1).
		Transform(`gmall\.orders_\d+`, pipeline.Projection("id, amout * 100 AS cents")).
		Transform(`gmall\.users`, pipeline.Filter("id +")).
		Build()
	if err == nil {
		t.Fatal("Build accepted broken expressions")
	}
	for _, want := range []string{`Transforms[0].Projection = "id, amout * 100 AS cents"`, "amout", "(table gmall.orders_1)", `Transforms[1].Filter = "id +"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	_, err = pipeline.New("bad").From(&sliceSource{}).To(&recordingSink{}).Schemas(o1).
		Transform(`gmall\.orders_\d+`, pipeline.Filter("amount + 1")).Build()
	if err == nil || !strings.Contains(err.Error(), "Transforms[0].Filter") {
		t.Errorf("a filter that is not boolean: %v", err)
	}
}

// An expression failing on a row (a CAST that cannot convert) is a row
// error: the policy stops with the row's key.
func TestExpressionFailsOnARow(t *testing.T) {
	t.Parallel()
	o1 := ordersSchema("orders_1")
	src := &sliceSource{batches: [][]cdc.Event{{insert(o1, int64(1), "12", int64(1), "paid"), insert(o1, int64(7), "x", int64(1), "paid")}}}
	p, err := pipeline.New("cast").From(src).To(&recordingSink{}).
		Transform(`gmall\.orders_\d+`, pipeline.Projection("id, CAST(sku AS INT) AS n")).Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = p.Run(ctx)
	var rerr *pipeline.RowError
	if !errors.As(err, &rerr) || rerr.Key != "id=7" {
		t.Fatalf("Run = %v, want a RowError for id=7", err)
	}
}
