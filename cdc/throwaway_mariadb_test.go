package cdc

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// throwawayMariaDB is a private mariadbd for tests that need server settings
// the shared servers must not have (binlog off, STATEMENT format) or a
// server to restart.
type throwawayMariaDB struct {
	t       *testing.T
	dir     string
	port    int
	args    []string
	cmd     *exec.Cmd
	exited  chan struct{}
	DB      *sql.DB
	Pass    string
	Host    string
	Started int
}

// startThrowawayMariaDB initialises a data directory and starts mariadbd on
// a free port with binlogArgs. It skips (fails under RTDW_REQUIRE_SERVICES=1)
// when MariaDB is not installed.
func startThrowawayMariaDB(t *testing.T, binlogArgs ...string) *throwawayMariaDB {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err := os.Stat("/usr/sbin/" + bin); err != nil {
				msg := bin + " not installed (apt-get install mariadb-server); needed for throwaway-server fault tests"
				if testenv.Required() {
					t.Fatal(msg)
				}
				t.Skip(msg)
			}
		}
	}
	dir := t.TempDir()
	install := exec.Command("mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+dir+"/data",
		"--auth-root-authentication-method=normal", "--skip-test-db")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	m := &throwawayMariaDB{t: t, dir: dir, port: freePort(t), args: binlogArgs, Pass: "throwaway-pw", Host: "127.0.0.1"}
	m.start()
	t.Cleanup(m.stop)
	root := m.connect("")
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := root.Exec("ALTER USER IF EXISTS 'root'@'" + host + "' IDENTIFIED BY 'throwaway-pw'"); err != nil {
			t.Fatal(err)
		}
	}
	root.Close()
	m.DB = m.connect(m.Pass)
	t.Cleanup(func() { m.DB.Close() })
	return m
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (m *throwawayMariaDB) start() {
	m.t.Helper()
	args := append([]string{"--no-defaults", "--user=root", "--datadir=" + m.dir + "/data", "--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(m.port), "--socket=" + m.dir + "/sock", "--pid-file=" + m.dir + "/pid",
		"--skip-name-resolve", "--log-error=" + m.dir + "/error.log", "--innodb-buffer-pool-size=32M"}, m.args...)
	m.cmd = exec.Command("mariadbd", args...)
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.Started++
	m.exited = make(chan struct{})
	go func(cmd *exec.Cmd, ch chan struct{}) { _ = cmd.Wait(); close(ch) }(m.cmd, m.exited)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
	m.t.Fatalf("mariadbd did not listen on %d:\n%s", m.port, log)
}

// stop ends mariadbd (SIGTERM) and waits for it to exit.
func (m *throwawayMariaDB) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

// restart stops and starts the server on the same port and data.
func (m *throwawayMariaDB) restart() {
	m.stop()
	m.start()
}

func (m *throwawayMariaDB) connect(pass string) *sql.DB {
	m.t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net = "root", pass, "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
	cfg.MultiStatements = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		m.t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if err := db.PingContext(ctx); err == nil {
			return db
		} else if ctx.Err() != nil {
			m.t.Fatalf("connect to throwaway mariadbd: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *throwawayMariaDB) exec(stmts ...string) {
	m.t.Helper()
	for _, q := range stmts {
		if _, err := m.DB.Exec(q); err != nil {
			m.t.Fatalf("%s: %v", q, err)
		}
	}
}

// config is a source configuration for database db on this server.
func (m *throwawayMariaDB) config(db string, tables ...string) MySQLSourceConfig {
	for i, t := range tables {
		tables[i] = db + "." + t
	}
	return MySQLSourceConfig{
		Hostname: "127.0.0.1", Port: m.port, Username: "root", Password: m.Pass,
		DatabaseList: []string{db}, TableList: tables, ServerID: fmt.Sprint(100 + nextServerID()%1000),
		OffsetCommitInterval: 10 * time.Millisecond, ConnectTimeout: 15 * time.Second,
	}
}

const rowBinlog = "--log-bin=mysql-bin"

var fullRowBinlog = []string{rowBinlog, "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1"}
