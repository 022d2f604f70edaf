package clickhouse

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

func ordersSchema() *cdc.TableSchema {
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: "shop", Table: "orders"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
			{Name: "qty", Type: cdc.ColumnType{Kind: cdc.KindInt}},
			{Name: "note", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 20}, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
}

// ordersTable is the ClickHouse table the sink creates for ordersSchema.
var ordersTable = chTable{{"id", "Int64", true}, {"qty", "Int32", false}, {"note", "Nullable(String)", false},
	{VersionColumn, "UInt64", false}, {DeletedColumn, "UInt8", false}}

var (
	old18 = FeaturesFor(ServerVersion{18, 16, 1})
	new23 = FeaturesFor(ServerVersion{23, 8, 2})
)

const target = "`ch`.`orders`"

func TestPlanChangeSQLByServerAndMode(t *testing.T) {
	h := func() *ddlHistory { return &ddlHistory{cur: ordersSchema()} }
	price := cdc.Column{Name: "price", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2},
		Default: &cdc.ColumnDefault{Value: mustDecimal("1.5")}}
	renamed := cdc.TableID{Database: "shop", Table: "orders_old"}
	withMemo := append(slices.Clone(ordersTable), chColumn{"memo", "Nullable(String)", false})
	withoutNote := slices.Delete(slices.Clone(withMemo), 2, 3)
	for _, tc := range []struct {
		name     string
		change   cdc.SchemaChange
		mode     changeMode
		features Features
		table    chTable // default ordersTable
		other    chTable // newTarget for rename.table
		want     []string
		columns  map[string]string // the state's Columns after
		refused  string            // a cannotApplyError containing this
	}{
		{name: "add after, default", change: h().addColumn(price, "qty"), features: old18,
			want: []string{"ALTER TABLE " + target + " ADD COLUMN `price` Decimal(10, 2) DEFAULT '1.50' AFTER `qty`"}},
		{name: "add first on 18.16 goes last", change: h().addColumn(price, ""), features: old18,
			want: []string{"ALTER TABLE " + target + " ADD COLUMN `price` Decimal(10, 2) DEFAULT '1.50'"}},
		{name: "add first on 23.8", change: h().addColumn(price, ""), features: new23,
			want: []string{"ALTER TABLE " + target + " ADD COLUMN `price` Decimal(10, 2) DEFAULT '1.50' FIRST"}},
		{name: "add lenient is Nullable", change: h().addColumn(price, "note"), mode: modeLenient, features: old18,
			want: []string{"ALTER TABLE " + target + " ADD COLUMN `price` Nullable(Decimal(10, 2)) DEFAULT '1.50' AFTER `note`"}},
		{name: "add ignored", change: h().addColumn(price, "note"), mode: modeKeep, features: old18,
			columns: map[string]string{"price": ""}},
		{name: "add replayed", change: h().addColumn(cdc.Column{Name: "memo", Type: cdc.ColumnType{Kind: cdc.KindText}}, "note"), features: old18, table: withMemo},
		{name: "add unmappable", change: h().addColumn(cdc.Column{Name: "v", Type: cdc.ColumnType{Kind: cdc.KindVector}, Nullable: true}, "note"), features: old18,
			refused: "nullable VECTOR"},

		{name: "drop", change: h().dropColumn("qty"), features: old18,
			want: []string{"ALTER TABLE " + target + " DROP COLUMN `qty`"}},
		{name: "drop replayed", change: h().dropColumn("qty"), features: old18, table: slices.Delete(slices.Clone(ordersTable), 1, 2)},
		{name: "drop lenient makes Nullable", change: h().dropColumn("qty"), mode: modeLenient, features: old18,
			want: []string{"ALTER TABLE " + target + " MODIFY COLUMN `qty` Nullable(Int32)"}},
		{name: "drop lenient of a Nullable column", change: h().dropColumn("note"), mode: modeLenient, features: old18},
		{name: "drop ignored", change: h().dropColumn("qty"), mode: modeKeep, features: old18},
		{name: "drop key", change: h().dropColumn("id"), features: old18, refused: "sorting key"},

		{name: "widen", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindBigInt}, false), features: old18,
			want: []string{"ALTER TABLE " + target + " MODIFY COLUMN `qty` Int64"}},
		{name: "widen to Nullable", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindInt}, true), features: old18,
			want: []string{"ALTER TABLE " + target + " MODIFY COLUMN `qty` Nullable(Int32)"}},
		{name: "int to text widens", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindVarChar, Length: 30}, false), features: new23,
			want: []string{"ALTER TABLE " + target + " MODIFY COLUMN `qty` String"}},
		{name: "same ClickHouse type", change: h().alterType("note", cdc.ColumnType{Kind: cdc.KindText}, true), features: old18},
		{name: "narrow refused", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindSmallInt}, false), features: old18,
			refused: "cannot hold every value of the column's old type INT"},
		{name: "narrow kept", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindSmallInt}, false), mode: modeKeep, features: old18},
		{name: "narrow lenient kept", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindSmallInt}, false), mode: modeLenient, features: old18},
		{name: "NOT NULL lenient stays Nullable", change: h().alterType("note", cdc.ColumnType{Kind: cdc.KindVarChar, Length: 20}, false), mode: modeLenient, features: old18},
		{name: "NOT NULL refused", change: h().alterType("note", cdc.ColumnType{Kind: cdc.KindVarChar, Length: 20}, false), features: old18, refused: "cannot hold every value"},
		{name: "kept type cannot take the new one", change: h().alterType("qty", cdc.ColumnType{Kind: cdc.KindDate}, false), mode: modeKeep, features: old18,
			columns: map[string]string{"qty": ""}},
		{name: "key retype refused", change: h().alterType("id", cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}, false), features: old18, refused: "sorting key"},

		{name: "rename on 23.8", change: h().renameColumn("note", "memo"), features: new23,
			want: []string{"ALTER TABLE " + target + " RENAME COLUMN `note` TO `memo`"}},
		{name: "rename on 18.16: add, copy, drop", change: h().renameColumn("note", "memo"), features: old18,
			want: []string{
				"ALTER TABLE " + target + " ADD COLUMN `memo` Nullable(String) AFTER `note`",
				"ALTER TABLE " + target + " UPDATE `memo` = `note` WHERE 1 (wait)",
				"ALTER TABLE " + target + " DROP COLUMN `note`"}},
		{name: "rename interrupted after the add", change: h().renameColumn("note", "memo"), features: old18, table: withMemo,
			want: []string{"ALTER TABLE " + target + " UPDATE `memo` = `note` WHERE 1 (wait)", "ALTER TABLE " + target + " DROP COLUMN `note`"}},
		{name: "rename replayed", change: h().renameColumn("note", "memo"), features: old18, table: withoutNote},
		{name: "rename ignored", change: h().renameColumn("note", "memo"), mode: modeKeep, features: old18,
			columns: map[string]string{"memo": "note"}},
		{name: "rename lenient adds", change: h().renameColumn("qty", "amount"), mode: modeLenient, features: old18,
			want: []string{
				"ALTER TABLE " + target + " MODIFY COLUMN `qty` Nullable(Int32)",
				"ALTER TABLE " + target + " ADD COLUMN `amount` Nullable(Int32) AFTER `qty`"}},
		{name: "rename key", change: h().renameColumn("id", "key"), features: new23, refused: "sorting key"},

		{name: "rename table", change: h().renameTable(renamed), features: old18,
			want: []string{"RENAME TABLE " + target + " TO `ch`.`orders_old`"}},
		{name: "rename table replayed", change: h().renameTable(renamed), features: old18, table: chTable{}, other: ordersTable},
		{name: "rename table over another", change: h().renameTable(renamed), features: old18, other: ordersTable, refused: "exists already"},
		{name: "drop table", change: h().dropTable(), features: old18, want: []string{"DROP TABLE IF EXISTS " + target}},
		{name: "drop table lenient", change: h().dropTable(), mode: modeLenient, features: old18},
		{name: "truncate", change: h().truncate(), features: old18, want: []string{"truncate " + target + " below 77"}},
		{name: "truncate lenient", change: h().truncate(), mode: modeLenient, features: old18},
		{name: "truncate ignored", change: h().truncate(), mode: modeKeep, features: old18},
		{name: "create", change: (&ddlHistory{}).createTable(ordersSchema()), features: old18, table: chTable{},
			want: []string{"CREATE DATABASE IF NOT EXISTS `ch`", strings.ReplaceAll(mustCreateSQL(t, ordersSchema()), "\n", " ")}},
		{name: "create replayed", change: (&ddlHistory{}).createTable(ordersSchema()), features: old18},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := tc.table
			if table == nil {
				table = ordersTable
			}
			if len(table) == 0 {
				table = nil
			}
			env := changeEnv{features: tc.features, opts: TableOptions{Database: "ch"}, version: 77, target: table, newTarget: tc.other}
			p, err := planChange(tc.change, tc.mode, &tableState{}, env)
			var ca *cannotApplyError
			switch {
			case tc.refused != "":
				if !errors.As(err, &ca) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("got %v, want a refusal saying %q", err, tc.refused)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			var got []string
			for _, s := range p.steps {
				switch {
				case s.truncateBelow > 0:
					got = append(got, "truncate "+qualified(s.database, s.table)+" below "+strconv.FormatUint(s.truncateBelow, 10))
				case s.waitMutations:
					got = append(got, s.sql+" (wait)")
				default:
					got = append(got, strings.ReplaceAll(s.sql, "\n", " "))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("steps:\n got %q\nwant %q", got, tc.want)
			}
			if !maps.Equal(p.state.Columns, tc.columns) {
				t.Errorf("state columns: got %v, want %v", p.state.Columns, tc.columns)
			}
		})
	}
}

func mustCreateSQL(t *testing.T, s *cdc.TableSchema) string {
	sql, err := CreateTableSQL(s, "ch", old18, MappingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sql
}

func TestRenameTableIgnoredKeepsWritingTheOldTable(t *testing.T) {
	h := &ddlHistory{cur: ordersSchema()}
	c := h.renameTable(cdc.TableID{Database: "shop", Table: "orders_old"})
	st := &tableState{Columns: map[string]string{"memo": "note"}}
	p, err := planChange(c, modeKeep, st, changeEnv{features: old18, opts: TableOptions{Database: "ch"}, version: 9, target: ordersTable})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.steps) != 0 || p.renamed == nil || p.renamed.Table != "orders" || p.renamed.Database != "ch" || p.renamed.Columns["memo"] != "note" {
		t.Fatalf("steps %v, state of the new name %+v: want no step and the rows of orders_old sent to ch.orders with their column map", p.steps, p.renamed)
	}
	if p.state.Table != "" || p.state.Columns != nil {
		t.Errorf("the old name keeps %+v, want nothing but the fence", p.state)
	}
	if st.Columns["memo"] != "note" {
		t.Error("planning changed the state it was given")
	}
}

func TestWidens(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     bool
	}{
		{"Int32", "Int64", true}, {"Int64", "Int32", false}, {"UInt32", "Int64", true}, {"UInt32", "Int32", false},
		{"Int32", "UInt64", false}, {"UInt8", "UInt16", true}, {"Int32", "Nullable(Int32)", true}, {"Nullable(Int32)", "Int32", false},
		{"Int16", "String", true}, {"Float32", "Float64", true}, {"Float64", "Float32", false},
		{"Decimal(10, 2)", "Decimal(12, 2)", true}, {"Decimal(10, 2)", "Decimal(10, 3)", false}, {"Decimal(10, 2)", "Decimal(11, 3)", true},
		{"DateTime('UTC')", "DateTime64(3, 'UTC')", true}, {"DateTime64(6, 'UTC')", "DateTime64(3, 'UTC')", false},
		{"String", "LowCardinality(String)", true}, {"LowCardinality(Nullable(String))", "Nullable(String)", true},
		{"String", "Int64", false}, {"Date", "DateTime('UTC')", false},
	} {
		if got := widens(parseCHType(tc.from), parseCHType(tc.to)); got != tc.want {
			t.Errorf("widens(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestDefaultSQL(t *testing.T) {
	col := func(k cdc.Kind, v any) cdc.Column {
		return cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: k}, Default: &cdc.ColumnDefault{Value: v}}
	}
	for _, tc := range []struct {
		col  cdc.Column
		typ  string
		want string
	}{
		{col(cdc.KindInt, int64(-5)), "Int32", "-5"},
		{col(cdc.KindBigInt, uint64(18446744073709551615)), "UInt64", "18446744073709551615"},
		{col(cdc.KindVarChar, "it's \\ here"), "String", `'it\'s \\ here'`},
		{col(cdc.KindDecimal, mustDecimal("2.5")), "Decimal(10, 3)", "'2.500'"},
		{col(cdc.KindDate, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), "Date", "'2024-02-29'"},
		{col(cdc.KindDateTime, time.Date(2024, 2, 29, 1, 2, 3, 0, time.UTC)), "DateTime('UTC')", "'2024-02-29 01:02:03'"},
		{col(cdc.KindDouble, 0.25), "Float64", "0.25"},
		{col(cdc.KindDateTime, time.Date(2024, 2, 29, 1, 2, 3, 5000, time.UTC)), "String", ""},
		{col(cdc.KindInt, nil), "Int32", ""},
		{cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: cdc.KindTimestamp}, Default: &cdc.ColumnDefault{Expression: "CURRENT_TIMESTAMP"}}, "DateTime('UTC')", ""},
		{cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: cdc.KindInt}}, "Int32", ""},
	} {
		if got := defaultSQL(tc.col, parseCHType(tc.typ)); got != tc.want {
			t.Errorf("defaultSQL(%v %v, %s) = %q, want %q", tc.col.Type.Kind, tc.col.Default, tc.typ, got, tc.want)
		}
	}
}

func TestProjectMapsColumnsByState(t *testing.T) {
	s := ordersSchema()
	s.Columns = append(s.Columns, cdc.Column{Name: "memo", Type: cdc.ColumnType{Kind: cdc.KindText}, Nullable: true})
	l, err := newLayout(s, "ch", old18, MappingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := l.project(&tableState{Database: "ch", Table: "orders_v1", Columns: map[string]string{"qty": "", "memo": "note_old"}})
	if got, want := p.insertSQL(), "INSERT INTO `ch`.`orders_v1`(`id`,`note`,`note_old`,`_version`,`_is_deleted`)"; got != want {
		t.Errorf("insert:\n got %s\nwant %s", got, want)
	}
	if !slices.Equal(p.src, []int{0, 2, 3}) {
		t.Errorf("source columns %v, want [0 2 3]", p.src)
	}
	if k := l.project(&tableState{Columns: map[string]string{"id": ""}}); !slices.Equal(k.src, []int{0, 1, 2, 3}) {
		t.Errorf("a key column left unwritten: source columns %v", k.src)
	}
	if l.project(&tableState{Version: 5}) != l {
		t.Error("a state without a map changed the layout")
	}
}

func TestSinkRefusesABadPolicyBeforeIO(t *testing.T) {
	_, err := NewSink(NewFromConn(nil), SinkConfig{SchemaChanges: cdc.SchemaChangePolicy{Behavior: "evolve",
		PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{"add.index": cdc.BehaviorIgnore}}})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
	for _, want := range []string{"SchemaChanges", `Behavior "evolve"`, `PerKind["add.index"]`, "TRY_EVOLVE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
