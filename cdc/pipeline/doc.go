// Package pipeline is rtdw's embedded job DSL: a pipeline names its
// sources, transforms, routes and sinks once, and [Pipeline.Run] runs it in
// the calling process. The same pipeline can be loaded from a Flink CDC 3.x
// pipeline definition file (package cdc/pipeline/definition).
//
//	p, err := pipeline.New("gmall-to-ch").
//		From(src).                                            // a cdc/mysql source
//		Transform(`gmall\.orders_\d+`, pipeline.Func(dropTest)). // Go transforms
//		Route(`gmall\.orders_\d+`, "ods.orders").             // merge sharded tables
//		To(chSink).                                           // a clickhouse sink
//		Build()
//	err = p.Run(ctx)
//
// The package depends on the change model (package cdc) and on no
// connector: a [Source] is anything with Run(ctx, cdc.Sink), such as
// *mysql.Source, and a sink is any cdc.Sink, such as *clickhouse.Sink,
// phoenix's sink or the [PrintSink] here.
//
// # Building
//
// [Builder] is a thin layer over [Config]; [Builder.Build] and
// [NewFromConfig] validate everything at once, before any I/O, and return a
// *[ConfigError] naming each problem with its fix: a missing source or
// sink, a pattern that does not compile, a route with no sink (or naming an
// unknown one), overlapping routes, a replace symbol absent from its sink
// table, a transform naming a column its table lacks (for the schemas given
// in [Config.Schemas]; a table Run meets first is checked before its first
// row reaches a sink).
//
// # Routes
//
// A [Route] follows Flink CDC's route rules: a regular expression over
// "database.table" (the whole name), a sink table, and a replace symbol
// that the matched table's name replaces in the sink table. Sharded tables
// routed into one sink table share one schema object, so a sink sees one
// table, not a schema change per shard. A table matching no route keeps
// its name and goes to every sink not marked [OnlyRouted]. [RouteMode]
// chooses between Flink CDC's every-match semantics (the default, where
// partly overlapping patterns are refused as a likely mistake) and
// first-match.
//
// Truncating, dropping or renaming a source table follows its route when
// that table is the only one the sink table is fed from: a route whose
// pattern names the one table (`gmall\.orders` to ods.orders), or one
// database's tables each under its own name (a replace symbol). The change
// reaches the sink as one of the sink table (a rename as a rename to where
// the routes send the new name, or not at all, with a warning, when they
// send it nowhere in that sink or into a merged table). When several
// source tables are merged into the sink table (a pattern such as
// `gmall\.orders_\d+`, several routes to one table, or the same table of
// several sources, counted once its first event has arrived), one shard's
// truncate or drop would take the other shards' rows with it; the sink's
// schema-change policy for that kind ([SinkSpec.SchemaChanges], else its
// own, else LENIENT) decides: under IGNORE, LENIENT (as Flink CDC's
// LENIENT does) and TRY_EVOLVE the change is dropped with a warning; under
// EVOLVE and EXCEPTION the pipeline stops with a *cdc.SchemaChangeError
// whose Err, a *[ShardChangeError], names the shard, the sink table and
// the fixes (delete the shard's rows by hand, telling them apart by a
// projected __table_name__, then choose LENIENT for that kind; or route
// the shard to a table of its own).
//
// # Transforms
//
// A [Transform] matches tables by pattern, as a route does, and applies, in
// order, a filter, a projection, primary-key and partition-key overrides
// and Go functions ([Func]). Transforms run before routes, on the source
// table's events. A row whose transform fails stops the pipeline with a
// *[RowError] naming the row's key, or, with [SkipOnError], is dropped and
// counted.
//
// # Running
//
// Run reads every source on its own goroutine. Delivery is synchronous: a
// source waits while the sinks take a batch, so a slow sink holds the
// sources back (back-pressure) and memory is bounded by the batch sizes and
// the sinks' own buffers. A source stores its checkpoint only after every
// sink it handed events to flushed them; when ctx ends, each source
// delivers what it read, flushes, stores its checkpoint, and Run returns
// nil.
//
// # Checkpoints
//
// Each source keeps its checkpoint in a store of its own (the MySQL
// source's OffsetStore), or the pipeline keeps them all:
// [Builder.Checkpoint] (Flink's checkpoint storage and interval) gives one
// [cdc.OffsetStore] to every source, each source's checkpoint kept apart in
// it under the source's name ([SharedStore]), saved at most every interval.
// The sources must then be [CheckpointSource]s (as *mysql.Source is) with
// distinct names and no store of their own; Build names each that is not.
//
// # Failures
//
// [Config.Restart] runs a failed source again from its checkpoint, as
// Flink's restart strategy does; the sinks are idempotent, so what the
// failed run delivered after its checkpoint is delivered again without
// doubling. A sink that is down for a while (ClickHouse restarting) is best
// ridden out by the sink's own retries: the source then simply waits.
//
// # Schema changes
//
// A source's structured schema changes (cdc.Event.Changes) follow the
// transforms and routes: each reaches a sink as a change of the sink table,
// with the transformed and routed schemas, and the sink applies it under
// its own policy (the clickhouse sink's SinkConfig.SchemaChanges, Flink
// CDC's schema.change.behavior). [SchemaChanges] sets a sink's behavior
// at the pipeline ([SinkSpec.SchemaChanges]): EXCEPTION stops the pipeline
// with a *cdc.SchemaChangeError, IGNORE drops the changes before a sink
// without a policy of its own, and Build checks that a sink with one
// ([SchemaChangeSink]) agrees. A change of a column the projection
// leaves out does not reach the sink. Truncating, dropping or renaming a
// table reaches it as Routes above says: passed on when the sink table is
// fed from that table alone, decided by the sink's policy when several
// tables are merged into it.
//
// # Sinks
//
// A sink is a cdc.Sink: HandleEvents and Flush, Flush returning once what
// it was handed is durable. The clickhouse sink, the phoenix sink and
// [PrintSink] implement it; so can any other.
//
// # Progress, logs and metrics
//
// [Pipeline.Progress] counts each source table's snapshot rows, inserts,
// updates, deletes, filtered and skipped rows, and the lag; [Hook]s are
// told of each flush ([HookSinkFlush], with the commit-to-durable lag),
// each delivered batch ([HookDelivered]) and each skipped row
// ([HookRowSkipped]); the pipeline logs through [Config.Logger]. Package
// cdc/pipeline/pipelineprom exposes the progress to Prometheus.
package pipeline
