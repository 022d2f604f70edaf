package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"
	"github.com/rtdw/rtdw/internal/testenv"
)

// throwawayServer is a private mysqld or mariadbd, for tests that need
// server settings the shared servers must not have (binlog off, STATEMENT
// format), a server to restart, or binlogs to purge. Start one with
// [startThrowawayMariaDB] or [startThrowawayMySQL]; it is stopped when the
// test ends. Both flavours are driven alike: only initialising the data
// directory and the server's command line differ.
type throwawayServer struct {
	t      *testing.T
	flavor string // "mysql" or "mariadb", for messages
	dir    string
	port   int
	// command returns the server's command line for the data directory dir,
	// port and socket, followed by the test's settings.
	command func(dir string, port int) *exec.Cmd
	args    []string
	cmd     *exec.Cmd
	exited  chan struct{}
	// DB is a root connection pool; Host and Pass reach the server as root.
	DB      *sql.DB
	Pass    string
	Host    string
	Started int
}

// throwawayPassword is root's password on every throwaway server.
const throwawayPassword = "throwaway-pw"

// needBinary skips the test (fails it under RTDW_REQUIRE_SERVICES=1) when a
// server binary is missing.
func needBinary(t *testing.T, path, howToGet string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if _, err := exec.LookPath(path); err == nil {
		return
	}
	msg := fmt.Sprintf("%s not found (%s); needed for throwaway-server tests", path, howToGet)
	if testenv.Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// launch starts a server whose data directory is initialised, waits until
// root can log in with rootPass over TCP, and runs setup (which gives root
// the throwaway password) once.
func (m *throwawayServer) launch(rootPass string, setup ...string) {
	m.t.Helper()
	m.Host, m.Pass, m.port = "127.0.0.1", throwawayPassword, freePort(m.t)
	m.start()
	m.t.Cleanup(m.stop)
	root := m.connect(rootPass)
	for _, q := range setup {
		if _, err := root.Exec(q); err != nil {
			m.t.Fatalf("%s: %s: %v", m.flavor, q, err)
		}
	}
	root.Close()
	m.DB = m.connect(m.Pass)
	m.t.Cleanup(func() { m.DB.Close() })
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (m *throwawayServer) start() {
	m.t.Helper()
	m.cmd = m.command(m.dir, m.port)
	m.cmd.Args = append(m.cmd.Args, m.args...)
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.Started++
	m.exited = make(chan struct{})
	go func(cmd *exec.Cmd, ch chan struct{}) { _ = cmd.Wait(); close(ch) }(m.cmd, m.exited)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-m.exited:
			deadline = time.Time{} // it died: show its log now
		case <-time.After(50 * time.Millisecond):
		}
	}
	log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
	m.t.Fatalf("%s did not listen on %d:\n%s", m.flavor, m.port, log)
}

// stop ends the server (SIGTERM) and waits for it to exit. MySQL waits
// about 10 s for connected clients (the source's binlog connection) before
// it closes them; MariaDB closes them at once.
func (m *throwawayServer) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

// restart stops and starts the server on the same port and data, and
// reconnects DB.
func (m *throwawayServer) restart() {
	m.t.Helper()
	m.stop()
	m.start()
	m.DB.Close()
	m.DB = m.connect(m.Pass)
}

func (m *throwawayServer) connect(pass string) *sql.DB {
	m.t.Helper()
	cfg := sqldriver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net = "root", pass, "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
	cfg.MultiStatements = true
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		m.t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if err := db.PingContext(ctx); err == nil {
			return db
		} else if ctx.Err() != nil {
			m.t.Fatalf("connect to throwaway %s: %v", m.flavor, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *throwawayServer) exec(stmts ...string) {
	m.t.Helper()
	for _, q := range stmts {
		if _, err := m.DB.Exec(q); err != nil {
			m.t.Fatalf("%s: %s: %v", m.flavor, q, err)
		}
	}
}

// binlogs returns the binlog files the server lists, oldest first.
func (m *throwawayServer) binlogs() []string {
	m.t.Helper()
	return listBinlogs(m.t, m.DB)
}

// listBinlogs lists the binlog files of db's server, oldest first.
func listBinlogs(t testing.TB, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SHOW BINARY LOGS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var files []string
	for rows.Next() {
		vals := make([]any, len(cols))
		var name string
		vals[0] = &name
		for i := 1; i < len(vals); i++ {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return files
}

// lastBinlog returns the newest binlog file the server lists.
func (m *throwawayServer) lastBinlog() string {
	files := m.binlogs()
	if len(files) == 0 {
		return ""
	}
	return files[len(files)-1]
}

// hasBinlog reports whether the server still lists the binlog file.
func (m *throwawayServer) hasBinlog(file string) bool {
	return slices.Contains(m.binlogs(), file)
}

// config is a source configuration for database db on this server.
func (m *throwawayServer) config(db string, tables ...string) Config {
	for i, t := range tables {
		tables[i] = db + "." + t
	}
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Port, cfg.Username, cfg.Password = "127.0.0.1", m.port, "root", m.Pass
	cfg.DatabaseList, cfg.TableList, cfg.ServerID = []string{db}, tables, fmt.Sprint(100+nextServerID()%1000)
	cfg.OffsetCommitInterval = 10 * time.Millisecond
	cfg.ConnectTimeout, cfg.MaxReconnectDuration = 15*time.Second, 15*time.Second
	return cfg
}
