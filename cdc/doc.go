// Package cdc is the change model every source and sink of rtdw shares:
// change events, tables and their column types, canonical row values, the
// sink contract, and checkpoints with the stores that keep them. It imports
// no database driver and none of rtdw's other packages; the MySQL and
// MariaDB source is package cdc/mysql, the Debezium JSON encoder package
// cdc/debezium, and sinks such as package clickhouse depend on this
// package only.
//
// # Events
//
// Every captured change is an [Event]: an [Op] (r, c, u, d as in Debezium, or
// [OpSchemaChange] for DDL), the [TableID], the table's [TableSchema], the row
// images [Event.Before] and [Event.After], and a [Source] block that locates
// the change in the server's history, field for field the source block of
// Debezium's MySQL connector. Its [SnapshotMarker] tells snapshot rows from
// binlog changes, and its coordinates order them, so that a sink can make
// replays idempotent. A source may set [Event.Encoded] with a
// [Deserializer], such as cdc/debezium's JSON encoder; a Deserializer whose
// own settings can be wrong implements [ConfigValidator], so that the
// source's configuration check reports them before any I/O.
//
// # Tables and types
//
// A [TableSchema] lists a table's columns in ordinal order and its primary
// key. Each [Column] has a [ColumnType]: its [Kind] (the MySQL type without
// parameters) and the parameters, parsed from the COLUMN_TYPE text
// information_schema reports by [ParseColumnType], which fails with
// [ErrUnsupportedType] for a type rtdw has no canonical value for.
//
// # Sinks
//
// Events reach a [Sink] in batches: a [Handler] that also says, by Flush,
// when what it was handed is durable. A source stores a checkpoint only
// after Flush returned, and the guarantee is in the type: a [HandlerFunc]
// is not a Sink until [Unbuffered] declares that it keeps nothing back, and
// the wrappers [Filter] and [Map] pass Flush on to the sink they wrap, so
// filtering deletes out of a batching sink, say, cannot store a checkpoint
// ahead of its buffered rows. A source returns what its sink failed with as
// a [*HandlerError].
//
// # Schema changes
//
// A DDL statement a source parsed reaches sinks as an [OpSchemaChange]
// event whose [Event.Changes] lists what it did, in order: one
// [SchemaChange] per table and column, with the table's schema before and
// after. What a sink does with each is its [SchemaChangePolicy]: one
// [SchemaChangeBehavior] for every kind, overridable per kind, with the
// names and meanings of Flink CDC's schema.change.behavior:
//
//	kind               EVOLVE / TRY_EVOLVE     LENIENT (default)                       IGNORE        EXCEPTION
//	create.table       create                  create                                  nothing       stop
//	add.column         add                     add, nullable                           nothing       stop
//	drop.column        drop                    keep, nullable (new rows write NULL)    nothing       stop
//	alter.column.type  change                  change when it widens, else keep        nothing       stop
//	rename.column      rename                  keep, nullable; add the new, nullable   nothing       stop
//	rename.table       rename                  rename                                  nothing       stop
//	drop.table         drop                    nothing                                 nothing       stop
//	truncate.table     truncate                nothing                                 nothing       stop
//
// A change the sink cannot make stops EVOLVE with a [*SchemaChangeError];
// TRY_EVOLVE then keeps the sink's table as it was and goes on. Whatever a
// sink's table kept, rows are written into the columns it has. Package
// clickhouse's documentation lists the statements its sink runs for each;
// package cdc/mysql's lists the MySQL and MariaDB statements that make
// each kind, and how its schema history keeps rows decoded with the schema
// they were written with.
//
// # Checkpoints and stores
//
// A [Checkpoint] is what a source stores to resume: an envelope holding the
// envelope's format ([CheckpointVersion]), the name of the source that
// wrote it, its kind (such as "mysql") and the source's own state, whose
// format only that source knows and versions. An [OffsetStore] keeps one
// source's checkpoint without looking inside it: [MemoryOffsetStore]
// resumes within one process, [NewFileOffsetStore] replaces a JSON file
// atomically and resumes across processes, and any database or object
// store can implement the two methods. A store that holds something that is
// not a checkpoint says so with [ErrInvalidCheckpoint]; a source refuses,
// with the same error, a checkpoint of another source, another kind or an
// unknown version. Package cdc/mysql's InspectCheckpoint reads a MySQL
// source's state for tools and tests.
//
// # Values
//
// A [Row] holds one canonical Go value per column. The type depends only on
// the column's [Kind], never on whether a source read the row by a snapshot
// or from a log, nor on the server's flavour:
//
//	Kind                                   Go value
//	TINYINT SMALLINT MEDIUMINT INT BIGINT  int64; uint64 when UNSIGNED (up to 18446744073709551615)
//	DECIMAL                                decimal.Decimal (github.com/shopspring/decimal), exact to 65 digits
//	FLOAT, DOUBLE                          float32, float64
//	BIT(n)                                 uint64, the bits as an unsigned number
//	YEAR                                   int64
//	DATE                                   time.Time, midnight UTC
//	DATETIME(fsp)                          time.Time in UTC holding the wall clock (DATETIME has no zone)
//	TIMESTAMP(fsp)                         time.Time in UTC, the instant
//	zero dates ('0000-00-00', '2020-00-01') ZeroTime, the server's text
//	TIME(fsp)                              time.Duration, negative allowed
//	CHAR VARCHAR *TEXT                     string (utf8mb4 text as UTF-8)
//	ENUM                                   string, the member's name
//	SET                                    string, the members joined by commas in declaration order
//	BINARY VARBINARY *BLOB                 []byte (BINARY(n) padded to n bytes as SELECT returns it)
//	GEOMETRY and the spatial kinds         []byte, MySQL's internal format (SRID then WKB)
//	JSON                                   JSON: MySQL's as compact JSON text (CanonicalJSON), MariaDB's as the text it stores
//	VECTOR                                 []float32
//	NULL                                   nil
package cdc
