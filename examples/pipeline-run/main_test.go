package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The example file loads with this program's registry (no server needed).
func TestGmallDefinitionIsValid(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), slog.New(slog.DiscardHandler), &out, "gmall.yaml", t.TempDir(), 0, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `pipeline "gmall to ClickHouse" is valid: 1 source(s), 2 route(s), 1 transform(s), 1 sink(s)`) {
		t.Errorf("check printed %q", out.String())
	}
}

// A bad file is refused before any I/O, naming each key.
func TestBadDefinition(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte("source:\n  type: mysql\n  hostname: h\n  usernme: u\n  tables: db.t\nsink:\n  type: clickhouse\n  hostname: h\n  flush: 1s\npipeline:\n  name: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), slog.New(slog.DiscardHandler), &bytes.Buffer{}, file, t.TempDir(), 0, true)
	for _, want := range []string{"source.usernme: is not a key of the source block (type mysql); did you mean username?",
		"source.username: set the user to capture as", "sink.flush: is not a key of the sink block (type clickhouse)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("run = %v, want it to name %q", err, want)
		}
	}
}

// A Flink CDC definition runs embedded from MySQL and MariaDB into
// ClickHouse: snapshot and binlog, the shards merged through a projection
// and a filter, every column compared; stopped and rerun, it resumes from
// its checkpoint.
func TestRunDefinition(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ch := testenv.NewClickHouse(t)
		src.Exec(t,
			"CREATE TABLE orders_1 (id BIGINT PRIMARY KEY, product VARCHAR(32) NOT NULL, price DECIMAL(10,2) NOT NULL, status VARCHAR(16) NOT NULL)",
			"CREATE TABLE orders_2 LIKE orders_1",
			"INSERT INTO orders_1 VALUES (1,'tea',3.50,'paid'),(3,'ink',9.99,'cancelled')",
			"INSERT INTO orders_2 VALUES (2,'pen',1.25,'paid')")
		state := t.TempDir()
		file := filepath.Join(t.TempDir(), "p.yaml")
		yaml := fmt.Sprintf(`source:
  type: mysql
  hostname: %s
  port: %d
  username: %s
  password: %q
  tables: %s.orders_\d+
sink:
  type: clickhouse
  hostname: %s
  port: %s
  database: %s
transform:
  - source-table: %[5]s.orders_\d+
    projection: \*, UPPER(product) AS product_u, __table_name__ AS shard
    filter: status <> 'cancelled'
route:
  - source-table: %[5]s.orders_\d+
    sink-table: %[8]s.orders
pipeline:
  name: test
`, src.Host, src.Port, src.User, src.Password, src.Database, strings.Split(ch.Addr, ":")[0], strings.Split(ch.Addr, ":")[1], ch.Database)
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		runOnce := func(step func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			logger := slog.New(slog.NewTextHandler(t.Output(), nil))
			done := make(chan error, 1)
			go func() { done <- run(ctx, logger, &bytes.Buffer{}, file, state, time.Second, false) }()
			step()
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run: %v", err)
			}
		}
		runOnce(func() {
			waitOrders(t, src, ch)
			src.Exec(t, "UPDATE orders_1 SET status = 'paid' WHERE id = 3", "UPDATE orders_2 SET status = 'cancelled' WHERE id = 2",
				"INSERT INTO orders_2 VALUES (4,'cup',7.00,'created')")
			waitOrders(t, src, ch)
		})
		if _, err := os.Stat(filepath.Join(state, "test.source.json")); err != nil {
			t.Fatalf("no checkpoint after a clean stop: %v", err)
		}
		src.Exec(t, "DELETE FROM orders_1 WHERE id = 1", "INSERT INTO orders_1 VALUES (5,'mug',4.00,'paid')")
		runOnce(func() { waitOrders(t, src, ch) })
	})
}

// waitOrders waits until ClickHouse's orders equal MySQL's shards under the
// transform: not cancelled, product upper-cased, the shard named.
func waitOrders(t *testing.T, src *testenv.Source, ch *testenv.ClickHouse) {
	t.Helper()
	ctx := context.Background()
	schemas, err := mysql.LoadTableSchemas(ctx, src.DB, []cdc.TableID{{Database: src.Database, Table: "orders_1"}, {Database: src.Database, Table: "orders_2"}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var want []string
	for _, shard := range []string{"orders_1", "orders_2"} {
		rows, err := mysql.ReadTable(ctx, src.DB, schemas[cdc.TableID{Database: src.Database, Table: shard}])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r[3] != "cancelled" {
				want = append(want, fmt.Sprint(append(r, strings.ToUpper(r[1].(string)), shard)))
			}
		}
	}
	out := *schemas[cdc.TableID{Database: src.Database, Table: "orders_1"}]
	out.Table = cdc.TableID{Database: ch.Database, Table: "orders"}
	out.Columns = append(append([]cdc.Column(nil), out.Columns...),
		cdc.Column{Name: "product_u", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Raw: "varchar(32)"}},
		cdc.Column{Name: "shard", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Raw: "varchar(64)"}})
	deadline := time.Now().Add(time.Minute)
	var got []string
	for time.Now().Before(deadline) {
		rows, err := client.ReadTable(ctx, &out, clickhouse.TableOptions{Database: ch.Database})
		got = got[:0]
		for _, r := range rows {
			got = append(got, fmt.Sprint(r))
		}
		if err == nil && fmt.Sprint(got) == fmt.Sprint(sorted(want)) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("ClickHouse holds %v, want %v", got, sorted(want))
}

// sorted orders rows as ClickHouse returns them (by id, one digit here).
func sorted(rows []string) []string {
	out := slices.Clone(rows)
	slices.Sort(out)
	return out
}
