package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// ownPolicySink is a recordingSink that applies schema changes under a policy
// of its own, as the clickhouse sink does.
type ownPolicySink struct {
	recordingSink
	policy cdc.SchemaChangePolicy
}

func (s *ownPolicySink) SchemaChangePolicy() cdc.SchemaChangePolicy { return s.policy }

func tableChange(kind cdc.SchemaChangeKind, s *cdc.TableSchema, ddl string, newName cdc.TableID) cdc.Event {
	return cdc.Event{Op: cdc.OpSchemaChange, Table: s.Table, DDL: ddl,
		Changes: []cdc.SchemaChange{{Kind: kind, Table: s.Table, Before: s, NewTable: newName}}}
}

func schemaChanges(events []cdc.Event) []string {
	var out []string
	for _, e := range events {
		for _, c := range e.Changes {
			s := string(c.Kind) + " " + c.Table.String()
			if c.NewTable != (cdc.TableID{}) {
				s += " -> " + c.NewTable.String()
			}
			out = append(out, s)
		}
	}
	return out
}

// A route that only renames one table (gmall.orders to ods.orders) passes
// its truncate, drop and rename on as changes of the sink table; a rename
// goes to where the routes send the new name.
func TestOneToOneRoutePassesTableChangesOn(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id", "amount")
	old := cdc.TableID{Database: "gmall", Table: "orders_old"}
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{
		insert(orders, int64(1), int64(10)),
		tableChange(cdc.ChangeTruncateTable, orders, "TRUNCATE TABLE orders", cdc.TableID{}),
		tableChange(cdc.ChangeRenameTable, orders, "RENAME TABLE orders TO orders_old", old),
		tableChange(cdc.ChangeDropTable, schema("gmall", "orders_old", "id", "amount"), "DROP TABLE orders_old", cdc.TableID{}),
	}}}
	sink := &recordingSink{}
	p, err := pipeline.New("one-to-one").From(src).To(sink).
		Route(`gmall\.orders`, "ods.orders").Route(`gmall\.orders_old`, "ods.orders_archive").Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(schemaChanges(sink.durable), "; ")
	want := "truncate.table ods.orders; rename.table ods.orders -> ods.orders_archive; drop.table ods.orders_archive"
	if got != want {
		t.Errorf("sink got %q, want %q", got, want)
	}
}

// Several shards merged into one sink table: a shard's truncate or drop
// would take the other shards' rows with it. Under the sink's LENIENT (the
// zero policy) it is dropped; under EVOLVE the pipeline stops with a
// *cdc.SchemaChangeError naming the shard, the sink table and the fix.
func TestMergedShardTableChangeFollowsSinkPolicy(t *testing.T) {
	t.Parallel()
	o1, o2 := schema("gmall", "orders_1", "id", "amount"), schema("gmall", "orders_2", "id", "amount")
	for _, c := range []struct {
		name   string
		routes [][2]string
	}{
		{"pattern", [][2]string{{`gmall\.orders_\d+`, "ods.orders"}}},
		{"two literal routes", [][2]string{{`gmall\.orders_1`, "ods.orders"}, {`gmall\.orders_2`, "ods.orders"}}},
		{"replace symbol, one to one", nil},
	} {
		for _, b := range []cdc.SchemaChangeBehavior{cdc.BehaviorLenient, cdc.BehaviorIgnore, cdc.BehaviorTryEvolve, cdc.BehaviorEvolve, cdc.BehaviorException} {
			for _, kind := range []cdc.SchemaChangeKind{cdc.ChangeTruncateTable, cdc.ChangeDropTable} {
				src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{
					{insert(o1, int64(1), int64(10)), insert(o2, int64(2), int64(20))},
					{tableChange(kind, o2, string(kind)+" orders_2", cdc.TableID{})},
				}}
				policy := cdc.SchemaChangePolicy{PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{kind: b}}
				sink := &ownPolicySink{policy: policy}
				bld := pipeline.New("merged").From(src).To(sink)
				if kind == cdc.ChangeDropTable { // the pipeline's policy for the sink, which the sink's agrees with
					bld = pipeline.New("merged").From(src).To(sink, pipeline.SchemaChanges(policy))
				}
				for _, r := range c.routes {
					bld.Route(r[0], r[1])
				}
				if c.routes == nil { // each shard to a table of its own: not merged
					bld.Route(`gmall\.orders_\d+`, "ods.<>", pipeline.ReplaceSymbol("<>"))
				}
				p, err := bld.Build()
				if err != nil {
					t.Fatal(err)
				}
				err = run(t, p)
				what := fmt.Sprintf("%s, %s under %s", c.name, kind, b)
				got := schemaChanges(sink.durable)
				if c.routes == nil && kind == cdc.ChangeDropTable && b == cdc.BehaviorException {
					var serr *cdc.SchemaChangeError
					var sherr *pipeline.ShardChangeError
					if !errors.As(err, &serr) || errors.As(err, &sherr) {
						t.Errorf("%s: Run returned %v, want the pipeline's EXCEPTION, not a merged shard's error", what, err)
					}
					continue
				}
				if c.routes == nil {
					if err != nil || len(got) != 1 || got[0] != string(kind)+" ods.orders_2" {
						t.Errorf("%s: err %v, sink got %q; want the change passed on to ods.orders_2", what, err, got)
					}
					continue
				}
				var serr *cdc.SchemaChangeError
				var sherr *pipeline.ShardChangeError
				switch b {
				case cdc.BehaviorEvolve, cdc.BehaviorException:
					if !errors.As(err, &serr) || !errors.As(err, &sherr) {
						t.Fatalf("%s: Run returned %v, want a *cdc.SchemaChangeError wrapping a *pipeline.ShardChangeError", what, err)
					}
					msg := err.Error()
					for _, w := range []string{"gmall.orders_2", "ods.orders", "__table_name__", "LENIENT"} {
						if !strings.Contains(msg, w) {
							t.Errorf("%s: error %q does not name %s", what, msg, w)
						}
					}
					if serr.Behavior != b || serr.Change.Kind != kind {
						t.Errorf("%s: error's behavior %s kind %s", what, serr.Behavior, serr.Change.Kind)
					}
				default:
					if err != nil {
						t.Errorf("%s: Run: %v", what, err)
					}
					if len(got) != 0 {
						t.Errorf("%s: sink got %q; want the shard's change dropped", what, got)
					}
					if len(sink.durable) != 2 {
						t.Errorf("%s: sink got %d events, want the 2 rows", what, len(sink.durable))
					}
				}
			}
		}
	}
}

// idsOf reads the ids of a ClickHouse table of schema (id BIGINT, v INT)
// as the sink's readers see them (deleted rows hidden, latest version).
func idsOf(ch *clickhouse.Client, db, table string) string {
	schema := &cdc.TableSchema{Table: cdc.TableID{Database: db, Table: table}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt, Raw: "bigint"}}, {Name: "v", Type: cdc.ColumnType{Kind: cdc.KindInt, Raw: "int"}}}}
	rows, err := ch.ReadTable(context.Background(), schema, clickhouse.TableOptions{})
	if err != nil {
		return "error: " + err.Error()
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, fmt.Sprint(r[0]))
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// A one-to-one route that only renames the table (Route's documented
// "gmall.orders" to "ods.orders"), a ClickHouse sink told to apply
// truncates (EVOLVE): TRUNCATE TABLE in MySQL empties the ClickHouse table,
// so that after TRUNCATE and one insert both hold that row alone.
func TestOneToOneRouteTruncateEmptiesClickHouseTable(t *testing.T) {
	src := testenv.NewSource(t, testenv.MySQL)
	ch := testenv.NewClickHouse(t)
	src.Exec(t, "CREATE TABLE items (id BIGINT PRIMARY KEY, v INT NOT NULL)", "INSERT INTO items VALUES (1,1),(2,2),(3,3)")
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{FlushInterval: 100 * time.Millisecond,
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(context.Background())
	s, err := mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.items`).IncludeSchemaChanges(true).
		ServerID(strconv.Itoa(60000 + rand.IntN(5000))).Build()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := pipeline.New("rename").From(s).To(sink).
		Route(strings.ReplaceAll(src.Database, ".", `\.`)+`\.items`, ch.Database+".items").Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	ids := func() string { return idsOf(client, ch.Database, "items") }
	wait := func(what string, cond func() bool) bool {
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); {
			if cond() {
				return true
			}
			select {
			case err := <-done:
				done <- err
				t.Fatalf("pipeline stopped while waiting for %s: %v", what, err)
			case <-time.After(200 * time.Millisecond):
			}
		}
		return false
	}
	if !wait("the snapshot", func() bool { return ids() == "[1 2 3]" }) {
		t.Fatalf("snapshot never arrived: %s", ids())
	}
	src.Exec(t, "TRUNCATE TABLE items", "INSERT INTO items VALUES (10,10)")
	wait("the insert after the truncate", func() bool { return strings.Contains(ids(), "10") })
	time.Sleep(time.Second) // let anything pending settle
	if got := ids(); got != "[10]" {
		t.Errorf("after TRUNCATE + INSERT (10): MySQL has [10], ClickHouse %s: the truncated rows stay visible", got)
	}
}
