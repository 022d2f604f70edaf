package flinksql_test

import (
	"fmt"
	"os"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
)

// The seed's FlinkCDC_02_SQL: a user_info mysql-cdc table printed as its
// changes arrive, rendered for Flink 1.13 and Flink CDC 2.4.
func ExampleRender() {
	src, err := mysql.NewSource().Hostname("hadoop102").Username("root").Password("000000").
		DatabaseList("gmall_config").TableList(`gmall_config\.user_info`).ServerID("5400-5403").Build()
	if err != nil {
		panic(err)
	}
	userInfo := &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall_config", Table: "user_info"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
			{Name: "name", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 200}, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
	cfg := pipeline.New("FlinkCDC_02_SQL").From(src).To(pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)).
		Schemas(userInfo).Config()
	script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.13"}})
	if err != nil {
		panic(err)
	}
	fmt.Print(script)
	// Output:
	// SET 'pipeline.name' = 'FlinkCDC_02_SQL';
	//
	// CREATE TEMPORARY TABLE `src_gmall_config_user_info` (
	//   `id` BIGINT NOT NULL,
	//   `name` VARCHAR(200),
	//   PRIMARY KEY (`id`) NOT ENFORCED
	// ) WITH (
	//   'connector' = 'mysql-cdc',
	//   'hostname' = 'hadoop102',
	//   'port' = '3306',
	//   'username' = 'root',
	//   'password' = '<redacted>',
	//   'database-name' = 'gmall_config',
	//   'table-name' = 'user_info',
	//   'server-id' = '5400-5403',
	//   'server-time-zone' = 'UTC',
	//   'scan.incremental.snapshot.chunk.size' = '8096',
	//   'scan.snapshot.fetch.size' = '1024',
	//   'connect.timeout' = '30 s',
	//   'connect.max-retries' = '3',
	//   'connection.pool.size' = '20',
	//   'heartbeat.interval' = '30 s',
	//   'scan.startup.mode' = 'initial'
	// );
	//
	// CREATE TEMPORARY TABLE `sink_sink_gmall_config_user_info` (
	//   `id` BIGINT NOT NULL,
	//   `name` VARCHAR(200)
	// ) WITH (
	//   'connector' = 'print',
	//   'print-identifier' = 'gmall_config.user_info'
	// );
	//
	// INSERT INTO `sink_sink_gmall_config_user_info`
	// SELECT `id`, `name`
	// FROM `src_gmall_config_user_info`;
}
