// Package debezium encodes [cdc.Event] values as the JSON that Debezium's
// MySQL connector writes, so that a consumer of Debezium or Flink CDC output
// can read rtdw's events unchanged. [JSON] returns the encoder, the
// counterpart of Flink CDC's JsonDebeziumDeserializationSchema; pass it to a
// source as its [cdc.Deserializer] and every event carries its JSON in
// [cdc.Event.Encoded].
//
// # Envelope
//
// A row change is written as Debezium's change event value:
//
//	{"before":{…},"after":{…},
//	 "source":{"version":"1.9.7.Final","connector":"mysql","name":"mysql_binlog_source",
//	           "ts_ms":…,"snapshot":"false","db":…,"sequence":null,"table":…,"server_id":…,
//	           "gtid":…,"file":…,"pos":…,"row":…,"thread":…,"query":…},
//	 "op":"c","ts_ms":…,"transaction":null}
//
// with fields in that order (Debezium 2.6 adds ts_us and ts_ns, 2.7 moves
// transaction before op: see [Version]), and with [IncludeSchema] wrapped
// as Kafka's JSON converter does with schemas.enable:
// {"schema":…,"payload":…}, the schema naming each logical type
// (io.debezium.time.MicroTimestamp, org.apache.kafka.connect.data.Decimal
// with its scale and connect.decimal.precision, …). A schema change event
// ([cdc.OpSchemaChange]) is written as Debezium's schema change record
// value: source, databaseName, schemaName, ddl and tableChanges. The
// event's structured changes ([cdc.Event.Changes]) give one tableChanges
// entry per table the statement left changed, with the table's columns as
// the statement left them: CREATE for a created table, DROP (with the table
// as it was) for a dropped one, ALTER for the others, a renamed table an
// ALTER under its new name as Debezium records a rename; TRUNCATE has no
// entry. An event without Changes gets one entry from its Schema.
//
// source.name is the name of the source that captured the event
// ([github.com/rtdw/rtdw/cdc/mysql.Config.Name], carried in [cdc.Source.Name]), as
// Debezium writes its topic.prefix; [ServerName] overrides it. source.query
// is null unless [IncludeQuery] is on, as Debezium's include.query.
//
// # Options
//
// Each option sets a field of [Config] and matches a Debezium connector
// property:
//
//	Option                       Debezium                         Default
//	IncludeSchema                JsonConverter schemas.enable     false
//	ServerName                   topic.prefix (source.name)       the event's source name, else mysql_binlog_source
//	Version                      the connector's release          1.9.7.Final (Flink CDC 3's); 1.9.x and 2.0-2.7 accepted
//	IncludeQuery                 include.query                    false (source.query null)
//	WithDecimalHandling          decimal.handling.mode            DecimalPrecise
//	WithTimePrecision            time.precision.mode              TimeAdaptiveMicroseconds
//	WithBigIntUnsignedHandling   bigint.unsigned.handling.mode    BigIntUnsignedLong
//	WithBinaryHandling           binary.handling.mode             BinaryBytes
//
// A bad option (an unknown mode, a version the encoder does not write) is
// reported by [Encoder.Validate], which a source's Build calls through
// [cdc.ConfigValidator], so the source fails before any I/O; AppendEvent
// returns the same error.
//
// # Values
//
// Column values follow Debezium's MySQL type mapping and its handling modes,
// set by options ([Config] has the defaults):
//
//	TINYINT, SMALLINT                 int16 (SMALLINT UNSIGNED int32)
//	MEDIUMINT, INT                    int32 (INT UNSIGNED int64)
//	BIGINT                            int64; UNSIGNED by bigint.unsigned.handling.mode: long (wraps) or precise (Decimal)
//	DECIMAL                           by decimal.handling.mode: precise (base64 of the unscaled two's-complement
//	                                  big-endian bytes), double, or string
//	FLOAT, DOUBLE                     float32 / float64, printed as Java prints them (1.0, 1.0E-5)
//	BIT(1), BIT(n>1)                  boolean; bytes, little-endian, io.debezium.data.Bits
//	DATE                              days since the epoch (io.debezium.time.Date)
//	TIME                              µs (MicroTime); adaptive: ms (Time) up to TIME(3); connect: ms
//	DATETIME(0-3), DATETIME(4-6)      epoch ms (Timestamp), epoch µs (MicroTimestamp); connect: ms
//	TIMESTAMP                         ISO-8601 string in UTC (io.debezium.time.ZonedTimestamp); from 2.1.2
//	                                  with exactly the column's fractional digits
//	YEAR                              int32 (io.debezium.time.Year)
//	CHAR, VARCHAR, TEXT               string
//	BINARY, VARBINARY, BLOB           by binary.handling.mode: bytes (base64), base64, base64-url-safe, hex
//	ENUM, SET                         string (io.debezium.data.Enum, EnumSet, with the allowed members)
//	JSON                              string (io.debezium.data.Json): MySQL's as compact text, MariaDB's as stored
//	GEOMETRY, POINT                   {"wkb","srid"} (Geometry); {"x","y","wkb","srid"} (Point)
//	VECTOR                            array of float32 (io.debezium.data.FloatVector)
//	zero dates                        null, or the epoch when the column is NOT NULL
//
// Without options the encoder writes what Flink CDC 3 (which embeds Debezium
// 1.9.7) writes; [Version] with a 2.x version writes that release's shape.
//
// Differences from Debezium that remain: the schema carries no column
// defaults, the schema change record's column details (autoIncremented,
// generated, comment) are not known to rtdw and written as false or null
// (defaultValueExpression is the column's default when the source parsed
// it from DDL, else null), TINYINT(1) is an int16 as in Debezium without
// its boolean converter, ts_us and ts_ns are ts_ms in finer units (rtdw
// keeps milliseconds), and the snapshot marks only the first and last rows
// of the whole snapshot, never Debezium 2's first_in_data_collection and
// last_in_data_collection.
package debezium
