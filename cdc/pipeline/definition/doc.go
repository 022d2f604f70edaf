// Package definition loads Flink CDC 3.x pipeline definitions (the YAML
// files flink-cdc.sh runs) into a [pipeline.Config], so that a Flink CDC
// user's file runs embedded, without a JVM:
//
//	reg := definition.NewRegistry()          // knows type: values
//	reg.RegisterSource("mysql", mysqlType)   // the program links its connectors
//	reg.RegisterSink("clickhouse", chType)
//	cfg, err := definition.LoadFile("mysql-to-ch.yaml", definition.Options{Registry: reg, CheckpointDir: "state"})
//	p, err := pipeline.NewFromConfig(cfg)
//	err = p.Run(ctx)
//
// The blocks and keys are Flink CDC's: source and sink (a type, a name and
// the connector's options), route (source-table, sink-table,
// replace-symbol, description), transform (source-table, projection,
// filter, primary-keys, partition-keys, table-options, description) and
// pipeline (name, parallelism, local-time-zone, execution.runtime-mode,
// schema.change.behavior, and the Flink operator settings, which the
// embedded runner has no use for). An unknown block or key is an error
// naming it, its block and the nearest known key; every problem of the file
// is reported at once, before any I/O.
//
// The package imports no connector: a [Registry] maps each type: to plain
// constructor functions that read the block's options through [Block]'s
// accessors (which record bad values as problems) and return a
// pipeline.Source or a cdc.Sink. examples/pipeline-run fills one with the
// MySQL source and the ClickHouse sink. The values sink is built in.
//
// Table selectors are Flink CDC's ([SelectorPattern]): an unescaped dot
// separates database and table, `\.` inside a part is regex's `.`, commas
// separate alternatives; they become the whole-name regular expressions
// package cdc/pipeline takes.
package definition
