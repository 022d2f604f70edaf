package pipeline

import (
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// rowMeta is what Flink CDC's metadata columns read for one row image.
type rowMeta struct {
	event *cdc.Event
	// kind is Flink's row kind of the image: "+I", "-U", "+U" or "-D".
	kind string
}

// declarative is a transform's compiled Projection and Filter.
type declarative struct {
	projection string
	filter     string
	compiled   compiledExprs
}

// compiledExprs binds the parsed expressions to an input schema.
type compiledExprs interface {
	bind(in *cdc.TableSchema) (project projectFunc, filter filterFunc, out *cdc.TableSchema, bad []problems.Problem)
}

type (
	projectFunc func(row cdc.Row, m rowMeta) (cdc.Row, error)
	filterFunc  func(row cdc.Row, m rowMeta) (bool, error)
)

// compileDeclarative parses a projection and a filter; the problems name
// the field (Projection or Filter), the text and the fix.
func compileDeclarative(projection, filter string) (*declarative, []problems.Problem) {
	c, bad := compileExprs(projection, filter)
	if len(bad) > 0 {
		return nil, bad
	}
	return &declarative{projection: projection, filter: filter, compiled: c}, nil
}

// bind binds the expressions to in.
func (d *declarative) bind(in *cdc.TableSchema) (*boundDeclarative, *cdc.TableSchema, []problems.Problem) {
	project, filter, out, bad := d.compiled.bind(in)
	if len(bad) > 0 {
		return nil, nil, bad
	}
	return &boundDeclarative{project: project, filter: filter}, out, nil
}

// boundDeclarative evaluates a projection and a filter for one input schema.
type boundDeclarative struct {
	project projectFunc // nil: rows unchanged
	filter  filterFunc  // nil: every row passes
}

// apply filters and projects e's images in place. A filter is evaluated on
// each image the event carries: an update whose before image passes and
// after image does not becomes a delete of the before image, and the other
// way round an insert, so that a sink holds exactly the rows that pass.
func (b *boundDeclarative) apply(e *cdc.Event) (bool, error) {
	switch e.Op {
	case cdc.OpRead, cdc.OpCreate:
		return b.image(e, &e.After, "+I")
	case cdc.OpDelete:
		return b.image(e, &e.Before, "-D")
	case cdc.OpUpdate:
		if b.filter != nil {
			before, err := b.filter(e.Before, rowMeta{e, "-U"})
			if err != nil {
				return false, err
			}
			after, err := b.filter(e.After, rowMeta{e, "+U"})
			if err != nil {
				return false, err
			}
			switch {
			case !before && !after:
				return false, nil
			case before && !after:
				e.Op, e.After = cdc.OpDelete, nil
				return b.project1(e, &e.Before, "-D")
			case !before && after:
				e.Op, e.Before = cdc.OpCreate, nil
				return b.project1(e, &e.After, "+I")
			}
		}
		if ok, err := b.project1(e, &e.Before, "-U"); !ok || err != nil {
			return ok, err
		}
		return b.project1(e, &e.After, "+U")
	}
	return true, nil // schema changes carry no rows
}

// image filters and projects the one image of an insert, read or delete.
func (b *boundDeclarative) image(e *cdc.Event, row *cdc.Row, kind string) (bool, error) {
	if b.filter != nil {
		ok, err := b.filter(*row, rowMeta{e, kind})
		if err != nil || !ok {
			return false, err
		}
	}
	return b.project1(e, row, kind)
}

func (b *boundDeclarative) project1(e *cdc.Event, row *cdc.Row, kind string) (bool, error) {
	if b.project == nil || *row == nil {
		return true, nil
	}
	out, err := b.project(*row, rowMeta{e, kind})
	if err != nil {
		return false, err
	}
	*row = out
	return true, nil
}
