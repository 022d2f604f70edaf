package mysql

import (
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// configureBinlogSyncer sets the options of a go-mysql BinlogSyncerConfig
// that decodeBinlog relies on, and leaves the others alone. A source calls
// it on its config before replication.NewBinlogSyncer and passes time.UTC as
// decodeBinlog's loc:
//
//   - UseDecimal: DECIMAL as decimal.Decimal, exact to 65 digits (a string
//     is accepted too).
//   - ParseTime false: DATETIME and TIMESTAMP as text, which holds zero dates
//     and dates before 1970 the same way as the rest (go-mysql returns
//     time.Time for some values and text for others when it is true).
//   - TimestampStringLocation time.UTC: TIMESTAMP text, an instant in the
//     binlog, written in UTC, so decodeBinlog needs no server time zone.
//   - RenderJSONAsMySQLText: MySQL's binary JSON rendered with object
//     members in stored order and doubles as doubles (1.0 stays 1.0), as
//     MySQL's own SELECT does; without it the members come sorted by name
//     and the snapshot and binlog values of a document differ.
//
// The row images must be full (binlog_row_image=FULL) and JSON columns must
// not be logged as partial updates (on MySQL, binlog_row_value_options must
// be empty, its default).
func configureBinlogSyncer(cfg *replication.BinlogSyncerConfig) {
	cfg.UseDecimal = true
	cfg.ParseTime = false
	cfg.TimestampStringLocation = time.UTC
	cfg.RenderJSONAsMySQLText = true
}

// decodeBinlog returns the canonical Go value (see the package
// documentation) of one column of a row decoded by go-mysql v1.16's
// replication package (an element of RowsEvent.Rows), so that it equals
// what decodeText returns for the same column read by the snapshot. A nil
// v is SQL NULL and returns nil.
//
// It accepts every shape go-mysql produces for the column, whether or not
// the table map told it the column is unsigned, but assumes the syncer was
// set up by configureBinlogSyncer; loc is the syncer's
// TimestampStringLocation (time.UTC there; nil also means UTC).
//
// go-mysql knows only the binlog's storage types, so decodeBinlog uses col
// to finish the job: signed integers of UNSIGNED columns become uint64, an
// ENUM index becomes the member's name and a SET bitmask the members'
// names, text in another character set becomes UTF-8, BINARY(n) gets back
// the trailing zero bytes the binlog drops, MySQL's binary JSON becomes
// canonical JSON, and MariaDB's JSON text is kept as stored (see [cdc.JSON]).
//
// Strings and byte slices in the result may share memory with the binlog
// event, which go-mysql allocates per event and never reuses.
func decodeBinlog(col *cdc.Column, v any, loc *time.Location) (any, error) {
	if v == nil {
		return nil, nil
	}
	// Where go-mysql's value is canonical already, v itself is returned:
	// boxing a copy of it would cost an allocation per value.
	switch k := col.Type.Kind; {
	case k.IsInteger():
		switch v.(type) {
		case int64:
			if !col.Type.Unsigned {
				return v, nil
			}
		case uint64:
			if col.Type.Unsigned {
				return v, nil
			}
		}
		return binlogInteger(col, v)
	case k == cdc.KindDecimal:
		switch x := v.(type) {
		case decimal.Decimal:
			return v, nil
		case string:
			d, err := decimal.NewFromString(x)
			if err != nil {
				return nil, valueError(col, v, "not a decimal number")
			}
			return d, nil
		}
	case k == cdc.KindFloat:
		switch x := v.(type) {
		case float32:
			return v, nil
		case float64:
			return float32(x), nil
		}
	case k == cdc.KindDouble:
		switch x := v.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(x), nil
		}
	case k == cdc.KindBit:
		if n, ok := asInt64(v); ok {
			return uint64(n), nil
		}
	case k == cdc.KindYear:
		if n, ok := asInt64(v); ok {
			return n, nil
		}
	case k == cdc.KindDate || k == cdc.KindDateTime || k == cdc.KindTimestamp:
		return binlogDateTime(col, v, loc)
	case k == cdc.KindTime:
		if s, ok := asString(v); ok {
			d, ok := parseTimeOfDay(s)
			if !ok {
				return nil, valueError(col, v, "not a TIME value")
			}
			return d, nil
		}
	case k == cdc.KindEnum:
		if n, ok := asInt64(v); ok {
			return enumName(col, n)
		}
		if s, ok := asString(v); ok {
			return s, nil
		}
	case k == cdc.KindSet:
		if n, ok := asInt64(v); ok {
			return setNames(col, uint64(n))
		}
		if s, ok := asString(v); ok {
			return s, nil
		}
	case k.IsText():
		switch x := v.(type) {
		case string:
			if !needsCharsetDecode(col) {
				return v, nil
			}
			return textToUTF8(col, x, nil)
		case []byte:
			return textToUTF8(col, "", x)
		}
	case k == cdc.KindBinary:
		b, ok := asBytes(v)
		if !ok {
			break
		}
		if n := col.Type.Length; len(b) < n {
			padded := make([]byte, n)
			copy(padded, b)
			return padded, nil
		}
		return b, nil
	case k.IsBinary(), k == cdc.KindGeometry:
		if b, ok := asBytes(v); ok {
			return b, nil
		}
	case k == cdc.KindJSON:
		switch x := v.(type) {
		case string:
			return canonicalJSONValue(col, []byte(x))
		case []byte:
			return canonicalJSONValue(col, x)
		case *replication.JsonDiff:
			return nil, valueError(col, "partial JSON update",
				"the binlog holds a partial JSON update; set binlog_row_value_options='' on the server so row images carry whole documents")
		}
	case k == cdc.KindVector:
		if b, ok := asBytes(v); ok {
			return decodeVector(col, b)
		}
	default:
		return nil, valueError(col, v, "no canonical value for kind %s", col.Type.Kind)
	}
	return nil, valueError(col, v, "unexpected Go type %T from the binlog decoder for a %s column", v, col.Type.Kind)
}

func canonicalJSONValue(col *cdc.Column, b []byte) (any, error) {
	if isJSONText(&col.Type) {
		text, err := textToUTF8(col, "", b)
		if err != nil {
			return nil, err
		}
		return cdc.JSON(text.(string)), nil
	}
	j, err := cdc.CanonicalJSON(b)
	if err != nil {
		return nil, valueError(col, b, "%v", err)
	}
	return j, nil
}

// binlogInteger converts go-mysql's integer, signed unless the table map
// carried signedness, to int64 or, for UNSIGNED columns, uint64.
func binlogInteger(col *cdc.Column, v any) (any, error) {
	if col.Type.Unsigned {
		var u uint64
		switch x := v.(type) {
		case uint8:
			u = uint64(x)
		case uint16:
			u = uint64(x)
		case uint32:
			u = uint64(x)
		case uint64:
			u = x
		case int8:
			u = uint64(uint8(x))
		case int16:
			u = uint64(uint16(x))
		case int32:
			// MEDIUMINT arrives sign-extended from 24 bits.
			if col.Type.Kind == cdc.KindMediumInt {
				u = uint64(uint32(x) & 0xFFFFFF)
			} else {
				u = uint64(uint32(x))
			}
		case int64:
			u = uint64(x)
		case int:
			u = uint64(x)
		default:
			return nil, valueError(col, v, "unexpected Go type %T from the binlog decoder for an integer column", v)
		}
		return u, nil
	}
	if n, ok := asInt64(v); ok {
		return n, nil
	}
	if u, ok := v.(uint64); ok && u <= 1<<63-1 {
		return int64(u), nil
	}
	return nil, valueError(col, v, "unexpected Go type %T from the binlog decoder for an integer column", v)
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true // BIT(64) and SET bitmasks keep all 64 bits
	}
	return 0, false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

func asBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return []byte(x), true
	}
	return nil, false
}

func enumName(col *cdc.Column, index int64) (any, error) {
	if index == 0 {
		// MySQL's "error" member: an invalid value inserted in non-strict
		// mode, which SELECT shows as ''.
		return "", nil
	}
	if index < 0 || index > int64(len(col.Type.Elements)) {
		return nil, valueError(col, index, "ENUM index out of range 1-%d; the schema may be stale", len(col.Type.Elements))
	}
	return col.Type.Elements[index-1], nil
}

func setNames(col *cdc.Column, bits uint64) (any, error) {
	if bits == 0 {
		return "", nil
	}
	n := len(col.Type.Elements)
	if n < 64 && bits>>uint(n) != 0 {
		return nil, valueError(col, bits, "SET bitmask has bits beyond its %d members; the schema may be stale", n)
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		if bits&(1<<uint(i)) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(col.Type.Elements[i])
	}
	return b.String(), nil
}

// binlogDateTime handles DATE, DATETIME and TIMESTAMP values: text as
// configureBinlogSyncer asks for, or time.Time when ParseTime was left on.
func binlogDateTime(col *cdc.Column, v any, loc *time.Location) (any, error) {
	switch x := v.(type) {
	case string:
		return decodeDateTimeText(col, x, loc)
	case time.Time:
		// ParseTime: DATETIME comes in UTC holding the wall clock, TIMESTAMP
		// as the instant; both are canonical in UTC.
		return x.UTC(), nil
	}
	return nil, valueError(col, v, "unexpected Go type %T from the binlog decoder for a %s column", v, col.Type.Kind)
}
