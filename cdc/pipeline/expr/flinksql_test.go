package expr

import (
	"strings"
	"testing"
)

func TestFlinkSQL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want, cond string }{
		{"UPPER(sku)", "UPPER(sku)", ""},
		{"amount * 100", "amount * 100", ""},
		{"a % 3", "MOD(a, 3)", ""},
		{"MOD(a, 3)", "MOD(a, 3)", ""},
		{"status <> 'x'", "(status <> 'x') IS TRUE", "status <> 'x'"},
		{"a > 1 AND (b = 2 OR NOT c = 3)", "(a > 1) IS TRUE AND ((b = 2) IS TRUE OR NOT (c = 3) IS TRUE)",
			"a > 1 AND (b = 2 OR NOT (c = 3) IS TRUE)"},
		{"a BETWEEN 1 AND 2", "(a BETWEEN 1 AND 2) IS TRUE", "a BETWEEN 1 AND 2"},
		{"a NOT IN (1, 2)", "(a NOT IN (1, 2)) IS TRUE", "a NOT IN (1, 2)"},
		{"a IS DISTINCT FROM b", "a IS DISTINCT FROM b", ""},
		{"s LIKE 'a%'", "s LIKE 'a%'", ""},
		{"s NOT SIMILAR TO '(a|b)%'", "s NOT SIMILAR TO '(a|b)%'", ""},
		{"CASE WHEN a = 1 THEN 'x' END", "CASE WHEN a = 1 THEN 'x' END", ""},
		{"CASE a WHEN 1 THEN 'x' END", "CASE a WHEN 1 THEN 'x' END", ""},
		{"IF(a = 1, 'x', 'y')", "IF((a = 1) IS TRUE, 'x', 'y')", ""},
		{"__schema_name__ || '.' || __table_name__", "database_name || '.' || table_name", ""},
		{"__data_event_type__", "row_kind", ""},
		{"__namespace_name__", "CAST(NULL AS STRING)", ""},
		{"DATE_ADD(dt, 1)", "TIMESTAMPADD(DAY, 1, dt)", ""},
		{"STARTSWITH(s, 'ab')", "POSITION('ab' IN s) = 1", ""},
		{"ENDSWITH(s, 'ab')", "RIGHT(s, CHAR_LENGTH('ab')) = 'ab'", ""},
		{"BTRIM(s, 'x')", "TRIM(BOTH 'x' FROM s)", ""},
		{"LTRIM(s, 'x')", "TRIM(LEADING 'x' FROM s)", ""},
		{"BTRIM(s)", "TRIM(s)", ""},
		{"POSITION('a' IN s FROM 2)", "LOCATE('a', s, 2)", ""},
		{"SUBSTR(s, 2, 3)", "SUBSTRING(s FROM 2 FOR 3)", ""},
		{"CAST(x AS STRING)", "CAST(x AS STRING)", ""},
		{"TRY_CAST(x AS DECIMAL(10, 2))", "TRY_CAST(x AS DECIMAL(10, 2))", ""},
		{"TIMESTAMPDIFF(DAY, a, b)", "TIMESTAMPDIFF(DAY, a, b)", ""},
		{"EXTRACT(YEAR FROM ts)", "EXTRACT(YEAR FROM ts)", ""},
		{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", ""},
		{"ts + INTERVAL '8' HOUR", "ts + INTERVAL '8' HOUR", ""},
	} {
		// Every name is quoted in Flink SQL; the wants leave the backticks out.
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", c.in, err)
		}
		got, err := FlinkSQL(e)
		got = strings.ReplaceAll(got, "`", "")
		if err != nil || got != c.want {
			t.Errorf("FlinkSQL(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
		want := c.cond
		if want == "" {
			want = c.want
		}
		if got, err := FlinkSQLCondition(e); err != nil || strings.ReplaceAll(got, "`", "") != want {
			t.Errorf("FlinkSQLCondition(%s) = %q, %v; want %q", c.in, got, err, want)
		}
	}
	e, _ := ParseExpr("`order` + `a``b` + select")
	if got, _ := FlinkSQL(e); got != "`order` + `a``b` + `select`" {
		t.Errorf("FlinkSQL quotes names as %s, want every name in backticks", got)
	}
	for _, c := range []struct{ in, want string }{
		{"DATE_FORMAT_TZ(ts, 'HH', 'UTC')", "DATE_FORMAT_TZ has no Flink SQL counterpart"},
		{"FROM_BASE64_BINARY(s)", "FROM_BASE64_BINARY has no Flink SQL counterpart"},
		{"PARSE_JSON(s)", "PARSE_JSON is not supported"},
	} {
		e, _ := ParseExpr(c.in)
		if _, err := FlinkSQL(e); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FlinkSQL(%s) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

func TestFlinkSQLSelect(t *testing.T) {
	t.Parallel()
	p, err := ParseProjection(`\*, UPPER(s) AS s, i * 2 AS twice, __table_name__ AS src, d`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FlinkSQLSelect(p, benchSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := "`id`, `user_id`, `sku`, `amount`, `status`, UPPER(`s`) AS `s`, `i` * 2 AS `twice`, `table_name` AS `src`, `d`"
	if got != want {
		t.Errorf("FlinkSQLSelect = %q, want %q", got, want)
	}
	p, _ = ParseProjection("id, UPPER(sku) AS sku, *")
	got, _ = FlinkSQLSelect(p, benchSchema)
	if want := "`id`, `sku`, `user_id`, `amount`, `status`"; got != want {
		t.Errorf("FlinkSQLSelect with * after = %q, want %q", got, want)
	}
}
