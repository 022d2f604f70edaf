package expr

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// evalCtx is what one evaluation reads: the row and its metadata.
type evalCtx struct {
	row  cdc.Row
	meta *Metadata
}

type evalFn func(c evalCtx) (value, error)

// node is a compiled expression: its base, the cdc type of its values, and
// its evaluation.
type node struct {
	b    base
	ct   cdc.ColumnType
	eval evalFn
	expr Expr // for error messages
	// constant is set when the node reads neither row nor metadata nor clock,
	// so that it can be evaluated once at compile time.
	constant bool
}

type compiler struct {
	schema   *cdc.TableSchema
	opts     Options
	problems []Problem
	// computed maps the projection's computed names to their expressions,
	// for a filter of a Transform; inlining them lets the filter run on the
	// input row before the projection.
	computed map[string]Expr
	inlining map[string]bool
}

func newCompiler(schema *cdc.TableSchema, opts Options) *compiler {
	if schema == nil {
		schema = &cdc.TableSchema{}
	}
	return &compiler{schema: schema, opts: opts}
}

func (c *compiler) problem(at string, format string, args ...any) {
	c.problems = append(c.problems, Problem{Expr: at, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) err(input string) error {
	if len(c.problems) == 0 {
		return nil
	}
	return &CompileError{Input: input, Problems: c.problems}
}

// bad records a problem at e and returns the invalid node.
func (c *compiler) bad(e Expr, format string, args ...any) node {
	c.problem(e.String(), format, args...)
	return node{}
}

func (c *compiler) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

func evalErr(e Expr, format string, args ...any) error {
	return &EvalError{Expr: e.String(), Msg: fmt.Sprintf(format, args...)}
}

// fold evaluates a constant node once.
func fold(n node) node {
	if !n.constant || n.eval == nil {
		return n
	}
	v, err := n.eval(evalCtx{})
	if err != nil {
		return n // the error shows on every row, as it would without folding
	}
	n.eval = func(evalCtx) (value, error) { return v, nil }
	return n
}

func (c *compiler) compileFilter(e Expr) node {
	n := c.compile(e)
	if n.eval != nil && n.b != bBool && n.b != bNull {
		c.problem(e.String(), "a filter must be a condition (BOOLEAN), this is %s; compare it, for example %s IS NOT NULL or %s <> 0", n.b, e.String(), e.String())
		return node{}
	}
	return n
}

func (c *compiler) compile(e Expr) node {
	var n node
	switch e := e.(type) {
	case *Literal:
		n = c.literal(e)
	case *Column:
		n = c.column(e)
	case *Unary:
		n = c.unary(e)
	case *Binary:
		n = c.binary(e)
	case *Is:
		n = c.isTest(e)
	case *DistinctFrom:
		n = c.distinctFrom(e)
	case *Between:
		n = c.between(e)
	case *In:
		n = c.in(e)
	case *Like:
		n = c.like(e)
	case *Case:
		n = c.caseExpr(e)
	case *Cast:
		n = c.cast(e)
	case *Call:
		n = c.call(e)
	case *Interval:
		return c.bad(e, "an INTERVAL can only be added to or subtracted from a DATE, TIME or TIMESTAMP, as in ts + %s", e)
	default:
		return c.bad(e, "unknown expression node %T", e)
	}
	if n.eval == nil {
		return node{}
	}
	n.expr = e
	return fold(n)
}

// compileAll compiles args and reports whether all compiled.
func (c *compiler) compileAll(args []Expr) ([]node, bool) {
	ok := true
	nodes := make([]node, len(args))
	for i, a := range args {
		nodes[i] = c.compile(a)
		ok = ok && nodes[i].eval != nil
	}
	return nodes, ok
}

func allConstant(ns ...node) bool {
	for _, n := range ns {
		if !n.constant {
			return false
		}
	}
	return true
}

// columnIndex finds a column by its exact name, else by a case-insensitive
// match when only one column matches (MySQL's names are case-insensitive).
func (c *compiler) columnIndex(name string) int {
	if i := c.schema.ColumnIndex(name); i >= 0 {
		return i
	}
	found := -1
	for i, col := range c.schema.Columns {
		if strings.EqualFold(col.Name, name) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

func (c *compiler) column(e *Column) node {
	switch e.Name {
	case FieldNamespaceName, FieldSchemaName, FieldTableName, FieldDataEventType:
		field := e.Name
		return node{b: bString, ct: stringType(64), eval: func(ctx evalCtx) (value, error) {
			if ctx.meta == nil {
				return nullValue, nil
			}
			var s string
			switch field {
			case FieldNamespaceName:
				s = ctx.meta.Namespace
			case FieldSchemaName:
				s = ctx.meta.Schema
			case FieldTableName:
				s = ctx.meta.Table
			default:
				s = ctx.meta.EventType
			}
			if s == "" {
				return nullValue, nil
			}
			return value{s: s}, nil
		}}
	}
	if slices.Contains(c.opts.SourceMetadata, e.Name) && e.Name == MetadataOpTs {
		return node{b: bInt, ct: typeBigInt, eval: func(ctx evalCtx) (value, error) {
			if ctx.meta == nil || ctx.meta.EventTime.IsZero() {
				return nullValue, nil
			}
			return value{i: ctx.meta.EventTime.UnixMilli()}, nil
		}}
	}
	if x, ok := c.computed[e.Name]; ok && !c.inlining[e.Name] {
		if c.inlining == nil {
			c.inlining = map[string]bool{}
		}
		c.inlining[e.Name] = true
		defer delete(c.inlining, e.Name)
		return c.compile(x)
	}
	i := c.columnIndex(e.Name)
	if i < 0 {
		return c.bad(e, "%s", c.unknownColumn(e.Name))
	}
	col := c.schema.Columns[i]
	b, ok := baseOf(col.Type)
	if !ok {
		return c.bad(e, "column %s is %s, which expressions cannot compute with; project it unchanged instead", col.Name, col.Type.Kind)
	}
	idx := i
	return node{b: b, ct: col.Type, eval: func(ctx evalCtx) (value, error) {
		if idx >= len(ctx.row) {
			return value{}, evalErr(e, "the row has %d values, the schema %d columns", len(ctx.row), idx+1)
		}
		v, ok := readColumn(ctx.row[idx], b)
		if !ok {
			return value{}, evalErr(e, "value of Go type %T is not a canonical value of a %s column", ctx.row[idx], col.Type.Kind)
		}
		return v, nil
	}}
}

func (c *compiler) unknownColumn(name string) string {
	var names []string
	for _, col := range c.schema.Columns {
		names = append(names, col.Name)
	}
	names = append(names, FieldNamespaceName, FieldSchemaName, FieldTableName, FieldDataEventType)
	msg := fmt.Sprintf("unknown column %q in table %s", name, c.schema.Table)
	if s := nearest(name, names); s != "" {
		return msg + fmt.Sprintf("; did you mean %s?", quoteIdent(s))
	}
	if name == MetadataOpTs {
		return msg + "; op_ts is source metadata: list it in the source's metadata.list"
	}
	if len(c.schema.Columns) > 0 {
		var cols []string
		for _, col := range c.schema.Columns {
			cols = append(cols, col.Name)
		}
		if len(cols) > 12 {
			cols = append(cols[:12], "...")
		}
		msg += "; its columns are " + strings.Join(cols, ", ")
	}
	return msg
}

// nearest returns the candidate closest to name by edit distance, ignoring
// case, when it is close enough to be a typo; "" otherwise.
func nearest(name string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, cand := range candidates {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(cand))
		if d < bestD {
			best, bestD = cand, d
		}
	}
	if bestD <= max(1, min(3, len(name)/3)) {
		return best
	}
	return ""
}

func constNode(b base, ct cdc.ColumnType, v value) node {
	return node{b: b, ct: ct, constant: true, eval: func(evalCtx) (value, error) { return v, nil }}
}

func (c *compiler) literal(e *Literal) node {
	switch e.Kind {
	case LitNull:
		return constNode(bNull, stringType(0), nullValue)
	case LitBool:
		return constNode(bBool, typeBool, boolValue(e.Text == "TRUE"))
	case LitInt:
		d, err := decimal.NewFromString(e.Text)
		if err != nil {
			return c.bad(e, "bad number %s", e.Text)
		}
		if d.IsInteger() && d.BigInt().IsInt64() {
			return constNode(bInt, typeBigInt, value{i: d.IntPart()})
		}
		return constNode(bDecimal, decimalType(len(strings.TrimLeft(e.Text, "0")), 0), value{d: d})
	case LitDecimal:
		d, err := decimal.NewFromString(e.Text)
		if err != nil {
			return c.bad(e, "bad number %s", e.Text)
		}
		scale := 0
		if i := strings.IndexByte(e.Text, '.'); i >= 0 {
			scale = len(e.Text) - i - 1
		}
		digits := len(strings.TrimLeft(strings.Replace(e.Text, ".", "", 1), "0"))
		if digits > 65 || scale > 30 {
			return c.bad(e, "decimal literal %s has more than 65 digits or 30 after the point; write it as a DOUBLE with an exponent (1.5E3)", e.Text)
		}
		return constNode(bDecimal, decimalType(max(digits, scale, 1), scale), value{d: d})
	case LitFloat:
		var f float64
		if _, err := fmt.Sscan(e.Text, &f); err != nil || math.IsInf(f, 0) {
			return c.bad(e, "bad number %s", e.Text)
		}
		return constNode(bFloat, typeDouble, value{f: f})
	case LitString:
		return constNode(bString, stringType(max(1, len([]rune(e.Text)))), value{s: e.Text})
	case LitDate:
		t, err := parseDate(e.Text)
		if err != nil {
			return c.bad(e, "%v", err)
		}
		return constNode(bDate, typeDate, timeValue(t))
	case LitTime:
		d, fsp, err := parseTimeOfDay(e.Text)
		if err != nil {
			return c.bad(e, "%v", err)
		}
		return constNode(bTime, timeType(fsp), value{i: int64(d)})
	case LitTimestamp:
		t, fsp, err := parseTimestamp(e.Text)
		if err != nil {
			return c.bad(e, "%v", err)
		}
		return constNode(bTimestamp, timestampType(fsp, false), timeValue(t))
	}
	return c.bad(e, "unknown literal")
}
