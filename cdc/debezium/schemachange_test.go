package debezium

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// A statement's structured changes become Debezium's tableChanges: one
// entry per table it left changed, typed CREATE, ALTER or DROP, with the
// table's columns as the statement left them.
func TestSchemaChangeTableChanges(t *testing.T) {
	col := func(name string, kind cdc.Kind, raw string) cdc.Column {
		return cdc.Column{Name: name, Type: cdc.ColumnType{Kind: kind, Raw: raw}, Nullable: true}
	}
	table := func(name string, cols ...cdc.Column) *cdc.TableSchema {
		return &cdc.TableSchema{Table: cdc.TableID{Database: "shop", Table: name}, Columns: cols, PrimaryKey: []string{cols[0].Name}}
	}
	id := func(name string) cdc.TableID { return cdc.TableID{Database: "shop", Table: name} }
	t1 := table("t", col("id", cdc.KindInt, "int"))
	t1b := table("t", col("id", cdc.KindInt, "int"), cdc.Column{Name: "n", Type: cdc.ColumnType{Kind: cdc.KindInt, Raw: "int"},
		Default: &cdc.ColumnDefault{Value: int64(5)}})
	t2 := table("t2", t1b.Columns...)
	u := table("u", col("k", cdc.KindVarChar, "varchar(5)"))
	for _, tc := range []struct {
		name    string
		changes []cdc.SchemaChange
		want    string
	}{
		{"add column", []cdc.SchemaChange{{Kind: cdc.ChangeAddColumn, Table: id("t"), Column: "n", Before: t1, After: t1b}},
			"ALTER shop.t id,n"},
		{"add then rename", []cdc.SchemaChange{
			{Kind: cdc.ChangeAddColumn, Table: id("t"), Column: "n", Before: t1, After: t1b},
			{Kind: cdc.ChangeRenameTable, Table: id("t"), NewTable: id("t2"), Before: t1b, After: t2}},
			"ALTER shop.t2 id,n"},
		{"rename two tables", []cdc.SchemaChange{
			{Kind: cdc.ChangeRenameTable, Table: id("t"), NewTable: id("t2"), Before: t1b, After: t2},
			{Kind: cdc.ChangeCreateTable, Table: id("u"), After: u}},
			"ALTER shop.t2 id,n; CREATE shop.u k"},
		{"drop two", []cdc.SchemaChange{
			{Kind: cdc.ChangeDropTable, Table: id("t"), Before: t1},
			{Kind: cdc.ChangeDropTable, Table: id("u"), Before: u}},
			"DROP shop.t id; DROP shop.u k"},
		{"create or replace", []cdc.SchemaChange{
			{Kind: cdc.ChangeDropTable, Table: id("u"), Before: u},
			{Kind: cdc.ChangeCreateTable, Table: id("u"), After: u}},
			"CREATE shop.u k"},
		{"truncate", []cdc.SchemaChange{{Kind: cdc.ChangeTruncateTable, Table: id("t"), Before: t1, After: t1}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := binlogEvent(t1, cdc.OpSchemaChange, nil, nil)
			ev.DDL, ev.Changes = "-- "+tc.name, tc.changes
			out, err := JSON(Version("2.7.3.Final")).AppendEvent(nil, ev)
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				DDL          string `json:"ddl"`
				TableChanges []struct {
					Type  string `json:"type"`
					ID    string `json:"id"`
					Table struct {
						Columns []struct {
							Name                   string  `json:"name"`
							DefaultValueExpression *string `json:"defaultValueExpression"`
						} `json:"columns"`
					} `json:"table"`
				} `json:"tableChanges"`
			}
			if err := json.Unmarshal(out, &rec); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var got []string
			for _, c := range rec.TableChanges {
				var names []string
				for _, col := range c.Table.Columns {
					names = append(names, col.Name)
					if col.Name == "n" && (col.DefaultValueExpression == nil || *col.DefaultValueExpression != "5") {
						t.Errorf("n's defaultValueExpression %v", col.DefaultValueExpression)
					}
				}
				got = append(got, fmt.Sprintf("%s %s %s", c.Type, strings.ReplaceAll(c.ID, `"`, ""), strings.Join(names, ",")))
			}
			if strings.Join(got, "; ") != tc.want || rec.DDL != ev.DDL {
				t.Errorf("tableChanges %q, want %q\n%s", got, tc.want, out)
			}
		})
	}
}
