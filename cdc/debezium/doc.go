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
// with fields in that order, and with [IncludeSchema] wrapped as Kafka's
// JSON converter does with schemas.enable: {"schema":…,"payload":…}, the
// schema naming each logical type (io.debezium.time.MicroTimestamp,
// org.apache.kafka.connect.data.Decimal with its scale and
// connect.decimal.precision, …). A schema change event ([cdc.OpSchemaChange])
// is written as Debezium's schema change record value: source,
// databaseName, schemaName, ddl and tableChanges.
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
//	TIMESTAMP                         ISO-8601 string in UTC (io.debezium.time.ZonedTimestamp)
//	YEAR                              int32 (io.debezium.time.Year)
//	CHAR, VARCHAR, TEXT               string
//	BINARY, VARBINARY, BLOB           by binary.handling.mode: bytes (base64), base64, base64-url-safe, hex
//	ENUM, SET                         string (io.debezium.data.Enum, EnumSet, with the allowed members)
//	JSON                              string (io.debezium.data.Json)
//	GEOMETRY, POINT                   {"wkb","srid"} (Geometry); {"x","y","wkb","srid"} (Point)
//	VECTOR                            array of float32 (io.debezium.data.FloatVector)
//	zero dates                        null, or the epoch when the column is NOT NULL
//
// Without options the encoder writes what Flink CDC 3 (which embeds Debezium
// 1.9.7) writes; [Version] with a 2.x version switches to Debezium 2's
// envelope and transaction schema names.
//
// Differences from Debezium that remain: the schema carries no column
// defaults, the schema change record's column details (autoIncremented,
// generated, comment) are not known to rtdw and written as false or null,
// and TINYINT(1) is an int16 as in Debezium without its boolean converter.
package debezium
