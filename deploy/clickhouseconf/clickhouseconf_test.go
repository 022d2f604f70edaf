package clickhouseconf_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/deploy/clickhouseconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/remote"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestClickHouseOverrideGoldenAndRoundTrip(t *testing.T) {
	cfg := clickhouseconf.Config{
		ListenHosts: []string{"0.0.0.0"}, Path: "/data/clickhouse/", TmpPath: "/data/clickhouse/tmp/",
		UserFilesPath: "/data/clickhouse/user_files/", Log: "/var/log/clickhouse-server/clickhouse-server.log",
		ErrorLog: "/var/log/clickhouse-server/clickhouse-server.err.log", LogLevel: "information",
		HTTPPort: 8123, TCPPort: 9000, InterserverHTTPPort: 9009,
	}
	f, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "clickhouse-override.golden", f.Data)
	back, err := clickhouseconf.Parse(f.Data)
	if err != nil || !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	bad := clickhouseconf.Config{Path: "/data/clickhouse", TmpPath: "tmp/", HTTPPort: 9000, TCPPort: 9000, LogLevel: "loud"}
	ps := testkit.Problems(t, bad.Validate())
	for _, k := range []string{"path", "tmp_path", "tcp_port", "logger/level"} {
		if _, ok := testkit.FindProblem(ps, k); !ok {
			t.Errorf("no problem for %s in %v", k, ps)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestClickHouseServerReadsTheOverride starts Debian's clickhouse-server with the packaged config.xml and
// only the rendered override in config.d, and checks the server listens where the override says and keeps
// its data under the override's path.
func TestClickHouseServerReadsTheOverride(t *testing.T) {
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		if testenv.Required() {
			t.Fatal("clickhouse-server is not installed (RTDW_REQUIRE_SERVICES=1); scripts/services.sh installs it")
		}
		t.Skip("clickhouse-server is not installed; scripts/services.sh up installs it")
	}
	packaged, err := os.ReadFile("/etc/clickhouse-server/config.xml")
	if err != nil {
		t.Skip("no /etc/clickhouse-server/config.xml to start from")
	}
	users, _ := os.ReadFile("/etc/clickhouse-server/users.xml")
	dir := t.TempDir()
	// The packaged file also listens on ::1, which may not exist here; the override adds 127.0.0.1.
	conf := strings.ReplaceAll(string(packaged), "<listen_host>::1</listen_host>", "")
	conf = strings.ReplaceAll(conf, "<listen_host>127.0.0.1</listen_host>", "")
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "users.xml"), users, 0o644)
	httpPort := freePort(t)
	cfg := clickhouseconf.Config{
		LegacyRoot: true, ListenHosts: []string{"127.0.0.1"},
		Path: dir + "/data/", TmpPath: dir + "/tmp/", UserFilesPath: dir + "/user_files/",
		Log: dir + "/log/server.log", ErrorLog: dir + "/log/server.err.log", LogLevel: "information",
		HTTPPort: httpPort, TCPPort: freePort(t), InterserverHTTPPort: freePort(t),
	}
	f, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	if err := (&remote.LocalExecutor{Root: dir}).WriteFile(context.Background(), "/"+f.Path, f.Data, f.Mode); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+filepath.Join(dir, "config.xml"))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(httpPort), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log", "server.err.log"))
			t.Fatalf("clickhouse-server did not listen on the override's http_port %d: %v\n%s", httpPort, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "metadata")); err != nil {
		t.Errorf("the server did not use the override's path: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "log", "server.log")); err != nil {
		t.Errorf("the server did not log where the override says: %v", err)
	}
}
