package avaticatest

import (
	"fmt"
	"strconv"
	"strings"
)

// The fake understands the statements rtdw sends, and parses them as
// Phoenix does in the ways that matter to rtdw: an unquoted identifier is
// upper-cased, a double-quoted one kept as written; values are ? parameters.

type tokenKind int

const (
	tokWord   tokenKind = iota // unquoted word, upper-cased
	tokQuoted                  // "identifier", as written
	tokString                  // 'literal'
	tokNumber
	tokParam // ?
	tokPunct // ( ) , . = *
	tokEOF
)

type token struct {
	kind tokenKind
	text string
}

func tokenize(sql string) ([]token, error) {
	var out []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := strings.IndexByte(sql[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quoted identifier at %d", i)
			}
			out = append(out, token{tokQuoted, sql[i+1 : i+1+j]})
			i += j + 2
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(sql); j++ {
				if sql[j] == '\'' {
					if j+1 < len(sql) && sql[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(sql[j])
			}
			if j >= len(sql) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, token{tokString, b.String()})
			i = j + 1
		case c == '?':
			out = append(out, token{tokParam, "?"})
			i++
		case strings.IndexByte("(),.=*", c) >= 0:
			out = append(out, token{tokPunct, string(c)})
			i++
		case c >= '0' && c <= '9' || c == '-':
			j := i + 1
			for j < len(sql) && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '.') {
				j++
			}
			out = append(out, token{tokNumber, sql[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(sql) && (sql[j] == '_' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z' || sql[j] >= '0' && sql[j] <= '9') {
				j++
			}
			out = append(out, token{tokWord, strings.ToUpper(sql[i:j])})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return append(out, token{kind: tokEOF}), nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) word(w string) bool {
	if t := p.peek(); t.kind == tokWord && t.text == w {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectWord(words ...string) error {
	for _, w := range words {
		if !p.word(w) {
			return fmt.Errorf("expected %s, found %q", w, p.peek().text)
		}
	}
	return nil
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == s {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) error {
	if !p.punct(s) {
		return fmt.Errorf("expected %q, found %q", s, p.peek().text)
	}
	return nil
}

// ident reads an identifier: quoted as written, unquoted upper-cased.
func (p *parser) ident() (string, error) {
	t := p.next()
	if t.kind == tokWord || t.kind == tokQuoted {
		return t.text, nil
	}
	return "", fmt.Errorf("expected an identifier, found %q", t.text)
}

// name reads [schema.]name.
func (p *parser) name() (qname, error) {
	a, err := p.ident()
	if err != nil {
		return qname{}, err
	}
	if p.punct(".") {
		b, err := p.ident()
		if err != nil {
			return qname{}, err
		}
		return qname{schema: a, name: b}, nil
	}
	return qname{name: a}, nil
}

type qname struct{ schema, name string }

func (q qname) String() string {
	if q.schema == "" {
		return q.name
	}
	return q.schema + "." + q.name
}

// statement kinds
type stmtKind int

const (
	stmtSelectConst stmtKind = iota // SELECT 1
	stmtCreateSchema
	stmtCreateTable
	stmtAlterAdd
	stmtUpsert
	stmtDelete
	stmtSelect
	stmtAlterDrop
	stmtDropTable
	stmtDeleteAll
)

type columnDef struct {
	family, name string
	typ          sqlType
	notNull      bool
}

type sqlType struct {
	base          string // BIGINT, VARCHAR, DECIMAL...
	length, scale int
	hasLength     bool
}

func (t sqlType) String() string {
	if !t.hasLength {
		return t.base
	}
	if t.base == "DECIMAL" {
		return fmt.Sprintf("DECIMAL(%d,%d)", t.length, t.scale)
	}
	return fmt.Sprintf("%s(%d)", t.base, t.length)
}

type statement struct {
	kind        stmtKind
	sql         string
	ifNotExists bool
	table       qname
	schema      string
	columns     []columnDef // CREATE TABLE, ALTER ADD
	pkName      string
	pk          []string
	options     map[string]string
	// target columns of UPSERT and SELECT, conditions of DELETE and SELECT
	targets  []colRef
	where    []string
	literals []string // values written into the SQL instead of bound
	params   int
}

type colRef struct{ family, name string }

func parseStatement(sql string) (*statement, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	st := &statement{sql: sql}
	switch {
	case p.word("SELECT"):
		if t := p.peek(); t.kind == tokNumber {
			p.next()
			st.kind = stmtSelectConst
			break
		}
		st.kind = stmtSelect
		err = p.selectRest(st)
	case p.word("CREATE"):
		switch {
		case p.word("SCHEMA"):
			st.kind = stmtCreateSchema
			st.ifNotExists = p.ifNotExists()
			st.schema, err = p.ident()
		case p.word("TABLE"):
			st.kind = stmtCreateTable
			err = p.createTableRest(st)
		default:
			err = fmt.Errorf("CREATE %q is not supported by the fake", p.peek().text)
		}
	case p.word("ALTER"):
		st.kind = stmtAlterAdd
		err = p.alterRest(st)
	case p.word("UPSERT"):
		st.kind = stmtUpsert
		err = p.upsertRest(st)
	case p.word("DELETE"):
		st.kind = stmtDelete
		if err = p.expectWord("FROM"); err == nil {
			if st.table, err = p.name(); err == nil {
				if p.peek().kind == tokEOF {
					st.kind = stmtDeleteAll
				} else {
					err = p.whereRest(st)
				}
			}
		}
	case p.word("DROP"):
		st.kind = stmtDropTable
		if err = p.expectWord("TABLE"); err == nil {
			if p.word("IF") {
				err = p.expectWord("EXISTS")
				st.ifNotExists = true // IF EXISTS
			}
			if err == nil {
				st.table, err = p.name()
			}
		}
	default:
		err = fmt.Errorf("statement %q is not supported by the fake", p.peek().text)
	}
	if err == nil && p.peek().kind != tokEOF {
		err = fmt.Errorf("unexpected %q after the statement", p.peek().text)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (p *parser) ifNotExists() bool {
	if p.word("IF") {
		return p.word("NOT") && p.word("EXISTS")
	}
	return false
}

func (p *parser) colRef() (colRef, error) {
	a, err := p.ident()
	if err != nil {
		return colRef{}, err
	}
	if p.punct(".") {
		b, err := p.ident()
		return colRef{family: a, name: b}, err
	}
	return colRef{name: a}, nil
}

func (p *parser) sqlType() (sqlType, error) {
	t := p.next()
	if t.kind != tokWord {
		return sqlType{}, fmt.Errorf("expected a type, found %q", t.text)
	}
	st := sqlType{base: t.text}
	if p.punct("(") {
		n, err := strconv.Atoi(p.next().text)
		if err != nil {
			return st, fmt.Errorf("bad type length")
		}
		st.length, st.hasLength = n, true
		if p.punct(",") {
			if st.scale, err = strconv.Atoi(p.next().text); err != nil {
				return st, fmt.Errorf("bad type scale")
			}
		}
		if err := p.expectPunct(")"); err != nil {
			return st, err
		}
	}
	if _, ok := phoenixTypes[st.base]; !ok {
		return st, fmt.Errorf("unknown type %s", st.base)
	}
	return st, nil
}

func (p *parser) createTableRest(st *statement) error {
	st.ifNotExists = p.ifNotExists()
	var err error
	if st.table, err = p.name(); err != nil {
		return err
	}
	if err := p.expectPunct("("); err != nil {
		return err
	}
	for {
		if p.word("CONSTRAINT") {
			if st.pkName, err = p.ident(); err != nil {
				return err
			}
			if err := p.expectWord("PRIMARY", "KEY"); err != nil {
				return err
			}
			if err := p.expectPunct("("); err != nil {
				return err
			}
			for {
				c, err := p.ident()
				if err != nil {
					return err
				}
				st.pk = append(st.pk, c)
				if !p.punct(",") {
					break
				}
			}
			if err := p.expectPunct(")"); err != nil {
				return err
			}
		} else {
			ref, err := p.colRef()
			if err != nil {
				return err
			}
			typ, err := p.sqlType()
			if err != nil {
				return err
			}
			def := columnDef{family: ref.family, name: ref.name, typ: typ}
			if p.word("NOT") {
				if err := p.expectWord("NULL"); err != nil {
					return err
				}
				def.notNull = true
			}
			st.columns = append(st.columns, def)
		}
		if p.punct(")") {
			break
		}
		if err := p.expectPunct(","); err != nil {
			return err
		}
	}
	st.options = map[string]string{}
	for p.peek().kind == tokWord {
		k := p.next().text
		if err := p.expectPunct("="); err != nil {
			return err
		}
		v := p.next()
		if v.kind == tokEOF || v.kind == tokParam {
			return fmt.Errorf("option %s needs a value", k)
		}
		st.options[k] = v.text
		if !p.punct(",") {
			break
		}
	}
	return nil
}

func (p *parser) alterRest(st *statement) error {
	if err := p.expectWord("TABLE"); err != nil {
		return err
	}
	var err error
	if st.table, err = p.name(); err != nil {
		return err
	}
	if p.word("DROP") {
		st.kind = stmtAlterDrop
		if err := p.expectWord("COLUMN"); err != nil {
			return err
		}
		if p.word("IF") {
			if err := p.expectWord("EXISTS"); err != nil {
				return err
			}
			st.ifNotExists = true // IF EXISTS
		}
		ref, err := p.colRef()
		if err != nil {
			return err
		}
		st.targets = []colRef{ref}
		return nil
	}
	if err := p.expectWord("ADD"); err != nil {
		return err
	}
	st.ifNotExists = p.ifNotExists()
	ref, err := p.colRef()
	if err != nil {
		return err
	}
	typ, err := p.sqlType()
	if err != nil {
		return err
	}
	st.columns = []columnDef{{family: ref.family, name: ref.name, typ: typ}}
	return nil
}

// value reads one value of VALUES or a WHERE condition: a ? or a literal,
// which is noted (rtdw must bind every value).
func (p *parser) value(st *statement) error {
	t := p.next()
	switch t.kind {
	case tokParam:
		st.params++
		return nil
	case tokString, tokNumber:
		st.literals = append(st.literals, t.text)
		return nil
	case tokWord:
		if t.text == "NULL" || t.text == "TRUE" || t.text == "FALSE" {
			st.literals = append(st.literals, t.text)
			return nil
		}
	}
	return fmt.Errorf("expected a value, found %q", t.text)
}

func (p *parser) upsertRest(st *statement) error {
	if err := p.expectWord("INTO"); err != nil {
		return err
	}
	var err error
	if st.table, err = p.name(); err != nil {
		return err
	}
	if err := p.expectPunct("("); err != nil {
		return err
	}
	for {
		ref, err := p.colRef()
		if err != nil {
			return err
		}
		st.targets = append(st.targets, ref)
		if !p.punct(",") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return err
	}
	if err := p.expectWord("VALUES"); err != nil {
		return err
	}
	if err := p.expectPunct("("); err != nil {
		return err
	}
	n := 0
	for {
		if err := p.value(st); err != nil {
			return err
		}
		n++
		if !p.punct(",") {
			break
		}
	}
	if n != len(st.targets) {
		return errUpsertColumns
	}
	return p.expectPunct(")")
}

var errUpsertColumns = fmt.Errorf("upsert column count mismatch")

func (p *parser) whereRest(st *statement) error {
	if err := p.expectWord("WHERE"); err != nil {
		return err
	}
	for {
		c, err := p.ident()
		if err != nil {
			return err
		}
		if err := p.expectPunct("="); err != nil {
			return err
		}
		if err := p.value(st); err != nil {
			return err
		}
		st.where = append(st.where, c)
		if !p.word("AND") {
			return nil
		}
	}
}

func (p *parser) selectRest(st *statement) error {
	for {
		ref, err := p.colRef()
		if err != nil {
			return err
		}
		st.targets = append(st.targets, ref)
		if !p.punct(",") {
			break
		}
	}
	if err := p.expectWord("FROM"); err != nil {
		return err
	}
	var err error
	if st.table, err = p.name(); err != nil {
		return err
	}
	return p.whereRest(st)
}
