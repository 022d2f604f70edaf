package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
)

// TestMainJob runs the demo end to end, small, from MySQL and from MariaDB:
// run fails unless ClickHouse converges to exactly the source's rows, every
// table and column, the order shards merged into one table.
func TestMainJob(t *testing.T) {
	for _, f := range []testenv.Flavor{testenv.MySQL, testenv.MariaDB} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			src := testenv.NewSource(t, f) // a fresh database; run recreates it under the same name
			ch := testenv.NewClickHouse(t)
			// run writes ClickHouse database src.Database (not ch.Database): drop it too.
			t.Cleanup(func() {
				_ = ch.Conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+testenv.QuoteIdent(src.Database))
			})
			env := testenv.EnvMySQL
			if f == testenv.MariaDB {
				env = testenv.EnvMariaDB
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			// The logs show in the test's output when it fails (or with -v).
			logger := slog.New(slog.NewTextHandler(t.Output(), nil))
			o := options{mysqlDSN: os.Getenv(env), chAddr: ch.Addr, database: src.Database, orders: 20_000, shards: 3,
				changes: 1_000, stateDir: t.TempDir()}
			if err := run(ctx, logger, o); err != nil {
				t.Fatal(err)
			}
		})
	}
}
