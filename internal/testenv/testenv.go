package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/internal/redact"
)

// The environment variables that point tests at servers.
const (
	EnvMySQL           = "RTDW_TEST_MYSQL"
	EnvMariaDB         = "RTDW_TEST_MARIADB"
	EnvMySQLReplica    = "RTDW_TEST_MYSQL_REPLICA"
	EnvClickHouse      = "RTDW_TEST_CLICKHOUSE"
	EnvZooKeeper       = "RTDW_TEST_ZOOKEEPER"
	EnvRequireServices = "RTDW_REQUIRE_SERVICES"
)

// Flavor names a binlog source server.
type Flavor string

// The source flavours.
const (
	MySQL   Flavor = "mysql"
	MariaDB Flavor = "mariadb"
)

// Required reports whether RTDW_REQUIRE_SERVICES=1, under which a test that
// cannot reach its server fails instead of skipping.
func Required() bool { return os.Getenv(EnvRequireServices) == "1" }

// unavailable skips t, or fails it when services are required.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (%s=1, so this fails instead of skipping)", msg, EnvRequireServices)
	}
	t.Skip(msg)
}

// Source is a fresh database on a MySQL or MariaDB server, created for one test.
type Source struct {
	// Flavor is MySQL or MariaDB.
	Flavor Flavor
	// Host, Port, User and Password reach the server with full privileges.
	Host     string
	Port     int
	User     string
	Password string
	// Database is the test's own database, dropped when the test ends.
	Database string
	// DB is a connection pool to the server with Database as its default.
	DB *sql.DB
}

// DSN returns a go-sql-driver DSN for the test's database.
func (s *Source) DSN() string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.User, s.Password
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	cfg.DBName = s.Database
	cfg.AllowNativePasswords = true
	cfg.MultiStatements = true
	return cfg.FormatDSN()
}

// Exec runs statements in the test's database and fails the test on error.
func (s *Source) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %s: %v", s.Flavor, q, err)
		}
	}
}

// ForEachSource runs fn as a parallel subtest against MySQL and against
// MariaDB, each with a fresh database. The test that calls it runs in
// parallel with the package's other parallel tests too (it calls
// t.Parallel, so the caller must not): each of its subtests owns its
// database.
func ForEachSource(t *testing.T, fn func(t *testing.T, src *Source)) {
	t.Helper()
	t.Parallel()
	for _, f := range []Flavor{MySQL, MariaDB} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			fn(t, NewSource(t, f))
		})
	}
}

// SourceConfig returns the server's connection settings from its variable,
// or skips (fails under RTDW_REQUIRE_SERVICES=1) when it is unset.
func SourceConfig(t testing.TB, f Flavor) *mysql.Config {
	t.Helper()
	env := EnvMySQL
	if f == MariaDB {
		env = EnvMariaDB
	}
	dsn := os.Getenv(env)
	if dsn == "" {
		unavailable(t, "%s integration test: set %s to a DSN such as root:pw@tcp(127.0.0.1:13306)/ (make test does)", f, env)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", env, redact.Error(err, redact.DSNPassword(dsn)))
	}
	return cfg
}

// ReplicaConfig returns the connection settings of the GTID replica of the
// MySQL server that RTDW_TEST_MYSQL_REPLICA names, or skips (fails under
// RTDW_REQUIRE_SERVICES=1) when it is unset. The replica follows the
// server of RTDW_TEST_MYSQL, so a database a test creates there appears on
// it.
func ReplicaConfig(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := os.Getenv(EnvMySQLReplica)
	if dsn == "" {
		unavailable(t, "replica integration test: set %s to the DSN of a GTID replica of %s, such as root:pw@tcp(127.0.0.1:13308)/ (make test does)", EnvMySQLReplica, EnvMySQL)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", EnvMySQLReplica, redact.Error(err, redact.DSNPassword(dsn)))
	}
	cfg.AllowNativePasswords = true
	return cfg
}

// NewSource creates a fresh database on the server of flavour f and returns
// it; the database is dropped when the test ends.
func NewSource(t testing.TB, f Flavor) *Source {
	t.Helper()
	cfg := SourceConfig(t, f)
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatalf("%s DSN address %q: %v", f, cfg.Addr, err)
	}
	port, _ := strconv.Atoi(portStr)

	admin := cfg.Clone()
	admin.DBName = ""
	admin.AllowNativePasswords = true
	admin.Timeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	root, err := openPing(ctx, admin)
	if err != nil {
		unavailable(t, "%s at %s is not reachable: %v (start it with scripts/services.sh up)", f, cfg.Addr, redact.Error(err, cfg.Passwd))
	}
	defer root.Close()

	name := DatabaseName(t)
	if _, err := root.ExecContext(ctx, "CREATE DATABASE "+QuoteIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("%s: create database %s: %v", f, name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if db, err := openPing(ctx, admin); err == nil {
			defer db.Close()
			if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
				t.Errorf("%s: drop database %s: %v", f, name, err)
			}
		}
	})

	own := admin.Clone()
	own.DBName = name
	own.MultiStatements = true
	db, err := openPing(ctx, own)
	if err != nil {
		t.Fatalf("%s: connect to %s: %v", f, name, redact.Error(err, cfg.Passwd))
	}
	t.Cleanup(func() { db.Close() })
	return &Source{Flavor: f, Host: host, Port: port, User: cfg.User, Password: cfg.Passwd, Database: name, DB: db}
}

func openPing(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// DatabaseName returns a database name unique to this test run, built from
// the test's name: rtdw_<name>_<random>, at most 64 characters.
func DatabaseName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	base := b.String()
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return "rtdw_" + strings.Trim(base, "_") + "_" + hex.EncodeToString(rnd[:])
}

// QuoteIdent quotes a MySQL or ClickHouse identifier with backquotes.
func QuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// BinlogPosition returns the server's current binlog file and position
// (SHOW BINARY LOG STATUS on MySQL, SHOW MASTER STATUS on MariaDB), and fails
// the test when the binlog is off.
func (s *Source) BinlogPosition(t testing.TB) (file string, pos uint32) {
	t.Helper()
	q := "SHOW BINARY LOG STATUS"
	if s.Flavor == MariaDB {
		q = "SHOW MASTER STATUS"
	}
	rows, err := s.DB.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %s: %v", s.Flavor, q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("%s: %s returned no row: is the binlog on (--log-bin)?", s.Flavor, q)
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	p, err := strconv.ParseUint(string(vals[1]), 10, 32)
	if err != nil {
		t.Fatalf("%s: %s position %q: %v", s.Flavor, q, vals[1], err)
	}
	return string(vals[0]), uint32(p)
}

// String names the server and database, never the password.
func (s *Source) String() string {
	return fmt.Sprintf("%s %s@%s:%d/%s", s.Flavor, s.User, s.Host, s.Port, s.Database)
}

// GoString is String, so %#v does not print the password either.
func (s *Source) GoString() string { return s.String() }

// ExecSession runs statements in order on one connection of the pool, so
// that session settings among them apply to the rest. Unless logged, the
// session writes no binlog (sql_log_bin = 0) — for bulk loads that nothing
// reads back from the binlog, which would otherwise grow the shared server's
// binlog with every run. The setting is restored before the connection goes
// back to the pool.
func (s *Source) ExecSession(t testing.TB, logged bool, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		t.Fatalf("%s: %v", s.Flavor, err)
	}
	defer func() {
		if !logged {
			_, _ = conn.ExecContext(ctx, "SET SESSION sql_log_bin = 1")
		}
		conn.Close()
	}()
	if !logged {
		stmts = append([]string{"SET SESSION sql_log_bin = 0"}, stmts...)
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %.80s: %v", s.Flavor, q, err)
		}
	}
}
