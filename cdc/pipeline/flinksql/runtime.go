package flinksql

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// ErrFlinkOnly is matched by the error a source or sink of this package
// returns when the embedded runner (pipeline.Run) is given it: they describe
// connectors of a Flink cluster and only Render can use them.
var ErrFlinkOnly = errors.New("flinksql: runs only on the Flink runtime")

func flinkOnly(what string) error {
	return fmt.Errorf("%w: %s is a Flink connector that the embedded runner cannot run; render the pipeline with flinksql.Render and submit it to a Flink SQL Gateway, or use an embedded source or sink", ErrFlinkOnly, what)
}

// ClickHouseSink is a ClickHouse sink of the Flink runtime: the connector
// 'clickhouse' of github.com/itinycheng/flink-connector-clickhouse, which
// writes over ClickHouse's HTTP interface with the clickhouse-jdbc driver.
//
// It is written to append-only: the source tables it reads declare
// scan.read-changelog-as-append-only.enabled (Flink CDC 3.4 on), so every
// change, deletes and the images before updates included, reaches it as an
// INSERT of one row that carries _version (the run's [Options.Epoch]) and
// _is_deleted (1 for a delete or the image before an update, 0 otherwise):
// the layout package clickhouse's embedded sink writes into the same
// ReplacingMergeTree(_version[, _is_deleted]) tables. The connector's own
// treatment of updates and deletes (sink.update-strategy, ALTER TABLE
// mutations) is never used, since mutations are not ordered with inserts.
// See the package documentation for why the visible state is the embedded
// sink's.
//
// The embedded runner refuses it ([ErrFlinkOnly]).
type ClickHouseSink struct {
	// URL is the server's HTTP address, such as "clickhouse://ch1:8123"
	// (the connector's url). Required.
	URL string
	// Database is the database the sink tables are in when a sink table
	// name has none (the connector's database-name); "" means "default".
	Database string
	// Username and Password log in; Password is never printed.
	Username, Password string
	// BatchSize is the rows per INSERT (sink.batch-size); 0 leaves the
	// connector's default (1000).
	BatchSize int
	// FlushInterval is the longest a row waits in a batch
	// (sink.flush-interval); 0 leaves the connector's default (1s).
	FlushInterval time.Duration
	// MaxRetries bounds the retries of a failed INSERT (sink.max-retries);
	// 0 leaves the connector's default (3).
	MaxRetries int
}

// HandleEvents refuses: the sink runs only on Flink.
func (s *ClickHouseSink) HandleEvents(context.Context, []cdc.Event) error {
	return flinkOnly("flinksql.ClickHouseSink")
}

// Flush refuses: the sink runs only on Flink.
func (s *ClickHouseSink) Flush(context.Context) error { return flinkOnly("flinksql.ClickHouseSink") }

// JDBCSink is a JDBC sink of the Flink runtime: Flink's 'jdbc' connector
// (flink-connector-jdbc), in upsert mode on the sink table's primary key, so
// that deletes delete and updates replace. Its URL names a database Flink's
// JDBC connector has a dialect for (MySQL, PostgreSQL, Oracle, SQL Server,
// Derby, Db2, Trino, CrateDB); it has none for ClickHouse. The embedded
// runner refuses it ([ErrFlinkOnly]).
type JDBCSink struct {
	// URL is the JDBC URL, such as "jdbc:mysql://db:3306/ods". Required.
	URL string
	// Driver is the driver class; "" lets the connector derive it from URL.
	Driver string
	// Username and Password log in; Password is never printed.
	Username, Password string
	// BufferFlushMaxRows and BufferFlushInterval bound the buffered rows
	// (sink.buffer-flush.max-rows, sink.buffer-flush.interval); 0 leaves the
	// connector's defaults (100 rows, 1s).
	BufferFlushMaxRows  int
	BufferFlushInterval time.Duration
	// MaxRetries bounds the retries of a failed write (sink.max-retries); 0
	// leaves the connector's default (3).
	MaxRetries int
}

// HandleEvents refuses: the sink runs only on Flink.
func (s *JDBCSink) HandleEvents(context.Context, []cdc.Event) error {
	return flinkOnly("flinksql.JDBCSink")
}

// Flush refuses: the sink runs only on Flink.
func (s *JDBCSink) Flush(context.Context) error { return flinkOnly("flinksql.JDBCSink") }

// A *pipeline.PrintSink of the pipeline renders as Flink's 'print'
// connector, which writes each row with its row kind (+I, -U, +U, -D) to
// the TaskManagers' standard output.
