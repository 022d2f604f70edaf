// Package mysql captures changes from MySQL and MariaDB: a snapshot of the
// chosen tables followed by their binlog, as Flink CDC's MySqlSource does, in
// a Go process and without a JVM. The changes are the [cdc.Event] values of
// package cdc, handed to a [cdc.Sink].
//
// # A source
//
// [NewSource] starts a [SourceBuilder] with the options of Flink CDC's
// MySqlSourceBuilder; [Config] holds the same options as a plain struct for
// [NewSourceFromConfig], and the builder is a thin layer over it, one setter
// per field. [SourceBuilder.Build] does no I/O and returns one
// [*ConfigError] naming every bad option, and [Source.Config] reports the
// configuration in effect, defaults included:
//
//	src, err := mysql.NewSource().
//		Hostname("127.0.0.1").Port(3306).Username("cdc").Password(pw).
//		DatabaseList("gmall_config").TableList(`gmall_config\.t_user`).
//		StartupOptions(mysql.Initial()).
//		Deserializer(debezium.JSON()). // optional: Debezium JSON in Event.Encoded
//		OffsetStore(cdc.NewFileOffsetStore("t_user.offset.json")).
//		Build()
//	if err != nil {
//		return err
//	}
//	err = src.Run(ctx, sink) // a cdc.Sink, such as a *clickhouse.Sink
//
// # Configuration
//
// Defaults come from [DefaultConfig], which the builder starts from; a
// plain struct must start from it too (a struct literal is refused), because
// zero is a setting wherever someone may want it:
//
//	Setting                  Default  Zero means
//	ConnectTimeout           30s      no timeout of its own for one dial and handshake (ctx still bounds it)
//	ConnectMaxRetries        3        a single attempt to connect, no retry
//	HeartbeatInterval        30s      no heartbeats on an idle binlog connection
//	MaxReconnectDuration     30s      a lost binlog connection ends Run at once
//	ShutdownTimeout          30s      no deadline of its own for the final flush and save
//	OffsetCommitInterval     1s       a checkpoint save at every transaction boundary
//	DistributionFactorLower  0.05     no lower bound on an evenly split key
//
// Where zero is never a useful setting, it means the default: Name
// ([DefaultName]), Port (3306), ServerTimeZone ("UTC"), SplitSize (8096),
// FetchSize (1024), ConnectionPoolSize (20), DistributionFactorUpper
// (1000), SnapshotParallelism (the size of the ServerID range, at most 4),
// ServerID (a random range), StartupOptions ([Initial]) and OffsetStore (a
// new [cdc.MemoryOffsetStore]). A negative number is never valid. Each
// timeout bounds one thing: ConnectTimeout one connection attempt,
// MaxReconnectDuration the re-establishing of a lost binlog connection,
// ShutdownTimeout the work after ctx ends.
//
// # Running
//
// [Source.Run] captures until ctx ends or until an error it cannot recover
// from. When ctx ends, whatever Run was doing (connecting, checking the
// server, loading the checkpoint or the schemas, the snapshot, the binlog),
// it is a normal stop: Run flushes the sink, stores a final checkpoint when
// anything was delivered since the last one, and returns nil. Errors are
// each a [*SourceError] saying what is wrong and how to fix it, matching a
// sentinel such as [ErrBinlogPurged], [ErrMissingPrivilege] or
// [ErrInvalidCheckpoint] with errors.Is; an error of the sink comes back as
// a [*cdc.HandlerError]. A lost binlog connection is re-established for up
// to MaxReconnectDuration. The server's flavour (Oracle MySQL or MariaDB,
// whose GTIDs differ) is detected when Run starts.
//
// The server tells its replicas apart by server id, and the source's
// binlog connections are replicas with the ids of its ServerID range: give
// each source a range no replica and no other source uses. MariaDB drops
// the older of two connections with one id (error 4052); reconnecting
// would drop the other in turn, so Run stops at once with
// [ErrServerIDConflict], naming the id. (MySQL tells go-mysql's
// connections apart by the random replica UUID each sends, so there two
// sources with one id both run; the error appears for replicas that share
// the UUID too.)
//
// # Where capture starts
//
// [StartupOptions] mirror Flink CDC's: [Initial] (the default) snapshots the
// tables and then streams the binlog from the point the snapshot is
// consistent with; [SnapshotOnly] stops after the snapshot; [Latest],
// [Earliest], [SpecificOffset], [SpecificGTID] and [Timestamp] stream the
// binlog from a point without a snapshot. [Timestamp] finds its binlog file
// from the first event of O(log n) files, not by reading the files.
//
// # The snapshot
//
// The snapshot splits each table into chunks by its primary key (or the
// ChunkKeyColumn), reads SnapshotParallelism chunks at once without locking
// tables, and makes each chunk consistent with the binlog by the low and
// high watermarks Flink CDC uses, so nothing is lost or repeated where the
// snapshot meets the stream. Its chunks are part of the checkpoint, so a
// stopped snapshot resumes at the first chunk not yet delivered. Chunks are
// read in parallel but handed to the handler in key order, so a table's
// snapshot rows arrive sorted by its key (ClickHouse then skips sorting the
// parts it writes); readers run at most SnapshotParallelism+1 chunks ahead
// of the next chunk handed over, which bounds the rows held.
//
// A chunk's low watermark must be a binlog position before which every
// transaction is visible to the chunk's SELECT. A server writes a
// transaction to the binlog before it commits it in the storage engine, so
// a position read just before the SELECT is not one. The source makes it
// exact where the server allows, with no timing assumption:
//
//   - MySQL with gtid_mode ON (and binlog_order_commits ON, the default):
//     the server commits in binlog order and adds GTIDs to gtid_executed
//     after the engine commit, so a position is a low watermark once the
//     GTID of its last transaction is in the gtid_executed read before the
//     SELECT. Each chunk's binlog window provides the next such position.
//     The first is the snapshot's first position once the GTIDs
//     gtid_owned listed then have committed; while a session that set
//     gtid_next keeps its GTID owned for more than 2s, the source reads the
//     binlog for one instead.
//   - MariaDB: each chunk is read in START TRANSACTION WITH CONSISTENT
//     SNAPSHOT, whose binlog position the server reports exactly
//     (binlog_snapshot_file and binlog_snapshot_position).
//   - MySQL without GTIDs: a position read 100ms before the SELECT, which
//     assumes a transaction in the binlog commits within 100ms; the source
//     logs this at Info with the setting that removes it. A server that
//     holds commits longer (binlog_group_commit_sync_delay, a slow disk)
//     can lose changes a chunk's SELECT did not see.
//
// Before a chunk's rows are handed over, the source stores the high
// watermark they are consistent with (the chunk's DeliveredFrom), because a
// sink may make them durable before the chunk is checkpointed as done. A
// run that reads such a chunk again replays the binlog from DeliveredFrom
// and delivers a delete for every row deleted since, so that a crash at any
// moment can never leave a row the server deleted in the sink.
//
// # Offsets and checkpoints
//
// An [Offset] is a binlog position (file and position, and the GTID set) in
// the server's history; offsets are ordered, and print and parse as text
// ([ParseOffset], [ParseGTIDSet]). A source saves a [cdc.Checkpoint] in its
// [cdc.OffsetStore] only at transaction boundaries, and only after its sink
// has flushed every event before it, so a restart loses nothing and
// repeats nothing beyond the last transaction. The default
// [cdc.MemoryOffsetStore] resumes within one process;
// [cdc.NewFileOffsetStore] replaces a JSON file atomically and resumes
// across processes.
//
// The checkpoint is the envelope of package cdc (its format version, the
// source's Name and the kind [CheckpointKind]) around this package's own
// state: the offset, the captured tables, and the snapshot's chunks while
// they matter, in a format with a version of its own. Run checks all of
// them, and the GTID set's flavour against the server's, before resuming;
// it refuses, with [ErrInvalidCheckpoint], a checkpoint that is corrupt,
// another source's (another Name or another kind), in a format it does not
// know or from a server of the other flavour, and leaves it in place: give
// each source its own store, or delete the checkpoint to start over.
// [InspectCheckpoint] reads the offset, the snapshot's progress and the
// server out of a checkpoint, for tools and tests.
//
// # Another server: failover
//
// Binlog file names and positions belong to one server: a replica writes
// the same transactions into files and at positions of its own, with other
// numbers. Only the GTID set means the same on every server of a
// replication topology. So the checkpoint names the server its positions
// belong to (@@server_uuid on MySQL; @@server_id and @@gtid_domain_id on
// MariaDB, which has no server UUID), and when Run finds itself connected
// to another server, as after a failover to a replica or when the source is
// pointed at a replica, it resumes from the GTID set, never from the old
// server's file and position: it keeps only the GTID set of every stored
// position (the offset, and the high watermarks of a snapshot in
// progress), and the server sends every transaction the set lacks. A
// checkpoint without a GTID set (a MySQL server with gtid_mode OFF) cannot
// move: Run stops with [ErrServerChanged], naming both servers; enable
// GTIDs, or point the source back at the old server. Run detects a move
// when it starts: after a failover behind a virtual address, start Run
// again. A snapshot in progress at the move resumes on the new server;
// changes the old server's chunks already held are delivered again, in
// order, so each row ends in its latest state.
//
// A sink that orders changes by position, such as package clickhouse's
// row versions, must not compare the new server's files with the old
// one's: a later change on the replica may well sit in a file with a lower
// number, or at a lower position. Every event carries
// [cdc.Source.BinlogSeq], its binlog file's number in the capture's
// history: on the server the capture started on, the number in the file's
// name; after a move, the new server's files are numbered on after the
// last file the source read on the old server (the checkpoint keeps the
// mapping, and stores the newest file before delivering events of a newer
// one, so no change a sink already holds can outnumber the new server's).
// (BinlogSeq, Pos, Row) therefore keeps increasing across moves; snapshot
// rows carry their high watermark's number the same way.
//
// # When the binlog is gone
//
// A server purges binlog files older than its retention
// (binlog_expire_logs_seconds on MySQL and MariaDB, expire_logs_days on
// older MariaDB), and a source stopped or behind for longer loses its
// place: Run stops with [ErrBinlogPurged]. While it streams, the source
// measures how long the server keeps the file its last checkpoint needs
// (the retention less the time since the server closed the file:
// [Progress.BinlogRetentionLeft], and the gauge
// rtdw_cdc_source_binlog_retention_left_seconds of package
// cdc/mysql/mysqlprom) and logs a warning once less than a quarter of the
// retention is left, so that a slow sink is noticed before the purge.
//
// With SnapshotWhenNeeded ([SourceBuilder.SnapshotWhenNeeded]), as with
// Debezium's snapshot.mode=when_needed, Run instead logs a warning and
// takes a new snapshot of every captured table, then streams from it;
// it finds the purge when it starts, or when the server refuses to send
// the binlog after a stored GTID set. The caveat is for sinks that keep
// rows: a row deleted on the server while its binlog went unread is in no
// snapshot, and no delete is delivered for it, so the sink keeps it.
// Remove from the sink the rows the new snapshot did not deliver. With
// package clickhouse: when the warning is logged (before the snapshot
// starts), note each table's highest _version; every row the snapshot
// delivers, and every change after it, gets a higher one, so once the
// snapshot is done ([HookSnapshotDone]) the rows at or below the noted
// version are the stale ones (ALTER TABLE ... DELETE WHERE _version <= v).
// Or drop the sink's tables before the new snapshot fills them again. A
// sink that only appends changes needs nothing.
//
// # Schema changes
//
// Each event carries its table's [cdc.TableSchema]. The source keeps a
// schema history: the schema of every captured table as of the binlog
// position it has read to. It starts from information_schema
// ([LoadTableSchemas]) when capture starts, and evolves by the DDL
// statements in the binlog, parsed by the TiDB parser
// (github.com/pingcap/tidb/pkg/parser), never by reading the server again,
// which shows the present rather than the binlog's past. It is stored with
// every checkpoint (as of the checkpoint's offset), so after a restart the
// rows written before a later ALTER are decoded with the schema they were
// written with. [InspectCheckpoint] shows it.
//
// A statement on a table while it is snapshotted is followed the same way:
// each chunk's binlog window (its backfill) starts no later than where the
// table's earlier windows ended, decodes each change with the table's
// schema at the change's position, and a chunk whose window holds a
// statement made after the schema it was read with is read again with the
// new one. Streaming then starts with each table's schema as of its start
// position, and counts a change as covered by a chunk only when the chunk
// was read after it with the schema the change was made under or a later
// one (the chunk's rows hold the change).
//
// Each statement that changes captured tables becomes one
// [cdc.OpSchemaChange] event (with IncludeSchemaChanges) whose Changes list
// what it did, in order, each with the table's schema before and after:
//
//	statement                                       changes
//	CREATE TABLE (also … LIKE, … AS SELECT)          create.table, when the filters match the name
//	CREATE OR REPLACE TABLE (MariaDB)                drop.table, create.table
//	ALTER TABLE … ADD [COLUMN] [FIRST|AFTER c]       add.column per column
//	ALTER TABLE … DROP [COLUMN]                      drop.column
//	ALTER TABLE … MODIFY, ALTER … SET/DROP DEFAULT   alter.column.type (type, nullability, default or position)
//	ALTER TABLE … CHANGE a b …                       rename.column (when the name changes), alter.column.type (when the rest does)
//	ALTER TABLE … RENAME COLUMN                      rename.column
//	ALTER TABLE … CONVERT TO CHARACTER SET           alter.column.type per text column
//	RENAME TABLE a TO b, c TO d; ALTER … RENAME TO   rename.table per pair (create.table for an uncaptured table renamed to a captured name)
//	TRUNCATE [TABLE]                                 truncate.table
//	DROP TABLE a, b; DROP DATABASE                   drop.table per captured table
//
// A statement that changes no column (ADD INDEX, ENGINE=…) makes no event;
// ADD and DROP PRIMARY KEY change the key of the next events' schema. A
// table renamed to a name the filters do not match leaves capture after
// its rename.table. A new table's text columns without a character set
// take the table's default, else the database's (read from
// information_schema.SCHEMATA once per database).
//
// The online schema change tools gh-ost and pt-online-schema-change copy a
// table into a shadow (_t_gho, _t_new), alter the shadow, and swap it in
// with RENAME TABLE t TO _t_del, _t_gho TO t (or two ALTER … RENAMEs). The
// history follows the shadow from its CREATE, and never captures it or the
// tools' other tables (_t_ghc, _t_del, _t_old), whatever the filters say;
// at the swap, t takes the shadow's schema, delivered as the column changes
// between the two (drop.column, add.column, alter.column.type; a column
// renamed in the shadow shows as a drop and an add). Flink CDC's
// scan.parse.online.schema.changes instead emits the shadow's ALTERs when
// they run; this source emits them at the swap, where the table's rows
// start to have the new shape.
//
// The TiDB parser lacks a few forms the servers write; the source rewrites
// them before parsing: MariaDB's ALTER ONLINE TABLE, WAIT n and NOWAIT,
// CREATE OR REPLACE, MySQL's START TRANSACTION after an atomic CREATE TABLE
// … SELECT, spatial types, SRID and INVISIBLE, and character sets and
// collations TiDB does not have (registered with the parser, whose tables
// are global to the process). A statement it still cannot parse stops Run
// with [ErrSchemaMismatch], wrapping a [*DDLError] that carries the
// statement, when it may change a captured table (it is table DDL naming
// one, or a table the filters match); otherwise it is ignored. Every binlog
// row is checked against the history's schema before it is decoded; a row
// that does not fit stops Run with [ErrSchemaMismatch] too.
//
// A checkpoint written before rtdw kept a schema history (state versions 1
// and 2) resumes with the tables' present definitions, as it did: rows
// written before a later ALTER do not fit them. A DDL statement the
// history cannot apply (it adds a column the history already has: the
// history began from the server after the statement ran) reads the tables
// it names from the server again, with a warning.
//
// # XA transactions
//
// An XA transaction's rows reach the binlog at XA PREPARE, and the source
// delivers them there; XA COMMIT or XA ROLLBACK comes later as a
// transaction of its own. At XA ROLLBACK the source delivers the inverse of
// each change the transaction made (a delete for an insert, the before
// image for an update, the row again for a delete), newest first, at the
// rollback's position: the transaction held its row locks until it ended,
// so the inverses restore exactly the rows it changed. Until an XA
// transaction ends, the checkpoint's offset stays where it began, so that a
// restarted source can still undo it. A snapshot waits for the XA
// transactions prepared before it began (XA RECOVER lists them; on MySQL
// that needs XA_RECOVER_ADMIN, else the source warns and goes on): their
// rows would be in no chunk's SELECT and no chunk's binlog window. Not
// covered: an XA transaction prepared before a Latest start, whose commit
// delivers nothing and whose rollback is logged as a warning; and one
// prepared while a snapshot runs and rolled back later, whose rows a
// chunk's binlog window may have taken in (the snapshot applies a prepared
// transaction's rows, and does not undo them).
//
// # Values
//
// Rows hold the canonical values package cdc lists for each [cdc.Kind], the
// same whether the snapshot read them with SELECT or the binlog carried
// them, and whatever the server's flavour: the source selects FLOAT columns
// as doubles (MySQL prints only six digits of a FLOAT), turns text in other
// character sets into UTF-8, ENUM indexes and SET bitmasks into names,
// restores the trailing zero bytes the binlog drops from BINARY(n), renders
// MySQL's binary JSON as canonical JSON text ([cdc.CanonicalJSON]) and keeps
// MariaDB's JSON text as the server stores it. A value that does not decode
// stops Run with an error matching [ErrBadValue].
//
// # Reading a table
//
// [ReadTable] reads a whole table as the canonical rows a snapshot would
// emit now, to compare a sink's contents with the source in tests and
// consistency checks; [LoadTableSchemas] gives it the schema.
//
// # Logs, hooks and metrics
//
// A source logs through the [*slog.Logger] of [Config.Logger]
// ([SourceBuilder.Logger]); without one it logs nothing, and it never
// writes to stderr on its own. At Info it logs each Run's start, the server
// it reached, where it resumes, each change of [Phase], the snapshot's start
// and end with its tables, chunks and rows, and a binlog connection
// re-established; at Warn a lost binlog connection, with its cause; at Debug
// each snapshot chunk delivered, each Flush of the sink and each checkpoint
// stored; at Error the error that ends Run. It warns, too, when it moves to
// another server, when it takes a new snapshot because the binlog it
// needed is gone, and when the binlog file its checkpoint needs nears the
// server's retention. Messages start with
// "mysql source:"; add an attribute of your own (Logger.With("source",
// name)) to tell several sources apart. The password is never logged.
//
// The logs of the drivers go to the same logger. go-mysql's, from every
// binlog connection the source makes, carry component=go-mysql, syncer=
// (binlog for the stream, snapshot-backfill for a chunk's binlog window,
// binlog-search for Timestamp startup's search, binlog-retention for the
// retention measure) and server_id=; they arrive
// one level lower than go-mysql gives them, because go-mysql logs every
// connection it opens and closes at Info (the snapshot opens one per chunk)
// and every lost connection at Error, while the source re-establishes lost
// connections and logs at Error only what ends Run: go-mysql's Error
// arrives at Warn, its Warn at Info, its Info at Debug. go-sql-driver's
// messages (connection errors of the SQL pool) arrive at Warn with
// component=go-sql-driver.
//
// Hooks ([Config.Hooks], [SourceBuilder.Hooks]) tell a program of events as
// they happen, so that it need not poll [Source.Progress]. As franz-go's
// kgo hooks, a [Hook] is any value implementing one or more small
// interfaces: [HookPhaseChange] (a [PhaseChange], carrying Run's error when
// it stops), [HookSnapshotDone] (the snapshot's chunks, rows and duration),
// [HookReconnect] (a binlog connection re-established: attempts, cause,
// downtime), [HookCheckpointStored] (the offset stored) and [HookSinkFlush]
// (how long the sink's Flush took). They are called synchronously on the
// goroutine that called Run, in the order the events happen, and must not
// block.
//
// [Source.Progress] returns the source's [Progress]: its [Phase], the
// snapshot's tables, chunks and rows (with the server's estimate of the
// rows, for a progress bar), the binlog events delivered, the lag behind the
// clock, the reconnects and how long the server keeps the checkpoint's
// binlog file. [SourceBuilder.Progress] sets a function called
// with it as it advances, at most every 200ms and at each phase change,
// which suits a progress bar (the example programs drive theirs with it);
// hooks suit logs, alerts and state machines, since each event reaches them
// once, with its own figures. Package cdc/mysql/mysqlprom exports the
// figures of Progress as Prometheus metrics (rtdw_cdc_source_*), labelled by
// the source's Name, so that importing this package does not import the
// Prometheus client.
//
// # Programs
//
// examples/flinkcdc-ds is the FlinkCDC_01_DS DataStream job in Go: it
// prints the changes of one table as Debezium JSON lines, keeps its offset
// in a file, and on a second run prints only what changed while it was
// stopped. examples/mysql-to-clickhouse keeps ClickHouse tables in sync with
// a source.
package mysql
