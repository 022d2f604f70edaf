package deploy_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/internal/testenv"
)

func seedHBaseConfig() deploy.HBaseConfig {
	return deploy.HBaseConfig{
		RootDir:                 "hdfs://hadoop102:8020/hbase",
		ZooKeeperQuorum:         []string{"hadoop102", "hadoop103", "hadoop104"},
		MaxClockSkew:            180 * time.Second,
		PhoenixNamespaceMapping: true,
		Extra:                   map[string]string{"hbase.wal.provider": "filesystem"},
		JavaHome:                "/opt/module/jdk1.8.0_212",
		Env:                     map[string]string{"HBASE_HEAPSIZE": "2G", "HBASE_OPTS": "-XX:+UseG1GC -Dhbase.tmp=\"x y\""},
		RegionServers:           []string{"hadoop102", "hadoop103", "hadoop104"},
		BackupMasters:           []string{"hadoop103"},
	}
}

func TestHBaseFilesGoldenAndRoundTrip(t *testing.T) {
	cfg := seedHBaseConfig()
	files, err := cfg.Files()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	var all strings.Builder
	for _, f := range files {
		byName[f.Path] = f.Data
		fmt.Fprintf(&all, "==> %s (%04o)\n%s", f.Path, f.Mode, f.Data)
	}
	client, err := cfg.PhoenixClientSite()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&all, "==> phoenix client %s\n%s", client.Path, client.Data)
	golden(t, "hbase-conf.golden", []byte(all.String()))

	back, err := deploy.ParseHBaseConfig(byName)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, cfg)
	}
	clientProps, err := deploy.ParseHadoopXML(client.Data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range clientProps {
		got[p.Name] = p.Value
	}
	if got[deploy.PropPhoenixNamespaceMap] != "true" || got[deploy.PropPhoenixMapSystemTable] != "true" || got[deploy.PropHBaseZooKeeperQuorum] != "hadoop102,hadoop103,hadoop104" {
		t.Errorf("Phoenix client site: %v", got)
	}
}

func TestHBaseConfigProblems(t *testing.T) {
	err := deploy.HBaseConfig{
		RootDir: "/hbase", MaxClockSkew: -time.Second, JavaHome: "jdk",
		Extra: map[string]string{deploy.PropHBaseRootDir: "x"}, RegionServers: []string{"hadoop102", "hadoop102"},
	}.Validate()
	ps := problemKeys(t, err)
	for _, k := range []string{deploy.PropHBaseRootDir, deploy.PropHBaseZooKeeperQuorum, deploy.PropHBaseMaxClockSkew, "JAVA_HOME", deploy.RegionServersFile} {
		if _, ok := findProblem(ps, k); !ok {
			t.Errorf("no problem for %s in %v", k, err)
		}
	}
}

func TestClickHouseOverrideGoldenAndRoundTrip(t *testing.T) {
	cfg := deploy.ClickHouseConfig{
		ListenHosts: []string{"0.0.0.0"}, Path: "/data/clickhouse/", TmpPath: "/data/clickhouse/tmp/",
		UserFilesPath: "/data/clickhouse/user_files/", Log: "/var/log/clickhouse-server/clickhouse-server.log",
		ErrorLog: "/var/log/clickhouse-server/clickhouse-server.err.log", LogLevel: "information",
		HTTPPort: 8123, TCPPort: 9000, InterserverHTTPPort: 9009,
	}
	f, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "clickhouse-override.golden", f.Data)
	back, err := deploy.ParseClickHouseConfig(f.Data)
	if err != nil || !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	bad := deploy.ClickHouseConfig{Path: "/data/clickhouse", TmpPath: "tmp/", HTTPPort: 9000, TCPPort: 9000, LogLevel: "loud"}
	ps := problemKeys(t, bad.Validate())
	for _, k := range []string{"path", "tmp_path", "tcp_port", "logger/level"} {
		if _, ok := findProblem(ps, k); !ok {
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
	cfg := deploy.ClickHouseConfig{
		LegacyRoot: true, ListenHosts: []string{"127.0.0.1"},
		Path: dir + "/data/", TmpPath: dir + "/tmp/", UserFilesPath: dir + "/user_files/",
		Log: dir + "/log/server.log", ErrorLog: dir + "/log/server.err.log", LogLevel: "information",
		HTTPPort: httpPort, TCPPort: freePort(t), InterserverHTTPPort: freePort(t),
	}
	f, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	if err := (&deploy.LocalExecutor{Root: dir}).WriteFile(context.Background(), "/"+f.Path, f.Data, f.Mode); err != nil {
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

func TestHostLimitsFileGoldenAndRoundTrip(t *testing.T) {
	l := deploy.HostLimits{Domain: "atguigu"}
	f, err := l.File()
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != deploy.LimitsFile {
		t.Errorf("path %s", f.Path)
	}
	golden(t, "limits.golden", f.Data)
	entries, err := deploy.ParseLimits(f.Data)
	if err != nil || !reflect.DeepEqual(entries, l.Entries()) {
		t.Errorf("round trip: %v, %v", entries, err)
	}
	if _, err := (deploy.HostLimits{NoFileSoft: 200000}).File(); err == nil {
		t.Error("soft limit above hard limit accepted")
	}
}

func TestCheckHostReportsWhatTheHostLacks(t *testing.T) {
	var nofile, nproc syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Getrlimit(6 /* RLIMIT_NPROC */, &nproc); err != nil {
		t.Fatal(err)
	}
	ex := &deploy.LocalExecutor{Name: "this-host"}
	// Ask for one more than the host has: the check must notice.
	req := deploy.HostRequirements{NoFile: int(nofile.Cur) + 1, NProc: 1, Commands: []string{"sh", "rtdw-no-such-command"}}
	r, err := deploy.CheckHost(context.Background(), ex, req)
	if err != nil {
		t.Fatal(err)
	}
	byCheck := map[string]deploy.Finding{}
	for _, f := range r.Findings {
		byCheck[f.Check] = f
	}
	if f := byCheck["open files (ulimit -n)"]; f.OK || f.Got != strconv.FormatUint(nofile.Cur, 10) || !strings.Contains(f.Fix, deploy.LimitsFile) {
		t.Errorf("open files: %+v (host has %d)", f, nofile.Cur)
	}
	if f := byCheck["processes (ulimit -u)"]; !f.OK {
		t.Errorf("processes: %+v", f)
	}
	_, javaErr := exec.LookPath("java")
	if f := byCheck["java"]; f.OK != (javaErr == nil) {
		t.Errorf("java: %+v, LookPath says %v", f, javaErr)
	}
	if f := byCheck["sh"]; !f.OK {
		t.Errorf("sh: %+v", f)
	}
	if f := byCheck["rtdw-no-such-command"]; f.OK || f.Got != "not found" {
		t.Errorf("missing command: %+v", f)
	}
	if r.OK() || len(r.Lacks()) < 2 || !strings.Contains(r.String(), "LACK open files") {
		t.Errorf("report:\n%s", r)
	}
}

func TestCheckHostOverSSH(t *testing.T) {
	target := testSSH(t)
	ex, err := target.connector(t, "hadoop102").Connect(context.Background(), "hadoop102")
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	r, err := deploy.CheckHost(context.Background(), ex, deploy.HostRequirements{NoFile: 1, NProc: 1, SkipJava: true, Commands: []string{"sh"}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Host != "hadoop102" {
		t.Errorf("report:\n%s", r)
	}
}
