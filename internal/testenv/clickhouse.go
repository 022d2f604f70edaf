package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ClickHouse is a fresh database on the ClickHouse server, created for one test.
type ClickHouse struct {
	// Addr is the host:port of the native protocol.
	Addr string
	// Database is the test's own database, dropped when the test ends.
	Database string
	// Conn is a native connection with Database as its default.
	Conn driver.Conn
}

// NewClickHouse creates a fresh database on the ClickHouse server named by
// RTDW_TEST_CLICKHOUSE and returns it; the database is dropped when the test
// ends.
func NewClickHouse(t testing.TB) *ClickHouse {
	t.Helper()
	addr := os.Getenv(EnvClickHouse)
	if addr == "" {
		unavailable(t, "ClickHouse integration test: set %s to host:port of the native protocol, such as 127.0.0.1:19000 (make test does)", EnvClickHouse)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 5 * time.Second})
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		unavailable(t, "ClickHouse at %s is not reachable: %v (start it with scripts/services.sh up)", addr, err)
	}
	defer admin.Close()
	name := DatabaseName(t)
	if err := admin.Exec(ctx, "CREATE DATABASE "+QuoteIdent(name)); err != nil {
		t.Fatalf("clickhouse: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}}); err == nil {
			defer c.Close()
			if err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+QuoteIdent(name)); err != nil {
				t.Errorf("clickhouse: drop database %s: %v", name, err)
			}
		}
	})
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: name}})
	if err != nil {
		t.Fatalf("clickhouse: open %s: %v", name, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &ClickHouse{Addr: addr, Database: name, Conn: conn}
}
