package expr

import (
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// FlinkMetadataColumns maps the metadata fields to the metadata columns of
// Flink CDC's mysql-cdc table connector, which a Flink SQL source table
// declares (`database_name STRING METADATA FROM 'database_name' VIRTUAL`).
// In Flink SQL op_ts is a TIMESTAMP_LTZ(3), not milliseconds. The
// namespace, which MySQL has not, renders as a NULL string.
var FlinkMetadataColumns = map[string]string{
	FieldSchemaName:    "database_name",
	FieldTableName:     "table_name",
	FieldDataEventType: "row_kind",
	MetadataOpTs:       "op_ts",
}

// FlinkSQL renders e as a Flink SQL expression that means what e means
// here: names in backticks; comparisons that could meet a NULL are wrapped in (...) IS TRUE,
// since Flink SQL's are NULL where Flink CDC's are FALSE; the metadata
// fields become the columns of [FlinkMetadataColumns]; the functions Flink
// SQL lacks are written with the ones it has (DATE_ADD with TIMESTAMPADD,
// STARTSWITH with POSITION, BTRIM with TRIM). A function with no Flink SQL
// counterpart is an error naming it. Two differences remain, for want of
// the operands' types here: a decimal quotient has Flink SQL's scale rather
// than the dividend's, and SUBSTRING's negative start is Flink SQL's.
func FlinkSQL(e Expr) (string, error) {
	f, err := toFlink(e, false)
	if err != nil {
		return "", err
	}
	return renderFlink(f), nil
}

// FlinkSQLCondition renders a filter condition for a WHERE clause, as
// [FlinkSQL] does, but without the IS TRUE around comparisons joined by
// AND and OR at the top, where a NULL drops the row as FALSE does.
func FlinkSQLCondition(e Expr) (string, error) {
	f, err := toFlink(e, true)
	if err != nil {
		return "", err
	}
	return renderFlink(f), nil
}

// FlinkSQLSelect renders a projection for rows of schema as a Flink SQL
// select list: `*` expanded to the columns, a later item of a name
// replacing an earlier one in its place (as [CompileTransform] does), each
// computed item AS its name.
func FlinkSQLSelect(p Projection, schema *cdc.TableSchema) (string, error) {
	type item struct{ sql, name string }
	var items []item
	at := map[string]int{}
	add := func(sql, name string) {
		if i, ok := at[name]; ok {
			items[i] = item{sql, name}
			return
		}
		at[name] = len(items)
		items = append(items, item{sql, name})
	}
	for _, it := range p.Items {
		if it.Star {
			for _, col := range schema.Columns {
				add(flinkIdent(col.Name), col.Name)
			}
			continue
		}
		name := it.Name()
		if name == "" {
			return "", fmt.Errorf("expr: %s: a computed column needs a name: write %s AS name", it.Expr, it.Expr)
		}
		s, err := FlinkSQL(it.Expr)
		if err != nil {
			return "", err
		}
		if s != flinkIdent(name) {
			s += " AS " + flinkIdent(name)
		}
		add(s, name)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.sql
	}
	return strings.Join(parts, ", "), nil
}

// flinkIdent quotes a name for Flink SQL, always: Flink reserves many more
// words than this package's grammar.
func flinkIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// notInFlinkSQL are functions Flink SQL has no counterpart of.
var notInFlinkSQL = map[string]string{
	"DATE_FORMAT_TZ":     "use DATE_FORMAT(CONVERT_TZ(...)) in Flink SQL",
	"FROM_BASE64_BINARY": "Flink SQL's FROM_BASE64 returns a string",
}

func isTrue(e Expr) Expr { return &Is{X: e, What: "TRUE", Position: e.Pos()} }

// toFlink rewrites e into the tree whose Flink SQL rendering means what e
// means here. top is set at the AND/OR tree at the top of a condition.
func toFlink(e Expr, top bool) (Expr, error) {
	sub := func(x Expr) (Expr, error) { return toFlink(x, false) }
	switch e := e.(type) {
	case *Literal:
		return e, nil
	case *Column:
		if e.Name == FieldNamespaceName {
			return &Cast{X: &Literal{Kind: LitNull, Text: "NULL"}, Type: TypeName{Name: "STRING"}, Position: e.Position}, nil
		}
		if n, ok := FlinkMetadataColumns[e.Name]; ok {
			return &Column{Name: n, Position: e.Position}, nil
		}
		return e, nil
	case *Unary:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		return &Unary{Op: e.Op, X: x, Position: e.Position}, nil
	case *Binary:
		childTop := top && (e.Op == "AND" || e.Op == "OR")
		l, err := toFlink(e.L, childTop)
		if err != nil {
			return nil, err
		}
		r, err := toFlink(e.R, childTop)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "%":
			return &Call{Name: "MOD", Args: []Expr{l, r}, Position: e.Position}, nil
		case "=", "<>", "<", "<=", ">", ">=":
			b := &Binary{Op: e.Op, L: l, R: r, Position: e.Position}
			if top {
				return b, nil
			}
			return isTrue(b), nil
		}
		return &Binary{Op: e.Op, L: l, R: r, Position: e.Position}, nil
	case *Is:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		return &Is{X: x, Not: e.Not, What: e.What, Position: e.Position}, nil
	case *DistinctFrom:
		l, err := sub(e.L)
		if err != nil {
			return nil, err
		}
		r, err := sub(e.R)
		if err != nil {
			return nil, err
		}
		return &DistinctFrom{L: l, R: r, Not: e.Not, Position: e.Position}, nil
	case *Between:
		xs, err := subAll(e.X, e.Low, e.High)
		if err != nil {
			return nil, err
		}
		b := &Between{X: xs[0], Low: xs[1], High: xs[2], Not: e.Not, Position: e.Position}
		if top {
			return b, nil
		}
		return isTrue(b), nil
	case *In:
		xs, err := subAll(append([]Expr{e.X}, e.List...)...)
		if err != nil {
			return nil, err
		}
		in := &In{X: xs[0], List: xs[1:], Not: e.Not, Position: e.Position}
		if top {
			return in, nil
		}
		return isTrue(in), nil
	case *Like:
		xs, err := subAll(e.X, e.Pattern)
		if err != nil {
			return nil, err
		}
		l := &Like{X: xs[0], Pattern: xs[1], Not: e.Not, Similar: e.Similar, Position: e.Position}
		if e.Escape != nil {
			if l.Escape, err = sub(e.Escape); err != nil {
				return nil, err
			}
		}
		return l, nil
	case *Case:
		out := &Case{Position: e.Position}
		var err error
		if e.Operand != nil {
			if out.Operand, err = sub(e.Operand); err != nil {
				return nil, err
			}
		}
		for _, w := range e.Whens {
			var nw When
			for _, c := range w.Conds {
				// A searched WHEN takes NULL as not met, like FALSE.
				x, err := toFlink(c, e.Operand == nil)
				if err != nil {
					return nil, err
				}
				nw.Conds = append(nw.Conds, x)
			}
			if nw.Then, err = sub(w.Then); err != nil {
				return nil, err
			}
			out.Whens = append(out.Whens, nw)
		}
		if e.Else != nil {
			if out.Else, err = sub(e.Else); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *Cast:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		return &Cast{X: x, Type: e.Type, Try: e.Try, Position: e.Position}, nil
	case *Call:
		return callToFlink(e)
	case *Interval:
		return e, nil
	}
	return nil, fmt.Errorf("expr: %s: no Flink SQL rendering for %T", e, e)
}

func subAll(xs ...Expr) ([]Expr, error) {
	out := make([]Expr, len(xs))
	for i, x := range xs {
		var err error
		if out[i], err = toFlink(x, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func callToFlink(e *Call) (Expr, error) {
	if why, ok := notInFlinkSQL[e.Name]; ok {
		return nil, fmt.Errorf("expr: %s: %s has no Flink SQL counterpart; %s", e, e.Name, why)
	}
	if why, ok := unsupported[e.Name]; ok {
		return nil, fmt.Errorf("expr: %s: function %s is not supported: %s", e, e.Name, why)
	}
	args, err := subAll(e.Args...)
	if err != nil {
		return nil, err
	}
	c := &Call{Name: e.Name, Args: args, Unit: e.Unit, Niladic: e.Niladic, Position: e.Position}
	pos := e.Position
	switch {
	case e.Name == "DATE_ADD" && len(args) == 2:
		return &Call{Name: "TIMESTAMPADD", Unit: "DAY", Args: []Expr{args[1], args[0]}, Position: pos}, nil
	case e.Name == "STARTSWITH" && len(args) == 2:
		// POSITION(p IN s) = 1 is NULL for a NULL operand, as STARTSWITH is.
		return &Binary{Op: "=", L: &Call{Name: "POSITION", Args: []Expr{args[1], args[0]}, Position: pos},
			R: &Literal{Kind: LitInt, Text: "1"}, Position: pos}, nil
	case e.Name == "ENDSWITH" && len(args) == 2:
		return &Binary{Op: "=", L: &Call{Name: "RIGHT", Args: []Expr{args[0], &Call{Name: "CHAR_LENGTH", Args: []Expr{args[1]}}}, Position: pos},
			R: args[1], Position: pos}, nil
	case (e.Name == "BTRIM" || e.Name == "LTRIM" || e.Name == "RTRIM") && len(args) == 2:
		side := map[string]string{"BTRIM": "BOTH", "LTRIM": "LEADING", "RTRIM": "TRAILING"}[e.Name]
		return &Call{Name: "TRIM", Unit: side, Args: args, Position: pos}, nil
	case e.Name == "BTRIM":
		return &Call{Name: "TRIM", Args: args, Position: pos}, nil
	case e.Name == "POSITION" && len(args) == 3:
		return &Call{Name: "LOCATE", Args: args, Position: pos}, nil
	case e.Name == "SUBSTR":
		return &Call{Name: "SUBSTRING", Args: args, Position: pos}, nil
	}
	return c, nil
}
