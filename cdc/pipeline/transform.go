package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// Transform changes the rows of the tables SourceTable matches, as a
// transform rule of Flink CDC's pipeline definition does (its source-table,
// projection, filter, primary-keys, partition-keys, table-options and
// description keys), plus Go functions for the embedded runner. The steps
// run in this order: Filter on the source row, Projection, PrimaryKeys,
// then Funcs.
type Transform struct {
	// SourceTable is a regular expression matched against the whole
	// "database.table" of each captured table, as [Route.SourceTable].
	SourceTable string
	// Projection lists the output columns in Flink CDC's syntax, such as
	// "id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src";
	// "*" stands for the source's columns. Empty keeps every column.
	Projection string
	// Filter keeps the rows for which it is true, such as
	// "status <> 'cancelled'"; empty keeps every row. An update whose row
	// enters the filter becomes an insert, and one whose row leaves it a
	// delete, so that a sink holds exactly the rows that pass.
	Filter string
	// PrimaryKeys overrides the output's primary key (Flink CDC's
	// primary-keys); empty keeps the source's.
	PrimaryKeys []string
	// PartitionKeys are the output's partition keys (Flink CDC's
	// partition-keys). The embedded runner's sinks do not partition; the
	// keys are checked and kept for the Flink runtime.
	PartitionKeys []string
	// TableOptions are Flink CDC's table-options, kept for the Flink
	// runtime.
	TableOptions map[string]string
	// Description says what the transform is for, in logs.
	Description string
	// Funcs run, in order, on each event after the declarative steps
	// (embedded runner only). A func changes the event in place and
	// returns false to drop it or an error to fail the row (see
	// [Config.OnTransformError]). A func that changes Schema must return
	// the same *cdc.TableSchema for every event of one input schema: sinks
	// tell schema changes by the pointer.
	Funcs []func(e *cdc.Event) (keep bool, err error)
}

func (t Transform) clone() Transform {
	t.PrimaryKeys = slices.Clone(t.PrimaryKeys)
	t.PartitionKeys = slices.Clone(t.PartitionKeys)
	t.Funcs = slices.Clone(t.Funcs)
	if t.TableOptions != nil {
		m := make(map[string]string, len(t.TableOptions))
		for k, v := range t.TableOptions {
			m[k] = v
		}
		t.TableOptions = m
	}
	return t
}

// TransformStep sets a part of a [Transform] given to [Builder.Transform].
type TransformStep func(*Transform)

// Projection sets [Transform.Projection].
func Projection(columns string) TransformStep { return func(t *Transform) { t.Projection = columns } }

// Filter sets [Transform.Filter].
func Filter(condition string) TransformStep { return func(t *Transform) { t.Filter = condition } }

// PrimaryKeys sets [Transform.PrimaryKeys].
func PrimaryKeys(columns ...string) TransformStep {
	return func(t *Transform) { t.PrimaryKeys = slices.Clone(columns) }
}

// PartitionKeys sets [Transform.PartitionKeys].
func PartitionKeys(columns ...string) TransformStep {
	return func(t *Transform) { t.PartitionKeys = slices.Clone(columns) }
}

// Func adds a Go function to [Transform.Funcs].
func Func(fn func(e *cdc.Event) (keep bool, err error)) TransformStep {
	return func(t *Transform) { t.Funcs = append(t.Funcs, fn) }
}

// compiledTransform is a validated transform.
type compiledTransform struct {
	Transform
	index int
	re    *regexp.Regexp
	exprs *declarative // nil without Projection and Filter
}

// validateTransforms compiles transforms and reports each problem; schemas
// known ahead are checked against the transforms that match them.
func validateTransforms(cfg *Config, ps *problems.Error) []*compiledTransform {
	opts := exprOptions{timeZone: cfg.TimeZone}
	var out []*compiledTransform
	for i, t := range cfg.Transforms {
		field := fmt.Sprintf("Transforms[%d]", i)
		ok := true
		re, _, err := compilePattern(t.SourceTable)
		switch {
		case t.SourceTable == "":
			ps.Add(field+".SourceTable", "", "set the pattern of the tables to transform, such as `gmall\\.orders_\\d+`")
			ok = false
		case err != nil:
			ps.Add(field+".SourceTable", t.SourceTable, "is not a regular expression (%v); escape the dot of database.table as \\.", err)
			ok = false
		}
		for j, fn := range t.Funcs {
			if fn == nil {
				ps.Add(fmt.Sprintf("%s.Funcs[%d]", field, j), "nil", "remove the nil function")
				ok = false
			}
		}
		for _, k := range [2]struct {
			name string
			cols []string
		}{{"PrimaryKeys", t.PrimaryKeys}, {"PartitionKeys", t.PartitionKeys}} {
			seen := map[string]bool{}
			for j, c := range k.cols {
				if c == "" {
					ps.Add(fmt.Sprintf("%s.%s[%d]", field, k.name, j), "", "name a column of the output")
					ok = false
				} else if seen[c] {
					ps.Add(fmt.Sprintf("%s.%s[%d]", field, k.name, j), c, "is listed twice; remove one")
					ok = false
				}
				seen[c] = true
			}
		}
		var decl *declarative
		if t.Projection != "" || t.Filter != "" {
			d, problemsFound := compileDeclarative(t.Projection, t.Filter, opts)
			for _, p := range problemsFound {
				ps.Add(field+"."+p.Field, p.Value, "%s", p.Fix)
				ok = false
			}
			decl = d
		}
		if ok {
			out = append(out, &compiledTransform{Transform: t, index: i, re: re, exprs: decl})
		}
	}
	return out
}

// transformFor returns the first transform matching id, or nil.
func transformFor(ts []*compiledTransform, id cdc.TableID) *compiledTransform {
	s := id.String()
	for _, t := range ts {
		if t.re.MatchString(s) {
			return t
		}
	}
	return nil
}

// boundTransform is a transform bound to one input schema.
type boundTransform struct {
	t   *compiledTransform
	in  *cdc.TableSchema
	out *cdc.TableSchema
	// rows is nil when the declarative steps leave rows unchanged.
	rows *boundDeclarative
}

// bind binds t to the input schema in, checking that every column the
// transform names exists; the problems name the transform and the table.
func (t *compiledTransform) bind(in *cdc.TableSchema) (*boundTransform, []problems.Problem) {
	field := fmt.Sprintf("Transforms[%d]", t.index)
	b := &boundTransform{t: t, in: in, out: in}
	var ps []problems.Problem
	if t.exprs != nil {
		rows, out, bad := t.exprs.bind(in)
		for _, p := range bad {
			p.Field = field + "." + p.Field
			p.Fix += " (table " + in.Table.String() + ")"
			ps = append(ps, p)
		}
		b.rows, b.out = rows, out
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if len(t.PrimaryKeys) > 0 || b.out != in {
		out := *b.out
		if len(t.PrimaryKeys) > 0 {
			out.PrimaryKey = slices.Clone(t.PrimaryKeys)
		} else {
			out.PrimaryKey = keepKey(in.PrimaryKey, &out)
		}
		b.out = &out
	}
	for _, k := range [2]struct {
		name string
		cols []string
	}{{"PrimaryKeys", t.PrimaryKeys}, {"PartitionKeys", t.PartitionKeys}} {
		for j, c := range k.cols {
			if b.out.ColumnIndex(c) < 0 {
				ps = append(ps, problems.Problem{Field: fmt.Sprintf("%s.%s[%d]", field, k.name, j), Value: c,
					Fix: fmt.Sprintf("is not a column of the output of %s; use one of: %s", in.Table, columnNames(b.out))})
			}
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return b, nil
}

// keepKey returns the source key when the projection keeps every column
// of it, else none (the output then needs PrimaryKeys for a keyed sink).
func keepKey(key []string, out *cdc.TableSchema) []string {
	for _, k := range key {
		if out.ColumnIndex(k) < 0 {
			return nil
		}
	}
	return slices.Clone(key)
}

func columnNames(s *cdc.TableSchema) string {
	names := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// apply transforms e in place and reports whether it is kept. The event's
// Op may change when a filter is set (an update entering or leaving it).
func (b *boundTransform) apply(e *cdc.Event) (bool, error) {
	if !e.Op.IsRowChange() {
		e.Schema = b.out // a schema change: the sink learns the output's schema
		return true, nil
	}
	if b.rows != nil {
		keep, err := b.rows.apply(e)
		if err != nil || !keep {
			return keep, err
		}
	}
	e.Schema = b.out
	e.Table = b.out.Table
	for _, fn := range b.t.Funcs {
		keep, err := fn(e)
		if err != nil || !keep {
			return keep, err
		}
	}
	return true, nil
}

// RowError is a row whose transform failed: with [StopOnError] Run returns
// it (wrapped by the source as a *cdc.HandlerError: match it with
// errors.As).
type RowError struct {
	// Table is the row's source table.
	Table cdc.TableID
	// Op is the change.
	Op cdc.Op
	// Key is the row's primary key as "column=value" pairs, such as
	// "id=42"; the whole row when the table has no key.
	Key string
	// Transform is the index of the transform in [Config.Transforms].
	Transform int
	// Err is what failed.
	Err error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("pipeline: Transforms[%d] failed on %s row %s (%s): %v", e.Transform, e.Table, e.Key, e.Op, e.Err)
}

// Unwrap returns Err.
func (e *RowError) Unwrap() error { return e.Err }

// rowKey formats the key of e's row for errors.
func rowKey(e *cdc.Event) string {
	row := e.After
	if row == nil {
		row = e.Before
	}
	s := e.Schema
	if s == nil {
		return "?"
	}
	var b strings.Builder
	cols := s.PrimaryKey
	if len(cols) == 0 {
		for _, c := range s.Columns {
			cols = append(cols, c.Name)
		}
	}
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		v, _ := s.Value(row, c)
		b.WriteString(c)
		b.WriteString("=")
		b.WriteString(formatValue(v))
	}
	return b.String()
}
