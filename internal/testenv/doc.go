// Package testenv is rtdw's own test harness on top of the public test kit
// rtdwtest: it connects integration tests to the local servers that
// scripts/services.sh (a wrapper over rtdwtest) starts, and gives each test a
// fresh database of its own on each of them, dropped when the test ends, so
// tests run in parallel without seeing each other's data.
//
// The servers are found through environment variables, which `make test` sets
// (without them rtdwtest starts its own, unless RTDW_TEST_START=0):
//
//	RTDW_TEST_MYSQL        DSN of Oracle MySQL, go-sql-driver form: user:password@tcp(host:port)/
//	RTDW_TEST_MARIADB      DSN of MariaDB, same form
//	RTDW_TEST_MYSQL_REPLICA DSN of a GTID replica of the MySQL server (ReplicaConfig)
//	RTDW_TEST_CLICKHOUSE   host:port of ClickHouse's native protocol
//	RTDW_TEST_ZOOKEEPER    host:port of ZooKeeper's client port ([ZooKeeper])
//	RTDW_REQUIRE_SERVICES  when "1", a missing variable or an unreachable server fails the test instead of skipping it
//
// Source tests call [ForEachSource] to run once against MySQL and once against
// MariaDB.
package testenv
