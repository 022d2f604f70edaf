package expr_test

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
)

// A Flink CDC transform (projection and filter) compiled for one table and
// applied to two rows: the filter drops the cancelled order.
func Example() {
	schema := &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall", Table: "order_info"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}},
			{Name: "sku", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32, Raw: "varchar(32)"}},
			{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2, Raw: "decimal(10,2)"}},
			{Name: "status", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 16, Raw: "varchar(16)"}},
		},
		PrimaryKey: []string{"id"},
	}
	proj, err := expr.ParseProjection("id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src")
	if err != nil {
		fmt.Println(err)
		return
	}
	cond, err := expr.ParseFilter("status <> 'cancelled'")
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := expr.CompileTransform(schema, &proj, cond, expr.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, col := range t.Schema().Columns {
		fmt.Printf("%s %s\n", col.Name, col.Type.Raw)
	}
	for _, row := range []cdc.Row{
		{int64(1), "sku-a", decimal.RequireFromString("12.34"), "paid"},
		{int64(2), "sku-b", decimal.RequireFromString("5.00"), "cancelled"},
	} {
		meta := expr.Metadata{Schema: "gmall", Table: "order_info", EventType: expr.EventInsert}
		out, keep, err := t.Apply(nil, row, &meta)
		fmt.Println(out, keep, err)
	}
	where, _ := expr.FlinkSQLCondition(cond)
	fmt.Println("Flink SQL: WHERE", where)
	// Output:
	// id bigint
	// sku varchar(32)
	// cents decimal(13,2)
	// src varchar(64)
	// [1 SKU-A 1234 order_info] true <nil>
	// [] false <nil>
	// Flink SQL: WHERE `status` <> 'cancelled'
}

// A misspelt column and an unsupported function, both reported at compile
// time with their fix.
func ExampleCompile_errors() {
	schema := &cdc.TableSchema{
		Table:   cdc.TableID{Database: "gmall", Table: "user_info"},
		Columns: []cdc.Column{{Name: "login_name", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 64}}},
	}
	e, _ := expr.ParseExpr("UPPER(loginname) || PARSE_JSON('{}')")
	_, err := expr.Compile(e, schema, expr.Options{})
	fmt.Println(err)
	// Output:
	// expr: UPPER(loginname) || PARSE_JSON('{}'):
	// - loginname: unknown column "loginname" in table gmall.user_info; did you mean login_name?
	// - PARSE_JSON('{}'): function PARSE_JSON is not supported: it returns a VARIANT, and rtdw's tables hold no variants
}
