package pipeline

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// Route sends the tables SourceTable matches to SinkTable, as a route rule
// of Flink CDC's pipeline definition does (its source-table, sink-table,
// replace-symbol and description keys):
//
//   - one to one, a rename: "gmall.orders" to "ods.orders";
//   - many to one, sharded tables merged: `gmall\.orders_\d+` to
//     "ods.orders" (the tables' rows then share one primary key space);
//   - many to many by pattern: `gmall\..*` to "ods.<>" with
//     ReplaceSymbol "<>", which each table's own name replaces;
//   - one to many: two routes with the same SourceTable and different
//     SinkTables copy the table to both.
//
// A table that no route matches keeps its name.
type Route struct {
	// SourceTable is a regular expression (Go's syntax, which accepts the
	// Java patterns Flink CDC users write for table names) matched against
	// the whole "database.table" of each captured table.
	SourceTable string
	// SinkTable is the "database.table" the matched tables are written to.
	SinkTable string
	// ReplaceSymbol, when set, is replaced in SinkTable by each matched
	// table's name (the table's, without its database), so that one route
	// renames many tables.
	ReplaceSymbol string
	// Sink names the sink ([SinkSpec.Name]) the route writes to; empty means
	// the pipeline's only sink, and is an error when it has several.
	Sink string
	// Description says what the route is for, in logs.
	Description string
}

// RouteOption sets a field of a [Route] given to [Builder.Route].
type RouteOption func(*Route)

// ReplaceSymbol sets [Route.ReplaceSymbol].
func ReplaceSymbol(symbol string) RouteOption { return func(r *Route) { r.ReplaceSymbol = symbol } }

// RouteTo sets [Route.Sink], the sink the route writes to.
func RouteTo(sink string) RouteOption { return func(r *Route) { r.Sink = sink } }

// Description sets [Route.Description].
func Description(text string) RouteOption { return func(r *Route) { r.Description = text } }

// RouteMode says what a table that several routes match does.
type RouteMode int

const (
	// RouteEveryMatch, Flink CDC's behaviour: a table goes to every route
	// it matches. Routes with the same SourceTable text copy a table to
	// several sink tables on purpose; two different patterns that can
	// match one table are refused by Build as overlapping, since one of
	// them is usually a mistake (an unescaped dot, a missing anchor).
	RouteEveryMatch RouteMode = iota
	// RouteFirstMatch: a table goes to the first route it matches, so a
	// specific route can come before a catch-all one; overlapping patterns
	// are allowed.
	RouteFirstMatch
)

// String returns "every-match" or "first-match".
func (m RouteMode) String() string {
	switch m {
	case RouteEveryMatch:
		return "every-match"
	case RouteFirstMatch:
		return "first-match"
	}
	return fmt.Sprintf("RouteMode(%d)", int(m))
}

// compiledRoute is a validated route.
type compiledRoute struct {
	Route
	re   *regexp.Regexp
	prog *syntax.Prog // for overlap checks
	sink int          // index into the pipeline's sinks
}

// compilePattern compiles a table pattern to match whole table ids.
func compilePattern(pattern string) (*regexp.Regexp, *syntax.Prog, error) {
	full := `^(?:` + pattern + `)$`
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := syntax.Parse(full, syntax.Perl)
	if err != nil {
		return nil, nil, err
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return nil, nil, err
	}
	return re, prog, nil
}

// target returns the sink table of id under r.
func (r *compiledRoute) target(id cdc.TableID) (cdc.TableID, error) {
	s := r.SinkTable
	if r.ReplaceSymbol != "" {
		s = strings.ReplaceAll(s, r.ReplaceSymbol, id.Table)
	}
	t, err := cdc.ParseTableID(s)
	if err != nil {
		return cdc.TableID{}, fmt.Errorf("pipeline: route %q -> %q for %s: %w", r.SourceTable, r.SinkTable, id, err)
	}
	return t, nil
}

// validateRoutes compiles routes, resolves their sinks and reports each
// problem.
func validateRoutes(cfg *Config, sinkNames []string, ps *problems.Error) []compiledRoute {
	var out []compiledRoute
	for i, r := range cfg.Routes {
		field := fmt.Sprintf("Routes[%d]", i)
		ok := true
		if r.SourceTable == "" {
			ps.Add(field+".SourceTable", "", "set the pattern of the tables to route, such as `gmall\\.orders_\\d+`")
			ok = false
		}
		re, prog, err := compilePattern(r.SourceTable)
		if r.SourceTable != "" && err != nil {
			ps.Add(field+".SourceTable", r.SourceTable, "is not a regular expression (%v); escape the dot of database.table as \\.", err)
			ok = false
		}
		switch {
		case r.SinkTable == "":
			ps.Add(field+".SinkTable", "", "set the sink table as database.table, such as ods.orders")
			ok = false
		case r.ReplaceSymbol != "" && !strings.Contains(r.SinkTable, r.ReplaceSymbol):
			ps.Add(field+".ReplaceSymbol", r.ReplaceSymbol, "does not occur in SinkTable %q; put it where the source table's name goes, such as ods.%s", r.SinkTable, r.ReplaceSymbol)
			ok = false
		default:
			probe := r.SinkTable
			if r.ReplaceSymbol != "" {
				probe = strings.ReplaceAll(probe, r.ReplaceSymbol, "t")
			}
			if _, err := cdc.ParseTableID(probe); err != nil {
				ps.Add(field+".SinkTable", r.SinkTable, "name the sink table as database.table, such as ods.orders")
				ok = false
			}
		}
		sink := -1
		switch {
		case r.Sink == "" && len(sinkNames) == 1:
			sink = 0
		case r.Sink == "" && len(sinkNames) == 0:
			ps.Add(field+".Sink", "", "the route has no sink: add one with To (or a sink block)")
			ok = false
		case r.Sink == "":
			ps.Add(field+".Sink", "", "the route has no sink: the pipeline has %d (%s); name one with RouteTo", len(sinkNames), strings.Join(sinkNames, ", "))
			ok = false
		default:
			for j, n := range sinkNames {
				if n == r.Sink {
					sink = j
				}
			}
			if sink < 0 {
				ps.Add(field+".Sink", r.Sink, "no sink has this name; use one of: %s", strings.Join(sinkNames, ", "))
				ok = false
			}
		}
		if ok {
			out = append(out, compiledRoute{Route: r, re: re, prog: prog, sink: sink})
		}
	}
	if cfg.RouteMode != RouteEveryMatch && cfg.RouteMode != RouteFirstMatch {
		ps.Add("RouteMode", cfg.RouteMode.String(), "use RouteEveryMatch or RouteFirstMatch")
	}
	if cfg.RouteMode == RouteEveryMatch {
		reportOverlaps(out, ps)
	}
	return out
}

// reportOverlaps reports routes whose different patterns can match one
// table, and routes that send the same tables to the same sink table
// twice.
func reportOverlaps(routes []compiledRoute, ps *problems.Error) {
	for i := range routes {
		for j := i + 1; j < len(routes); j++ {
			a, b := &routes[i], &routes[j]
			if a.SourceTable == b.SourceTable {
				if a.SinkTable == b.SinkTable && a.ReplaceSymbol == b.ReplaceSymbol && a.sink == b.sink {
					ps.Add(fmt.Sprintf("Routes[%d]", j), a.SourceTable, "repeats Routes[%d]: every row would be written twice to %s; remove one", i, a.SinkTable)
				}
				continue // the same pattern: a deliberate one-to-many copy
			}
			if example, ok := overlap(a.prog, b.prog); ok {
				ps.Add(fmt.Sprintf("Routes[%d].SourceTable", j), b.SourceTable,
					"overlaps Routes[%d].SourceTable %q (both match %q): make the patterns disjoint (escape the dot as \\., anchor the shard number), or choose RouteFirstMatch to let the first route win",
					i, a.SourceTable, example)
			}
		}
	}
}

// overlap reports whether two compiled patterns match a common string, and
// one such string. It walks the product of the two programs' automata
// breadth first, so the example is a shortest common match. Empty-width
// assertions are taken as satisfied, which can only report more overlaps.
func overlap(a, b *syntax.Prog) (string, bool) {
	type pair struct{ i, j uint32 }
	type step struct {
		prev *step
		r    rune
	}
	seen := map[pair]bool{}
	var queue []pair
	trail := map[pair]*step{}
	push := func(p pair, s *step) {
		if !seen[p] {
			seen[p] = true
			trail[p] = s
			queue = append(queue, p)
		}
	}
	for _, i := range closure(a, uint32(a.Start)) {
		for _, j := range closure(b, uint32(b.Start)) {
			push(pair{i, j}, nil)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		ia, ib := &a.Inst[p.i], &b.Inst[p.j]
		if ia.Op == syntax.InstMatch && ib.Op == syntax.InstMatch {
			var rs []rune
			for s := trail[p]; s != nil; s = s.prev {
				rs = append(rs, s.r)
			}
			for l, r := 0, len(rs)-1; l < r; l, r = l+1, r-1 {
				rs[l], rs[r] = rs[r], rs[l]
			}
			return string(rs), true
		}
		if ia.Op == syntax.InstMatch || ib.Op == syntax.InstMatch {
			continue
		}
		r, ok := commonRune(ia, ib)
		if !ok {
			continue
		}
		s := &step{prev: trail[p], r: r}
		for _, i := range closure(a, ia.Out) {
			for _, j := range closure(b, ib.Out) {
				push(pair{i, j}, s)
			}
		}
	}
	return "", false
}

// closure returns the rune-consuming and match instructions reachable from
// pc without consuming input.
func closure(p *syntax.Prog, pc uint32) []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	var walk func(uint32)
	walk = func(pc uint32) {
		if seen[pc] {
			return
		}
		seen[pc] = true
		in := &p.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			walk(in.Out)
			walk(in.Arg)
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			walk(in.Out)
		case syntax.InstFail:
		default:
			out = append(out, pc)
		}
	}
	walk(pc)
	return out
}

// commonRune returns a rune both instructions consume, if there is one.
// Two unions of ranges intersect exactly when an end of a range of one lies
// in the other; case folding adds the folded ends.
func commonRune(a, b *syntax.Inst) (rune, bool) {
	for _, in := range [2]*syntax.Inst{a, b} {
		for _, r := range candidateRunes(in) {
			if a.MatchRune(r) && b.MatchRune(r) {
				return r, true
			}
		}
	}
	return 0, false
}

// candidateRunes lists the ends of the ranges an instruction consumes, with
// their case foldings.
func candidateRunes(in *syntax.Inst) []rune {
	var ends []rune
	switch in.Op {
	case syntax.InstRune, syntax.InstRune1:
		ends = append(ends, in.Rune...)
	case syntax.InstRuneAny:
		ends = append(ends, 'a', '\n', 0, unicode.MaxRune)
	case syntax.InstRuneAnyNotNL:
		ends = append(ends, 'a', 0, unicode.MaxRune)
	}
	out := ends
	for _, r := range ends {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			out = append(out, f)
		}
	}
	return out
}
