package expr

import (
	"strings"
)

// prec returns the precedence level of e's outermost operator.
func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "OR":
			return precOr
		case "AND":
			return precAnd
		case "+", "-":
			return precAdd
		case "*", "/", "%", "||":
			return precMul
		}
		return precCompare
	case *Unary:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *Is, *DistinctFrom, *Between, *In, *Like:
		return precCompare
	}
	return precPrimary
}

// printer renders a tree: as this package's syntax, or (flink set) as Flink
// SQL, which quotes every name and parenthesises every operand that is a
// comparison, since Calcite ranks IS, BETWEEN and = differently.
type printer struct {
	b     *strings.Builder
	flink bool
}

// writeAt renders e, in parentheses when its operator binds less tightly
// than min.
func (p printer) writeAt(e Expr, min int) {
	if prec(e) < min || p.flink && min >= precCompare && prec(e) <= precCompare {
		p.b.WriteByte('(')
		p.write(e)
		p.b.WriteByte(')')
		return
	}
	p.write(e)
}

func render(e Expr) string {
	var b strings.Builder
	printer{b: &b}.write(e)
	return b.String()
}

func renderFlink(e Expr) string {
	var b strings.Builder
	printer{b: &b, flink: true}.write(e)
	return b.String()
}

func (e *Literal) String() string      { return render(e) }
func (e *Column) String() string       { return render(e) }
func (e *Unary) String() string        { return render(e) }
func (e *Binary) String() string       { return render(e) }
func (e *Is) String() string           { return render(e) }
func (e *DistinctFrom) String() string { return render(e) }
func (e *Between) String() string      { return render(e) }
func (e *In) String() string           { return render(e) }
func (e *Like) String() string         { return render(e) }
func (e *Case) String() string         { return render(e) }
func (e *Cast) String() string         { return render(e) }
func (e *Call) String() string         { return render(e) }
func (e *Interval) String() string     { return render(e) }

func (p printer) not(n bool) {
	if n {
		p.b.WriteString(" NOT")
	}
}

func (p printer) write(e Expr) {
	b := p.b
	switch e := e.(type) {
	case *Literal:
		switch e.Kind {
		case LitString:
			b.WriteString(quoteString(e.Text))
		case LitDate:
			b.WriteString("DATE " + quoteString(e.Text))
		case LitTime:
			b.WriteString("TIME " + quoteString(e.Text))
		case LitTimestamp:
			b.WriteString("TIMESTAMP " + quoteString(e.Text))
		default:
			b.WriteString(e.Text)
		}
	case *Column:
		if p.flink {
			b.WriteString("`" + strings.ReplaceAll(e.Name, "`", "``") + "`")
		} else {
			b.WriteString(quoteIdent(e.Name))
		}
	case *Unary:
		if e.Op == "NOT" {
			b.WriteString("NOT ")
			p.writeAt(e.X, precNot)
			return
		}
		b.WriteString(e.Op)
		// "- -1" must not read as a comment, "- +1" is kept apart too.
		if _, ok := e.X.(*Unary); ok {
			b.WriteByte('(')
			p.write(e.X)
			b.WriteByte(')')
			return
		}
		p.writeAt(e.X, precUnary)
	case *Binary:
		level := prec(e)
		p.writeAt(e.L, level)
		b.WriteString(" " + e.Op + " ")
		p.writeAt(e.R, level+1)
	case *Is:
		p.writeAt(e.X, precCompare)
		b.WriteString(" IS")
		p.not(e.Not)
		b.WriteString(" " + e.What)
	case *DistinctFrom:
		p.writeAt(e.L, precCompare)
		b.WriteString(" IS")
		p.not(e.Not)
		b.WriteString(" DISTINCT FROM ")
		p.writeAt(e.R, precAdd)
	case *Between:
		p.writeAt(e.X, precCompare)
		p.not(e.Not)
		b.WriteString(" BETWEEN ")
		p.writeAt(e.Low, precAdd)
		b.WriteString(" AND ")
		p.writeAt(e.High, precAdd)
	case *In:
		p.writeAt(e.X, precCompare)
		p.not(e.Not)
		b.WriteString(" IN (")
		p.writeList(e.List)
		b.WriteByte(')')
	case *Like:
		p.writeAt(e.X, precCompare)
		p.not(e.Not)
		if e.Similar {
			b.WriteString(" SIMILAR TO ")
		} else {
			b.WriteString(" LIKE ")
		}
		p.writeAt(e.Pattern, precAdd)
		if e.Escape != nil {
			b.WriteString(" ESCAPE ")
			p.writeAt(e.Escape, precAdd)
		}
	case *Case:
		b.WriteString("CASE")
		if e.Operand != nil {
			b.WriteByte(' ')
			p.write(e.Operand)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			p.writeList(w.Conds)
			b.WriteString(" THEN ")
			p.write(w.Then)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			p.write(e.Else)
		}
		b.WriteString(" END")
	case *Cast:
		if e.Try {
			b.WriteString("TRY_CAST(")
		} else {
			b.WriteString("CAST(")
		}
		p.write(e.X)
		b.WriteString(" AS " + e.Type.String() + ")")
	case *Call:
		p.writeCall(e)
	case *Interval:
		b.WriteString("INTERVAL " + quoteString(e.Value) + " " + e.Unit)
		if e.To != "" {
			b.WriteString(" TO " + e.To)
		}
	}
}

func (p printer) writeList(list []Expr) {
	for i, x := range list {
		if i > 0 {
			p.b.WriteString(", ")
		}
		p.write(x)
	}
}

// writeCall renders a call, the special forms in their SQL syntax.
func (p printer) writeCall(c *Call) {
	b := p.b
	if c.Niladic {
		b.WriteString(c.Name)
		return
	}
	b.WriteString(c.Name)
	b.WriteByte('(')
	defer b.WriteByte(')')
	arg := func(i int) { p.write(c.Args[i]) }
	switch {
	case c.Name == "EXTRACT" && len(c.Args) == 1:
		b.WriteString(c.Unit + " FROM ")
		arg(0)
		return
	case c.Name == "TRIM" && c.Unit != "":
		b.WriteString(c.Unit + " ")
		if len(c.Args) == 2 {
			arg(1)
			b.WriteByte(' ')
		}
		b.WriteString("FROM ")
		arg(0)
		return
	case c.Name == "SUBSTRING" && (len(c.Args) == 2 || len(c.Args) == 3):
		arg(0)
		b.WriteString(" FROM ")
		arg(1)
		if len(c.Args) == 3 {
			b.WriteString(" FOR ")
			arg(2)
		}
		return
	case c.Name == "POSITION" && (len(c.Args) == 2 || len(c.Args) == 3):
		// The first argument is read with IN ending it: parenthesise any
		// operator.
		if prec(c.Args[0]) < precPrimary {
			b.WriteByte('(')
			arg(0)
			b.WriteByte(')')
		} else {
			arg(0)
		}
		b.WriteString(" IN ")
		arg(1)
		if len(c.Args) == 3 {
			b.WriteString(" FROM ")
			arg(2)
		}
		return
	case c.Name == "OVERLAY" && (len(c.Args) == 3 || len(c.Args) == 4):
		arg(0)
		b.WriteString(" PLACING ")
		arg(1)
		b.WriteString(" FROM ")
		arg(2)
		if len(c.Args) == 4 {
			b.WriteString(" FOR ")
			arg(3)
		}
		return
	case c.Unit != "":
		b.WriteString(c.Unit)
		if len(c.Args) > 0 {
			b.WriteString(", ")
		}
	}
	for i := range c.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 0 && c.Name == "POSITION" && prec(c.Args[0]) < precPrimary {
			// POSITION reads its first argument with IN ending it.
			b.WriteByte('(')
			arg(i)
			b.WriteByte(')')
			continue
		}
		arg(i)
	}
}
