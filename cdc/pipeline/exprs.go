package pipeline

import (
	"fmt"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/internal/problems"
)

// exprOptions are the settings every transform's expressions compile with.
type exprOptions struct {
	timeZone *time.Location
}

// parsedExprs is a transform's projection and filter, parsed; they are
// compiled against each input schema by bind.
type parsedExprs struct {
	projection *expr.Projection // nil: every column
	filter     expr.Expr        // nil: every row
	opts       expr.Options
}

// compileExprs parses a transform's projection and filter; syntax errors
// are problems of the field. What needs the table (column names, function
// arguments' types, a boolean filter) is checked by bind.
func compileExprs(projection, filter string, o exprOptions) (compiledExprs, []problems.Problem) {
	p := &parsedExprs{opts: expr.Options{TimeZone: o.timeZone, SourceMetadata: []string{expr.MetadataOpTs}}}
	var bad []problems.Problem
	if projection != "" {
		proj, err := expr.ParseProjection(projection)
		if err != nil {
			bad = append(bad, problems.Problem{Field: "Projection", Value: projection,
				Fix: fmt.Sprintf("%v; write Flink CDC's projection syntax, such as id, UPPER(name) AS name, __table_name__ AS src", err)})
		} else {
			p.projection = &proj
		}
	}
	if filter != "" {
		f, err := expr.ParseFilter(filter)
		if err != nil {
			bad = append(bad, problems.Problem{Field: "Filter", Value: filter,
				Fix: fmt.Sprintf("%v; write a boolean condition, such as status <> 'cancelled'", err)})
		} else {
			p.filter = f
		}
	}
	return p, bad
}

// bind compiles the expressions against in.
func (p *parsedExprs) bind(in *cdc.TableSchema) (projectFunc, *cdc.TableSchema, []problems.Problem) {
	t, err := expr.CompileTransform(in, p.projection, p.filter, p.opts)
	if err != nil {
		var field, value string
		switch {
		case p.filter == nil:
			field, value = "Projection", p.projection.String()
		case p.projection == nil:
			field, value = "Filter", p.filter.String()
		default: // the error names the part at fault
			field, value = "Projection/Filter", p.projection.String()+" WHERE "+p.filter.String()
		}
		return nil, nil, []problems.Problem{{Field: field, Value: value, Fix: err.Error()}}
	}
	project := func(row cdc.Row, m rowMeta) (cdc.Row, bool, error) {
		meta := expr.MetadataOf(m.event, m.before)
		meta.EventType = m.kind
		return t.Apply(nil, row, &meta)
	}
	return project, t.Schema(), nil
}
