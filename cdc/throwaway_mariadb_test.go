package cdc

import (
	"os/exec"
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
	init := exec.Command("mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+dir+"/data",
		"--auth-root-authentication-method=normal", "--skip-test-db")
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	m := &throwawayServer{t: t, flavor: "mariadb", dir: dir, args: binlogArgs,
		command: func(dir string, port int) *exec.Cmd {
			return exec.Command("mariadbd", "--no-defaults", "--user=root", "--datadir="+dir+"/data", "--bind-address=127.0.0.1",
				"--port="+strconv.Itoa(port), "--socket="+dir+"/sock", "--pid-file="+dir+"/pid",
				"--skip-name-resolve", "--log-error="+dir+"/error.log", "--innodb-buffer-pool-size=32M")
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
