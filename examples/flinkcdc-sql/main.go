// Command flinkcdc-sql is the seed's FlinkCDC_02_SQL in Go: the user_info
// table of MySQL declared as a Flink SQL mysql-cdc table, and
// `SELECT * FROM` it printed as its changes arrive, through a Flink SQL
// Gateway.
//
// The table is not written by hand: the program reads its columns and
// primary key from the live MySQL server (mysql.LoadTableSchemas) and
// renders the CREATE TABLE with package cdc/pipeline/flinksql, for the Flink
// release given by -version. It prints the script on stderr, passwords
// redacted, then opens a gateway session, creates the table, runs the
// SELECT and prints each row as Flink's Row does (+I[1, zhangsan], -U[...],
// +U[...], -D[...]) on stdout until SIGINT, -max-rows rows or -idle.
//
// With -url it talks to a real gateway (whose cluster has the
// flink-sql-connector-mysql-cdc jar). Without, it talks to an in-process fake
// gateway (flinkclient/flinktest) that checks every request against Flink's
// REST spec and answers the SELECT with the table's present rows, read from
// MySQL: a fake runs no Flink job, so it shows the snapshot and no later
// change.
//
//	eval "$(scripts/services.sh env)"   # RTDW_TEST_MYSQL: the local MySQL
//	go run ./examples/flinkcdc-sql -setup
//	go run ./examples/flinkcdc-sql -url http://hadoop102:8083 -host hadoop102 -version 1.18
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// The environment variables the program reads.
const (
	envPassword = "RTDW_MYSQL_PASSWORD"
	envTestDSN  = "RTDW_TEST_MYSQL"
)

// config is what the flags and the environment set.
type config struct {
	Host     string
	Port     int
	User     string
	Password string // never printed
	Database string
	Table    string
	ServerID string
	URL      string
	Version  string
	Setup    bool
	MaxRows  int
	Idle     time.Duration
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "flinkcdc-sql: %v\n", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line; the connection defaults come from the
// DSN in RTDW_TEST_MYSQL when it is set, the password from
// RTDW_MYSQL_PASSWORD or else that DSN, never from a flag.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	defHost, defPort, defUser, dsnPassword := "127.0.0.1", 3306, "root", ""
	if dsn := getenv(envTestDSN); dsn != "" {
		if c, err := sqldriver.ParseDSN(dsn); err == nil {
			if host, port, err := net.SplitHostPort(c.Addr); err == nil {
				defHost = host
				defPort, _ = strconv.Atoi(port)
			}
			defUser, dsnPassword = c.User, c.Passwd
		}
	}
	cfg := config{Password: getenv(envPassword)}
	if cfg.Password == "" {
		cfg.Password = dsnPassword
	}
	fs := flag.NewFlagSet("flinkcdc-sql", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Host, "host", defHost, "MySQL host as the Flink cluster reaches it; the host of "+envTestDSN+" when that is set")
	fs.IntVar(&cfg.Port, "port", defPort, "MySQL port; the port of "+envTestDSN+" when that is set")
	fs.StringVar(&cfg.User, "user", defUser, "MySQL user, with SELECT, REPLICATION SLAVE and REPLICATION CLIENT")
	fs.StringVar(&cfg.Database, "database", "gmall_config", "database of the table")
	fs.StringVar(&cfg.Table, "table", "user_info", "table to declare and select from")
	fs.StringVar(&cfg.ServerID, "server-id", "5400-5403", "server-id range of the mysql-cdc table, unique among the server's replicas")
	fs.StringVar(&cfg.URL, "url", "", "SQL Gateway REST URL, such as http://hadoop102:8083 (empty: an in-process fake)")
	fs.StringVar(&cfg.Version, "version", "1.20", "Flink release to render for (1.18, 1.20, 2.2; 1.13 has no gateway); the fake plays it (2.3 for 2.2)")
	fs.BoolVar(&cfg.Setup, "setup", false, "create -database.-table with a few rows first, when it does not exist")
	fs.IntVar(&cfg.MaxRows, "max-rows", 0, "stop after this many rows; 0: no limit")
	fs.DurationVar(&cfg.Idle, "idle", 0, "stop when no row came for this long; 0: run until SIGINT (the fake's SELECT ends by itself)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, "flinkcdc-sql:", err)
		return config{}, err
	}
	return cfg, nil
}

// run renders the table, creates it through the gateway and prints the
// SELECT's rows as they arrive.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	db, err := openMySQL(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	id := cdc.TableID{Database: cfg.Database, Table: cfg.Table}
	if cfg.Setup {
		if err := setup(ctx, db, id); err != nil {
			return err
		}
	}
	schemas, err := mysql.LoadTableSchemas(ctx, db, []cdc.TableID{id})
	if err != nil {
		return err
	}
	schema := schemas[id]
	if schema == nil {
		return fmt.Errorf("table %s not found (run with -setup to create it)", id)
	}
	script, err := render(cfg, schema)
	if err != nil {
		return err
	}
	table, _ := script.SourceTable(id)
	fmt.Fprintf(stderr, "-- %s's live schema, rendered for Flink %s:\n", id, cfg.Version)
	for _, st := range script.Setup() {
		fmt.Fprintf(stderr, "%s;\n\n", script.Redact(st))
	}
	fmt.Fprintf(stderr, "%s;\n\n", selectAll(table))

	url := cfg.URL
	if url == "" {
		fake, err := startFake(ctx, cfg, db, schema, script)
		if err != nil {
			return err
		}
		defer fake.Close()
		url = fake.URL()
		fmt.Fprintf(stderr, "-- no -url: an in-process fake SQL Gateway (Flink %s) at %s answers the SELECT with the table's present rows\n", fake.FlinkVersion(), url)
	}
	gw, err := sqlgateway.New(url)
	if err != nil {
		return err
	}
	return query(ctx, cfg, gw, script, table, stdout)
}

func openMySQL(cfg config) (*sql.DB, error) {
	c := sqldriver.NewConfig()
	c.User, c.Passwd, c.Net = cfg.User, cfg.Password, "tcp"
	c.Addr = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	c.AllowNativePasswords = true
	connector, err := sqldriver.NewConnector(c)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// setup creates the seed's user_info table with a few rows when it is not
// there.
func setup(ctx context.Context, db *sql.DB, id cdc.TableID) error {
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	for _, stmt := range []string{
		"CREATE DATABASE IF NOT EXISTS " + q(id.Database),
		"CREATE TABLE IF NOT EXISTS " + q(id.Database) + "." + q(id.Table) + " (id BIGINT PRIMARY KEY, name VARCHAR(200), phone_num VARCHAR(20), birthday DATE)",
		"INSERT IGNORE INTO " + q(id.Database) + "." + q(id.Table) + " VALUES (1, 'zhangsan', '13800000001', '2000-01-01'), (2, 'lisi', NULL, '1999-12-31')",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	return nil
}

// render declares the table as a mysql-cdc table: a pipeline of the one
// table into a print sink, whose setup statements create it.
func render(cfg config, schema *cdc.TableSchema) (*flinksql.Script, error) {
	src, err := mysql.NewSource().Hostname(cfg.Host).Port(cfg.Port).Username(cfg.User).Password(cfg.Password).
		DatabaseList(regexpQuote(cfg.Database)).TableList(regexpQuote(cfg.Database) + `\.` + regexpQuote(cfg.Table)).
		ServerID(cfg.ServerID).Build()
	if err != nil {
		return nil, err
	}
	p := pipeline.New("FlinkCDC_02_SQL").From(src).To(pipeline.NewPrintSink(io.Discard, pipeline.PrintReadable)).
		Schemas(schema).Config()
	return flinksql.Render(p, flinksql.Options{Target: flinksql.Target{Flink: cfg.Version}})
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// query creates the tables and prints the SELECT's rows.
func query(ctx context.Context, cfg config, gw *sqlgateway.Client, script *flinksql.Script, table string, stdout io.Writer) error {
	session, err := gw.OpenSession(ctx, sqlgateway.SessionOptions{Name: "FlinkCDC_02_SQL"})
	if err != nil {
		return err
	}
	defer session.Close(context.WithoutCancel(ctx))
	for _, st := range script.Setup() {
		op, err := session.Execute(ctx, st, sqlgateway.ExecuteOptions{})
		if err != nil {
			return err
		}
		res := op.Results(ctx, sqlgateway.ResultsOptions{})
		for res.Next() {
		}
		if err := res.Err(); err != nil {
			first, _, _ := strings.Cut(st, "\n")
			return fmt.Errorf("%s: %w", script.Redact(first), err)
		}
	}
	op, err := session.Execute(ctx, selectAll(table), sqlgateway.ExecuteOptions{})
	if err != nil {
		return err
	}
	if cfg.Idle > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		rowSeen := make(chan struct{}, 1)
		go watchIdle(ctx, cfg.Idle, rowSeen, cancel)
		defer close(rowSeen)
		return printRows(ctx, cfg, op, stdout, func() {
			select {
			case rowSeen <- struct{}{}:
			default:
			}
		})
	}
	return printRows(ctx, cfg, op, stdout, func() {})
}

func selectAll(table string) string {
	return "SELECT * FROM `" + strings.ReplaceAll(table, "`", "``") + "`"
}

func watchIdle(ctx context.Context, idle time.Duration, rowSeen <-chan struct{}, cancel context.CancelFunc) {
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-rowSeen:
			if !ok {
				return
			}
			timer.Reset(idle)
		case <-timer.C:
			cancel()
			return
		}
	}
}

// rowKinds are Flink's short strings of the row kinds.
var rowKinds = map[sqlgateway.RowKind]string{
	sqlgateway.Insert: "+I", sqlgateway.UpdateBefore: "-U", sqlgateway.UpdateAfter: "+U", sqlgateway.Delete: "-D",
}

func printRows(ctx context.Context, cfg config, op *sqlgateway.Operation, stdout io.Writer, seen func()) error {
	n := 0
	for row, err := range op.Rows(ctx, sqlgateway.ResultsOptions{}) {
		if err != nil {
			if ctx.Err() != nil {
				return nil // SIGINT or -idle
			}
			return err
		}
		seen()
		values := make([]string, len(row.Values))
		for i, v := range row.Values {
			values[i] = formatValue(v)
		}
		fmt.Fprintf(stdout, "%s[%s]\n", rowKinds[row.Kind], strings.Join(values, ", "))
		if n++; cfg.MaxRows > 0 && n >= cfg.MaxRows {
			return nil
		}
	}
	return nil
}

func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.Format("2006-01-02T15:04:05.999999999")
	case []byte:
		return fmt.Sprintf("%x", v)
	}
	return fmt.Sprint(v)
}

// startFake starts the fake gateway and makes it answer the SELECT with the
// table's present rows, typed as the rendered table declares them.
func startFake(ctx context.Context, cfg config, db *sql.DB, schema *cdc.TableSchema, script *flinksql.Script) (*flinktest.SQLGateway, error) {
	version := cfg.Version
	if strings.HasPrefix(version, "2.") {
		version = "2.3"
	}
	fake, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: version, PageSize: 2})
	if err != nil {
		return nil, err
	}
	rows, err := mysql.ReadTable(ctx, db, schema)
	if err != nil {
		fake.Close()
		return nil, err
	}
	result := flinktest.SQLResult{Query: true}
	for _, c := range schema.Columns {
		result.Columns = append(result.Columns, sqlgateway.Column{Name: c.Name, Type: gatewayType(c)})
	}
	for _, r := range rows {
		values := make([]any, len(r))
		for i, v := range r {
			values[i] = gatewayValue(v)
		}
		result.Rows = append(result.Rows, sqlgateway.Row{Kind: sqlgateway.Insert, Values: values})
	}
	table, _ := script.SourceTable(schema.Table)
	fake.RegisterResult(selectAll(table), result)
	return fake, nil
}

// gatewayType is the logical type the fake declares a column with: integers
// as BIGINT, dates as DATE, everything else as text.
func gatewayType(c cdc.Column) sqlgateway.LogicalType {
	switch {
	case c.Type.Kind.IsInteger():
		return sqlgateway.LogicalType{Root: sqlgateway.TypeBigint, Nullable: c.Nullable}
	case c.Type.Kind == cdc.KindDate:
		return sqlgateway.LogicalType{Root: sqlgateway.TypeDate, Nullable: c.Nullable}
	}
	return sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 2147483647, Nullable: c.Nullable}
}

func gatewayValue(v any) any {
	switch v := v.(type) {
	case nil, int64, time.Time:
		return v
	case int8, int16, int32, int, uint8, uint16, uint32:
		n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		return n
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}
