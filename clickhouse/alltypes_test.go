package clickhouse

import (
	"math"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/shopspring/decimal"
)

// allTypesSchema is a table with a column of every kind the cdc package
// emits, with names that need quoting.
func allTypesSchema(db string) *cdc.TableSchema {
	col := func(name string, k cdc.Kind, nullable bool, mod func(*cdc.ColumnType)) cdc.Column {
		c := cdc.Column{Name: name, Type: cdc.ColumnType{Kind: k}, Nullable: nullable}
		if mod != nil {
			mod(&c.Type)
		}
		return c
	}
	unsigned := func(t *cdc.ColumnType) { t.Unsigned = true }
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: db, Table: "all `types` \\ table"},
		Columns: []cdc.Column{
			col("id", cdc.KindBigInt, false, nil),
			col("ti", cdc.KindTinyInt, true, nil),
			col("tiu", cdc.KindTinyInt, true, unsigned),
			col("si", cdc.KindSmallInt, true, nil),
			col("siu", cdc.KindSmallInt, true, unsigned),
			col("mi", cdc.KindMediumInt, true, nil),
			col("miu", cdc.KindMediumInt, true, unsigned),
			col("i", cdc.KindInt, true, nil),
			col("iu", cdc.KindInt, true, unsigned),
			col("bi", cdc.KindBigInt, true, nil),
			col("biu", cdc.KindBigInt, true, unsigned),
			col("dec10_2", cdc.KindDecimal, true, func(t *cdc.ColumnType) { t.Precision, t.Scale = 10, 2 }),
			col("dec38_10", cdc.KindDecimal, true, func(t *cdc.ColumnType) { t.Precision, t.Scale = 38, 10 }),
			col("dec65_30", cdc.KindDecimal, true, func(t *cdc.ColumnType) { t.Precision, t.Scale = 65, 30 }),
			col("f", cdc.KindFloat, true, nil),
			col("d", cdc.KindDouble, true, nil),
			col("bit1", cdc.KindBit, true, func(t *cdc.ColumnType) { t.Length = 1 }),
			col("bit64", cdc.KindBit, true, func(t *cdc.ColumnType) { t.Length = 64 }),
			col("y", cdc.KindYear, true, nil),
			col("dt", cdc.KindDate, true, nil),
			col("tm", cdc.KindTime, true, func(t *cdc.ColumnType) { t.FSP = 6 }),
			col("dtm0", cdc.KindDateTime, true, nil),
			col("dtm6", cdc.KindDateTime, true, func(t *cdc.ColumnType) { t.FSP = 6 }),
			col("ts0", cdc.KindTimestamp, true, nil),
			col("ts3", cdc.KindTimestamp, true, func(t *cdc.ColumnType) { t.FSP = 3 }),
			col("c", cdc.KindChar, true, func(t *cdc.ColumnType) { t.Length = 10 }),
			col("vc", cdc.KindVarChar, true, func(t *cdc.ColumnType) { t.Length = 255 }),
			col("tt", cdc.KindTinyText, true, nil),
			col("tx", cdc.KindText, true, nil),
			col("mt", cdc.KindMediumText, true, nil),
			col("lt", cdc.KindLongText, true, nil),
			col("bn", cdc.KindBinary, true, func(t *cdc.ColumnType) { t.Length = 4 }),
			col("vb", cdc.KindVarBinary, true, func(t *cdc.ColumnType) { t.Length = 16 }),
			col("tb", cdc.KindTinyBlob, true, nil),
			col("bl", cdc.KindBlob, true, nil),
			col("mb", cdc.KindMediumBlob, true, nil),
			col("lb", cdc.KindLongBlob, true, nil),
			col("e", cdc.KindEnum, true, func(t *cdc.ColumnType) { t.Elements = []string{"a", "b b", "ü"} }),
			col("st", cdc.KindSet, true, func(t *cdc.ColumnType) { t.Elements = []string{"x", "y", "z"} }),
			col("j", cdc.KindJSON, true, nil),
			col("g", cdc.KindGeometry, true, nil),
			col("v", cdc.KindVector, false, func(t *cdc.ColumnType) { t.Length = 3 }),
			col("weird `name` \\ ü", cdc.KindVarChar, false, nil),
		},
		PrimaryKey: []string{"id"},
	}
}

func mustDecimal(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// allTypesRows returns rows with extreme, ordinary and NULL values.
func allTypesRows() []cdc.Row {
	ts := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
	max := cdc.Row{
		int64(1), int64(math.MaxInt8), uint64(math.MaxUint8), int64(math.MaxInt16), uint64(math.MaxUint16),
		int64(1<<23 - 1), uint64(1<<24 - 1), int64(math.MaxInt32), uint64(math.MaxUint32),
		int64(math.MaxInt64), uint64(math.MaxUint64),
		mustDecimal("99999999.99"), mustDecimal("9999999999999999999999999999.9999999999"),
		mustDecimal("99999999999999999999999999999999999.999999999999999999999999999999"),
		float32(3.4028235e38), math.MaxFloat64,
		uint64(1), uint64(math.MaxUint64), int64(2155),
		time.Date(2149, 6, 5, 0, 0, 0, 0, time.UTC), 838*time.Hour + 59*time.Minute + 59*time.Second,
		time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC), ts, time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC), ts.Truncate(time.Millisecond),
		"char", "vär😀", "tiny", "text\twith\nnewline", "medium", "long 漢字",
		[]byte{0, 1, 0xfe, 0xff}, []byte{0}, []byte("tb"), []byte{0xde, 0xad}, []byte("mb"), []byte("lb"),
		"ü", "x,z", cdc.JSON(`{"a":[1,2.5,"x"],"b":null}`), []byte{0, 0, 0, 0, 1, 1, 0, 0, 0},
		[]float32{1.5, -2, 3e-9}, "quoted ` \\ '",
	}
	min := cdc.Row{
		int64(2), int64(math.MinInt8), uint64(0), int64(math.MinInt16), uint64(0),
		int64(-1 << 23), uint64(0), int64(math.MinInt32), uint64(0),
		int64(math.MinInt64), uint64(0),
		mustDecimal("-99999999.99"), mustDecimal("-0.0000000001"),
		mustDecimal("-0.000000000000000000000000000001"),
		float32(-1.5), -math.SmallestNonzeroFloat64,
		uint64(0), uint64(0), int64(1901),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), -(838*time.Hour + 59*time.Minute + 59*time.Second + 999999*time.Microsecond),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 1000000, time.UTC),
		"", "", "", "", "", "",
		[]byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{},
		"a", "", cdc.JSON(`[]`), []byte{},
		[]float32{}, "",
	}
	nulls := make(cdc.Row, len(max))
	nulls[0] = int64(3)
	nulls[len(nulls)-2] = []float32{0, 0, 0}
	nulls[len(nulls)-1] = "not null"
	return []cdc.Row{max, min, nulls}
}
