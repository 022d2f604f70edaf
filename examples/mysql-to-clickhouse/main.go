// Command mysql-to-clickhouse is rtdw's main job end to end: it fills a MySQL
// table, captures it with the MySQL source of package cdc/mysql (a chunked
// snapshot, then the binlog) into ClickHouse through the idempotent
// clickhouse sink, changes rows in MySQL while the binlog streams, and checks
// that ClickHouse's visible state equals MySQL's, row by row.
//
// The source and the sink log to stderr through log/slog, at Info; -v adds
// their Debug records (each snapshot chunk, flush, checkpoint and batch
// insert, and go-mysql's connection logs). The program learns that the
// snapshot is done from a hook of the source, not by polling its progress.
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
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	sqldriver "github.com/go-sql-driver/mysql"
	"github.com/schollz/progressbar/v3"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
)

func main() {
	var (
		mysqlDSN   = flag.String("mysql", envOr("RTDW_TEST_MYSQL", "root:rtdw-test-pw@tcp(127.0.0.1:13306)/"), "MySQL or MariaDB DSN (go-sql-driver form) of a server with a ROW binlog")
		chAddr     = flag.String("clickhouse", envOr("RTDW_TEST_CLICKHOUSE", "127.0.0.1:19000"), "ClickHouse native protocol host:port")
		database   = flag.String("database", "rtdw_demo", "database created (dropped first) in MySQL and in ClickHouse")
		rows       = flag.Int("rows", 200_000, "rows to load into MySQL before capture starts")
		changes    = flag.Int("changes", 5_000, "updates, deletes and inserts made while the binlog streams")
		stateDir   = flag.String("state", "", "directory for the offset file (default: a new temporary directory)")
		noProgress = flag.Bool("quiet", false, "no progress bars")
		verbose    = flag.Bool("v", false, "log Debug records too: each snapshot chunk, flush, checkpoint and batch insert, and go-mysql's connection logs")
	)
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, logger, *mysqlDSN, *chAddr, *database, *rows, *changes, *stateDir, !*noProgress); err != nil {
		log.Fatalf("mysql-to-clickhouse: %v", err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, logger *slog.Logger, mysqlDSN, chAddr, database string, nRows, nChanges int, stateDir string, bars bool) error {
	cfg, err := sqldriver.ParseDSN(mysqlDSN)
	if err != nil {
		return fmt.Errorf("-mysql: %w", err)
	}
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("-mysql address %q: %w", cfg.Addr, err)
	}
	port, _ := strconv.Atoi(portText)
	cfg.DBName = ""
	cfg.MultiStatements = true
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()

	// 1. A source table with a spread of types, filled in batches.
	table := cdc.TableID{Database: database, Table: "t_user"}
	if err := loadMySQL(ctx, db, table, nRows, bars); err != nil {
		return err
	}

	// 2. The ClickHouse side: a fresh database; the sink creates the table from the captured schema.
	ch, err := clickhouse.New(&chgo.Options{Addr: []string{chAddr}})
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+clickhouse.QuoteIdent(database)); err != nil {
		return fmt.Errorf("clickhouse at %s: %w", chAddr, err)
	}
	sink, err := clickhouse.NewSink(ch, clickhouse.SinkConfig{
		TableOptions: clickhouse.TableOptions{Database: database},
		MaxRows:      50_000,
		Logger:       logger,
	})
	if err != nil {
		return err
	}

	// 3. The MySQL source: snapshot then binlog, offsets in a file so a rerun would resume.
	if stateDir == "" {
		if stateDir, err = os.MkdirTemp("", "rtdw-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(stateDir)
	}
	bar := newBar(bars, int64(nRows), "snapshot → ClickHouse")
	snapshot := newSnapshotWatch()
	src, err := mysql.NewSource().
		Hostname(host).Port(port).
		Username(cfg.User).Password(cfg.Passwd).
		DatabaseList(database).TableList(database + `\.t_user`).
		StartupOptions(mysql.Initial()).
		OffsetStore(cdc.NewFileOffsetStore(filepath.Join(stateDir, "offset.json"))).
		Logger(logger).
		Progress(func(p mysql.Progress) { _ = bar.Set64(p.SnapshotRows) }).
		Hooks(snapshot).
		Build()
	if err != nil {
		return err
	}
	defer src.Close()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- src.Run(runCtx, sink) }()

	var snap mysql.SnapshotDone
	select {
	case snap = <-snapshot.done:
	case err := <-done:
		return fmt.Errorf("source stopped during the snapshot: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	_ = bar.Finish()
	fmt.Printf("snapshot: %d rows in %d chunks in %s (%.0f rows/s)\n", snap.Rows, snap.Chunks, snap.Duration.Round(time.Millisecond),
		float64(snap.Rows)/snap.Duration.Seconds())

	// 4. Changes while the binlog streams: updates, deletes and inserts in small transactions.
	if err := changeMySQL(ctx, db, table, nRows, nChanges); err != nil {
		return err
	}

	// 5. Wait until ClickHouse shows exactly what MySQL holds.
	want, schema, err := readMySQL(ctx, db, table)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := sink.ReadTable(ctx, schema)
		if err == nil {
			diff := compareRows(want, got)
			if diff == "" {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("ClickHouse did not converge to MySQL's state in 2 minutes: %s", diff)
			}
		} else if time.Now().After(deadline) {
			return err
		}
		select {
		case err := <-done:
			return fmt.Errorf("source stopped: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	p := src.Progress()
	st := sink.Stats()
	fmt.Printf("binlog: %d change events applied; ClickHouse now holds the %d rows MySQL holds, every value equal\n", p.BinlogEvents, len(want))
	fmt.Printf("sink: %d rows in %d batch inserts, %d retries; offset %s stored in %s\n", st.RowsWritten, st.Flushes, st.Retries, p.Offset, stateDir)

	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return sink.Close(ctx)
}

// snapshotWatch is a hook of the source: it hands over the snapshot's
// figures once the snapshot is delivered.
type snapshotWatch struct {
	done chan mysql.SnapshotDone
}

func newSnapshotWatch() *snapshotWatch {
	return &snapshotWatch{done: make(chan mysql.SnapshotDone, 1)}
}

// OnSnapshotDone must not block: the channel has room for the one snapshot
// of a run.
func (w *snapshotWatch) OnSnapshotDone(e mysql.SnapshotDone) {
	select {
	case w.done <- e:
	default:
	}
}

func newBar(on bool, max int64, what string) *progressbar.ProgressBar {
	if !on {
		return progressbar.DefaultSilent(max)
	}
	return progressbar.Default(max, what)
}

func loadMySQL(ctx context.Context, db *sql.DB, t cdc.TableID, n int, bars bool) error {
	q := clickhouse.QuoteIdent // backquote quoting is the same in MySQL
	stmts := []string{
		"DROP DATABASE IF EXISTS " + q(t.Database),
		"CREATE DATABASE " + q(t.Database) + " CHARACTER SET utf8mb4",
		"CREATE TABLE " + q(t.Database) + "." + q(t.Table) + ` (
			id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
			name VARCHAR(64) NOT NULL,
			email VARCHAR(128) NULL,
			balance DECIMAL(20,4) NOT NULL,
			level ENUM('bronze','silver','gold') NOT NULL,
			born DATE NULL,
			updated_at DATETIME NOT NULL,
			profile JSON NULL
		)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("mysql: %s: %w", strings.Fields(s)[0]+" "+strings.Fields(s)[1], err)
		}
	}
	bar := newBar(bars, int64(n), "loading MySQL")
	const batch = 1000
	insert := "INSERT INTO " + q(t.Database) + "." + q(t.Table) + " VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", batch), ",")
	args := make([]any, 0, batch*8)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = append(args, userRow(i, 0)...)
		}
		stmt := insert
		if hi-lo < batch {
			stmt = "INSERT INTO " + q(t.Database) + "." + q(t.Table) + " VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", hi-lo), ",")
		}
		if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("mysql: loading rows %d-%d: %w", lo, hi, err)
		}
		_ = bar.Add(hi - lo)
	}
	return bar.Finish()
}

// userRow is row i of the demo table after `version` updates.
func userRow(i, version int) []any {
	var email, born, profile any
	if i%7 != 0 {
		email = fmt.Sprintf("user%d@example.com", i)
	}
	if i%5 != 0 {
		born = time.Date(1970+i%50, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	if i%3 == 0 {
		profile = fmt.Sprintf(`{"tags": ["t%d"], "score": %d, "v": %d}`, i%10, i%1000, version)
	}
	return []any{
		uint64(i) + 1,
		fmt.Sprintf("用户 %d", i),
		email,
		fmt.Sprintf("%d.%04d", i*3+version, i%10000),
		[]string{"bronze", "silver", "gold"}[(i+version)%3],
		born,
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i+version*1000) * time.Second).Format(time.DateTime),
		profile,
	}
}

func changeMySQL(ctx context.Context, db *sql.DB, t cdc.TableID, nRows, nChanges int) error {
	name := clickhouse.QuoteIdent(t.Database) + "." + clickhouse.QuoteIdent(t.Table)
	rng := rand.New(rand.NewPCG(1, 2))
	next := nRows
	for c := 0; c < nChanges; c += 10 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for k := 0; k < 10; k++ {
			var err error
			switch i := rng.IntN(nRows); rng.IntN(3) {
			case 0:
				r := userRow(i, c+k+1)
				_, err = tx.ExecContext(ctx, "UPDATE "+name+" SET balance = ?, level = ?, updated_at = ?, profile = ? WHERE id = ?", r[3], r[4], r[6], r[7], r[0])
			case 1:
				_, err = tx.ExecContext(ctx, "DELETE FROM "+name+" WHERE id = ?", uint64(i)+1)
			default:
				_, err = tx.ExecContext(ctx, "INSERT INTO "+name+" VALUES (?,?,?,?,?,?,?,?)", userRow(next, 0)...)
				next++
			}
			if err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("mysql: change: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// readMySQL reads the table's schema and rows as cdc's canonical values, in primary key order.
func readMySQL(ctx context.Context, db *sql.DB, t cdc.TableID) ([]cdc.Row, *cdc.TableSchema, error) {
	schemas, err := mysql.LoadTableSchemas(ctx, db, []cdc.TableID{t})
	if err != nil {
		return nil, nil, err
	}
	rows, err := mysql.ReadTable(ctx, db, schemas[t])
	return rows, schemas[t], err
}

// compareRows returns "" when both hold the same rows, or the first difference.
func compareRows(want, got []cdc.Row) string {
	if len(want) != len(got) {
		return fmt.Sprintf("MySQL has %d rows, ClickHouse %d", len(want), len(got))
	}
	for i := range want {
		for j := range want[i] {
			if a, b := fmt.Sprint(want[i][j]), fmt.Sprint(got[i][j]); a != b {
				return fmt.Sprintf("row %d column %d: MySQL %s, ClickHouse %s", i, j, a, b)
			}
		}
	}
	return ""
}
