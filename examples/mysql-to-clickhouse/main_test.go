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
// run fails unless ClickHouse converges to exactly the source's rows.
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
			if err := run(ctx, logger, os.Getenv(env), ch.Addr, src.Database, 20_000, 600, t.TempDir(), false); err != nil {
				t.Fatal(err)
			}
		})
	}
}
