package avaticatest

import (
	"fmt"
	"math"

	"github.com/apache/calcite-avatica-go/v5/message"
	"github.com/shopspring/decimal"
)

// typeInfo is what PQS says about a Phoenix type in a signature, and the
// representations a bound value of it may arrive in.
type typeInfo struct {
	javaType  int32 // java.sql.Types
	rep       message.Rep
	className string
	accepts   []message.Rep
	min, max  int64 // integer range
}

var phoenixTypes = map[string]typeInfo{
	"TINYINT":   {-6, message.Rep_BYTE, "java.lang.Byte", []message.Rep{message.Rep_LONG}, math.MinInt8, math.MaxInt8},
	"SMALLINT":  {5, message.Rep_SHORT, "java.lang.Short", []message.Rep{message.Rep_LONG}, math.MinInt16, math.MaxInt16},
	"INTEGER":   {4, message.Rep_INTEGER, "java.lang.Integer", []message.Rep{message.Rep_LONG}, math.MinInt32, math.MaxInt32},
	"BIGINT":    {-5, message.Rep_LONG, "java.lang.Long", []message.Rep{message.Rep_LONG}, math.MinInt64, math.MaxInt64},
	"FLOAT":     {6, message.Rep_FLOAT, "java.lang.Float", []message.Rep{message.Rep_DOUBLE}, 0, 0},
	"DOUBLE":    {8, message.Rep_DOUBLE, "java.lang.Double", []message.Rep{message.Rep_DOUBLE}, 0, 0},
	"DECIMAL":   {3, message.Rep_BIG_DECIMAL, "java.math.BigDecimal", []message.Rep{message.Rep_BIG_DECIMAL}, 0, 0},
	"BOOLEAN":   {16, message.Rep_BOOLEAN, "java.lang.Boolean", []message.Rep{message.Rep_BOOLEAN}, 0, 0},
	"VARCHAR":   {12, message.Rep_STRING, "java.lang.String", []message.Rep{message.Rep_STRING}, 0, 0},
	"CHAR":      {1, message.Rep_STRING, "java.lang.String", []message.Rep{message.Rep_STRING}, 0, 0},
	"BINARY":    {-2, message.Rep_BYTE_STRING, "[B", []message.Rep{message.Rep_BYTE_STRING}, 0, 0},
	"VARBINARY": {-3, message.Rep_BYTE_STRING, "[B", []message.Rep{message.Rep_BYTE_STRING}, 0, 0},
	"DATE":      {91, message.Rep_JAVA_SQL_DATE, "java.sql.Date", []message.Rep{message.Rep_JAVA_SQL_DATE}, 0, 0},
	"TIME":      {92, message.Rep_JAVA_SQL_TIME, "java.sql.Time", []message.Rep{message.Rep_JAVA_SQL_TIME}, 0, 0},
	"TIMESTAMP": {93, message.Rep_JAVA_SQL_TIMESTAMP, "java.sql.Timestamp", []message.Rep{message.Rep_JAVA_SQL_TIMESTAMP}, 0, 0},
}

// checkValue checks a bound value against its column as Phoenix would, and
// returns the Phoenix error for a value of the wrong type.
func checkValue(col *column, v *message.TypedValue) *Exception {
	if v.GetNull() || v.GetType() == message.Rep_NULL {
		return nil
	}
	info := phoenixTypes[col.typ.base]
	ok := false
	for _, r := range info.accepts {
		ok = ok || v.GetType() == r
	}
	if !ok {
		return TypeMismatch(fmt.Sprintf("%s and %s for %s", col.typ, repName(v.GetType()), col.name))
	}
	switch col.typ.base {
	case "TINYINT", "SMALLINT", "INTEGER":
		if n := v.GetNumberValue(); n < info.min || n > info.max {
			return DataExceedsCapacity(fmt.Sprintf("%s %s value %d", col.name, col.typ, n))
		}
	case "DECIMAL":
		d, err := decimal.NewFromString(v.GetStringValue())
		if err != nil {
			return TypeMismatch(fmt.Sprintf("DECIMAL and %q for %s", v.GetStringValue(), col.name))
		}
		if col.typ.hasLength {
			intDigits := len(d.Coefficient().Abs(d.Coefficient()).String()) + int(d.Exponent())
			if !d.IsZero() && intDigits > col.typ.length-col.typ.scale {
				return DataExceedsCapacity(fmt.Sprintf("%s %s value %s", col.name, col.typ, d))
			}
		}
	case "BINARY", "CHAR":
		if n := len(v.GetBytesValue()) + len(v.GetStringValue()); col.typ.hasLength && n > col.typ.length {
			return DataExceedsCapacity(fmt.Sprintf("%s %s value of %d bytes", col.name, col.typ, n))
		}
	}
	return nil
}

func repName(r message.Rep) string { return r.String() }
