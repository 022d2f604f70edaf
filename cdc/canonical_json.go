package cdc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON rewrites a JSON document as the canonical [JSON] value of a
// MySQL JSON column, so that a document compares equal whether the snapshot
// (MySQL's SELECT text) or the binlog (its binary JSON) delivered it.
// MariaDB's JSON columns, which store text, keep that text instead. The
// canonical form is:
//
//   - no whitespace between tokens (MySQL's SELECT prints {"a": 1});
//   - object members in the order given (MySQL stores them sorted by key
//     length then bytes, MariaDB as written), duplicates kept;
//   - strings with only ", \, and control characters escaped (\b \f \n \r \t
//     or \u00XX); every other character, non-ASCII included, as UTF-8, so
//     "\u00e9" and "é" are the same string;
//   - integers as written; numbers with a fraction or exponent by their
//     float64 value, in plain notation with at least one fractional digit
//     (1.0, 0.000015) when the decimal exponent is between -7 and 15, and
//     otherwise as 1.5e-8 or 1e300. Numbers with more than 17 significant
//     digits, which a double cannot hold, are kept as written.
//
// An empty document, which MySQL writes for a JSON column filled by an
// INSERT IGNORE of NULL, becomes the JSON null literal.
func CanonicalJSON(doc []byte) (JSON, error) {
	c := jsonCanon{in: doc, out: make([]byte, 0, len(doc))}
	c.space()
	if c.pos == len(c.in) {
		return JSON("null"), nil
	}
	if err := c.value(0); err != nil {
		return "", err
	}
	c.space()
	if c.pos != len(c.in) {
		return "", c.fail("unexpected data after the document")
	}
	return JSON(c.out), nil
}

// maxJSONDepth bounds nesting, as MySQL does (100), with room to spare.
const maxJSONDepth = 1000

type jsonCanon struct {
	in  []byte
	pos int
	out []byte
}

var errJSONSyntax = errors.New("invalid JSON")

func (c *jsonCanon) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", errJSONSyntax, c.pos, what)
}

func (c *jsonCanon) space() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonCanon) value(depth int) error {
	if depth > maxJSONDepth {
		return c.fail("nested too deeply")
	}
	c.space()
	if c.pos >= len(c.in) {
		return c.fail("unexpected end")
	}
	switch ch := c.in[c.pos]; {
	case ch == '{':
		return c.object(depth)
	case ch == '[':
		return c.array(depth)
	case ch == '"':
		return c.str()
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(c.in)-c.pos >= len(lit) && string(c.in[c.pos:c.pos+len(lit)]) == lit {
				c.out = append(c.out, lit...)
				c.pos += len(lit)
				return nil
			}
		}
		return c.fail("unexpected character")
	}
}

func (c *jsonCanon) object(depth int) error {
	c.pos++
	c.out = append(c.out, '{')
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		return nil
	}
	for {
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return c.fail("want a member name")
		}
		if err := c.str(); err != nil {
			return err
		}
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return c.fail("want :")
		}
		c.pos++
		c.out = append(c.out, ':')
		if err := c.value(depth + 1); err != nil {
			return err
		}
		c.space()
		if c.pos >= len(c.in) {
			return c.fail("unterminated object")
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		case '}':
			c.pos++
			c.out = append(c.out, '}')
			return nil
		default:
			return c.fail("want , or }")
		}
	}
}

func (c *jsonCanon) array(depth int) error {
	c.pos++
	c.out = append(c.out, '[')
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return nil
	}
	for {
		if err := c.value(depth + 1); err != nil {
			return err
		}
		c.space()
		if c.pos >= len(c.in) {
			return c.fail("unterminated array")
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			return nil
		default:
			return c.fail("want , or ]")
		}
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONRune writes r with the canonical escaping.
func appendJSONRune(out []byte, r rune) []byte {
	switch r {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	}
	if r < 0x20 {
		return append(out, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xF])
	}
	return utf8.AppendRune(out, r)
}

func (c *jsonCanon) str() error {
	c.pos++ // opening quote
	c.out = append(c.out, '"')
	for {
		if c.pos >= len(c.in) {
			return c.fail("unterminated string")
		}
		ch := c.in[c.pos]
		switch {
		case ch == '"':
			c.pos++
			c.out = append(c.out, '"')
			return nil
		case ch == '\\':
			if c.pos+1 >= len(c.in) {
				return c.fail("unterminated escape")
			}
			esc := c.in[c.pos+1]
			c.pos += 2
			switch esc {
			case '"', '\\', '/':
				c.out = appendJSONRune(c.out, rune(esc))
			case 'b':
				c.out = appendJSONRune(c.out, '\b')
			case 'f':
				c.out = appendJSONRune(c.out, '\f')
			case 'n':
				c.out = appendJSONRune(c.out, '\n')
			case 'r':
				c.out = appendJSONRune(c.out, '\r')
			case 't':
				c.out = appendJSONRune(c.out, '\t')
			case 'u':
				r, ok := c.hex4()
				if !ok {
					return c.fail("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// A pair makes one character; a lone half stays escaped,
					// as it has no UTF-8 form.
					if c.pos+1 < len(c.in) && c.in[c.pos] == '\\' && c.in[c.pos+1] == 'u' {
						save := c.pos
						c.pos += 2
						r2, ok := c.hex4()
						if ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								c.out = utf8.AppendRune(c.out, dec)
								continue
							}
						}
						c.pos = save
					}
					c.out = append(c.out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
					continue
				}
				c.out = appendJSONRune(c.out, r)
			default:
				return c.fail("bad escape")
			}
		case ch < 0x20:
			// Not valid JSON, but MariaDB stores what it was given; keep it
			// readable rather than fail the row.
			c.out = appendJSONRune(c.out, rune(ch))
			c.pos++
		default:
			// Copy a run of ordinary bytes, invalid UTF-8 included: MySQL's
			// JSON strings are byte-transparent.
			start := c.pos
			for c.pos < len(c.in) {
				b := c.in[c.pos]
				if b == '"' || b == '\\' || b < 0x20 {
					break
				}
				c.pos++
			}
			c.out = append(c.out, c.in[start:c.pos]...)
		}
	}
}

func (c *jsonCanon) hex4() (rune, bool) {
	if c.pos+4 > len(c.in) {
		return 0, false
	}
	var r rune
	for _, b := range c.in[c.pos : c.pos+4] {
		var v byte
		switch {
		case b >= '0' && b <= '9':
			v = b - '0'
		case b >= 'a' && b <= 'f':
			v = b - 'a' + 10
		case b >= 'A' && b <= 'F':
			v = b - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	c.pos += 4
	return r, true
}

func (c *jsonCanon) number() error {
	start := c.pos
	if c.in[c.pos] == '-' {
		c.pos++
	}
	intStart := c.pos
	for c.pos < len(c.in) && c.in[c.pos] >= '0' && c.in[c.pos] <= '9' {
		c.pos++
	}
	if c.pos == intStart {
		return c.fail("bad number")
	}
	isFloat := false
	if c.pos < len(c.in) && c.in[c.pos] == '.' {
		isFloat = true
		c.pos++
		fracStart := c.pos
		for c.pos < len(c.in) && c.in[c.pos] >= '0' && c.in[c.pos] <= '9' {
			c.pos++
		}
		if c.pos == fracStart {
			return c.fail("bad number")
		}
	}
	if c.pos < len(c.in) && (c.in[c.pos] == 'e' || c.in[c.pos] == 'E') {
		isFloat = true
		c.pos++
		if c.pos < len(c.in) && (c.in[c.pos] == '+' || c.in[c.pos] == '-') {
			c.pos++
		}
		expStart := c.pos
		for c.pos < len(c.in) && c.in[c.pos] >= '0' && c.in[c.pos] <= '9' {
			c.pos++
		}
		if c.pos == expStart {
			return c.fail("bad number")
		}
	}
	text := c.in[start:c.pos]
	if !isFloat || significantDigits(text) > 17 {
		c.out = append(c.out, text...)
		return nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsInf(f, 0) {
		c.out = append(c.out, text...)
		return nil
	}
	c.out = appendJSONDouble(c.out, f)
	return nil
}

// significantDigits counts the digits of a JSON number's mantissa, without
// leading zeros.
func significantDigits(num []byte) int {
	n := 0
	leading := true
	for _, b := range num {
		if b == 'e' || b == 'E' {
			break
		}
		if b < '0' || b > '9' {
			continue
		}
		if leading && b == '0' {
			continue
		}
		leading = false
		n++
	}
	return n
}

// appendJSONDouble appends f as CanonicalJSON writes a double: plain
// notation with at least one fractional digit when the decimal exponent is
// between -7 and 15 (1.0, -0.0, 0.000015, 1234567.5), else the shortest
// exponent form without a plus sign or leading zeros (1e300, 1.5e-8).
func appendJSONDouble(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	if exp >= -7 && exp <= 15 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, b := range dst[start:] {
			if b == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	// Go writes 1.5e-08 and 1e+300; drop the plus sign and leading zeros.
	for i, b := range e {
		if b != 'e' {
			continue
		}
		dst = append(dst, e[:i+1]...)
		rest := e[i+1:]
		if rest[0] == '+' {
			rest = rest[1:]
		} else if rest[0] == '-' {
			dst = append(dst, '-')
			rest = rest[1:]
		}
		for len(rest) > 1 && rest[0] == '0' {
			rest = rest[1:]
		}
		return append(dst, rest...)
	}
	return append(dst, e...)
}
