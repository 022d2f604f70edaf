package definition_test

import (
	"context"
	"fmt"
	"os"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
)

// A Flink CDC pipeline definition loaded with a registry that knows a
// source type; the values sink prints what the pipeline delivers.
func Example() {
	reg := definition.NewRegistry()
	reg.RegisterSource("fixed", definition.SourceType{
		New: func(b *definition.Block) (pipeline.Source, error) {
			s := orders("orders_7")
			return &fixedSource{events: []cdc.Event{{Op: cdc.OpCreate, Table: s.Table, Schema: s, After: cdc.Row{int64(7), "ink", int64(12)}}}}, nil
		},
	})
	cfg, err := definition.Load([]byte(`
source:
  type: fixed
sink:
  type: values
route:
  - source-table: app_db.\.*
    sink-table: ods_db.<>
    replace-symbol: <>
pipeline:
  name: example
`), definition.Options{Registry: reg, Stdout: os.Stdout})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := pipeline.NewFromConfig(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Run(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ods_db.orders_7 +I id=7 product="ink" price=12
}
