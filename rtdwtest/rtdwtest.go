package rtdwtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/internal/redact"
)

// The environment variables rtdwtest reads.
const (
	// EnvMySQL, EnvMariaDB and EnvMySQLReplica name running servers by a
	// go-sql-driver DSN with a user that may create databases, such as
	// root:pw@tcp(127.0.0.1:3306)/. When one is set, rtdwtest uses that
	// server and starts none.
	EnvMySQL        = "RTDW_TEST_MYSQL"
	EnvMariaDB      = "RTDW_TEST_MARIADB"
	EnvMySQLReplica = "RTDW_TEST_MYSQL_REPLICA"
	// EnvClickHouse names a running ClickHouse by host:port of its native
	// protocol; EnvZooKeeper a running ZooKeeper by host:port of its client
	// port.
	EnvClickHouse = "RTDW_TEST_CLICKHOUSE"
	EnvZooKeeper  = "RTDW_TEST_ZOOKEEPER"
	// EnvRequireServices=1 fails a test whose server is unavailable instead
	// of skipping it (for CI, where a skip would hide a broken setup).
	EnvRequireServices = "RTDW_REQUIRE_SERVICES"
	// EnvStart=0 starts no server: a test whose server is not named by its
	// variable skips (or fails under EnvRequireServices=1).
	EnvStart = "RTDW_TEST_START"
	// EnvInstall=0 installs no package; by default rtdwtest installs missing
	// Debian packages when it runs as root on a machine with apt-get.
	EnvInstall = "RTDW_TEST_INSTALL"
	// EnvServicesDir moves the state of the servers rtdwtest starts (default
	// rtdw under os.UserCacheDir).
	EnvServicesDir = "RTDW_SERVICES_DIR"
	// EnvMySQLRoot moves where Oracle MySQL is unpacked (default mysql-root
	// of the state directory), so several state directories share one copy.
	EnvMySQLRoot = "RTDW_MYSQL_ROOT"
	// EnvKeepServers=1 leaves the servers running after [Main]'s tests, for
	// the next run.
	EnvKeepServers = "RTDW_TEST_KEEP_SERVERS"
)

// Required reports whether RTDW_REQUIRE_SERVICES=1, under which a test that
// cannot have its server fails instead of skipping.
func Required() bool { return os.Getenv(EnvRequireServices) == "1" }

// Unavailable skips t with the message, or fails it under
// RTDW_REQUIRE_SERVICES=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (%s=1, so this fails instead of skipping)", msg, EnvRequireServices)
	}
	t.Skip(msg)
}

// Default returns the Services that the test helpers start servers with:
// state in RTDW_SERVICES_DIR or the user's cache directory, ports from
// RTDW_MYSQL_PORT and the others (else remembered or chosen), installing
// packages when running as root unless RTDW_TEST_INSTALL=0.
func Default() (*Services, error) {
	ports, err := PortsFromEnv()
	if err != nil {
		return nil, fmt.Errorf("rtdwtest: %w", err)
	}
	dir := os.Getenv(EnvServicesDir)
	if dir == "" {
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	return &Services{
		Dir:             dir,
		MySQLRoot:       os.Getenv(EnvMySQLRoot),
		Ports:           ports,
		Install:         os.Getenv(EnvInstall) != "0" && os.Geteuid() == 0,
		NoMySQLBinlog:   os.Getenv("RTDW_MYSQL_BINLOG") == "off",
		NoMariaDBBinlog: os.Getenv("RTDW_MARIADB_BINLOG") == "off",
	}, nil
}

// sharedState is the servers this process asked for, started or found once each.
type sharedState struct {
	mu      sync.Mutex
	svc     *Services
	err     error
	up      map[string]error
	started []string  // started by this process (not found running)
	users   *fileLock // a shared lock on the state dir while this process uses its servers
}

var shared sharedState

// ensure makes the service run under Default's state dir (once per process)
// and returns the value of its variable (env) that points at it.
func ensure(t testing.TB, service, env string) (string, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.svc == nil && shared.err == nil {
		shared.svc, shared.err = Default()
		shared.up = map[string]error{}
	}
	if shared.err != nil {
		return "", shared.err
	}
	s := shared.svc
	err, done := shared.up[service]
	if !done {
		err = shared.upOnce(t, service)
		shared.up[service] = err
	}
	if err != nil {
		return "", err
	}
	envs, err := s.Env()
	if err != nil {
		return "", err
	}
	for _, kv := range envs {
		if v, ok := strings.CutPrefix(kv, env+"="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("rtdwtest: %s runs but its port is unknown", service)
}

// upOnce starts the service, holding the shared lock on the state dir that
// tells Main another process uses its servers. Called with shared.mu held.
func (sh *sharedState) upOnce(t testing.TB, service string) error {
	s := sh.svc
	dir, err := s.dir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if sh.users == nil {
		if sh.users, err = lockFile(dir+"/users.lock", syscall.LOCK_SH); err != nil {
			return err
		}
	}
	names, err := withDeps([]string{service}) // the replica brings its primary
	if err != nil {
		return err
	}
	before, err := s.Running(names...)
	if err != nil {
		return err
	}
	s.Logf = func(format string, args ...any) { t.Logf("rtdwtest: "+format, args...) }
	defer func() { s.Logf = nil }()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := s.Up(ctx, service); err != nil {
		return err
	}
	for _, n := range names {
		if before[n] == 0 && !slices.Contains(sh.started, n) {
			sh.started = append(sh.started, n)
		}
	}
	return nil
}

// serverFor returns the variable's value, or starts the service and returns
// its value; it skips or fails t when neither can be had.
func serverFor(t testing.TB, env, service, example string) string {
	t.Helper()
	if v := os.Getenv(env); v != "" {
		return v
	}
	if os.Getenv(EnvStart) == "0" {
		Unavailable(t, "%s integration test: set %s to a running server, such as %s (%s=0: rtdwtest starts none)", service, env, example, EnvStart)
	}
	v, err := ensure(t, service, env)
	if err != nil {
		Unavailable(t, "%s integration test: no server: %v (or set %s to a running one, such as %s)", service, err, env, example)
	}
	return v
}

// Main runs a package's tests (call it from TestMain) and then stops the
// servers this test binary started, unless another process still uses them or
// RTDW_TEST_KEEP_SERVERS=1. Without Main, servers keep running after the
// tests, so the next run finds them warm; [Stop] stops them.
//
//	func TestMain(m *testing.M) { os.Exit(rtdwtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if len(shared.started) == 0 || os.Getenv(EnvKeepServers) == "1" || shared.users == nil {
		return code
	}
	// Upgrading the shared lock succeeds only when no other process holds one.
	if err := syscall.Flock(int(shared.users.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return code
	}
	_ = shared.svc.Down(shared.started...)
	shared.users.unlock()
	shared.users = nil
	return code
}

// Stop stops every server that rtdwtest started in its state directory
// (RTDW_SERVICES_DIR, else rtdw under the user's cache directory). The
// command `go run github.com/rtdw/rtdw/rtdwtest/cmd/rtdwtest down` does the
// same from a shell.
func Stop() error {
	s, err := Default()
	if err != nil {
		return err
	}
	return s.Down()
}

// DB is a fresh database on a MySQL or MariaDB server, created for one test
// and dropped when it ends.
type DB struct {
	// Flavor is "mysql" or "mariadb" (go-mysql's flavour names).
	Flavor string
	// Host, Port, User and Password reach the server with the privileges
	// of the named or started server's user (root for a started one).
	Host     string
	Port     int
	User     string
	Password string
	// Database is the test's own database.
	Database string
	// DB is a connection pool with Database as its default, closed when the
	// test ends.
	DB *sql.DB
}

// MySQL returns a fresh database on Oracle MySQL: the server RTDW_TEST_MYSQL
// names, else one rtdwtest runs (starting it when none runs). The database is
// dropped when the test ends. Without a server the test skips (fails under
// RTDW_REQUIRE_SERVICES=1).
func MySQL(t testing.TB) *DB {
	t.Helper()
	return newDB(t, "mysql", serverFor(t, EnvMySQL, ServiceMySQL, "root:pw@tcp(127.0.0.1:3306)/"))
}

// MariaDB is MySQL for MariaDB: RTDW_TEST_MARIADB, else a MariaDB rtdwtest runs.
func MariaDB(t testing.TB) *DB {
	t.Helper()
	return newDB(t, "mariadb", serverFor(t, EnvMariaDB, ServiceMariaDB, "root:pw@tcp(127.0.0.1:3307)/"))
}

// MySQLReplica returns the connection settings of a GTID replica of the
// server [MySQL] uses: RTDW_TEST_MYSQL_REPLICA, else one rtdwtest runs. A
// database a test creates on the primary appears on it.
func MySQLReplica(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := serverFor(t, EnvMySQLReplica, ServiceMySQLReplica, "root:pw@tcp(127.0.0.1:3308)/")
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", EnvMySQLReplica, redact.Error(err, redact.DSNPassword(dsn)))
	}
	cfg.AllowNativePasswords = true
	return cfg
}

// ServerConfig returns the connection settings of the MySQL ("mysql") or
// MariaDB ("mariadb") server the helpers use, without creating a database.
func ServerConfig(t testing.TB, flavor string) *mysql.Config {
	t.Helper()
	env, service, example := EnvMySQL, ServiceMySQL, "root:pw@tcp(127.0.0.1:3306)/"
	if flavor == "mariadb" {
		env, service, example = EnvMariaDB, ServiceMariaDB, "root:pw@tcp(127.0.0.1:3307)/"
	}
	dsn := serverFor(t, env, service, example)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", env, redact.Error(err, redact.DSNPassword(dsn)))
	}
	cfg.AllowNativePasswords = true
	return cfg
}

// admins holds one pool per server for creating and dropping databases, so a
// fresh database costs two statements, not a login.
var admins sync.Map // DSN -> *sql.DB

func adminPool(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	key := cfg.FormatDSN()
	if db, ok := admins.Load(key); ok {
		return db.(*sql.DB), nil
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if prev, loaded := admins.LoadOrStore(key, db); loaded {
		db.Close()
		return prev.(*sql.DB), nil
	}
	return db, nil
}

func newDB(t testing.TB, flavor, dsn string) *DB {
	t.Helper()
	env := EnvMySQL
	if flavor == "mariadb" {
		env = EnvMariaDB
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s is not a go-sql-driver DSN: %v", env, redact.Error(err, redact.DSNPassword(dsn)))
	}
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatalf("%s: DSN address %q: %v", env, cfg.Addr, err)
	}
	port, _ := strconv.Atoi(portStr)
	admin := cfg.Clone()
	admin.DBName = ""
	admin.AllowNativePasswords = true
	admin.Timeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root, err := adminPool(ctx, admin)
	if err != nil {
		Unavailable(t, "%s at %s is not reachable: %v", flavor, cfg.Addr, redact.Error(err, cfg.Passwd))
	}
	name := DatabaseName(t)
	if _, err := root.ExecContext(ctx, "CREATE DATABASE "+QuoteIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("%s: create database %s: %v", flavor, name, redact.Error(err, cfg.Passwd))
	}
	own := admin.Clone()
	own.DBName = name
	own.MultiStatements = true
	conn, err := mysql.NewConnector(own)
	if err != nil {
		t.Fatalf("%s: %v", flavor, redact.Error(err, cfg.Passwd))
	}
	db := sql.OpenDB(conn)
	// Registered before the drop's cleanup, so it runs after it: the pool closes first.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := root.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
			t.Errorf("%s: drop database %s: %v", flavor, name, redact.Error(err, cfg.Passwd))
		}
	})
	t.Cleanup(func() { db.Close() })
	return &DB{Flavor: flavor, Host: host, Port: port, User: cfg.User, Password: cfg.Passwd, Database: name, DB: db}
}

// Config returns go-sql-driver settings for the test's database.
func (d *DB) Config() *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = d.User, d.Password
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	cfg.DBName = d.Database
	cfg.AllowNativePasswords = true
	cfg.MultiStatements = true
	return cfg
}

// DSN returns a go-sql-driver DSN for the test's database.
func (d *DB) DSN() string { return d.Config().FormatDSN() }

// Exec runs statements in the test's database and fails the test on error.
func (d *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := d.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %s: %v", d.Flavor, q, err)
		}
	}
}

// String names the server and database, never the password.
func (d *DB) String() string {
	return fmt.Sprintf("%s %s@%s:%d/%s", d.Flavor, d.User, d.Host, d.Port, d.Database)
}

// GoString is String, so %#v does not print the password either.
func (d *DB) GoString() string { return d.String() }

// ClickHouseDB is a fresh database on a ClickHouse server, created for one
// test and dropped when it ends.
type ClickHouseDB struct {
	// Addr is host:port of the native protocol.
	Addr string
	// Database is the test's own database.
	Database string
	// Conn is a native connection with Database as its default, closed when
	// the test ends.
	Conn driver.Conn
}

var chAdmins sync.Map // addr -> driver.Conn

// ClickHouse returns a fresh database on ClickHouse: the server
// RTDW_TEST_CLICKHOUSE names (host:port of the native protocol), else one
// rtdwtest runs. The database is dropped when the test ends.
func ClickHouse(t testing.TB) *ClickHouseDB {
	t.Helper()
	addr := serverFor(t, EnvClickHouse, ServiceClickHouse, "127.0.0.1:9000")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var admin driver.Conn
	if c, ok := chAdmins.Load(addr); ok {
		admin = c.(driver.Conn)
	} else {
		c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 5 * time.Second})
		if err == nil {
			err = c.Ping(ctx)
		}
		if err != nil {
			Unavailable(t, "ClickHouse at %s is not reachable: %v", addr, err)
		}
		if prev, loaded := chAdmins.LoadOrStore(addr, c); loaded {
			c.Close()
			c = prev.(driver.Conn)
		}
		admin = c
	}
	name := DatabaseName(t)
	if err := admin.Exec(ctx, "CREATE DATABASE "+QuoteIdent(name)); err != nil {
		t.Fatalf("clickhouse: create database %s: %v", name, err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: name}})
	if err != nil {
		t.Fatalf("clickhouse: open %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
			t.Errorf("clickhouse: drop database %s: %v", name, err)
		}
	})
	t.Cleanup(func() { conn.Close() })
	return &ClickHouseDB{Addr: addr, Database: name, Conn: conn}
}

// ZooKeeper returns host:port of a serving ZooKeeper: the one
// RTDW_TEST_ZOOKEEPER names, else one rtdwtest runs. Tests share it: each
// should work under a znode path of its own, such as "/" + DatabaseName(t).
func ZooKeeper(t testing.TB) string {
	t.Helper()
	addr := serverFor(t, EnvZooKeeper, ServiceZooKeeper, "127.0.0.1:2181")
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("%s=%q is not host:port: %v", EnvZooKeeper, addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ZooKeeperMode(ctx, addr); err != nil {
		Unavailable(t, "ZooKeeper at %s does not serve: %v", addr, err)
	}
	return addr
}

// DatabaseName returns a database name unique to this test run, built from
// the test's name: rtdw_<name>_<random>, at most 64 characters, safe as a
// MySQL and ClickHouse identifier and as a znode name.
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
