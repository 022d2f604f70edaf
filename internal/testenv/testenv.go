package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/rtdwtest"
)

// The environment variables that point tests at servers (rtdwtest's).
const (
	EnvMySQL           = rtdwtest.EnvMySQL
	EnvMariaDB         = rtdwtest.EnvMariaDB
	EnvMySQLReplica    = rtdwtest.EnvMySQLReplica
	EnvClickHouse      = rtdwtest.EnvClickHouse
	EnvZooKeeper       = rtdwtest.EnvZooKeeper
	EnvRequireServices = rtdwtest.EnvRequireServices
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
func Required() bool { return rtdwtest.Required() }

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

// SourceConfig returns the server's connection settings (rtdwtest.ServerConfig:
// the server its variable names, else one rtdwtest runs), or skips (fails
// under RTDW_REQUIRE_SERVICES=1) when there is none.
func SourceConfig(t testing.TB, f Flavor) *mysql.Config {
	t.Helper()
	return rtdwtest.ServerConfig(t, string(f))
}

// ReplicaConfig returns the connection settings of the GTID replica of the
// MySQL server (rtdwtest.MySQLReplica: RTDW_TEST_MYSQL_REPLICA, else one
// rtdwtest runs), or skips (fails under RTDW_REQUIRE_SERVICES=1). The replica
// follows the server of RTDW_TEST_MYSQL, so a database a test creates there
// appears on it.
func ReplicaConfig(t testing.TB) *mysql.Config {
	t.Helper()
	return rtdwtest.MySQLReplica(t)
}

// NewSource creates a fresh database on the server of flavour f
// (rtdwtest.MySQL or rtdwtest.MariaDB) and returns it; the database is
// dropped when the test ends.
func NewSource(t testing.TB, f Flavor) *Source {
	t.Helper()
	var db *rtdwtest.DB
	if f == MariaDB {
		db = rtdwtest.MariaDB(t)
	} else {
		db = rtdwtest.MySQL(t)
	}
	return &Source{Flavor: f, Host: db.Host, Port: db.Port, User: db.User, Password: db.Password, Database: db.Database, DB: db.DB}
}

// DatabaseName returns a database name unique to this test run, built from
// the test's name: rtdw_<name>_<random>, at most 64 characters.
func DatabaseName(t testing.TB) string { return rtdwtest.DatabaseName(t) }

// QuoteIdent quotes a MySQL or ClickHouse identifier with backquotes.
func QuoteIdent(s string) string { return rtdwtest.QuoteIdent(s) }

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
