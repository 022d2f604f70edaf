package definition

import (
	"context"
	"fmt"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// valuesSink is Flink CDC's values sink (type: values): it prints every
// event, readably, to Options.Stdout.
var valuesSink = SinkType{
	Keys: []string{"print.enabled", "materialized.in.memory", "error.on.schema.change", "sink.api"},
	New: func(b *Block) (cdc.Sink, error) {
		if b.Bool("materialized.in.memory", false) {
			b.Problem("materialized.in.memory", "true", "the embedded runner prints events and keeps none in memory; remove it or set false")
		}
		// schema.change.behavior is the pipeline's: EXCEPTION stops it
		// before the sink, IGNORE drops the changes before the sink.
		failOnDDL := b.Bool("error.on.schema.change", false)
		var s cdc.Sink = cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil }))
		if b.Bool("print.enabled", true) {
			s = pipeline.NewPrintSink(b.Stdout, pipeline.PrintReadable)
		}
		if failOnDDL {
			s = cdc.Map(s, func(e *cdc.Event) (bool, error) {
				if e.Op == cdc.OpSchemaChange {
					return false, fmt.Errorf("values sink: schema change of %s (error.on.schema.change is true): %s", e.Table, e.DDL)
				}
				return true, nil
			})
		}
		return s, nil
	},
}
