package expr

import (
	"fmt"
	"strconv"
	"strings"
)

// Operator precedence, loosest first; the grammar in the package
// documentation lists the same levels.
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precCompare = 4 // = <> < <= > >= IS BETWEEN IN LIKE SIMILAR
	precAdd     = 5 // + -
	precMul     = 6 // * / % ||
	precUnary   = 7 // prefix + -
	precPrimary = 8
)

// maxDepth bounds nesting, so that hostile input cannot exhaust the stack.
const maxDepth = 200

// ParseExpr parses one expression, such as a filter condition
// "status <> 'cancelled' AND amount > 100".
func ParseExpr(s string) (Expr, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if err := p.expectEOF(); err != nil {
		return nil, err
	}
	return e, nil
}

// ParseFilter parses a filter condition. It is [ParseExpr] under the name
// the pipeline uses; that the condition is boolean is checked when it is
// compiled against a table ([CompileFilter]).
func ParseFilter(s string) (Expr, error) { return ParseExpr(s) }

// ParseProjection parses a projection list: expressions separated by
// commas, each with an optional alias (`AS name` or just `name`), and `*`
// (or `\*`, as Flink CDC's YAML writes it) for all the input columns.
func ParseProjection(s string) (Projection, error) {
	p, err := newParser(s)
	if err != nil {
		return Projection{}, err
	}
	var proj Projection
	for {
		if p.peek().kind == tokOp && p.peek().text == "*" {
			p.next()
			proj.Items = append(proj.Items, ProjectionItem{Star: true})
		} else {
			if p.peek().kind == tokEOF {
				return Projection{}, p.fail(p.peek(), "want a column or an expression; an empty projection projects nothing (leave it out to keep every column)")
			}
			e, err := p.expr(0)
			if err != nil {
				return Projection{}, err
			}
			item := ProjectionItem{Expr: e}
			t := p.peek()
			switch {
			case t.upper() == "AS":
				p.next()
				a := p.next()
				if a.kind != tokQuoted && (a.kind != tokIdent || reserved[a.upper()]) {
					return Projection{}, p.fail(a, "want a column name after AS (quote a reserved word with backticks, such as `%s`)", a.text)
				}
				item.Alias = a.text
			case t.kind == tokQuoted || t.kind == tokIdent && !reserved[t.upper()]:
				p.next()
				item.Alias = t.text
			}
			proj.Items = append(proj.Items, item)
		}
		t := p.next()
		if t.kind == tokEOF {
			return proj, nil
		}
		if t.kind != tokOp || t.text != "," {
			return Projection{}, p.fail(t, "want , or the end of the projection after an item")
		}
	}
}

type parser struct {
	in    string
	toks  []token
	i     int
	depth int
	noIn  bool // IN ends the expression: the first argument of POSITION(a IN b)
}

func newParser(s string) (*parser, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	return &parser{in: s, toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) error {
	return &ParseError{Input: p.in, Offset: t.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expectEOF() error {
	if t := p.peek(); t.kind != tokEOF {
		return p.fail(t, "unexpected %s after a complete expression", describe(t))
	}
	return nil
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end"
	case tokString:
		return "string " + quoteString(t.text)
	case tokQuoted:
		return "name `" + t.text + "`"
	}
	return strconv.Quote(t.text)
}

// isKeyword reports whether the next token is the keyword kw.
func (p *parser) isKeyword(kw string) bool { return p.peek().upper() == kw }

func (p *parser) keyword(kw string) error {
	if t := p.next(); t.upper() != kw {
		return p.fail(t, "want %s, found %s", kw, describe(t))
	}
	return nil
}

func (p *parser) op(o string) error {
	if t := p.next(); t.kind != tokOp || t.text != o {
		return p.fail(t, "want %s, found %s", o, describe(t))
	}
	return nil
}

// infixPrec returns the precedence of the operator the next tokens start,
// or 0 when they start none.
func (p *parser) infixPrec() int {
	t := p.peek()
	switch t.kind {
	case tokOp:
		switch t.text {
		case "=", "<>", "<", "<=", ">", ">=":
			return precCompare
		case "+", "-":
			return precAdd
		case "*", "/", "%", "||":
			return precMul
		}
	case tokIdent:
		switch t.upper() {
		case "OR":
			return precOr
		case "AND":
			return precAnd
		case "IN":
			if !p.noIn {
				return precCompare
			}
		case "IS", "BETWEEN", "LIKE", "SIMILAR":
			return precCompare
		case "NOT":
			switch p.peekAt(1).upper() {
			case "IN":
				if !p.noIn {
					return precCompare
				}
			case "BETWEEN", "LIKE", "SIMILAR":
				return precCompare
			}
		}
	}
	return 0
}

// expr parses an expression whose operators bind at least as tightly as
// minPrec.
func (p *parser) expr(minPrec int) (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.fail(p.peek(), "expression nested deeper than %d levels", maxDepth)
	}
	left, err := p.prefix()
	if err != nil {
		return nil, err
	}
	for {
		prec := p.infixPrec()
		if prec == 0 || prec < minPrec {
			return left, nil
		}
		left, err = p.infix(left, prec)
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) infix(left Expr, prec int) (Expr, error) {
	t := p.next()
	if t.kind == tokOp {
		right, err := p.expr(prec + 1)
		if err != nil {
			return nil, err
		}
		return &Binary{Op: t.text, L: left, R: right, Position: t.pos}, nil
	}
	switch kw := t.upper(); kw {
	case "OR", "AND":
		right, err := p.expr(prec + 1)
		if err != nil {
			return nil, err
		}
		return &Binary{Op: kw, L: left, R: right, Position: t.pos}, nil
	case "IS":
		return p.isTest(left, t)
	}
	not := false
	if t.upper() == "NOT" {
		not = true
		t = p.next()
	}
	switch t.upper() {
	case "BETWEEN":
		low, err := p.expr(precAdd)
		if err != nil {
			return nil, err
		}
		if err := p.keyword("AND"); err != nil {
			return nil, err
		}
		high, err := p.expr(precAdd)
		if err != nil {
			return nil, err
		}
		return &Between{X: left, Low: low, High: high, Not: not, Position: t.pos}, nil
	case "IN":
		list, err := p.parenList()
		if err != nil {
			return nil, err
		}
		return &In{X: left, List: list, Not: not, Position: t.pos}, nil
	case "LIKE", "SIMILAR":
		similar := t.upper() == "SIMILAR"
		if similar {
			if err := p.keyword("TO"); err != nil {
				return nil, err
			}
		}
		pattern, err := p.expr(precAdd)
		if err != nil {
			return nil, err
		}
		l := &Like{X: left, Pattern: pattern, Not: not, Similar: similar, Position: t.pos}
		if p.isKeyword("ESCAPE") {
			p.next()
			if l.Escape, err = p.expr(precAdd); err != nil {
				return nil, err
			}
		}
		return l, nil
	}
	return nil, p.fail(t, "unexpected %s", describe(t))
}

func (p *parser) isTest(left Expr, is token) (Expr, error) {
	not := false
	if p.isKeyword("NOT") {
		p.next()
		not = true
	}
	t := p.next()
	switch w := t.upper(); w {
	case "NULL", "TRUE", "FALSE", "UNKNOWN":
		return &Is{X: left, Not: not, What: w, Position: is.pos}, nil
	case "DISTINCT":
		if err := p.keyword("FROM"); err != nil {
			return nil, err
		}
		right, err := p.expr(precAdd)
		if err != nil {
			return nil, err
		}
		return &DistinctFrom{L: left, R: right, Not: not, Position: is.pos}, nil
	}
	return nil, p.fail(t, "want NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS [NOT], found %s", describe(t))
}

// parenList reads "(e, e, ...)" with at least one element.
func (p *parser) parenList() ([]Expr, error) {
	if err := p.op("("); err != nil {
		return nil, err
	}
	var list []Expr
	for {
		e, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		t := p.next()
		if t.kind == tokOp && t.text == ")" {
			return list, nil
		}
		if t.kind != tokOp || t.text != "," {
			return nil, p.fail(t, "want , or ) in a list, found %s", describe(t))
		}
	}
}

var niladic = map[string]bool{
	"CURRENT_DATE": true, "CURRENT_TIME": true, "CURRENT_TIMESTAMP": true, "LOCALTIME": true, "LOCALTIMESTAMP": true,
}

func (p *parser) prefix() (Expr, error) {
	// IN ends only POSITION's argument itself, not what nests in it.
	saved := p.noIn
	p.noIn = false
	defer func() { p.noIn = saved }()
	t := p.next()
	switch t.kind {
	case tokEOF:
		return nil, p.fail(t, "want an expression")
	case tokString:
		return &Literal{Kind: LitString, Text: t.text, Position: t.pos}, nil
	case tokNumber:
		kind := LitInt
		if strings.ContainsAny(t.text, "eE") {
			kind = LitFloat
		} else if strings.Contains(t.text, ".") {
			kind = LitDecimal
		}
		return &Literal{Kind: kind, Text: t.text, Position: t.pos}, nil
	case tokQuoted:
		return &Column{Name: t.text, Position: t.pos}, nil
	case tokOp:
		switch t.text {
		case "(":
			e, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.op(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "-", "+":
			x, err := p.expr(precUnary)
			if err != nil {
				return nil, err
			}
			return &Unary{Op: t.text, X: x, Position: t.pos}, nil
		case "*":
			return nil, p.fail(t, "* stands for all columns only as an item of a projection list")
		}
		return nil, p.fail(t, "want an expression, found %s", describe(t))
	}
	// An identifier or a keyword.
	kw := t.upper()
	switch kw {
	case "NULL":
		return &Literal{Kind: LitNull, Text: "NULL", Position: t.pos}, nil
	case "TRUE", "FALSE":
		return &Literal{Kind: LitBool, Text: kw, Position: t.pos}, nil
	case "UNKNOWN":
		return &Literal{Kind: LitNull, Text: "NULL", Position: t.pos}, nil
	case "NOT":
		x, err := p.expr(precNot)
		if err != nil {
			return nil, err
		}
		return &Unary{Op: "NOT", X: x, Position: t.pos}, nil
	case "CASE":
		return p.caseExpr(t)
	case "CAST", "TRY_CAST":
		return p.cast(t, kw == "TRY_CAST")
	case "INTERVAL":
		return p.interval(t)
	case "DATE", "TIME", "TIMESTAMP":
		if s := p.peek(); s.kind == tokString {
			p.next()
			kind := map[string]LiteralKind{"DATE": LitDate, "TIME": LitTime, "TIMESTAMP": LitTimestamp}[kw]
			return &Literal{Kind: kind, Text: s.text, Position: t.pos}, nil
		}
	}
	if niladic[kw] {
		c := &Call{Name: kw, Niladic: true, Position: t.pos}
		if n := p.peek(); n.kind == tokOp && n.text == "(" && p.peekAt(1).text == ")" {
			p.next()
			p.next()
			c.Niladic = false
		}
		return c, nil
	}
	if reserved[kw] {
		return nil, p.fail(t, "%s is a keyword here; quote a column of that name with backticks: `%s`", kw, t.text)
	}
	if n := p.peek(); n.kind == tokOp && n.text == "(" {
		return p.call(t)
	}
	return &Column{Name: t.text, Position: t.pos}, nil
}

func (p *parser) caseExpr(t token) (Expr, error) {
	c := &Case{Position: t.pos}
	var err error
	if !p.isKeyword("WHEN") {
		if c.Operand, err = p.expr(0); err != nil {
			return nil, err
		}
	}
	for p.isKeyword("WHEN") {
		p.next()
		var w When
		for {
			cond, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			w.Conds = append(w.Conds, cond)
			if c.Operand == nil || !(p.peek().kind == tokOp && p.peek().text == ",") {
				break
			}
			p.next()
		}
		if err := p.keyword("THEN"); err != nil {
			return nil, err
		}
		if w.Then, err = p.expr(0); err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		return nil, p.fail(p.peek(), "CASE needs at least one WHEN ... THEN ...")
	}
	if p.isKeyword("ELSE") {
		p.next()
		if c.Else, err = p.expr(0); err != nil {
			return nil, err
		}
	}
	if err := p.keyword("END"); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) cast(t token, try bool) (Expr, error) {
	if err := p.op("("); err != nil {
		return nil, err
	}
	x, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if err := p.keyword("AS"); err != nil {
		return nil, err
	}
	name := p.next()
	if name.kind != tokIdent {
		return nil, p.fail(name, "want a type name such as STRING, BIGINT or DECIMAL(10, 2)")
	}
	tn := TypeName{Name: name.upper()}
	// Two-word type names.
	switch tn.Name {
	case "DOUBLE":
		if p.isKeyword("PRECISION") {
			p.next()
		}
	case "CHARACTER":
		if p.isKeyword("VARYING") {
			p.next()
			tn.Name = "VARCHAR"
		} else {
			tn.Name = "CHAR"
		}
	}
	if n := p.peek(); n.kind == tokOp && n.text == "(" {
		p.next()
		for {
			num := p.next()
			v, err := strconv.Atoi(num.text)
			if num.kind != tokNumber || err != nil || v < 0 || v > 1<<20 {
				return nil, p.fail(num, "want a whole number as a type parameter, found %s", describe(num))
			}
			tn.Params = append(tn.Params, v)
			sep := p.next()
			if sep.kind == tokOp && sep.text == ")" {
				break
			}
			if sep.kind != tokOp || sep.text != "," || len(tn.Params) == 2 {
				return nil, p.fail(sep, "want ) after the type's parameters")
			}
		}
	}
	if err := p.op(")"); err != nil {
		return nil, err
	}
	return &Cast{X: x, Type: tn, Try: try, Position: t.pos}, nil
}

// call parses a function call whose name t was read; the next token is (.
func (p *parser) call(t token) (Expr, error) {
	p.next() // (
	c := &Call{Name: t.upper(), Position: t.pos}
	var err error
	switch c.Name {
	case "SUBSTRING", "POSITION", "OVERLAY", "EXTRACT", "TRIM":
		if err = p.specialForm(c); err != nil {
			return nil, err
		}
		return c, nil
	case "TIMESTAMPADD", "TIMESTAMPDIFF":
		u := p.next()
		if u.kind != tokIdent {
			return nil, p.fail(u, "want a time unit such as DAY as the first argument of %s", c.Name)
		}
		c.Unit = u.upper()
		if err := p.op(","); err != nil {
			return nil, err
		}
	}
	if n := p.peek(); n.kind == tokOp && n.text == ")" && c.Unit == "" {
		p.next()
		return c, nil
	}
	for {
		a, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		s := p.next()
		if s.kind == tokOp && s.text == ")" {
			return c, nil
		}
		if s.kind != tokOp || s.text != "," {
			return nil, p.fail(s, "want , or ) in the arguments of %s, found %s", c.Name, describe(s))
		}
	}
}

// specialForm parses the arguments of SUBSTRING, POSITION, OVERLAY, EXTRACT
// and TRIM in their SQL forms (and, for SUBSTRING, POSITION, OVERLAY and
// TRIM, also with commas).
func (p *parser) specialForm(c *Call) error {
	arg := func() (Expr, error) { return p.expr(0) }
	// FROM, FOR and PLACING start no infix operator, so an argument ends
	// there; IN does, and POSITION's first argument is parsed with noIn.
	optional := func(kw string) (Expr, error) {
		if !p.isKeyword(kw) {
			return nil, nil
		}
		p.next()
		return arg()
	}
	switch c.Name {
	case "EXTRACT":
		u := p.next()
		if u.kind != tokIdent {
			return p.fail(u, "want a time unit such as YEAR in EXTRACT(unit FROM t)")
		}
		c.Unit = u.upper()
		if err := p.keyword("FROM"); err != nil {
			return err
		}
		x, err := arg()
		if err != nil {
			return err
		}
		c.Args = []Expr{x}
		return p.op(")")
	case "TRIM":
		switch w := p.peek().upper(); w {
		case "BOTH", "LEADING", "TRAILING":
			p.next()
			c.Unit = w
		}
		if c.Unit != "" && p.isKeyword("FROM") {
			p.next()
			s, err := arg()
			if err != nil {
				return err
			}
			c.Args = []Expr{s}
			return p.op(")")
		}
		first, err := arg()
		if err != nil {
			return err
		}
		if p.isKeyword("FROM") {
			p.next()
			s, err := arg()
			if err != nil {
				return err
			}
			if c.Unit == "" {
				c.Unit = "BOTH"
			}
			c.Args = []Expr{s, first}
			return p.op(")")
		}
		if c.Unit != "" {
			return p.fail(p.peek(), "want FROM in TRIM(%s chars FROM string)", c.Unit)
		}
		c.Args = []Expr{first}
		for p.peek().kind == tokOp && p.peek().text == "," {
			p.next()
			a, err := arg()
			if err != nil {
				return err
			}
			c.Args = append(c.Args, a)
		}
		return p.op(")")
	}
	p.noIn = c.Name == "POSITION"
	first, err := arg()
	p.noIn = false
	if err != nil {
		return err
	}
	c.Args = []Expr{first}
	sep := map[string][2]string{"SUBSTRING": {"FROM", "FOR"}, "POSITION": {"IN", "FROM"}, "OVERLAY": {"PLACING", "FROM"}}[c.Name]
	if p.isKeyword(sep[0]) {
		p.next()
		second, err := arg()
		if err != nil {
			return err
		}
		c.Args = append(c.Args, second)
		if c.Name == "OVERLAY" {
			if err := p.keyword("FROM"); err != nil {
				return err
			}
			from, err := arg()
			if err != nil {
				return err
			}
			c.Args = append(c.Args, from)
			sep[1] = "FOR"
		}
		last, err := optional(sep[1])
		if err != nil {
			return err
		}
		if last != nil {
			c.Args = append(c.Args, last)
		}
		return p.op(")")
	}
	for p.peek().kind == tokOp && p.peek().text == "," {
		p.next()
		a, err := arg()
		if err != nil {
			return err
		}
		c.Args = append(c.Args, a)
	}
	return p.op(")")
}

var intervalUnits = map[string]bool{"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true}

// interval parses INTERVAL 'value' unit [TO unit]; the value is checked
// against the units by intervalAmount.
func (p *parser) interval(t token) (Expr, error) {
	v := p.next()
	if v.kind != tokString {
		return nil, p.fail(v, "want the interval's value as a string, such as INTERVAL '8' HOUR")
	}
	u := p.next()
	if !intervalUnits[u.upper()] {
		return nil, p.fail(u, "want an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND), found %s", describe(u))
	}
	iv := &Interval{Value: v.text, Unit: u.upper(), Position: t.pos}
	if p.isKeyword("TO") {
		p.next()
		to := p.next()
		if !intervalUnits[to.upper()] {
			return nil, p.fail(to, "want an interval unit after TO, found %s", describe(to))
		}
		iv.To = to.upper()
	}
	if _, _, err := intervalAmount(iv); err != nil {
		return nil, p.fail(v, "%v", err)
	}
	return iv, nil
}
