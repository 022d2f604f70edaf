package sqlgateway

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TypeRoot is the kind of a Flink logical type, as Flink names it
// (LogicalTypeRoot), e.g. "INTEGER", "VARCHAR", "TIMESTAMP_WITHOUT_TIME_ZONE".
type TypeRoot string

// The type roots the gateway reports for result columns.
const (
	TypeChar                       TypeRoot = "CHAR"
	TypeVarchar                    TypeRoot = "VARCHAR"
	TypeBoolean                    TypeRoot = "BOOLEAN"
	TypeBinary                     TypeRoot = "BINARY"
	TypeVarbinary                  TypeRoot = "VARBINARY"
	TypeDecimal                    TypeRoot = "DECIMAL"
	TypeTinyint                    TypeRoot = "TINYINT"
	TypeSmallint                   TypeRoot = "SMALLINT"
	TypeInteger                    TypeRoot = "INTEGER"
	TypeBigint                     TypeRoot = "BIGINT"
	TypeFloat                      TypeRoot = "FLOAT"
	TypeDouble                     TypeRoot = "DOUBLE"
	TypeDate                       TypeRoot = "DATE"
	TypeTime                       TypeRoot = "TIME_WITHOUT_TIME_ZONE"
	TypeTimestamp                  TypeRoot = "TIMESTAMP_WITHOUT_TIME_ZONE"
	TypeTimestampWithTimeZone      TypeRoot = "TIMESTAMP_WITH_TIME_ZONE"
	TypeTimestampWithLocalTimeZone TypeRoot = "TIMESTAMP_WITH_LOCAL_TIME_ZONE"
	TypeIntervalYearMonth          TypeRoot = "INTERVAL_YEAR_MONTH"
	TypeIntervalDayTime            TypeRoot = "INTERVAL_DAY_TIME"
	TypeArray                      TypeRoot = "ARRAY"
	TypeMultiset                   TypeRoot = "MULTISET"
	TypeMap                        TypeRoot = "MAP"
	TypeRow                        TypeRoot = "ROW"
	TypeNull                       TypeRoot = "NULL"
	TypeRaw                        TypeRoot = "RAW"
)

// LogicalType is a column type as the gateway serialises it: the root, its
// nullability and the parameters that root has (length, precision, element
// types, row fields, …). Parameters a root does not have are zero.
type LogicalType struct {
	Root     TypeRoot
	Nullable bool

	Length    int // CHAR, VARCHAR, BINARY, VARBINARY
	Precision int // DECIMAL, TIME, TIMESTAMP*, INTERVAL (year/day precision)
	Scale     int // DECIMAL

	FractionalPrecision int    // INTERVAL_DAY_TIME
	Resolution          string // INTERVAL_*, e.g. "DAY_TO_SECOND"

	ElementType *LogicalType // ARRAY, MULTISET
	KeyType     *LogicalType // MAP
	ValueType   *LogicalType // MAP
	Fields      []RowField   // ROW

	Class      string // RAW: originating Java class
	Serializer string // RAW: serializer snapshot
}

// RowField is one field of a ROW type.
type RowField struct {
	Name        string
	Type        LogicalType
	Description string
}

// wire forms, exactly the keys Flink's LogicalTypeJsonSerializer writes.
type wireType struct {
	Type                TypeRoot       `json:"type"`
	Nullable            *bool          `json:"nullable,omitempty"`
	Length              *int           `json:"length,omitempty"`
	Precision           *int           `json:"precision,omitempty"`
	Scale               *int           `json:"scale,omitempty"`
	FractionalPrecision *int           `json:"fractionalPrecision,omitempty"`
	Resolution          string         `json:"resolution,omitempty"`
	ElementType         *LogicalType   `json:"elementType,omitempty"`
	KeyType             *LogicalType   `json:"keyType,omitempty"`
	ValueType           *LogicalType   `json:"valueType,omitempty"`
	Fields              []wireRowField `json:"fields,omitempty"`
	Class               string         `json:"class,omitempty"`
	Serializer          string         `json:"serializer,omitempty"`
}

type wireRowField struct {
	Name        string      `json:"name"`
	FieldType   LogicalType `json:"fieldType"`
	Description string      `json:"description,omitempty"`
}

// UnmarshalJSON reads Flink's JSON form of a logical type.
func (t *LogicalType) UnmarshalJSON(b []byte) error {
	var w wireType
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = LogicalType{Root: w.Type, Resolution: w.Resolution, ElementType: w.ElementType,
		KeyType: w.KeyType, ValueType: w.ValueType, Class: w.Class, Serializer: w.Serializer}
	// NULL is written without "nullable" and is always nullable.
	t.Nullable = w.Nullable == nil || *w.Nullable
	for _, p := range []struct {
		src *int
		dst *int
	}{{w.Length, &t.Length}, {w.Precision, &t.Precision}, {w.Scale, &t.Scale}, {w.FractionalPrecision, &t.FractionalPrecision}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	for _, f := range w.Fields {
		t.Fields = append(t.Fields, RowField{Name: f.Name, Type: f.FieldType, Description: f.Description})
	}
	return nil
}

// MarshalJSON writes the JSON form Flink's gateway uses, with exactly the
// parameters the root has.
func (t LogicalType) MarshalJSON() ([]byte, error) {
	w := wireType{Type: t.Root}
	if t.Root == TypeNull {
		return json.Marshal(w)
	}
	w.Nullable = &t.Nullable
	switch t.Root {
	case TypeChar, TypeVarchar, TypeBinary, TypeVarbinary:
		w.Length = &t.Length
	case TypeDecimal:
		w.Precision, w.Scale = &t.Precision, &t.Scale
	case TypeTime, TypeTimestamp, TypeTimestampWithTimeZone, TypeTimestampWithLocalTimeZone:
		w.Precision = &t.Precision
	case TypeIntervalYearMonth:
		w.Precision, w.Resolution = &t.Precision, t.Resolution
	case TypeIntervalDayTime:
		w.Precision, w.FractionalPrecision, w.Resolution = &t.Precision, &t.FractionalPrecision, t.Resolution
	case TypeArray, TypeMultiset:
		w.ElementType = t.ElementType
	case TypeMap:
		w.KeyType, w.ValueType = t.KeyType, t.ValueType
	case TypeRow:
		w.Fields = make([]wireRowField, len(t.Fields))
		for i, f := range t.Fields {
			w.Fields[i] = wireRowField{Name: f.Name, FieldType: f.Type, Description: f.Description}
		}
	case TypeRaw:
		w.Class, w.Serializer = t.Class, t.Serializer
	}
	return json.Marshal(w)
}

// String renders the type in Flink SQL, e.g. "DECIMAL(10, 2) NOT NULL",
// "STRING", "ARRAY<INT>".
func (t LogicalType) String() string {
	var s string
	switch t.Root {
	case TypeChar, TypeBinary:
		s = fmt.Sprintf("%s(%d)", t.Root, t.Length)
	case TypeVarchar:
		if t.Length == 2147483647 {
			s = "STRING"
		} else {
			s = fmt.Sprintf("VARCHAR(%d)", t.Length)
		}
	case TypeVarbinary:
		if t.Length == 2147483647 {
			s = "BYTES"
		} else {
			s = fmt.Sprintf("VARBINARY(%d)", t.Length)
		}
	case TypeDecimal:
		s = fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case TypeInteger:
		s = "INT"
	case TypeTime:
		s = fmt.Sprintf("TIME(%d)", t.Precision)
	case TypeTimestamp:
		s = fmt.Sprintf("TIMESTAMP(%d)", t.Precision)
	case TypeTimestampWithTimeZone:
		s = fmt.Sprintf("TIMESTAMP(%d) WITH TIME ZONE", t.Precision)
	case TypeTimestampWithLocalTimeZone:
		s = fmt.Sprintf("TIMESTAMP_LTZ(%d)", t.Precision)
	case TypeArray, TypeMultiset:
		s = fmt.Sprintf("%s<%s>", t.Root, elem(t.ElementType))
	case TypeMap:
		s = fmt.Sprintf("MAP<%s, %s>", elem(t.KeyType), elem(t.ValueType))
	case TypeRow:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = "`" + strings.ReplaceAll(f.Name, "`", "``") + "` " + f.Type.String()
		}
		s = "ROW<" + strings.Join(parts, ", ") + ">"
	case TypeIntervalYearMonth, TypeIntervalDayTime:
		s = "INTERVAL " + strings.ReplaceAll(t.Resolution, "_", " ")
	default:
		s = string(t.Root)
	}
	if !t.Nullable && t.Root != TypeNull {
		s += " NOT NULL"
	}
	return s
}

func elem(t *LogicalType) string {
	if t == nil {
		return "?"
	}
	return t.String()
}

// Column is one result column.
type Column struct {
	Name    string
	Type    LogicalType
	Comment string
}

type wireColumn struct {
	Name        string      `json:"name"`
	LogicalType LogicalType `json:"logicalType"`
	Comment     *string     `json:"comment,omitempty"`
}

// UnmarshalJSON reads the gateway's ColumnInfo form; a null comment is "".
func (c *Column) UnmarshalJSON(b []byte) error {
	var w wireColumn
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	c.Name, c.Type, c.Comment = w.Name, w.LogicalType, ""
	if w.Comment != nil {
		c.Comment = *w.Comment
	}
	return nil
}

// MarshalJSON writes the gateway's ColumnInfo form (no comment when empty).
func (c Column) MarshalJSON() ([]byte, error) {
	w := wireColumn{Name: c.Name, LogicalType: c.Type}
	if c.Comment != "" {
		w.Comment = &c.Comment
	}
	return json.Marshal(w)
}

// String is "name TYPE".
func (c Column) String() string { return strconv.Quote(c.Name) + " " + c.Type.String() }
