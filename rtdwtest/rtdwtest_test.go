package rtdwtest_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/rtdwtest"
)

// The servers this binary starts (only when no variable names them) stop
// when its tests end, unless RTDW_TEST_KEEP_SERVERS=1.
func TestMain(m *testing.M) { os.Exit(rtdwtest.Main(m)) }

// TestFreshDatabase: each helper gives a database of its own that the test
// can write, that a sibling test does not see, and that is gone once the
// test ends.
func TestFreshDatabase(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"mysql", "mariadb"} {
		t.Run(flavor, func(t *testing.T) {
			t.Parallel()
			get := rtdwtest.MySQL
			if flavor == "mariadb" {
				get = rtdwtest.MariaDB
			}
			var first, second string
			var cfg *mysql.Config
			t.Run("first", func(t *testing.T) {
				db := get(t)
				first, cfg = db.Database, db.Config()
				db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
				var n int
				if err := db.DB.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
					t.Fatalf("count %d, %v; want 1", n, err)
				}
				if db.Flavor != flavor || !strings.Contains(db.String(), db.Database) || strings.Contains(fmt.Sprintf("%v %#v", db, db), db.Password) && db.Password != "" {
					t.Fatalf("printed %v: want the flavour and database, no password", db)
				}
			})
			t.Run("second", func(t *testing.T) {
				db := get(t)
				second = db.Database
				var n int
				err := db.DB.QueryRow("SELECT COUNT(*) FROM t").Scan(&n)
				if err == nil {
					t.Fatalf("a second test sees the first test's table t")
				}
			})
			if first == "" && second == "" {
				// Both subtests ended before getting a database: skipped for
				// want of a server (a failure to get one has failed them).
				t.Skip("no server: the subtests skipped")
			}
			if first == "" || first == second {
				t.Fatalf("databases %q and %q: want two distinct ones", first, second)
			}
			cfg.DBName = ""
			conn, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(conn)
			defer db.Close()
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name IN (?, ?)", first, second).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d of the ended tests' databases remain (%v); want them dropped", n, err)
			}
		})
	}
}

func TestClickHouseFreshDatabase(t *testing.T) {
	t.Parallel()
	var name, addr string
	t.Run("use", func(t *testing.T) {
		ch := rtdwtest.ClickHouse(t)
		name, addr = ch.Database, ch.Addr
		ctx := context.Background()
		if err := ch.Conn.Exec(ctx, "CREATE TABLE t (id UInt64) ENGINE = MergeTree ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		batch, err := ch.Conn.PrepareBatch(ctx, "INSERT INTO t (id)")
		if err != nil {
			t.Fatal(err)
		}
		if err := batch.Append(uint64(7)); err != nil {
			t.Fatal(err)
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
		var db string
		if err := ch.Conn.QueryRow(ctx, "SELECT database FROM system.tables WHERE name = 't' AND database = currentDatabase()").Scan(&db); err != nil || db != name {
			t.Fatalf("table t is in %q (%v), want the test's database %q", db, err, name)
		}
	})
	if name == "" {
		t.Skip("no ClickHouse")
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s: %d left (%v), want it dropped", name, n, err)
	}
}

func TestZooKeeperServes(t *testing.T) {
	t.Parallel()
	addr := rtdwtest.ZooKeeper(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if mode, err := rtdwtest.ZooKeeperMode(ctx, addr); err != nil || mode != "standalone" {
		t.Fatalf("ZooKeeper at %s: mode %q, %v; want standalone", addr, mode, err)
	}
}

// TestServicesStartReuseStop starts servers in a state dir of its own on
// ports it chooses, from two Services at once (as two test binaries would):
// one starts each server and the other reuses it; Env names them and Down
// stops them.
func TestServicesStartReuseStop(t *testing.T) {
	t.Parallel()
	needPrograms(t, "mariadbd", "mariadb-install-db", "clickhouse-server", "java")
	dir := t.TempDir()
	var mu sync.Mutex
	var logs []string
	newServices := func() *rtdwtest.Services {
		return &rtdwtest.Services{Dir: dir, Logf: func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, fmt.Sprintf(f, a...))
		}}
	}
	first := newServices()
	t.Cleanup(func() { _ = first.Down() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	names := []string{rtdwtest.ServiceMariaDB, rtdwtest.ServiceClickHouse, rtdwtest.ServiceZooKeeper}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { errs[i] = newServices().Up(ctx, names...) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("Up: %v / %v\n%s", errs[0], errs[1], strings.Join(logs, "\n"))
	}
	all := strings.Join(logs, "\n")
	for _, n := range names {
		if c := strings.Count(all, n+" is ready"); c != 1 {
			t.Errorf("%s started %d times, want once:\n%s", n, c, all)
		}
		if c := strings.Count(all, n+" already runs"); c != 1 {
			t.Errorf("%s reused %d times, want once:\n%s", n, c, all)
		}
	}
	env, err := first.Env()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	if !strings.Contains(vars[rtdwtest.EnvMariaDB], "@tcp(127.0.0.1:") || !strings.HasPrefix(vars[rtdwtest.EnvClickHouse], "127.0.0.1:") {
		t.Fatalf("Env %q: want MariaDB and ClickHouse addresses", env)
	}
	if mode, err := rtdwtest.ZooKeeperMode(ctx, vars[rtdwtest.EnvZooKeeper]); err != nil || mode != "standalone" {
		t.Fatalf("ZooKeeper of %q: %q, %v", vars[rtdwtest.EnvZooKeeper], mode, err)
	}
	running, _ := first.Running(names...)
	if err := first.Down(); err != nil {
		t.Fatal(err)
	}
	for n, pid := range running {
		if pid == 0 {
			t.Errorf("%s did not run after Up", n)
			continue
		}
		if err := syscallAlive(pid); err == nil {
			t.Errorf("%s (pid %d) still runs after Down", n, pid)
		}
	}
}

// TestUpRefusesABusyPort: a port set for a server that another process holds
// is refused before anything starts, naming the port, the holder and the
// variable that moves it.
func TestUpRefusesABusyPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	s := &rtdwtest.Services{Dir: t.TempDir(), Ports: rtdwtest.Ports{ZooKeeper: port}}
	err = s.Up(context.Background(), rtdwtest.ServiceZooKeeper)
	if err == nil {
		s.Down()
		t.Fatal("Up started ZooKeeper on a port another process holds")
	}
	for _, want := range []string{"port " + strconv.Itoa(port), "RTDW_ZOOKEEPER_PORT", "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestUnknownServiceIsNamed(t *testing.T) {
	err := (&rtdwtest.Services{Dir: t.TempDir()}).Up(context.Background(), "postgres")
	if err == nil || !strings.Contains(err.Error(), `"postgres"`) || !strings.Contains(err.Error(), "mariadb") {
		t.Fatalf("Up(postgres): %v; want an error naming it and the services", err)
	}
}

// TestStartsWhenNothingIsNamed runs test binaries (this one, on
// TestHelperMariaDB, whose TestMain is rtdwtest.Main) with no server variable
// and a fresh state directory: the first starts MariaDB there and, with
// RTDW_TEST_KEEP_SERVERS=1, leaves it running; the second finds it running and
// leaves it alone, since it did not start it; a third starts it again and
// keeps it while another process uses the directory; a fourth, alone, stops
// what it started.
func TestStartsWhenNothingIsNamed(t *testing.T) {
	t.Parallel()
	needPrograms(t, "mariadbd", "mariadb-install-db")
	dir := t.TempDir()
	s := &rtdwtest.Services{Dir: dir}
	t.Cleanup(func() { _ = s.Down() })
	run := func(keep bool) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMariaDB$", "-test.v", "-test.count=1")
		cmd.Env = append(filteredEnv(), rtdwtest.EnvServicesDir+"="+dir, "RTDW_HELPER=1", rtdwtest.EnvRequireServices+"=1", rtdwtest.EnvInstall+"=0")
		if keep {
			cmd.Env = append(cmd.Env, rtdwtest.EnvKeepServers+"=1")
		}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestHelperMariaDB") {
			t.Fatalf("the helper test binary failed: %v\n%s", err, out)
		}
		return string(out)
	}
	runs := func() bool {
		m, err := s.Running(rtdwtest.ServiceMariaDB)
		if err != nil {
			t.Fatal(err)
		}
		return m[rtdwtest.ServiceMariaDB] != 0
	}
	if out := run(true); !strings.Contains(out, "mariadb is ready") || !runs() {
		t.Fatalf("the first binary did not start MariaDB and keep it (running: %v):\n%s", runs(), out)
	}
	if out := run(false); !strings.Contains(out, "mariadb already runs") || !runs() {
		t.Fatalf("the second binary did not reuse MariaDB and leave it running (running: %v):\n%s", runs(), out)
	}
	if err := s.Down(); err != nil || runs() {
		t.Fatalf("Down: %v, running: %v", err, runs())
	}
	users, err := os.OpenFile(filepath.Join(dir, "users.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	if out := run(false); !strings.Contains(out, "mariadb is ready") || !runs() {
		t.Fatalf("the third binary stopped MariaDB although another process uses it (running: %v):\n%s", runs(), out)
	}
	users.Close()
	if err := s.Down(); err != nil {
		t.Fatal(err)
	}
	if out := run(false); !strings.Contains(out, "mariadb is ready") || runs() {
		t.Fatalf("the fourth binary did not stop the MariaDB it started (running: %v):\n%s", runs(), out)
	}
}

// TestHelperMariaDB is TestStartsWhenNothingIsNamed's child.
func TestHelperMariaDB(t *testing.T) {
	if os.Getenv("RTDW_HELPER") != "1" {
		t.Skip("run by TestStartsWhenNothingIsNamed")
	}
	db := rtdwtest.MariaDB(t)
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	if !strings.HasPrefix(db.Host, "127.0.0.1") {
		t.Fatalf("started server at %s", db.Host)
	}
}

// filteredEnv is this process's environment without the variables that name
// servers or ports.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RTDW_TEST_") || strings.HasPrefix(kv, "RTDW_SERVICES") || strings.HasSuffix(strings.SplitN(kv, "=", 2)[0], "_PORT") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func needPrograms(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			rtdwtest.Unavailable(t, "%s is not installed (apt-get install mariadb-server clickhouse-server zookeeper)", p)
		}
	}
	if _, err := os.Stat(filepath.Join("/usr/share/java", "zookeeper.jar")); err != nil && strings.Contains(strings.Join(programs, " "), "java") {
		rtdwtest.Unavailable(t, "zookeeper is not installed (apt-get install zookeeper)")
	}
}

func syscallAlive(pid int) error {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return err
	}
	if i := strings.LastIndex(string(stat), ") "); i >= 0 && string(stat)[i+2] == 'Z' {
		return fmt.Errorf("zombie")
	}
	return nil
}
