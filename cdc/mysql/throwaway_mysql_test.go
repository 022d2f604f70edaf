package mysql

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mysqlRoot is where scripts/services.sh unpacks Debian sid's Oracle MySQL
// (it never installs it over the system's libraries): RTDW_MYSQL_ROOT when
// set, else mysql-root of RTDW_SERVICES_DIR when that holds one, else the
// checkout's .services/mysql-root. A git worktree has no .services of its
// own, so the main checkout's (found through git's common directory) is
// tried after the worktree's.
func mysqlRoot(t *testing.T) string {
	t.Helper()
	if root := os.Getenv("RTDW_MYSQL_ROOT"); root != "" {
		return root
	}
	var candidates []string
	if dir := os.Getenv("RTDW_SERVICES_DIR"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "mysql-root"))
	}
	local, err := filepath.Abs(filepath.Join("..", "..", ".services", "mysql-root"))
	if err != nil {
		t.Fatal(err)
	}
	candidates = append(candidates, local)
	if out, err := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		common := strings.TrimSpace(string(out))
		candidates = append(candidates, filepath.Join(filepath.Dir(common), ".services", "mysql-root"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "usr", "sbin", "mysqld")); err == nil {
			return c
		}
	}
	return local
}

// mysqldCommand runs the unpacked mysqld through sid's own dynamic loader,
// as scripts/services.sh does, with the settings every mysqld needs here.
func mysqldCommand(root, dir string, args ...string) *exec.Cmd {
	base := []string{
		"--library-path", root + "/usr/lib/x86_64-linux-gnu", root + "/usr/sbin/mysqld",
		"--no-defaults", "--basedir=" + root + "/usr", "--lc-messages-dir=" + root + "/usr/share/mysql",
		"--character-sets-dir=" + root + "/usr/share/mysql/charsets", "--plugin-dir=" + root + "/usr/lib/mysql/plugin",
		"--datadir=" + dir + "/data", "--tmpdir=" + dir + "/tmp", "--secure-file-priv=" + dir + "/files", "--user=root",
	}
	return exec.Command(root+"/usr/lib64/ld-linux-x86-64.so.2", append(base, args...)...)
}

// startThrowawayMySQL initialises a data directory and starts Oracle MySQL
// on a free port with binlogArgs (such as [mysqlFullRowBinlog]). It skips
// (fails under RTDW_REQUIRE_SERVICES=1) when scripts/services.sh has not
// unpacked MySQL into .services/mysql-root.
func startThrowawayMySQL(t *testing.T, binlogArgs ...string) *throwawayServer {
	t.Helper()
	root := mysqlRoot(t)
	needBinary(t, root+"/usr/sbin/mysqld", "scripts/services.sh up unpacks Oracle MySQL into .services/mysql-root; set RTDW_MYSQL_ROOT to where it is")
	dir := t.TempDir()
	for _, d := range []string{"tmp", "files"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	init := mysqldCommand(root, dir, "--initialize-insecure", "--log-error="+dir+"/init.log")
	if out, err := init.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "init.log"))
		t.Fatalf("mysqld --initialize-insecure: %v\n%s%s", err, out, log)
	}
	m := &throwawayServer{t: t, flavor: "mysql", dir: dir, args: binlogArgs,
		command: func(dir string, port int) *exec.Cmd {
			return mysqldCommand(root, dir, "--bind-address=127.0.0.1", "--port="+strconv.Itoa(port),
				"--socket="+dir+"/sock", "--mysqlx=OFF", "--pid-file="+dir+"/pid", "--log-error="+dir+"/error.log",
				"--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--performance-schema=OFF",
				// root@localhost of --initialize-insecure is reachable over
				// TCP only through name resolution: give root a TCP account.
				"--init-file="+dir+"/init.sql")
		}}
	initSQL := "SET sql_log_bin = 0;\n" +
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '" + throwawayPassword + "';\n" +
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n"
	if err := os.WriteFile(filepath.Join(dir, "init.sql"), []byte(initSQL), 0o600); err != nil {
		t.Fatal(err)
	}
	m.launch(throwawayPassword)
	return m
}

// mysqlFullRowBinlog are the MySQL settings a source needs, with GTIDs on
// as most MySQL servers run.
var mysqlFullRowBinlog = []string{"--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1",
	"--gtid-mode=ON", "--enforce-gtid-consistency=ON"}
