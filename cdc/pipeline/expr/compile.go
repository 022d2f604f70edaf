package expr

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// The metadata fields of Flink CDC's transform. They are read from the
// [Metadata] an evaluation is given, never from the row, and a column of the
// same name in the table is hidden by them (as in Flink CDC).
const (
	FieldNamespaceName = "__namespace_name__"
	FieldSchemaName    = "__schema_name__"
	FieldTableName     = "__table_name__"
	FieldDataEventType = "__data_event_type__"
)

// MetadataOpTs is the source metadata column op_ts of Flink CDC's MySQL
// connector (metadata.list: op_ts): when the change happened on the server,
// in milliseconds since the epoch, as BIGINT. It is a name only when
// [Options.SourceMetadata] lists it.
const MetadataOpTs = "op_ts"

// The values of __data_event_type__, Flink CDC's RowKind short strings.
const (
	EventInsert       = "+I"
	EventUpdateBefore = "-U"
	EventUpdateAfter  = "+U"
	EventDelete       = "-D"
)

// Metadata is what an evaluation knows about the event besides the row.
type Metadata struct {
	// Namespace, Schema and Table are the values of __namespace_name__,
	// __schema_name__ and __table_name__; an empty string reads as NULL.
	// For MySQL Flink CDC names a table (schema, table), leaving the
	// namespace NULL: [MetadataOf] does the same.
	Namespace string
	Schema    string
	Table     string
	// EventType is the value of __data_event_type__: one of "+I", "-U",
	// "+U" and "-D" ([EventType] derives it from a [cdc.Op]).
	EventType string
	// EventTime is when the change happened on the server (op_ts).
	EventTime time.Time
}

// EventType returns the __data_event_type__ of a row of an event with op:
// "+I" for a snapshot read or an insert, "-D" for a delete, and for an
// update "-U" for the row before it (before set) and "+U" for the row
// after it.
func EventType(op cdc.Op, before bool) string {
	switch op {
	case cdc.OpDelete:
		return EventDelete
	case cdc.OpUpdate:
		if before {
			return EventUpdateBefore
		}
		return EventUpdateAfter
	}
	return EventInsert
}

// MetadataOf returns the metadata of one row of e, the way Flink CDC's
// MySQL connector fills it: the database as the schema name, no namespace,
// the table, the event type of the row (before selects the row before an
// update) and the server's change time (Source.TsMs).
func MetadataOf(e *cdc.Event, before bool) Metadata {
	m := Metadata{Schema: e.Table.Database, Table: e.Table.Table, EventType: EventType(e.Op, before)}
	if e.Source.TsMs != 0 {
		m.EventTime = time.UnixMilli(e.Source.TsMs).UTC()
	}
	return m
}

// Options are the settings of a compilation. The zero value is ready to
// use: UTC and the system clock.
type Options struct {
	// TimeZone is the session time zone of Flink CDC's pipeline
	// (local-time-zone): the zone of CURRENT_TIMESTAMP, LOCALTIMESTAMP,
	// FROM_UNIXTIME, UNIX_TIMESTAMP and TO_TIMESTAMP_LTZ. nil means UTC.
	TimeZone *time.Location
	// Now returns the current time for CURRENT_TIMESTAMP, NOW() and the
	// other clock functions; nil means time.Now. Tests set it.
	Now func() time.Time
	// SourceMetadata lists the source metadata columns the expressions may
	// use, as Flink CDC's metadata.list does: "op_ts" ([MetadataOpTs]).
	SourceMetadata []string
	// Functions are scalar functions written in Go that expressions may
	// call by name (case-insensitive), the counterpart of Flink CDC's
	// user-defined functions. A name of a built-in function is an error.
	Functions map[string]Function
}

// Function is a scalar function written in Go.
type Function struct {
	// Result is the column type of the function's values.
	Result cdc.ColumnType
	// Call computes the function from its arguments, each the canonical
	// value (see package cdc) of its expression's [Program.Type], and
	// returns a canonical value of Result, nil for NULL. It must be safe
	// for concurrent use. Unless CallOnNull is set, it is not called when
	// an argument is NULL, and the result is NULL.
	Call func(args []any) (any, error)
	// CallOnNull passes NULL arguments to Call.
	CallOnNull bool
}

func (o Options) location() *time.Location {
	if o.TimeZone == nil {
		return time.UTC
	}
	return o.TimeZone
}

// Problem is one thing wrong with an expression.
type Problem struct {
	// Expr is the part of the expression at fault, rendered.
	Expr string
	// Msg says what is wrong and how to fix it.
	Msg string
}

// CompileError lists everything wrong with an expression, a filter or a
// projection, found before any row is evaluated.
type CompileError struct {
	// Input is the expression or projection as rendered.
	Input    string
	Problems []Problem
}

func (e *CompileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "expr: %s:", e.Input)
	if len(e.Problems) == 1 {
		p := e.Problems[0]
		if p.Expr != "" && p.Expr != e.Input {
			fmt.Fprintf(&b, " %s:", p.Expr)
		}
		b.WriteString(" " + p.Msg)
		return b.String()
	}
	for _, p := range e.Problems {
		b.WriteString("\n- ")
		if p.Expr != "" && p.Expr != e.Input {
			b.WriteString(p.Expr + ": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// EvalError is the error of evaluating an expression on a row: a value an
// operation cannot take, such as a division by zero or a CAST of 'abc' to
// INT.
type EvalError struct {
	// Expr is the part of the expression that failed, rendered.
	Expr string
	// Msg says what went wrong.
	Msg string
}

func (e *EvalError) Error() string { return "expr: " + e.Expr + ": " + e.Msg }

// Program is a compiled expression: evaluate it on rows of the table it was
// compiled for. A Program is safe for concurrent use.
type Program struct {
	expr Expr
	node node
}

// Compile type-checks e against the columns of schema and compiles it. The
// error, a [*CompileError], names each unknown column (with the nearest
// existing name), unknown or unsupported function, and argument of the
// wrong count or type.
func Compile(e Expr, schema *cdc.TableSchema, opts Options) (*Program, error) {
	c := newCompiler(schema, opts)
	n := c.compile(e)
	if err := c.err(e.String()); err != nil {
		return nil, err
	}
	return &Program{expr: e, node: n}, nil
}

// Type returns the column type of the program's values: the type a sink
// creates for it.
func (p *Program) Type() cdc.ColumnType { return p.node.ct }

// Expr returns the expression the program was compiled from.
func (p *Program) Expr() Expr { return p.expr }

// Eval evaluates the program on row, a row of the schema it was compiled
// for, and returns the canonical value (see package cdc) of a column of
// type [Program.Type]: nil for NULL. A boolean is a TINYINT(1): int64 1
// or 0.
func (p *Program) Eval(row cdc.Row, meta *Metadata) (any, error) {
	ctx := evalCtx{row: row, meta: meta}
	v, err := p.node.eval(ctx)
	if err != nil {
		return nil, err
	}
	return canonical(v, p.node.b, p.node.ct), nil
}

// Filter is a compiled filter condition. A Filter is safe for concurrent
// use.
type Filter struct {
	expr Expr
	node node
}

// CompileFilter compiles a filter condition against schema. Beyond the
// errors of [Compile], a condition that is not boolean is an error.
func CompileFilter(e Expr, schema *cdc.TableSchema, opts Options) (*Filter, error) {
	c := newCompiler(schema, opts)
	n := c.compileFilter(e)
	if err := c.err(e.String()); err != nil {
		return nil, err
	}
	return &Filter{expr: e, node: n}, nil
}

// Match reports whether row passes the filter. A condition that is NULL
// does not pass, as in SQL's WHERE.
func (f *Filter) Match(row cdc.Row, meta *Metadata) (bool, error) {
	ctx := evalCtx{row: row, meta: meta}
	v, err := f.node.eval(ctx)
	if err != nil {
		return false, err
	}
	return !v.null && v.i != 0, nil
}

// Expr returns the condition the filter was compiled from.
func (f *Filter) Expr() Expr { return f.expr }

// Transform is a compiled projection and filter for one input table: it
// maps rows of the input schema to rows of [Transform.Schema], dropping the
// rows the filter rejects. A Transform is safe for concurrent use.
type Transform struct {
	out     *cdc.TableSchema
	columns []outColumn
	filter  *node
}

type outColumn struct {
	input int // the input column copied unchanged, or -1
	node  node
}

// CompileTransform compiles a projection and a filter for rows of schema.
// A nil projection keeps every column (as `*` does); a nil filter keeps
// every row. The filter may name the columns the projection computes (as
// in Flink CDC: `projection: UPPER(province) AS p` with `filter: p =
// 'SHANGHAI'`); a computed name hides an input column of the same name.
//
// The output schema has the projection's columns in order (`*` expands to
// the input's columns), each with its type; it keeps the input's primary
// key when every key column is projected unchanged under its own name.
// Every problem of the projection and the filter is reported in one
// [*CompileError]: unknown columns, unsupported functions, a computed item
// without a name, an alias that is a metadata field, a filter that is not
// boolean. As in Flink CDC, an item whose name an earlier item has already
// taken replaces it in its place: `*, UPPER(sku) AS sku` keeps the
// columns' order with sku upper-cased.
func CompileTransform(schema *cdc.TableSchema, projection *Projection, filter Expr, opts Options) (*Transform, error) {
	c := newCompiler(schema, opts)
	t := &Transform{out: &cdc.TableSchema{Table: schema.Table}}
	input := ""
	if projection != nil {
		input = projection.String()
		c.compileProjection(t, projection)
	} else {
		for i, col := range schema.Columns {
			t.columns = append(t.columns, outColumn{input: i})
			t.out.Columns = append(t.out.Columns, col)
		}
	}
	if filter != nil {
		if input != "" {
			input += " WHERE "
		}
		input += filter.String()
		if projection != nil {
			c.computed = computedColumns(projection)
		}
		n := c.compileFilter(filter)
		t.filter = &n
	}
	if err := c.err(input); err != nil {
		return nil, err
	}
	t.out.PrimaryKey = keptKey(schema, t)
	return t, nil
}

// Schema returns the schema of the rows [Transform.Apply] returns. It must
// not be modified.
func (t *Transform) Schema() *cdc.TableSchema { return t.out }

// Apply filters and projects one row. It appends the output row to dst
// (pass nil, or a row to reuse) and returns it with keep true, or returns
// keep false when the filter rejects the row.
func (t *Transform) Apply(dst cdc.Row, row cdc.Row, meta *Metadata) (out cdc.Row, keep bool, err error) {
	if keep, err := t.Match(row, meta); !keep || err != nil {
		return nil, false, err
	}
	out, err = t.Project(dst, row, meta)
	return out, err == nil, err
}

// Match reports whether row passes the transform's filter (true without
// one). A condition that is NULL does not pass.
func (t *Transform) Match(row cdc.Row, meta *Metadata) (bool, error) {
	if t.filter == nil {
		return true, nil
	}
	ctx := evalCtx{row: row, meta: meta}
	v, err := t.filter.eval(ctx)
	if err != nil {
		return false, err
	}
	return !v.null && v.i != 0, nil
}

// Project maps row to a row of [Transform.Schema], appended to dst (pass
// nil, or a row to reuse), without applying the filter.
func (t *Transform) Project(dst cdc.Row, row cdc.Row, meta *Metadata) (cdc.Row, error) {
	ctx := evalCtx{row: row, meta: meta}
	out := dst[:0]
	for i := range t.columns {
		col := &t.columns[i]
		if col.input >= 0 {
			out = append(out, row[col.input])
			continue
		}
		v, err := col.node.eval(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, canonical(v, col.node.b, col.node.ct))
	}
	return out, nil
}

func (c *compiler) compileProjection(t *Transform, p *Projection) {
	// A later column of the same name replaces an earlier one in its place,
	// as in Flink CDC, so that `*, UPPER(sku) AS sku` rewrites sku.
	at := map[string]int{}
	add := func(col cdc.Column, oc outColumn) {
		if i, ok := at[col.Name]; ok {
			t.columns[i] = oc
			t.out.Columns[i] = col
			return
		}
		at[col.Name] = len(t.columns)
		t.columns = append(t.columns, oc)
		t.out.Columns = append(t.out.Columns, col)
	}
	for _, it := range p.Items {
		if it.Star {
			for i, col := range c.schema.Columns {
				add(col, outColumn{input: i})
			}
			continue
		}
		name := it.Name()
		if name == "" {
			c.problem(it.Expr.String(), "a computed column needs a name: write %s AS name", it.Expr.String())
			continue
		}
		if it.Alias != "" && isMetadata(it.Alias, c.opts) {
			c.problem(it.Expr.String()+" AS "+quoteIdent(it.Alias), "%s is a metadata field; name the column otherwise", it.Alias)
			continue
		}
		if ref, ok := it.Expr.(*Column); ok && !isMetadata(ref.Name, c.opts) {
			if i := c.columnIndex(ref.Name); i >= 0 {
				col := c.schema.Columns[i]
				col.Name = name
				add(col, outColumn{input: i})
				continue
			}
		}
		n := c.compile(it.Expr)
		if n.eval == nil {
			continue
		}
		if n.b == bNull {
			c.problem(it.Expr.String(), "a NULL column has no type: write CAST(NULL AS type)")
			continue
		}
		add(cdc.Column{Name: name, Type: n.ct, Nullable: true}, outColumn{input: -1, node: n})
	}
}

// computedColumns maps the names of a projection's computed items to their
// expressions, for a filter that names them.
func computedColumns(p *Projection) map[string]Expr {
	m := map[string]Expr{}
	for _, it := range p.Items {
		if it.Star || it.Alias == "" {
			continue
		}
		if ref, ok := it.Expr.(*Column); ok && ref.Name == it.Alias {
			continue
		}
		m[it.Alias] = it.Expr
	}
	return m
}

func keptKey(in *cdc.TableSchema, t *Transform) []string {
	if len(in.PrimaryKey) == 0 {
		return nil
	}
	for _, k := range in.PrimaryKey {
		ki := in.ColumnIndex(k)
		found := false
		for i, oc := range t.columns {
			if oc.input == ki && t.out.Columns[i].Name == k {
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return slices.Clone(in.PrimaryKey)
}

func isMetadata(name string, opts Options) bool {
	switch name {
	case FieldNamespaceName, FieldSchemaName, FieldTableName, FieldDataEventType:
		return true
	}
	return slices.Contains(opts.SourceMetadata, name)
}
