// Package clickhouse keeps ClickHouse tables in sync with MySQL and MariaDB
// tables captured by package cdc: it maps their types, creates and alters the
// tables, writes change events with an idempotent batched [Sink], and reads
// back the visible state of a table for comparison with the source.
//
// # Connecting
//
// [Open] takes a clickhouse-go DSN ("clickhouse://user:pw@host:9000/db"),
// [New] a clickhouse-go Options struct; neither does I/O. The first call that
// needs the server (or [Client.Ping]) asks for its version once and derives
// [Features] from it: which types and engine parameters the server has.
// Everything in this package speaks the native protocol; clickhouse-go's
// HTTP protocol does not work against servers as old as 18.16.
//
// # Types
//
// Every column kind the cdc package emits maps to a ClickHouse type that
// holds each of its values exactly, chosen by server version. A nullable
// MySQL column becomes Nullable(T) (LowCardinality(Nullable(String)) for
// ENUM). Time zones are explicit: DateTime columns are declared 'UTC', and
// both DATETIME (a wall clock, which cdc carries as UTC) and TIMESTAMP (an
// instant) are stored as their UTC value.
//
//	MySQL kind                       ClickHouse type                         on servers before the feature
//	TINYINT/SMALLINT/INT/BIGINT      Int8/Int16/Int32/Int64
//	MEDIUMINT                        Int32
//	... UNSIGNED                     UInt8/UInt16/UInt32/UInt64 (MEDIUMINT: UInt32)
//	DECIMAL(P,S), P <= 38            Decimal(P, S)
//	DECIMAL(P,S), P > 38             Decimal(P, S) (Decimal256, 21.6+)        String, the value with S decimals
//	FLOAT, DOUBLE                    Float32, Float64
//	BIT(1)                           Bool (21.12+)                           UInt64
//	BIT(n)                           UInt64
//	YEAR                             UInt16
//	DATE                             Date
//	DATETIME(0), TIMESTAMP(0)        DateTime('UTC')
//	DATETIME(n), TIMESTAMP(n), n>0   DateTime64(n, 'UTC') (20.1+)            String 'YYYY-MM-DD hh:mm:ss.ffffff' (n digits)
//	TIME(n)                          Int64, microseconds (negative allowed)
//	CHAR VARCHAR *TEXT SET           String
//	ENUM                             LowCardinality(String) (19.3+)          String
//	BINARY VARBINARY *BLOB           String (the bytes)
//	GEOMETRY and spatial kinds       String (MySQL's SRID + WKB bytes)
//	JSON                             String (compact JSON text)
//	VECTOR (NOT NULL)                Array(Float32)
//
// Date, DateTime and DateTime64 cannot hold MySQL's zero dates
// ('0000-00-00') or dates outside 1970-2149 (Date), 1970-2106 (DateTime) and
// 1925-2283 (DateTime64). Such a value is refused with [ErrUnrepresentable],
// naming the table, column and value, never stored as a different date. Set
// [MappingOptions.DatesAsText] for tables that hold them: DATE, DATETIME and
// TIMESTAMP columns then become String in the fixed formats above (which sort
// like the dates), and zero dates keep MySQL's text. A type without a mapping
// (a nullable VECTOR, an unknown kind) is a [MappingError] naming the table,
// column and type; [ColumnType] returns the mapping of one column.
//
// # Tables
//
// [CreateTableSQL] renders the table for a cdc.TableSchema: the mapped
// columns, then _version UInt64 and _is_deleted UInt8, ENGINE =
// ReplacingMergeTree(_version, _is_deleted) on 23.2 and newer or
// ReplacingMergeTree(_version) before, ORDER BY the primary key. Every
// identifier is quoted with [QuoteIdent]. [Client.CreateTable] runs it (after
// CREATE DATABASE IF NOT EXISTS); [Client.SyncTable] also adds the columns a
// source table gained (ALTER TABLE ADD COLUMN). Tables without a primary key
// are refused ([ErrNoPrimaryKey]): nothing would collapse their versions.
//
// # Existing tables
//
// A table that exists keeps its column types, which need not be the ones
// the mapping would choose now: it was created by an older server (an
// 18.16 table has String where 21.6 maps DECIMAL(65,30) to Decimal(65, 30),
// and UInt64 where 21.12 maps BIT(1) to Bool), by hand, or with other
// [MappingOptions]. [Client.SyncTable], [Client.ReadTable] and the sink read
// the columns' types from system.columns and write and read each column in
// the type it has whenever that type can hold the source column's values:
//
//	source kind                      existing types it can be written to
//	integers, YEAR, BIT, TIME        any of Int8..Int64 and UInt8..UInt64 (TIME as microseconds), Bool (0 and 1)
//	FLOAT, DOUBLE                    Float32, Float64
//	DECIMAL(P,S)                     Decimal of any precision and scale
//	DATE, DATETIME, TIMESTAMP        DateTime, DateTime64 of any precision (DATE also Date)
//	text, ENUM, SET, JSON, binary    String, LowCardinality(String)
//	DECIMAL, dates, times, numbers   String, as the text the mapping to String writes
//	VECTOR                           Array(Float32)
//
// Nullable or not, either way. Each value is checked against the type it
// goes to, and one the type cannot hold exactly (a number outside a
// narrower integer type, a fraction of a second in a DateTime, a decimal
// with more digits than the column's, a NULL in a column that is not
// Nullable) is refused with a [ValueError] and [ErrUnrepresentable], naming
// the column, before its row is buffered. A column whose type cannot hold
// the source column at all (text in a DateTime, say) is a
// [TableMismatchError] ([ErrTableMismatch]) naming the table, the column,
// the existing type, the mapping's type and the fix: the ALTER TABLE ...
// MODIFY COLUMN to run, or, for a column of the ORDER BY key, which
// ClickHouse does not retype, dropping the table so that the sink creates
// it again (and snapshotting the source again). The sink finds this out
// when a table's first event (or first event after a schema change)
// arrives, before it accepts any row of the table, so nothing is buffered
// that could never be written. With [SinkConfig.ManualTables] a missing
// table or column is a TableMismatchError too, with the statement that
// would add it.
//
// # Versions and idempotence
//
// An insert or update is written as the row's new image, a delete as a row
// with _is_deleted = 1, each with the version [RowVersion] derives from the
// event's binlog position: file sequence number, position, snapshot flag and
// row index packed into 64 bits, so that later changes have larger versions
// and a snapshot row (which carries its chunk's high watermark) orders before
// the binlog changes at the same coordinates. The file sequence number is
// the event's [cdc.Source.BinlogSeq] when the source sets it, as the MySQL
// source does, and otherwise the number in the file's name. The two are the
// same until the source moves to another server (a failover to a replica):
// the replica numbers its files, and places its positions, on its own, so
// a later change there may sit in a lower-numbered file than an earlier one
// on the old server, and a version packed from the file's name would lose
// to the older row. BinlogSeq numbers the new server's files after the last
// one read on the old server, so versions keep increasing across the move. ReplacingMergeTree keeps the
// highest version of each key, so writing the same events twice, or batches
// out of order, leaves the same visible state. [Client.ReadTable] reads that
// state: SELECT ... FINAL with deleted rows filtered out (outside the FINAL
// subquery, so no server applies the filter before versions collapse),
// ordered by primary key and converted back to cdc's canonical values.
//
// # The sink
//
// [Sink] implements cdc.Sink. It buffers rows in blocks and streams them
// into INSERTs of up to [SinkConfig.MaxRows] rows, and ends the INSERT when
// [SinkConfig.FlushInterval] has passed and when the source calls Flush
// before storing an offset.
// Transient failures (network errors, overload and timeout codes; see
// [IsTransient]) are retried with exponential backoff. Flush returns nil
// only once every row is written; a refused insert returns an
// [InsertError] wrapping ClickHouse's *proto.Exception (its Code and
// Message) and keeps the rows for the next flush. Because the cdc source
// stores an offset only after Flush returns nil, a sink that fails, or a
// process that dies with rows buffered, loses nothing: the source resumes
// before them.
//
// Inserts run in the background, one at a time, and stream: HandleEvents
// hands each table's block of 4096 rows over as soon as it is full and
// goes on buffering, and the insert sends it at once, within an INSERT that
// stays open for the table's next blocks. So ClickHouse ingests while the
// source reads, and gets INSERTs of up to a million rows, which it writes
// as one part (each part is merged again in the background: with INSERTs
// of 77,000 rows the server spent three times the CPU per row of one
// INSERT of the same rows). The rows of an INSERT are kept until the
// server acknowledges it, for a retry: once a block is sent they wait in
// a spill file ([SinkConfig.SpillDir]; unlinked as soon as it is made,
// and emptied as each INSERT is acknowledged), and the block's memory is
// filled again. An INSERT that fails every attempt keeps its rows for the
// next one, and its error is returned by the next HandleEvents or Flush;
// Flush ends the INSERT in progress and then writes everything still
// buffered, so its nil still means every row handed over is written.
//
// Rows are buffered column by column: each column has one slice typed for
// its ClickHouse type (int32 for Int32, seconds for DateTime, ...), and a
// String column keeps its values' bytes one after the other in one slice,
// without a pointer per value for the garbage collector to scan. The types
// are chosen when the table's mapping is built, and each value is converted
// once, as its event arrives. An insert hands every slice of a block to its
// batch column (Decimal32 and Decimal64 ones in ClickHouse's native
// encoding, with no conversion per value), and the blocks are reused once
// written. So the sink holds about MaxBytes in memory at most (the rows
// not yet sent), plus clickhouse-go's encoded copy of the block being
// sent. BenchmarkSinkVsPipe and
// BenchmarkSnapshotToClickHouse measure the sink alone and behind the cdc
// source beside the plain mariadb | clickhouse-client pipe
// (scripts/bench-clickhouse.sh).
//
// Replaying is harmless: events delivered again (a restart from an older
// checkpoint, a second snapshot) carry the versions they had, so ClickHouse
// keeps showing the same rows. One case shows something transiently: a
// replay from a binlog position before the first snapshot re-creates rows
// that were deleted before the snapshot read them (ClickHouse never had
// them, so no delete marker hides them) until the replay reaches their
// delete; the end state is the same.
//
// # Schema changes
//
// A source that parses DDL, as package cdc/mysql does, delivers each
// statement as a [cdc.OpSchemaChange] event carrying its structured changes
// ([cdc.SchemaChange], each with the table's schema before and after). The
// sink first writes every buffered row, then handles the changes one by one
// under the behavior [SinkConfig.SchemaChanges] chooses for their kind:
// Flink CDC's schema.change.behavior, LENIENT unless set, per kind if need
// be ([cdc.SchemaChangePolicy]). What it runs, on 18.16 and on newer
// servers (T is the mapped type, V the change's row version):
//
//	change             EVOLVE and TRY_EVOLVE                          LENIENT                               IGNORE
//	create.table       CREATE TABLE IF NOT EXISTS                     as EVOLVE                             nothing (a row creates it)
//	add.column         ADD COLUMN c T [DEFAULT v] AFTER p;            ADD COLUMN c Nullable(T) ...          none; c is not written
//	                   FIRST from 20.7, added last before
//	drop.column        DROP COLUMN c                                  MODIFY COLUMN c Nullable(T): kept     none; c keeps its default
//	alter.column.type  MODIFY COLUMN c T2 if T2 holds every old       MODIFY if T2 widens T, else keeps T   none; keeps T
//	                   value; else EVOLVE stops, TRY_EVOLVE keeps T
//	rename.column      20.4+: RENAME COLUMN a TO b; 18.16: ADD        MODIFY a Nullable, ADD COLUMN b       none; b is written to a
//	                   COLUMN b AFTER a, UPDATE b = a, DROP COLUMN a  Nullable(T) AFTER a
//	rename.table       RENAME TABLE a TO b                            as EVOLVE                             none; b is written to a
//	drop.table         DROP TABLE IF EXISTS                           nothing                               nothing
//	truncate.table     TRUNCATE TABLE, or DELETE WHERE _version < V   nothing                               nothing
//
// A source that does not deliver schema changes (cdc/mysql without
// IncludeSchemaChanges) leaves the sink only the schemas of the rows: it
// then adds the columns a table gained, as SyncTable does, and changes
// nothing else.
//
// EXCEPTION stops at the first change of its kind with a
// *[cdc.SchemaChangeError] naming the change and the statement; so does
// EVOLVE at a change the table cannot take (a narrower type, a column of
// the ORDER BY key, which ClickHouse neither drops, renames nor retypes, a
// type with no mapping, a statement the server refuses). TRY_EVOLVE keeps
// the table as it is instead and goes on, as IGNORE would for that change.
// A literal default of an added column becomes the ClickHouse DEFAULT, so
// that the rows from before the change read MySQL's default, as they do in
// MySQL; an expression default (CURRENT_TIMESTAMP) cannot be known and
// leaves the type's zero value. A position change alone (MODIFY ... FIRST)
// runs nothing: inserts and reads name their columns, so the order does not
// matter (and 18.16 cannot change it).
//
// Where the table keeps its schema, rows are written into the columns it
// has: a column it lacks is left out of the insert (and takes its default,
// NULL for the Nullable columns LENIENT leaves), a renamed column's values
// go to the old column, a retyped column's values are converted to the
// kept type and each checked, as under Existing tables above (a type that cannot
// hold them at all leaves the column unwritten, which the log says).
//
// Every change is idempotent on replay, as rows are. A source resumes from
// its last checkpoint, so after a crash the same DDL event, and the rows
// before it, arrive again when ClickHouse has changed already. The sink
// keeps, for each source table, the row version of the last change it
// handled and how the table's columns map, in the table [StateTable] of
// the ClickHouse database (one row per change). A change at or before it
// is skipped, and so is every row of the table with a lower version: the
// sink applies a change only after writing every row before it, so such a
// row is a replay. This is the truncate's fence: replayed rows from before
// a TRUNCATE stay out, rows after it go in, and rows of a dropped or
// renamed table do not bring the old table back. A change that runs
// several statements (the rename on 18.16) reads the table again when it
// is repeated and runs only what is left; the state is stored after the
// last. TRUNCATE removes the rows below the change's version: a TRUNCATE
// TABLE when the table has none after it, else an ALTER TABLE ... DELETE
// (a snapshot chunk read after the truncate keeps its rows), which the
// sink waits for, as for the UPDATE of a rename.
//
// The state belongs to the capture: a capture started over from a server
// whose binlog was reset (RESET MASTER, a new server) has lower versions
// than the fences, so start it with new tables, or drop the database's
// StateTable with them.
//
// # Deadlines
//
// HandleEvents, Flush and Close return by the end of their ctx. An insert
// runs for as long as ClickHouse takes, so a caller may have to wait for
// one (Flush and Close always, HandleEvents when its batch is full while
// the previous insert runs, or when it prepares a table); they wait with
// their ctx and, when it ends first, return its error
// (errors.Is(err, context.DeadlineExceeded)). HandleEvents has then
// buffered none of its events, or, when it was at a full batch or a table
// preparation, those before the event it was at (the source delivers them
// again; their versions make that harmless). The insert left behind is
// cancelled and, even where clickhouse-go would not stop at once (it dials
// and handshakes on DialTimeout), ends on its own, counting its rows as
// written or keeping them buffered for the next flush; OnFlush reports it
// either way. When Close's ctx ends before the final flush is done, the
// rows stay buffered (the source has stored no offset past them) and a
// second Close tries again; HandleEvents and Flush return [ErrClosed] from
// the first Close on.
//
// # Logs and metrics
//
// [SinkConfig.Logger] receives the sink's logs: each table it prepares
// (Info), each retried attempt (Warn), each batch insert (Debug) and each
// insert that failed every attempt (Error); without one, nothing is logged.
// [SinkConfig.OnFlush] reports every batch insert, and [Sink.Stats] the
// running totals of rows, bytes, flushes, retries, failures and buffered
// rows, without waiting for a flush in progress. Package clickhouse/chprom
// exposes the totals as Prometheus metrics (rtdw_clickhouse_sink_*), in a
// package of its own so that importing clickhouse does not import the
// Prometheus client.
package clickhouse
