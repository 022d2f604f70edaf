package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// ZooKeeper returns host:port of the ZooKeeper server that RTDW_TEST_ZOOKEEPER
// names, after checking that it serves: its srvr four-letter word reports a
// mode (standalone, leader or follower). When the variable is unset or the
// server does not serve, the test skips (fails under RTDW_REQUIRE_SERVICES=1).
// Tests share the server: each should work under a znode path of its own,
// such as "/" + DatabaseName(t).
func ZooKeeper(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(EnvZooKeeper)
	if addr == "" {
		unavailable(t, "ZooKeeper integration test: set %s to host:port of its client port, such as 127.0.0.1:12181 (make test does)", EnvZooKeeper)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("%s=%q is not host:port: %v", EnvZooKeeper, addr, err)
	}
	mode, err := ZooKeeperMode(addr, 5*time.Second)
	if err != nil {
		unavailable(t, "ZooKeeper at %s does not serve: %v (start it with scripts/services.sh up)", addr, err)
	}
	t.Logf("ZooKeeper at %s, mode %s", addr, mode)
	return addr
}

// ZooKeeperMode asks the ZooKeeper server at addr for its mode with the srvr
// four-letter word (which the server must whitelist: 4lw.commands.whitelist)
// and returns it: "standalone", "leader" or "follower". A server that answers
// without a mode is still starting, or is not serving.
func ZooKeeperMode(addr string, timeout time.Duration) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return "", fmt.Errorf("sending srvr: %w", err)
	}
	var lines []string
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the answer to srvr: %w", err)
	}
	answer := strings.Join(lines, " | ")
	if answer == "" {
		return "", fmt.Errorf("srvr got no answer: is srvr in the server's 4lw.commands.whitelist?")
	}
	return "", fmt.Errorf("srvr answered without a mode: %q", answer)
}
