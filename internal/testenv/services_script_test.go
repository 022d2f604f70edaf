package testenv_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/internal/testenv"
)

// These tests run scripts/services.sh itself, each in a state dir of its own
// (RTDW_SERVICES_DIR) on ports of its own, so the servers that `make test`
// started stay untouched.

// TestServicesUpRefusesABusyPort: when another process already listens on a
// server's port, `up` must fail and name the port, the service and the
// variable that moves it. The old script started MariaDB anyway (it died at
// once on the taken port), and its readiness ping, answered by the other
// process, reported "mariadb is ready".
func TestServicesUpRefusesABusyPort(t *testing.T) {
	t.Parallel()
	needInstalled(t, "mariadbd", "mariadb-install-db", "mariadb-admin")
	port := fakeMySQL(t)
	dir := servicesDir(t, "mariadb")

	out, err := runServices(t, dir, []string{"RTDW_SERVICES=mariadb", "RTDW_MARIADB_PORT=" + strconv.Itoa(port)}, "up")
	if err == nil {
		t.Fatalf("services.sh up exited 0 although port %d was taken by another server:\n%s", port, out)
	}
	for _, want := range []string{"port " + strconv.Itoa(port), "mariadb", "RTDW_MARIADB_PORT"} {
		if !strings.Contains(out, want) {
			t.Errorf("services.sh up failed without naming %q:\n%s", want, out)
		}
	}
	if _, err := exec.LookPath("ss"); err == nil && !strings.Contains(out, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("services.sh up did not name the holder of the port, this test (pid %d):\n%s", os.Getpid(), out)
	}
	if strings.Contains(out, "is ready") {
		t.Errorf("services.sh up reported a server ready:\n%s", out)
	}
}

// TestServicesUpRefusesEachBusyPort: every port a service listens on is
// checked before anything is installed or started.
func TestServicesUpRefusesEachBusyPort(t *testing.T) {
	t.Parallel()
	mysqlRoot := filepath.Join(repoRoot(t), ".services", "mysql-root", "usr", "sbin", "mysqld")
	for _, c := range []struct {
		service, variable string
		needs             []string // what a broken check would start instead of refusing
	}{
		{"mysql", "RTDW_MYSQL_PORT", []string{mysqlRoot}},
		{"mysql-replica", "RTDW_MYSQL_REPLICA_PORT", []string{mysqlRoot}},
		{"clickhouse", "RTDW_CLICKHOUSE_PORT", []string{"clickhouse-server"}},
		{"clickhouse", "RTDW_CLICKHOUSE_HTTP_PORT", []string{"clickhouse-server"}},
		{"clickhouse", "RTDW_CLICKHOUSE_INTERSERVER_PORT", []string{"clickhouse-server"}},
		{"sshd", "RTDW_SSHD_PORT", []string{"/usr/sbin/sshd"}},
		{"zookeeper", "RTDW_ZOOKEEPER_PORT", []string{"java", "/usr/share/java/zookeeper.jar"}},
	} {
		t.Run(c.variable, func(t *testing.T) {
			t.Parallel()
			needInstalled(t, c.needs...)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			// The service's other ports, free ones, so only the one under test is taken.
			env := []string{"RTDW_SERVICES=" + c.service, c.variable + "=" + port}
			for _, v := range []string{"RTDW_MYSQL_PORT", "RTDW_MYSQL_REPLICA_PORT", "RTDW_CLICKHOUSE_PORT", "RTDW_CLICKHOUSE_HTTP_PORT", "RTDW_CLICKHOUSE_INTERSERVER_PORT", "RTDW_SSHD_PORT", "RTDW_ZOOKEEPER_PORT"} {
				if v != c.variable {
					env = append(env, v+"="+strconv.Itoa(freePort(t)))
				}
			}
			out, err := runServices(t, servicesDir(t, c.service), env, "up")
			if err == nil {
				t.Fatalf("services.sh up exited 0 although port %s (%s) was taken:\n%s", port, c.variable, out)
			}
			for _, want := range []string{"port " + port, c.service, c.variable} {
				if !strings.Contains(out, want) {
					t.Errorf("services.sh up failed without naming %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestServicesUpStartsAndReuses: on free ports `up` starts MariaDB and
// accepts it as its own, a second `up` reuses it, and `down` stops it.
func TestServicesUpStartsAndReuses(t *testing.T) {
	t.Parallel()
	needInstalled(t, "mariadbd", "mariadb-install-db", "mariadb-admin", "mariadb")
	dir := servicesDir(t, "mariadb")
	env := []string{"RTDW_SERVICES=mariadb", "RTDW_MARIADB_PORT=" + strconv.Itoa(freePort(t))}
	if out, err := runServices(t, dir, env, "up"); err != nil || !strings.Contains(out, "mariadb is ready") {
		t.Fatalf("services.sh up on a free port: %v\n%s", err, out)
	}
	if out, err := runServices(t, dir, env, "up"); err != nil || !strings.Contains(out, "mariadb already runs") {
		t.Fatalf("a second services.sh up did not reuse the running server: %v\n%s", err, out)
	}
	if out, err := runServices(t, dir, env, "down"); err != nil || !strings.Contains(out, "mariadb stopped") {
		t.Fatalf("services.sh down: %v\n%s", err, out)
	}
}

// TestServicesUpStartsZooKeeper: on a free port `up` starts ZooKeeper, takes
// it for its own (its conf names the state dir's data), reuses it on a second
// `up`, prints its address in `env`, and `down` stops it.
func TestServicesUpStartsZooKeeper(t *testing.T) {
	t.Parallel()
	needInstalled(t, "java", "/usr/share/java/zookeeper.jar")
	dir := servicesDir(t, "zookeeper")
	port := strconv.Itoa(freePort(t))
	env := []string{"RTDW_SERVICES=zookeeper", "RTDW_ZOOKEEPER_PORT=" + port}
	if out, err := runServices(t, dir, env, "up"); err != nil || !strings.Contains(out, "zookeeper is ready") {
		t.Fatalf("services.sh up on a free port: %v\n%s", err, out)
	}
	if mode, err := testenv.ZooKeeperMode("127.0.0.1:"+port, 5*time.Second); err != nil || mode != "standalone" {
		t.Fatalf("the started ZooKeeper: mode %q, %v; want standalone", mode, err)
	}
	if out, err := runServices(t, dir, env, "up"); err != nil || !strings.Contains(out, "zookeeper already runs") {
		t.Fatalf("a second services.sh up did not reuse the running server: %v\n%s", err, out)
	}
	if out, err := runServices(t, dir, env, "env"); err != nil || !strings.Contains(out, "RTDW_TEST_ZOOKEEPER='127.0.0.1:"+port+"'") {
		t.Fatalf("services.sh env does not name the ZooKeeper on port %s: %v\n%s", port, err, out)
	}
	if out, err := runServices(t, dir, env, "down"); err != nil || !strings.Contains(out, "zookeeper stopped") {
		t.Fatalf("services.sh down: %v\n%s", err, out)
	}
	if _, err := testenv.ZooKeeperMode("127.0.0.1:"+port, 2*time.Second); err == nil {
		t.Fatalf("ZooKeeper still serves on port %s after down", port)
	}
}

// TestMySQLReplicaFollowsPrimary: a row written on the MySQL primary
// (RTDW_TEST_MYSQL) arrives on its GTID replica (RTDW_TEST_MYSQL_REPLICA),
// both started by scripts/services.sh.
func TestMySQLReplicaFollowsPrimary(t *testing.T) {
	cfg := testenv.ReplicaConfig(t)
	src := testenv.NewSource(t, testenv.MySQL)
	src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO t VALUES (1, 'from the primary')")

	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	replica := sql.OpenDB(conn)
	defer replica.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got string
	for {
		err = replica.QueryRowContext(ctx, "SELECT v FROM "+testenv.QuoteIdent(src.Database)+".t WHERE id = 1").Scan(&got)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the row written on the primary did not reach the replica at %s in 60 s: %v", cfg.Addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != "from the primary" {
		t.Fatalf("replica has %q, want %q", got, "from the primary")
	}
	var gtidMode string
	if err := replica.QueryRowContext(ctx, "SELECT @@gtid_mode").Scan(&gtidMode); err != nil || gtidMode != "ON" {
		t.Fatalf("replica gtid_mode %q (%v), want ON", gtidMode, err)
	}
}

// needInstalled skips the test when a program or file it needs is missing (a
// bare name is looked up in PATH), unless RTDW_REQUIRE_SERVICES=1, under which the
// script installs what is missing.
func needInstalled(t *testing.T, programs ...string) {
	t.Helper()
	if testenv.Required() {
		return
	}
	for _, p := range programs {
		var err error
		if filepath.IsAbs(p) {
			_, err = os.Stat(p) // a file such as a jar, not necessarily executable
		} else {
			_, err = exec.LookPath(p)
		}
		if err != nil {
			t.Skipf("%s is not installed (scripts/services.sh up installs it; with %s=1, as make test sets, this test runs and the script installs it)",
				p, testenv.EnvRequireServices)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "services.sh")); err != nil {
		t.Fatalf("scripts/services.sh not found from %s: %v", root, err)
	}
	return root
}

// servicesDir returns a fresh state dir for the script and stops whatever
// the script started in it when the test ends.
func servicesDir(t *testing.T, services string) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		if out, err := runServices(t, dir, []string{"RTDW_SERVICES=" + services}, "down"); err != nil {
			t.Errorf("services.sh down in %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// runServices runs scripts/services.sh with the state dir dir and the given
// settings and returns its combined output.
func runServices(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot(t), "scripts", "services.sh"), args...)
	cmd.Env = append(os.Environ(), append([]string{"RTDW_SERVICES_DIR=" + dir}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running services.sh %s: %v", strings.Join(args, " "), err)
	}
	return string(out), err
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fakeMySQL listens on a free port of 127.0.0.1 and answers the MySQL
// protocol there, accepting the scripts' root password, until the test
// ends; it returns the port.
func fakeMySQL(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	srv := server.NewServer("8.0.11", gomysql.DEFAULT_COLLATION_ID, gomysql.AUTH_NATIVE_PASSWORD, nil, nil)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				conn, err := srv.NewConn(c, "root", "rtdw-test-pw", server.EmptyHandler{})
				if err != nil {
					return
				}
				for !conn.Closed() {
					if err := conn.HandleCommand(); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
