// Command dim-to-phoenix is the gmall DIM pattern end to end: a pipeline of
// package cdc/pipeline keeps the dimension tables of a MySQL shop
// (base_province, user_info) in sync in Apache Phoenix, through package
// phoenix's sink, in the all-VARCHAR DIM layout of gmall's
// GMALL_REALTIME.DIM_* tables; and a stream of orders is enriched, event by
// event, with the province and the user level read through phoenix.Lookup,
// whose cache each DIM commit invalidates.
//
// It creates the shop in MySQL, captures it (snapshot, then binlog), then
// inserts orders, renames a province and upgrades a user half-way, and
// checks that every order was enriched with the dimension rows as they were
// when the order was written: orders before the rename carry the old name,
// orders after it the new one. It prints the enriched orders, the lookups'
// hit rates and load times, and the sink's commits.
//
// Without -pqs it runs against phoenix/avaticatest, the in-process Phoenix
// Query Server of rtdw's tests (the real avatica-go driver end to end; a
// protocol violation fails the run); with -pqs http://host:8765 against a
// real one.
//
//	eval "$(scripts/services.sh env)"
//	go run ./examples/dim-to-phoenix
//	go run ./examples/dim-to-phoenix -pqs http://pqs:8765 -namespace-mapping
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// options are the program's flags.
type options struct {
	mysqlDSN, pqs, database string
	namespaceMapping        bool
	orders                  int
	out                     io.Writer
}

func main() {
	o := options{out: os.Stdout}
	flag.StringVar(&o.mysqlDSN, "mysql", envOr("RTDW_TEST_MYSQL", "root:rtdw-test-pw@tcp(127.0.0.1:13306)/"), "MySQL or MariaDB DSN (go-sql-driver form) of a server with a ROW binlog")
	flag.StringVar(&o.pqs, "pqs", "", "Phoenix Query Server URL, such as http://pqs:8765 (default: the in-process one of phoenix/avaticatest)")
	flag.BoolVar(&o.namespaceMapping, "namespace-mapping", true, "the PQS has phoenix.schema.isNamespaceMappingEnabled and mapSystemTablesToNamespace on")
	flag.StringVar(&o.database, "database", "rtdw_dim", "MySQL database created (dropped first) for the shop")
	flag.IntVar(&o.orders, "orders", 40, "orders written after the snapshot (half before the rename, half after)")
	verbose := flag.Bool("v", false, "log Debug records too")
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, logger, o); err != nil {
		log.Fatalf("dim-to-phoenix: %v", err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// The Phoenix side: gmall's GMALL_REALTIME.dim_* tables, all VARCHAR,
// salted, non-key columns in family info.
func dimOptions() phoenix.TableOptions {
	return phoenix.TableOptions{
		Schema:       "GMALL_REALTIME",
		TableName:    func(id cdc.TableID) string { return "dim_" + id.Table },
		Layout:       phoenix.LayoutAllVarchar,
		ColumnFamily: "info",
		SaltBuckets:  3,
	}
}

func run(ctx context.Context, logger *slog.Logger, o options) error {
	// 1. The shop in MySQL.
	db, host, port, user, password, err := openMySQL(o.mysqlDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := createShop(ctx, db, o.database); err != nil {
		return err
	}
	dimTables := []cdc.TableID{{Database: o.database, Table: "base_province"}, {Database: o.database, Table: "user_info"}}
	schemas, err := mysql.LoadTableSchemas(ctx, db, dimTables)
	if err != nil {
		return err
	}

	// 2. Phoenix: a real PQS, or the in-process one.
	client, check, err := openPhoenix(ctx, o)
	if err != nil {
		return err
	}
	defer client.Close()

	// 3. The lookups and the sink that invalidates them after each commit.
	opts := dimOptions()
	province, err := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: schemas[dimTables[0]], TableOptions: opts, TTL: time.Hour})
	if err != nil {
		return err
	}
	users, err := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: schemas[dimTables[1]], TableOptions: opts, TTL: time.Hour})
	if err != nil {
		return err
	}
	dimSink, err := phoenix.NewSink(client, phoenix.SinkConfig{TableOptions: opts, Lookups: []*phoenix.Lookup{province, users}, Logger: logger})
	if err != nil {
		return err
	}
	defer dimSink.Close(context.Background())
	enricher := &enricher{dims: dimSink, province: province, users: users, orders: cdc.TableID{Database: o.database, Table: "order_info"}}

	// 4. The pipeline: one MySQL source, the DIM tables into Phoenix, the
	// orders enriched.
	snapshotDone := make(chan struct{})
	src, err := mysql.NewSource().
		Name("gmall-dim").
		Hostname(host).Port(port).Username(user).Password(password).
		DatabaseList(regexp.QuoteMeta(o.database)).
		TableList(regexp.QuoteMeta(o.database) + `\.(base_province|user_info|order_info)`).
		OffsetStore(cdc.NewMemoryOffsetStore()).
		Logger(logger).
		Hooks(snapshotHook(func() { close(snapshotDone) })).
		Build()
	if err != nil {
		return err
	}
	defer src.Close()
	p, err := pipeline.New("dim-to-phoenix").From(src).To(enricher, pipeline.SinkName("phoenix-dim")).Logger(logger).Build()
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	select {
	case <-snapshotDone:
	case err := <-done:
		return fmt.Errorf("the pipeline stopped during the snapshot: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}

	// 5. Orders, a province renamed and a user upgraded half-way.
	if err := writeOrders(ctx, db, o.database, o.orders); err != nil {
		return err
	}
	if err := enricher.waitFor(ctx, o.orders, done); err != nil {
		return err
	}
	cancel()
	if err := <-done; err != nil {
		return err
	}

	// 6. What each order was enriched with, checked.
	return report(o.out, enricher, province, users, dimSink, check)
}

// openPhoenix opens a client of o.pqs, or of an in-process PQS whose
// protocol violations check reports.
func openPhoenix(ctx context.Context, o options) (*phoenix.Client, func() error, error) {
	url := o.pqs
	check := func() error { return nil }
	if url == "" {
		rep := &violations{}
		srv := avaticatest.NewServer(rep, avaticatest.Config{NamespaceMapping: o.namespaceMapping, MapSystemTablesToNamespace: o.namespaceMapping})
		url, check = srv.URL(), rep.err
		go func() { <-ctx.Done(); srv.Close() }()
	}
	cfg := phoenix.DefaultConfig(url)
	cfg.NamespaceMapping, cfg.MapSystemTablesToNamespace = o.namespaceMapping, o.namespaceMapping
	client, err := phoenix.Open(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := client.Ping(ctx); err != nil {
		client.Close()
		return nil, nil, err
	}
	if o.namespaceMapping {
		if err := client.CreateSchema(ctx, dimOptions().Schema); err != nil {
			client.Close()
			return nil, nil, err
		}
	}
	return client, check, nil
}

// violations collects what the in-process PQS reports.
type violations struct {
	mu   sync.Mutex
	msgs []string
}

func (v *violations) Errorf(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}
func (v *violations) Cleanup(func()) {}
func (v *violations) err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.msgs) == 0 {
		return nil
	}
	return fmt.Errorf("the Phoenix Query Server saw protocol violations:\n  %s", strings.Join(v.msgs, "\n  "))
}

type snapshotHook func()

func (f snapshotHook) OnSnapshotDone(mysql.SnapshotDone) { f() }

// enriched is an order with what the lookups gave for it.
type enriched struct {
	id, userID, provinceID int64
	province, level        string
}

// enricher is the pipeline's sink: DIM changes go to the Phoenix sink, and
// each order is enriched with the DIM rows as of its place in the change
// stream: the DIM changes before it in the batch are committed first (which
// invalidates their keys in the lookups).
type enricher struct {
	dims            *phoenix.Sink
	province, users *phoenix.Lookup
	orders          cdc.TableID

	// buffered is set while the Phoenix sink holds DIM changes it has not
	// committed.
	buffered bool

	mu   sync.Mutex
	seen []enriched
}

func (e *enricher) HandleEvents(ctx context.Context, events []cdc.Event) error {
	var pending []cdc.Event
	for _, ev := range events {
		if ev.Table != e.orders {
			pending = append(pending, ev)
			continue
		}
		if ev.Op != cdc.OpCreate && ev.Op != cdc.OpRead {
			continue
		}
		if len(pending) > 0 || e.buffered {
			if err := e.dims.HandleEvents(ctx, pending); err != nil {
				return err
			}
			if err := e.dims.Flush(ctx); err != nil {
				return err
			}
			pending, e.buffered = pending[:0], false
		}
		if err := e.enrich(ctx, &ev); err != nil {
			return err
		}
	}
	if len(pending) > 0 {
		e.buffered = true
	}
	return e.dims.HandleEvents(ctx, pending)
}

func (e *enricher) enrich(ctx context.Context, ev *cdc.Event) error {
	get := func(name string) int64 { v, _ := ev.Schema.Value(ev.After, name); n, _ := v.(int64); return n }
	o := enriched{id: get("id"), userID: get("user_id"), provinceID: get("province_id")}
	prov, found, err := e.province.Get(ctx, o.provinceID)
	if err != nil {
		return err
	}
	if found {
		o.province, _ = prov["name"].(string)
	}
	user, found, err := e.users.Get(ctx, o.userID)
	if err != nil {
		return err
	}
	if found {
		o.level, _ = user["user_level"].(string)
	}
	e.mu.Lock()
	e.seen = append(e.seen, o)
	e.mu.Unlock()
	return nil
}

// Flush commits the DIM changes: the source stores its checkpoint after it.
func (e *enricher) Flush(ctx context.Context) error {
	if err := e.dims.Flush(ctx); err != nil {
		return err
	}
	e.buffered = false
	return nil
}

func (e *enricher) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.seen)
}

// waitFor polls until n orders were enriched, the pipeline stops, or a
// minute passes.
func (e *enricher) waitFor(ctx context.Context, n int, done <-chan error) error {
	deadline := time.After(time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for e.count() < n {
		select {
		case err := <-done:
			return fmt.Errorf("the pipeline stopped after %d of %d orders: %v", e.count(), n, err)
		case <-deadline:
			return fmt.Errorf("only %d of %d orders were enriched within a minute", e.count(), n)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

func report(w io.Writer, e *enricher, province, users *phoenix.Lookup, sink *phoenix.Sink, check func() error) error {
	e.mu.Lock()
	seen := append([]enriched(nil), e.seen...)
	e.mu.Unlock()
	var problems []string
	for i, o := range seen {
		wantProvince, wantLevel := provinceNames[o.provinceID], "1"
		if o.id > int64(len(seen)/2) {
			if o.provinceID == 1 {
				wantProvince = "Beijing Shi"
			}
			if o.userID == 1 {
				wantLevel = "2"
			}
		}
		if o.province != wantProvince || o.level != wantLevel {
			problems = append(problems, fmt.Sprintf("order %d: province %d %q, user %d level %q; want %q and %q", o.id, o.provinceID, o.province, o.userID, o.level, wantProvince, wantLevel))
		}
		if i < 4 || i >= len(seen)-4 {
			fmt.Fprintf(w, "order %3d  user %d (level %s)  province %d (%s)\n", o.id, o.userID, o.level, o.provinceID, o.province)
		} else if i == 4 {
			fmt.Fprintln(w, "...")
		}
	}
	for _, l := range []struct {
		name string
		l    *phoenix.Lookup
	}{{"province", province}, {"user", users}} {
		st := l.l.Stats()
		fmt.Fprintf(w, "lookup %-8s %s: %d hits, %d misses (hit rate %.2f), %d invalidations, mean load %v\n",
			l.name, l.l.Table(), st.Hits, st.Misses, st.HitRate(), st.Invalidations, st.MeanLoadTime().Round(time.Microsecond))
	}
	ss := sink.Stats()
	fmt.Fprintf(w, "phoenix sink: %d rows upserted, %d deleted, %d commits\n", ss.RowsUpserted, ss.RowsDeleted, ss.Commits)
	if err := check(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New("orders enriched with the wrong DIM rows:\n  " + strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(w, "every one of %d orders was enriched with the DIM rows of its time\n", len(seen))
	return nil
}

var provinceNames = map[int64]string{1: "Beijing", 2: "Tianjin", 3: "Shanghai", 4: "Chongqing"}

func createShop(ctx context.Context, db *sql.DB, database string) error {
	q := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	stmts := []string{
		"DROP DATABASE IF EXISTS " + q,
		"CREATE DATABASE " + q,
		"CREATE TABLE " + q + ".base_province (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, region_id VARCHAR(20))",
		"CREATE TABLE " + q + ".user_info (id BIGINT PRIMARY KEY, login_name VARCHAR(50), user_level VARCHAR(10))",
		"CREATE TABLE " + q + ".order_info (id BIGINT PRIMARY KEY, user_id BIGINT, province_id BIGINT, total_amount DECIMAL(10,2))",
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("mysql: %s: %w", s, err)
		}
	}
	for id := int64(1); id <= 4; id++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+q+".base_province VALUES (?, ?, ?)", id, provinceNames[id], strconv.FormatInt(id%2+1, 10)); err != nil {
			return err
		}
	}
	for id := 1; id <= 10; id++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+q+".user_info VALUES (?, ?, '1')", id, fmt.Sprintf("user%02d", id)); err != nil {
			return err
		}
	}
	return nil
}

// writeOrders inserts n orders; after the first half it renames province 1
// and upgrades user 1.
func writeOrders(ctx context.Context, db *sql.DB, database string, n int) error {
	q := "`" + strings.ReplaceAll(database, "`", "``") + "`"
	for i := 1; i <= n; i++ {
		if i == n/2+1 {
			if _, err := db.ExecContext(ctx, "UPDATE "+q+".base_province SET name = 'Beijing Shi' WHERE id = 1"); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, "UPDATE "+q+".user_info SET user_level = '2' WHERE id = 1"); err != nil {
				return err
			}
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO "+q+".order_info VALUES (?, ?, ?, ?)", i, (i-1)%10+1, (i-1)%4+1, fmt.Sprintf("%d.50", 10+i)); err != nil {
			return err
		}
	}
	return nil
}

func openMySQL(dsn string) (db *sql.DB, host string, port int, user, password string, err error) {
	cfg, err := sqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, "", 0, "", "", fmt.Errorf("-mysql: %w", err)
	}
	h, p, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, "", 0, "", "", fmt.Errorf("-mysql address %q: %w", cfg.Addr, err)
	}
	port, _ = strconv.Atoi(p)
	cfg.DBName = ""
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		return nil, "", 0, "", "", err
	}
	return sql.OpenDB(conn), h, port, cfg.User, cfg.Passwd, nil
}
