package mysql

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// startThrowawayMariaDB initialises a data directory and starts mariadbd on
// a free port with binlogArgs (such as [fullRowBinlog]). It skips (fails
// under RTDW_REQUIRE_SERVICES=1) when MariaDB is not installed.
func startThrowawayMariaDB(t *testing.T, binlogArgs ...string) *throwawayServer {
	t.Helper()
	const install = "apt-get install mariadb-server"
	needBinary(t, "mariadb-install-db", install)
	needBinary(t, "mariadbd", install)
	dir := t.TempDir()
	// Its own tmpdir: a starting mariadbd (mariadb-install-db runs one)
	// deletes every #sql* file in its tmpdir, which in /tmp are the on-disk
	// temporary tables of every other MariaDB server running there, such
	// as the shared test server's or another test's.
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	init := exec.Command("mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+dir+"/data",
		"--auth-root-authentication-method=normal", "--skip-test-db", "--tmpdir="+dir+"/tmp")
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	m := &throwawayServer{t: t, flavor: "mariadb", dir: dir, args: binlogArgs,
		command: func(dir string, port int) *exec.Cmd {
			return exec.Command("mariadbd", "--no-defaults", "--user=root", "--datadir="+dir+"/data", "--bind-address=127.0.0.1",
				"--port="+strconv.Itoa(port), "--socket="+dir+"/sock", "--pid-file="+dir+"/pid",
				"--skip-name-resolve", "--log-error="+dir+"/error.log", "--innodb-buffer-pool-size=32M", "--tmpdir="+dir+"/tmp")
		}}
	var setup []string
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		setup = append(setup, "ALTER USER IF EXISTS 'root'@'"+host+"' IDENTIFIED BY '"+throwawayPassword+"'")
	}
	m.launch("", setup...)
	return m
}

const rowBinlog = "--log-bin=mysql-bin"

// fullRowBinlog are the MariaDB settings a source needs.
var fullRowBinlog = []string{rowBinlog, "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1"}

// A throwaway MariaDB must not delete the temporary tables of the other
// servers on the machine: a starting mariadbd empties its tmpdir of #sql*
// files, so it needs one of its own.
func TestThrowawayMariaDBLeavesSharedTmpAlone(t *testing.T) {
	probe, err := os.CreateTemp("", "#sql-rtdw-probe-*.MAI")
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	t.Cleanup(func() { os.Remove(probe.Name()) })
	m := startThrowawayMariaDB(t, fullRowBinlog...)
	m.exec("CREATE DATABASE app") // the server is up and has run its startup
	if _, err := os.Stat(probe.Name()); err != nil {
		t.Fatalf("starting a throwaway MariaDB deleted %s, a temporary table of another server: %v", probe.Name(), err)
	}
}
