// Command mysql-to-clickhouse is rtdw's main job end to end, written as a
// pipeline of package cdc/pipeline: it creates a small gmall-like shop in
// MySQL (users, skus, and orders sharded over several order_info_<n>
// tables), captures it with the MySQL source of package cdc/mysql (a chunked
// snapshot, then the binlog) into ClickHouse through the idempotent
// clickhouse sink, routing the order shards into one order_info table, and
// keeps changing rows in MySQL while the binlog streams, with progress bars
// and the live lag.
//
// By default it stops after -changes rows were changed, waits until
// ClickHouse's visible state equals MySQL's (every table, every column) and
// says so; with -changes 0 it changes rows until Ctrl-C. Ctrl-C stops it
// cleanly at any moment: the pipeline flushes and stores its checkpoint,
// and a rerun with the same -state and -keep resumes from it.
//
//	make demo          # starts the local servers, then runs this program
//	go run ./examples/mysql-to-clickhouse -mysql 'root:pw@tcp(127.0.0.1:3306)/' -clickhouse 127.0.0.1:9000
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/clickhouse"
)

// The orders' transform, in Flink CDC's syntax: every column plus the shard
// each order came from, and no cancelled order.
const (
	orderProjection = "*, __table_name__ AS shard"
	orderFilter     = "status <> 'cancelled'"
)

// options are the program's flags.
type options struct {
	mysqlDSN, chAddr, database string
	orders, shards, changes    int
	stateDir                   string
	bars                       bool
}

func main() {
	var o options
	flag.StringVar(&o.mysqlDSN, "mysql", envOr("RTDW_TEST_MYSQL", "root:rtdw-test-pw@tcp(127.0.0.1:13306)/"), "MySQL or MariaDB DSN (go-sql-driver form) of a server with a ROW binlog")
	flag.StringVar(&o.chAddr, "clickhouse", envOr("RTDW_TEST_CLICKHOUSE", "127.0.0.1:19000"), "ClickHouse native protocol host:port")
	flag.StringVar(&o.database, "database", "rtdw_gmall", "database created (dropped first) in MySQL and in ClickHouse")
	flag.IntVar(&o.orders, "orders", 200_000, "orders loaded into MySQL before capture starts (users are a tenth, skus a hundredth)")
	flag.IntVar(&o.shards, "shards", 4, "order_info_<n> tables the orders are sharded over")
	flag.IntVar(&o.changes, "changes", 20_000, "rows changed while the binlog streams before the program checks ClickHouse and ends; 0 changes rows until Ctrl-C")
	flag.StringVar(&o.stateDir, "state", "", "directory for the checkpoint file (default: a new temporary directory)")
	quiet := flag.Bool("quiet", false, "no progress bars")
	verbose := flag.Bool("v", false, "log Debug records too: each snapshot chunk, flush, checkpoint and batch insert")
	flag.Parse()
	o.bars = !*quiet
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, logger, o); err != nil {
		log.Fatalf("mysql-to-clickhouse: %v", err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, logger *slog.Logger, o options) error {
	db, cfg, err := openMySQL(o.mysqlDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	host, portText, _ := net.SplitHostPort(cfg.Addr)
	port, _ := strconv.Atoi(portText)

	// 1. The shop in MySQL.
	g := newGmall(o.database, o.orders, o.shards)
	if err := g.create(ctx, db); err != nil {
		return err
	}
	loadBar := newBar(o.bars, int64(g.users+g.skus+g.orders), "loading MySQL")
	if err := g.load(ctx, db, loadBar); err != nil {
		return err
	}
	_ = loadBar.Finish()
	schemas, err := mysql.LoadTableSchemas(ctx, db, g.tables())
	if err != nil {
		return err
	}

	// 2. ClickHouse: a fresh database; the sink creates the tables from the captured schemas.
	ch, err := clickhouse.New(&chgo.Options{Addr: []string{o.chAddr}})
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+clickhouse.QuoteIdent(o.database)); err != nil {
		return fmt.Errorf("clickhouse at %s: %w", o.chAddr, err)
	}
	sink, err := clickhouse.NewSink(ch, clickhouse.SinkConfig{
		TableOptions: clickhouse.TableOptions{Database: o.database},
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	defer sink.Close(context.Background())

	// 3. The pipeline: the MySQL source, the order shards routed into one table, the ClickHouse sink.
	stateDir := o.stateDir
	if stateDir == "" {
		if stateDir, err = os.MkdirTemp("", "rtdw-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(stateDir)
	}
	snapshot := newSnapshotWatch()
	db0 := regexp.QuoteMeta(o.database)
	src, err := mysql.NewSource().
		Name("gmall").
		Hostname(host).Port(port).
		Username(cfg.User).Password(cfg.Passwd).
		DatabaseList(db0).TableList(db0 + `\.(users|skus|order_info_\d+)`).
		OffsetStore(cdc.NewFileOffsetStore(filepath.Join(stateDir, "gmall.offset.json"))).
		Logger(logger).
		Hooks(snapshot).
		Build()
	if err != nil {
		return err
	}
	defer src.Close()
	lags := &lagRecorder{}
	p, err := pipeline.New("gmall-to-clickhouse").
		From(src).
		Schemas(slices.Collect(mapValues(schemas))...).
		Transform(db0+`\.order_info_\d+`, pipeline.Projection(orderProjection), pipeline.Filter(orderFilter)).
		Route(db0+`\.order_info_\d+`, o.database+".order_info", pipeline.Description("merge the order shards")).
		To(sink, pipeline.SinkName("clickhouse")).
		Logger(logger).
		Hooks(lags).
		Build()
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()

	// 4. The snapshot, with a bar of rows delivered.
	snap, err := watchSnapshot(ctx, o.bars, p, snapshot, done, int64(g.users+g.skus+g.orders))
	if err != nil {
		return err
	}
	fmt.Printf("snapshot: %d rows of %d tables in %d chunks in %s (%.0f rows/s)\n", snap.Rows, snap.Tables, snap.Chunks,
		snap.Duration.Round(time.Millisecond), float64(snap.Rows)/snap.Duration.Seconds())

	// 5. Changes while the binlog streams, with the live lag.
	changed, err := applyChanges(ctx, db, g, o, p, done)
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		// Ctrl-C: the pipeline flushes and stores its checkpoint, then Run returns.
		if err := <-done; err != nil {
			return err
		}
		fmt.Printf("stopped after %d changed rows; ClickHouse holds everything up to the checkpoint in %s\n", changed, stateDir)
		return nil
	}
	if err != nil {
		return err
	}

	// 6. Wait until ClickHouse shows exactly what MySQL holds, every table, every column.
	began := time.Now()
	if err := waitEqual(ctx, db, sink, g, schemas, done); err != nil {
		return err
	}
	pr := p.Progress()
	fmt.Printf("binlog: %d rows changed in MySQL, %d change events delivered; ClickHouse converged %s after the last change\n",
		changed, pr.EventsIn-snap.Rows, time.Since(began).Round(time.Millisecond))
	for _, t := range pr.Tables {
		fmt.Printf("  %-14s snapshot %7d  +I %6d  U %6d  -D %6d  filtered %6d\n", t.Table.Table, t.SnapshotRows, t.Inserts, t.Updates, t.Deletes, t.Filtered)
	}
	p50, p99, worst := lags.percentiles()
	fmt.Printf("lag from commit in MySQL to flushed in ClickHouse: p50 %s, p99 %s, max %s\n", p50, p99, worst)
	st := sink.Stats()
	fmt.Printf("ClickHouse now holds the rows MySQL holds, every column equal (users, skus, and the orders of %d shards merged into order_info, cancelled ones filtered out); sink: %d rows in %d batch inserts, %d retries\n",
		o.shards, st.RowsWritten, st.Flushes, st.Retries)

	cancel()
	if err := <-done; err != nil {
		return err
	}
	return nil
}

func openMySQL(dsn string) (*sql.DB, *sqldriver.Config, error) {
	cfg, err := sqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("-mysql: %w", err)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, nil, fmt.Errorf("-mysql address %q: %w", cfg.Addr, err)
	}
	cfg.DBName = ""
	cfg.MultiStatements = true
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		return nil, nil, err
	}
	return sql.OpenDB(conn), cfg, nil
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// lagRecorder is a pipeline hook keeping the lag of every flush that made
// binlog changes durable.
type lagRecorder struct {
	mu   sync.Mutex
	lags []time.Duration
}

func (l *lagRecorder) OnSinkFlush(f pipeline.SinkFlush) {
	if f.Err == nil && f.Lag > 0 {
		l.mu.Lock()
		l.lags = append(l.lags, f.Lag)
		l.mu.Unlock()
	}
}

func (l *lagRecorder) percentiles() (p50, p99, worst time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lags) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(l.lags)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))].Round(time.Millisecond) }
	return at(0.5), at(0.99), s[len(s)-1].Round(time.Millisecond)
}
