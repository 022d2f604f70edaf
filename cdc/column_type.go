package cdc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

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

// ErrUnsupportedType is matched, with errors.Is, by the error of
// [ParseColumnType] for a type rtdw has no canonical value for, such as
// MariaDB's UUID or INET6.
var ErrUnsupportedType = errors.New("unsupported column type")

// ColumnTypeError is returned by [ParseColumnType] for a COLUMN_TYPE it cannot
// parse or does not support.
type ColumnTypeError struct {
	// ColumnType is the text that was parsed.
	ColumnType string
	// Reason says what is wrong with it.
	Reason string
	// Err is ErrUnsupportedType for a well-formed type rtdw does not support,
	// nil for malformed text.
	Err error
}

func (e *ColumnTypeError) Error() string {
	return fmt.Sprintf("cdc: column type %q: %s", e.ColumnType, e.Reason)
}

// Unwrap returns Err.
func (e *ColumnTypeError) Unwrap() error { return e.Err }

// kindByName maps the type names information_schema.COLUMNS.COLUMN_TYPE uses
// on MySQL 8-9 and MariaDB 10-11 (and a few synonyms users write) to kinds.
var kindByName = map[string]Kind{
	"tinyint":            KindTinyInt,
	"bool":               KindTinyInt,
	"boolean":            KindTinyInt,
	"smallint":           KindSmallInt,
	"mediumint":          KindMediumInt,
	"int":                KindInt,
	"integer":            KindInt,
	"bigint":             KindBigInt,
	"decimal":            KindDecimal,
	"dec":                KindDecimal,
	"numeric":            KindDecimal,
	"fixed":              KindDecimal,
	"float":              KindFloat,
	"double":             KindDouble,
	"double precision":   KindDouble,
	"real":               KindDouble,
	"bit":                KindBit,
	"date":               KindDate,
	"time":               KindTime,
	"datetime":           KindDateTime,
	"timestamp":          KindTimestamp,
	"year":               KindYear,
	"char":               KindChar,
	"varchar":            KindVarChar,
	"tinytext":           KindTinyText,
	"text":               KindText,
	"mediumtext":         KindMediumText,
	"longtext":           KindLongText,
	"binary":             KindBinary,
	"varbinary":          KindVarBinary,
	"tinyblob":           KindTinyBlob,
	"blob":               KindBlob,
	"mediumblob":         KindMediumBlob,
	"longblob":           KindLongBlob,
	"enum":               KindEnum,
	"set":                KindSet,
	"json":               KindJSON,
	"geometry":           KindGeometry,
	"point":              KindGeometry,
	"linestring":         KindGeometry,
	"polygon":            KindGeometry,
	"multipoint":         KindGeometry,
	"multilinestring":    KindGeometry,
	"multipolygon":       KindGeometry,
	"geometrycollection": KindGeometry,
	"geomcollection":     KindGeometry,
	"vector":             KindVector,
}

// ParseColumnType parses a column's type as information_schema.COLUMNS
// reports it in COLUMN_TYPE on MySQL 8-9 and MariaDB 10-11, for example
//
//	int(10) unsigned zerofill
//	decimal(65,30)
//	datetime(6)
//	enum('a','it''s')
//
// charset is the column's CHARACTER_SET_NAME; it is kept for text, ENUM and
// SET columns and ignored for the others.
//
// A MariaDB JSON column is a LONGTEXT with a json_valid check:
// COLUMN_TYPE alone says "longtext", and the MySQL source's schema loading
// (mysql.LoadTableSchemas) turns it into [KindJSON]. Types without a
// canonical value (MariaDB's UUID, INET4 and INET6) return a
// [*ColumnTypeError] matching [ErrUnsupportedType].
func ParseColumnType(columnType, charset string) (ColumnType, error) {
	p := typeParser{raw: columnType, s: strings.TrimSpace(columnType)}
	return p.parse(charset)
}

type typeParser struct {
	raw string // as given, for errors and ColumnType.Raw
	s   string // what is left to parse
}

func (p *typeParser) fail(format string, args ...any) error {
	return &ColumnTypeError{ColumnType: p.raw, Reason: fmt.Sprintf(format, args...)}
}

func (p *typeParser) skipSpace() {
	p.s = strings.TrimLeft(p.s, " \t\r\n")
}

// word reads a run of letters, digits and underscores, lower-cased.
func (p *typeParser) word() string {
	i := 0
	for i < len(p.s) {
		c := p.s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			i++
			continue
		}
		break
	}
	w := strings.ToLower(p.s[:i])
	p.s = p.s[i:]
	return w
}

func (p *typeParser) parse(charset string) (ColumnType, error) {
	ct := ColumnType{Raw: p.raw}
	name := p.word()
	if name == "" {
		return ct, p.fail("want a type name such as int or varchar(255)")
	}
	// "double precision" is the one two-word name.
	if name == "double" {
		save := p.s
		p.skipSpace()
		if strings.ToLower(p.word()) != "precision" {
			p.s = save
		}
	}
	kind, ok := kindByName[name]
	if !ok {
		switch name {
		case "uuid", "inet4", "inet6":
			return ct, &ColumnTypeError{ColumnType: p.raw, Reason: "MariaDB's " + strings.ToUpper(name) +
				" type has no canonical value in rtdw; capture the column as CHAR or BINARY instead", Err: ErrUnsupportedType}
		}
		return ct, &ColumnTypeError{ColumnType: p.raw, Reason: fmt.Sprintf("unknown type name %q", name), Err: ErrUnsupportedType}
	}
	ct.Kind = kind
	p.skipSpace()

	var args []string
	if strings.HasPrefix(p.s, "(") {
		var err error
		if kind == KindEnum || kind == KindSet {
			args, err = p.quotedList()
		} else {
			args, err = p.numberList()
		}
		if err != nil {
			return ct, err
		}
	} else if kind == KindEnum || kind == KindSet {
		return ct, p.fail("%s needs its members in parentheses", kind)
	}
	if err := p.applyArgs(&ct, name, args); err != nil {
		return ct, err
	}

	// Attributes after the parameters.
	for {
		p.skipSpace()
		if p.s == "" {
			break
		}
		attr := p.word()
		switch attr {
		case "unsigned":
			if !isNumericKind(kind) {
				return ct, p.fail("UNSIGNED on a %s column", kind)
			}
			ct.Unsigned = true
		case "signed":
			if !isNumericKind(kind) {
				return ct, p.fail("SIGNED on a %s column", kind)
			}
		case "zerofill":
			// ZEROFILL changes how a client pads the number, not the value;
			// MySQL makes the column UNSIGNED.
			if !isNumericKind(kind) {
				return ct, p.fail("ZEROFILL on a %s column", kind)
			}
			ct.Unsigned = true
		case "":
			return ct, p.fail("unexpected %q", p.s)
		default:
			return ct, p.fail("unexpected attribute %q", attr)
		}
	}

	switch {
	case kind.IsText(), kind == KindEnum, kind == KindSet:
		ct.Charset = strings.ToLower(charset)
	}
	return ct, nil
}

func isNumericKind(k Kind) bool {
	return k.IsInteger() || k == KindDecimal || k == KindFloat || k == KindDouble
}

// numberList reads "(n)" or "(n,m)".
func (p *typeParser) numberList() ([]string, error) {
	end := strings.IndexByte(p.s, ')')
	if end < 0 {
		return nil, p.fail("missing )")
	}
	inner := p.s[1:end]
	p.s = p.s[end+1:]
	parts := strings.Split(inner, ",")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, p.fail("empty parameter")
		}
		for j := 0; j < len(part); j++ {
			if part[j] < '0' || part[j] > '9' {
				return nil, p.fail("parameter %q is not a number", part)
			}
		}
		parts[i] = part
	}
	return parts, nil
}

// quotedList reads the members of an ENUM or SET: ('a','b”c'). Inside a
// member the server doubles a single quote and escapes a backslash, NUL,
// newline, carriage return and Ctrl-Z with a backslash (x\\y, \0, \n, \r,
// \Z), as in an SQL string literal.
func (p *typeParser) quotedList() ([]string, error) {
	p.s = p.s[1:] // (
	var members []string
	for {
		p.skipSpace()
		if p.s == "" {
			return nil, p.fail("missing )")
		}
		if p.s[0] != '\'' {
			return nil, p.fail("member must be quoted, found %q", p.s)
		}
		var b strings.Builder
		i := 1
		closed := false
		for i < len(p.s) {
			c := p.s[i]
			if c == '\'' {
				if i+1 < len(p.s) && p.s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				closed = true
				i++
				break
			}
			if c == '\\' && i+1 < len(p.s) {
				b.WriteByte(unescapeByte(p.s[i+1]))
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		}
		if !closed {
			return nil, p.fail("unterminated member")
		}
		members = append(members, b.String())
		p.s = p.s[i:]
		p.skipSpace()
		if p.s == "" {
			return nil, p.fail("missing )")
		}
		switch p.s[0] {
		case ',':
			p.s = p.s[1:]
		case ')':
			p.s = p.s[1:]
			return members, nil
		default:
			return nil, p.fail("want , or ) after a member, found %q", p.s)
		}
	}
}

// unescapeByte returns the byte a backslash escape in an SQL string literal
// stands for.
func unescapeByte(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'Z':
		return 0x1a
	}
	return c // \\, \', \" and any other byte stand for themselves
}

func (p *typeParser) applyArgs(ct *ColumnType, name string, args []string) error {
	nums := make([]int, len(args))
	if ct.Kind != KindEnum && ct.Kind != KindSet {
		for i, a := range args {
			n, err := strconv.Atoi(a)
			if err != nil || n > 1<<24 {
				return p.fail("parameter %q out of range", a)
			}
			nums[i] = n
		}
	}
	want := func(maxArgs int) error {
		if len(args) > maxArgs {
			return p.fail("%s takes at most %d parameters, got %d", name, maxArgs, len(args))
		}
		return nil
	}
	switch k := ct.Kind; {
	case k.IsInteger():
		if err := want(1); err != nil {
			return err
		}
		if len(nums) == 1 {
			ct.Length = nums[0]
		}
	case k == KindDecimal:
		if err := want(2); err != nil {
			return err
		}
		ct.Precision, ct.Scale = 10, 0 // DECIMAL alone is DECIMAL(10,0)
		if len(nums) >= 1 {
			ct.Precision = nums[0]
			ct.Scale = 0
		}
		if len(nums) == 2 {
			ct.Scale = nums[1]
		}
		if ct.Precision < 1 || ct.Precision > 65 || ct.Scale > 30 || ct.Scale > ct.Precision {
			return p.fail("DECIMAL(%d,%d) out of range: precision is 1-65, scale 0-30 and at most the precision", ct.Precision, ct.Scale)
		}
	case k == KindFloat || k == KindDouble:
		if err := want(2); err != nil {
			return err
		}
		switch len(nums) {
		case 1:
			// FLOAT(p): the server reports FLOAT or DOUBLE by p already;
			// keep p as the precision in bits.
			ct.Precision = nums[0]
		case 2:
			ct.Precision, ct.Scale = nums[0], nums[1]
		}
	case k == KindBit:
		if err := want(1); err != nil {
			return err
		}
		ct.Length = 1
		if len(nums) == 1 {
			ct.Length = nums[0]
		}
		if ct.Length < 1 || ct.Length > 64 {
			return p.fail("BIT(%d) out of range 1-64", ct.Length)
		}
	case k == KindTime || k == KindDateTime || k == KindTimestamp:
		if err := want(1); err != nil {
			return err
		}
		if len(nums) == 1 {
			ct.FSP = nums[0]
		}
		if ct.FSP > 6 {
			return p.fail("fractional seconds precision %d out of range 0-6", ct.FSP)
		}
	case k == KindYear:
		// YEAR(4) on MariaDB; YEAR(2) no longer exists.
		if err := want(1); err != nil {
			return err
		}
	case k == KindChar || k == KindBinary:
		if err := want(1); err != nil {
			return err
		}
		ct.Length = 1 // CHAR alone is CHAR(1)
		if len(nums) == 1 {
			ct.Length = nums[0]
		}
	case k == KindVarChar || k == KindVarBinary || k == KindVector:
		if len(nums) != 1 {
			return p.fail("%s needs a length, such as %s(255)", name, name)
		}
		ct.Length = nums[0]
	case k.IsText() || k.IsBinary():
		// TEXT(n) and BLOB(n) are accepted in DDL; the server reports the
		// kind it chose, but keep n should a server echo it.
		if err := want(1); err != nil {
			return err
		}
		if len(nums) == 1 {
			ct.Length = nums[0]
		}
	case k == KindEnum || k == KindSet:
		if len(args) == 0 {
			return p.fail("%s needs at least one member", name)
		}
		if k == KindSet && len(args) > 64 {
			return p.fail("SET has %d members, at most 64 are allowed", len(args))
		}
		ct.Elements = args
	case k == KindDate || k == KindJSON || k == KindGeometry:
		if len(args) != 0 {
			return p.fail("%s takes no parameters", name)
		}
	}
	return nil
}
