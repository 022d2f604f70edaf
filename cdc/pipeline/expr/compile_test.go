package expr

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ expr, want string }{
		{"UPPER(sk)", `unknown column "sk" in table shop.t; did you mean s?`},
		{"__tabel_name__", "did you mean __table_name__?"},
		{"zzzzzz + 1", "its columns are i, u, n"},
		{"FOO(i)", "unknown function FOO"},
		{"UPPPER(s)", "unknown function UPPPER; did you mean UPPER?"},
		{"PARSE_JSON(s)", "function PARSE_JSON is not supported"},
		{"AI_EMBED('m', s)", "function AI_EMBED is not supported"},
		{"REGEXP_EXTRACT_ALL(s, 'a')", "function REGEXP_EXTRACT_ALL is not supported"},
		{"s SIMILAR TO '(a'", "SIMILAR TO pattern"},
		{"REGEXP_EXTRACT(s, '(?=a)')", "bad regular expression '(?=a)'"},
		{"SUBSTR(s)", "SUBSTR takes 2 to 3 arguments, not 1"},
		{"CONCAT_WS('x')", "CONCAT_WS takes at least 2 arguments, not 1"},
		{"UPPER(i)", "argument 1 of UPPER must be a string, not BIGINT; convert it with CAST(i AS STRING)"},
		{"i + s", "+ takes numbers, not BIGINT and STRING; join strings with || or CONCAT"},
		{"dt + 1", "TIMESTAMPADD"},
		{"ok + 1", "+ takes numbers, not BOOLEAN and BIGINT"},
		{"MOD(s, 5)", "% takes numbers, not STRING and BIGINT"},
		{"ts - dt", "TIMESTAMPDIFF(unit, a, b)"},
		{"i = s", "cannot compare i (BIGINT) with s (STRING); CAST one side"},
		{"i AND TRUE", "AND takes conditions (BOOLEAN) on both sides; i is BIGINT"},
		{"NOT s", "NOT takes a condition"},
		{"CAST(s AS WIDGET)", "unknown type WIDGET"},
		{"CAST(dt AS INT)", "cannot CAST DATE to INT"},
		{"CAST(d AS DECIMAL(70, 2))", "precision of 1-65"},
		{"ROUND(d, i)", "ROUND's second argument must be a constant"},
		{"EXTRACT(FORTNIGHT FROM dt)", "unknown time unit FORTNIGHT"},
		{"TIMESTAMPADD(EON, 1, dt)", "unknown time unit EON"},
		{"DATE_FORMAT(ts, 'yyyy-QQ')", "letter Q is not supported"},
		{"CASE WHEN i THEN 1 END", "a WHEN condition must be BOOLEAN"},
		{"CASE WHEN i > 1 THEN 'a' ELSE 1 END", "no common type"},
		{"IF(i, 1, 2)", "IF's first argument must be a condition"},
		{"REGEXP_REPLACE(s, '(', 'x')", "bad regular expression"},
		{"UPPER(x1) || LOWER(x2)", "x1"},
		{"INTERVAL '1' DAY", "an INTERVAL can only be added to or subtracted from"},
		{"i + INTERVAL '1' DAY", "an INTERVAL is added to a DATE, TIME or TIMESTAMP, not BIGINT"},
		{"tm + INTERVAL '1' MONTH", "a TIME has no months"},
	} {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.expr, err)
			continue
		}
		_, err = Compile(e, testSchema, Options{})
		var ce *CompileError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%q) = %v, want a CompileError containing %q", c.expr, err, c.want)
		}
	}
	// Every problem is listed, not just the first.
	e, _ := ParseExpr("UPPER(x1) || LOWER(x2)")
	_, err := Compile(e, testSchema, Options{})
	if ce := (*CompileError)(nil); !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Errorf("Compile(UPPER(x1) || LOWER(x2)) = %v, want two problems", err)
	}
}

func TestFilterMustBeBoolean(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"i", "s || 'x'", "CASE WHEN i > 1 THEN 1 END"} {
		e, _ := ParseFilter(bad)
		if _, err := CompileFilter(e, testSchema, Options{}); err == nil || !strings.Contains(err.Error(), "a filter must be a condition (BOOLEAN)") {
			t.Errorf("CompileFilter(%q) = %v, want a not-boolean error", bad, err)
		}
	}
	e, _ := ParseFilter("n > 1 OR s LIKE 'H%'")
	f, err := CompileFilter(e, testSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.Match(testRow, &testMeta); !ok || err != nil {
		t.Errorf("Match = %v, %v; want true", ok, err)
	}
	e, _ = ParseFilter("n > 1")
	f, _ = CompileFilter(e, testSchema, Options{})
	if ok, err := f.Match(testRow, &testMeta); ok || err != nil {
		t.Errorf("Match(n > 1) with n NULL = %v, %v; want false", ok, err)
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ expr, raw string }{
		{"i", ""},
		{"i + 1", "bigint"},
		{"d * 100", "decimal(13,2)"},
		{"d + d", "decimal(11,2)"},
		{"d * d", "decimal(20,4)"},
		{"d / 3", "decimal(10,2)"},
		{"ROUND(d, 1)", "decimal(10,1)"},
		{"CEIL(d)", "decimal(9,0)"},
		{"f + i", "double"},
		{"i > 1", "tinyint(1)"},
		{"UPPER(s)", ""},
		{"UPPER(__table_name__)", "varchar(64)"},
		{"LOWER(CAST(s AS STRING))", "longtext"},
		{"s || 'abc'", "varchar(35)"},
		{"CONCAT(s, ns)", "varchar(64)"},
		{"CONCAT(s, i)", "longtext"},
		{"CAST(i AS STRING)", "longtext"},
		{"CAST(i AS VARCHAR(10))", "varchar(10)"},
		{"CAST(s AS DECIMAL(12, 4))", "decimal(12,4)"},
		{"CAST(s AS TIMESTAMP(3))", "datetime(3)"},
		{"CAST(s AS TIMESTAMP_LTZ(3))", "timestamp(3)"},
		{"CURRENT_TIMESTAMP", "timestamp(3)"},
		{"LOCALTIMESTAMP", "datetime(3)"},
		{"UUID()", "varchar(36)"},
		{"CHAR_LENGTH(s)", "int"},
		{"COALESCE(n, i)", "bigint"},
		{"COALESCE(n, d)", "decimal(12,2)"},
		{"__table_name__", "varchar(64)"},
		{"op_ts", "bigint"},
		{"TO_BASE64(b)", "longtext"},
		{"FROM_BASE64_BINARY(s)", "longblob"},
	} {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(e, testSchema, testOptions())
		if err != nil {
			t.Errorf("Compile(%q): %v", c.expr, err)
			continue
		}
		if got := p.Type().Raw; got != c.raw {
			t.Errorf("Type(%s).Raw = %q, want %q", c.expr, got, c.raw)
		}
	}
}

func TestTransform(t *testing.T) {
	t.Parallel()
	proj, err := ParseProjection(`\*, UPPER(s) AS s, i * 2 AS twice, __data_event_type__ AS op, d AS amount`)
	if err != nil {
		t.Fatal(err)
	}
	// The filter names a computed column; it is inlined, so the filter runs
	// on the input row.
	cond, _ := ParseFilter("twice > 80 AND op = '+U'")
	tr, err := CompileTransform(testSchema, &proj, cond, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tr.Schema().Columns {
		names = append(names, c.Name)
	}
	var want []string
	for _, c := range testSchema.Columns {
		want = append(want, c.Name)
	}
	want = append(want, "twice", "op", "amount")
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("columns = %v, want %v", names, want)
	}
	if !reflect.DeepEqual(tr.Schema().PrimaryKey, []string{"i"}) {
		t.Errorf("primary key = %v, want [i]", tr.Schema().PrimaryKey)
	}
	out, keep, err := tr.Apply(nil, testRow, &testMeta)
	if err != nil || !keep {
		t.Fatalf("Apply = %v, %v, %v", out, keep, err)
	}
	if out[5] != "HELLO, WORLD" || out[len(out)-3] != int64(84) || out[len(out)-2] != "+U" {
		t.Errorf("Apply = %v", out)
	}
	if d, ok := out[len(out)-1].(decimal.Decimal); !ok || d.String() != "12.34" {
		t.Errorf("amount = %#v, want the input's decimal unchanged", out[len(out)-1])
	}
	del := testMeta
	del.EventType = EventDelete
	if _, keep, err := tr.Apply(nil, testRow, &del); keep || err != nil {
		t.Errorf("Apply on -D = keep %v, %v; want dropped", keep, err)
	}

	// Problems of projection and filter come together.
	proj, _ = ParseProjection("nope, i + 1, s AS __table_name__")
	cond, _ = ParseFilter("i")
	_, err = CompileTransform(testSchema, &proj, cond, Options{})
	var ce *CompileError
	if !errors.As(err, &ce) || len(ce.Problems) != 4 {
		t.Fatalf("CompileTransform = %v, want four problems", err)
	}
	for _, w := range []string{`unknown column "nope"`, "i + 1: a computed column needs a name", "__table_name__ is a metadata field", "a filter must be a condition"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}

	// A key column projected under another name loses the key.
	proj, _ = ParseProjection("i AS id, s")
	tr, err = CompileTransform(testSchema, &proj, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Schema().PrimaryKey != nil {
		t.Errorf("primary key = %v, want none", tr.Schema().PrimaryKey)
	}
}

func TestMetadataOf(t *testing.T) {
	t.Parallel()
	e := &cdc.Event{Op: cdc.OpUpdate, Table: cdc.TableID{Database: "gmall", Table: "orders"}, Source: cdc.Source{TsMs: 1700000000000}}
	m := MetadataOf(e, true)
	want := Metadata{Schema: "gmall", Table: "orders", EventType: "-U", EventTime: time.UnixMilli(1700000000000).UTC()}
	if m != want {
		t.Errorf("MetadataOf = %+v, want %+v", m, want)
	}
	for op, w := range map[cdc.Op]string{cdc.OpRead: "+I", cdc.OpCreate: "+I", cdc.OpDelete: "-D"} {
		if got := EventType(op, false); got != w {
			t.Errorf("EventType(%s) = %s, want %s", op, got, w)
		}
	}
	if got := EventType(cdc.OpUpdate, false); got != "+U" {
		t.Errorf("EventType(u, after) = %s", got)
	}
}

// Computed values come out as the canonical Go values of their column
// types, so sinks see the same types as for captured columns.
func TestCanonicalOutputs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		expr string
		want any
	}{
		{"CASE WHEN TRUE THEN u END", uint64(math.MaxUint64)},
		{"IFNULL(fl, fl)", float32(0.1)},
		{"CAST(2.5 AS FLOAT)", float32(2.5)},
		{"COALESCE(ts, ts)", testRow[9]},
		{"i > 1", int64(1)},
		{"CAST(i AS TINYINT)", int64(42)},
		{"IF(TRUE, tm, tm)", testRow[11]},
		{"-u", decimal.RequireFromString("-18446744073709551615")},
		{"ABS(u)", decimal.RequireFromString("18446744073709551615")},
		{"-CAST(1 AS TINYINT)", int64(-1)},
		{"ABS(CAST(-128 AS TINYINT))", int64(128)},
	} {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(e, testSchema, Options{})
		if err != nil {
			t.Fatalf("Compile(%s): %v", c.expr, err)
		}
		got, err := p.Eval(testRow, &testMeta)
		if d, ok := c.want.(decimal.Decimal); ok {
			if g, isDec := got.(decimal.Decimal); !isDec || !g.Equal(d) || err != nil {
				t.Errorf("%s = %#v, %v; want %s", c.expr, got, err, d)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %#v, %v; want %#v", c.expr, got, err, c.want)
		}
	}
}

func TestGoFunctions(t *testing.T) {
	t.Parallel()
	opts := Options{Functions: map[string]Function{
		"mask": {
			Result: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32, Raw: "varchar(32)"},
			Call: func(args []any) (any, error) {
				s := args[0].(string)
				keep := int(args[1].(int64))
				if keep > len(s) {
					keep = len(s)
				}
				return strings.Repeat("*", len(s)-keep) + s[len(s)-keep:], nil
			},
		},
		"fail":  {Result: typeBigInt, Call: func([]any) (any, error) { return nil, errors.New("boom") }},
		"wrong": {Result: typeBigInt, Call: func([]any) (any, error) { return "x", nil }},
		"UPPER": {Result: typeBigInt, Call: func([]any) (any, error) { return int64(1), nil }},
	}}
	for _, c := range []struct {
		expr string
		want any
		err  string
	}{
		{"MASK(s, 5)", "*******World", ""},
		{"mask(s, i - 40) || '!'", "**********ld!", ""},
		{"MASK(ns, 1)", nil, ""},
		{"FAIL()", nil, "FAIL(): boom"},
		{"WRONG()", nil, "returned a string, not the canonical value of BIGINT"},
	} {
		e, _ := ParseExpr(c.expr)
		p, err := Compile(e, testSchema, opts)
		if err != nil {
			t.Errorf("Compile(%s): %v", c.expr, err)
			continue
		}
		got, err := p.Eval(testRow, &testMeta)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s = %v, %v; want an error containing %q", c.expr, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %#v, %v; want %#v", c.expr, got, err, c.want)
		}
	}
	e, _ := ParseExpr("UPPER(s)")
	if _, err := Compile(e, testSchema, opts); err == nil || !strings.Contains(err.Error(), "which is a built-in function") {
		t.Errorf("a Go function named UPPER compiled: %v", err)
	}
}

// A compiled transform keeps no per-row state: many goroutines apply it at
// once (run with -race) and each gets its own row's result.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	proj, _ := ParseProjection("i * 2 AS twice, REGEXP_REPLACE(s, 'o', '0') AS s0, s SIMILAR TO 'H%' AS h, UPPER(s) || CAST(i AS STRING) AS tag")
	cond, _ := ParseFilter("s LIKE '%o%' AND i >= 0")
	tr, err := CompileTransform(testSchema, &proj, cond, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := range 8 {
		go func() {
			row := slicesClone(testRow)
			var out cdc.Row
			for n := range 200 {
				row[0] = int64(g*1000 + n)
				var keep bool
				var err error
				out, keep, err = tr.Apply(out, row, &testMeta)
				if err != nil || !keep || out[0] != int64(2*(g*1000+n)) || out[3] != "HELLO, WORLD"+strconv.Itoa(g*1000+n) {
					done <- fmt.Errorf("goroutine %d row %d: %v %v %v", g, n, out, keep, err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func slicesClone(r cdc.Row) cdc.Row { return append(cdc.Row(nil), r...) }

// A string computed from an ENUM, a SET or a JSON value is text: its
// values need not be members, or JSON.
func TestTextFromEnumAndJSON(t *testing.T) {
	t.Parallel()
	schema := &cdc.TableSchema{Columns: []cdc.Column{
		{Name: "e", Type: cdc.ColumnType{Kind: cdc.KindEnum, Elements: []string{"new", "paid"}, Raw: "enum('new','paid')"}},
		{Name: "j", Type: cdc.ColumnType{Kind: cdc.KindJSON, Raw: "json"}},
		{Name: "e2", Type: cdc.ColumnType{Kind: cdc.KindEnum, Elements: []string{"x"}, Raw: "enum('x')"}},
	}}
	proj, _ := ParseProjection("e, UPPER(e) AS ue, SUBSTR(j, 2) AS sj, COALESCE(e, e) AS ce, COALESCE(e, e2) AS ce2")
	tr, err := CompileTransform(schema, &proj, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var raws []string
	for _, c := range tr.Schema().Columns {
		raws = append(raws, c.Type.Raw)
	}
	if want := []string{"enum('new','paid')", "longtext", "longtext", "enum('new','paid')", "longtext"}; !reflect.DeepEqual(raws, want) {
		t.Errorf("types = %q, want %q", raws, want)
	}
	out, _, err := tr.Apply(nil, cdc.Row{"paid", cdc.JSON(`{"a":1}`), "x"}, &testMeta)
	if err != nil || out[1] != "PAID" || out[2] != `"a":1}` || out[3] != "paid" {
		t.Errorf("Apply = %#v, %v", out, err)
	}
}
