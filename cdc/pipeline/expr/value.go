package expr

import (
	"cmp"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// base is the evaluator's type of a value: what an expression computes in,
// whatever the column types it started from.
type base uint8

const (
	bNull      base = iota // the type of the NULL literal; a value of any type may be NULL
	bBool                  // i is 0 for FALSE, anything else TRUE (a TINYINT(1) column keeps its number)
	bInt                   // i; every signed integer but TINYINT(1), YEAR, unsigned integers up to INT UNSIGNED, BIT(1-63)
	bDecimal               // d; DECIMAL, BIGINT UNSIGNED, BIT(64)
	bFloat                 // f; FLOAT and DOUBLE
	bString                // s; text, ENUM, SET, JSON
	bBytes                 // s holds the bytes; binary strings, GEOMETRY
	bDate                  // t at midnight UTC
	bTimestamp             // t; DATETIME (wall clock in UTC) and TIMESTAMP (the instant)
	bTime                  // i is a time.Duration
)

var baseNames = [...]string{
	bNull: "NULL", bBool: "BOOLEAN", bInt: "BIGINT", bDecimal: "DECIMAL", bFloat: "DOUBLE",
	bString: "STRING", bBytes: "BYTES", bDate: "DATE", bTimestamp: "TIMESTAMP", bTime: "TIME",
}

func (b base) String() string { return baseNames[b] }

func (b base) numeric() bool { return b == bInt || b == bDecimal || b == bFloat }

func (b base) temporal() bool { return b == bDate || b == bTimestamp || b == bTime }

// value is one value during evaluation. It is passed by value so that
// evaluating an expression allocates nothing for numbers, booleans, times
// and strings already held by the row.
type value struct {
	null bool
	nsec int32 // the nanoseconds of a DATE or TIMESTAMP
	i    int64 // also a DATE's or TIMESTAMP's Unix seconds
	f    float64
	s    string // also a binary string's bytes
	d    decimal.Decimal
}

// timeValue holds t in i and nsec; a time.Time would make every value,
// passed by value through every closure, 24 bytes larger.
func timeValue(t time.Time) value { return value{i: t.Unix(), nsec: int32(t.Nanosecond())} }

// time returns the DATE or TIMESTAMP v holds, in UTC.
func (v value) time() time.Time { return time.Unix(v.i, int64(v.nsec)).UTC() }

func compareTimes(x, y value) int {
	if c := cmp.Compare(x.i, y.i); c != 0 {
		return c
	}
	return cmp.Compare(x.nsec, y.nsec)
}

var nullValue = value{null: true}

func boolValue(b bool) value {
	if b {
		return value{i: 1}
	}
	return value{}
}

// readColumn converts a row's canonical value of a column of type ct into
// a value of base b (which baseOf(ct) returned).
func readColumn(v any, b base) (value, bool) {
	switch x := v.(type) {
	case nil:
		return nullValue, true
	case int64:
		if b == bDecimal {
			return value{d: decimal.NewFromInt(x)}, true
		}
		return value{i: x}, true
	case uint64:
		if b == bDecimal {
			return value{d: decimal.NewFromUint64(x)}, true
		}
		return value{i: int64(x)}, true
	case decimal.Decimal:
		return value{d: x}, true
	case float64:
		return value{f: x}, true
	case float32:
		// Through its decimal text, so that a FLOAT 0.1 is 0.1, not 0.10000000149.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return value{f: f}, true
	case string:
		return value{s: x}, true
	case cdc.JSON:
		return value{s: string(x)}, true
	case []byte:
		return value{s: string(x)}, true
	case time.Time:
		return timeValue(x), true
	case time.Duration:
		return value{i: int64(x)}, true
	case cdc.ZeroTime:
		// MySQL's zero dates have no time.Time; they read as NULL.
		return nullValue, true
	}
	return value{}, false
}

// baseOf returns the base a column of type ct is evaluated in, and false
// for the types expressions cannot compute with (VECTOR).
func baseOf(ct cdc.ColumnType) (base, bool) {
	switch k := ct.Kind; {
	case k == cdc.KindTinyInt && ct.Length == 1 && !ct.Unsigned:
		// MySQL's BOOL is TINYINT(1), and Flink CDC reads it as BOOLEAN
		// (treat-tinyint1-as-boolean), so that `NOT is_deleted` works.
		return bBool, true
	case k.IsInteger():
		if k == cdc.KindBigInt && ct.Unsigned {
			return bDecimal, true
		}
		return bInt, true
	case k == cdc.KindYear:
		return bInt, true
	case k == cdc.KindBit:
		if ct.Length >= 64 {
			return bDecimal, true
		}
		return bInt, true
	case k == cdc.KindDecimal:
		return bDecimal, true
	case k == cdc.KindFloat || k == cdc.KindDouble:
		return bFloat, true
	case k.IsText() || k == cdc.KindEnum || k == cdc.KindSet || k == cdc.KindJSON:
		return bString, true
	case k.IsBinary() || k == cdc.KindGeometry:
		return bBytes, true
	case k == cdc.KindDate:
		return bDate, true
	case k == cdc.KindDateTime || k == cdc.KindTimestamp:
		return bTimestamp, true
	case k == cdc.KindTime:
		return bTime, true
	}
	return bNull, false
}

// canonical converts v, of base b, into the canonical Go value of a column
// of type ct (see package cdc's documentation).
func canonical(v value, b base, ct cdc.ColumnType) any {
	if v.null {
		return nil
	}
	switch b {
	case bBool, bInt:
		if ct.Unsigned || ct.Kind == cdc.KindBit {
			return uint64(v.i)
		}
		return v.i
	case bDecimal:
		if ct.Kind == cdc.KindBit || ct.Kind == cdc.KindBigInt && ct.Unsigned {
			return v.d.BigInt().Uint64()
		}
		if ct.Kind == cdc.KindDecimal && -v.d.Exponent() > int32(ct.Scale) {
			// More digits than the column keeps (a product of two
			// DECIMAL(65,30)s): rounded half up, as MySQL stores it.
			return v.d.Round(int32(ct.Scale))
		}
		return v.d
	case bFloat:
		if ct.Kind == cdc.KindFloat {
			return float32(v.f)
		}
		return v.f
	case bString:
		if ct.Kind == cdc.KindJSON {
			return cdc.JSON(v.s)
		}
		return v.s
	case bBytes:
		return []byte(v.s)
	case bDate, bTimestamp:
		return v.time()
	case bTime:
		return time.Duration(v.i)
	}
	return nil
}

// The cdc types of computed values.
var (
	typeBool   = cdc.ColumnType{Kind: cdc.KindTinyInt, Length: 1, Raw: "tinyint(1)"}
	typeBigInt = cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}
	typeInt    = cdc.ColumnType{Kind: cdc.KindInt, Raw: "int"}
	typeDouble = cdc.ColumnType{Kind: cdc.KindDouble, Raw: "double"}
	typeDate   = cdc.ColumnType{Kind: cdc.KindDate, Raw: "date"}
)

func decimalType(p, s int) cdc.ColumnType {
	p = min(max(p, 1), 65)
	s = min(max(s, 0), 30, p)
	return cdc.ColumnType{Kind: cdc.KindDecimal, Precision: p, Scale: s, Raw: "decimal(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"}
}

// stringType is VARCHAR(n) for a known length that fits a row, LONGTEXT
// otherwise.
func stringType(n int) cdc.ColumnType {
	if n > 0 && n <= 16383 {
		return cdc.ColumnType{Kind: cdc.KindVarChar, Length: n, Charset: "utf8mb4", Raw: "varchar(" + strconv.Itoa(n) + ")"}
	}
	return cdc.ColumnType{Kind: cdc.KindLongText, Charset: "utf8mb4", Raw: "longtext"}
}

func bytesType(n int) cdc.ColumnType {
	if n > 0 && n <= 65535 {
		return cdc.ColumnType{Kind: cdc.KindVarBinary, Length: n, Raw: "varbinary(" + strconv.Itoa(n) + ")"}
	}
	return cdc.ColumnType{Kind: cdc.KindLongBlob, Raw: "longblob"}
}

func timestampType(fsp int, ltz bool) cdc.ColumnType {
	k, name := cdc.KindDateTime, "datetime"
	if ltz {
		k, name = cdc.KindTimestamp, "timestamp"
	}
	raw := name
	if fsp > 0 {
		raw += "(" + strconv.Itoa(fsp) + ")"
	}
	return cdc.ColumnType{Kind: k, FSP: fsp, Raw: raw}
}

func timeType(fsp int) cdc.ColumnType {
	raw := "time"
	if fsp > 0 {
		raw += "(" + strconv.Itoa(fsp) + ")"
	}
	return cdc.ColumnType{Kind: cdc.KindTime, FSP: fsp, Raw: raw}
}

// defaultType is the cdc type of a computed value of base b when nothing
// more precise is known.
func defaultType(b base) cdc.ColumnType {
	switch b {
	case bBool:
		return typeBool
	case bInt:
		return typeBigInt
	case bDecimal:
		return decimalType(38, 10)
	case bFloat:
		return typeDouble
	case bString, bNull:
		return stringType(0)
	case bBytes:
		return bytesType(0)
	case bDate:
		return typeDate
	case bTimestamp:
		return timestampType(6, false)
	case bTime:
		return timeType(6)
	}
	return stringType(0)
}
