package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// A pipeline merges two sharded tables into one sink table, doubles an
// amount in a Go transform and prints the result; the source here is a
// fixed list of events (a cdc/mysql source in a real program).
func Example() {
	shard := func(n int) *cdc.TableSchema {
		return &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: fmt.Sprintf("orders_%d", n)},
			PrimaryKey: []string{"id"},
			Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
				{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}}}
	}
	o1, o2 := shard(1), shard(2)
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{
		{Op: cdc.OpCreate, Table: o1.Table, Schema: o1, After: cdc.Row{int64(1), int64(10)}},
		{Op: cdc.OpCreate, Table: o2.Table, Schema: o2, After: cdc.Row{int64(2), int64(25)}},
	}}}
	p, err := pipeline.New("gmall-orders").
		From(src).
		Transform(`gmall\.orders_\d+`, pipeline.Func(func(e *cdc.Event) (bool, error) {
			e.After[1] = e.After[1].(int64) * 100
			return true, nil
		})).
		Route(`gmall\.orders_\d+`, "ods.orders").
		To(pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ods.orders +I id=1 amount=1000
	// ods.orders +I id=2 amount=2500
}

// Build reports every problem at once, each with its fix.
func ExampleBuilder_Build() {
	_, err := pipeline.New("broken").
		From(&sliceSource{}).
		To(pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable), pipeline.SinkName("print")).
		Route(`gmall\.orders_\d+`, "ods.orders").
		Route(`gmall\.orders_1`, "ods.first_orders").
		Route(`gmall\.users`, "ods.users", pipeline.RouteTo("clickhouse")).
		Build()
	fmt.Println(strings.ReplaceAll(err.Error(), "\t", " "))
	// Output:
	// pipeline: invalid pipeline "broken": 2 problems:
	//   - Routes[2].Sink = "clickhouse": no sink has this name; use one of: print
	//   - Routes[1].SourceTable = "gmall\\.orders_1": overlaps Routes[0].SourceTable "gmall\\.orders_\\d+" (both match "gmall.orders_1"): make the patterns disjoint (escape the dot as \., anchor the shard number), or choose RouteFirstMatch to let the first route win
}
