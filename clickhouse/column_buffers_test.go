package clickhouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	chgo "github.com/ClickHouse/clickhouse-go/v2"
	chcolumn "github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// batchColumn appends to a clickhouse-go column the way a batch's column
// does, without a server.
type batchColumn struct{ col chcolumn.Interface }

func (b batchColumn) Append(v any) error    { _, err := b.col.Append(v); return err }
func (b batchColumn) AppendRow(v any) error { return b.col.AppendRow(v) }

func newCHColumn(t *testing.T, chType string) chcolumn.Interface {
	t.Helper()
	col, err := chcolumn.Type(chType).Column("c", &chcolumn.ServerContext{Timezone: time.UTC})
	if err != nil {
		t.Fatalf("clickhouse-go column for %s: %v", chType, err)
	}
	return col
}

func encodeColumn(col chcolumn.Interface) []byte {
	var buf proto.Buffer
	if p, ok := col.(chcolumn.CustomSerialization); ok {
		_ = p.WriteStatePrefix(&buf)
	}
	col.Encode(&buf)
	return buf.Buf
}

// TestColumnBuffersEncodeLikeRowAppends holds the typed column buffers to
// the values clickhouse-go encodes when it is given, row by row, the Go value
// a ClickHouse type naturally takes (a time.Time for a DateTime, an int8 for
// an Int8, ...): every column kind, nullable or not, for an 18.16 server and
// a modern one, with a NULL and a delete marker's zero value among the rows.
// The bytes sent to the server must be the same.
func TestColumnBuffersEncodeLikeRowAppends(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	ts6 := ts.Add(123456 * time.Microsecond)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	dec := decimal.RequireFromString("-1234567890.12")
	bigDec := decimal.RequireFromString("12345678901234567890123456789012345.123456789012345678901234567890")
	type tc struct {
		name  string
		typ   cdc.ColumnType
		opts  MappingOptions
		vals  []any // canonical values, none nil
		rows  []any // what clickhouse-go gets row by row for each
		zero  any   // the row value of a delete marker's missing NOT NULL value
		noNul bool  // the kind has no nullable mapping
	}
	cases := func(f Features) []tc {
		bit1, bit1Rows, bit1Zero := []any{uint64(1), uint64(0)}, []any{uint64(1), uint64(0)}, any(uint64(0))
		if f.Bool {
			bit1Rows, bit1Zero = []any{true, false}, false
		}
		dt6Rows, dt6Zero := []any{"2024-02-29 13:14:15.123456", "2024-02-29 13:14:15.000000"}, any("")
		if f.DateTime64 {
			dt6Rows, dt6Zero = []any{ts6, ts}, dateTime64Min
		}
		bigRows, bigZero := []any{bigDec.StringFixed(30), "0.000000000000000000000000000000"}, any("0")
		if f.Decimal256 {
			bigRows, bigZero = []any{bigDec, decimal.Zero}, decimal.Zero
		}
		return []tc{
			{name: "tinyint", typ: cdc.ColumnType{Kind: cdc.KindTinyInt}, vals: []any{int64(-128), int64(127)}, rows: []any{int8(-128), int8(127)}, zero: int8(0)},
			{name: "smallint", typ: cdc.ColumnType{Kind: cdc.KindSmallInt}, vals: []any{int64(-32768), int64(5)}, rows: []any{int16(-32768), int16(5)}, zero: int16(0)},
			{name: "mediumint", typ: cdc.ColumnType{Kind: cdc.KindMediumInt}, vals: []any{int64(-8388608), int64(8388607)}, rows: []any{int32(-8388608), int32(8388607)}, zero: int32(0)},
			{name: "int", typ: cdc.ColumnType{Kind: cdc.KindInt}, vals: []any{int64(-2147483648), int64(1)}, rows: []any{int32(-2147483648), int32(1)}, zero: int32(0)},
			{name: "bigint", typ: cdc.ColumnType{Kind: cdc.KindBigInt}, vals: []any{int64(-1 << 63), int64(1<<63 - 1)}, rows: []any{int64(-1 << 63), int64(1<<63 - 1)}, zero: int64(0)},
			{name: "tinyint unsigned", typ: cdc.ColumnType{Kind: cdc.KindTinyInt, Unsigned: true}, vals: []any{uint64(255), uint64(0)}, rows: []any{uint8(255), uint8(0)}, zero: uint8(0)},
			{name: "smallint unsigned", typ: cdc.ColumnType{Kind: cdc.KindSmallInt, Unsigned: true}, vals: []any{uint64(65535), uint64(1)}, rows: []any{uint16(65535), uint16(1)}, zero: uint16(0)},
			{name: "int unsigned", typ: cdc.ColumnType{Kind: cdc.KindInt, Unsigned: true}, vals: []any{uint64(4294967295), uint64(1)}, rows: []any{uint32(4294967295), uint32(1)}, zero: uint32(0)},
			{name: "bigint unsigned", typ: cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}, vals: []any{uint64(1<<64 - 1), uint64(1)}, rows: []any{uint64(1<<64 - 1), uint64(1)}, zero: uint64(0)},
			{name: "year", typ: cdc.ColumnType{Kind: cdc.KindYear}, vals: []any{int64(2155), int64(1901)}, rows: []any{uint16(2155), uint16(1901)}, zero: uint16(0)},
			{name: "bit(1)", typ: cdc.ColumnType{Kind: cdc.KindBit, Length: 1}, vals: bit1, rows: bit1Rows, zero: bit1Zero},
			{name: "bit(64)", typ: cdc.ColumnType{Kind: cdc.KindBit, Length: 64}, vals: []any{uint64(1<<64 - 1), uint64(2)}, rows: []any{uint64(1<<64 - 1), uint64(2)}, zero: uint64(0)},
			{name: "float", typ: cdc.ColumnType{Kind: cdc.KindFloat}, vals: []any{float32(-1.5), float32(3.25)}, rows: []any{float32(-1.5), float32(3.25)}, zero: float32(0)},
			{name: "double", typ: cdc.ColumnType{Kind: cdc.KindDouble}, vals: []any{-1e300, 2.5}, rows: []any{-1e300, 2.5}, zero: float64(0)},
			{name: "decimal(12,2)", typ: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 12, Scale: 2}, vals: []any{dec, decimal.New(5, 0)}, rows: []any{dec, decimal.New(5, 0)}, zero: decimal.Zero},
			{name: "decimal(12,2) of other exponents", typ: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 12, Scale: 2},
				vals: []any{decimal.New(-1500, -3), decimal.New(7, 9)}, rows: []any{decimal.New(-1500, -3), decimal.New(7, 9)}, zero: decimal.Zero},
			{name: "decimal(18,0)", typ: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 18},
				vals: []any{decimal.RequireFromString("-999999999999999999"), decimal.New(1, 17)}, rows: []any{decimal.RequireFromString("-999999999999999999"), decimal.New(1, 17)}, zero: decimal.Zero},
			{name: "decimal(38,10)", typ: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 38, Scale: 10}, vals: []any{dec, decimal.New(-7, -10)}, rows: []any{dec, decimal.New(-7, -10)}, zero: decimal.Zero},
			{name: "decimal(65,30)", typ: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 65, Scale: 30}, vals: []any{bigDec, decimal.Zero}, rows: bigRows, zero: bigZero},
			{name: "date", typ: cdc.ColumnType{Kind: cdc.KindDate}, vals: []any{day, dateMin}, rows: []any{day, dateMin}, zero: dateMin},
			{name: "datetime", typ: cdc.ColumnType{Kind: cdc.KindDateTime}, vals: []any{ts, dateTimeMin}, rows: []any{ts, dateTimeMin}, zero: dateTimeMin},
			{name: "timestamp(6)", typ: cdc.ColumnType{Kind: cdc.KindTimestamp, FSP: 6}, vals: []any{ts6, ts}, rows: dt6Rows, zero: dt6Zero},
			{name: "time(6)", typ: cdc.ColumnType{Kind: cdc.KindTime, FSP: 6}, vals: []any{-838*time.Hour - 1500*time.Microsecond, time.Duration(0)},
				rows: []any{int64(-838*3600e6 - 1500), int64(0)}, zero: int64(0)},
			{name: "varchar", typ: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 10}, vals: []any{"héllo 🐬", ""}, rows: []any{"héllo 🐬", ""}, zero: ""},
			{name: "set", typ: cdc.ColumnType{Kind: cdc.KindSet}, vals: []any{"a,b", ""}, rows: []any{"a,b", ""}, zero: ""},
			{name: "enum", typ: cdc.ColumnType{Kind: cdc.KindEnum, Elements: []string{"x", "y"}}, vals: []any{"y", "x"}, rows: []any{"y", "x"}, zero: ""},
			{name: "json", typ: cdc.ColumnType{Kind: cdc.KindJSON}, vals: []any{cdc.JSON(`{"a":[1,2]}`), cdc.JSON(`null`)}, rows: []any{`{"a":[1,2]}`, `null`}, zero: ""},
			{name: "blob", typ: cdc.ColumnType{Kind: cdc.KindBlob}, vals: []any{[]byte{0, 0xff, 'x'}, []byte{}}, rows: []any{"\x00\xffx", ""}, zero: ""},
			{name: "geometry", typ: cdc.ColumnType{Kind: cdc.KindGeometry}, vals: []any{[]byte{1, 2, 3, 4}, []byte{5}}, rows: []any{"\x01\x02\x03\x04", "\x05"}, zero: ""},
			{name: "vector", typ: cdc.ColumnType{Kind: cdc.KindVector, Length: 2}, vals: []any{[]float32{1, -2}, []float32{}}, rows: []any{[]float32{1, -2}, []float32{}}, zero: []float32{}, noNul: true},
			{name: "date as text", typ: cdc.ColumnType{Kind: cdc.KindDate}, opts: MappingOptions{DatesAsText: true},
				vals: []any{day, cdc.ZeroTime("0000-00-00")}, rows: []any{"2024-02-29", "0000-00-00"}, zero: ""},
			{name: "datetime(3) as text", typ: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 3}, opts: MappingOptions{DatesAsText: true},
				vals: []any{ts6.Truncate(time.Millisecond), cdc.ZeroTime("0000-00-00 00:00:00.000")}, rows: []any{"2024-02-29 13:14:15.123", "0000-00-00 00:00:00.000"}, zero: ""},
		}
	}
	table := cdc.TableID{Database: "db", Table: "t"}
	for _, server := range []ServerVersion{{18, 16, 1}, {24, 8, 0}} {
		f := FeaturesFor(server)
		for _, c := range cases(f) {
			for _, nullable := range []bool{false, true} {
				if nullable && c.noNul {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/nullable=%v", server, c.name, nullable), func(t *testing.T) {
					cd, err := newCodec(table, cdc.Column{Name: "c", Type: c.typ, Nullable: nullable}, f, c.opts)
					if err != nil {
						t.Fatal(err)
					}
					buf := cd.newBuffer(0)
					want := newCHColumn(t, cd.chType)
					for i, v := range c.vals {
						if _, err := buf.add(v); err != nil {
							t.Fatalf("add %v: %v", v, err)
						}
						if err := want.AppendRow(c.rows[i]); err != nil {
							t.Fatalf("clickhouse-go AppendRow(%T %v): %v", c.rows[i], c.rows[i], err)
						}
					}
					// A delete marker without the column's value.
					buf.addZero()
					zero := c.zero
					if nullable {
						zero = nil
					}
					if err := want.AppendRow(zero); err != nil {
						t.Fatal(err)
					}
					if nullable {
						if _, err := buf.add(nil); err != nil {
							t.Fatal(err)
						}
						if err := want.AppendRow(nil); err != nil {
							t.Fatal(err)
						}
					} else if _, err := buf.add(nil); !errors.Is(err, errNullInNotNull) {
						t.Fatalf("NULL in a NOT NULL column: got %v", err)
					}
					got := newCHColumn(t, cd.chType)
					if err := buf.appendRange(batchColumn{got}, 0, buf.len()); err != nil {
						t.Fatalf("%s: %v", cd.chType, err)
					}
					if got.Rows() != want.Rows() || got.Rows() != buf.len() {
						t.Fatalf("%s: %d rows appended, want %d (buffered %d)", cd.chType, got.Rows(), want.Rows(), buf.len())
					}
					if g, w := encodeColumn(got), encodeColumn(want); !bytes.Equal(g, w) {
						t.Errorf("%s: column-wise encoding differs from row-wise\n got %x\nwant %x", cd.chType, g, w)
					}
					// In two ranges, as an insert of several blocks appends.
					split := newCHColumn(t, cd.chType)
					half := buf.len() / 2
					if err := buf.appendRange(batchColumn{split}, 0, half); err != nil {
						t.Fatalf("%s: %v", cd.chType, err)
					}
					if err := buf.appendRange(batchColumn{split}, half, buf.len()); err != nil {
						t.Fatalf("%s: %v", cd.chType, err)
					}
					if g, w := encodeColumn(split), encodeColumn(want); !bytes.Equal(g, w) {
						t.Errorf("%s: encoding appended in two ranges differs from row-wise\n got %x\nwant %x", cd.chType, g, w)
					}
				})
			}
		}
	}
}

// TestColumnBufferReuse checks the buffer operations the sink relies on:
// truncate drops a half-added row, and reset empties the buffer for the
// next batch.
func TestColumnBufferReuse(t *testing.T) {
	f := FeaturesFor(ServerVersion{18, 16, 1})
	cd, err := newCodec(cdc.TableID{Database: "db", Table: "t"}, cdc.Column{Name: "s", Type: cdc.ColumnType{Kind: cdc.KindVarChar}, Nullable: true}, f, MappingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := cd.newBuffer(1)
	for _, v := range []any{"a", nil, "c"} {
		if _, err := a.add(v); err != nil {
			t.Fatal(err)
		}
	}
	a.truncate(2)
	if _, err := a.add("d"); err != nil {
		t.Fatal(err)
	}
	col := newCHColumn(t, cd.chType)
	if err := a.appendRange(batchColumn{col}, 0, a.len()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range col.Rows() {
		if p, ok := col.Row(i, true).(*string); ok && p != nil {
			got = append(got, *p)
		} else {
			got = append(got, "NULL")
		}
	}
	if strings.Join(got, ",") != "a,NULL,d" {
		t.Errorf("rows %v, want a,NULL,d", got)
	}
	a.reset()
	if a.len() != 0 {
		t.Errorf("reset left %d values", a.len())
	}
	if _, err := cd.newBuffer(0).add(42); err == nil || !strings.Contains(err.Error(), "want the canonical string") {
		t.Errorf("an int for a VARCHAR column: %v", err)
	}
}

// TestDecimalFits holds the fast decimal range check to the exact rule:
// at most S digits after the point and P-S before it.
func TestDecimalFits(t *testing.T) {
	for _, c := range []struct {
		v    string
		p, s int
		ok   bool
	}{
		{"9999999999.99", 12, 2, true},
		{"-9999999999.99", 12, 2, true},
		{"10000000000.00", 12, 2, false},
		{"10000000000", 12, 2, false},
		{"0.001", 12, 2, false},
		{"0.010", 12, 2, true},
		{"1.500", 12, 2, true},
		{"0", 12, 2, true},
		{"0.000", 1, 0, true},
		{"5", 1, 0, true},
		{"10", 1, 0, false},
		{"0.5", 1, 1, true},
		{"1.5", 1, 1, false},
		{"99999999999999999999999999999999999.999999999999999999999999999999", 65, 30, true},
		{"999999999999999999999999999999999999", 65, 30, false},
		{"1E+3", 4, 0, true},
		{"1E+4", 4, 0, false},
	} {
		d := decimal.RequireFromString(c.v)
		if got := decimalFits(d, c.p, c.s); (got == "") != c.ok {
			t.Errorf("decimalFits(%s, %d, %d) = %q, want fits=%v", c.v, c.p, c.s, got, c.ok)
		}
	}
}

// appendTextTime writes what time.Format writes for every layout of a
// temporal String column, at the edges of the years it formats itself and
// beyond them, where it defers to Format.
func TestAppendTextTimeMatchesFormat(t *testing.T) {
	layouts := []string{time.DateOnly, time.DateTime, time.DateTime + ".0", time.DateTime + ".000", time.DateTime + ".000000"}
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		time.Date(1000, 1, 1, 0, 0, 0, 1_000, time.UTC),
		time.Date(2024, 2, 29, 13, 4, 5, 123_456_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 12, 30, 0, 0, time.UTC),
	}
	for _, layout := range layouts {
		dateOnly, fsp := layout == time.DateOnly, max(len(layout)-len(time.DateTime)-1, 0)
		for _, tm := range times {
			got, want := string(appendTextTime(nil, tm, layout, dateOnly, fsp)), tm.Format(layout)
			if got != want {
				t.Errorf("appendTextTime(%v, %q) = %q, want %q", tm, layout, got, want)
			}
		}
	}
}

// TestSinkBufferAllocations guards the sink's buffering: HandleEvents of
// snapshot rows of the bench table plus a DATETIME(3) column (a String on
// ClickHouse 18.16) allocates nothing per row once the buffers have their
// size: numbers go into typed slices, and text, the DATETIME(3)'s
// included, is written into its column's bytes.
func TestSinkBufferAllocations(t *testing.T) {
	c, err := New(&chgo.Options{Addr: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetFeatures(FeaturesFor(ServerVersion{18, 16, 1}))
	sink, err := NewSink(c, SinkConfig{MaxRows: 1 << 30, MaxBytes: 1 << 40, FlushInterval: -1, ManualTables: true})
	if err != nil {
		t.Fatal(err)
	}
	schema := benchSchema("src")
	schema.Columns = append(schema.Columns, cdc.Column{Name: "updated", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 3}})
	seedTable(t, sink, schema)
	events := benchEvents(schema, 1024, 1024)[0]
	for i := range events {
		events[i].After = append(events[i].After, time.Date(2024, 6, 15, 6, 56, 7, 123_000_000, time.UTC))
	}
	ctx := context.Background()
	handle := func() {
		if err := sink.HandleEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
		sink.tables[schema.Table].batch.reset()
		sink.rows, sink.bytes = 0, 0
	}
	handle() // the buffers reach their size
	perRow := testing.AllocsPerRun(20, handle) / float64(len(events))
	t.Logf("%.3f allocations per row", perRow)
	if perRow > 0.05 {
		t.Errorf("buffering a row costs %.2f allocations, want none", perRow)
	}
}
