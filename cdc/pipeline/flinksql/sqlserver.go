package flinksql

import (
	"context"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// SQLServerSource captures changes from SQL Server's change data capture
// tables, as Flink CDC's 'sqlserver-cdc' connector does. Only the Flink
// runtime runs it: rtdw has no SQL Server reader of its own, and the embedded
// runner refuses it with an error matching [ErrFlinkOnly].
//
// Its tables are the pipeline's Config.Schemas whose Database is one of
// Schemas (SQL Server's schema, such as "dbo") and that Tables matches; each
// becomes a sqlserver-cdc table with the schema's columns.
type SQLServerSource struct {
	// Hostname and Port locate the server; Port 0 means 1433.
	Hostname string
	Port     int
	// Username and Password log in; Password is never printed.
	Username, Password string
	// Database is the database whose CDC tables are read (database-name).
	// Required.
	Database string
	// Tables are regular expressions matched against "schema.table", such
	// as `dbo\.orders`; empty captures every table of the Schemas given.
	Tables []string
	// ServerTimeZone is the session zone (server-time-zone); "" leaves the
	// connector's default.
	ServerTimeZone string
	// StartupMode is "initial" (the default: a snapshot, then the changes),
	// "latest-offset" or, from Flink CDC 3.1, "snapshot".
	StartupMode string
	// ChunkSize is the rows per snapshot chunk
	// (scan.incremental.snapshot.chunk.size, Flink CDC 2.4 on); 0 leaves the
	// connector's default.
	ChunkSize int
	// ChunkKeyColumn chooses per "schema.table" the column the snapshot
	// splits by (scan.incremental.snapshot.chunk.key-column, 2.4 on).
	ChunkKeyColumn map[string]string
	// ConnectTimeout (connect.timeout) and ConnectMaxRetries
	// (connect.max-retries); 0 leaves the connector's defaults.
	ConnectTimeout    time.Duration
	ConnectMaxRetries int
}

// Run refuses: SQL Server sources run only on Flink.
func (s *SQLServerSource) Run(context.Context, cdc.Sink) error {
	return flinkOnly("flinksql.SQLServerSource (sqlserver-cdc)")
}
