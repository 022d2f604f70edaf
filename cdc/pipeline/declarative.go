package pipeline

import (
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// rowMeta is what Flink CDC's metadata columns read for one row image.
type rowMeta struct {
	event *cdc.Event
	// before is set for the row before an update or a delete.
	before bool
	// kind is Flink's row kind of the image: "+I", "-U", "+U" or "-D".
	kind string
}

// compiledExprs binds a transform's parsed projection and filter to an
// input schema.
type compiledExprs interface {
	bind(in *cdc.TableSchema) (projectFunc, *cdc.TableSchema, []problems.Problem)
}

// projectFunc filters and projects one row image: keep is false when the
// filter rejects it.
type projectFunc func(row cdc.Row, m rowMeta) (out cdc.Row, keep bool, err error)

// declarative is a transform's parsed Projection and Filter.
type declarative struct {
	compiled compiledExprs
}

// compileDeclarative parses a projection and a filter; the problems name
// the field (Projection or Filter), the text and the fix.
func compileDeclarative(projection, filter string, o exprOptions) (*declarative, []problems.Problem) {
	c, bad := compileExprs(projection, filter, o)
	if len(bad) > 0 {
		return nil, bad
	}
	return &declarative{compiled: c}, nil
}

// bind binds the expressions to in.
func (d *declarative) bind(in *cdc.TableSchema) (*boundDeclarative, *cdc.TableSchema, []problems.Problem) {
	project, out, bad := d.compiled.bind(in)
	if len(bad) > 0 {
		return nil, nil, bad
	}
	return &boundDeclarative{project: project}, out, nil
}

// boundDeclarative evaluates a projection and a filter for one input schema.
type boundDeclarative struct {
	project projectFunc
}

// apply filters and projects e's images in place. The filter is evaluated
// on each image the event carries: an update whose before image passes and
// after image does not becomes a delete of the before image, and the other
// way round an insert, so that a sink holds exactly the rows that pass.
func (b *boundDeclarative) apply(e *cdc.Event) (bool, error) {
	switch e.Op {
	case cdc.OpRead, cdc.OpCreate:
		return b.image(e, &e.After, false, "+I")
	case cdc.OpDelete:
		return b.image(e, &e.Before, true, "-D")
	case cdc.OpUpdate:
		before, keepBefore, err := b.project(e.Before, rowMeta{e, true, "-U"})
		if err != nil {
			return false, err
		}
		after, keepAfter, err := b.project(e.After, rowMeta{e, false, "+U"})
		if err != nil {
			return false, err
		}
		switch {
		case keepBefore && keepAfter:
			e.Before, e.After = before, after
		case keepBefore:
			e.Op, e.Before, e.After = cdc.OpDelete, before, nil
		case keepAfter:
			e.Op, e.Before, e.After = cdc.OpCreate, nil, after
		default:
			return false, nil
		}
		return true, nil
	}
	return true, nil // schema changes carry no rows
}

// image filters and projects the one image of an insert, read or delete.
func (b *boundDeclarative) image(e *cdc.Event, row *cdc.Row, before bool, kind string) (bool, error) {
	out, keep, err := b.project(*row, rowMeta{e, before, kind})
	if err != nil || !keep {
		return false, err
	}
	*row = out
	return true, nil
}
