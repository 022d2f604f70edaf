package flinksql_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
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

// Submit runs a rendered pipeline through a SQL Gateway: here the
// in-process fake of Flink 1.20, told which job the INSERT starts.
func ExampleSubmit() {
	gw, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: "1.20"})
	if err != nil {
		panic(err)
	}
	defer gw.Close()

	src, err := mysql.NewSource().Hostname("hadoop102").Username("root").Password("000000").
		DatabaseList("gmall").TableList(`gmall\.orders`).ServerID("5400-5401").Build()
	if err != nil {
		panic(err)
	}
	orders := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall", Table: "orders"},
		Columns:    []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}, {Name: "status", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 16}}},
		PrimaryKey: []string{"id"},
	}
	cfg := pipeline.New("orders-to-ods").From(src).
		Transform(`gmall\.orders`, pipeline.Filter("status <> 'cancelled'")).
		Route(`gmall\.orders`, "ods.orders").
		To(&flinksql.JDBCSink{URL: "jdbc:mysql://ods:3306/ods", Username: "ods", Password: "secret"}).
		Schemas(orders).Config()
	script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}, CheckpointInterval: 30 * time.Second})
	if err != nil {
		panic(err)
	}
	gw.RegisterResult(script.Job(), flinktest.SQLResult{JobID: "a5a0a0b0c0d0e0f0a1b1c1d1e1f1a2b2",
		Columns: []sqlgateway.Column{{Name: "job id", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 2147483647}}},
		Rows:    []sqlgateway.Row{{Values: []any{"a5a0a0b0c0d0e0f0a1b1c1d1e1f1a2b2"}}}})

	client, err := sqlgateway.New(gw.URL())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	job, err := flinksql.Submit(ctx, client, script)
	if err != nil {
		panic(err)
	}
	defer job.Close(ctx)
	fmt.Println("job", job.ID)
	fmt.Println(script.Job())
	// Output:
	// job a5a0a0b0c0d0e0f0a1b1c1d1e1f1a2b2
	// INSERT INTO `sink_sink_ods_orders`
	// SELECT `id`, `status`
	// FROM `src_gmall_orders`
	// WHERE `status` <> 'cancelled'
}
