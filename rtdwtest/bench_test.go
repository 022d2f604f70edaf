package rtdwtest_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/rtdwtest"
)

// BenchmarkFreshDatabase is the time a test waits for a fresh database on a
// running server (create it, connect to it), against the floor in the same
// run: CREATE DATABASE on a connection already open. The drop that follows
// each at the test's end is timed separately (…/drop).
//
//	go test -run '^$' -bench FreshDatabase -benchtime 100x ./rtdwtest
func BenchmarkFreshDatabase(b *testing.B) {
	for _, flavor := range []string{"mysql", "mariadb"} {
		get := rtdwtest.MySQL
		if flavor == "mariadb" {
			get = rtdwtest.MariaDB
		}
		b.Run(flavor+"/rtdwtest", func(b *testing.B) {
			get(b) // a first database brings the server up and opens the admin pool
			for b.Loop() {
				tb := &oneTest{TB: b}
				db := get(tb)
				if err := db.DB.Ping(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				tb.end()
				b.StartTimer()
			}
		})
		b.Run(flavor+"/rtdwtest-drop", func(b *testing.B) {
			get(b)
			for b.Loop() {
				b.StopTimer()
				tb := &oneTest{TB: b}
				get(tb)
				b.StartTimer()
				tb.end()
			}
		})
		b.Run(flavor+"/baseline-create", func(b *testing.B) {
			cfg := rtdwtest.ServerConfig(b, flavor)
			cfg.DBName = ""
			conn, err := mysql.NewConnector(cfg)
			if err != nil {
				b.Fatal(err)
			}
			db := sql.OpenDB(conn)
			defer db.Close()
			ctx := context.Background()
			for b.Loop() {
				name := rtdwtest.QuoteIdent(rtdwtest.DatabaseName(b))
				if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if _, err := db.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
	b.Run("clickhouse/rtdwtest", func(b *testing.B) {
		rtdwtest.ClickHouse(b)
		for b.Loop() {
			tb := &oneTest{TB: b}
			ch := rtdwtest.ClickHouse(tb)
			if err := ch.Conn.Ping(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			tb.end()
			b.StartTimer()
		}
	})
}

// oneTest is one iteration's test: its cleanups run at end, not when the
// benchmark ends.
type oneTest struct {
	testing.TB
	cleanups []func()
}

func (o *oneTest) Cleanup(f func()) { o.cleanups = append(o.cleanups, f) }

func (o *oneTest) end() {
	for i := len(o.cleanups) - 1; i >= 0; i-- {
		o.cleanups[i]()
	}
	o.cleanups = nil
}
