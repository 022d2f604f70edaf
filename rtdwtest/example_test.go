package rtdwtest_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rtdw/rtdw/rtdwtest"
)

// A test gets a fresh database on MySQL, and one on ClickHouse; both are
// dropped when the test ends.
func ExampleMySQL() {
	_ = func(t *testing.T) {
		src := rtdwtest.MySQL(t)
		src.Exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, total DECIMAL(10,2))",
			"INSERT INTO orders VALUES (1, 9.99)")

		sink := rtdwtest.ClickHouse(t)
		ctx := context.Background()
		if err := sink.Conn.Exec(ctx, "CREATE TABLE orders (id Int64, total Decimal(10,2)) ENGINE = MergeTree ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		t.Logf("capture %s into %s", src, sink.Database)
	}
}

// A package's TestMain can stop the servers its tests started once they end
// (unless RTDW_TEST_KEEP_SERVERS=1, or another test binary still uses them).
func ExampleMain() {
	_ = func(m *testing.M) { os.Exit(rtdwtest.Main(m)) }
}

// Servers of a state directory of one's own, started and stopped explicitly,
// for example by a CI step before the tests.
func ExampleServices() {
	_ = func() error {
		s := &rtdwtest.Services{Dir: "/tmp/rtdw-servers", Install: true}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := s.Up(ctx, rtdwtest.ServiceMariaDB, rtdwtest.ServiceClickHouse); err != nil {
			return err
		}
		env, err := s.Env() // RTDW_TEST_MARIADB=root:…@tcp(127.0.0.1:port)/ and RTDW_TEST_CLICKHOUSE=127.0.0.1:port
		fmt.Println(env)
		return err
	}
}

func ExampleQuoteIdent() {
	fmt.Println(rtdwtest.QuoteIdent("order"), rtdwtest.QuoteIdent("odd`name"))
	// Output: `order` `odd``name`
}

func ExamplePortsFromEnv() {
	os.Setenv("RTDW_MARIADB_PORT", "13307")
	os.Setenv("RTDW_ZOOKEEPER_PORT", "zk")
	_, err := rtdwtest.PortsFromEnv()
	fmt.Println(err)
	os.Setenv("RTDW_ZOOKEEPER_PORT", "12181")
	p, _ := rtdwtest.PortsFromEnv()
	fmt.Println(p.MariaDB, p.ZooKeeper, p.MySQL)
	os.Unsetenv("RTDW_MARIADB_PORT")
	os.Unsetenv("RTDW_ZOOKEEPER_PORT")
	// Output:
	// RTDW_ZOOKEEPER_PORT="zk" is not a TCP port: set a number from 1 to 65535
	// 13307 12181 0
}
