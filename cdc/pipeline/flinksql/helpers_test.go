package flinksql_test

import (
	"context"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
)

const testPassword = "s3cr3t-Pw'd"

func col(name string, kind cdc.Kind, nullable bool) cdc.Column {
	return cdc.Column{Name: name, Type: cdc.ColumnType{Kind: kind}, Nullable: nullable}
}

// gmallSchemas are two shards of an orders table and a user table.
func gmallSchemas() []*cdc.TableSchema {
	orders := func(table string) *cdc.TableSchema {
		return &cdc.TableSchema{
			Table: cdc.TableID{Database: "gmall", Table: table},
			Columns: []cdc.Column{
				col("id", cdc.KindBigInt, false),
				col("user_id", cdc.KindInt, false),
				{Name: "sku", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 64}, Nullable: true},
				{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}},
				col("status", cdc.KindEnum, true),
				{Name: "created_at", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 3}},
			},
			PrimaryKey: []string{"id"},
		}
	}
	users := &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall", Table: "user_info"},
		Columns: []cdc.Column{
			{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt, Unsigned: true}},
			{Name: "name", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}, Nullable: true},
			{Name: "vip", Type: cdc.ColumnType{Kind: cdc.KindTinyInt, Length: 1}, Nullable: true},
			{Name: "updated", Type: cdc.ColumnType{Kind: cdc.KindTimestamp}, Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
	return []*cdc.TableSchema{orders("orders_1"), orders("orders_2"), users}
}

func gmallSource(t testing.TB, start mysql.StartupOptions) *mysql.Source {
	t.Helper()
	src, err := mysql.NewSource().Hostname("mysql.internal").Port(3306).Username("cdc").Password(testPassword).
		DatabaseList("gmall").TableList(`gmall\.orders_\d+`, `gmall\.user_info`).ServerID("5400-5411").
		ChunkKeyColumn("gmall.orders_1", "id").HeartbeatInterval(10 * time.Second).StartupOptions(start).Build()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// gmallPipeline merges the order shards into ods.orders of sink and sends
// user_info, unrouted, there too.
func gmallPipeline(t testing.TB, sink cdc.Sink, start mysql.StartupOptions) pipeline.Config {
	t.Helper()
	return pipeline.New("gmall-to-ods").
		From(gmallSource(t, start)).
		Transform(`gmall\.orders_\d+`,
			pipeline.Projection("id, user_id, UPPER(sku) AS sku, amount * 100 AS cents, status, __table_name__ AS shard"),
			pipeline.Filter("status <> 'cancelled'")).
		Transform(`gmall\.user_info`, pipeline.Filter("vip = 1 AND name LIKE 'a%'")).
		Route(`gmall\.orders_\d+`, "ods.orders").
		To(sink, pipeline.SinkName("warehouse")).
		Schemas(gmallSchemas()...).
		Config()
}

var _ = flinksql.Options{}

type nopSink struct{}

func (nopSink) HandleEvents(context.Context, []cdc.Event) error { return nil }
func (nopSink) Flush(context.Context) error                     { return nil }
