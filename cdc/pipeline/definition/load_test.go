package definition_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
)

// fixedSource is a test source type: it delivers its rows once, flushes,
// and returns.
type fixedSource struct {
	events []cdc.Event
}

func (s *fixedSource) Run(ctx context.Context, sink cdc.Sink) error {
	if err := sink.HandleEvents(ctx, s.events); err != nil {
		return err
	}
	return sink.Flush(ctx)
}

func orders(shard string) *cdc.TableSchema {
	return &cdc.TableSchema{Table: cdc.TableID{Database: "app_db", Table: shard}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
			{Name: "product", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32, Raw: "varchar(32)"}},
			{Name: "price", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
		}}
}

// registry knows a "fake" source whose options are checked like a real
// connector's.
func registry(t *testing.T, seen map[string]string) *definition.Registry {
	reg := definition.NewRegistry()
	reg.RegisterSource("fake", definition.SourceType{
		Keys: []string{"hostname", "port", "tables", "debezium.*"},
		New: func(b *definition.Block) (pipeline.Source, error) {
			host := b.Required("hostname", "the server's host")
			port := b.Int("port", 3306)
			pattern, err := definition.SelectorPattern(b.Required("tables", "the tables to capture"))
			if err != nil {
				b.Problem("tables", b.String("tables", ""), "%v", err)
			}
			if seen != nil {
				seen["host"], seen["port"], seen["tables"] = host, strings.Repeat("x", port%10), pattern
				seen["store"] = typeName(b.OffsetStore)
			}
			o1, o2 := orders("orders_1"), orders("orders_2")
			return &fixedSource{events: []cdc.Event{
				{Op: cdc.OpCreate, Table: o1.Table, Schema: o1, After: cdc.Row{int64(1), "tea", int64(30)}},
				{Op: cdc.OpCreate, Table: o2.Table, Schema: o2, After: cdc.Row{int64(2), "pen", int64(5)}},
			}}, nil
		},
	})
	return reg
}

func typeName(v any) string {
	switch v.(type) {
	case *cdc.FileOffsetStore:
		return "file"
	case *cdc.MemoryOffsetStore:
		return "memory"
	}
	return "?"
}

const gmallYAML = `
source:
  type: fake
  hostname: 127.0.0.1
  port: 3307
  tables: app_db.orders_\d+, app_db.\.*
  debezium.snapshot.mode: initial

sink:
  type: values

transform:
  - source-table: app_db.orders_\d+
    projection: \*, UPPER(product) AS product_u, __table_name__ AS src
    filter: price > 10
    primary-keys: id
    description: project fields and filter

route:
  - source-table: app_db.orders_\d+
    sink-table: ods_db.ods_orders
    description: merge the shards

pipeline:
  name: Sync MySQL Database to Doris
  parallelism: 2
  local-time-zone: Asia/Shanghai
`

// A Flink CDC definition runs embedded: the source from the registry, the
// transform, the route and the values sink.
func TestLoadAndRun(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	var out bytes.Buffer
	cfg, err := definition.Load([]byte(gmallYAML), definition.Options{Registry: registry(t, seen), Stdout: &out, CheckpointDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "Sync MySQL Database to Doris" || cfg.TimeZone == nil || cfg.TimeZone.String() != "Asia/Shanghai" {
		t.Errorf("pipeline block: name %q, zone %v", cfg.Name, cfg.TimeZone)
	}
	if seen["host"] != "127.0.0.1" || seen["port"] != "xxxxxxx" || seen["store"] != "file" {
		t.Errorf("the source saw %v", seen)
	}
	re := regexp.MustCompile("^(?:" + seen["tables"] + ")$")
	for id, want := range map[string]bool{"app_db.orders_1": true, "app_db.users": true, "other.users": false, "app_dbxorders_1": false} {
		if re.MatchString(id) != want {
			t.Errorf("tables selector %q matches %s: %v, want %v", seen["tables"], id, !want, want)
		}
	}
	p, err := pipeline.NewFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "ods_db.ods_orders +I id=1 product=\"tea\" price=30 product_u=\"TEA\" src=\"orders_1\"\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// Every problem of the file at once: unknown blocks and keys (with the
// nearest known key), bad values, unknown types, selectors without a
// database, what the embedded runner cannot do.
func TestLoadNamesEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := definition.Load([]byte(`
source:
  type: fake
  hostnme: 127.0.0.1
  port: many
  tables: orders
sink:
  type: doris
route:
  - source-table: app_db.orders
    sink-tabel: ods.orders
transform:
  - source-table: app_db.orders
    projecton: id
    converter-after-transform: SOFT_DELETE
pipeline:
  name: x
  parallelizm: 2
  schema.change.behavior: sometimes
  user-defined-function:
    - name: addone
      classpath: com.example.AddOne
checkpoints: {}
`), definition.Options{Registry: registry(t, nil)})
	if !errors.Is(err, pipeline.ErrInvalidConfig) {
		t.Fatalf("Load = %v, want ErrInvalidConfig", err)
	}
	for _, want := range []string{
		"checkpoints: is not a block of a pipeline definition",
		"source.hostnme: is not a key of the source block (type fake); did you mean hostname?",
		"source.hostname: set the server's host",
		`source.port = "many": want a whole number`,
		`source.tables = "orders": selector "orders" has 1 part(s)`,
		`sink.type = "doris": is not a sink type this program knows; known: values`,
		"route[0].sink-tabel: is not a key of the route rule; did you mean sink-table?",
		"route[0].sink-table: set the sink table",
		"transform[0].projecton: is not a key of the transform rule; did you mean projection?",
		`transform[0].converter-after-transform = "SOFT_DELETE": converters are Java classes`,
		"pipeline.parallelizm: is not a key of the pipeline block; did you mean parallelism?",
		`pipeline.schema.change.behavior = "sometimes": want exception, evolve, try_evolve, lenient or ignore`,
		"pipeline.user-defined-function: user-defined functions and models are Java classes",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

func TestSelectorPattern(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sel   string
		match []string
		miss  []string
		bad   bool
	}{
		{sel: `app_db.\.*`, match: []string{"app_db.orders", "app_db.a.b"}, miss: []string{"app_dbx.orders"}},
		{sel: `gmall.order_info_\d+`, match: []string{"gmall.order_info_12"}, miss: []string{"gmall.order_info_", "gmallxorder_info_1"}},
		{sel: `db1.a, db2.b`, match: []string{"db1.a", "db2.b"}, miss: []string{"db1.b"}},
		{sel: `db.t_\d{1,2}`, match: []string{"db.t_12"}, miss: []string{"db.t_123"}},
		{sel: `db\.t`, bad: true},
		{sel: `ns.db.t`, bad: true},
		{sel: `db.`, bad: true},
	} {
		p, err := definition.SelectorPattern(c.sel)
		if c.bad {
			if err == nil {
				t.Errorf("SelectorPattern(%q) = %q, want an error", c.sel, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("SelectorPattern(%q): %v", c.sel, err)
			continue
		}
		re := regexp.MustCompile("^(?:" + p + ")$")
		for _, m := range c.match {
			if !re.MatchString(m) {
				t.Errorf("%q (%s) does not match %s", c.sel, p, m)
			}
		}
		for _, m := range c.miss {
			if re.MatchString(m) {
				t.Errorf("%q (%s) matches %s", c.sel, p, m)
			}
		}
	}
}

// FuzzSelectorPattern: any text either fails or becomes a pattern that
// compiles.
func FuzzSelectorPattern(f *testing.F) {
	for _, s := range []string{`app_db.\.*`, `db1.a, db2.b`, `db.t_\d{1,2}`, `a.(b|c)`, `\`, `.`, `,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := definition.SelectorPattern(s)
		if err != nil {
			return
		}
		if _, err := regexp.Compile("^(?:" + p + ")$"); err != nil {
			// A part that is not a regular expression stays one; the
			// pipeline's Build names it. Only the separators must be sound.
			if !strings.Contains(err.Error(), "error parsing regexp") {
				t.Errorf("SelectorPattern(%q) = %q: %v", s, p, err)
			}
		}
	})
}
