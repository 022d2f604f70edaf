package clickhouse

import (
	"fmt"
	"math"
	"strconv"
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
	// retypeHint, set when the codec writes an existing column's type
	// rather than the mapping's, names both and says how to retype the
	// column; it follows the reason of each value the type refuses.
	retypeHint string
	// nullRefusal, when set, explains why a NULL is refused: the source
	// column is nullable, the existing ClickHouse column is not.
	nullRefusal string
}

// chType is a ClickHouse column type taken apart: the mapping chooses one,
// and the type of an existing column, as system.columns spells it, parses
// into one ([parseCHType]).
type chType struct {
	// base is the type inside Nullable and LowCardinality without its
	// parameters ("Int32", "Decimal", "DateTime64", "String"), or the whole
	// text of a type this package does not take apart ("Array(Float32)",
	// "FixedString(3)").
	base string
	// precision and scale of a Decimal; precision of a DateTime64.
	precision, scale int
	// timeZone of a DateTime or DateTime64; "" means the server's.
	timeZone                 string
	nullable, lowCardinality bool
}

// String returns the type as ClickHouse spells it.
func (t chType) String() string {
	s := t.base
	switch {
	case t.base == "Decimal":
		s = fmt.Sprintf("Decimal(%d, %d)", t.precision, t.scale)
	case t.base == "DateTime" && t.timeZone != "":
		s = fmt.Sprintf("DateTime('%s')", t.timeZone)
	case t.base == "DateTime64" && t.timeZone != "":
		s = fmt.Sprintf("DateTime64(%d, '%s')", t.precision, t.timeZone)
	case t.base == "DateTime64":
		s = fmt.Sprintf("DateTime64(%d)", t.precision)
	}
	if t.nullable {
		s = "Nullable(" + s + ")"
	}
	if t.lowCardinality {
		s = "LowCardinality(" + s + ")"
	}
	return s
}

// parseCHType takes apart the text of a ClickHouse type, such as
// "LowCardinality(Nullable(String))", "Decimal(10, 2)", "Decimal32(3)" or
// "DateTime64(3, 'UTC')". A type it does not know keeps its whole text as
// its base, which no codec writes.
func parseCHType(text string) chType {
	var t chType
	s := strings.TrimSpace(text)
	if inner, ok := unwrapType(s, "LowCardinality"); ok {
		t.lowCardinality, s = true, inner
	}
	if inner, ok := unwrapType(s, "Nullable"); ok {
		t.nullable, s = true, inner
	}
	t.base = s
	name, args, ok := strings.Cut(s, "(")
	if !ok {
		return t
	}
	params := strings.Split(strings.TrimSuffix(args, ")"), ",")
	for i := range params {
		params[i] = strings.Trim(strings.TrimSpace(params[i]), "'")
	}
	number := func(i int) (int, bool) {
		n, err := strconv.Atoi(params[i])
		return n, err == nil && n >= 0
	}
	decimalPrecision := map[string]int{"Decimal32": 9, "Decimal64": 18, "Decimal128": 38, "Decimal256": 76}
	switch {
	case name == "Decimal" && len(params) == 2:
		p, okP := number(0)
		sc, okS := number(1)
		if okP && okS && sc <= p {
			t.base, t.precision, t.scale = name, p, sc
		}
	case decimalPrecision[name] > 0 && len(params) == 1:
		if sc, ok := number(0); ok && sc <= decimalPrecision[name] {
			t.base, t.precision, t.scale = "Decimal", decimalPrecision[name], sc
		}
	case name == "DateTime" && len(params) == 1:
		t.base, t.timeZone = name, params[0]
	case name == "DateTime64" && len(params) <= 2:
		if p, ok := number(0); ok && p <= 9 {
			t.base, t.precision = name, p
			if len(params) == 2 {
				t.timeZone = params[1]
			}
		}
	}
	return t
}

// unwrapType returns the type inside wrapper(...).
func unwrapType(s, wrapper string) (string, bool) {
	inner, ok := strings.CutPrefix(s, wrapper+"(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return s, false
	}
	return strings.TrimSuffix(inner, ")"), true
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

// newCodec builds the codec of one column for the ClickHouse type the
// mapping gives it.
func newCodec(table cdc.TableID, col cdc.Column, f Features, opts MappingOptions) (*codec, error) {
	if col.Name == VersionColumn || col.Name == DeletedColumn {
		return nil, &MappingError{Table: table, Column: col.Name, Type: typeText(col.Type),
			Reason: "the sink adds a column of this name; rename the source column", Err: ErrReservedColumn}
	}
	t, err := mapType(table, col, f, opts)
	if err != nil {
		return nil, err
	}
	c, ok := codecFor(table, col, t)
	if !ok {
		return nil, unsupported(table, col, "no codec for its mapping "+t.String())
	}
	return c, nil
}

// mapType returns the ClickHouse type of col: the type that holds each of
// its values exactly on a server with features f (see the package
// documentation).
func mapType(table cdc.TableID, col cdc.Column, f Features, opts MappingOptions) (chType, error) {
	t := col.Type
	out := chType{nullable: col.Nullable}
	switch {
	case t.Kind.IsInteger():
		out.base = integerType(t)
	case t.Kind == cdc.KindYear:
		out.base = "UInt16"
	case t.Kind == cdc.KindBit:
		out.base = "UInt64"
		if t.Length == 1 && f.Bool {
			out.base = "Bool"
		}
	case t.Kind == cdc.KindFloat:
		out.base = "Float32"
	case t.Kind == cdc.KindDouble:
		out.base = "Float64"
	case t.Kind == cdc.KindDecimal:
		return decimalType(table, col, f, out)
	case t.Kind == cdc.KindDate:
		out.base = "Date"
		if opts.DatesAsText {
			out.base = "String"
		}
	case t.Kind == cdc.KindDateTime || t.Kind == cdc.KindTimestamp:
		return dateTimeType(table, col, f, opts, out)
	case t.Kind == cdc.KindTime:
		out.base = "Int64" // microseconds
	case t.Kind.IsText() || t.Kind == cdc.KindSet || t.Kind == cdc.KindEnum || t.Kind == cdc.KindJSON:
		out.base = "String"
		out.lowCardinality = t.Kind == cdc.KindEnum && f.LowCardinality
	case t.Kind.IsBinary() || t.Kind == cdc.KindGeometry:
		out.base = "String"
	case t.Kind == cdc.KindVector:
		if col.Nullable {
			return out, unsupported(table, col, "a nullable VECTOR has no exact ClickHouse type (Array cannot be Nullable); declare it NOT NULL")
		}
		out.base = "Array(Float32)"
	default:
		return out, unsupported(table, col, "no ClickHouse mapping for this MySQL type")
	}
	return out, nil
}

// integerType is the ClickHouse integer type of a MySQL integer type: as
// many bits, signed or not alike.
func integerType(t cdc.ColumnType) string {
	bits := map[cdc.Kind]int{cdc.KindTinyInt: 8, cdc.KindSmallInt: 16, cdc.KindMediumInt: 32, cdc.KindInt: 32, cdc.KindBigInt: 64}[t.Kind]
	base := fmt.Sprintf("Int%d", bits)
	if t.Unsigned {
		base = "U" + base
	}
	return base
}

// decimalType completes out for a DECIMAL column: Decimal of the same
// precision and scale where the server has it, else String.
func decimalType(table cdc.TableID, col cdc.Column, f Features, out chType) (chType, error) {
	p, s := col.Type.Precision, col.Type.Scale
	if p <= 0 || p > 65 || s < 0 || s > p {
		return out, unsupported(table, col, fmt.Sprintf("DECIMAL(%d,%d) is not a valid MySQL decimal", p, s))
	}
	out.base = "String"
	if p <= 38 || f.Decimal256 {
		out.base, out.precision, out.scale = "Decimal", p, s
	}
	return out, nil
}

// dateTimeType completes out for a DATETIME or TIMESTAMP column: DateTime,
// DateTime64 with its fractional seconds, or String where the server lacks
// DateTime64 or opts asks for text.
func dateTimeType(table cdc.TableID, col cdc.Column, f Features, opts MappingOptions, out chType) (chType, error) {
	fsp := col.Type.FSP
	if fsp < 0 || fsp > 6 {
		return out, unsupported(table, col, fmt.Sprintf("fractional seconds precision %d is outside 0-6", fsp))
	}
	switch {
	case opts.DatesAsText || (fsp > 0 && !f.DateTime64):
		out.base = "String"
	case fsp == 0:
		out.base, out.timeZone = "DateTime", "UTC"
	default:
		out.base, out.precision, out.timeZone = "DateTime64", fsp, "UTC"
	}
	return out, nil
}

// codecFor builds the codec that writes col's canonical values into a
// ClickHouse column of type t and reads them back. The mapping's type
// always has one; other types have one when they can hold the column's
// values (an integer in a wider or narrower integer type, a date in a
// DateTime, anything textual in a String, ...), and the codec refuses, as
// ErrUnrepresentable, each value the type cannot hold exactly. It reports
// false when t cannot hold the column's kind at all.
func codecFor(table cdc.TableID, col cdc.Column, t chType) (*codec, bool) {
	c := &codec{name: col.Name, col: col, chType: t.String(), nullable: t.nullable}
	bad := func(v any, reason string, sentinel error) error {
		return &ValueError{Table: table, Column: col.Name, Value: fmt.Sprintf("%v", v), Reason: reason, Err: sentinel}
	}
	wrongType := func(v any, want string) error {
		return bad(v, fmt.Sprintf("got Go type %T, want the canonical %s for %s", v, want, col.Type.Kind), nil)
	}
	k := col.Type.Kind
	if t.lowCardinality && t.base != "String" {
		return nil, false
	}
	switch t.base {
	case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64":
		src, ok := integerSourceOf(col.Type)
		if !ok {
			return nil, false
		}
		setIntegerTarget(c, t.base, src, bad, wrongType)
	case "Bool":
		src, ok := integerSourceOf(col.Type)
		if !ok || src == fromMicros {
			return nil, false
		}
		setBool(c, src, bad, wrongType)
	case "Float32", "Float64":
		if k != cdc.KindFloat && k != cdc.KindDouble {
			return nil, false
		}
		setFloat(c, k == cdc.KindFloat, t.base == "Float32", bad, wrongType)
	case "Decimal":
		if k != cdc.KindDecimal {
			return nil, false
		}
		setDecimal(c, col.Type.Precision, col.Type.Scale, t.precision, t.scale, bad, wrongType)
	case "String":
		if !setString(c, col, t.lowCardinality, bad, wrongType) {
			return nil, false
		}
	case "Date":
		if k != cdc.KindDate {
			return nil, false
		}
		setNativeTime(c, dateMin, dateMax, 0, true, bad, wrongType)
	case "DateTime", "DateTime64":
		if k != cdc.KindDate && k != cdc.KindDateTime && k != cdc.KindTimestamp {
			return nil, false
		}
		if t.base == "DateTime" {
			setNativeTime(c, dateTimeMin, dateTimeMax, 0, false, bad, wrongType)
		} else {
			setNativeTime(c, dateTime64Min, dateTime64Max, t.precision, false, bad, wrongType)
		}
	case "Array(Float32)":
		if k != cdc.KindVector || t.nullable {
			return nil, false
		}
		setVector(c, wrongType)
	default:
		return nil, false
	}
	return c, true
}

// setVector sets the buffer of an Array(Float32) column holding VECTOR
// values.
func setVector(c *codec, wrongType wrongTypeFunc) {
	// clickhouse-go appends a slice of arrays through reflection: append
	// them one by one.
	setColumn(c, columnSpec[[]float32]{size: func(x []float32) int { return 4*len(x) + 2 }, zero: []float32{}, rowWise: true,
		conv: func(v any) ([]float32, error) {
			x, ok := v.([]float32)
			if !ok {
				return nil, wrongType(v, "[]float32")
			}
			return x, nil
		}})
	setScan(c, func(x []float32) any { return x })
}

// integerSource says how a column kind's canonical values read as
// integers.
type integerSource int

const (
	fromInt64  integerSource = iota + 1 // signed integers and YEAR: int64
	fromUint64                          // unsigned integers and BIT: uint64
	fromMicros                          // TIME: time.Duration, as microseconds
)

func integerSourceOf(t cdc.ColumnType) (integerSource, bool) {
	switch {
	case t.Kind.IsInteger() && t.Unsigned, t.Kind == cdc.KindBit:
		return fromUint64, true
	case t.Kind.IsInteger(), t.Kind == cdc.KindYear:
		return fromInt64, true
	case t.Kind == cdc.KindTime:
		return fromMicros, true
	}
	return 0, false
}

// setIntegerTarget sets the buffer of an integer column of ClickHouse type
// base.
func setIntegerTarget(c *codec, base string, src integerSource, bad badFunc, wrongType wrongTypeFunc) {
	switch base {
	case "Int8":
		setInteger[int8](c, base, math.MinInt8, math.MaxInt8, src, bad, wrongType)
	case "Int16":
		setInteger[int16](c, base, math.MinInt16, math.MaxInt16, src, bad, wrongType)
	case "Int32":
		setInteger[int32](c, base, math.MinInt32, math.MaxInt32, src, bad, wrongType)
	case "Int64":
		setInteger[int64](c, base, math.MinInt64, math.MaxInt64, src, bad, wrongType)
	case "UInt8":
		setInteger[uint8](c, base, 0, math.MaxUint8, src, bad, wrongType)
	case "UInt16":
		setInteger[uint16](c, base, 0, math.MaxUint16, src, bad, wrongType)
	case "UInt32":
		setInteger[uint32](c, base, 0, math.MaxUint32, src, bad, wrongType)
	default:
		setInteger[uint64](c, base, 0, math.MaxUint64, src, bad, wrongType)
	}
}

type integer interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64
}

// setInteger sets the buffer of an integer column stored as T, which holds
// [lo, hi]: canonical values outside are refused.
func setInteger[T integer](c *codec, name string, lo int64, hi uint64, src integerSource, bad badFunc, wrongType wrongTypeFunc) {
	outside := "outside " + name
	signedFits := func(n int64) bool { return n >= lo && (n <= 0 || uint64(n) <= hi) }
	switch src {
	case fromUint64:
		setColumn(c, columnSpec[T]{width: 8, conv: func(v any) (T, error) {
			n, ok := v.(uint64)
			if !ok {
				return 0, wrongType(v, "uint64")
			}
			if n > hi {
				return 0, bad(v, outside, ErrUnrepresentable)
			}
			return T(n), nil
		}})
		setScan(c, func(x T) any { return uint64(x) })
	case fromMicros:
		setColumn(c, columnSpec[T]{width: 8, conv: func(v any) (T, error) {
			d, ok := v.(time.Duration)
			if !ok {
				return 0, wrongType(v, "time.Duration")
			}
			if d%time.Microsecond != 0 {
				return 0, bad(v, "has a fraction below a microsecond", ErrUnrepresentable)
			}
			n := int64(d / time.Microsecond)
			if !signedFits(n) {
				return 0, bad(v, outside+" as microseconds", ErrUnrepresentable)
			}
			return T(n), nil
		}})
		setScan(c, func(x T) any { return time.Duration(x) * time.Microsecond })
	default:
		setColumn(c, columnSpec[T]{width: 8, conv: func(v any) (T, error) {
			n, ok := v.(int64)
			if !ok {
				return 0, wrongType(v, "int64")
			}
			if !signedFits(n) {
				return 0, bad(v, outside, ErrUnrepresentable)
			}
			return T(n), nil
		}})
		setScan(c, func(x T) any { return int64(x) })
	}
}

// setBool sets the buffer of a Bool column: canonical integers 0 and 1.
func setBool(c *codec, src integerSource, bad badFunc, wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[bool]{width: 8, conv: func(v any) (bool, error) {
		var n uint64
		switch x := v.(type) {
		case uint64:
			if src != fromUint64 {
				return false, wrongType(v, "int64")
			}
			n = x
		case int64:
			if src != fromInt64 {
				return false, wrongType(v, "uint64")
			}
			if x < 0 {
				return false, bad(v, "outside Bool (0 or 1)", ErrUnrepresentable)
			}
			n = uint64(x)
		default:
			if src == fromUint64 {
				return false, wrongType(v, "uint64")
			}
			return false, wrongType(v, "int64")
		}
		if n > 1 {
			return false, bad(v, "outside Bool (0 or 1)", ErrUnrepresentable)
		}
		return n == 1, nil
	}})
	setScan(c, func(x bool) any {
		var n uint64
		if x {
			n = 1
		}
		if src == fromUint64 {
			return n
		}
		return int64(n)
	})
}

// setFloat sets the buffer of a Float32 or Float64 column for a FLOAT or
// DOUBLE source; a DOUBLE in Float32 must be exact.
func setFloat(c *codec, fromFloat32, toFloat32 bool, bad badFunc, wrongType wrongTypeFunc) {
	switch {
	case fromFloat32 && toFloat32:
		setColumn(c, columnSpec[float32]{width: 8, conv: func(v any) (float32, error) {
			x, ok := v.(float32)
			if !ok {
				return 0, wrongType(v, "float32")
			}
			return x, nil
		}})
		setScan(c, func(x float32) any { return x })
	case fromFloat32:
		setColumn(c, columnSpec[float64]{width: 8, conv: func(v any) (float64, error) {
			x, ok := v.(float32)
			if !ok {
				return 0, wrongType(v, "float32")
			}
			return float64(x), nil
		}})
		setScan(c, func(x float64) any { return float32(x) })
	case toFloat32:
		setColumn(c, columnSpec[float32]{width: 8, conv: func(v any) (float32, error) {
			x, ok := v.(float64)
			if !ok {
				return 0, wrongType(v, "float64")
			}
			if f := float32(x); float64(f) != x && !math.IsNaN(x) {
				return 0, bad(v, "has no exact Float32 value", ErrUnrepresentable)
			}
			return float32(x), nil
		}})
		setScan(c, func(x float32) any { return float64(x) })
	default:
		setColumn(c, columnSpec[float64]{width: 8, conv: func(v any) (float64, error) {
			x, ok := v.(float64)
			if !ok {
				return 0, wrongType(v, "float64")
			}
			return x, nil
		}})
		setScan(c, func(x float64) any { return x })
	}
}

// setDecimal sets the buffer of a Decimal(tp, ts) column for a
// DECIMAL(p, s) source: a value must fit DECIMAL(p, s) and, when the
// column is narrower in either part, the column too.
func setDecimal(c *codec, p, s, tp, ts int, bad badFunc, wrongType wrongTypeFunc) {
	narrower := ts < s || tp-ts < p-s
	conv := func(v any) (decimal.Decimal, error) {
		d, ok := v.(decimal.Decimal)
		if !ok {
			return d, wrongType(v, "decimal.Decimal")
		}
		if reason := decimalFits(d, p, s); reason != "" {
			return d, bad(v, reason, ErrUnrepresentable)
		}
		if narrower {
			if reason := decimalFits(d, tp, ts); reason != "" {
				return d, bad(v, reason, ErrUnrepresentable)
			}
		}
		return d, nil
	}
	if tp <= 18 {
		// Decimal32 and Decimal64: the values as int64 units of the scale.
		nullable := c.nullable
		c.newBuffer = func(capacity int) columnBuffer { return newDecimalColumn(capacity, nullable, ts, conv) }
	} else {
		setColumn(c, columnSpec[decimal.Decimal]{width: 16, zero: decimal.Zero, conv: conv})
	}
	setScan(c, func(x decimal.Decimal) any { return x })
}

// setString sets the buffer of a String (or LowCardinality(String)) column:
// text as it is, JSON as its text, bytes as they are, and decimals, dates,
// times and numbers as text that reads back to the same value. It reports
// false for VECTOR and TIME, which have no text form here.
func setString(c *codec, col cdc.Column, lowCardinality bool, bad badFunc, wrongType wrongTypeFunc) bool {
	t := col.Type
	switch {
	case t.Kind.IsText() || t.Kind == cdc.KindSet || t.Kind == cdc.KindEnum:
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
		setColumn(c, columnSpec[string]{size: stringSize, rowWise: lowCardinality, conv: func(v any) (string, error) {
			s, ok := v.(cdc.JSON)
			if !ok {
				return "", wrongType(v, "cdc.JSON")
			}
			return string(s), nil
		}})
		setScan(c, func(x string) any { return cdc.JSON(x) })
	case t.Kind.IsBinary() || t.Kind == cdc.KindGeometry:
		setBytesString(c, lowCardinality, wrongType)
	case t.Kind == cdc.KindDecimal:
		setDecimalString(c, t.Precision, t.Scale, lowCardinality, bad, wrongType)
	case t.Kind == cdc.KindDate:
		setTextTime(c, "2006-01-02", lowCardinality, wrongType)
	case t.Kind == cdc.KindDateTime || t.Kind == cdc.KindTimestamp:
		layout := "2006-01-02 15:04:05"
		if t.FSP > 0 {
			layout += "." + strings.Repeat("0", t.FSP)
		}
		setTextTime(c, layout, lowCardinality, wrongType)
	case t.Kind.IsInteger() || t.Kind == cdc.KindYear || t.Kind == cdc.KindBit || t.Kind == cdc.KindFloat || t.Kind == cdc.KindDouble:
		setNumberString(c, t, lowCardinality, wrongType)
	default:
		return false
	}
	return true
}

// setBytesString sets the buffer of a String column holding binary
// values, as they are.
func setBytesString(c *codec, lowCardinality bool, wrongType wrongTypeFunc) {
	bytesOf := func(v any) ([]byte, error) {
		b, ok := v.([]byte)
		if !ok {
			return nil, wrongType(v, "[]byte")
		}
		return b, nil
	}
	if c.nullable || lowCardinality {
		// clickhouse-go takes no slice of *[]byte: copy to strings.
		setColumn(c, columnSpec[string]{size: stringSize, rowWise: lowCardinality, conv: func(v any) (string, error) {
			b, err := bytesOf(v)
			return string(b), err
		}})
	} else {
		setColumn(c, columnSpec[[]byte]{size: func(b []byte) int { return len(b) + 2 }, zero: []byte{}, conv: bytesOf})
	}
	setScan(c, func(x string) any { return []byte(x) })
}

// setDecimalString sets the buffer of a String column holding DECIMAL(p,s)
// values, as text with s decimals.
func setDecimalString(c *codec, p, s int, lowCardinality bool, bad badFunc, wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[string]{size: stringSize, zero: "0", rowWise: lowCardinality, conv: func(v any) (string, error) {
		d, ok := v.(decimal.Decimal)
		if !ok {
			return "", wrongType(v, "decimal.Decimal")
		}
		if reason := decimalFits(d, p, s); reason != "" {
			return "", bad(v, reason, ErrUnrepresentable)
		}
		return d.StringFixed(int32(s)), nil
	}})
	c.newDest, c.decode = scanFunc(c.nullable, func(x string) (any, error) { return decimal.NewFromString(x) })
}

// setNumberString sets the buffer of a String column holding integers,
// YEAR, BIT, FLOAT or DOUBLE values, as text that reads back to the same
// value.
func setNumberString(c *codec, t cdc.ColumnType, lowCardinality bool, wrongType wrongTypeFunc) {
	switch {
	case t.Kind == cdc.KindFloat:
		setNumberText(c, lowCardinality, "float32", func(x float32) string { return strconv.FormatFloat(float64(x), 'g', -1, 32) },
			func(s string) (float32, error) { f, err := strconv.ParseFloat(s, 32); return float32(f), err }, wrongType)
	case t.Kind == cdc.KindDouble:
		setNumberText(c, lowCardinality, "float64", func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) },
			func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, wrongType)
	case t.Kind == cdc.KindBit || t.Unsigned:
		setNumberText(c, lowCardinality, "uint64", func(x uint64) string { return strconv.FormatUint(x, 10) },
			func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }, wrongType)
	default:
		setNumberText(c, lowCardinality, "int64", func(x int64) string { return strconv.FormatInt(x, 10) },
			func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, wrongType)
	}
}

// setNumberText sets the buffer of a String column holding numbers of Go
// type N, written by format and read back by parse.
func setNumberText[N int64 | uint64 | float32 | float64](c *codec, lowCardinality bool, want string, format func(N) string, parse func(string) (N, error), wrongType wrongTypeFunc) {
	setColumn(c, columnSpec[string]{size: stringSize, zero: "0", rowWise: lowCardinality, conv: func(v any) (string, error) {
		x, ok := v.(N)
		if !ok {
			return "", wrongType(v, want)
		}
		return format(x), nil
	}})
	c.newDest, c.decode = scanFunc(c.nullable, func(s string) (any, error) { return parse(s) })
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

// asTextHint is the fix for dates the native types cannot hold.
const asTextHint = "set MappingOptions.DatesAsText to store such dates as text (the column of an existing table must then be String too)"

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
				return tm, bad(z, "a zero date has no value in ClickHouse's native date types; "+asTextHint, ErrUnrepresentable)
			}
			return tm, wrongType(v, "time.Time")
		}
		if sec := tm.Unix(); sec < loSec || sec >= hiSec {
			return tm, bad(v, fmt.Sprintf("outside the range of the ClickHouse type [%s, %s); %s",
				lo.Format(time.DateOnly), hi.Format(time.DateOnly), asTextHint), ErrUnrepresentable)
		}
		ns := int64(tm.Nanosecond())
		if dateOnly && (tm.Unix()%86400 != 0 || ns != 0) {
			return tm, bad(v, "a DATE must be midnight UTC", ErrUnrepresentable)
		}
		if ns%unit != 0 {
			if fsp == 0 {
				return tm, bad(v, "has a fraction of a second, which the ClickHouse type does not hold", ErrUnrepresentable)
			}
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
func setTextTime(c *codec, layout string, lowCardinality bool, wrongType wrongTypeFunc) {
	dateOnly, fsp := layout == time.DateOnly, max(len(layout)-len(time.DateTime)-1, 0)
	appendText := func(dst []byte, v any) ([]byte, error) {
		switch x := v.(type) {
		case time.Time:
			return appendTextTime(dst, x.UTC(), layout, dateOnly, fsp), nil
		case cdc.ZeroTime:
			return append(dst, x...), nil
		}
		return dst, wrongType(v, "time.Time or cdc.ZeroTime")
	}
	setColumn(c, columnSpec[string]{size: stringSize, rowWise: lowCardinality, appendText: appendText, conv: func(v any) (string, error) {
		var buf [32]byte
		text, err := appendText(buf[:0], v)
		return string(text), err
	}})
	c.newDest, c.decode = scanFunc(c.nullable, func(s string) (any, error) {
		if tm, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return tm, nil
		}
		return cdc.ZeroTime(s), nil
	})
}

// appendTextTime appends t, in UTC, as time.Format(layout) would: layout is
// time.DateOnly (dateOnly), time.DateTime, or time.DateTime followed by a
// point and fsp zeros. It writes the digits itself, a fifth of Format's
// work, for the years 0 to 9999 that MySQL's dates have, and leaves any
// other year to Format.
func appendTextTime(dst []byte, t time.Time, layout string, dateOnly bool, fsp int) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, layout)
	}
	dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10))
	if dateOnly {
		return dst
	}
	hour, minute, second := t.Clock()
	dst = append(dst, ' ', byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10))
	if fsp > 0 {
		dst = append(dst, '.')
		ns := t.Nanosecond()
		for div := 100_000_000; fsp > 0; fsp, div = fsp-1, div/10 {
			dst = append(dst, byte('0'+ns/div%10))
		}
	}
	return dst
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
