package debezium_test

import (
	"encoding/json"
	"fmt"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/debezium"
)

// A row inserted into gmall_config.t_user, encoded as Flink CDC's
// JsonDebeziumDeserializationSchema would print it.
func ExampleJSON() {
	idType, _ := cdc.ParseColumnType("int", "")
	nameType, _ := cdc.ParseColumnType("varchar(20)", "utf8mb4")
	schema := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall_config", Table: "t_user"},
		Columns:    []cdc.Column{{Name: "id", Type: idType}, {Name: "name", Type: nameType, Nullable: true}},
		PrimaryKey: []string{"id"},
	}
	ev := &cdc.Event{
		Op: cdc.OpCreate, Table: schema.Table, Schema: schema,
		After: cdc.Row{int64(1), "zhang san"},
		TsMs:  1700000000123,
		Source: cdc.Source{ServerID: 1, TsMs: 1700000000000, Snapshot: cdc.SnapshotFalse,
			Database: "gmall_config", Table: "t_user", File: "mysql-bin.000003", Pos: 4711},
	}
	out, err := debezium.JSON().AppendEvent(nil, ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"before":null,"after":{"id":1,"name":"zhang san"},"source":{"version":"1.9.7.Final","connector":"mysql","name":"mysql_binlog_source","ts_ms":1700000000000,"snapshot":"false","db":"gmall_config","sequence":null,"table":"t_user","server_id":1,"gtid":null,"file":"mysql-bin.000003","pos":4711,"row":0,"thread":null,"query":null},"op":"c","ts_ms":1700000000123,"transaction":null}
}

// The statement that made a change reaches source.query only with
// IncludeQuery, as with Debezium's include.query: the server's text of it
// can hold values (here a card number) that should not travel downstream.
func ExampleIncludeQuery() {
	idType, _ := cdc.ParseColumnType("int", "")
	schema := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "shop", Table: "payments"},
		Columns:    []cdc.Column{{Name: "id", Type: idType}},
		PrimaryKey: []string{"id"},
	}
	ev := &cdc.Event{
		Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: cdc.Row{int64(7)},
		Source: cdc.Source{Name: "shop_cdc", Database: "shop", Table: "payments", File: "mysql-bin.000002", Pos: 330,
			Query: "INSERT INTO payments (id, card) VALUES (7, '4111111111111111')"},
	}
	for _, enc := range []cdc.Deserializer{debezium.JSON(), debezium.JSON(debezium.IncludeQuery(true))} {
		out, err := enc.AppendEvent(nil, ev)
		if err != nil {
			fmt.Println(err)
			return
		}
		var env struct {
			Source struct {
				Name  string  `json:"name"`
				Query *string `json:"query"`
			} `json:"source"`
		}
		if err := json.Unmarshal(out, &env); err != nil {
			fmt.Println(err)
			return
		}
		if env.Source.Query == nil {
			fmt.Printf("%s: query null\n", env.Source.Name)
		} else {
			fmt.Printf("%s: query %s\n", env.Source.Name, *env.Source.Query)
		}
	}
	// Output:
	// shop_cdc: query null
	// shop_cdc: query INSERT INTO payments (id, card) VALUES (7, '4111111111111111')
}

// Version chooses the Debezium release whose shape the encoder writes; from
// 2.7, the envelope has ts_us and ts_ns and the transaction block before op.
// A version the encoder does not write is refused.
func ExampleVersion() {
	idType, _ := cdc.ParseColumnType("int", "")
	schema := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall_config", Table: "t_user"},
		Columns:    []cdc.Column{{Name: "id", Type: idType}},
		PrimaryKey: []string{"id"},
	}
	ev := &cdc.Event{
		Op: cdc.OpCreate, Table: schema.Table, Schema: schema, After: cdc.Row{int64(1)}, TsMs: 1700000000123,
		Source: cdc.Source{ServerID: 1, TsMs: 1700000000000, Database: "gmall_config", Table: "t_user",
			File: "mysql-bin.000003", Pos: 4711},
	}
	out, err := debezium.JSON(debezium.Version("2.7.3.Final")).AppendEvent(nil, ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	fmt.Println(debezium.NewEncoder(debezium.Config{Version: "3.0.0.Final"}).Validate())
	// Output:
	// {"before":null,"after":{"id":1},"source":{"version":"2.7.3.Final","connector":"mysql","name":"mysql_binlog_source","ts_ms":1700000000000,"snapshot":"false","db":"gmall_config","sequence":null,"ts_us":1700000000000000,"ts_ns":1700000000000000000,"table":"t_user","server_id":1,"gtid":null,"file":"mysql-bin.000003","pos":4711,"row":0,"thread":null,"query":null},"transaction":null,"op":"c","ts_ms":1700000000123,"ts_us":1700000000123000,"ts_ns":1700000000123000000}
	// debezium: invalid config: Version = "3.0.0.Final": use a Debezium version the encoder writes: 1.9.x (default "1.9.7.Final", Flink CDC 3's) or 2.0.x to 2.7.x, such as "2.7.3.Final"
}
