// Package rtdwtest gives integration tests real MySQL, MariaDB, ClickHouse
// and ZooKeeper servers without Docker: a test asks for a fresh database and
// gets one on a running server, dropped when the test ends.
//
//	func TestCapture(t *testing.T) {
//		src := rtdwtest.MySQL(t)       // a fresh database on Oracle MySQL 9.7
//		sink := rtdwtest.ClickHouse(t) // and one on ClickHouse
//		src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
//		...
//	}
//
// # Where the servers come from
//
// In this order:
//
//  1. A variable naming a running server: RTDW_TEST_MYSQL, RTDW_TEST_MARIADB
//     and RTDW_TEST_MYSQL_REPLICA (go-sql-driver DSNs of a user that may create
//     databases), RTDW_TEST_CLICKHOUSE and RTDW_TEST_ZOOKEEPER (host:port).
//  2. A server rtdwtest started before, running from its state directory
//     (RTDW_SERVICES_DIR, default rtdw under [os.UserCacheDir]), found after
//     checking that what answers on its port is that server.
//  3. Otherwise rtdwtest starts one from Debian's packages, installing those
//     that are missing when it runs as root with apt-get (RTDW_TEST_INSTALL=0
//     forbids it): mariadb-server, clickhouse-server, zookeeper (which brings
//     a JRE). Oracle MySQL 9.7 comes from Debian's sid suite, downloaded with a
//     private apt state and unpacked into the state directory, never
//     installed: mysqld runs through sid's own dynamic loader, so the system's
//     libc stays untouched. Every package is installed before any server
//     starts.
//
// Every test binary shares the servers of one state directory: a lock on the
// directory makes parallel `go test` packages take turns starting them, and
// the second finds what the first started. Servers listen on 127.0.0.1 only,
// on ports remembered in the state directory (chosen free at first start, or
// set with RTDW_MYSQL_PORT and the variables listed on [Ports]). MySQL's and
// MariaDB's binlogs are on (ROW, FULL images; GTIDs on MySQL), so the servers
// can be CDC sources. Their root password is [Password].
//
// # Skip or fail
//
// A test whose server cannot be had (none named, none can be started, or
// RTDW_TEST_START=0) skips with a message naming the variable that would
// give it one. With RTDW_REQUIRE_SERVICES=1, as CI sets, it fails instead.
//
// # Stopping
//
// Started servers run detached and outlive the test binary, so the next run
// finds them warm (a fresh database then takes milliseconds; see
// BenchmarkFreshDatabase). Stop them with [Stop], or from a shell:
//
//	go run github.com/rtdw/rtdw/rtdwtest/cmd/rtdwtest down
//
// A package whose TestMain calls [Main] stops the servers its binary started
// once its tests end and no other test binary uses them, unless
// RTDW_TEST_KEEP_SERVERS=1 keeps them for the next run. [Services] starts and
// stops servers of any state directory and ports explicitly; the command
// rtdwtest (up, down, status, env) is the same from a shell.
package rtdwtest
