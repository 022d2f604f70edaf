package cdc

// Kind is the MySQL data type of a column, without its parameters.
type Kind uint8

// The column kinds. Each has one canonical Go value type; see the package
// documentation.
const (
	KindUnknown Kind = iota
	KindTinyInt
	KindSmallInt
	KindMediumInt
	KindInt
	KindBigInt
	KindDecimal
	KindFloat
	KindDouble
	KindBit
	KindDate
	KindTime
	KindDateTime
	KindTimestamp
	KindYear
	KindChar
	KindVarChar
	KindTinyText
	KindText
	KindMediumText
	KindLongText
	KindBinary
	KindVarBinary
	KindTinyBlob
	KindBlob
	KindMediumBlob
	KindLongBlob
	KindEnum
	KindSet
	KindJSON
	KindGeometry
	KindVector
)

var kindNames = [...]string{
	KindUnknown:    "UNKNOWN",
	KindTinyInt:    "TINYINT",
	KindSmallInt:   "SMALLINT",
	KindMediumInt:  "MEDIUMINT",
	KindInt:        "INT",
	KindBigInt:     "BIGINT",
	KindDecimal:    "DECIMAL",
	KindFloat:      "FLOAT",
	KindDouble:     "DOUBLE",
	KindBit:        "BIT",
	KindDate:       "DATE",
	KindTime:       "TIME",
	KindDateTime:   "DATETIME",
	KindTimestamp:  "TIMESTAMP",
	KindYear:       "YEAR",
	KindChar:       "CHAR",
	KindVarChar:    "VARCHAR",
	KindTinyText:   "TINYTEXT",
	KindText:       "TEXT",
	KindMediumText: "MEDIUMTEXT",
	KindLongText:   "LONGTEXT",
	KindBinary:     "BINARY",
	KindVarBinary:  "VARBINARY",
	KindTinyBlob:   "TINYBLOB",
	KindBlob:       "BLOB",
	KindMediumBlob: "MEDIUMBLOB",
	KindLongBlob:   "LONGBLOB",
	KindEnum:       "ENUM",
	KindSet:        "SET",
	KindJSON:       "JSON",
	KindGeometry:   "GEOMETRY",
	KindVector:     "VECTOR",
}

// String returns the SQL name of the kind, such as "BIGINT".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "UNKNOWN"
}

// IsInteger reports whether k is one of the integer kinds (not YEAR or BIT).
func (k Kind) IsInteger() bool { return k >= KindTinyInt && k <= KindBigInt }

// IsText reports whether k holds character data (CHAR, VARCHAR and the TEXT kinds).
func (k Kind) IsText() bool { return k >= KindChar && k <= KindLongText }

// IsBinary reports whether k holds byte strings (BINARY, VARBINARY and the BLOB kinds).
func (k Kind) IsBinary() bool { return k >= KindBinary && k <= KindLongBlob }

// IsTemporal reports whether k is DATE, TIME, DATETIME, TIMESTAMP or YEAR.
func (k Kind) IsTemporal() bool { return k >= KindDate && k <= KindYear }

// ColumnType is a column's full MySQL type.
type ColumnType struct {
	// Kind is the type without parameters.
	Kind Kind
	// Unsigned is set for UNSIGNED numeric columns.
	Unsigned bool
	// Length is the declared length: characters for CHAR and VARCHAR, bytes for
	// BINARY and VARBINARY, bits for BIT, dimensions for VECTOR, the display
	// width of an integer when the server reports one. 0 when not declared.
	Length int
	// Precision and Scale are a DECIMAL's digits in all and after the point.
	Precision int
	Scale     int
	// FSP is the fractional seconds precision (0-6) of TIME, DATETIME and
	// TIMESTAMP.
	FSP int
	// Elements are the members of an ENUM or SET, in declaration order.
	Elements []string
	// Charset is the character set of a text column, such as "utf8mb4".
	Charset string
	// Raw is the type as the server reports it in
	// information_schema.COLUMNS.COLUMN_TYPE, such as "decimal(65,30) unsigned".
	Raw string
}

// Column is one column of a table.
type Column struct {
	// Name is the column name as the server reports it.
	Name string
	// Type is the column's MySQL type.
	Type ColumnType
	// Nullable is set when the column accepts NULL.
	Nullable bool
}

// TableSchema describes a captured table. Values of it are shared by many
// events and must not be modified; a schema change produces a new value.
type TableSchema struct {
	// Table names the table.
	Table TableID
	// Columns are the table's columns in ordinal order; a [Row] holds one value
	// per column in the same order.
	Columns []Column
	// PrimaryKey names the primary key columns in key order; empty when the
	// table has none.
	PrimaryKey []string
}

// ColumnIndex returns the index of the named column in Columns, or -1.
func (s *TableSchema) ColumnIndex(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Value returns the value of the named column in row, and whether the column
// exists.
func (s *TableSchema) Value(row Row, name string) (any, bool) {
	i := s.ColumnIndex(name)
	if i < 0 || i >= len(row) {
		return nil, false
	}
	return row[i], true
}
