// Package phoenix keeps the dimension (DIM) tables of the real-time
// warehouse in Apache Phoenix and reads them back: a [Client] of a Phoenix
// Query Server (PQS) over calcite-avatica-go's database/sql driver, the type
// mapping and DDL from cdc's table schemas, a [Sink] that writes cdc change
// events, and a [Lookup] that enriches a stream with DIM rows through a
// cache. Package phoenix/hbase reaches the same tables in HBase directly,
// through gohbase; package phoenix/avaticatest is an in-process PQS for
// tests.
//
// # Connecting
//
// [Open] takes a [Config] (start from [DefaultConfig]): the PQS URL,
// BASIC or DIGEST authentication (SPNEGO through a Kerberos HTTP client from
// avatica-go's WithKerberosAuth), a request timeout that bounds each HTTP
// call so that an unreachable server fails instead of hanging, and the
// namespace mapping properties. PQS speaks protobuf (its default
// serialization; avatica-go speaks nothing else). Phoenix refuses a client
// whose phoenix.schema.isNamespaceMappingEnabled or
// phoenix.schema.mapSystemTablesToNamespace differ from the server's
// (ERROR 726), so [Config.NamespaceMapping] and
// [Config.MapSystemTablesToNamespace] must match the cluster; the client
// sends them when it opens each connection. Open does no I/O;
// [Client.Ping] connects.
//
// # Names
//
// Every identifier rtdw writes is quoted the Phoenix way, in double quotes
// ([QuoteIdentifier]): unquoted, Phoenix upper-cases a name (user_info
// becomes USER_INFO) and refuses reserved words such as order. A table name
// is also an HBase table name, so [CheckTableName] allows only letters,
// digits, '_', '-' and '.'. With namespace mapping a schema is an HBase
// namespace ([Client.CreateSchema]; the table is SCHEMA:TABLE in HBase,
// [TableRef.HBaseName]); without it, Phoenix refuses CREATE SCHEMA and a
// table SCHEMA.TABLE is the HBase table "SCHEMA.TABLE".
//
// # Types
//
// [LayoutTyped] gives each cdc column kind the Phoenix type below, and
// binds the canonical value (see package cdc) as shown. Phoenix's UNSIGNED_*
// types hold only the non-negative half of the signed range, so an unsigned
// MySQL column takes the next wider signed type.
//
//	cdc kind                      Phoenix type       value bound
//	TINYINT                       TINYINT            int64
//	TINYINT UNSIGNED, SMALLINT    SMALLINT           int64
//	SMALLINT UNSIGNED, MEDIUMINT  INTEGER            int64
//	INT                           INTEGER            int64
//	INT UNSIGNED, BIGINT          BIGINT             int64
//	BIGINT UNSIGNED               DECIMAL(20,0)      decimal text
//	DECIMAL(p,s), p <= 38         DECIMAL(p,s)       decimal text
//	DECIMAL(p,s), p > 38          cannot be mapped   (use LayoutAllVarchar)
//	FLOAT, DOUBLE                 FLOAT, DOUBLE      float64
//	BIT(n), n < 64                BIGINT             int64
//	BIT(64)                       DECIMAL(20,0)      decimal text
//	YEAR                          SMALLINT           int64
//	DATE                          DATE               time.Time (days)
//	DATETIME(fsp), TIMESTAMP      TIMESTAMP          time.Time, UTC, in milliseconds (avatica-go's precision)
//	zero dates (cdc.ZeroTime)     NULL
//	TIME(fsp)                     BIGINT             microseconds, signed (Debezium's MicroTime)
//	CHAR, VARCHAR, *TEXT          VARCHAR            string (Phoenix's CHAR holds single-byte characters only)
//	ENUM, SET, JSON               VARCHAR            string
//	BINARY(n)                     BINARY(n)          []byte
//	VARBINARY, *BLOB, GEOMETRY    VARBINARY          []byte (only as the last key column)
//	VECTOR                        cannot be mapped   (avatica-go binds no arrays; use LayoutAllVarchar)
//
// [LayoutAllVarchar], the layout of many DIM tables, makes every column
// VARCHAR and writes values as text: integers and decimals in base 10,
// floats in the shortest form that reads back the same, DATE as
// 2006-01-02, DATETIME and TIMESTAMP as 2006-01-02 15:04:05 with the
// column's fractional digits (UTC), TIME as [-]hh:mm:ss[.ffffff], bytes as
// lower-case hex, a VECTOR as [1,2.5], zero dates as MySQL's text. A type
// that cannot be mapped fails with an [*UnmappableTypeError] naming the
// table, the column and the fix, before any I/O.
//
// # DDL
//
// [CreateTableSQL] writes CREATE TABLE IF NOT EXISTS from a cdc table
// schema and [TableOptions]: the columns in the source's order, the primary
// key as CONSTRAINT "pk" PRIMARY KEY (its columns NOT NULL), the non-key
// columns in [TableOptions.ColumnFamily] as "family"."column", and
// SALT_BUCKETS, COMPRESSION, TTL, VERSIONS, IMMUTABLE_ROWS,
// UPDATE_CACHE_FREQUENCY and any other option in Properties. A table
// without a primary key cannot be a Phoenix table (the key is the HBase row
// key) and is refused.
//
// # The sink
//
// A [Sink] implements [cdc.Sink]. It buffers the latest change of each key
// and writes each batch as one Phoenix transaction (autocommit off, one
// prepared UPSERT or DELETE per table with every value bound, a bound
// execution per row, COMMIT), so that Flush, which a source calls before it
// stores a checkpoint, returns only when the batch is committed. A batch
// that fails half-way is rolled back and stays buffered; nothing of it is
// counted as written, and the next Flush tries it whole. UPSERT and DELETE
// by key are idempotent, so the replay after a crash converges. Tables are
// created from the event schemas unless [SinkConfig.ManualTables]. With
// [Config.Batching] (DefaultConfig's) the rows of each statement travel in
// one ExecuteBatchRequest, one round trip per table and batch instead of
// one per row: BenchmarkSinkBatch measures about three times the rows per
// second of per-row executes against the in-process PQS, whose answers take
// microseconds; a real PQS, farther away, gains more. The MySQL source
// flushes at each checkpoint (mysql.Config.OffsetCommitInterval, 1s by
// default), so a DIM row reaches Phoenix within about a second.
//
// # Schema changes
//
// [SinkConfig.SchemaChanges] is Flink CDC's schema.change.behavior, per
// kind of change ([cdc.SchemaChangePolicy]); rows buffered before a change
// are committed before it is applied. What Phoenix can do decides the rest:
//
//	change             IGNORE    LENIENT (default)        TRY_EVOLVE / EVOLVE
//	create.table       -         CREATE TABLE IF NOT EXISTS
//	add.column         -         ALTER TABLE ... ADD IF NOT EXISTS "family"."column" type
//	drop.column        -         kept (new rows NULL)     ALTER TABLE ... DROP COLUMN IF EXISTS
//	rename.column      -         the new name added       added (TRY_EVOLVE); refused (EVOLVE): Phoenix cannot rename
//	alter.column.type  -         kept, unless the Phoenix type is the same; EVOLVE refuses: Phoenix cannot change a type
//	rename.table       -         rows of the new name go to a new table; EVOLVE refuses
//	drop.table         -         kept                     DROP TABLE IF EXISTS
//	truncate.table     -         kept                     DELETE FROM the table (Phoenix has no TRUNCATE)
//
// EXCEPTION refuses every change, and a refusal is a *[cdc.SchemaChangeError].
// A change left unapplied never breaks the writes: the sink writes only the
// columns the Phoenix table has. In the all-VARCHAR layout every type
// change is a no-op, which is why DIM tables use it.
//
// # DIM lookups
//
// A [Lookup] reads a DIM row by key through a bounded LRU cache with an
// optional TTL. A sink given the lookup in [SinkConfig.Lookups] invalidates
// each key it commits, after the commit; a Lookup is itself a [cdc.Sink]
// that invalidates the keys of the change events it sees, for tables another
// process writes. [Lookup.Stats] reports the hit rate and the mean load
// time, and [LookupConfig.OnLookup] sees every Get with its latency;
// package phoenix/phoenixprom makes Prometheus metrics of both.
// BenchmarkLookup measures a cached Get at well under a microsecond against
// a few hundred microseconds for the query of a miss through avatica-go
// and the in-process PQS, in the same run.
//
// # Errors
//
// A Phoenix error reaches the caller as an [*Error] with Phoenix's code,
// SQL state and message ("ERROR 1012 (42M03): Table undefined.
// tableName=..."), the statement sent (its values are never in it) and what
// rtdw was doing; [IsCode] matches a code. PQS sends Avatica's "unknown"
// code -1 and state 00000 with the Phoenix exception's text as the message;
// the code and state are read from that text, as avatica-go's Phoenix
// adapter does. Configuration errors are one [*ConfigError] listing every
// problem, matching [ErrInvalidConfig]; passwords never appear in errors or
// in a printed [Config].
//
// # What is verified, and against what
//
// No PQS or HBase runs where rtdw is tested. The client, the sink and the
// lookup run end to end through the real avatica-go driver against
// phoenix/avaticatest, an in-process Avatica endpoint that answers as PQS
// does (protobuf over HTTP POST, Phoenix's errors as PQS sends them) and
// fails the test for a value not bound, a write outside a transaction, a
// statement it does not know. It verifies the protocol and rtdw's SQL, not
// Phoenix's dialect: that Phoenix accepts each statement is checked only by
// the opt-in tests against a real PQS named in RTDW_TEST_PHOENIX (for
// example http://pqs:8765; with RTDW_TEST_PHOENIX_NAMESPACE_MAPPING=true
// when the cluster maps namespaces).
package phoenix
