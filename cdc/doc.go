// Package cdc captures changes from MySQL and MariaDB: a snapshot of the
// chosen tables followed by their binlog, as Flink CDC's MySqlSource does, in
// a Go process and without a JVM.
//
// # A source
//
// [NewMySQLSource] starts a [MySQLSourceBuilder] with the options of Flink
// CDC's MySqlSourceBuilder; [MySQLSourceConfig] holds the same options as a
// plain struct for [NewMySQLSourceFromConfig], and the builder is a thin
// layer over it, one setter per field. [MySQLSourceBuilder.Build] does no
// I/O and returns one [*ConfigError] naming every bad option, and
// [MySQLSource.Config] reports the configuration in effect, defaults
// included:
//
//	src, err := cdc.NewMySQLSource().
//		Hostname("127.0.0.1").Port(3306).Username("cdc").Password(pw).
//		DatabaseList("gmall_config").TableList(`gmall_config\.t_user`).
//		StartupOptions(cdc.Initial()).
//		Deserializer(debezium.JSON()). // optional: Debezium JSON in Event.Encoded
//		OffsetStore(cdc.NewFileOffsetStore("t_user.offset.json")).
//		Build()
//	err = src.Run(ctx, handler)
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
// new [MemoryOffsetStore]). A negative number is never valid. Each timeout
// bounds one thing: ConnectTimeout one connection attempt,
// MaxReconnectDuration the re-establishing of a lost binlog connection,
// ShutdownTimeout the work after ctx ends.
//
// # Running
//
// [MySQLSource.Run] captures until ctx ends or until an error it cannot
// recover from. When ctx ends, whatever Run was doing (connecting, checking
// the server, loading the checkpoint or the schemas, the snapshot, the
// binlog), it is a normal stop: Run flushes the handler, stores a final
// checkpoint when anything was delivered since the last one, and returns
// nil. Errors are each a [*SourceError] saying what is wrong and how to fix
// it, matching a sentinel such as [ErrBinlogPurged], [ErrMissingPrivilege]
// or [ErrInvalidCheckpoint] with errors.Is. A lost binlog connection is
// re-established for up to MaxReconnectDuration. The server's flavour
// (Oracle MySQL or MariaDB, whose GTIDs differ) is detected when Run starts.
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
// The snapshot splits each table into chunks by its primary key (or the
// ChunkKeyColumn), reads SnapshotParallelism chunks at once without locking
// tables, and makes each chunk consistent with the binlog by the low and
// high watermarks Flink CDC uses, so nothing is lost or repeated where the
// snapshot meets the stream.
//
// # Offsets and stores
//
// An [Offset] is a binlog position (file and position, and the GTID set) in
// the server's history; offsets are ordered, and print and parse as text
// ([ParseOffset]). A source saves a [Checkpoint] (its offset, and the
// snapshot's chunks while they matter) in its [OffsetStore] only at
// transaction boundaries, and only after its [Sink] has flushed every event
// before it. Run resumes from a stored checkpoint, so a restart
// loses nothing and repeats nothing beyond the last transaction. The default
// [MemoryOffsetStore] resumes within one process; [NewFileOffsetStore]
// replaces a JSON file atomically and resumes across processes; any
// database or object store can implement the two methods of the interface.
// A checkpoint records its format ([CheckpointVersion]) and the Name of the
// source that wrote it; Run refuses, with [ErrInvalidCheckpoint], one that
// is corrupt, another source's, in an unknown format or from a server of
// the other flavour, and leaves it in place: give each source its own
// store, or delete the checkpoint to start over.
//
// # Schema changes
//
// Each event carries its table's [TableSchema], loaded from
// information_schema ([LoadTableSchemas]). A DDL statement on a captured
// table in the binlog reloads the schema, once the statement has committed;
// with IncludeSchemaChanges it is also delivered as an [OpSchemaChange]
// event. Every binlog row is checked against the schema before it is
// decoded; a row that never fits (the table changed again while the source
// was behind) stops Run with [ErrSchemaMismatch].
//
// # Reading a table
//
// [ReadTable] reads a whole table as the canonical rows a snapshot would
// emit now, to compare a sink's contents with the source in tests and
// consistency checks. Programs that read rows themselves can use the two
// decoders the source uses: [DecodeText] for rows read with SELECT (after
// [SelectExpression]), [DecodeBinlog] for rows go-mysql decoded from the
// binlog (after [ConfigureBinlogSyncer]).
//
// # Metrics and progress
//
// [MySQLSource.Progress] returns the source's [Progress]: its [Phase], the
// snapshot's tables, chunks and rows (with the server's estimate of the
// rows, for a progress bar), the binlog events delivered, the lag behind the
// clock and the reconnects. [MySQLSourceBuilder.Progress] sets a function
// called as it advances (the example programs drive a progress bar with it), and [NewSourceCollector] exports the same figures as Prometheus
// metrics (rtdw_cdc_source_*), labelled by the source's Name.
//
// # Programs
//
// examples/flinkcdc-ds is the FlinkCDC_01_DS DataStream job in Go: it
// prints the changes of one table as Debezium JSON lines, keeps its offset
// in a file, and on a second run prints only what changed while it was
// stopped. examples/mysql-to-clickhouse keeps ClickHouse tables in sync with
// a source.
//
// # Events
//
// Every captured change is an [Event]: an [Op] (r, c, u, d as in Debezium, or
// [OpSchemaChange] for DDL), the [TableID], the table's [TableSchema], the row
// images [Event.Before] and [Event.After], and a [Source] block that locates
// the change in the server's history. Events reach a [Sink] in batches, and
// checkpoints are stored only after its Flush returned. The guarantee is in
// the type: a [HandlerFunc] is not a Sink until [Unbuffered] declares that it
// keeps nothing back, and the wrappers [Filter] and [Map] pass Flush on to
// the sink they wrap, so filtering deletes out of a batching sink, say,
// cannot store a checkpoint ahead of its buffered rows. Before a snapshot
// chunk's rows are handed over, the source stores the high watermark they
// are consistent with ([Chunk.DeliveredFrom]), so that a crash before the
// chunk is checkpointed can never leave a row the server deleted since in
// the sink: the next run reads the chunk again and delivers those deletes.
//
// # Values
//
// A [Row] holds one canonical Go value per column. The type depends only on
// the column's [Kind], never on whether the row was read by the snapshot or
// decoded from the binlog, nor on the server's flavour:
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
//	JSON                                   JSON: MySQL's as compact JSON text, MariaDB's as the text it stores
//	VECTOR                                 []float32
//	NULL                                   nil
package cdc
