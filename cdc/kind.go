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
