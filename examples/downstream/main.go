// Command ordersync is a small program of a downstream repository: it moves
// the capture of a MySQL database into ClickHouse from a legacy Flink CDC job
// to a Go service. It stops the Flink job with a final savepoint (so the
// job can be restored if the cutover is rolled back), then captures the
// database with rtdw's cdc/mysql source into rtdw's idempotent ClickHouse
// sink until interrupted.
//
//	go run . -flink http://jobmanager:8081 -job <id> -savepoints hdfs:///flink/savepoints \
//	    -mysql 'cdc:pw@tcp(127.0.0.1:3306)/' -database shop -clickhouse 127.0.0.1:9000
//
// It is its own Go module, importing rtdw as any other repository would
// (here through a replace directive to this checkout); its test,
// main_test.go, runs it against real servers from rtdwtest and a fake
// JobManager from flinkclient/flinktest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/flinkclient"
)

// Config is what ordersync needs.
type Config struct {
	// FlinkURL and LegacyJobID name the Flink job that captured the database
	// until now; empty FlinkURL skips stopping it.
	FlinkURL, LegacyJobID string
	// SavepointDir is where the legacy job's final savepoint goes.
	SavepointDir string
	// MySQL is a go-sql-driver DSN of a user with SELECT and REPLICATION
	// privileges; Database is the database whose tables are captured.
	MySQL, Database string
	// ClickHouse is host:port of the native protocol; ClickHouseDatabase
	// receives the tables (created from MySQL's schemas).
	ClickHouse, ClickHouseDatabase string
	// OffsetFile keeps the capture's checkpoint between runs.
	OffsetFile string
}

// StopLegacyJob stops the Flink job with a final savepoint and returns the
// savepoint's location.
func StopLegacyJob(ctx context.Context, cfg Config) (string, error) {
	c, err := flinkclient.New(cfg.FlinkURL)
	if err != nil {
		return "", err
	}
	op, err := c.StopWithSavepoint(ctx, cfg.LegacyJobID, flinkclient.StopRequest{TargetDirectory: cfg.SavepointDir})
	if err != nil {
		return "", fmt.Errorf("stopping legacy job %s: %w", cfg.LegacyJobID, err)
	}
	location, err := op.Wait(ctx)
	if err != nil {
		return "", fmt.Errorf("final savepoint of legacy job %s: %w", cfg.LegacyJobID, err)
	}
	if _, err := c.WaitForJobState(ctx, cfg.LegacyJobID, flinkclient.JobFinished); err != nil {
		return location, fmt.Errorf("legacy job %s after its final savepoint: %w", cfg.LegacyJobID, err)
	}
	return location, nil
}

// Capture keeps ClickHouse in sync with the database until ctx ends: a
// snapshot, then the binlog, the checkpoint stored only after ClickHouse
// holds what it covers.
func Capture(ctx context.Context, logger *slog.Logger, cfg Config) error {
	my, err := sqldriver.ParseDSN(cfg.MySQL)
	if err != nil {
		return fmt.Errorf("-mysql: %w", err)
	}
	host, portText, err := net.SplitHostPort(my.Addr)
	if err != nil {
		return fmt.Errorf("-mysql address %q: %w", my.Addr, err)
	}
	port, _ := strconv.Atoi(portText)
	db := regexp.QuoteMeta(cfg.Database)
	src, err := mysql.NewSource().
		Name("ordersync").
		Hostname(host).Port(port).Username(my.User).Password(my.Passwd).
		DatabaseList(db).TableList(db + `\..*`).
		OffsetStore(cdc.NewFileOffsetStore(cfg.OffsetFile)).
		Logger(logger).
		Build()
	if err != nil {
		return err
	}
	defer src.Close()
	client, err := clickhouse.New(&chgo.Options{Addr: []string{cfg.ClickHouse}})
	if err != nil {
		return err
	}
	defer client.Close()
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{
		TableOptions: clickhouse.TableOptions{Database: cfg.ClickHouseDatabase},
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	defer sink.Close(context.WithoutCancel(ctx))
	err = src.Run(ctx, sink)
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil // stopped: the last checkpoint is stored
	}
	return err
}

// Cutover stops the legacy job (when one is named), then captures.
func Cutover(ctx context.Context, logger *slog.Logger, cfg Config) error {
	if cfg.FlinkURL != "" {
		location, err := StopLegacyJob(ctx, cfg)
		if err != nil {
			return err
		}
		logger.Info("legacy Flink job stopped", "job", cfg.LegacyJobID, "savepoint", location)
	}
	return Capture(ctx, logger, cfg)
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.FlinkURL, "flink", "", "JobManager REST URL of the legacy Flink CDC job (empty: none to stop)")
	flag.StringVar(&cfg.LegacyJobID, "job", "", "the legacy job's ID")
	flag.StringVar(&cfg.SavepointDir, "savepoints", "", "target directory of its final savepoint")
	flag.StringVar(&cfg.MySQL, "mysql", "", "MySQL DSN, user:password@tcp(host:port)/")
	flag.StringVar(&cfg.Database, "database", "", "MySQL database to capture")
	flag.StringVar(&cfg.ClickHouse, "clickhouse", "127.0.0.1:9000", "ClickHouse native host:port")
	flag.StringVar(&cfg.ClickHouseDatabase, "clickhouse-database", "", "ClickHouse database (default: -database)")
	flag.StringVar(&cfg.OffsetFile, "offsets", "ordersync.offset.json", "checkpoint file")
	flag.Parse()
	if cfg.ClickHouseDatabase == "" {
		cfg.ClickHouseDatabase = cfg.Database
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := Cutover(ctx, logger, cfg); err != nil {
		logger.Error("ordersync failed", "err", err)
		os.Exit(1)
	}
}
