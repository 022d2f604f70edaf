package debezium

import (
	"github.com/rtdw/rtdw/internal/problems"
)

// DecimalHandling is Debezium's decimal.handling.mode: how DECIMAL columns
// are written.
type DecimalHandling int

// The decimal handling modes.
const (
	// DecimalPrecise writes org.apache.kafka.connect.data.Decimal: the
	// unscaled value as big-endian two's-complement bytes, base64 in JSON,
	// with the scale in the schema. Exact; Debezium's default.
	DecimalPrecise DecimalHandling = iota
	// DecimalDouble writes a JSON number (a double): convenient, inexact.
	DecimalDouble
	// DecimalString writes the value as a string in plain notation, with
	// the column's scale ("12.50").
	DecimalString
)

// TimePrecision is Debezium's time.precision.mode.
type TimePrecision int

// The time precision modes. TIMESTAMP is always an ISO-8601 string in UTC
// (io.debezium.time.ZonedTimestamp), whatever the mode.
const (
	// TimeAdaptiveMicroseconds is Debezium's default for MySQL: DATE as days
	// (io.debezium.time.Date), TIME as microseconds (MicroTime), DATETIME
	// with 0-3 fractional digits as milliseconds (Timestamp) and with 4-6 as
	// microseconds (MicroTimestamp).
	TimeAdaptiveMicroseconds TimePrecision = iota
	// TimeAdaptive is as TimeAdaptiveMicroseconds, except that TIME with 0-3
	// fractional digits is milliseconds (io.debezium.time.Time).
	TimeAdaptive
	// TimeConnect uses Kafka Connect's logical types: Date (days), Time
	// (milliseconds) and Timestamp (milliseconds); microseconds are lost.
	TimeConnect
)

// BigIntUnsignedHandling is Debezium's bigint.unsigned.handling.mode.
type BigIntUnsignedHandling int

// The BIGINT UNSIGNED handling modes.
const (
	// BigIntUnsignedLong writes BIGINT UNSIGNED as an int64, as Debezium does
	// by default: values above 9223372036854775807 wrap to negative numbers.
	BigIntUnsignedLong BigIntUnsignedHandling = iota
	// BigIntUnsignedPrecise writes it as org.apache.kafka.connect.data.Decimal
	// with scale 0, exact over the whole range.
	BigIntUnsignedPrecise
)

// BinaryHandling is Debezium's binary.handling.mode for BINARY, VARBINARY
// and BLOB columns.
type BinaryHandling int

// The binary handling modes.
const (
	// BinaryBytes writes a bytes field; Kafka's JSON converter, and so this
	// package, writes bytes as standard base64. Debezium's default.
	BinaryBytes BinaryHandling = iota
	// BinaryBase64 writes a string field holding standard base64.
	BinaryBase64
	// BinaryBase64URLSafe writes a string field holding URL-safe base64.
	BinaryBase64URLSafe
	// BinaryHex writes a string field holding lower-case hexadecimal.
	BinaryHex
)

// Defaults, as Flink CDC's MySqlSource writes them.
const (
	// DefaultServerName is the source.name Flink CDC's MySqlSource writes,
	// and the prefix of the schema names, for an event that carries no
	// source name of its own.
	DefaultServerName = "mysql_binlog_source"
	// DefaultVersion is the Debezium version Flink CDC 3 embeds; it decides
	// source.version and the shape of the output (see [Version]).
	DefaultVersion = "1.9.7.Final"
)

// Config holds the encoder's settings. The zero value means Debezium's (and
// Flink CDC's) defaults: no schema, the event's source name, version
// DefaultVersion, no query, precise decimals, adaptive_time_microseconds,
// BIGINT UNSIGNED as long, binary as bytes.
type Config struct {
	// IncludeSchema writes {"schema":…,"payload":…}, as Kafka's JSON
	// converter with schemas.enable, and as Flink CDC's
	// JsonDebeziumDeserializationSchema(true).
	IncludeSchema bool
	// ServerName is source.name and the first part of the schema names
	// (Debezium's topic.prefix / database.server.name). Empty means each
	// event's own [cdc.Source.Name], which a source sets to its
	// [github.com/rtdw/rtdw/cdc/mysql.Config.Name], or DefaultServerName for an event
	// without one.
	ServerName string
	// Version is source.version, and the Debezium release whose output the
	// encoder writes; see [Version] for the versions accepted.
	Version string
	// IncludeQuery writes the statement that made a change into
	// source.query, as Debezium's include.query does. Off, source.query is
	// null, even when the server logged the statement: the statement's
	// text can hold literal values that should not travel downstream.
	IncludeQuery bool
	// DecimalHandling, TimePrecision, BigIntUnsigned and Binary are the
	// Debezium modes of the same names.
	DecimalHandling DecimalHandling
	TimePrecision   TimePrecision
	BigIntUnsigned  BigIntUnsignedHandling
	Binary          BinaryHandling
}

// Option changes a Config.
type Option func(*Config)

// IncludeSchema writes each event as {"schema":…,"payload":…}.
func IncludeSchema(include bool) Option { return func(c *Config) { c.IncludeSchema = include } }

// ServerName sets source.name and the schema name prefix for every event,
// in place of the event's own source name.
func ServerName(name string) Option { return func(c *Config) { c.ServerName = name } }

// Version sets source.version and the Debezium release whose output the
// encoder writes, given as Debezium spells it: major.minor.patch with an
// optional qualifier, such as "2.7.3.Final" or "2.7.0.Beta1". The encoder
// writes Debezium 1.9 (the default, Flink CDC 3's "1.9.7.Final") and 2.0
// through 2.7; other versions fail validation rather than be written in a
// shape they do not have. What changes with the version:
//
//	2.0    the first snapshot row says "first", not "true"; the envelope and
//	       schema change schemas carry versions, the transaction block is
//	       named event.block; schema changes carry ts_ms, and each column
//	       defaultValueExpression and enumValues
//	2.1.2  TIMESTAMP(n) values have exactly n fractional digits
//	       ("…:56.500Z" for TIMESTAMP(3))
//	2.4    a schema change's table is optional in its schema
//	2.6    ts_us and ts_ns follow ts_ms in the envelope and in source
//	       (optional in the source schema from 2.6.2)
//	2.7    the transaction block comes before op in the envelope
func Version(v string) Option { return func(c *Config) { c.Version = v } }

// IncludeQuery writes the statement that made a change into source.query,
// as Debezium's include.query; the server must log it
// (binlog_rows_query_log_events on MySQL, binlog_annotate_row_events on
// MariaDB). Off by default, when source.query is null.
func IncludeQuery(include bool) Option { return func(c *Config) { c.IncludeQuery = include } }

// WithDecimalHandling sets decimal.handling.mode.
func WithDecimalHandling(m DecimalHandling) Option { return func(c *Config) { c.DecimalHandling = m } }

// WithTimePrecision sets time.precision.mode.
func WithTimePrecision(m TimePrecision) Option { return func(c *Config) { c.TimePrecision = m } }

// WithBigIntUnsignedHandling sets bigint.unsigned.handling.mode.
func WithBigIntUnsignedHandling(m BigIntUnsignedHandling) Option {
	return func(c *Config) { c.BigIntUnsigned = m }
}

// WithBinaryHandling sets binary.handling.mode.
func WithBinaryHandling(m BinaryHandling) Option { return func(c *Config) { c.Binary = m } }

// withDefaults returns a copy of c with the zero values replaced.
func (c Config) withDefaults() Config {
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	return c
}

// validate returns one error naming every bad setting, its value and the
// choices.
func (c Config) validate() error {
	ps := problems.New("debezium", "config", nil)
	if _, err := parseRelease(c.Version); err != nil {
		ps.Add("Version", c.Version, "%v", err)
	}
	if c.DecimalHandling < DecimalPrecise || c.DecimalHandling > DecimalString {
		ps.Add("DecimalHandling", int(c.DecimalHandling), "use DecimalPrecise, DecimalDouble or DecimalString")
	}
	if c.TimePrecision < TimeAdaptiveMicroseconds || c.TimePrecision > TimeConnect {
		ps.Add("TimePrecision", int(c.TimePrecision), "use TimeAdaptiveMicroseconds, TimeAdaptive or TimeConnect")
	}
	if c.BigIntUnsigned < BigIntUnsignedLong || c.BigIntUnsigned > BigIntUnsignedPrecise {
		ps.Add("BigIntUnsigned", int(c.BigIntUnsigned), "use BigIntUnsignedLong or BigIntUnsignedPrecise")
	}
	if c.Binary < BinaryBytes || c.Binary > BinaryHex {
		ps.Add("Binary", int(c.Binary), "use BinaryBytes, BinaryBase64, BinaryBase64URLSafe or BinaryHex")
	}
	return ps.Err()
}
