package clickhouse

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/shopspring/decimal"
)

// Columns the sink adds to every table.
const (
	// VersionColumn holds the row version derived from the binlog position
	// ([RowVersion]); ReplacingMergeTree keeps the row with the highest one.
	VersionColumn = "_version"
	// DeletedColumn is 1 on the row that records a DELETE.
	DeletedColumn = "_is_deleted"
)

// MappingOptions choose between mappings where the exact one is not the
// natural one.
type MappingOptions struct {
	// DatesAsText stores DATE, DATETIME and TIMESTAMP columns as String in a
	// fixed format ("2006-01-02", "2006-01-02 15:04:05[.ffffff]") instead of
	// Date, DateTime and DateTime64. Set it for tables holding zero dates
	// ('0000-00-00') or dates outside ClickHouse's ranges; with the native
	// types such values are refused with ErrUnrepresentable rather than
	// stored wrongly.
	DatesAsText bool
}

// Ranges of the native temporal types, as documented by ClickHouse. The
// DateTime64 range is the one every version since 20.1 accepts.
var (
	dateMin       = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	dateMax       = time.Date(2149, 6, 7, 0, 0, 0, 0, time.UTC) // exclusive: 2149-06-06 is Date's last day
	dateTimeMin   = time.Unix(0, 0).UTC()
	dateTimeMax   = time.Unix(math.MaxUint32+1, 0).UTC() // exclusive
	dateTime64Min = time.Date(1925, 1, 1, 0, 0, 0, 0, time.UTC)
	dateTime64Max = time.Date(2283, 11, 11, 0, 0, 0, 0, time.UTC)
)

// codec converts one column between canonical cdc values and the values
// clickhouse-go reads and writes for its ClickHouse type.
type codec struct {
	name     string
	col      cdc.Column
	chType   string
	nullable bool
	// newBuffer returns an empty buffer of the column's values, typed for
	// its ClickHouse type, with room for capacity values. The buffer converts
	// canonical values as rows are added; a NULL in a non-nullable column of
	// a delete marker (a before image without the column) is written as the
	// type's zero value.
	newBuffer func(capacity int) columnBuffer
	// newDest returns a pointer to scan a value of the column into.
	newDest func() any
	// decode converts a scanned value back to its canonical type; it returns
	// nil for NULL.
	decode func(dest any) (any, error)
}

// ColumnType returns the ClickHouse type of a column of table for a server
// with features f, such as "Nullable(Decimal(65, 30))", or a *[MappingError]
// naming the table, the column and its type when it has none.
func ColumnType(table cdc.TableID, col cdc.Column, f Features, opts MappingOptions) (string, error) {
	c, err := newCodec(table, col, f, opts)
	if err != nil {
		return "", err
	}
	return c.chType, nil
}

func unsupported(table cdc.TableID, col cdc.Column, reason string) error {
	return &MappingError{Table: table, Column: col.Name, Type: typeText(col.Type), Reason: reason, Err: ErrUnsupportedType}
}

func typeText(t cdc.ColumnType) string {
	if t.Raw != "" {
		return t.Raw
	}
	s := t.Kind.String()
	if t.Unsigned {
		s += " UNSIGNED"
	}
	return s
}

// newCodec builds the codec of one column.
func newCodec(table cdc.TableID, col cdc.Column, f Features, opts MappingOptions) (*codec, error) {
	if col.Name == VersionColumn || col.Name == DeletedColumn {
		return nil, &MappingError{Table: table, Column: col.Name, Type: typeText(col.Type),
			Reason: "the sink adds a column of this name; rename the source column", Err: ErrReservedColumn}
	}
	c := &codec{name: col.Name, col: col, nullable: col.Nullable}
	bad := func(v any, reason string, sentinel error) error {
		return &ValueError{Table: table, Column: col.Name, Value: fmt.Sprintf("%v", v), Reason: reason, Err: sentinel}
	}
	wrongType := func(v any, want string) error {
		return bad(v, fmt.Sprintf("got Go type %T, want the canonical %s for %s", v, want, col.Type.Kind), nil)
	}
	t := col.Type
	base := ""
	switch {
	case t.Kind.IsInteger():
		bits := map[cdc.Kind]int{cdc.KindTinyInt: 8, cdc.KindSmallInt: 16, cdc.KindMediumInt: 32, cdc.KindInt: 32, cdc.KindBigInt: 64}[t.Kind]
		if t.Unsigned {
			base = fmt.Sprintf("UInt%d", bits)
			setUnsigned(c, bits, bad, wrongType)
		} else {
			base = fmt.Sprintf("Int%d", bits)
			setSigned(c, bits, bad, wrongType)
		}
	case t.Kind == cdc.KindYear:
		base = "UInt16"
		setColumn(c, columnSpec[uint16]{width: 8, conv: func(v any) (uint16, error) {
			n, ok := v.(int64)
			if !ok {
				return 0, wrongType(v, "int64")
			}
			if n < 0 || n > math.MaxUint16 {
				return 0, bad(v, "outside UInt16", ErrUnrepresentable)
			}
			return uint16(n), nil
		}})
		setScan(c, func(x uint16) any { return int64(x) })
	case t.Kind == cdc.KindBit:
		if t.Length == 1 && f.Bool {
			base = "Bool"
			setColumn(c, columnSpec[bool]{width: 8, conv: func(v any) (bool, error) {
				n, ok := v.(uint64)
				if !ok {
					return false, wrongType(v, "uint64")
				}
				if n > 1 {
					return false, bad(v, "BIT(1) holds 0 or 1", ErrUnrepresentable)
				}
				return n == 1, nil
			}})
			setScan(c, func(x bool) any {
				if x {
					return uint64(1)
				}
				return uint64(0)
			})
		} else {
			base = "UInt64"
			setColumn(c, columnSpec[uint64]{width: 8, conv: func(v any) (uint64, error) {
				n, ok := v.(uint64)
				if !ok {
					return 0, wrongType(v, "uint64")
				}
				return n, nil
			}})
			setScan(c, func(x uint64) any { return x })
		}
	case t.Kind == cdc.KindFloat:
		base = "Float32"
		setColumn(c, columnSpec[float32]{width: 8, conv: func(v any) (float32, error) {
			x, ok := v.(float32)
			if !ok {
				return 0, wrongType(v, "float32")
			}
			return x, nil
		}})
		setScan(c, func(x float32) any { return x })
	case t.Kind == cdc.KindDouble:
		base = "Float64"
		setColumn(c, columnSpec[float64]{width: 8, conv: func(v any) (float64, error) {
			x, ok := v.(float64)
			if !ok {
				return 0, wrongType(v, "float64")
			}
			return x, nil
		}})
		setScan(c, func(x float64) any { return x })
	case t.Kind == cdc.KindDecimal:
		p, s := t.Precision, t.Scale
		if p <= 0 || p > 65 || s < 0 || s > p {
			return nil, unsupported(table, col, fmt.Sprintf("DECIMAL(%d,%d) is not a valid MySQL decimal", p, s))
		}
		exact := func(v any) (decimal.Decimal, error) {
			d, ok := v.(decimal.Decimal)
			if !ok {
				return d, wrongType(v, "decimal.Decimal")
			}
			if reason := decimalFits(d, p, s); reason != "" {
				return d, bad(v, reason, ErrUnrepresentable)
			}
			return d, nil
		}
		if p <= 38 || f.Decimal256 {
			base = fmt.Sprintf("Decimal(%d, %d)", p, s)
			setColumn(c, columnSpec[decimal.Decimal]{width: 16, conv: exact, zero: decimal.Zero})
			setScan(c, func(x decimal.Decimal) any { return x })
		} else {
			base = "String"
			setColumn(c, columnSpec[string]{size: stringSize, zero: "0", conv: func(v any) (string, error) {
				d, err := exact(v)
				if err != nil {
					return "", err
				}
				return d.StringFixed(int32(s)), nil
			}})
			c.newDest, c.decode = scanFunc(c.nullable, func(x string) (any, error) { return decimal.NewFromString(x) })
		}
	case t.Kind == cdc.KindDate:
		if opts.DatesAsText {
			base = "String"
			setTextTime(c, "2006-01-02", bad, wrongType)
		} else {
			base = "Date"
			setNativeTime(c, dateMin, dateMax, 0, true, bad, wrongType)
		}
	case t.Kind == cdc.KindDateTime || t.Kind == cdc.KindTimestamp:
		fsp := t.FSP
		if fsp < 0 || fsp > 6 {
			return nil, unsupported(table, col, fmt.Sprintf("fractional seconds precision %d is outside 0-6", fsp))
		}
		layout := "2006-01-02 15:04:05"
		if fsp > 0 {
			layout += "." + strings.Repeat("0", fsp)
		}
		switch {
		case opts.DatesAsText || (fsp > 0 && !f.DateTime64):
			base = "String"
			setTextTime(c, layout, bad, wrongType)
		case fsp == 0:
			base = "DateTime('UTC')"
			setNativeTime(c, dateTimeMin, dateTimeMax, 0, false, bad, wrongType)
		default:
			base = fmt.Sprintf("DateTime64(%d, 'UTC')", fsp)
			setNativeTime(c, dateTime64Min, dateTime64Max, fsp, false, bad, wrongType)
		}
	case t.Kind == cdc.KindTime:
		base = "Int64"
		setColumn(c, columnSpec[int64]{width: 8, conv: func(v any) (int64, error) {
			d, ok := v.(time.Duration)
			if !ok {
				return 0, wrongType(v, "time.Duration")
			}
			if d%time.Microsecond != 0 {
				return 0, bad(v, "has a fraction below a microsecond", ErrUnrepresentable)
			}
			return int64(d / time.Microsecond), nil
		}})
		setScan(c, func(x int64) any { return time.Duration(x) * time.Microsecond })
	case t.Kind.IsText() || t.Kind == cdc.KindSet || t.Kind == cdc.KindEnum:
		base = "String"
		lowCardinality := t.Kind == cdc.KindEnum && f.LowCardinality
		if lowCardinality {
			base = "LowCardinality(String)"
		}
		// clickhouse-go appends a slice to a LowCardinality column one
		// value at a time through reflection, and a []*string for a
		// nullable one by pointer: append its values one by one.
		setColumn(c, columnSpec[string]{size: stringSize, rowWise: lowCardinality, conv: func(v any) (string, error) {
			s, ok := v.(string)
			if !ok {
				return "", wrongType(v, "string")
			}
			return s, nil
		}})
		setScan(c, func(x string) any { return x })
	case t.Kind == cdc.KindJSON:
		base = "String"
		setColumn(c, columnSpec[string]{size: stringSize, conv: func(v any) (string, error) {
			s, ok := v.(cdc.JSON)
			if !ok {
				return "", wrongType(v, "cdc.JSON")
			}
			return string(s), nil
		}})
		setScan(c, func(x string) any { return cdc.JSON(x) })
	case t.Kind.IsBinary() || t.Kind == cdc.KindGeometry:
		base = "String"
		bytesOf := func(v any) ([]byte, error) {
			b, ok := v.([]byte)
			if !ok {
				return nil, wrongType(v, "[]byte")
			}
			return b, nil
		}
		if col.Nullable {
			// clickhouse-go takes no slice of *[]byte: copy to strings.
			setColumn(c, columnSpec[string]{size: stringSize, conv: func(v any) (string, error) {
				b, err := bytesOf(v)
				return string(b), err
			}})
		} else {
			setColumn(c, columnSpec[[]byte]{size: func(b []byte) int { return len(b) + 2 }, zero: []byte{}, conv: bytesOf})
		}
		setScan(c, func(x string) any { return []byte(x) })
	case t.Kind == cdc.KindVector:
		if col.Nullable {
			return nil, unsupported(table, col, "a nullable VECTOR has no exact ClickHouse type (Array cannot be Nullable); declare it NOT NULL")
		}
		base = "Array(Float32)"
		// clickhouse-go appends a slice of arrays through reflection:
		// append them one by one.
		setColumn(c, columnSpec[[]float32]{size: func(x []float32) int { return 4*len(x) + 2 }, zero: []float32{}, rowWise: true,
			conv: func(v any) ([]float32, error) {
				x, ok := v.([]float32)
				if !ok {
					return nil, wrongType(v, "[]float32")
				}
				return x, nil
			}})
		setScan(c, func(x []float32) any { return x })
	default:
		return nil, unsupported(table, col, "no ClickHouse mapping for this MySQL type")
	}
	c.chType = base
	if col.Nullable {
		if inner, ok := strings.CutPrefix(base, "LowCardinality("); ok {
			c.chType = "LowCardinality(Nullable(" + inner + ")"
		} else {
			c.chType = "Nullable(" + base + ")"
		}
	}
	return c, nil
}

// stringSize estimates the bytes of a String value in a batch.
func stringSize(s string) int { return len(s) + 2 }

// decimalFits returns why d does not fit DECIMAL(p, s), or "" when it does.
// The common case, a coefficient of at most 18 digits whose exponent is
// -s or more, is decided without big-number arithmetic.
func decimalFits(d decimal.Decimal, p, s int) string {
	e := int(d.Exponent())
	if e >= -s {
		// At most s digits after the point; the integer part has
		// digits(coefficient) + e digits (none when that is not positive).
		if d.IsZero() || d.NumDigits()+e <= p-s {
			return ""
		}
		return fmt.Sprintf("has more than %d digits before the point", p-s)
	}
	if !d.Round(int32(s)).Equal(d) {
		return fmt.Sprintf("has more than %d digits after the point", s)
	}
	if t := d.Truncate(0); !t.IsZero() && len(t.Abs().Coefficient().String()) > p-s {
		return fmt.Sprintf("has more than %d digits before the point", p-s)
	}
	return ""
}

type badFunc func(v any, reason string, sentinel error) error
type wrongTypeFunc func(v any, want string) error

func setSigned(c *codec, bits int, bad badFunc, wrongType wrongTypeFunc) {
	switch bits {
	case 8:
		setInteger[int8](c, bits, math.MinInt8, math.MaxInt8, bad, wrongType)
		setScan(c, func(x int8) any { return int64(x) })
	case 16:
		setInteger[int16](c, bits, math.MinInt16, math.MaxInt16, bad, wrongType)
		setScan(c, func(x int16) any { return int64(x) })
	case 32:
		setInteger[int32](c, bits, math.MinInt32, math.MaxInt32, bad, wrongType)
		setScan(c, func(x int32) any { return int64(x) })
	default:
		setInteger[int64](c, bits, math.MinInt64, math.MaxInt64, bad, wrongType)
		setScan(c, func(x int64) any { return x })
	}
}

// setInteger sets the buffer of a signed integer column: canonical int64
// values in [lo, hi] stored as T.
func setInteger[T int8 | int16 | int32 | int64](c *codec, bits int, lo, hi int64, bad badFunc, wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[T]{width: 8, conv: func(v any) (T, error) {
		n, ok := v.(int64)
		if !ok {
			return 0, wrongType(v, "int64")
		}
		if n < lo || n > hi {
			return 0, bad(v, fmt.Sprintf("outside Int%d", bits), ErrUnrepresentable)
		}
		return T(n), nil
	}})
}

func setUnsigned(c *codec, bits int, bad badFunc, wrongType wrongTypeFunc) {
	switch bits {
	case 8:
		setUnsignedInteger[uint8](c, bits, math.MaxUint8, bad, wrongType)
		setScan(c, func(x uint8) any { return uint64(x) })
	case 16:
		setUnsignedInteger[uint16](c, bits, math.MaxUint16, bad, wrongType)
		setScan(c, func(x uint16) any { return uint64(x) })
	case 32:
		setUnsignedInteger[uint32](c, bits, math.MaxUint32, bad, wrongType)
		setScan(c, func(x uint32) any { return uint64(x) })
	default:
		setUnsignedInteger[uint64](c, bits, math.MaxUint64, bad, wrongType)
		setScan(c, func(x uint64) any { return x })
	}
}

// setUnsignedInteger sets the buffer of an unsigned integer column:
// canonical uint64 values up to hi stored as T.
func setUnsignedInteger[T uint8 | uint16 | uint32 | uint64](c *codec, bits int, hi uint64, bad badFunc, wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[T]{width: 8, conv: func(v any) (T, error) {
		n, ok := v.(uint64)
		if !ok {
			return 0, wrongType(v, "uint64")
		}
		if n > hi {
			return 0, bad(v, fmt.Sprintf("outside UInt%d", bits), ErrUnrepresentable)
		}
		return T(n), nil
	}})
}

// setNativeTime makes a Date, DateTime or DateTime64 codec that refuses
// values outside [lo, hi), zero dates and digits the precision cannot hold.
// A DateTime column buffers seconds since the epoch (an int64 is cheaper to
// keep and to hand to clickhouse-go than a time.Time); Date and DateTime64
// buffer the time.Time in UTC.
func setNativeTime(c *codec, lo, hi time.Time, fsp int, dateOnly bool, bad badFunc, wrongType wrongTypeFunc) {
	unit := int64(math.Pow10(9 - fsp))
	loSec, hiSec := lo.Unix(), hi.Unix()
	check := func(v any) (time.Time, error) {
		tm, ok := v.(time.Time)
		if !ok {
			if z, isZero := v.(cdc.ZeroTime); isZero {
				return tm, bad(z, "a zero date has no value in ClickHouse's native date types; set MappingOptions.DatesAsText to store it as text", ErrUnrepresentable)
			}
			return tm, wrongType(v, "time.Time")
		}
		if sec := tm.Unix(); sec < loSec || sec >= hiSec {
			return tm, bad(v, fmt.Sprintf("outside the range of the ClickHouse type [%s, %s); set MappingOptions.DatesAsText to store it as text",
				lo.Format(time.DateOnly), hi.Format(time.DateOnly)), ErrUnrepresentable)
		}
		ns := int64(tm.Nanosecond())
		if dateOnly && (tm.Unix()%86400 != 0 || ns != 0) {
			return tm, bad(v, "a DATE must be midnight UTC", ErrUnrepresentable)
		}
		if ns%unit != 0 {
			return tm, bad(v, fmt.Sprintf("has more than %d fractional digits", fsp), ErrUnrepresentable)
		}
		return tm, nil
	}
	switch {
	case dateOnly:
		setColumn(c, columnSpec[time.Time]{width: 8, zero: lo, conv: func(v any) (time.Time, error) {
			tm, err := check(v)
			return tm.UTC(), err
		}})
		setScan(c, func(x time.Time) any {
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		})
	case fsp == 0:
		setColumn(c, columnSpec[int64]{width: 8, zero: loSec, conv: func(v any) (int64, error) {
			tm, err := check(v)
			return tm.Unix(), err
		}})
		setScan(c, func(x time.Time) any { return x.UTC() })
	default:
		setColumn(c, columnSpec[time.Time]{width: 8, zero: lo, conv: func(v any) (time.Time, error) {
			tm, err := check(v)
			return tm.UTC(), err
		}})
		setScan(c, func(x time.Time) any { return x.UTC() })
	}
}

// setTextTime makes a String codec for a temporal column: time.Time values
// in layout, zero dates as the server's text.
func setTextTime(c *codec, layout string, bad badFunc, wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[string]{size: stringSize, conv: func(v any) (string, error) {
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(layout), nil
		case cdc.ZeroTime:
			return string(x), nil
		}
		return "", wrongType(v, "time.Time or cdc.ZeroTime")
	}})
	c.newDest, c.decode = scanFunc(c.nullable, func(s string) (any, error) {
		if tm, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return tm, nil
		}
		return cdc.ZeroTime(s), nil
	})
}

// setScan sets the scan destination and decoder of c for ClickHouse values
// of Go type T converted by conv.
func setScan[T any](c *codec, conv func(T) any) {
	c.newDest, c.decode = scanFunc(c.nullable, func(x T) (any, error) { return conv(x), nil })
}

func scanFunc[T any](nullable bool, conv func(T) (any, error)) (func() any, func(any) (any, error)) {
	if nullable {
		return func() any { return new(*T) }, func(dest any) (any, error) {
			p := *(dest.(**T))
			if p == nil {
				return nil, nil
			}
			return conv(*p)
		}
	}
	return func() any { return new(T) }, func(dest any) (any, error) { return conv(*(dest.(*T))) }
}
