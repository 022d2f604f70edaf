package phoenix_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// The DDL of a DIM table: quoted names, the key as a constraint, the
// non-key columns in a family, salted and compressed.
func ExampleCreateTableSQL() {
	ct := func(s string) cdc.ColumnType { t, _ := cdc.ParseColumnType(s, "utf8mb4"); return t }
	schema := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall", Table: "base_province"},
		Columns:    []cdc.Column{{Name: "id", Type: ct("bigint")}, {Name: "name", Type: ct("varchar(20)")}, {Name: "region_id", Type: ct("varchar(20)")}},
		PrimaryKey: []string{"id"},
	}
	ddl, err := phoenix.CreateTableSQL(schema, phoenix.TableOptions{
		Schema:       "GMALL_REALTIME",
		TableName:    func(id cdc.TableID) string { return "dim_" + id.Table },
		ColumnFamily: "info",
		SaltBuckets:  3,
		Compression:  "SNAPPY",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ddl)
	// Output:
	// CREATE TABLE IF NOT EXISTS "GMALL_REALTIME"."dim_base_province" ("id" BIGINT NOT NULL, "info"."name" VARCHAR, "info"."region_id" VARCHAR, CONSTRAINT "pk" PRIMARY KEY ("id")) SALT_BUCKETS=3, COMPRESSION='SNAPPY'
}

// exampleReporter lets an example run the fake PQS, which reports protocol
// violations to a test.
type exampleReporter struct{ cleanups []func() }

func (r *exampleReporter) Errorf(format string, args ...any) {
	fmt.Printf("violation: "+format+"\n", args...)
}
func (r *exampleReporter) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *exampleReporter) close() {
	for _, f := range r.cleanups {
		f()
	}
}

// The gmall pattern end to end, against the in-process PQS: a sink keeps a
// DIM table in sync with change events, and a lookup enriches a fact with
// it through its cache, which the sink's commits invalidate.
func Example() {
	rep := &exampleReporter{}
	defer rep.close()
	pqs := avaticatest.NewServer(rep, avaticatest.Config{NamespaceMapping: true})

	ctx := context.Background()
	cfg := phoenix.DefaultConfig(pqs.URL())
	cfg.NamespaceMapping = true
	client, err := phoenix.Open(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	if err := client.CreateSchema(ctx, "GMALL_REALTIME"); err != nil {
		log.Fatal(err)
	}

	ct := func(s string) cdc.ColumnType { t, _ := cdc.ParseColumnType(s, "utf8mb4"); return t }
	province := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall", Table: "base_province"},
		Columns:    []cdc.Column{{Name: "id", Type: ct("bigint")}, {Name: "name", Type: ct("varchar(20)")}},
		PrimaryKey: []string{"id"},
	}
	opts := phoenix.TableOptions{Schema: "GMALL_REALTIME", TableName: func(id cdc.TableID) string { return "dim_" + id.Table }}
	lookup, err := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: province, TableOptions: opts, TTL: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{TableOptions: opts, Lookups: []*phoenix.Lookup{lookup}})
	if err != nil {
		log.Fatal(err)
	}
	write := func(op cdc.Op, before, after cdc.Row) {
		ev := cdc.Event{Op: op, Table: province.Table, Schema: province, Before: before, After: after}
		if err := sink.HandleEvents(ctx, []cdc.Event{ev}); err != nil {
			log.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil { // what a source does before a checkpoint
			log.Fatal(err)
		}
	}
	enrich := func(provinceID int64) {
		row, found, err := lookup.Get(ctx, provinceID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("order in province", provinceID, "->", row["name"], found)
	}

	write(cdc.OpRead, nil, cdc.Row{int64(1), "Beijing"})
	enrich(1) // a miss: read from Phoenix
	enrich(1) // a hit
	write(cdc.OpUpdate, cdc.Row{int64(1), "Beijing"}, cdc.Row{int64(1), "Beijing Shi"})
	enrich(1) // the commit invalidated the key: read again
	enrich(2)

	st := lookup.Stats()
	fmt.Printf("hits %d, misses %d, hit rate %.2f\n", st.Hits, st.Misses, st.HitRate())
	fmt.Println("commits:", pqs.Count("CommitRequest"))
	// Output:
	// order in province 1 -> Beijing true
	// order in province 1 -> Beijing true
	// order in province 1 -> Beijing Shi true
	// order in province 2 -> <nil> false
	// hits 1, misses 3, hit rate 0.25
	// commits: 2
}
