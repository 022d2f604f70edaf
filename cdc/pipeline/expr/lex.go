package expr

import (
	"fmt"
	"strings"
)

type tokenKind uint8

const (
	tokEOF    tokenKind = iota
	tokIdent            // unquoted identifier or keyword; text as written
	tokQuoted           // `quoted identifier`; text unquoted
	tokString           // 'string'; text unquoted
	tokNumber           // 12, 1.5, 1e3, .5
	tokOp               // punctuation and operators
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

// upper returns the token's text upper-cased when it is an unquoted
// identifier (a keyword candidate), and "" otherwise.
func (t token) upper() string {
	if t.kind != tokIdent {
		return ""
	}
	return strings.ToUpper(t.text)
}

// ParseError is the error of the parse functions: what was wrong, where.
type ParseError struct {
	// Input is the text that was parsed.
	Input string
	// Offset is the byte offset of the problem in Input.
	Offset int
	// Msg says what was expected or found, and the fix where there is one.
	Msg string
}

func (e *ParseError) Error() string {
	near := e.Input[min(e.Offset, len(e.Input)):]
	if len(near) > 20 {
		near = near[:20] + "..."
	}
	if near == "" {
		return fmt.Sprintf("expr: %q: at the end: %s", e.Input, e.Msg)
	}
	return fmt.Sprintf("expr: %q: at offset %d (near %q): %s", e.Input, e.Offset, near, e.Msg)
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lex splits s into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	fail := func(pos int, format string, args ...any) error {
		return &ParseError{Input: s, Offset: pos, Msg: fmt.Sprintf(format, args...)}
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, token{tokIdent, s[i:j], i})
			i = j
		case isDigit(c) || c == '.' && i+1 < len(s) && isDigit(s[i+1]):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k >= len(s) || !isDigit(s[k]) {
					return nil, fail(j, "exponent without digits; write a number such as 1.5E3")
				}
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				j = k
			}
			if j < len(s) && isIdentStart(s[j]) {
				return nil, fail(i, "a name cannot start with a digit; quote it with backticks, such as `%s`", s[i:j+1])
			}
			toks = append(toks, token{tokNumber, s[i:j], i})
			i = j
		case c == '\'':
			text, end, ok := readQuoted(s, i, '\'')
			if !ok {
				return nil, fail(i, "string literal not closed; end it with ' (write '' for a quote inside)")
			}
			toks = append(toks, token{tokString, text, i})
			i = end
		case c == '`':
			text, end, ok := readQuoted(s, i, '`')
			if !ok {
				return nil, fail(i, "quoted name not closed; end it with ` (write `` for a backtick inside)")
			}
			if text == "" {
				return nil, fail(i, "empty quoted name")
			}
			toks = append(toks, token{tokQuoted, text, i})
			i = end
		default:
			op := ""
			for _, o := range []string{"<>", "!=", "<=", ">=", "||", "\\*", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ","} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				if c == '"' {
					return nil, fail(i, "double quotes are not string quotes here: write strings in single quotes ('text') and quote names with backticks (`name`)")
				}
				return nil, fail(i, "unexpected character %q", rune(c))
			}
			width := len(op)
			switch op {
			case "!=":
				op = "<>"
			case "\\*": // the escaped star of Flink CDC's YAML
				op = "*"
			}
			toks = append(toks, token{tokOp, op, i})
			i += width
		}
	}
	toks = append(toks, token{tokEOF, "", len(s)})
	return toks, nil
}

// readQuoted reads a q-quoted run starting at s[start] (the opening quote),
// with a doubled quote standing for one. It returns the unquoted text and
// the offset after the closing quote.
func readQuoted(s string, start int, q byte) (string, int, bool) {
	var b strings.Builder
	i := start + 1
	for i < len(s) {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1, true
		}
		b.WriteByte(s[i])
		i++
	}
	return "", 0, false
}

// quoteString renders s as a single-quoted SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// reserved are the words that cannot be bare column names: the parser
// reads them as keywords. Quote such a column with backticks.
var reserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "NULL": true, "TRUE": true, "FALSE": true, "UNKNOWN": true,
	"IS": true, "IN": true, "LIKE": true, "BETWEEN": true, "CASE": true, "WHEN": true, "THEN": true,
	"ELSE": true, "END": true, "AS": true, "FROM": true, "FOR": true, "DISTINCT": true, "ESCAPE": true,
	"SIMILAR": true, "CAST": true, "TRY_CAST": true, "INTERVAL": true, "PLACING": true,
	"CURRENT_DATE": true, "CURRENT_TIME": true, "CURRENT_TIMESTAMP": true, "LOCALTIME": true,
	"LOCALTIMESTAMP": true,
}

// quoteIdent renders a name bare when the parser reads it back as the same
// name, and in backticks otherwise.
func quoteIdent(name string) string {
	bare := name != "" && isIdentStart(name[0]) && !reserved[strings.ToUpper(name)]
	for i := 0; bare && i < len(name); i++ {
		bare = isIdentPart(name[i]) && name[i] < 0x80
	}
	if bare {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
