package rtdwtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// clickhouseQuery runs one query on the native port and returns the first
// column of the first row as text.
func clickhouseQuery(ctx context.Context, port int, q string) (string, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:" + strconv.Itoa(port)}, DialTimeout: 2 * time.Second})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var v string
	if err := conn.QueryRow(ctx, q).Scan(&v); err != nil {
		return "", err
	}
	return v, nil
}

// clickhouseIsOurs: the server answering on the native port is pid, on the
// data of dir, and it holds the HTTP and interserver ports too.
func (s *Services) clickhouseIsOurs(dir string, pid int) func(context.Context) error {
	return func(ctx context.Context) error {
		got, err := clickhouseQuery(ctx, s.Ports.ClickHouse, "SELECT data_path FROM system.databases WHERE name = 'system'")
		if err != nil {
			return fmt.Errorf("127.0.0.1:%d does not answer a query: %w", s.Ports.ClickHouse, err)
		}
		data, _ := filepath.EvalSymlinks(filepath.Join(dir, "data"))
		if want := data + "/data/system/"; got != want {
			return fmt.Errorf("127.0.0.1:%d answers from another server: its data path is %q, not %q", s.Ports.ClickHouse, got, want)
		}
		status, _ := os.ReadFile(filepath.Join(dir, "data", "status"))
		if !strings.Contains("\n"+string(status), fmt.Sprintf("\nPID: %d\n", pid)) {
			return fmt.Errorf("%s does not name the started pid %d", filepath.Join(dir, "data", "status"), pid)
		}
		return checkOwn(ServiceClickHouse, pid, s.Ports.ClickHouse, s.Ports.ClickHouseHTTP, s.Ports.ClickHouseInterserver)
	}
}

// clickhouseUp starts Debian's ClickHouse with a copy of its packaged
// configuration moved to the state dir and the ports asked for, or reuses the
// one running from the state dir.
func (s *Services) clickhouseUp(ctx context.Context, state string) error {
	name := ServiceClickHouse
	dir := filepath.Join(state, name)
	if pid := runningPid(filepath.Join(dir, "pid")); pid != 0 {
		return s.reuse(ctx, state, name, pid, s.Ports.ClickHouse, s.clickhouseIsOurs(dir, pid))
	}
	for _, d := range []string{"data", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	config, err := os.ReadFile("/etc/clickhouse-server/config.xml")
	if err != nil {
		return fmt.Errorf("clickhouse: its packaged configuration: %w (is clickhouse-server installed?)", err)
	}
	users, err := os.ReadFile("/etc/clickhouse-server/users.xml")
	if err != nil {
		return fmt.Errorf("clickhouse: its packaged users: %w", err)
	}
	c := strings.NewReplacer(
		"/var/lib/clickhouse/", filepath.Join(dir, "data")+"/",
		"/var/log/clickhouse-server/", filepath.Join(dir, "log")+"/",
		"<listen_host>::1</listen_host>", "",
		"<tcp_port>9000</tcp_port>", fmt.Sprintf("<tcp_port>%d</tcp_port>", s.Ports.ClickHouse),
		"<http_port>8123</http_port>", fmt.Sprintf("<http_port>%d</http_port>", s.Ports.ClickHouseHTTP),
		"<interserver_http_port>9009</interserver_http_port>", fmt.Sprintf("<interserver_http_port>%d</interserver_http_port>", s.Ports.ClickHouseInterserver),
		"<users_config>users.xml</users_config>", "<users_config>"+filepath.Join(dir, "users.xml")+"</users_config>",
	).Replace(string(config))
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(c), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), users, 0o644); err != nil {
		return err
	}
	pid, err := spawn(filepath.Join(dir, "log", "stdout.log"), []string{"clickhouse-server", "--config-file=" + filepath.Join(dir, "config.xml")})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// This ClickHouse writes no pid file of its own when not daemonised.
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return err
	}
	if err := await(ctx, name, pid, time.Minute, s.clickhouseIsOurs(dir, pid)); err != nil {
		os.Remove(filepath.Join(dir, "pid"))
		return startFailed(name, pid, filepath.Join(dir, "log", "clickhouse-server.err.log"), fmt.Errorf("it did not come up as the server on 127.0.0.1:%d: %w", s.Ports.ClickHouse, err))
	}
	s.logf("%s is ready (pid %d, 127.0.0.1:%d)", name, pid, s.Ports.ClickHouse)
	return nil
}

// zkWord sends a four-letter word to the ZooKeeper at addr and returns its answer.
func zkWord(ctx context.Context, addr, word string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Second)
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write([]byte(word)); err != nil {
		return "", err
	}
	var b strings.Builder
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return b.String(), sc.Err()
}

// ZooKeeperMode asks the ZooKeeper server at addr for its mode with the srvr
// four-letter word (which the server must whitelist) and returns it:
// "standalone", "leader" or "follower". A server that answers without a mode
// is still starting, or not serving.
func ZooKeeperMode(ctx context.Context, addr string) (string, error) {
	answer, err := zkWord(ctx, addr, "srvr")
	if err != nil && answer == "" {
		return "", err
	}
	for _, line := range strings.Split(answer, "\n") {
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	if strings.TrimSpace(answer) == "" {
		return "", fmt.Errorf("srvr got no answer from %s: is srvr in the server's 4lw.commands.whitelist?", addr)
	}
	return "", fmt.Errorf("srvr answered without a mode: %q", strings.ReplaceAll(strings.TrimSpace(answer), "\n", " | "))
}

// zookeeperIsOurs: the server answering on the client port serves, is pid,
// and its conf names dir's data.
func (s *Services) zookeeperIsOurs(dir string, pid int) func(context.Context) error {
	return func(ctx context.Context) error {
		addr := "127.0.0.1:" + strconv.Itoa(s.Ports.ZooKeeper)
		if mode, err := ZooKeeperMode(ctx, addr); err != nil || mode != "standalone" {
			return fmt.Errorf("not serving yet (mode %q, %v)", mode, err)
		}
		conf, err := zkWord(ctx, addr, "conf")
		if err != nil && conf == "" {
			return fmt.Errorf("%s does not answer conf: %w", addr, err)
		}
		data, _ := filepath.EvalSymlinks(filepath.Join(dir, "data"))
		want := "dataDir=" + data + "/version-2" // the server reports its snapshot dir
		if !strings.Contains("\n"+conf, "\n"+want+"\n") {
			return fmt.Errorf("%s answers from another server: its conf lacks %q", addr, want)
		}
		return checkOwn(ServiceZooKeeper, pid, s.Ports.ZooKeeper)
	}
}

// zookeeperUp runs Debian's zookeeper as a standalone server from its jar
// (not its init script): client port on 127.0.0.1 only, no AdminServer (it
// would take 8080), and the four-letter words srvr (readiness: ruok answers
// before the server serves) and conf (which data dir the server has).
func (s *Services) zookeeperUp(ctx context.Context, state string) error {
	name, port := ServiceZooKeeper, s.Ports.ZooKeeper
	dir := filepath.Join(state, name)
	if pid := runningPid(filepath.Join(dir, "pid")); pid != 0 {
		return s.reuse(ctx, state, name, pid, port, s.zookeeperIsOurs(dir, pid))
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	data, err := filepath.EvalSymlinks(filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr,conf\n", data, port)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return err
	}
	pid, err := spawn(filepath.Join(dir, "stdout.log"), []string{"java", "-Dzookeeper.log.dir=" + dir, "-cp", zookeeperJar,
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(dir, "zoo.cfg")})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return err
	}
	if err := await(ctx, name, pid, time.Minute, s.zookeeperIsOurs(dir, pid)); err != nil {
		os.Remove(filepath.Join(dir, "pid"))
		return startFailed(name, pid, filepath.Join(dir, "stdout.log"), fmt.Errorf("it did not come up as the server on 127.0.0.1:%d: %w", port, err))
	}
	s.logf("%s is ready (pid %d, 127.0.0.1:%d)", name, pid, port)
	return nil
}
