package mysql

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/charset"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the AST
)

// The binlog's DDL statements are parsed by the TiDB parser
// (github.com/pingcap/tidb/pkg/parser), a MySQL grammar in Go. It reads
// MySQL 8-9's DDL, but not every form MySQL and MariaDB write into their
// binlogs; parseDDL rewrites those, each a token or two at a known place,
// before or while parsing:
//
//   - MySQL's atomic CREATE TABLE … SELECT is logged as the CREATE TABLE
//     with its columns and a trailing START TRANSACTION: dropped;
//   - MariaDB's ALTER ONLINE TABLE, and WAIT n / NOWAIT after the table
//     name of ALTER, DROP, RENAME and TRUNCATE: dropped; its
//     ALGORITHM=NOCOPY: read as ALGORITHM=DEFAULT;
//   - MariaDB's CREATE OR REPLACE TABLE: parsed as CREATE TABLE, and
//     applied as DROP TABLE IF EXISTS then CREATE TABLE;
//   - spatial types (GEOMETRY, POINT, …), which the TiDB parser lacks:
//     read as LONGBLOB with a marker comment, and turned back into the
//     spatial type; MySQL's SRID n after them is dropped;
//   - the INVISIBLE column attribute (MySQL 8.0.23+, MariaDB): dropped, as
//     an invisible column is in the row image like any other; ALTER COLUMN
//     … SET [IN]VISIBLE changes nothing;
//   - expression defaults, DEFAULT (expr), that the parser cannot read:
//     kept as their text;
//   - SPATIAL INDEX: read as an index; MariaDB's PERSISTENT generated
//     columns: read as STORED.
//
// The last two are done where the parser stops: at a syntax error, the
// word at the error's position is rewritten and the statement parsed
// again.

// ddlStatement is one parsed DDL statement.
type ddlStatement struct {
	// node is the parsed statement.
	node ast.StmtNode
	// orReplace is set for MariaDB's CREATE OR REPLACE TABLE.
	orReplace bool
}

// errDDLSyntax is matched by parseDDL's error for a statement the parser
// cannot read.
var errDDLSyntax = errors.New("DDL statement the parser cannot read")

// visibilityMarker is the default parseDDL writes for ALTER COLUMN … SET
// VISIBLE and SET INVISIBLE, which change no column's definition in the
// row image.
const visibilityMarker = "rtdw-column-visibility"

// spatialMarker starts the comment that marks a column whose spatial type
// parseDDL rewrote to LONGBLOB; the type's name follows it.
const spatialMarker = "rtdw-spatial-type:"

var spatialTypes = map[string]bool{
	"GEOMETRY": true, "POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true, "GEOMCOLLECTION": true,
}

// parseDDL parses a statement read from a binlog query event. Statements
// that are not DDL parse too (the caller ignores them); an error matches
// errDDLSyntax.
func parseDDL(q string) ([]ddlStatement, error) {
	q, orReplace := rewriteDDLHead(q)
	p := parser.New()
	const maxRewrites = 64
	var err error
	for range maxRewrites {
		var nodes []ast.StmtNode
		nodes, err = parseWithCharsets(p, q)
		if err == nil {
			out := make([]ddlStatement, len(nodes))
			for i, n := range nodes {
				out[i] = ddlStatement{node: n, orReplace: orReplace}
			}
			return out, nil
		}
		if registerUnknownCharset(err) {
			continue
		}
		if strings.Contains(err.Error(), "Unknown ALGORITHM") && nocopyRE.MatchString(q) {
			q = nocopyRE.ReplaceAllString(q, "ALGORITHM=DEFAULT")
			continue
		}
		next, ok := rewriteAtError(q, err)
		if !ok {
			break
		}
		q = next
	}
	return nil, fmt.Errorf("%w: %v", errDDLSyntax, err)
}

// parserCharsets guards the TiDB parser's tables of character sets and
// collations, which know TiDB's (utf8mb4, latin1, gbk…) but not every one
// MySQL and MariaDB have: a statement naming another fails with "Unknown
// character set" or "Unknown collation", and registerUnknownCharset adds
// it to the parser's tables (global to the process) before the statement
// is parsed again. Parsing holds the read lock, registering the write lock.
var parserCharsets sync.RWMutex

func parseWithCharsets(p *parser.Parser, q string) (nodes []ast.StmtNode, err error) {
	parserCharsets.RLock()
	defer parserCharsets.RUnlock()
	defer func() {
		// The parser's literal values (its test_driver) panic on some
		// numbers, such as a decimal of more digits than it holds.
		if r := recover(); r != nil {
			nodes, err = nil, fmt.Errorf("the parser failed: %v", r)
		}
	}()
	nodes, _, err = p.Parse(q, "", "")
	return nodes, err
}

var (
	unknownCharsetRE   = regexp.MustCompile(`Unknown character set: '([A-Za-z0-9_]+)'`)
	unknownCollationRE = regexp.MustCompile(`Unknown collation: '([A-Za-z0-9_]+)'`)
	// registeredCollationID numbers the collations registered here, above
	// every real collation id.
	registeredCollationID = 100000
)

// registerUnknownCharset registers the character set or collation a parse
// error says the parser does not know, and reports whether it did.
func registerUnknownCharset(err error) bool {
	msg := err.Error()
	parserCharsets.Lock()
	defer parserCharsets.Unlock()
	if m := unknownCharsetRE.FindStringSubmatch(msg); m != nil {
		name := strings.ToLower(m[1])
		if _, err := charset.GetCharsetInfo(name); err == nil {
			return false // known: the error has another cause
		}
		charset.AddCharset(&charset.Charset{Name: name, DefaultCollation: name + "_general_ci",
			Collations: map[string]*charset.Collation{}, Maxlen: maxBytesPerChar(name)})
		return true
	}
	if m := unknownCollationRE.FindStringSubmatch(msg); m != nil {
		name := strings.ToLower(m[1])
		if _, err := charset.GetCollationByName(name); err == nil {
			return false
		}
		registeredCollationID++
		charset.AddCollation(&charset.Collation{ID: registeredCollationID, CharsetName: charsetOfCollation(name), Name: name, PadAttribute: charset.PadSpace})
		return true
	}
	return false
}

// nearRE finds the rest of the statement in a TiDB parser syntax error.
var nearRE = regexp.MustCompile(`(?s)near "(.*)"\s*$`)

// rewriteAtError rewrites the word where the parser stopped, when it is
// one parseDDL knows how to rewrite.
func rewriteAtError(q string, err error) (string, bool) {
	m := nearRE.FindStringSubmatch(err.Error())
	if m == nil || m[1] == "" || !strings.HasSuffix(q, m[1]) {
		return "", false
	}
	at := len(q) - len(m[1])
	if next, ok := rewriteDefaultExpression(q, at); ok {
		return next, true
	}
	word, rest := leadingWord(q[at:])
	switch upper := strings.ToUpper(word); {
	case spatialTypes[upper]:
		return q[:at] + "LONGBLOB COMMENT '" + spatialMarker + strings.ToLower(upper) + "'" + rest, true
	case (upper == "INVISIBLE" || upper == "VISIBLE") && strings.HasSuffix(strings.ToUpper(strings.TrimRightFunc(q[:at], unicode.IsSpace)), "SET"):
		// ALTER COLUMN c SET [IN]VISIBLE: a marked default that changes
		// nothing.
		return q[:at] + "DEFAULT '" + visibilityMarker + "'" + rest, true
	case upper == "INVISIBLE":
		return q[:at] + rest, true
	case upper == "SPATIAL":
		// SPATIAL INDEX: an index as far as the schema goes.
		return q[:at] + rest, true
	case upper == "PERSISTENT":
		// MariaDB's synonym of STORED for a generated column.
		return q[:at] + "STORED" + rest, true
	case upper == "SRID":
		// SRID n: drop both.
		_, after := leadingWord(strings.TrimLeftFunc(rest, unicode.IsSpace))
		return q[:at] + after, true
	}
	return "", false
}

// defaultExprRE finds DEFAULT followed by an opening parenthesis.
var defaultExprRE = regexp.MustCompile(`(?i)\bDEFAULT\s*\(`)

// defaultExprMarker starts the string parseDDL puts in place of an
// expression default the parser cannot read; the expression's text
// follows it.
const defaultExprMarker = "rtdw-default-expression:"

// rewriteDefaultExpression replaces the expression default (MySQL 8.0.13+'s
// DEFAULT (expr)) the parser stopped inside, at, with a marked string
// holding its text.
func rewriteDefaultExpression(q string, at int) (string, bool) {
	locs := defaultExprRE.FindAllStringIndex(q[:at], -1)
	if len(locs) == 0 {
		return "", false
	}
	open := locs[len(locs)-1][1] - 1
	end := matchingParen(q, open)
	if end < at {
		return "", false // the error is not inside this default
	}
	expr := q[open+1 : end]
	lit := "'" + strings.ReplaceAll(strings.ReplaceAll(defaultExprMarker+strings.TrimSpace(expr), `\`, `\\`), "'", "''") + "'"
	return q[:open] + lit + q[end+1:], true
}

// matchingParen returns the index of the parenthesis closing the one at
// open, skipping quoted text; -1 when there is none.
func matchingParen(q string, open int) int {
	depth := 0
	for i := open; i < len(q); i++ {
		switch c := q[i]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '\'', '"', '`':
			for i++; i < len(q) && q[i] != c; i++ {
				if q[i] == '\\' && c != '`' {
					i++
				}
			}
		}
	}
	return -1
}

// leadingWord splits s into its leading word (letters, digits, _ and $)
// and the rest.
func leadingWord(s string) (word, rest string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}

// headToken is a word of a statement's head, with its place in the text.
type headToken struct {
	text       string
	start, end int
}

// headTokens returns the first n words and quoted names of q, skipping
// white space and comments; it stops early at anything else.
func headTokens(q string, n int) []headToken {
	var out []headToken
	i := 0
	for len(out) < n && i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(q[i:], "/*") && !strings.HasPrefix(q[i:], "/*!"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case strings.HasPrefix(q[i:], "-- ") || c == '#':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				return out
			}
			i += end + 1
		case c == '`':
			end := i + 1
			for end < len(q) {
				if q[end] == '`' {
					if end+1 < len(q) && q[end+1] == '`' {
						end += 2
						continue
					}
					break
				}
				end++
			}
			if end >= len(q) {
				return out
			}
			out = append(out, headToken{text: q[i : end+1], start: i, end: end + 1})
			i = end + 1
		case c == '.':
			out = append(out, headToken{text: ".", start: i, end: i + 1})
			i++
		default:
			w, _ := leadingWord(q[i:])
			if w == "" {
				return out
			}
			out = append(out, headToken{text: w, start: i, end: i + len(w)})
			i += len(w)
		}
	}
	return out
}

// rewriteDDLHead rewrites the MariaDB and MySQL forms at a statement's
// head and tail that the TiDB parser lacks (see parseDDL), and reports
// whether the statement was CREATE OR REPLACE TABLE.
func rewriteDDLHead(q string) (string, bool) {
	toks := headTokens(q, 12)
	is := func(i int, words ...string) bool {
		if i >= len(toks) {
			return false
		}
		for _, w := range words {
			if strings.EqualFold(toks[i].text, w) {
				return true
			}
		}
		return false
	}
	cut := func(from, to int) string { // drop tokens [from, to)
		return q[:toks[from].start] + q[toks[to-1].end:]
	}
	if len(toks) == 0 {
		return q, false
	}
	switch {
	case is(0, "CREATE") && is(1, "OR") && is(2, "REPLACE"):
		return trimStartTransaction(cut(1, 3)), true
	case is(0, "CREATE"):
		return trimStartTransaction(q), false
	case is(0, "ALTER") && is(1, "ONLINE"):
		return rewriteDDLHead(cut(1, 2))
	}
	// WAIT n / NOWAIT after the table name of ALTER [IGNORE] TABLE, DROP
	// TABLE [IF EXISTS], RENAME TABLE and TRUNCATE [TABLE].
	name := -1
	switch {
	case is(0, "ALTER") && is(1, "TABLE"):
		name = 2
	case is(0, "ALTER") && is(1, "IGNORE") && is(2, "TABLE"):
		name = 3
	case is(0, "RENAME") && is(1, "TABLE"):
		name = 2
	case is(0, "TRUNCATE") && is(1, "TABLE"):
		name = 2
	case is(0, "TRUNCATE"):
		name = 1
	case is(0, "DROP") && is(1, "TABLE") && is(2, "IF") && is(3, "EXISTS"):
		name = 4
	case is(0, "DROP") && is(1, "TABLE"):
		name = 2
	}
	if name < 0 || name >= len(toks) {
		return q, false
	}
	after := name + 1
	if is(after, ".") {
		after += 2
	}
	switch {
	case is(after, "NOWAIT"):
		return cut(after, after+1), false
	case is(after, "WAIT") && after+1 < len(toks):
		return cut(after, after+2), false
	}
	return q, false
}

// nocopyRE matches MariaDB's ALGORITHM=NOCOPY, which the TiDB parser does
// not know; as far as the schema goes it is ALGORITHM=DEFAULT.
var nocopyRE = regexp.MustCompile(`(?i)\bALGORITHM\s*=?\s*NOCOPY\b`)

// startTransactionRE matches the START TRANSACTION MySQL appends to an
// atomic CREATE TABLE … SELECT in the binlog.
var startTransactionRE = regexp.MustCompile(`(?i)\s+START\s+TRANSACTION\s*;?\s*$`)

func trimStartTransaction(q string) string {
	return startTransactionRE.ReplaceAllString(q, "")
}
