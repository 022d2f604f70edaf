package phoenix_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// provinces is a two-column DIM table.
func provinces(t *testing.T) *cdc.TableSchema {
	return &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall", Table: "base_province"},
		Columns:    []cdc.Column{{Name: "id", Type: mustType(t, "bigint")}, {Name: "name", Type: mustType(t, "varchar(20)"), Nullable: true}},
		PrimaryKey: []string{"id"},
	}
}

func withColumn(s *cdc.TableSchema, c cdc.Column) *cdc.TableSchema {
	out := *s
	out.Columns = append(slices.Clone(s.Columns), c)
	return &out
}

func ddlEvent(ddl string, changes ...cdc.SchemaChange) cdc.Event {
	var after *cdc.TableSchema
	if n := len(changes); n > 0 {
		after = changes[n-1].After
	}
	return cdc.Event{Op: cdc.OpSchemaChange, Table: changes[0].Table, Schema: after, DDL: ddl, Changes: changes}
}

func columnsOf(t *testing.T, srv *avaticatest.Server, table string) string {
	cols, _, _, ok := srv.DDL("", table)
	if !ok {
		t.Fatalf("no table %s", table)
	}
	return strings.Join(cols, ", ")
}

func TestSchemaChangeAddColumnUnderEachBehavior(t *testing.T) {
	t.Parallel()
	for _, b := range []cdc.SchemaChangeBehavior{cdc.BehaviorLenient, cdc.BehaviorEvolve, cdc.BehaviorIgnore} {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			srv, client := newFake(t, avaticatest.Config{})
			ctx := ctxT(t)
			sink, err := phoenix.NewSink(client, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{Behavior: b}})
			if err != nil {
				t.Fatal(err)
			}
			before := provinces(t)
			after := withColumn(before, cdc.Column{Name: "region_id", Type: mustType(t, "int"), Nullable: true})
			events := []cdc.Event{
				event(cdc.OpCreate, before, nil, cdc.Row{int64(1), "Beijing"}),
				ddlEvent("ALTER TABLE base_province ADD region_id INT", cdc.SchemaChange{Kind: cdc.ChangeAddColumn, Table: before.Table, Column: "region_id", Before: before, After: after}),
				event(cdc.OpCreate, after, nil, cdc.Row{int64(2), "Tianjin", int64(7)}),
			}
			if err := sink.HandleEvents(ctx, events); err != nil {
				t.Fatal(err)
			}
			if err := sink.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			rows, _ := srv.Rows("", "base_province")
			if len(rows) != 2 {
				t.Fatalf("rows = %v", rows)
			}
			cols := columnsOf(t, srv, "base_province")
			if b == cdc.BehaviorIgnore {
				if strings.Contains(cols, "region_id") {
					t.Fatalf("IGNORE added the column: %s", cols)
				}
				return
			}
			if cols != "id BIGINT, name VARCHAR, region_id INTEGER" || rows[1]["region_id"] != int64(7) {
				t.Fatalf("columns %s, rows %v", cols, rows)
			}
		})
	}
}

func TestSchemaChangeDropColumnKeptUnlessEvolve(t *testing.T) {
	t.Parallel()
	for _, b := range []cdc.SchemaChangeBehavior{cdc.BehaviorLenient, cdc.BehaviorEvolve} {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			srv, client := newFake(t, avaticatest.Config{})
			ctx := ctxT(t)
			sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{Behavior: b}})
			before := withColumn(provinces(t), cdc.Column{Name: "region_id", Type: mustType(t, "int"), Nullable: true})
			after := provinces(t)
			events := []cdc.Event{
				event(cdc.OpCreate, before, nil, cdc.Row{int64(1), "Beijing", int64(3)}),
				ddlEvent("ALTER TABLE base_province DROP region_id", cdc.SchemaChange{Kind: cdc.ChangeDropColumn, Table: before.Table, Column: "region_id", Before: before, After: after}),
				event(cdc.OpCreate, after, nil, cdc.Row{int64(2), "Tianjin"}),
			}
			if err := sink.HandleEvents(ctx, events); err != nil {
				t.Fatal(err)
			}
			if err := sink.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			cols := columnsOf(t, srv, "base_province")
			want := "id BIGINT, name VARCHAR, region_id INTEGER"
			if b == cdc.BehaviorEvolve {
				want = "id BIGINT, name VARCHAR"
			}
			if cols != want {
				t.Fatalf("columns = %s, want %s", cols, want)
			}
			if rows, _ := srv.Rows("", "base_province"); len(rows) != 2 {
				t.Fatalf("rows = %v", rows)
			}
		})
	}
}

func TestSchemaChangeTypeChangeAndException(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	before := provinces(t)
	after := *before
	after.Columns = slices.Clone(before.Columns)
	after.Columns[1].Type = mustType(t, "int")
	change := ddlEvent("ALTER TABLE base_province MODIFY name INT", cdc.SchemaChange{Kind: cdc.ChangeAlterColumnType, Table: before.Table, Column: "name", Before: before, After: &after})

	// EVOLVE cannot apply a type change in Phoenix, and says so.
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}})
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, before, nil, cdc.Row{int64(1), "Beijing"})}); err != nil {
		t.Fatal(err)
	}
	err := sink.HandleEvents(ctx, []cdc.Event{change})
	var sce *cdc.SchemaChangeError
	if !errors.As(err, &sce) || sce.Behavior != cdc.BehaviorEvolve || !strings.Contains(err.Error(), "cannot change a column's type") {
		t.Fatalf("type change under EVOLVE = %v", err)
	}
	if rows, _ := srv.Rows("", "base_province"); len(rows) != 1 {
		t.Fatal("the row before the change was not committed first")
	}

	// In the all-VARCHAR layout a type change changes nothing.
	_, client2 := newFake(t, avaticatest.Config{})
	vsink, _ := phoenix.NewSink(client2, phoenix.SinkConfig{TableOptions: phoenix.TableOptions{Layout: phoenix.LayoutAllVarchar},
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}})
	if err := vsink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, before, nil, cdc.Row{int64(1), "Beijing"}), change,
		event(cdc.OpCreate, &after, nil, cdc.Row{int64(2), int64(12)})}); err != nil {
		t.Fatalf("all-VARCHAR: %v", err)
	}
	if err := vsink.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// EXCEPTION stops at any change.
	_, client3 := newFake(t, avaticatest.Config{})
	esink, _ := phoenix.NewSink(client3, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{
		Behavior: cdc.BehaviorLenient, PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{cdc.ChangeAlterColumnType: cdc.BehaviorException}}})
	if err := esink.HandleEvents(ctx, []cdc.Event{change}); !errors.As(err, &sce) || sce.Behavior != cdc.BehaviorException {
		t.Fatalf("under EXCEPTION = %v", err)
	}

	if _, err := phoenix.NewSink(client, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{Behavior: "sometimes"}}); !errors.Is(err, phoenix.ErrInvalidConfig) {
		t.Fatalf("bad behavior: %v", err)
	}
}

func TestSchemaChangeTruncateUnderEvolve(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := provinces(t)
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{
		PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{cdc.ChangeTruncateTable: cdc.BehaviorEvolve}}})
	events := []cdc.Event{
		event(cdc.OpCreate, s, nil, cdc.Row{int64(1), "Beijing"}),
		ddlEvent("TRUNCATE base_province", cdc.SchemaChange{Kind: cdc.ChangeTruncateTable, Table: s.Table, Before: s, After: s}),
		event(cdc.OpCreate, s, nil, cdc.Row{int64(2), "Tianjin"}),
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "base_province"); len(rows) != 1 || rows[0]["name"] != "Tianjin" {
		t.Fatalf("rows after TRUNCATE then an insert = %v", rows)
	}
}
