package pipeline

import "github.com/rtdw/rtdw/internal/problems"

// compileExprs parses a transform's projection and filter.
//
// The expression language (package cdc/pipeline/expr) is not wired in yet:
// a declarative projection or filter is refused at Build, naming the Go
// alternative, rather than accepted and ignored.
func compileExprs(projection, filter string) (compiledExprs, []problems.Problem) {
	var bad []problems.Problem
	if projection != "" {
		bad = append(bad, problems.Problem{Field: "Projection", Value: projection,
			Fix: "expressions are not supported by this build yet; use a Go transform (pipeline.Func)"})
	}
	if filter != "" {
		bad = append(bad, problems.Problem{Field: "Filter", Value: filter,
			Fix: "expressions are not supported by this build yet; use a Go transform (pipeline.Func)"})
	}
	return nil, bad
}
