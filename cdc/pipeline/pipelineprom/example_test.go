package pipelineprom_test

import (
	"context"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/pipelineprom"
)

// Register a pipeline's collector and its flush hook; a scrape then shows
// the rows per table and operation.
func Example() {
	s := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "users"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}}}
	src := oneBatch{{Op: cdc.OpRead, Table: s.Table, Schema: s, After: cdc.Row{int64(1)}}}
	flushes := pipelineprom.NewFlushMetrics()
	p, err := pipeline.New("demo").From(src).To(pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)).Hooks(flushes).Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(pipelineprom.NewCollector(p), flushes)
	if err := p.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	n, _ := testutil.GatherAndCount(reg, "rtdw_pipeline_rows_total")
	fmt.Println("row series:", n)
	// Output:
	// gmall.users +I id=1
	// row series: 7
}
