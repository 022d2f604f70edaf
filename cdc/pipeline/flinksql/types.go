package flinksql

import (
	"fmt"

	"github.com/rtdw/rtdw/cdc"
)

// flinkType returns the Flink SQL type a column is declared with, as Flink
// CDC's mysql-cdc connector maps MySQL types (its "Data Type Mapping"):
// unsigned integers widen, BIGINT UNSIGNED is DECIMAL(20, 0), BIT(1) is
// BOOLEAN (TINYINT(1) stays TINYINT), DATETIME is TIMESTAMP and TIMESTAMP is TIMESTAMP_LTZ,
// text, ENUM and JSON are STRING, binary strings BYTES. A NOT NULL column
// is declared NOT NULL.
func flinkType(c cdc.Column) (string, error) {
	t := c.Type
	var s string
	switch t.Kind {
	case cdc.KindTinyInt:
		// TINYINT(1) stays a number, as the expressions of transforms
		// (package expr) read it: Flink CDC reads it into TINYINT as well as
		// into BOOLEAN.
		s = pick(t.Unsigned, "SMALLINT", "TINYINT")
	case cdc.KindSmallInt:
		s = pick(t.Unsigned, "INT", "SMALLINT")
	case cdc.KindMediumInt:
		s = "INT"
	case cdc.KindInt:
		s = pick(t.Unsigned, "BIGINT", "INT")
	case cdc.KindBigInt:
		s = pick(t.Unsigned, "DECIMAL(20, 0)", "BIGINT")
	case cdc.KindYear:
		s = "INT"
	case cdc.KindDecimal:
		if t.Precision > 38 {
			s = "STRING"
		} else {
			s = fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
		}
	case cdc.KindFloat:
		s = "FLOAT"
	case cdc.KindDouble:
		s = "DOUBLE"
	case cdc.KindBit:
		if t.Length <= 1 {
			s = "BOOLEAN"
		} else {
			s = fmt.Sprintf("BINARY(%d)", (t.Length+7)/8)
		}
	case cdc.KindDate:
		s = "DATE"
	case cdc.KindTime:
		s = fmt.Sprintf("TIME(%d)", t.FSP)
	case cdc.KindDateTime:
		s = fmt.Sprintf("TIMESTAMP(%d)", t.FSP)
	case cdc.KindTimestamp:
		s = fmt.Sprintf("TIMESTAMP_LTZ(%d)", t.FSP)
	case cdc.KindChar:
		s = sized("CHAR", t.Length)
	case cdc.KindVarChar:
		s = sized("VARCHAR", t.Length)
	case cdc.KindTinyText, cdc.KindText, cdc.KindMediumText, cdc.KindLongText, cdc.KindEnum, cdc.KindJSON:
		s = "STRING"
	case cdc.KindSet:
		s = "ARRAY<STRING>"
	case cdc.KindBinary:
		s = pick(t.Length > 0, fmt.Sprintf("BINARY(%d)", t.Length), "BYTES")
	case cdc.KindVarBinary:
		s = pick(t.Length > 0, fmt.Sprintf("VARBINARY(%d)", t.Length), "BYTES")
	case cdc.KindTinyBlob, cdc.KindBlob, cdc.KindMediumBlob, cdc.KindLongBlob, cdc.KindGeometry:
		s = "BYTES"
	default:
		return "", fmt.Errorf("column %s: type %s has no Flink SQL counterpart in Flink CDC's mapping", c.Name, t.Kind)
	}
	if !c.Nullable {
		s += " NOT NULL"
	}
	return s, nil
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func sized(name string, n int) string {
	if n <= 0 {
		return "STRING"
	}
	return fmt.Sprintf("%s(%d)", name, n)
}
