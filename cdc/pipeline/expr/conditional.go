package expr

import (
	"slices"

	"github.com/rtdw/rtdw/cdc"
)

// common returns the base and type that the values of ns convert to when
// they are the branches of one result (CASE, COALESCE, IF, IFNULL), and
// false when they have none.
func common(ns []node) (base, cdc.ColumnType, bool) {
	var live []node
	for _, n := range ns {
		if n.b != bNull {
			live = append(live, n)
		}
	}
	if len(live) == 0 {
		return bNull, stringType(0), true
	}
	b := live[0].b
	same := true
	for _, n := range live[1:] {
		switch {
		case n.b == b:
		case n.b.numeric() && b.numeric():
			b, _ = promote(b, n.b)
		case (n.b == bDate || n.b == bTimestamp) && (b == bDate || b == bTimestamp):
			b = bTimestamp
		default:
			return 0, cdc.ColumnType{}, false
		}
		same = same && sameType(n.ct, live[0].ct)
	}
	if same && live[0].b == b {
		return b, live[0].ct, true
	}
	switch b {
	case bString:
		n := 0
		for _, x := range live {
			if x.ct.Length == 0 || x.ct.Kind != cdc.KindVarChar && x.ct.Kind != cdc.KindChar {
				return b, stringType(0), true
			}
			n = max(n, x.ct.Length)
		}
		return b, stringType(n), true
	case bDecimal:
		intDigits, scale := 0, 0
		for _, x := range live {
			p, s := precisionScale(x)
			intDigits, scale = max(intDigits, p-s), max(scale, s)
		}
		return b, decimalType(intDigits+scale, scale), true
	case bTimestamp:
		fsp := 0
		for _, x := range live {
			fsp = max(fsp, x.ct.FSP)
		}
		return b, timestampType(fsp, false), true
	}
	return b, defaultType(b), true
}

func sameType(a, b cdc.ColumnType) bool {
	return a.Kind == b.Kind && a.Unsigned == b.Unsigned && a.Length == b.Length && a.Precision == b.Precision &&
		a.Scale == b.Scale && a.FSP == b.FSP && slices.Equal(a.Elements, b.Elements)
}

// coerce converts n's values to base b.
func coerce(n node, b base, ct cdc.ColumnType) node {
	if n.b == b || n.b == bNull {
		n.b = b
		n.ct = ct
		return n
	}
	from, fromCT, inner := n.b, n.ct, n.eval
	n.eval = func(ctx evalCtx) (value, error) {
		v, err := inner(ctx)
		if err != nil || v.null {
			return v, err
		}
		return convert(v, from, fromCT, b, ct)
	}
	n.b, n.ct = b, ct
	return n
}

func (c *compiler) branches(e Expr, what string, ns []node) ([]node, base, cdc.ColumnType, bool) {
	b, ct, ok := common(ns)
	if !ok {
		var types []string
		for _, n := range ns {
			types = append(types, n.b.String())
		}
		c.problem(e.String(), "the %s have no common type (%v); CAST them to one type", what, types)
		return nil, 0, ct, false
	}
	out := make([]node, len(ns))
	for i, n := range ns {
		out[i] = coerce(n, b, ct)
	}
	return out, b, ct, true
}

func (c *compiler) caseExpr(e *Case) node {
	var operand node
	if e.Operand != nil {
		if operand = c.compile(e.Operand); operand.eval == nil {
			return node{}
		}
	}
	type arm struct {
		conds []node
		cmps  []func(x, y value) (int, error)
	}
	arms := make([]arm, len(e.Whens))
	results := make([]node, 0, len(e.Whens)+1)
	ok := true
	for i, w := range e.Whens {
		conds, good := c.compileAll(w.Conds)
		ok = ok && good
		for j, cond := range conds {
			if cond.eval == nil {
				continue
			}
			if e.Operand == nil {
				if cond.b != bBool && cond.b != bNull {
					c.problem(w.Conds[j].String(), "a WHEN condition must be BOOLEAN, not %s; compare it with something", cond.b)
					ok = false
				}
				continue
			}
			f, good := c.comparator(e, operand, cond)
			ok = ok && good
			arms[i].cmps = append(arms[i].cmps, f)
		}
		arms[i].conds = conds
		then := c.compile(w.Then)
		ok = ok && then.eval != nil
		results = append(results, then)
	}
	hasElse := e.Else != nil
	if hasElse {
		els := c.compile(e.Else)
		ok = ok && els.eval != nil
		results = append(results, els)
	}
	if !ok {
		return node{}
	}
	results, b, ct, ok := c.branches(e, "results of CASE", results)
	if !ok {
		return node{}
	}
	simple := e.Operand != nil
	constant := (!simple || operand.constant) && allConstant(results...)
	for _, a := range arms {
		constant = constant && allConstant(a.conds...)
	}
	return node{b: b, ct: ct, constant: constant, eval: func(ctx evalCtx) (value, error) {
		var x value
		if simple {
			var err error
			if x, err = operand.eval(ctx); err != nil {
				return x, err
			}
		}
		for i, a := range arms {
			for j, cond := range a.conds {
				v, err := cond.eval(ctx)
				if err != nil {
					return v, err
				}
				if v.null {
					continue
				}
				if !simple {
					if v.i != 0 {
						return results[i].eval(ctx)
					}
					continue
				}
				if x.null {
					continue
				}
				n, err := a.cmps[j](x, v)
				if err != nil {
					return value{}, err
				}
				if n == 0 {
					return results[i].eval(ctx)
				}
			}
		}
		if hasElse {
			return results[len(results)-1].eval(ctx)
		}
		return nullValue, nil
	}}
}

func (c *compiler) coalesce(e *Call, args []node) node {
	args, b, ct, ok := c.branches(e, "arguments of "+e.Name, args)
	if !ok {
		return node{}
	}
	return node{b: b, ct: ct, constant: allConstant(args...), eval: func(ctx evalCtx) (value, error) {
		for _, a := range args {
			v, err := a.eval(ctx)
			if err != nil || !v.null {
				return v, err
			}
		}
		return nullValue, nil
	}}
}

func (c *compiler) ifFunc(e *Call, args []node) node {
	cond := args[0]
	if cond.b != bBool && cond.b != bNull {
		return c.bad(e, "IF's first argument must be a condition (BOOLEAN), not %s", cond.b)
	}
	rs, b, ct, ok := c.branches(e, "results of IF", args[1:])
	if !ok {
		return node{}
	}
	then, els := rs[0], rs[1]
	return node{b: b, ct: ct, constant: allConstant(args...), eval: func(ctx evalCtx) (value, error) {
		v, err := cond.eval(ctx)
		if err != nil {
			return v, err
		}
		if !v.null && v.i != 0 {
			return then.eval(ctx)
		}
		return els.eval(ctx)
	}}
}

func (c *compiler) nullIf(e *Call, args []node) node {
	x, y := args[0], args[1]
	f, ok := c.comparator(e, x, y)
	if !ok {
		return node{}
	}
	return node{b: x.b, ct: x.ct, constant: allConstant(args...), eval: func(ctx evalCtx) (value, error) {
		a, err := x.eval(ctx)
		if err != nil || a.null {
			return a, err
		}
		b, err := y.eval(ctx)
		if err != nil || b.null {
			return a, err
		}
		n, err := f(a, b)
		if err != nil {
			return value{}, err
		}
		if n == 0 {
			return nullValue, nil
		}
		return a, nil
	}}
}
