// Package cdc captures changes from MySQL and MariaDB: a snapshot of the
// chosen tables followed by their binlog, as Flink CDC's MySqlSource does, in
// a Go process and without a JVM.
//
// # Events
//
// Every captured change is an [Event]: an [Op] (r, c, u, d as in Debezium, or
// [OpSchemaChange] for DDL), the [TableID], the table's [TableSchema], the row
// images [Event.Before] and [Event.After], and a [Source] block that locates
// the change in the server's history. Events reach a [Handler] in batches; a
// handler that buffers (a sink) also implements [Flusher], and offsets are
// stored only after it has flushed.
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
//	JSON                                   JSON, compact JSON text
//	VECTOR                                 []float32
//	NULL                                   nil
package cdc
