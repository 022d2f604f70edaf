package debezium_test

import (
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
