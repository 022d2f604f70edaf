package expr

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

var benchSchema = &cdc.TableSchema{
	Table: cdc.TableID{Database: "gmall", Table: "order_info"},
	Columns: []cdc.Column{
		{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
		{Name: "user_id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
		{Name: "sku", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}},
		{Name: "amount", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}},
		{Name: "status", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 16}},
	},
	PrimaryKey: []string{"id"},
}

var benchRow = cdc.Row{int64(1001), int64(7), "sku-abc-123", decimal.RequireFromString("129.90"), "paid"}

func benchTransform(b *testing.B, projection, filter string) *Transform {
	b.Helper()
	var pp *Projection
	if projection != "" {
		p, err := ParseProjection(projection)
		if err != nil {
			b.Fatal(err)
		}
		pp = &p
	}
	var f Expr
	if filter != "" {
		var err error
		if f, err = ParseFilter(filter); err != nil {
			b.Fatal(err)
		}
	}
	t, err := CompileTransform(benchSchema, pp, f, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkTransform is the transform (a projection with a
// function, decimal arithmetic and a metadata field, and a filter) on one
// row, reusing the output row; BenchmarkTransformHandWritten is the same
// work written directly in Go, the baseline.
func BenchmarkTransform(b *testing.B) {
	t := benchTransform(b, "id, user_id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src", "status <> 'cancelled'")
	meta := Metadata{Schema: "gmall", Table: "order_info", EventType: EventInsert}
	out := make(cdc.Row, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		var keep bool
		var err error
		out, keep, err = t.Apply(out, benchRow, &meta)
		if err != nil || !keep {
			b.Fatal(err)
		}
	}
}

var hundred = decimal.NewFromInt(100)

func BenchmarkTransformHandWritten(b *testing.B) {
	meta := Metadata{Schema: "gmall", Table: "order_info", EventType: EventInsert}
	out := make(cdc.Row, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		row := benchRow
		status, _ := row[4].(string)
		if row[4] == nil || status == "cancelled" {
			b.Fatal("dropped")
		}
		out = out[:0]
		out = append(out, row[0], row[1])
		if s, ok := row[2].(string); ok {
			out = append(out, strings.ToUpper(s))
		} else {
			out = append(out, nil)
		}
		if d, ok := row[3].(decimal.Decimal); ok {
			out = append(out, d.Mul(hundred))
		} else {
			out = append(out, nil)
		}
		out = append(out, meta.Table)
	}
}

// BenchmarkFilter is a filter of comparisons alone, which allocates
// nothing; BenchmarkFilterHandWritten is its baseline.
func BenchmarkFilter(b *testing.B) {
	t := benchTransform(b, "", "user_id > 5 AND status IN ('paid', 'shipped') AND sku LIKE 'sku-%'")
	meta := Metadata{}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := t.Match(benchRow, &meta); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkFilterHandWritten(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		u, _ := benchRow[1].(int64)
		s, _ := benchRow[4].(string)
		k, _ := benchRow[2].(string)
		if !(u > 5 && (s == "paid" || s == "shipped") && strings.HasPrefix(k, "sku-")) {
			b.Fatal("dropped")
		}
	}
}

// BenchmarkProjectPassThrough projects columns unchanged, renamed and
// reordered: no value is converted.
func BenchmarkProjectPassThrough(b *testing.B) {
	t := benchTransform(b, "id, sku AS product, amount, status", "")
	out := make(cdc.Row, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = t.Project(out, benchRow, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntArithmetic: a computed BIGINT costs the one allocation of
// putting it into the output row.
func BenchmarkIntArithmetic(b *testing.B) {
	t := benchTransform(b, "id * 10 + user_id AS k, CASE WHEN user_id > 5 THEN 1 ELSE 0 END AS big", "")
	out := make(cdc.Row, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = t.Project(out, benchRow, nil); err != nil {
			b.Fatal(err)
		}
	}
}
