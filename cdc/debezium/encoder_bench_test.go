package debezium

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// benchEvent is a typical order row: ints, a decimal, strings, a datetime
// and a timestamp.
func benchEvent(b *testing.B) *cdc.Event {
	cols := []struct{ name, typ string }{
		{"id", "bigint"}, {"user_id", "bigint"}, {"sku_id", "int"}, {"amount", "decimal(16,2)"},
		{"status", "varchar(20)"}, {"consignee", "varchar(100)"}, {"create_time", "datetime"},
		{"update_time", "timestamp(3)"}, {"comment", "text"}, {"flag", "tinyint"},
	}
	s := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "order_info"}, PrimaryKey: []string{"id"}}
	for _, c := range cols {
		s.Columns = append(s.Columns, cdc.Column{Name: c.name, Type: mustType(b, c.typ, "utf8mb4"), Nullable: true})
	}
	row := cdc.Row{int64(123456789), int64(4242), int64(17), decimal.RequireFromString("1299.90"), "1001",
		"Zhang San", time.Date(2024, 6, 1, 12, 34, 56, 0, time.UTC), time.Date(2024, 6, 1, 12, 35, 0, 123000000, time.UTC),
		"please deliver before noon", int64(1)}
	return binlogEvent(s, cdc.OpUpdate, row, row)
}

// BenchmarkAppendEvent measures the encoder; BenchmarkJSONMarshalMap is the
// baseline: encoding/json.Marshal of a map holding the same, already
// converted, values.
func BenchmarkAppendEvent(b *testing.B) {
	ev := benchEvent(b)
	enc := JSON()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = enc.AppendEvent(buf[:0], ev)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkJSONMarshalMap(b *testing.B) {
	ev := benchEvent(b)
	row := map[string]any{"id": int64(123456789), "user_id": int64(4242), "sku_id": int64(17), "amount": "AfW+",
		"status": "1001", "consignee": "Zhang San", "create_time": int64(1717245296000),
		"update_time": "2024-06-01T12:35:00.123Z", "comment": "please deliver before noon", "flag": int64(1)}
	src := ev.Source
	b.ReportAllocs()
	for b.Loop() {
		m := map[string]any{
			"before": row, "after": row,
			"source": map[string]any{"version": DefaultVersion, "connector": "mysql", "name": DefaultServerName,
				"ts_ms": src.TsMs, "snapshot": string(src.Snapshot), "db": src.Database, "sequence": nil, "table": src.Table,
				"server_id": src.ServerID, "gtid": src.GTID, "file": src.File, "pos": src.Pos, "row": src.Row,
				"thread": src.Thread, "query": src.Query},
			"op": string(ev.Op), "ts_ms": ev.TsMs, "transaction": nil,
		}
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
