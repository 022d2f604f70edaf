package expr

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRendersBack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"a + b * c", "a + b * c"},
		{"(a + b) * c", "(a + b) * c"},
		{"a - (b - c)", "a - (b - c)"},
		{"a || 'x' || b", "a || 'x' || b"},
		{"NOT a = 1 AND b OR c", "NOT a = 1 AND b OR c"},
		{"a != 1", "a <> 1"},
		{"x is not null", "x IS NOT NULL"},
		{"x IS DISTINCT FROM y", "x IS DISTINCT FROM y"},
		{"x NOT BETWEEN 1 AND 2 + 3", "x NOT BETWEEN 1 AND 2 + 3"},
		{"x not in (1, 2,3)", "x NOT IN (1, 2, 3)"},
		{"s LIKE 'a%' ESCAPE '!'", "s LIKE 'a%' ESCAPE '!'"},
		{"cast(x as string)", "CAST(x AS STRING)"},
		{"TRY_CAST(x AS decimal(10,2))", "TRY_CAST(x AS DECIMAL(10, 2))"},
		{"substring(s from 1 for 2)", "SUBSTRING(s FROM 1 FOR 2)"},
		{"SUBSTRING(s, 1)", "SUBSTRING(s FROM 1)"},
		{"position('a' in s)", "POSITION('a' IN s)"},
		{"trim(leading 'x' from s)", "TRIM(LEADING 'x' FROM s)"},
		{"trim(s)", "TRIM(s)"},
		{"extract(day from t)", "EXTRACT(DAY FROM t)"},
		{"timestampdiff(day, a, b)", "TIMESTAMPDIFF(DAY, a, b)"},
		{"case when a then 1 else 2 end", "CASE WHEN a THEN 1 ELSE 2 END"},
		{"case x when 1, 2 then 'a' end", "CASE x WHEN 1, 2 THEN 'a' END"},
		{"current_timestamp", "CURRENT_TIMESTAMP"},
		{"DATE '2024-01-02'", "DATE '2024-01-02'"},
		{"`from` + `a``b` + `select`", "`from` + `a``b` + select"},
		{"'it''s'", "'it''s'"},
		{"- -1", "-(-1)"},
		{"__table_name__", "__table_name__"},
		{"POSITION((a IN (1)) IN s)", "POSITION((a IN (1)) IN s)"},
		{"ts + interval '1 02:03:04' day to second", "ts + INTERVAL '1 02:03:04' DAY TO SECOND"},
		{"INTERVAL '8' HOUR + ts", "INTERVAL '8' HOUR + ts"},
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.in, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("ParseExpr(%q).String() = %q, want %q", c.in, got, c.want)
		}
		again, err := ParseExpr(e.String())
		if err != nil {
			t.Errorf("reparse %q: %v", e.String(), err)
			continue
		}
		if !sameTree(e, again) {
			t.Errorf("reparse of %q gives another tree", e.String())
		}
	}
}

func TestParseProjection(t *testing.T) {
	t.Parallel()
	p, err := ParseProjection(`\*, id, UPPER(sku) AS sku, amount * 100 cents, __table_name__ AS src`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range p.Items {
		if it.Star {
			names = append(names, "*")
			continue
		}
		names = append(names, it.Name())
	}
	if want := []string{"*", "id", "sku", "cents", "src"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if got, want := p.String(), "*, id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"a +", "at the end: want an expression"},
		{"a = 'x", "string literal not closed"},
		{"a b", `unexpected "b"`},
		{"\"x\"", "double quotes are not string quotes"},
		{"CASE x END", "CASE needs at least one WHEN"},
		{"x IS 3", "want NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM"},
		{"from + 1", "quote a column of that name with backticks"},
		{"CAST(x AS)", "want a type name"},
		{"a IN ()", "want an expression"},
		{"t + INTERVAL '1' FORTNIGHT", "want an interval unit"},
		{"t + INTERVAL '1.5' DAY", "does not fit DAY"},
		{"t + INTERVAL '1-13' YEAR TO MONTH", "does not fit YEAR TO MONTH"},
		{"t + INTERVAL '1' SECOND TO DAY", "is not an interval"},
	} {
		_, err := ParseExpr(c.in)
		if err == nil {
			t.Errorf("ParseExpr(%q) succeeded, want an error containing %q", c.in, c.want)
			continue
		}
		if !contains(err.Error(), c.want) {
			t.Errorf("ParseExpr(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// sameTree compares two trees ignoring positions.
func sameTree(a, b Expr) bool {
	return reflect.DeepEqual(stripPos(reflect.ValueOf(a)).Interface(), stripPos(reflect.ValueOf(b)).Interface())
}

// stripPos returns a deep copy of v with every Position field zero.
func stripPos(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(stripPos(v.Elem()))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(stripPos(v.Elem()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if v.Type().Field(i).Name == "Position" {
				continue
			}
			out.Field(i).Set(stripPos(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(stripPos(v.Index(i)))
		}
		return out
	}
	return v
}
