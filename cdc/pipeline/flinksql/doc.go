// Package flinksql is the Flink runtime of a pipeline: the pipeline that
// package cdc/pipeline runs embedded, rendered as a Flink SQL script for a
// Flink cluster, submitted through the Flink SQL Gateway (package
// flinkclient/sqlgateway) and operated through the JobManager (package
// flinkclient): stopped with a savepoint and resumed from it.
//
//	script, err := flinksql.Render(cfg, flinksql.Options{
//		Target:             flinksql.Target{Flink: "1.20"},
//		CheckpointInterval: 30 * time.Second,
//	})
//	fmt.Print(script) // passwords redacted
//	job, err := flinksql.Submit(ctx, gateway, script)
//
// # What is rendered
//
// Render takes the same pipeline.Config the embedded runner takes, and the
// captured tables' schemas (Config.Schemas, as mysql.LoadTableSchemas reads
// them), since a Flink table declares its columns:
//
//   - each captured table becomes a CREATE TEMPORARY TABLE of Flink CDC's
//     mysql-cdc connector (sqlserver-cdc for a [SQLServerSource]) with the
//     source's options under the connector's names: hostname, port,
//     username, password, database-name and table-name (the table's own
//     names, regexp-quoted), a share of the server-id range (each table is a
//     binlog client of its own), server-time-zone, the snapshot's chunk
//     size, fetch size and chunk key column, connect.timeout,
//     connect.max-retries, connection.pool.size, heartbeat.interval and
//     scan.startup.mode (initial, earliest-offset, latest-offset,
//     specific-offset with a GTID set or file and position, timestamp,
//     snapshot), and the metadata columns (database_name, table_name,
//     op_ts, row_kind) its transform reads;
//   - each sink table (a route's, or an unrouted table's own name) a table of
//     the sink's connector: Flink's jdbc ([JDBCSink], upsert on the primary
//     key), print (a *pipeline.PrintSink), or clickhouse ([ClickHouseSink]);
//   - each (captured table, sink table) pair an INSERT INTO ... SELECT whose
//     select list and WHERE clause are the transform's projection and filter
//     rendered from their syntax trees by package expr (expr.FlinkSQLSelect,
//     expr.FlinkSQLCondition), with the same meaning, NULLs included; several
//     INSERTs run as one job, in an EXECUTE STATEMENT SET (BEGIN STATEMENT
//     SET; ... END; on Flink 1.13).
//
// A transform with Go functions (pipeline.Func), a source or sink of
// another kind, and a connector option that the Target's Flink CDC release
// lacks are errors of Render naming them, and, for an option, the release
// that has it ([Target] lists the releases; the defaults are the newest
// Flink CDC built for each Flink release: 2.4.2 for 1.13, 3.2.1 for 1.18,
// 3.6.0 for 1.20 and 2.2).
//
// # ClickHouse: the same tables, the same visible state
//
// The embedded sink of package clickhouse keeps ReplacingMergeTree(_version
// [, _is_deleted]) tables: every change is an inserted row whose _version
// packs its binlog position (file sequence in the top 19 bits, see
// clickhouse.RowVersion) and whose _is_deleted marks a delete. Flink SQL's
// mysql-cdc exposes no binlog position: only op_ts (statement time, not
// monotonic in commit order), database_name, table_name and, from Flink
// CDC 3.1, row_kind. So the Flink path carries versions this way:
//
//   - One version per Flink run, [Options.Epoch], above every version the
//     embedded runtime wrote before the hand-off: [EpochAfter] of the
//     embedded source's last offset is the version of the first position of
//     the next binlog file. Snapshot rows (op_ts 0, as Flink CDC documents)
//     carry the epoch and binlog changes the epoch + 1, because snapshot
//     chunks are read by several subtasks, each writing on its own: a
//     snapshot row flushed late never hides a change written before it.
//   - Order within the run from the order of inserts: ReplacingMergeTree
//     keeps, of the rows of one key with the greatest version, the last one
//     inserted (ClickHouse documents this), and Flink writes the binlog
//     changes in binlog order: one subtask reads the binlog, and the
//     sink, whose parallelism the script leaves at the source's, is chained
//     to it (no shuffle between them).
//     A failover of the job restores its last checkpoint and writes again,
//     in order, the changes after it: older images are inserted again and
//     then overwritten by the newer ones, as the embedded sink's replay does.
//   - Deletes as rows, not mutations: the source tables a ClickHouse sink
//     reads set scan.read-changelog-as-append-only.enabled (Flink CDC 3.4 on),
//     so every change, a delete or the image before an update included,
//     arrives as an insert with its row_kind, and the SELECT writes
//     _is_deleted = 1 for -D and -U rows and 0 for +I and +U. An update keeps
//     its key: its -U tombstone is replaced by its +U row inserted after it
//     with the same version; an update of the key leaves the tombstone on the
//     old key, as the embedded sink's delete does. A row a filter lets in
//     before an update and not after it leaves only its tombstone.
//
// The connector is github.com/itinycheng/flink-connector-clickhouse
// ('connector' = 'clickhouse', over HTTP with clickhouse-jdbc): it only
// inserts here, because the stream it gets is append-only, and its own
// handling of updates and deletes (ALTER TABLE ... UPDATE/DELETE
// mutations, which ClickHouse applies asynchronously and out of order with
// inserts) is never used. Flink's jdbc connector has no ClickHouse dialect,
// and ClickHouse's own Flink connector has no SQL table factory. Below
// Flink CDC 3.4 there is no append-only changelog, and a ClickHouse sink is
// an error naming the option and 3.4.0. The Flink job does not create the
// tables: create them from [Script.SinkSchemas] with package clickhouse.
//
// # Moving between the runtimes
//
// Embedded to Flink: stop the embedded pipeline (its source stores a
// checkpoint), read its position with [CheckpointOffset], and render with
// Options.StartOffset set to it (specific-offset with its GTID set, or its
// file and position) and Options.Epoch = EpochAfter(offset). Changes after
// the offset are read by Flink; those the embedded sink had written again
// are absorbed by the versions.
//
// Flink to embedded: stop the job with a savepoint ([Job.StopWithSavepoint]),
// start the embedded source from a position at or before the one the job
// had reached (the job's start offset is always one), and add
// [RenumberAbove](epoch) to the pipeline's transforms, so that every version
// the embedded sink writes from then on is above the Flink run's epoch:
// changes replayed from before the job's stop are written again, in order,
// and the latest image of each row wins. Flink's savepoint keeps the
// binlog position in Flink's own state format, which rtdw cannot read, so
// the way back replays from an earlier position rather than the exact one.
//
// # Submission and lifecycle
//
// [Submit] opens a gateway session, SETs the script's configuration
// (pipeline.name, execution.checkpointing.interval, parallelism.default,
// table.local-time-zone from Config.TimeZone, the restart strategy from
// Config.Restart, and the savepoint to resume from; every key one the
// target release documents), creates the tables and executes the job,
// returning a [Job] with its Flink job id. [Job.StopWithSavepoint] stops it
// through the JobManager (flinkclient.Client.StopWithSavepoint) and
// [Resume] submits the script again from the savepoint
// (execution.savepoint.path; execution.state-recovery.path from Flink 1.20).
// The SQL Gateway exists from Flink 1.16: a 1.13 script is for the SQL
// client (sql-client.sh -f).
//
// # Secrets
//
// Script.String, and %v of a Script, print the script with every password
// (and a password in a ClickHouse URL) replaced by a placeholder; only
// Script.Statements, which Submit sends inside the gateway requests, carry
// them.
package flinksql
