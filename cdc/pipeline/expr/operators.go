package expr

import (
	"cmp"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

func (c *compiler) unary(e *Unary) node {
	x := c.compile(e.X)
	if x.eval == nil {
		return node{}
	}
	switch e.Op {
	case "NOT":
		if x.b != bBool && x.b != bNull {
			return c.bad(e, "NOT takes a condition (BOOLEAN), not %s", x.b)
		}
		return node{b: bBool, ct: typeBool, constant: x.constant, eval: func(ctx evalCtx) (value, error) {
			v, err := x.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			return boolValue(v.i == 0), nil
		}}
	case "+":
		if !x.b.numeric() {
			return c.bad(e, "unary + takes a number, not %s", x.b)
		}
		return x
	}
	// "-"
	switch x.b {
	case bInt:
		// BIGINT: -x of a TINYINT or an INT UNSIGNED may not fit x's type.
		return node{b: bInt, ct: typeBigInt, constant: x.constant, eval: func(ctx evalCtx) (value, error) {
			v, err := x.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			if v.i == math.MinInt64 {
				return value{}, evalErr(e, "BIGINT value out of range")
			}
			return value{i: -v.i}, nil
		}}
	case bDecimal:
		p, sc := precisionScale(x)
		return node{b: bDecimal, ct: decimalType(p, sc), constant: x.constant, eval: func(ctx evalCtx) (value, error) {
			v, err := x.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			return value{d: v.d.Neg()}, nil
		}}
	case bFloat:
		return node{b: bFloat, ct: x.ct, constant: x.constant, eval: func(ctx evalCtx) (value, error) {
			v, err := x.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			return value{f: -v.f}, nil
		}}
	case bNull:
		return x
	}
	return c.bad(e, "unary - takes a number, not %s", x.b)
}

func (c *compiler) binary(e *Binary) node {
	if iv, ok := e.R.(*Interval); ok && (e.Op == "+" || e.Op == "-") {
		return c.addInterval(e, e.L, iv, e.Op == "-")
	}
	if iv, ok := e.L.(*Interval); ok && e.Op == "+" {
		return c.addInterval(e, e.R, iv, false)
	}
	l, r := c.compile(e.L), c.compile(e.R)
	if l.eval == nil || r.eval == nil {
		return node{}
	}
	switch e.Op {
	case "AND", "OR":
		return c.logical(e, l, r)
	case "=", "<>", "<", "<=", ">", ">=":
		return c.comparison(e, l, r)
	case "||":
		return c.concat(e, []node{l, r})
	}
	return c.arithmetic(e, l, r)
}

func (c *compiler) logical(e *Binary, l, r node) node {
	for _, n := range []node{l, r} {
		if n.b != bBool && n.b != bNull {
			return c.bad(e, "%s takes conditions (BOOLEAN) on both sides; %s is %s", e.Op, n.expr, n.b)
		}
	}
	and := e.Op == "AND"
	// Three-valued logic, the right side evaluated only when the left does
	// not decide: FALSE AND x is FALSE, TRUE OR x is TRUE.
	return node{b: bBool, ct: typeBool, constant: allConstant(l, r), eval: func(ctx evalCtx) (value, error) {
		a, err := l.eval(ctx)
		if err != nil {
			return a, err
		}
		if !a.null && (a.i != 0) != and {
			return boolValue(!and), nil
		}
		b, err := r.eval(ctx)
		if err != nil {
			return b, err
		}
		if !b.null && (b.i != 0) != and {
			return boolValue(!and), nil
		}
		if a.null || b.null {
			return nullValue, nil
		}
		return boolValue(and), nil
	}}
}

// comparer returns a function comparing a value of base a with one of base
// b (-1, 0, +1), having converted them to a common base; ok is false when
// the two cannot be compared.
func comparer(a, b base) (func(x, y value) (int, error), bool) {
	switch {
	case a == bNull || b == bNull:
		return func(value, value) (int, error) { return 0, nil }, true
	case a == bInt && b == bInt:
		return func(x, y value) (int, error) { return cmp.Compare(x.i, y.i), nil }, true
	case a.numeric() && b.numeric():
		if a == bFloat || b == bFloat {
			return func(x, y value) (int, error) { return cmp.Compare(toFloat(x, a), toFloat(y, b)), nil }, true
		}
		return func(x, y value) (int, error) { return toDecimal(x, a).Cmp(toDecimal(y, b)), nil }, true
	case a == bString && b == bString:
		return func(x, y value) (int, error) { return strings.Compare(x.s, y.s), nil }, true
	case a == bBytes && b == bBytes:
		return func(x, y value) (int, error) { return strings.Compare(x.s, y.s), nil }, true
	case (a == bBytes || a == bString) && (b == bBytes || b == bString):
		return func(x, y value) (int, error) { return strings.Compare(x.s, y.s), nil }, true
	case a == bBool && b == bBool:
		return func(x, y value) (int, error) { return cmp.Compare(truth(x), truth(y)), nil }, true
	case a == bBool && b.numeric():
		// A TINYINT(1) column (BOOLEAN) compared with a number: by its
		// number, as MySQL compares it.
		return comparer(bInt, b)
	case a.numeric() && b == bBool:
		return comparer(a, bInt)
	case (a == bDate || a == bTimestamp) && (b == bDate || b == bTimestamp):
		return func(x, y value) (int, error) { return compareTimes(x, y), nil }, true
	case a == bTime && b == bTime:
		return func(x, y value) (int, error) { return cmp.Compare(x.i, y.i), nil }, true
	case a.temporal() && b == bString:
		return func(x, y value) (int, error) {
			v, err := convert(y, bString, cdc.ColumnType{}, a, defaultType(a))
			if err != nil {
				return 0, err
			}
			return compareSame(x, v, a), nil
		}, true
	case a == bString && b.temporal():
		return func(x, y value) (int, error) {
			v, err := convert(x, bString, cdc.ColumnType{}, b, defaultType(b))
			if err != nil {
				return 0, err
			}
			return compareSame(v, y, b), nil
		}, true
	}
	return nil, false
}

func compareSame(x, y value, b base) int {
	if b == bTime {
		return cmp.Compare(x.i, y.i)
	}
	return compareTimes(x, y)
}

func (c *compiler) comparator(e Expr, l, r node) (func(x, y value) (int, error), bool) {
	f, ok := comparer(l.b, r.b)
	if !ok {
		c.problem(e.String(), "cannot compare %s (%s) with %s (%s); CAST one side to the other's type", l.expr, l.b, r.expr, r.b)
		return nil, false
	}
	// An instant meeting a wall clock is compared as the session zone's
	// wall clock (see sameClock).
	wallL, wallR := false, false
	if instant(l) != instant(r) && (l.b.temporal() || l.b == bString) && (r.b.temporal() || r.b == bString) {
		wallL, wallR = instant(l), instant(r)
	}
	loc := c.opts.location()
	return func(x, y value) (int, error) {
		if wallL {
			x = timeValue(wallClockIn(x.time(), loc))
		}
		if wallR {
			y = timeValue(wallClockIn(y.time(), loc))
		}
		n, err := f(x, y)
		if err != nil {
			return 0, evalErr(e, "%v", err)
		}
		return n, nil
	}, true
}

// comparison compiles = <> < <= > >=. As Flink CDC documents, a comparison
// with a NULL operand is FALSE, never NULL.
func (c *compiler) comparison(e *Binary, l, r node) node {
	f, ok := c.comparator(e, l, r)
	if !ok {
		return node{}
	}
	var test func(int) bool
	switch e.Op {
	case "=":
		test = func(n int) bool { return n == 0 }
	case "<>":
		test = func(n int) bool { return n != 0 }
	case "<":
		test = func(n int) bool { return n < 0 }
	case "<=":
		test = func(n int) bool { return n <= 0 }
	case ">":
		test = func(n int) bool { return n > 0 }
	default:
		test = func(n int) bool { return n >= 0 }
	}
	if r.constant && !l.constant {
		// column <op> constant, the common case: the constant is read once.
		if b, err := r.eval(evalCtx{}); err == nil {
			return node{b: bBool, ct: typeBool, eval: func(ctx evalCtx) (value, error) {
				a, err := l.eval(ctx)
				if err != nil || a.null || b.null {
					return value{}, err
				}
				n, err := f(a, b)
				if err != nil {
					return value{}, err
				}
				return boolValue(test(n)), nil
			}}
		}
	}
	return node{b: bBool, ct: typeBool, constant: allConstant(l, r), eval: func(ctx evalCtx) (value, error) {
		a, err := l.eval(ctx)
		if err != nil {
			return a, err
		}
		b, err := r.eval(ctx)
		if err != nil {
			return b, err
		}
		if a.null || b.null {
			return value{}, nil
		}
		n, err := f(a, b)
		if err != nil {
			return value{}, err
		}
		return boolValue(test(n)), nil
	}}
}

func (c *compiler) isTest(e *Is) node {
	x := c.compile(e.X)
	if x.eval == nil {
		return node{}
	}
	want := e.What
	if want != "NULL" && x.b != bBool && x.b != bNull {
		return c.bad(e, "IS %s takes a condition (BOOLEAN), not %s", want, x.b)
	}
	neg := e.Not
	return node{b: bBool, ct: typeBool, constant: x.constant, eval: func(ctx evalCtx) (value, error) {
		v, err := x.eval(ctx)
		if err != nil {
			return v, err
		}
		var r bool
		switch want {
		case "NULL", "UNKNOWN":
			r = v.null
		case "TRUE":
			r = !v.null && v.i != 0
		default:
			r = !v.null && v.i == 0
		}
		return boolValue(r != neg), nil
	}}
}

func (c *compiler) distinctFrom(e *DistinctFrom) node {
	l, r := c.compile(e.L), c.compile(e.R)
	if l.eval == nil || r.eval == nil {
		return node{}
	}
	f, ok := c.comparator(e, l, r)
	if !ok {
		return node{}
	}
	neg := e.Not
	return node{b: bBool, ct: typeBool, constant: allConstant(l, r), eval: func(ctx evalCtx) (value, error) {
		a, err := l.eval(ctx)
		if err != nil {
			return a, err
		}
		b, err := r.eval(ctx)
		if err != nil {
			return b, err
		}
		var distinct bool
		if a.null || b.null {
			distinct = a.null != b.null
		} else {
			n, err := f(a, b)
			if err != nil {
				return value{}, err
			}
			distinct = n != 0
		}
		return boolValue(distinct != neg), nil
	}}
}

// between compiles [NOT] BETWEEN: FALSE when any operand is NULL, like
// every comparison.
func (c *compiler) between(e *Between) node {
	ns, ok := c.compileAll([]Expr{e.X, e.Low, e.High})
	if !ok {
		return node{}
	}
	x, lo, hi := ns[0], ns[1], ns[2]
	fl, ok1 := c.comparator(e, x, lo)
	fh, ok2 := c.comparator(e, x, hi)
	if !ok1 || !ok2 {
		return node{}
	}
	neg := e.Not
	return node{b: bBool, ct: typeBool, constant: allConstant(ns...), eval: func(ctx evalCtx) (value, error) {
		v, err := x.eval(ctx)
		if err != nil {
			return v, err
		}
		a, err := lo.eval(ctx)
		if err != nil {
			return a, err
		}
		b, err := hi.eval(ctx)
		if err != nil {
			return b, err
		}
		if v.null || a.null || b.null {
			return value{}, nil
		}
		n1, err := fl(v, a)
		if err != nil {
			return value{}, err
		}
		n2, err := fh(v, b)
		if err != nil {
			return value{}, err
		}
		return boolValue((n1 >= 0 && n2 <= 0) != neg), nil
	}}
}

// in compiles [NOT] IN: FALSE when the value is NULL; a NULL in the list
// matches nothing.
func (c *compiler) in(e *In) node {
	x := c.compile(e.X)
	list, ok := c.compileAll(e.List)
	if x.eval == nil || !ok {
		return node{}
	}
	fs := make([]func(x, y value) (int, error), len(list))
	for i, n := range list {
		if fs[i], ok = c.comparator(e, x, n); !ok {
			return node{}
		}
	}
	neg := e.Not
	return node{b: bBool, ct: typeBool, constant: x.constant && allConstant(list...), eval: func(ctx evalCtx) (value, error) {
		v, err := x.eval(ctx)
		if err != nil || v.null {
			return value{}, err
		}
		for i, n := range list {
			w, err := n.eval(ctx)
			if err != nil {
				return w, err
			}
			if w.null {
				continue
			}
			k, err := fs[i](v, w)
			if err != nil {
				return value{}, err
			}
			if k == 0 {
				return boolValue(!neg), nil
			}
		}
		return boolValue(neg), nil
	}}
}

// promote returns the base arithmetic on a and b computes in.
func promote(a, b base) (base, bool) {
	switch {
	case !a.numeric() && a != bNull || !b.numeric() && b != bNull:
		return 0, false
	case a == bFloat || b == bFloat:
		return bFloat, true
	case a == bDecimal || b == bDecimal:
		return bDecimal, true
	}
	return bInt, true
}

// precisionScale returns the digits of a numeric node's values, in all and
// after the point, for the type of a decimal result.
func precisionScale(n node) (int, int) {
	switch n.b {
	case bDecimal:
		if n.ct.Kind == cdc.KindDecimal {
			return n.ct.Precision, n.ct.Scale
		}
		return 20, 0 // BIGINT UNSIGNED, BIT(64)
	case bInt:
		if n.constant {
			if v, err := n.eval(evalCtx{}); err == nil && !v.null {
				return max(1, len(decimal.NewFromInt(v.i).Abs().String())), 0
			}
		}
		switch n.ct.Kind {
		case cdc.KindTinyInt:
			return 3, 0
		case cdc.KindSmallInt:
			return 5, 0
		case cdc.KindMediumInt:
			return 8, 0
		case cdc.KindInt:
			return 10, 0
		case cdc.KindYear:
			return 4, 0
		}
		return 19, 0
	}
	return 38, 10
}

func (c *compiler) arithmetic(e *Binary, l, r node) node {
	b, ok := promote(l.b, r.b)
	if !ok {
		hint := ""
		if e.Op == "+" && (l.b == bString || r.b == bString) {
			hint = "; join strings with || or CONCAT"
		} else if e.Op == "-" && l.b.temporal() && r.b.temporal() {
			hint = "; count the time between them with TIMESTAMPDIFF(unit, a, b)"
		} else if l.b.temporal() || r.b.temporal() {
			hint = "; add to dates and times with TIMESTAMPADD(unit, n, t) or DATE_ADD(date, days)"
		}
		return c.bad(e, "%s takes numbers, not %s and %s%s", e.Op, l.b, r.b, hint)
	}
	if l.b == bNull && r.b == bNull {
		b = bInt
	}
	n := node{b: b, constant: allConstant(l, r)}
	switch b {
	case bInt:
		n.ct = typeBigInt
	case bFloat:
		n.ct = typeDouble
	case bDecimal:
		p1, s1 := precisionScale(l)
		p2, s2 := precisionScale(r)
		switch e.Op {
		case "+", "-":
			s := max(s1, s2)
			n.ct = decimalType(max(p1-s1, p2-s2)+s+1, s)
		case "*":
			n.ct = decimalType(p1+p2, s1+s2)
		case "/":
			n.ct = decimalType(p1+s2, s1)
		default:
			n.ct = decimalType(max(p1, p2), max(s1, s2))
		}
	}
	op := e.Op
	scale := int32(n.ct.Scale)
	lb, rb := l.b, r.b
	n.eval = func(ctx evalCtx) (value, error) {
		x, err := l.eval(ctx)
		if err != nil || x.null {
			return x, err
		}
		y, err := r.eval(ctx)
		if err != nil || y.null {
			return y, err
		}
		switch b {
		case bInt:
			return intArith(e, op, x.i, y.i)
		case bFloat:
			return floatArith(op, toFloat(x, lb), toFloat(y, rb)), nil
		}
		return decimalArith(e, op, toDecimal(x, lb), toDecimal(y, rb), scale)
	}
	return n
}

func intArith(e Expr, op string, a, b int64) (value, error) {
	switch op {
	case "+":
		s := a + b
		if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
			return value{}, evalErr(e, "BIGINT value out of range")
		}
		return value{i: s}, nil
	case "-":
		s := a - b
		if (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0) {
			return value{}, evalErr(e, "BIGINT value out of range")
		}
		return value{i: s}, nil
	case "*":
		p := a * b
		if a != 0 && (p/a != b || a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64) {
			return value{}, evalErr(e, "BIGINT value out of range")
		}
		return value{i: p}, nil
	case "/":
		if b == 0 {
			return value{}, evalErr(e, "division by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return value{}, evalErr(e, "BIGINT value out of range")
		}
		return value{i: a / b}, nil
	}
	if b == 0 {
		return value{}, evalErr(e, "division by zero")
	}
	if b == -1 {
		return value{i: 0}, nil
	}
	return value{i: a % b}, nil
}

func floatArith(op string, a, b float64) value {
	switch op {
	case "+":
		return value{f: a + b}
	case "-":
		return value{f: a - b}
	case "*":
		return value{f: a * b}
	case "/":
		return value{f: a / b}
	}
	return value{f: math.Mod(a, b)}
}

func decimalArith(e Expr, op string, a, b decimal.Decimal, scale int32) (value, error) {
	switch op {
	case "+":
		return value{d: a.Add(b)}, nil
	case "-":
		return value{d: a.Sub(b)}, nil
	case "*":
		return value{d: a.Mul(b)}, nil
	}
	if b.IsZero() {
		return value{}, evalErr(e, "division by zero")
	}
	if op == "/" {
		// Flink CDC divides decimals keeping the dividend's scale, rounding
		// toward zero.
		q, _ := a.QuoRem(b, scale)
		return value{d: q}, nil
	}
	return value{d: a.Mod(b)}, nil
}

func toFloat(v value, b base) float64 {
	switch b {
	case bInt, bBool:
		return float64(v.i)
	case bDecimal:
		return v.d.InexactFloat64()
	}
	return v.f
}

func toDecimal(v value, b base) decimal.Decimal {
	switch b {
	case bInt, bBool:
		return decimal.NewFromInt(v.i)
	case bFloat:
		return decimal.NewFromFloat(v.f)
	}
	return v.d
}

// sameClock makes an instant (a TIMESTAMP column, CURRENT_TIMESTAMP) that
// meets a wall-clock value (DATETIME, DATE, a string) into the wall clock
// of the session zone, as MySQL and Flink do when they compare or subtract
// the two.
func (c *compiler) sameClock(l, r node) (node, node) {
	if instant(l) != instant(r) {
		if instant(l) {
			l = c.toWallClock(l)
		} else {
			r = c.toWallClock(r)
		}
	}
	return l, r
}

func (c *compiler) toWallClock(n node) node {
	inner := n.eval
	loc := c.opts.location()
	n.eval = func(ctx evalCtx) (value, error) {
		v, err := inner(ctx)
		if err != nil || v.null {
			return v, err
		}
		return timeValue(wallClockIn(v.time(), loc)), nil
	}
	n.ct = timestampType(n.ct.FSP, false)
	return n
}

// instant reports whether n's values are instants (TIMESTAMP), not wall
// clocks (DATETIME).
func instant(n node) bool { return n.b == bTimestamp && n.ct.Kind == cdc.KindTimestamp }

// wallClockIn returns the wall clock of the instant t in loc, as a time in
// UTC (how DATETIME values are held).
func wallClockIn(t time.Time, loc *time.Location) time.Time {
	w := t.In(loc)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
}

// truth is a BOOLEAN value as 0 or 1.
func truth(v value) int64 {
	if v.i != 0 {
		return 1
	}
	return 0
}
