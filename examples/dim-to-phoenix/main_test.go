package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
)

// The program end to end: the real MySQL of the services, the in-process
// PQS. It fails when an order is enriched with a DIM row of another time,
// or when the PQS sees a protocol violation.
func TestDIMToPhoenix(t *testing.T) {
	for _, f := range []testenv.Flavor{testenv.MySQL, testenv.MariaDB} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			src := testenv.NewSource(t, f) // a fresh database; run recreates it under the same name
			env := testenv.EnvMySQL
			if f == testenv.MariaDB {
				env = testenv.EnvMariaDB
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			logger := slog.New(slog.NewTextHandler(t.Output(), nil))
			o := options{mysqlDSN: os.Getenv(env), database: src.Database, namespaceMapping: true, orders: 40, out: &out}
			if err := run(ctx, logger, o); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"every one of 40 orders", "province 1 (Beijing Shi)", "hit rate"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
