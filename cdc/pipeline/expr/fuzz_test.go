package expr

import (
	"testing"
)

// FuzzExpr holds the parser to its promise: whatever it accepts renders to
// text that parses back to the same tree and renders the same again; and
// compiling and evaluating what parses never panics.
func FuzzExpr(f *testing.F) {
	for _, c := range functionCases {
		f.Add(c.expr)
	}
	for _, s := range []string{
		"a + b * c", "NOT a = 1 AND b OR c", "POSITION((a IN (1)) IN s)", "x IS NOT DISTINCT FROM y",
		"CASE x WHEN 1, 2 THEN 'a' END", "`a``b` || 'it''s'", "TRIM(LEADING FROM s)", "- -1", "s NOT LIKE 'a' ESCAPE 'b'",
		"CAST(x AS DECIMAL(10, 2))", "1.5E-3", ".5", "-- comment\n1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			return
		}
		text := e.String()
		again, err := ParseExpr(text)
		if err != nil {
			t.Fatalf("%q parsed, its rendering %q does not: %v", s, text, err)
		}
		if !sameTree(e, again) {
			t.Fatalf("%q renders as %q, which parses to another tree (%q)", s, text, again.String())
		}
		if again.String() != text {
			t.Fatalf("rendering is not stable: %q then %q", text, again.String())
		}
		if p, err := Compile(e, testSchema, testOptions()); err == nil {
			_, _ = p.Eval(testRow, &testMeta)
			_, _ = p.Eval(make([]any, len(testSchema.Columns)), nil)
		}
		// Flink SQL output is in a syntax this parser reads too: it must
		// parse, so its parentheses and quoting are at least well formed.
		if f, err := FlinkSQL(e); err == nil {
			if _, err := ParseExpr(f); err != nil {
				t.Fatalf("FlinkSQL(%q) = %q, which does not parse: %v", text, f, err)
			}
		}
	})
}

// FuzzProjection: a projection that parses renders to one that parses to
// the same items.
func FuzzProjection(f *testing.F) {
	for _, s := range []string{
		`\*, UPPER(sku) AS sku, amount * 100 cents`, "id, `from` AS `select`", "*", "a b, c AS d, *",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProjection(s)
		if err != nil {
			return
		}
		text := p.String()
		again, err := ParseProjection(text)
		if err != nil {
			t.Fatalf("%q parsed, its rendering %q does not: %v", s, text, err)
		}
		if len(again.Items) != len(p.Items) {
			t.Fatalf("%q: %d items, its rendering %q %d", s, len(p.Items), text, len(again.Items))
		}
		for i := range p.Items {
			a, b := p.Items[i], again.Items[i]
			if a.Star != b.Star || a.Alias != b.Alias || !a.Star && !sameTree(a.Expr, b.Expr) {
				t.Fatalf("%q: item %d differs after rendering as %q", s, i, text)
			}
		}
	})
}
