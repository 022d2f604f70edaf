package expr

// Walk calls fn for e and, while fn returns true, for each node under it,
// depth first, in the order the nodes are written.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Unary:
		Walk(e.X, fn)
	case *Binary:
		Walk(e.L, fn)
		Walk(e.R, fn)
	case *Is:
		Walk(e.X, fn)
	case *DistinctFrom:
		Walk(e.L, fn)
		Walk(e.R, fn)
	case *Between:
		Walk(e.X, fn)
		Walk(e.Low, fn)
		Walk(e.High, fn)
	case *In:
		Walk(e.X, fn)
		for _, x := range e.List {
			Walk(x, fn)
		}
	case *Like:
		Walk(e.X, fn)
		Walk(e.Pattern, fn)
		Walk(e.Escape, fn)
	case *Case:
		Walk(e.Operand, fn)
		for _, w := range e.Whens {
			for _, c := range w.Conds {
				Walk(c, fn)
			}
			Walk(w.Then, fn)
		}
		Walk(e.Else, fn)
	case *Cast:
		Walk(e.X, fn)
	case *Call:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	}
}

// ColumnNames returns the names e refers to (columns and metadata fields),
// each once, in the order they first appear: what a Flink SQL source table
// must declare, or a transform must keep.
func ColumnNames(e Expr) []string {
	var names []string
	seen := map[string]bool{}
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Column); ok && !seen[c.Name] {
			seen[c.Name] = true
			names = append(names, c.Name)
		}
		return true
	})
	return names
}
