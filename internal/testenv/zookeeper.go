package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/rtdw/rtdw/rtdwtest"
)

// ZooKeeper returns host:port of a serving ZooKeeper (rtdwtest.ZooKeeper:
// RTDW_TEST_ZOOKEEPER, else one rtdwtest runs), or skips (fails under
// RTDW_REQUIRE_SERVICES=1). Tests share the server: each should work under a
// znode path of its own, such as "/" + DatabaseName(t).
func ZooKeeper(t testing.TB) string {
	t.Helper()
	return rtdwtest.ZooKeeper(t)
}

// ZooKeeperMode asks the ZooKeeper server at addr for its mode with the srvr
// four-letter word and returns it: "standalone", "leader" or "follower"
// (rtdwtest.ZooKeeperMode with a timeout).
func ZooKeeperMode(addr string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return rtdwtest.ZooKeeperMode(ctx, addr)
}
