package debezium_test

import (
	"encoding/json"
	"fmt"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/debezium"
)

// RENAME TABLE orders TO orders_old, orders_new TO orders (the swap of an
// online schema change tool, as a source that does not recognise it would
// deliver it): two structured changes, written as Debezium's schema change
// record with one tableChanges entry per table the statement left
// changed, each an ALTER under its new name.
func ExampleJSON_schemaChange() {
	id, _ := cdc.ParseColumnType("int", "")
	state, _ := cdc.ParseColumnType("varchar(8)", "utf8mb4")
	table := func(name string, cols ...cdc.Column) *cdc.TableSchema {
		return &cdc.TableSchema{Table: cdc.TableID{Database: "shop", Table: name}, Columns: cols, PrimaryKey: []string{"id"}}
	}
	idCol, stateCol := cdc.Column{Name: "id", Type: id}, cdc.Column{Name: "state", Type: state, Nullable: true,
		Default: &cdc.ColumnDefault{Value: "new"}}
	ev := &cdc.Event{
		Op: cdc.OpSchemaChange, Table: cdc.TableID{Database: "shop", Table: "orders"},
		DDL: "RENAME TABLE orders TO orders_old, orders_new TO orders",
		Changes: []cdc.SchemaChange{
			{Kind: cdc.ChangeRenameTable, Table: cdc.TableID{Database: "shop", Table: "orders"},
				NewTable: cdc.TableID{Database: "shop", Table: "orders_old"}, Before: table("orders", idCol), After: table("orders_old", idCol)},
			{Kind: cdc.ChangeRenameTable, Table: cdc.TableID{Database: "shop", Table: "orders_new"},
				NewTable: cdc.TableID{Database: "shop", Table: "orders"}, Before: table("orders_new", idCol, stateCol), After: table("orders", idCol, stateCol)},
		},
		Source: cdc.Source{ServerID: 1, Snapshot: cdc.SnapshotFalse, Database: "shop", Table: "orders", File: "mysql-bin.000003", Pos: 4711},
	}
	out, err := debezium.JSON(debezium.Version("2.7.3.Final")).AppendEvent(nil, ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec struct {
		TableChanges []struct {
			Type  string
			ID    string
			Table struct {
				Columns []struct {
					Name                   string
					TypeName               string
					DefaultValueExpression *string
				}
			}
		}
	}
	if err := json.Unmarshal(out, &rec); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rec.TableChanges {
		fmt.Println(c.Type, c.ID)
		for _, col := range c.Table.Columns {
			def := "no default"
			if col.DefaultValueExpression != nil {
				def = "default " + *col.DefaultValueExpression
			}
			fmt.Printf("  %s %s, %s\n", col.Name, col.TypeName, def)
		}
	}
	// Output:
	// ALTER "shop"."orders_old"
	//   id INT, no default
	// ALTER "shop"."orders"
	//   id INT, no default
	//   state VARCHAR, default new
}
