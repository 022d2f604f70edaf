package rtdwtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// quiet drops go-sql-driver's log lines (a server still starting makes it
// log each refused probe).
type quiet struct{}

func (quiet) Print(...any) {}

// rootConfig is root@127.0.0.1:port with the test password.
func rootConfig(port int) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = "root", Password
	cfg.Net, cfg.Addr = "tcp", "127.0.0.1:"+strconv.Itoa(port)
	cfg.AllowNativePasswords = true
	cfg.Timeout = 2 * time.Second
	cfg.Logger = quiet{}
	return cfg
}

// rootQuery runs one query as root on 127.0.0.1:port and returns the first
// row's columns as text.
func rootQuery(ctx context.Context, port int, q string) ([]string, error) {
	conn, err := mysql.NewConnector(rootConfig(port))
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, v := range vals {
		out[i] = v.String
	}
	return out, rows.Err()
}

func rootExec(ctx context.Context, port int, stmts ...string) error {
	conn, err := mysql.NewConnector(rootConfig(port))
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return nil
}

// mysqlIsOurs: the server answering on port is pid, on the data of dir.
func mysqlIsOurs(name string, port int, dir string, pid int) func(context.Context) error {
	return func(ctx context.Context) error {
		row, err := rootQuery(ctx, port, "SELECT @@port, @@datadir")
		if err != nil {
			return fmt.Errorf("127.0.0.1:%d does not answer the root login: %w", port, err)
		}
		data, _ := filepath.EvalSymlinks(filepath.Join(dir, "data"))
		if row[0] != strconv.Itoa(port) || strings.TrimSuffix(row[1], "/") != data {
			return fmt.Errorf("127.0.0.1:%d answers from another server: its port and data dir are %s %s, not %d %s", port, row[0], row[1], port, data)
		}
		if readPid(filepath.Join(dir, "pid")) != pid {
			return fmt.Errorf("its pid file %s does not hold pid %d", filepath.Join(dir, "pid"), pid)
		}
		return checkOwn(name, pid, port)
	}
}

// writeInitSQL writes the init file that gives root a password over TCP on
// 127.0.0.1. Unlogged, the statements stay out of the binlog: a replica's own
// transactions would be GTIDs its source never had.
func writeInitSQL(file string, unlogged bool) error {
	var b strings.Builder
	if unlogged {
		b.WriteString("SET SESSION sql_log_bin = 0;\n")
	}
	fmt.Fprintf(&b, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '%s';\n", Password)
	fmt.Fprintf(&b, "ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '%s';\n", Password)
	b.WriteString("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n")
	return os.WriteFile(file, []byte(b.String()), 0o600)
}

// mysqldCommand runs Oracle MySQL from the unpacked root through sid's own
// loader (so the loader's pid is mysqld's pid) on dir's data.
func (s *Services) mysqldCommand(state, dir string) []string {
	root := s.mysqlRoot(state)
	return []string{
		filepath.Join(root, "usr/lib64/ld-linux-x86-64.so.2"), "--library-path", filepath.Join(root, "usr/lib/x86_64-linux-gnu"),
		filepath.Join(root, "usr/sbin/mysqld"), "--no-defaults", "--basedir=" + filepath.Join(root, "usr"),
		"--lc-messages-dir=" + filepath.Join(root, "usr/share/mysql"), "--character-sets-dir=" + filepath.Join(root, "usr/share/mysql/charsets"),
		"--plugin-dir=" + filepath.Join(root, "usr/lib/mysql/plugin"), "--datadir=" + filepath.Join(dir, "data"),
		"--tmpdir=" + filepath.Join(dir, "tmp"), "--secure-file-priv=" + filepath.Join(dir, "files"), "--user=root",
	}
}

// mysqlBinlogArgs are the binlog settings of a CDC source (or none).
func mysqlBinlogArgs(on bool, dir string, serverID int) []string {
	if !on {
		return []string{"--disable-log-bin"}
	}
	return []string{"--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=" + strconv.Itoa(serverID),
		"--log-bin=" + filepath.Join(dir, "binlog"), "--gtid-mode=ON", "--enforce-gtid-consistency=ON"}
}

// mysqlServerUp starts Oracle MySQL on dir (initialised on first use) and
// port, or reuses the one running from dir.
func (s *Services) mysqlServerUp(ctx context.Context, state, name string, port int, unlogged bool, args ...string) error {
	dir := filepath.Join(state, name)
	if pid := runningPid(filepath.Join(dir, "pid")); pid != 0 {
		return s.reuse(ctx, state, name, pid, port, mysqlIsOurs(name, port, dir, pid))
	}
	mysqld := s.mysqldCommand(state, dir)
	for _, d := range []string{"tmp", "files"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "mysql")); err != nil {
		_ = os.RemoveAll(filepath.Join(dir, "data"))
		cmd := exec.CommandContext(ctx, mysqld[0], append(mysqld[1:], "--initialize-insecure", "--log-error="+filepath.Join(dir, "init.log"))...)
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "init.log"))
			return fmt.Errorf("%s: mysqld --initialize-insecure: %w: %s%s", name, err, out, log)
		}
	}
	if err := writeInitSQL(filepath.Join(dir, "init.sql"), unlogged); err != nil {
		return err
	}
	argv := append(mysqld, "--bind-address=127.0.0.1", "--port="+strconv.Itoa(port), "--socket="+filepath.Join(dir, "sock"),
		"--mysqlx=OFF", "--log-error="+filepath.Join(dir, "error.log"), "--pid-file="+filepath.Join(dir, "pid"),
		"--init-file="+filepath.Join(dir, "init.sql"), "--skip-name-resolve", "--max-connections=500",
		"--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0")
	pid, err := spawn(filepath.Join(dir, "stdout.log"), append(argv, args...))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := await(ctx, name, pid, time.Minute, mysqlIsOurs(name, port, dir, pid)); err != nil {
		return startFailed(name, pid, filepath.Join(dir, "error.log"), fmt.Errorf("it did not come up as the server on 127.0.0.1:%d: %w", port, err))
	}
	s.logf("%s is ready (pid %d, 127.0.0.1:%d)", name, pid, port)
	return nil
}

func (s *Services) mysqlUp(ctx context.Context, state string) error {
	dir := filepath.Join(state, ServiceMySQL)
	args := append([]string{"--innodb-buffer-pool-size=512M"}, mysqlBinlogArgs(!s.NoMySQLBinlog, dir, 1)...)
	return s.mysqlServerUp(ctx, state, ServiceMySQL, s.Ports.MySQL, false, args...)
}

// replicaUp starts a second Oracle MySQL following mysql by GTID
// auto-position, for failover tests: the same transactions under the same
// GTIDs, in binlog files and positions of its own. Its root login and
// replication settings stay out of its binlog, so it holds no transaction the
// primary lacks. replica_exec_mode=IDEMPOTENT keeps it applying when a test's
// bulk load bypassed the primary's binlog and a later logged change touches
// those rows: the change is skipped instead of stopping the replica for
// everyone.
func (s *Services) replicaUp(ctx context.Context, state string) error {
	if s.NoMySQLBinlog {
		return fmt.Errorf("mysql-replica needs mysql's binlog and GTIDs, which RTDW_MYSQL_BINLOG=off leaves out: leave mysql-replica out")
	}
	if row, err := rootQuery(ctx, s.Ports.MySQL, "SELECT @@log_bin, @@gtid_mode"); err != nil || row[0] != "1" || row[1] != "ON" {
		return fmt.Errorf("mysql-replica needs mysql on 127.0.0.1:%d with its binlog and GTIDs on (got %v, %v)", s.Ports.MySQL, row, err)
	}
	dir := filepath.Join(state, ServiceMySQLReplica)
	args := append([]string{"--innodb-buffer-pool-size=128M"}, mysqlBinlogArgs(true, dir, 2)...)
	args = append(args, "--log-replica-updates=ON", "--relay-log="+filepath.Join(dir, "relay-bin"), "--replica-exec-mode=IDEMPOTENT",
		"--log-error-suppression-list=MY-010584") // the warning for each change so skipped
	if err := s.mysqlServerUp(ctx, state, ServiceMySQLReplica, s.Ports.MySQLReplica, true, args...); err != nil {
		return err
	}
	return s.replicationUp(ctx, state)
}

// replicaStatus reads SHOW REPLICA STATUS (empty when no source is set).
func replicaStatus(ctx context.Context, port int) (map[string]string, error) {
	conn, err := mysql.NewConnector(rootConfig(port))
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SHOW REPLICA STATUS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	m := map[string]string{}
	if rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, c := range cols {
			m[c] = vals[i].String
		}
	}
	return m, rows.Err()
}

// replicationUp points the replica at mysql (once, or again when mysql's
// port changed), starts both replication threads if they do not run, and
// waits until both run.
func (s *Services) replicationUp(ctx context.Context, state string) error {
	rp := s.Ports.MySQLReplica
	st, err := replicaStatus(ctx, rp)
	if err != nil {
		return fmt.Errorf("mysql-replica: SHOW REPLICA STATUS: %w", err)
	}
	if st["Source_Port"] != strconv.Itoa(s.Ports.MySQL) {
		// CHANGE ... SOURCE needs the threads stopped; the settings stay out of the binlog anyway.
		err := rootExec(ctx, rp, "STOP REPLICA", fmt.Sprintf("CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=%d, "+
			"SOURCE_USER='root', SOURCE_PASSWORD='%s', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_CONNECT_RETRY=1", s.Ports.MySQL, Password))
		if err != nil {
			return fmt.Errorf("mysql-replica: CHANGE REPLICATION SOURCE: %w", err)
		}
		s.logf("mysql-replica follows mysql on 127.0.0.1:%d by GTID auto-position", s.Ports.MySQL)
	}
	running := func(st map[string]string) bool {
		return st["Replica_IO_Running"] == "Yes" && st["Replica_SQL_Running"] == "Yes"
	}
	st, _ = replicaStatus(ctx, rp)
	if !running(st) {
		if err := rootExec(ctx, rp, "START REPLICA"); err != nil {
			// Its relay logs are unusable (renamed, or lost in a crash): with GTID auto-position they are
			// only a cache, so drop them (RESET REPLICA keeps the source settings) and fetch again.
			s.logf("mysql-replica: START REPLICA failed (%v); resetting its relay logs and starting again", err)
			if err := rootExec(ctx, rp, "RESET REPLICA", "START REPLICA"); err != nil {
				return fmt.Errorf("mysql-replica: START REPLICA: %w; log: %s", err, filepath.Join(state, ServiceMySQLReplica, "error.log"))
			}
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		st, err = replicaStatus(ctx, rp)
		if err == nil && running(st) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mysql-replica: its replication threads do not run (IO: %s, SQL: %s); last IO error: %s; last SQL error: %s; log: %s",
				st["Replica_IO_Running"], st["Replica_SQL_Running"], st["Last_IO_Error"], st["Last_SQL_Error"], filepath.Join(state, ServiceMySQLReplica, "error.log"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.logf("mysql-replica is replicating from 127.0.0.1:%d (both threads run)", s.Ports.MySQL)
	return nil
}

// mariadbUp starts Debian's MariaDB on its port, or reuses the one running
// from the state dir. MariaDB always has GTIDs; binlog_annotate_row_events
// carries the statement (Debezium's source.query).
func (s *Services) mariadbUp(ctx context.Context, state string) error {
	name, port := ServiceMariaDB, s.Ports.MariaDB
	dir := filepath.Join(state, name)
	if pid := runningPid(filepath.Join(dir, "pid")); pid != 0 {
		return s.reuse(ctx, state, name, pid, port, mysqlIsOurs(name, port, dir, pid))
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "mysql")); err != nil {
		out, err := exec.CommandContext(ctx, "mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+filepath.Join(dir, "data"),
			"--tmpdir="+filepath.Join(dir, "tmp"), "--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
		_ = os.WriteFile(filepath.Join(dir, "install.log"), out, 0o644)
		if err != nil {
			return fmt.Errorf("mariadb-install-db: %w: %s", err, tail(out))
		}
	}
	if err := writeInitSQL(filepath.Join(dir, "init.sql"), false); err != nil {
		return err
	}
	argv := []string{"mariadbd", "--no-defaults", "--user=root", "--datadir=" + filepath.Join(dir, "data"), "--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port), "--socket=" + filepath.Join(dir, "sock"), "--pid-file=" + filepath.Join(dir, "pid"),
		"--log-error=" + filepath.Join(dir, "error.log"), "--skip-name-resolve", "--tmpdir=" + filepath.Join(dir, "tmp"),
		"--init-file=" + filepath.Join(dir, "init.sql"), "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
		"--max-connections=500", "--innodb-buffer-pool-size=512M", "--innodb-flush-log-at-trx-commit=2"}
	if s.NoMariaDBBinlog {
		argv = append(argv, "--skip-log-bin")
	} else {
		argv = append(argv, "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1", "--log-bin="+filepath.Join(dir, "mysql-bin"),
			"--log-slave-updates", "--binlog-annotate-row-events=ON")
	}
	pid, err := spawn(filepath.Join(dir, "stdout.log"), argv)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := await(ctx, name, pid, time.Minute, mysqlIsOurs(name, port, dir, pid)); err != nil {
		return startFailed(name, pid, filepath.Join(dir, "error.log"), fmt.Errorf("it did not come up as the server on 127.0.0.1:%d: %w", port, err))
	}
	s.logf("%s is ready (pid %d, 127.0.0.1:%d)", name, pid, port)
	return nil
}
