package expr

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// function describes one supported function: its argument counts and how
// to compile a call of it whose arguments compiled.
type function struct {
	minArgs, maxArgs int // maxArgs -1: any number
	compile          func(c *compiler, e *Call, args []node) node
}

// functions are the supported functions by name; init fills it, because
// some compile functions call back into the compiler that reads it.
var functions map[string]function

// unsupported are Flink CDC's functions that rtdw does not evaluate, each
// with the reason.
var unsupported = map[string]string{
	"REGEXP_EXTRACT_ALL": "it returns an ARRAY, and rtdw's tables hold no arrays",
	"PARSE_JSON":         "it returns a VARIANT, and rtdw's tables hold no variants",
	"TRY_PARSE_JSON":     "it returns a VARIANT, and rtdw's tables hold no variants",
	"ARRAY":              "rtdw's tables hold no arrays",
	"MAP":                "rtdw's tables hold no maps",
	"ROW":                "rtdw's tables hold no nested rows",
	"CARDINALITY":        "rtdw's tables hold no arrays or maps",
	"ARRAY_CONTAINS":     "rtdw's tables hold no arrays",
	"ARRAY_POSITION":     "rtdw's tables hold no arrays",
	"ELEMENT":            "rtdw's tables hold no arrays",
	"AI_COMPLETE":        "AI model functions call a model service per row; call it from a Go transform (pipeline.Func)",
	"AI_EMBED":           "AI model functions call a model service per row; call it from a Go transform (pipeline.Func)",
}

func init() {
	f := func(minArgs, maxArgs int, compile func(c *compiler, e *Call, args []node) node) function {
		return function{minArgs, maxArgs, compile}
	}
	functions = map[string]function{
		// Arithmetic.
		"ABS":     f(1, 1, (*compiler).abs),
		"CEIL":    f(1, 1, (*compiler).ceilFloor),
		"CEILING": f(1, 1, (*compiler).ceilFloor),
		"FLOOR":   f(1, 1, (*compiler).ceilFloor),
		"ROUND":   f(1, 2, (*compiler).round),
		"MOD":     f(2, 2, (*compiler).mod),
		"UUID":    f(0, 0, (*compiler).uuidFunc),
		// Strings.
		"CHAR_LENGTH":        f(1, 1, (*compiler).charLength),
		"CHARACTER_LENGTH":   f(1, 1, (*compiler).charLength),
		"UPPER":              f(1, 1, (*compiler).upperLower),
		"LOWER":              f(1, 1, (*compiler).upperLower),
		"TRIM":               f(1, 2, (*compiler).trim),
		"LTRIM":              f(1, 2, (*compiler).trim),
		"RTRIM":              f(1, 2, (*compiler).trim),
		"BTRIM":              f(1, 2, (*compiler).trim),
		"REGEXP_REPLACE":     f(3, 3, (*compiler).regexpFunc),
		"REGEXP_EXTRACT":     f(2, 3, (*compiler).regexpFunc),
		"REGEXP_COUNT":       f(2, 2, (*compiler).regexpFunc),
		"REGEXP_INSTR":       f(2, 2, (*compiler).regexpFunc),
		"REGEXP_SUBSTR":      f(2, 2, (*compiler).regexpFunc),
		"SUBSTR":             f(2, 3, (*compiler).substring),
		"SUBSTRING":          f(2, 3, (*compiler).substring),
		"OVERLAY":            f(3, 4, (*compiler).overlay),
		"POSITION":           f(2, 3, (*compiler).locate),
		"LOCATE":             f(2, 3, (*compiler).locate),
		"INSTR":              f(2, 2, (*compiler).locate),
		"CONCAT":             f(1, -1, func(c *compiler, e *Call, args []node) node { return c.concat(e, args) }),
		"CONCAT_WS":          f(2, -1, (*compiler).concatWs),
		"LPAD":               f(3, 3, (*compiler).pad),
		"RPAD":               f(3, 3, (*compiler).pad),
		"REPLACE":            f(3, 3, (*compiler).replace),
		"REPEAT":             f(2, 2, (*compiler).repeat),
		"LEFT":               f(2, 2, (*compiler).leftRight),
		"RIGHT":              f(2, 2, (*compiler).leftRight),
		"STARTSWITH":         f(2, 2, (*compiler).startsEnds),
		"ENDSWITH":           f(2, 2, (*compiler).startsEnds),
		"TO_BASE64":          f(1, 1, (*compiler).toBase64),
		"FROM_BASE64":        f(1, 1, (*compiler).fromBase64),
		"FROM_BASE64_BINARY": f(1, 1, (*compiler).fromBase64),
		// Conditions.
		"COALESCE": f(1, -1, (*compiler).coalesce),
		"IFNULL":   f(2, 2, (*compiler).coalesce),
		"IF":       f(3, 3, (*compiler).ifFunc),
		"NULLIF":   f(2, 2, (*compiler).nullIf),
	}
	addTemporalFunctions()
}

// FunctionNames returns the names of the supported functions, sorted; the
// operators (such as ||, LIKE, CASE and CAST) are not among them.
func FunctionNames() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *compiler) call(e *Call) node {
	fn, ok := functions[e.Name]
	if user, found := c.userFunction(e.Name); found {
		if ok {
			return c.bad(e, "Options.Functions defines %s, which is a built-in function; give the Go function another name", e.Name)
		}
		return c.callUser(e, user)
	}
	if !ok {
		if why, known := unsupported[e.Name]; known {
			return c.bad(e, "function %s is not supported: %s", e.Name, why)
		}
		msg := fmt.Sprintf("unknown function %s", e.Name)
		if s := nearest(e.Name, FunctionNames()); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		} else {
			msg += "; the package documentation lists the supported functions"
		}
		return c.bad(e, "%s", msg)
	}
	if len(e.Args) < fn.minArgs || fn.maxArgs >= 0 && len(e.Args) > fn.maxArgs {
		want := fmt.Sprintf("%d", fn.minArgs)
		switch {
		case fn.maxArgs < 0:
			want = fmt.Sprintf("at least %d", fn.minArgs)
		case fn.maxArgs > fn.minArgs:
			want = fmt.Sprintf("%d to %d", fn.minArgs, fn.maxArgs)
		}
		return c.bad(e, "%s takes %s arguments, not %d", e.Name, want, len(e.Args))
	}
	args, ok := c.compileAll(e.Args)
	if !ok {
		return node{}
	}
	n := fn.compile(c, e, args)
	if n.eval == nil {
		return node{}
	}
	if !n.constant && n.eval != nil && allConstant(args...) && !volatile[e.Name] {
		n.constant = true
	}
	return n
}

// volatile are the functions whose value changes between calls with the
// same arguments.
var volatile = map[string]bool{
	"UUID": true, "NOW": true, "CURRENT_TIMESTAMP": true, "CURRENT_DATE": true, "CURRENT_TIME": true,
	"LOCALTIME": true, "LOCALTIMESTAMP": true, "UNIX_TIMESTAMP": true,
}

// want checks that argument i of e has one of the bases; NULL passes.
func (c *compiler) want(e *Call, args []node, i int, what string, bases ...base) bool {
	b := args[i].b
	if b == bNull || slices.Contains(bases, b) {
		return true
	}
	hint := ""
	if slices.Contains(bases, bString) {
		hint = fmt.Sprintf("; convert it with CAST(%s AS STRING)", e.Args[i])
	}
	c.problem(e.String(), "argument %d of %s must be %s, not %s%s", i+1, e.Name, what, b, hint)
	return false
}

// The null-propagating shapes of a function: NULL in, NULL out. f returns
// an error without context; the wrapper names the call.
func fn1(e Expr, b base, ct cdc.ColumnType, x node, f func(a value) (value, error)) node {
	return node{b: b, ct: ct, eval: func(ctx evalCtx) (value, error) {
		a, err := x.eval(ctx)
		if err != nil || a.null {
			return a, err
		}
		v, err := f(a)
		if err != nil {
			return value{}, evalErr(e, "%v", err)
		}
		return v, nil
	}}
}

func fn2(e Expr, b base, ct cdc.ColumnType, x, y node, f func(a, b value) (value, error)) node {
	return node{b: b, ct: ct, eval: func(ctx evalCtx) (value, error) {
		a, err := x.eval(ctx)
		if err != nil || a.null {
			return a, err
		}
		bv, err := y.eval(ctx)
		if err != nil || bv.null {
			return bv, err
		}
		v, err := f(a, bv)
		if err != nil {
			return value{}, evalErr(e, "%v", err)
		}
		return v, nil
	}}
}

func fn3(e Expr, b base, ct cdc.ColumnType, x, y, z node, f func(a, b, c value) (value, error)) node {
	return node{b: b, ct: ct, eval: func(ctx evalCtx) (value, error) {
		a, err := x.eval(ctx)
		if err != nil || a.null {
			return a, err
		}
		bv, err := y.eval(ctx)
		if err != nil || bv.null {
			return bv, err
		}
		cv, err := z.eval(ctx)
		if err != nil || cv.null {
			return cv, err
		}
		v, err := f(a, bv, cv)
		if err != nil {
			return value{}, evalErr(e, "%v", err)
		}
		return v, nil
	}}
}

// optional returns args[i], or a constant of v when the call left it out.
func optional(args []node, i int, b base, v value) node {
	if i < len(args) {
		return args[i]
	}
	return constNode(b, defaultType(b), v)
}

// mod is MOD(a, b), which Flink CDC's parser (Calcite's MOD, of the kind
// of %) compiles as a % b.
func (c *compiler) mod(e *Call, args []node) node {
	return c.arithmetic(&Binary{Op: "%", L: e.Args[0], R: e.Args[1], Position: e.Position}, args[0], args[1])
}

func (c *compiler) abs(e *Call, args []node) node {
	if !c.want(e, args, 0, "a number", bInt, bDecimal, bFloat) {
		return node{}
	}
	x := args[0]
	ct := x.ct
	switch x.b {
	case bInt:
		ct = typeBigInt // ABS(-128) does not fit a TINYINT
	case bDecimal:
		p, s := precisionScale(x)
		ct = decimalType(p, s)
	}
	return fn1(e, x.b, ct, x, func(a value) (value, error) {
		switch x.b {
		case bInt:
			if a.i == math.MinInt64 {
				return value{}, fmt.Errorf("BIGINT value out of range")
			}
			if a.i < 0 {
				a.i = -a.i
			}
		case bDecimal:
			a.d = a.d.Abs()
		case bFloat:
			a.f = math.Abs(a.f)
		}
		return a, nil
	})
}

func (c *compiler) ceilFloor(e *Call, args []node) node {
	if !c.want(e, args, 0, "a number", bInt, bDecimal, bFloat) {
		return node{}
	}
	x := args[0]
	ceil := e.Name != "FLOOR"
	ct := x.ct
	if x.b == bDecimal {
		p, s := precisionScale(x)
		ct = decimalType(p-s+1, 0)
	}
	return fn1(e, x.b, ct, x, func(a value) (value, error) {
		switch {
		case x.b == bDecimal && ceil:
			a.d = a.d.Ceil()
		case x.b == bDecimal:
			a.d = a.d.Floor()
		case x.b == bFloat && ceil:
			a.f = math.Ceil(a.f)
		case x.b == bFloat:
			a.f = math.Floor(a.f)
		}
		return a, nil
	})
}

// round rounds half away from zero, as Flink CDC's ROUND and MySQL's (for
// exact numbers) do. The number of places must be a constant: it sets the
// result's type.
func (c *compiler) round(e *Call, args []node) node {
	if !c.want(e, args, 0, "a number", bInt, bDecimal, bFloat) {
		return node{}
	}
	places := int64(0)
	if len(args) == 2 {
		if args[1].b != bInt || !args[1].constant {
			return c.bad(e, "ROUND's second argument must be a constant whole number of decimal places, such as ROUND(x, 2)")
		}
		v, err := args[1].eval(evalCtx{})
		if err != nil || v.null || v.i < -30 || v.i > 30 {
			return c.bad(e, "ROUND's places must be -30 to 30")
		}
		places = v.i
	}
	x := args[0]
	ct := x.ct
	switch x.b {
	case bInt:
		ct = typeBigInt // ROUND(127, -1) does not fit a TINYINT
	case bDecimal:
		p, s := precisionScale(x)
		ns := max(min(int(places), s), 0)
		ct = decimalType(p-s+1+ns, ns)
	}
	return fn1(e, x.b, ct, x, func(a value) (value, error) {
		switch x.b {
		case bInt:
			if places < 0 {
				d := decimal.NewFromInt(a.i).Round(int32(places))
				if !d.BigInt().IsInt64() {
					return value{}, fmt.Errorf("BIGINT value out of range")
				}
				a.i = d.IntPart()
			}
		case bDecimal:
			a.d = a.d.Round(int32(places))
		case bFloat:
			pow := math.Pow(10, float64(places))
			r := math.Round(a.f*pow) / pow
			if !math.IsInf(r, 0) && !math.IsNaN(r) {
				a.f = r
			}
		}
		return a, nil
	})
}

func (c *compiler) uuidFunc(e *Call, args []node) node {
	return node{b: bString, ct: stringType(36), eval: func(evalCtx) (value, error) {
		u, err := uuid.NewRandom()
		if err != nil {
			return value{}, evalErr(e, "%v", err)
		}
		return value{s: u.String()}, nil
	}}
}

func (c *compiler) charLength(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) {
		return node{}
	}
	return fn1(e, bInt, typeInt, args[0], func(a value) (value, error) {
		return value{i: int64(utf8.RuneCountInString(a.s))}, nil
	})
}

func (c *compiler) upperLower(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) {
		return node{}
	}
	f := strings.ToLower
	if e.Name == "UPPER" {
		f = strings.ToUpper
	}
	return fn1(e, bString, textType(args[0].ct), args[0], func(a value) (value, error) { return value{s: f(a.s)}, nil })
}

// trim removes the characters of the second argument (a space by default)
// from one or both ends. TRIM's side comes from its SQL form.
func (c *compiler) trim(e *Call, args []node) node {
	for i := range args {
		if !c.want(e, args, i, "a string", bString) {
			return node{}
		}
	}
	left, right := true, true
	switch {
	case e.Name == "LTRIM" || e.Unit == "LEADING":
		right = false
	case e.Name == "RTRIM" || e.Unit == "TRAILING":
		left = false
	}
	chars := optional(args, 1, bString, value{s: " "})
	return fn2(e, bString, textType(args[0].ct), args[0], chars, func(a, set value) (value, error) {
		s := a.s
		if left {
			s = strings.TrimLeft(s, set.s)
		}
		if right {
			s = strings.TrimRight(s, set.s)
		}
		return value{s: s}, nil
	})
}

// regexpFunc compiles the REGEXP_ functions. The syntax is RE2's (Go's
// regexp package), not Java's; a constant pattern is compiled once.
func (c *compiler) regexpFunc(e *Call, args []node) node {
	for i := range 2 {
		if !c.want(e, args, i, "a string", bString) {
			return node{}
		}
	}
	var fixed *regexp.Regexp
	if args[1].constant {
		v, err := args[1].eval(evalCtx{})
		if err == nil && !v.null {
			// A constant pattern that does not compile is a mistake to fix
			// now, not a NULL on every row: most often a Java construct
			// RE2 lacks (lookaround, backreferences, possessive
			// quantifiers).
			re, err := regexp.Compile(v.s)
			if err != nil {
				return c.bad(e, "bad regular expression %s: %v; the syntax is RE2's (Go's regexp), which has no lookaround, backreferences or possessive quantifiers", quoteString(v.s), err)
			}
			fixed = re
		}
	}
	compile := func(pattern string) (*regexp.Regexp, error) {
		if fixed != nil {
			return fixed, nil
		}
		return regexp.Compile(pattern)
	}
	s, pat := args[0], args[1]
	switch e.Name {
	case "REGEXP_REPLACE":
		if !c.want(e, args, 2, "a string", bString) {
			return node{}
		}
		return fn3(e, bString, stringType(0), s, pat, args[2], func(a, p, r value) (value, error) {
			re, err := compile(p.s)
			if err != nil {
				return value{}, fmt.Errorf("bad regular expression %q: %v", p.s, err)
			}
			return value{s: re.ReplaceAllString(a.s, r.s)}, nil
		})
	case "REGEXP_EXTRACT":
		if len(args) == 3 && !c.want(e, args, 2, "a whole number", bInt) {
			return node{}
		}
		group := optional(args, 2, bInt, value{i: 0})
		return fn3(e, bString, textType(s.ct), s, pat, group, func(a, p, g value) (value, error) {
			re, err := compile(p.s)
			if err != nil || g.i < 0 || int(g.i) > re.NumSubexp() {
				return nullValue, nil
			}
			m := re.FindStringSubmatchIndex(a.s)
			if m == nil || m[2*g.i] < 0 {
				return nullValue, nil
			}
			return value{s: a.s[m[2*g.i]:m[2*g.i+1]]}, nil
		})
	case "REGEXP_COUNT":
		return fn2(e, bInt, typeInt, s, pat, func(a, p value) (value, error) {
			re, err := compile(p.s)
			if err != nil {
				return nullValue, nil
			}
			return value{i: int64(len(re.FindAllStringIndex(a.s, -1)))}, nil
		})
	case "REGEXP_INSTR":
		return fn2(e, bInt, typeInt, s, pat, func(a, p value) (value, error) {
			re, err := compile(p.s)
			if err != nil {
				return nullValue, nil
			}
			m := re.FindStringIndex(a.s)
			if m == nil {
				return value{i: 0}, nil
			}
			return value{i: int64(utf8.RuneCountInString(a.s[:m[0]]) + 1)}, nil
		})
	}
	// REGEXP_SUBSTR
	return fn2(e, bString, textType(s.ct), s, pat, func(a, p value) (value, error) {
		re, err := compile(p.s)
		if err != nil {
			return nullValue, nil
		}
		m := re.FindStringIndex(a.s)
		if m == nil {
			return nullValue, nil
		}
		return value{s: a.s[m[0]:m[1]]}, nil
	})
}

// substring follows Flink CDC: positions count characters from 1; a
// negative start counts from the end; 0 starts at the first character; a
// negative length is an error.
func (c *compiler) substring(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a whole number", bInt) ||
		len(args) == 3 && !c.want(e, args, 2, "a whole number", bInt) {
		return node{}
	}
	length := optional(args, 2, bInt, value{i: math.MaxInt32})
	return fn3(e, bString, textType(args[0].ct), args[0], args[1], length, func(a, from, n value) (value, error) {
		if n.i < 0 {
			return value{}, fmt.Errorf("the length must be 0 or more, not %d", n.i)
		}
		return value{s: substr(a.s, from.i, n.i)}, nil
	})
}

func substr(s string, from, n int64) string {
	count := int64(utf8.RuneCountInString(s))
	var start int64
	switch {
	case from > 0:
		start = from - 1
		if start >= count {
			return ""
		}
	case from < 0:
		start = count + from
		if start < 0 {
			return ""
		}
	}
	end := count
	if count-start >= n {
		end = start + n
	}
	return runeSlice(s, start, end)
}

// runeSlice returns the characters [start, end) of s.
func runeSlice(s string, start, end int64) string {
	i, bs, be := int64(0), len(s), len(s)
	for off := range s {
		if i == start {
			bs = off
		}
		if i == end {
			be = off
			break
		}
		i++
	}
	if start >= i+1 && bs == len(s) {
		return ""
	}
	return s[bs:be]
}

func (c *compiler) overlay(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a string", bString) ||
		!c.want(e, args, 2, "a whole number", bInt) || len(args) == 4 && !c.want(e, args, 3, "a whole number", bInt) {
		return node{}
	}
	length := optional(args, 3, bInt, value{i: -1})
	s, r := args[0], args[1]
	return node{b: bString, ct: stringType(0), eval: func(ctx evalCtx) (value, error) {
		var vs [4]value
		for i, n := range []node{s, r, args[2], length} {
			v, err := n.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			vs[i] = v
		}
		n := vs[3].i
		if n < 0 {
			n = int64(utf8.RuneCountInString(vs[1].s))
		}
		from := vs[2].i
		count := int64(utf8.RuneCountInString(vs[0].s))
		if from < 1 {
			from = 1
		}
		head := runeSlice(vs[0].s, 0, min(from-1, count))
		tail := ""
		if from-1+n < count {
			tail = runeSlice(vs[0].s, from-1+n, count)
		}
		return value{s: head + vs[1].s + tail}, nil
	}}
}

// locate compiles POSITION(needle IN s [FROM n]), LOCATE(needle, s[, n])
// and INSTR(s, needle): the 1-based character position of the first
// occurrence at or after n, 0 when there is none.
func (c *compiler) locate(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a string", bString) ||
		len(args) == 3 && !c.want(e, args, 2, "a whole number", bInt) {
		return node{}
	}
	needle, s := args[0], args[1]
	if e.Name == "INSTR" {
		needle, s = s, needle
	}
	from := optional(args, 2, bInt, value{i: 1})
	return fn3(e, bInt, typeInt, needle, s, from, func(n, h, f value) (value, error) {
		if f.i < 1 {
			return value{i: 0}, nil
		}
		skip := runeSlice(h.s, 0, f.i-1)
		if int64(utf8.RuneCountInString(skip)) < f.i-1 {
			return value{i: 0}, nil
		}
		i := strings.Index(h.s[len(skip):], n.s)
		if i < 0 {
			return value{i: 0}, nil
		}
		return value{i: f.i + int64(utf8.RuneCountInString(h.s[len(skip):len(skip)+i]))}, nil
	})
}

// concat compiles || and CONCAT: NULL when any operand is NULL; an operand
// that is not a string is converted as CAST(x AS STRING) does.
func (c *compiler) concat(e Expr, args []node) node {
	for i, a := range args {
		if instant(a) {
			args[i] = c.toWallClock(a) // written as the session zone's wall clock
		}
	}
	total := 0
	constant := true
	for _, a := range args {
		if a.b == bString && (a.ct.Kind == cdc.KindVarChar || a.ct.Kind == cdc.KindChar) && a.ct.Length > 0 && total >= 0 {
			total += a.ct.Length
		} else if a.b != bNull {
			total = -1
		}
		constant = constant && a.constant
	}
	if len(args) == 2 {
		x, y := args[0], args[1]
		return node{b: bString, ct: stringType(max(total, 0)), constant: constant, eval: func(ctx evalCtx) (value, error) {
			a, err := x.eval(ctx)
			if err != nil || a.null {
				return a, err
			}
			b, err := y.eval(ctx)
			if err != nil || b.null {
				return b, err
			}
			return value{s: stringOf(a, x) + stringOf(b, y)}, nil
		}}
	}
	return node{b: bString, ct: stringType(max(total, 0)), constant: constant, eval: func(ctx evalCtx) (value, error) {
		var sb strings.Builder
		for _, n := range args {
			v, err := n.eval(ctx)
			if err != nil || v.null {
				return v, err
			}
			sb.WriteString(stringOf(v, n))
		}
		return value{s: sb.String()}, nil
	}}
}

func stringOf(v value, n node) string {
	if n.b == bString {
		return v.s
	}
	return formatValue(v, n.b, n.ct)
}

// concatWs skips NULL strings, as Flink CDC documents; a NULL separator
// gives NULL.
func (c *compiler) concatWs(e *Call, args []node) node {
	for i, a := range args {
		if instant(a) {
			args[i] = c.toWallClock(a)
		}
	}
	return node{b: bString, ct: stringType(0), eval: func(ctx evalCtx) (value, error) {
		sep, err := args[0].eval(ctx)
		if err != nil || sep.null {
			return sep, err
		}
		var sb strings.Builder
		first := true
		for _, n := range args[1:] {
			v, err := n.eval(ctx)
			if err != nil {
				return v, err
			}
			if v.null {
				continue
			}
			if !first {
				sb.WriteString(stringOf(sep, args[0]))
			}
			first = false
			sb.WriteString(stringOf(v, n))
		}
		return value{s: sb.String()}, nil
	}}
}

// pad follows MySQL's LPAD and RPAD: the result has exactly n characters,
// the string cut when longer; NULL for a negative n or an empty pad that
// would be needed.
func (c *compiler) pad(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a whole number", bInt) || !c.want(e, args, 2, "a string", bString) {
		return node{}
	}
	left := e.Name == "LPAD"
	return fn3(e, bString, stringType(0), args[0], args[1], args[2], func(a, n, p value) (value, error) {
		count := int64(utf8.RuneCountInString(a.s))
		switch {
		case n.i < 0:
			return nullValue, nil
		case n.i <= count:
			return value{s: runeSlice(a.s, 0, n.i)}, nil
		case p.s == "":
			return nullValue, nil
		case n.i > 1<<24:
			return value{}, fmt.Errorf("result of %d characters is too long", n.i)
		}
		need := n.i - count
		pr := []rune(p.s)
		fill := make([]rune, 0, need)
		for int64(len(fill)) < need {
			fill = append(fill, pr[len(fill)%len(pr)])
		}
		if left {
			return value{s: string(fill) + a.s}, nil
		}
		return value{s: a.s + string(fill)}, nil
	})
}

func (c *compiler) replace(e *Call, args []node) node {
	for i := range 3 {
		if !c.want(e, args, i, "a string", bString) {
			return node{}
		}
	}
	return fn3(e, bString, stringType(0), args[0], args[1], args[2], func(a, from, to value) (value, error) {
		if from.s == "" {
			return a, nil
		}
		return value{s: strings.ReplaceAll(a.s, from.s, to.s)}, nil
	})
}

func (c *compiler) repeat(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a whole number", bInt) {
		return node{}
	}
	return fn2(e, bString, stringType(0), args[0], args[1], func(a, n value) (value, error) {
		if n.i <= 0 || a.s == "" {
			return value{s: ""}, nil
		}
		if n.i*int64(len(a.s)) > 1<<26 {
			return value{}, fmt.Errorf("result of %d bytes is too long", n.i*int64(len(a.s)))
		}
		return value{s: strings.Repeat(a.s, int(n.i))}, nil
	})
}

func (c *compiler) leftRight(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) || !c.want(e, args, 1, "a whole number", bInt) {
		return node{}
	}
	left := e.Name == "LEFT"
	return fn2(e, bString, textType(args[0].ct), args[0], args[1], func(a, n value) (value, error) {
		if n.i <= 0 {
			return value{s: ""}, nil
		}
		count := int64(utf8.RuneCountInString(a.s))
		if n.i >= count {
			return a, nil
		}
		if left {
			return value{s: runeSlice(a.s, 0, n.i)}, nil
		}
		return value{s: runeSlice(a.s, count-n.i, count)}, nil
	})
}

func (c *compiler) startsEnds(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string or bytes", bString, bBytes) || !c.want(e, args, 1, "a string or bytes", bString, bBytes) {
		return node{}
	}
	starts := e.Name == "STARTSWITH"
	x, y := args[0], args[1]
	return fn2(e, bBool, typeBool, x, y, func(a, b value) (value, error) {
		s, p := a.s, b.s
		if starts {
			return boolValue(strings.HasPrefix(s, p)), nil
		}
		return boolValue(strings.HasSuffix(s, p)), nil
	})
}

func (c *compiler) toBase64(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string or bytes", bString, bBytes) {
		return node{}
	}
	x := args[0]
	return fn1(e, bString, stringType(0), x, func(a value) (value, error) {
		return value{s: base64.StdEncoding.EncodeToString([]byte(a.s))}, nil
	})
}

// fromBase64 decodes; text that is not base64 gives NULL, as MySQL's
// FROM_BASE64 does.
func (c *compiler) fromBase64(e *Call, args []node) node {
	if !c.want(e, args, 0, "a string", bString) {
		return node{}
	}
	binary := e.Name == "FROM_BASE64_BINARY"
	b, ct := bString, stringType(0)
	if binary {
		b, ct = bBytes, bytesType(0)
	}
	return fn1(e, b, ct, args[0], func(a value) (value, error) {
		raw, err := base64.StdEncoding.DecodeString(a.s)
		if err != nil {
			return nullValue, nil
		}
		if binary {
			return value{s: string(raw)}, nil
		}
		return value{s: string(raw)}, nil
	})
}

// like compiles SQL's [NOT] LIKE: % matches any run of characters, _ one
// character, the escape character (none by default) makes the next one
// literal. A NULL operand gives NULL. A constant pattern is read once.
func (c *compiler) like(e *Like) node {
	exprs := []Expr{e.X, e.Pattern}
	if e.Escape != nil {
		exprs = append(exprs, e.Escape)
	}
	ns, ok := c.compileAll(exprs)
	if !ok {
		return node{}
	}
	for i, n := range ns {
		if n.b != bString && n.b != bNull {
			return c.bad(e, "LIKE takes strings; %s is %s", exprs[i], n.b)
		}
	}
	esc := optional(ns, 2, bString, value{s: ""})
	neg := e.Not
	if e.Similar {
		return c.similar(e, ns[0], ns[1], esc)
	}
	var fixed []likeToken
	if ns[1].constant && esc.constant {
		p, err1 := ns[1].eval(evalCtx{})
		x, err2 := esc.eval(evalCtx{})
		if err1 == nil && err2 == nil && !p.null && !x.null {
			toks, err := likePattern(p.s, x.s)
			if err != nil {
				return c.bad(e, "%v", err)
			}
			fixed = toks
		}
	}
	return fn3(e, bBool, typeBool, ns[0], ns[1], esc, func(s, p, x value) (value, error) {
		toks := fixed
		if toks == nil {
			var err error
			if toks, err = likePattern(p.s, x.s); err != nil {
				return value{}, err
			}
		}
		return boolValue(likeMatch(s.s, toks) != neg), nil
	})
}

// likeToken is one element of a LIKE pattern: a literal run, _ or %.
type likeToken struct {
	kind byte // 'c' a literal character, '_' any one character, '%' any run
	r    rune
}

// likePattern reads a LIKE pattern with an escape string of at most one
// character.
func likePattern(pattern, escape string) ([]likeToken, error) {
	var esc rune = -1
	if escape != "" {
		if utf8.RuneCountInString(escape) != 1 {
			return nil, fmt.Errorf("the ESCAPE string must be one character, not %q", escape)
		}
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	toks := make([]likeToken, 0, len(pattern))
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			toks = append(toks, likeToken{'c', r})
			escaped = false
		case r == esc:
			escaped = true
		case r == '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, likeToken{'%', 0})
			}
		case r == '_':
			toks = append(toks, likeToken{'_', 0})
		default:
			toks = append(toks, likeToken{'c', r})
		}
	}
	if escaped {
		return nil, fmt.Errorf("LIKE pattern %q ends with its escape character", pattern)
	}
	if toks == nil {
		toks = []likeToken{}
	}
	return toks, nil
}

// likeMatch matches s against the tokens, by characters, backtracking only
// to the last % (so it is linear in practice).
func likeMatch(s string, toks []likeToken) bool {
	si, ti := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		switch {
		case ti < len(toks) && (toks[ti].kind == '_' || toks[ti].kind == 'c' && toks[ti].r == r):
			si += size
			ti++
		case ti < len(toks) && toks[ti].kind == '%':
			star, mark = ti, si
			ti++
		case star >= 0:
			ti = star + 1
			_, size := utf8.DecodeRuneInString(s[mark:])
			mark += size
			si = mark
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// similar compiles [NOT] SIMILAR TO: SQL's regular expressions (% and _ as
// in LIKE; | * + ? {m,n} ( ) [ ] as in regular expressions), matching the
// whole string. A NULL operand gives NULL, as Flink CDC documents.
func (c *compiler) similar(e *Like, x, pattern, esc node) node {
	var fixed *regexp.Regexp
	if pattern.constant && esc.constant {
		p, err1 := pattern.eval(evalCtx{})
		s, err2 := esc.eval(evalCtx{})
		if err1 == nil && err2 == nil && !p.null && !s.null {
			re, err := similarRegexp(p.s, s.s)
			if err != nil {
				return c.bad(e, "%v", err)
			}
			fixed = re
		}
	}
	neg := e.Not
	return fn3(e, bBool, typeBool, x, pattern, esc, func(s, p, x value) (value, error) {
		re := fixed
		if re == nil {
			var err error
			if re, err = similarRegexp(p.s, x.s); err != nil {
				return value{}, err
			}
		}
		return boolValue(re.MatchString(s.s) != neg), nil
	})
}

// similarRegexp translates a SIMILAR TO pattern into an anchored RE2
// expression.
func similarRegexp(pattern, escape string) (*regexp.Regexp, error) {
	var esc rune = -1
	if escape != "" {
		if utf8.RuneCountInString(escape) != 1 {
			return nil, fmt.Errorf("the ESCAPE string must be one character, not %q", escape)
		}
		esc, _ = utf8.DecodeRuneInString(escape)
	}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	escaped, inClass := false, false
	for _, r := range pattern {
		switch {
		case escaped:
			b.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == esc:
			escaped = true
		case inClass:
			if r == ']' {
				inClass = false
			}
			if r == '\\' {
				b.WriteString(`\\`)
				continue
			}
			b.WriteRune(r)
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		case r == '[':
			inClass = true
			b.WriteRune(r)
		case strings.ContainsRune("|*+?{}()", r):
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped {
		return nil, fmt.Errorf("SIMILAR TO pattern %q ends with its escape character", pattern)
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("SIMILAR TO pattern %q: %v", pattern, err)
	}
	return re, nil
}

func (c *compiler) userFunction(name string) (Function, bool) {
	for n, f := range c.opts.Functions {
		if strings.EqualFold(n, name) {
			return f, true
		}
	}
	return Function{}, false
}

// callUser compiles a call of a Go function: the arguments are handed over
// as canonical values, the result read back as a value of its type.
func (c *compiler) callUser(e *Call, f Function) node {
	if f.Call == nil {
		return c.bad(e, "Options.Functions[%q] has no Call", e.Name)
	}
	b, ok := baseOf(f.Result)
	if !ok {
		return c.bad(e, "Options.Functions[%q].Result is %s, which expressions cannot compute with", e.Name, f.Result.Kind)
	}
	args, ok := c.compileAll(e.Args)
	if !ok {
		return node{}
	}
	return node{b: b, ct: f.Result, eval: func(ctx evalCtx) (value, error) {
		in := make([]any, len(args))
		for i, a := range args {
			v, err := a.eval(ctx)
			if err != nil {
				return v, err
			}
			if v.null && !f.CallOnNull {
				return nullValue, nil
			}
			in[i] = canonical(v, a.b, a.ct)
		}
		out, err := f.Call(in)
		if err != nil {
			return value{}, evalErr(e, "%v", err)
		}
		v, ok := readColumn(out, b)
		if !ok || !fitsBase(out, b) {
			return value{}, evalErr(e, "returned a %T, not the canonical value of %s", out, f.Result.Kind)
		}
		return v, nil
	}}
}

// fitsBase reports whether a canonical value belongs to base b.
func fitsBase(v any, b base) bool {
	switch v.(type) {
	case nil:
		return true
	case int64, uint64:
		return b == bInt || b == bDecimal || b == bBool
	case decimal.Decimal:
		return b == bDecimal
	case float32, float64:
		return b == bFloat
	case string, cdc.JSON:
		return b == bString
	case []byte:
		return b == bBytes || b == bString
	case time.Time, cdc.ZeroTime:
		return b == bDate || b == bTimestamp
	case time.Duration:
		return b == bTime
	}
	return false
}

// textType is the type of a string computed from a value of type ct (its
// case changed, trimmed, cut): ct itself for CHAR, VARCHAR and TEXT, text
// for an ENUM, SET or JSON, whose results need not be members or JSON.
func textType(ct cdc.ColumnType) cdc.ColumnType {
	if ct.Kind.IsText() {
		return ct
	}
	return stringType(0)
}
