package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/clickhouse"
)

// The DDL for a MySQL table, for a modern server and for ClickHouse 18.16.
func ExampleCreateTableSQL() {
	schema := &cdc.TableSchema{
		Table: cdc.TableID{Database: "shop", Table: "orders"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}},
			{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 65, Scale: 30}},
			{Name: "created", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 6}, Nullable: true},
			{Name: "status", Type: cdc.ColumnType{Kind: cdc.KindEnum, Elements: []string{"new", "paid"}}},
		},
		PrimaryKey: []string{"id"},
	}
	for _, version := range []string{"24.8.4", "18.16.1"} {
		v, _ := clickhouse.ParseServerVersion(version)
		ddl, err := clickhouse.CreateTableSQL(schema, "analytics", clickhouse.FeaturesFor(v), clickhouse.MappingOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("-- ClickHouse %s\n%s\n", version, ddl)
	}
	// Output:
	// -- ClickHouse 24.8.4
	// CREATE TABLE IF NOT EXISTS `analytics`.`orders`
	// (
	//     `id` UInt64,
	//     `amount` Decimal(65, 30),
	//     `created` Nullable(DateTime64(6, 'UTC')),
	//     `status` LowCardinality(String),
	//     `_version` UInt64,
	//     `_is_deleted` UInt8
	// )
	// ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)
	// ORDER BY (`id`)
	// -- ClickHouse 18.16.1
	// CREATE TABLE IF NOT EXISTS `analytics`.`orders`
	// (
	//     `id` UInt64,
	//     `amount` String,
	//     `created` Nullable(String),
	//     `status` String,
	//     `_version` UInt64,
	//     `_is_deleted` UInt8
	// )
	// ENGINE = ReplacingMergeTree(`_version`)
	// ORDER BY (`id`)
}

// A snapshot row orders before a binlog change at the same position.
func ExampleRowVersion() {
	snapshot, _ := clickhouse.RowVersion(cdc.Source{File: "mysql-bin.000007", Pos: 1540, Snapshot: cdc.SnapshotTrue})
	binlog, _ := clickhouse.RowVersion(cdc.Source{File: "mysql-bin.000007", Pos: 1540, Row: 0, Snapshot: cdc.SnapshotFalse})
	next, _ := clickhouse.RowVersion(cdc.Source{File: "mysql-bin.000008", Pos: 4, Snapshot: cdc.SnapshotFalse})
	fmt.Println(snapshot < binlog, binlog < next)
	// Output: true true
}

// Writing change events into ClickHouse and reading the table back. It
// prints [[1 paid]]: the update replaced the first row, the delete removed
// the second, and the second delivery changed nothing. (It needs a server,
// so go test only compiles it; the integration tests run the same steps.)
func ExampleSink() {
	ctx := context.Background()
	client, err := clickhouse.Open("clickhouse://127.0.0.1:9000/default")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	schema := &cdc.TableSchema{
		Table: cdc.TableID{Database: "shop", Table: "orders"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
			{Name: "status", Type: cdc.ColumnType{Kind: cdc.KindVarChar}},
		},
		PrimaryKey: []string{"id"},
	}
	db := "rtdw_example_sink"
	defer client.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+clickhouse.QuoteIdent(db))
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: db}})
	if err != nil {
		log.Fatal(err)
	}
	at := func(pos uint64) cdc.Source {
		return cdc.Source{File: "mysql-bin.000001", Pos: pos, Snapshot: cdc.SnapshotFalse}
	}
	events := []cdc.Event{
		{Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: cdc.Row{int64(1), "new"}, Source: at(100)},
		{Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: cdc.Row{int64(2), "new"}, Source: at(200)},
		{Op: cdc.OpUpdate, Table: schema.Table, Schema: schema, Before: cdc.Row{int64(1), "new"}, After: cdc.Row{int64(1), "paid"}, Source: at(300)},
		{Op: cdc.OpDelete, Table: schema.Table, Schema: schema, Before: cdc.Row{int64(2), "new"}, Source: at(400)},
	}
	// Delivered twice, as after a restart: the result is the same.
	for range 2 {
		if err := sink.HandleEvents(ctx, events); err != nil {
			log.Fatal(err)
		}
	}
	if err := sink.Close(ctx); err != nil {
		log.Fatal(err)
	}
	rows, err := sink.ReadTable(ctx, schema)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rows)
}

// A sink that evolves its tables with the source, but keeps the rows of
// truncated and dropped tables; a policy with a typo is refused before any
// I/O, naming the field and the values it takes.
func ExampleSinkConfig_schemaChanges() {
	client, err := clickhouse.Open("clickhouse://default@127.0.0.1:9000/analytics") // does not connect
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	policy := cdc.SchemaChangePolicy{
		Behavior: cdc.BehaviorEvolve,
		PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{
			cdc.ChangeTruncateTable: cdc.BehaviorIgnore,
			cdc.ChangeDropTable:     cdc.BehaviorIgnore,
		},
	}
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{SchemaChanges: policy})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range cdc.SchemaChangeKinds {
		fmt.Println(k, sink.Config().SchemaChanges.For(k))
	}

	policy.Behavior = "EVOLVED"
	_, err = clickhouse.NewSink(client, clickhouse.SinkConfig{SchemaChanges: policy})
	fmt.Println(errors.Is(err, clickhouse.ErrInvalidConfig))
	// Output:
	// create.table EVOLVE
	// add.column EVOLVE
	// drop.column EVOLVE
	// alter.column.type EVOLVE
	// rename.column EVOLVE
	// rename.table EVOLVE
	// drop.table IGNORE
	// truncate.table IGNORE
	// true
}
