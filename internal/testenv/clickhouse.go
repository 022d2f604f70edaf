package testenv

import (
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/rtdw/rtdw/rtdwtest"
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

// NewClickHouse creates a fresh database on the ClickHouse server
// (rtdwtest.ClickHouse: RTDW_TEST_CLICKHOUSE, else one rtdwtest runs) and
// returns it; the database is dropped when the test ends.
func NewClickHouse(t testing.TB) *ClickHouse {
	t.Helper()
	db := rtdwtest.ClickHouse(t)
	return &ClickHouse{Addr: db.Addr, Database: db.Database, Conn: db.Conn}
}
