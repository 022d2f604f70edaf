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

// writeAt renders e, in parentheses when its operator binds less tightly
// than min.
func writeAt(b *strings.Builder, e Expr, min int) {
	if prec(e) < min {
		b.WriteByte('(')
		write(b, e)
		b.WriteByte(')')
		return
	}
	write(b, e)
}

func render(e Expr) string {
	var b strings.Builder
	write(&b, e)
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

func not(b *strings.Builder, n bool) {
	if n {
		b.WriteString(" NOT")
	}
}

func write(b *strings.Builder, e Expr) {
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
		b.WriteString(quoteIdent(e.Name))
	case *Unary:
		if e.Op == "NOT" {
			b.WriteString("NOT ")
			writeAt(b, e.X, precNot)
			return
		}
		b.WriteString(e.Op)
		// "- -1" must not read as a comment, "- +1" is kept apart too.
		if _, ok := e.X.(*Unary); ok {
			b.WriteByte('(')
			write(b, e.X)
			b.WriteByte(')')
			return
		}
		writeAt(b, e.X, precUnary)
	case *Binary:
		p := prec(e)
		writeAt(b, e.L, p)
		b.WriteString(" " + e.Op + " ")
		writeAt(b, e.R, p+1)
	case *Is:
		writeAt(b, e.X, precCompare)
		b.WriteString(" IS")
		not(b, e.Not)
		b.WriteString(" " + e.What)
	case *DistinctFrom:
		writeAt(b, e.L, precCompare)
		b.WriteString(" IS")
		not(b, e.Not)
		b.WriteString(" DISTINCT FROM ")
		writeAt(b, e.R, precAdd)
	case *Between:
		writeAt(b, e.X, precCompare)
		not(b, e.Not)
		b.WriteString(" BETWEEN ")
		writeAt(b, e.Low, precAdd)
		b.WriteString(" AND ")
		writeAt(b, e.High, precAdd)
	case *In:
		writeAt(b, e.X, precCompare)
		not(b, e.Not)
		b.WriteString(" IN (")
		writeList(b, e.List)
		b.WriteByte(')')
	case *Like:
		writeAt(b, e.X, precCompare)
		not(b, e.Not)
		if e.Similar {
			b.WriteString(" SIMILAR TO ")
		} else {
			b.WriteString(" LIKE ")
		}
		writeAt(b, e.Pattern, precAdd)
		if e.Escape != nil {
			b.WriteString(" ESCAPE ")
			writeAt(b, e.Escape, precAdd)
		}
	case *Case:
		b.WriteString("CASE")
		if e.Operand != nil {
			b.WriteByte(' ')
			write(b, e.Operand)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			writeList(b, w.Conds)
			b.WriteString(" THEN ")
			write(b, w.Then)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			write(b, e.Else)
		}
		b.WriteString(" END")
	case *Cast:
		if e.Try {
			b.WriteString("TRY_CAST(")
		} else {
			b.WriteString("CAST(")
		}
		write(b, e.X)
		b.WriteString(" AS " + e.Type.String() + ")")
	case *Call:
		writeCall(b, e, write)
	}
}

func writeList(b *strings.Builder, list []Expr) {
	for i, x := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		write(b, x)
	}
}

// writeCall renders a call, the special forms in their SQL syntax; w
// renders the arguments (so the Flink SQL renderer shares it).
func writeCall(b *strings.Builder, c *Call, w func(*strings.Builder, Expr)) {
	if c.Niladic {
		b.WriteString(c.Name)
		return
	}
	b.WriteString(c.Name)
	b.WriteByte('(')
	defer b.WriteByte(')')
	arg := func(i int) { w(b, c.Args[i]) }
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
		arg(i)
	}
}
