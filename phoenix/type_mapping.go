package phoenix

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// Layout chooses how cdc columns become Phoenix columns.
type Layout int

const (
	// LayoutTyped gives each column the Phoenix type of the package
	// documentation's table (the default).
	LayoutTyped Layout = iota
	// LayoutAllVarchar makes every column VARCHAR and writes each value as
	// text, the layout of many DIM tables (gmall's among them): readers do
	// not depend on the source's types, and a type change upstream never
	// breaks the table. The package documentation gives the text forms.
	LayoutAllVarchar
)

// String returns "typed" or "all-varchar".
func (l Layout) String() string {
	switch l {
	case LayoutTyped:
		return "typed"
	case LayoutAllVarchar:
		return "all-varchar"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// maxDecimalPrecision is Phoenix's largest DECIMAL precision.
const maxDecimalPrecision = 38

// UnmappableTypeError is returned for a column whose type has no Phoenix
// type in the layout asked for. It matches [ErrUnmappableType].
type UnmappableTypeError struct {
	Table  cdc.TableID
	Column string
	Type   cdc.ColumnType
	// Reason says why, and what to do instead.
	Reason string
}

// Error names the table, the column, its type, and the fix.
func (e *UnmappableTypeError) Error() string {
	typ := e.Type.Raw
	if typ == "" {
		typ = e.Type.Kind.String()
	}
	return fmt.Sprintf("phoenix: column %s.%s of type %s cannot be mapped to Phoenix: %s", e.Table, e.Column, typ, e.Reason)
}

// Unwrap returns [ErrUnmappableType].
func (e *UnmappableTypeError) Unwrap() error { return ErrUnmappableType }

// converter turns a canonical cdc value (see package cdc's value table) into
// the value bound for the Phoenix column: int64, float64, bool, string,
// []byte, time.Time or nil, the types avatica-go binds.
type converter func(v any) (driver.Value, error)

// columnMapping is one column's Phoenix type and value converter.
type columnMapping struct {
	Name    string
	SQLType string
	convert converter
}

// PhoenixType returns the Phoenix type of a column of type ct in layout, such
// as "BIGINT" or "DECIMAL(20,0)", or an error matching [ErrUnmappableType].
func PhoenixType(ct cdc.ColumnType, layout Layout) (string, error) {
	m, err := mapColumn(cdc.TableID{}, cdc.Column{Name: "?", Type: ct}, layout)
	if err != nil {
		return "", err
	}
	return m.SQLType, nil
}

func mapColumn(table cdc.TableID, col cdc.Column, layout Layout) (columnMapping, error) {
	fail := func(reason string) (columnMapping, error) {
		return columnMapping{}, &UnmappableTypeError{Table: table, Column: col.Name, Type: col.Type, Reason: reason}
	}
	if err := CheckIdentifier(col.Name); err != nil {
		return columnMapping{}, fmt.Errorf("phoenix: column %s.%s: %w", table, col.Name, err)
	}
	if col.Type.Kind == cdc.KindUnknown || col.Type.Kind > cdc.KindVector {
		return fail("the column's type is unknown to rtdw; capture it as a known MySQL type")
	}
	if layout == LayoutAllVarchar {
		return columnMapping{Name: col.Name, SQLType: "VARCHAR", convert: textConverter(col.Type)}, nil
	}
	ct := col.Type
	switch k := ct.Kind; {
	case k.IsInteger():
		return columnMapping{Name: col.Name, SQLType: integerType(ct), convert: integerConverter(ct)}, nil
	case k == cdc.KindDecimal:
		if ct.Precision > maxDecimalPrecision {
			return fail(fmt.Sprintf("Phoenix's DECIMAL holds at most %d digits, the column %d; use LayoutAllVarchar, or narrow the column upstream", maxDecimalPrecision, ct.Precision))
		}
		return columnMapping{Name: col.Name, SQLType: fmt.Sprintf("DECIMAL(%d,%d)", ct.Precision, ct.Scale), convert: decimalConverter}, nil
	case k == cdc.KindFloat:
		return columnMapping{Name: col.Name, SQLType: "FLOAT", convert: floatConverter}, nil
	case k == cdc.KindDouble:
		return columnMapping{Name: col.Name, SQLType: "DOUBLE", convert: floatConverter}, nil
	case k == cdc.KindBit:
		if ct.Length >= 64 {
			return columnMapping{Name: col.Name, SQLType: "DECIMAL(20,0)", convert: unsignedDecimalConverter}, nil
		}
		return columnMapping{Name: col.Name, SQLType: "BIGINT", convert: integerConverter(ct)}, nil
	case k == cdc.KindYear:
		return columnMapping{Name: col.Name, SQLType: "SMALLINT", convert: integerConverter(ct)}, nil
	case k == cdc.KindDate:
		return columnMapping{Name: col.Name, SQLType: "DATE", convert: timeConverter}, nil
	case k == cdc.KindDateTime || k == cdc.KindTimestamp:
		return columnMapping{Name: col.Name, SQLType: "TIMESTAMP", convert: timeConverter}, nil
	case k == cdc.KindTime:
		return columnMapping{Name: col.Name, SQLType: "BIGINT", convert: durationMicrosConverter}, nil
	case k.IsText() || k == cdc.KindEnum || k == cdc.KindSet || k == cdc.KindJSON:
		return columnMapping{Name: col.Name, SQLType: "VARCHAR", convert: stringConverter}, nil
	case k == cdc.KindBinary:
		return columnMapping{Name: col.Name, SQLType: fmt.Sprintf("BINARY(%d)", max(ct.Length, 1)), convert: bytesConverter}, nil
	case k.IsBinary() || k == cdc.KindGeometry:
		return columnMapping{Name: col.Name, SQLType: "VARBINARY", convert: bytesConverter}, nil
	case k == cdc.KindVector:
		return fail("avatica-go cannot bind Phoenix arrays; use LayoutAllVarchar (the vector as JSON text) or leave the column out")
	}
	return fail("no Phoenix type for this kind")
}

// integerType picks the narrowest Phoenix integer type that holds every
// value of ct. Phoenix's UNSIGNED_* types hold only the non-negative half of
// the signed range (they exist to read HBase's Bytes.toBytes encoding), so
// an unsigned MySQL column goes to the next wider signed type.
func integerType(ct cdc.ColumnType) string {
	switch ct.Kind {
	case cdc.KindTinyInt:
		if ct.Unsigned {
			return "SMALLINT"
		}
		return "TINYINT"
	case cdc.KindSmallInt:
		if ct.Unsigned {
			return "INTEGER"
		}
		return "SMALLINT"
	case cdc.KindMediumInt:
		return "INTEGER"
	case cdc.KindInt:
		if ct.Unsigned {
			return "BIGINT"
		}
		return "INTEGER"
	}
	if ct.Unsigned {
		return "DECIMAL(20,0)"
	}
	return "BIGINT"
}

func integerConverter(ct cdc.ColumnType) converter {
	if ct.Kind == cdc.KindBigInt && ct.Unsigned {
		return unsignedDecimalConverter
	}
	return func(v any) (driver.Value, error) {
		switch v := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return v, nil
		case uint64:
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("%d overflows the column's type", v)
			}
			return int64(v), nil
		case int:
			return int64(v), nil
		case int32:
			return int64(v), nil
		}
		return nil, fmt.Errorf("%T is not an integer", v)
	}
}

func unsignedDecimalConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	}
	return nil, fmt.Errorf("%T is not an unsigned integer", v)
}

func decimalConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case decimal.Decimal:
		return v.String(), nil
	case string:
		if _, err := decimal.NewFromString(v); err != nil {
			return nil, fmt.Errorf("%q is not a decimal", v)
		}
		return v, nil
	}
	return nil, fmt.Errorf("%T is not a decimal.Decimal", v)
}

func floatConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case float32:
		// Through the decimal text, so that 0.1f binds as 0.1 and not
		// 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		return f, nil
	case float64:
		return v, nil
	}
	return nil, fmt.Errorf("%T is not a float", v)
}

func timeConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return v.UTC(), nil
	case cdc.ZeroTime:
		// MySQL's zero dates have no TIMESTAMP or DATE value: NULL, as
		// Debezium and Flink CDC write them.
		return nil, nil
	}
	return nil, fmt.Errorf("%T is not a time.Time", v)
}

func durationMicrosConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case time.Duration:
		return v.Microseconds(), nil
	}
	return nil, fmt.Errorf("%T is not a time.Duration", v)
}

func stringConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil
	case cdc.JSON:
		return string(v), nil
	case []byte:
		return string(v), nil
	}
	return nil, fmt.Errorf("%T is not a string", v)
}

func bytesConverter(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%T is not []byte", v)
}

// textConverter writes a canonical value as the text LayoutAllVarchar
// stores (see the package documentation).
func textConverter(ct cdc.ColumnType) converter {
	return func(v any) (driver.Value, error) {
		if v == nil {
			return nil, nil
		}
		s, err := formatText(ct, v)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

func formatText(ct cdc.ColumnType, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case cdc.JSON:
		return string(v), nil
	case cdc.ZeroTime:
		return string(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case decimal.Decimal:
		return v.String(), nil
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case []byte:
		return hex.EncodeToString(v), nil
	case time.Time:
		v = v.UTC()
		if ct.Kind == cdc.KindDate {
			return v.Format(time.DateOnly), nil
		}
		layout := time.DateTime
		if ct.FSP > 0 {
			layout += "." + strings.Repeat("0", ct.FSP)
		}
		return v.Format(layout), nil
	case time.Duration:
		return formatDuration(v, ct.FSP), nil
	case []float32:
		var b strings.Builder
		b.WriteByte('[')
		for i, f := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
		}
		b.WriteByte(']')
		return b.String(), nil
	}
	return "", fmt.Errorf("%T has no text form", v)
}

// formatDuration writes a TIME value as MySQL does: [-]hh:mm:ss[.fraction].
func formatDuration(d time.Duration, fsp int) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	fmt.Fprintf(&b, "%02d:%02d:%02d", h, m, s)
	if fsp > 0 {
		frac := fmt.Sprintf("%06d", (d%time.Second)/time.Microsecond)
		b.WriteByte('.')
		b.WriteString(frac[:min(fsp, 6)])
	}
	return b.String()
}
