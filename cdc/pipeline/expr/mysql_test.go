package expr_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/internal/testenv"
)

// mysqlSchema and mysqlRow are one row of a table that exists both here
// and, created by the test, in MySQL.
var mysqlSchema = &cdc.TableSchema{
	Table: cdc.TableID{Database: "shop", Table: "t"},
	Columns: []cdc.Column{
		{Name: "i", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
		{Name: "u", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}},
		{Name: "n", Type: cdc.ColumnType{Kind: cdc.KindInt}, Nullable: true},
		{Name: "d", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}},
		{Name: "f", Type: cdc.ColumnType{Kind: cdc.KindDouble}},
		{Name: "s", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}},
		{Name: "ns", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}, Nullable: true},
		{Name: "dt", Type: cdc.ColumnType{Kind: cdc.KindDate}},
		{Name: "ts", Type: cdc.ColumnType{Kind: cdc.KindDateTime, FSP: 3}},
		{Name: "tsz", Type: cdc.ColumnType{Kind: cdc.KindTimestamp, FSP: 3}},
		{Name: "tm", Type: cdc.ColumnType{Kind: cdc.KindTime}},
		{Name: "uni", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 32}},
		{Name: "ok", Type: cdc.ColumnType{Kind: cdc.KindTinyInt, Length: 1}},
	},
}

const mysqlTable = `CREATE TABLE t (i BIGINT, u BIGINT UNSIGNED, n INT NULL, d DECIMAL(10,2), f DOUBLE,
	s VARCHAR(32) COLLATE utf8mb4_bin, ns VARCHAR(32) COLLATE utf8mb4_bin NULL, dt DATE, ts DATETIME(3), tsz TIMESTAMP(3),
	tm TIME, uni VARCHAR(32) COLLATE utf8mb4_bin, ok TINYINT(1))`

// The row as MySQL stores it: the session zone is +08:00, so tsz is the
// instant 05:45:30.123Z.
const mysqlInsert = `INSERT INTO t VALUES (42, 18446744073709551615, NULL, 12.34, 2.5, 'Hello, World', NULL,
	'2024-02-29', '2024-01-31 13:45:30.123', '2024-01-31 13:45:30.123', '13:45:30', 'héllo wörld', TRUE)`

var mysqlRow = cdc.Row{
	int64(42), uint64(math.MaxUint64), nil, decimal.RequireFromString("12.34"), 2.5, "Hello, World", nil,
	time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
	time.Date(2024, 1, 31, 13, 45, 30, 123e6, time.UTC),
	time.Date(2024, 1, 31, 5, 45, 30, 123e6, time.UTC),
	13*time.Hour + 45*time.Minute + 30*time.Second,
	"héllo wörld",
	int64(1),
}

// mysqlCases are the functions MySQL has with the same meaning. mysql is
// the expression in MySQL's syntax when it is written otherwise. Cases where
// the two differ by design (NULL in comparisons, LIKE's case, integer
// division, CAST AS STRING of booleans) are not here: eval_test.go holds
// them against Flink CDC's documentation.
var mysqlCases = []struct{ expr, mysql string }{
	{"i = 42", ""},
	{"NOT ok", ""},
	{"ok = TRUE", ""},
	{"ok AND i > 1", ""},
	{"IF(ok, 'yes', 'no')", ""},
	{"i <> 42", ""},
	{"i = 42.0", ""},
	{"s < 'Hello, Xorld'", ""},
	{"s = 'hello, world'", ""},
	{"u > i", ""},
	{"d > 12.3", ""},
	{"f >= 2.5", ""},
	{"dt = '2024-02-29'", ""},
	{"ts > '2024-01-31 13:45:30'", ""},
	{"i BETWEEN 40 AND 42", ""},
	{"i NOT BETWEEN 43 AND 50", ""},
	{"s BETWEEN 'A' AND 'Z'", ""},
	{"i IN (1, 42, 3)", ""},
	{"i NOT IN (1, 2)", ""},
	{"n IS NULL", ""},
	{"i IS NOT NULL", ""},
	{"n IS DISTINCT FROM NULL", "NOT (n <=> NULL)"},
	{"i IS NOT DISTINCT FROM 42", "i <=> 42"},
	{"s LIKE 'Hello%'", ""},
	{"s LIKE 'H_llo, W%d'", ""},
	{"s LIKE 'hello%'", ""},
	{"s NOT LIKE '%x%'", ""},
	{"'50%' LIKE '50!%' ESCAPE '!'", ""},
	{"uni LIKE 'h_llo w_rld'", ""},
	{"ns LIKE '%'", ""},
	{"TRUE AND NULL", ""},
	{"FALSE AND NULL", ""},
	{"TRUE OR NULL", ""},
	{"FALSE OR NULL", ""},
	{"NOT NULL", ""},
	{"(i > 1) IS TRUE", ""},
	{"NULL IS NOT TRUE", ""},
	{"NULL IS FALSE", ""},
	{"NULL IS UNKNOWN", ""},
	{"i + 1", ""},
	{"i - 50", ""},
	{"i * 2", ""},
	{"i % 5", ""},
	{"-i % 5", ""},
	{"MOD(i, 5)", ""},
	{"MOD(-i, 5)", ""},
	{"MOD(i, -5)", ""},
	{"MOD(d, 5)", ""},
	{"MOD(f, 2)", ""},
	{"d * 100", ""},
	{"d + 1", ""},
	{"d - 0.345", ""},
	{"d % 5", ""},
	{"f * 2", ""},
	{"n + 1", ""},
	{"ABS(-i)", ""},
	{"ABS(-1.5)", ""},
	{"CEIL(d)", ""},
	{"CEILING(-d)", ""},
	{"FLOOR(d)", ""},
	{"FLOOR(-f)", ""},
	{"ROUND(d, 1)", ""},
	{"ROUND(12.35, 1)", ""},
	{"ROUND(-12.35, 1)", ""},
	{"ROUND(d)", ""},
	{"ROUND(i, -1)", ""},
	{"CHAR_LENGTH(s)", ""},
	{"CHARACTER_LENGTH(uni)", ""},
	{"UPPER(s)", ""},
	{"LOWER(uni)", ""},
	{"UPPER(uni)", ""},
	{"TRIM('  a b  ')", ""},
	{"TRIM(BOTH 'x' FROM 'xxaxx')", ""},
	{"TRIM(LEADING 'x' FROM 'xxaxx')", ""},
	{"TRIM(TRAILING 'x' FROM 'xxaxx')", ""},
	{"LTRIM('  a  ')", ""},
	{"RTRIM('  a  ')", ""},
	{"s || '!'", "CONCAT(s, '!')"},
	{"s || ns", "CONCAT(s, ns)"},
	{"REGEXP_REPLACE('foobar', 'oo|ar', '')", ""},
	{"REGEXP_INSTR('héllo', 'l+')", ""},
	{"REGEXP_INSTR('abc', 'x')", ""},
	{"REGEXP_SUBSTR('abc123def', '[0-9]+')", ""},
	{"REGEXP_SUBSTR('abc', '[0-9]+')", ""},
	{"SUBSTR(s, 8)", ""},
	{"SUBSTR(s, 1, 5)", ""},
	{"SUBSTR(s, -5)", ""},
	{"SUBSTR(s, -5, 2)", ""},
	{"SUBSTR(s, 100)", ""},
	{"SUBSTRING(s FROM 1 FOR 2)", ""},
	{"SUBSTRING(uni FROM 2 FOR 4)", ""},
	{"SUBSTRING(ns FROM 1)", ""},
	{"POSITION('World' IN s)", ""},
	{"POSITION('x' IN s)", ""},
	{"POSITION('w' IN uni)", ""},
	{"LOCATE('o', s)", ""},
	{"LOCATE('o', s, 6)", ""},
	{"INSTR(s, 'World')", ""},
	{"CONCAT('AA', 'BB', 'CC')", ""},
	{"CONCAT(s, ns)", ""},
	{"CONCAT('id', i)", ""},
	{"CONCAT_WS('-', 'a', ns, 'b')", ""},
	{"CONCAT_WS(ns, 'a', 'b')", ""},
	{"LPAD('hi', 5, 'xy')", ""},
	{"LPAD('hello', 2, 'x')", ""},
	{"RPAD('hi', 5, 'xy')", ""},
	{"LPAD('hi', -1, 'x')", ""},
	{"REPLACE(s, 'l', 'L')", ""},
	{"REPEAT('ab', 3)", ""},
	{"REPEAT('ab', 0)", ""},
	{"LEFT(s, 5)", ""},
	{"RIGHT(uni, 5)", ""},
	{"TO_BASE64(s)", ""},
	{"FROM_BASE64('SGVsbG8sIFdvcmxk')", "CAST(FROM_BASE64('SGVsbG8sIFdvcmxk') AS CHAR)"},
	{"FROM_BASE64('***')", ""},
	{"EXTRACT(YEAR FROM ts)", ""},
	{"EXTRACT(QUARTER FROM dt)", ""},
	{"EXTRACT(MONTH FROM ts)", ""},
	{"EXTRACT(DAY FROM ts)", ""},
	{"EXTRACT(HOUR FROM ts)", ""},
	{"EXTRACT(HOUR FROM tsz)", ""},
	{"EXTRACT(MINUTE FROM tm)", ""},
	{"EXTRACT(SECOND FROM ts)", ""},
	{"YEAR(dt)", ""},
	{"QUARTER(ts)", ""},
	{"MONTH(dt)", ""},
	{"WEEK(dt)", "WEEK(dt, 3)"},
	{"DAYOFYEAR(ts)", ""},
	{"DAYOFMONTH(dt)", ""},
	{"DAYOFWEEK(ts)", ""},
	{"HOUR(tm)", ""},
	{"MINUTE(ts)", ""},
	{"SECOND(tm)", ""},
	{"DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm:ss')", "DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s')"},
	{"DATE_FORMAT(dt, 'yyyyMMdd')", "DATE_FORMAT(dt, '%Y%m%d')"},
	{"DATE_FORMAT(ts, 'yy/M/d h:mm a EEE MMM')", "DATE_FORMAT(ts, '%y/%c/%e %l:%i %p %a %b')"},
	{"TIMESTAMPADD(DAY, 1, dt)", ""},
	{"TIMESTAMPADD(MONTH, 1, ts)", ""},
	{"TIMESTAMPADD(YEAR, 1, dt)", ""},
	{"TIMESTAMPADD(MONTH, -13, dt)", ""},
	{"TIMESTAMPADD(HOUR, -14, ts)", ""},
	{"TIMESTAMPADD(QUARTER, 1, dt)", ""},
	{"TIMESTAMPADD(WEEK, 1, dt)", ""},
	{"TIMESTAMPDIFF(DAY, ts, dt)", ""},
	{"TIMESTAMPDIFF(HOUR, dt, ts)", ""},
	{"TIMESTAMPDIFF(MONTH, DATE '2024-01-31', DATE '2024-02-29')", ""},
	{"TIMESTAMPDIFF(MONTH, DATE '2024-01-15', DATE '2024-03-15')", ""},
	{"TIMESTAMPDIFF(YEAR, DATE '2020-02-29', DATE '2024-02-28')", ""},
	{"TIMESTAMPDIFF(MONTH, DATE '2024-03-15', DATE '2024-01-15')", ""},
	{"TIMESTAMPDIFF(MONTH, ts, TIMESTAMP '2024-02-29 13:45:30')", ""},
	{"TIMESTAMPDIFF(SECOND, tsz, ts)", ""},
	{"tsz = ts", ""},
	{"tsz BETWEEN ts AND ts", ""},
	{"tsz IN (ts)", ""},
	{"tsz > '2024-01-31 13:00:00'", ""},
	{"NULLIF(tsz, ts)", ""},
	{"ts + INTERVAL '8' HOUR", ""},
	{"ts - INTERVAL '1' MONTH", ""},
	{"dt + INTERVAL '1' YEAR", ""},
	{"dt + INTERVAL '2' DAY", ""},
	{"dt + INTERVAL '1-2' YEAR TO MONTH", "dt + INTERVAL '1-2' YEAR_MONTH"},
	{"ts + INTERVAL '1 02:03:04.5' DAY TO SECOND", "ts + INTERVAL '1 02:03:04.5' DAY_MICROSECOND"},
	{"dt + INTERVAL '1' HOUR", ""},
	{"DATE_ADD(dt, 1)", "DATE_ADD(dt, INTERVAL 1 DAY)"},
	{"DATE_ADD(dt, -60)", "DATE_ADD(dt, INTERVAL -60 DAY)"},
	{"TO_DATE('05/03/2024', 'dd/MM/yyyy')", "STR_TO_DATE('05/03/2024', '%d/%m/%Y')"},
	{"TO_TIMESTAMP('2024-03-05 06:07:08')", "STR_TO_DATE('2024-03-05 06:07:08', '%Y-%m-%d %H:%i:%s')"},
	{"UNIX_TIMESTAMP('1970-01-02 08:00:00')", ""},
	{"FROM_UNIXTIME(44)", ""},
	{"FROM_UNIXTIME(1700000000, 'yyyy-MM-dd HH')", "FROM_UNIXTIME(1700000000, '%Y-%m-%d %H')"},
	{"CASE WHEN i > 40 THEN 'big' ELSE 'small' END", ""},
	{"CASE WHEN n > 0 THEN 'pos' WHEN n <= 0 THEN 'neg' END", ""},
	{"CASE i WHEN 1 THEN 'x' WHEN 42 THEN 'y' ELSE 'z' END", ""},
	{"CASE n WHEN 1 THEN 'x' ELSE 'y' END", ""},
	{"COALESCE(n, 7)", ""},
	{"COALESCE(ns, s)", ""},
	{"IFNULL(n, 0)", ""},
	{"IF(i > 1, 'a', 'b')", ""},
	{"IF(n > 1, 'a', 'b')", ""},
	{"NULLIF(i, 42)", ""},
	{"NULLIF(i, 1)", ""},
	{"CAST(i AS STRING)", "CAST(i AS CHAR)"},
	{"CAST(d AS STRING)", "CAST(d AS CHAR)"},
	{"CAST(dt AS STRING)", "CAST(dt AS CHAR)"},
	{"CAST(ts AS STRING)", "CAST(ts AS CHAR)"},
	{"CAST(tsz AS STRING)", "CAST(tsz AS CHAR)"},
	{"CAST(tsz AS DATE)", ""},
	{"CAST(tsz AS TIMESTAMP(3))", "CAST(tsz AS DATETIME(3))"},
	{"CONCAT('at ', tsz)", ""},
	{"CAST(tm AS STRING)", "CAST(tm AS CHAR)"},
	{"CAST(u AS STRING)", "CAST(u AS CHAR)"},
	{"CAST(s AS VARCHAR(5))", "CAST(s AS CHAR(5))"},
	{"CAST('  17 ' AS BIGINT)", "CAST('  17 ' AS SIGNED)"},
	{"CAST(d AS DECIMAL(10, 1))", ""},
	{"CAST(12.35 AS DECIMAL(10, 1))", ""},
	{"CAST(i AS DOUBLE)", ""},
	{"CAST('2024-01-02' AS DATE)", ""},
	{"CAST(ts AS DATE)", ""},
	{"CAST(dt AS TIMESTAMP)", "CAST(dt AS DATETIME)"},
	{"CAST('12:34:56' AS TIME)", ""},
}

// TestAgainstMySQL evaluates each expression here and SELECTs it in MySQL
// 9.7 on the same row, and compares.
func TestAgainstMySQL(t *testing.T) {
	t.Parallel()
	src := testenv.NewSource(t, testenv.MySQL)
	ctx := context.Background()
	conn, err := src.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET time_zone = '+08:00'", mysqlTable, mysqlInsert} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	opts := expr.Options{TimeZone: time.FixedZone("+08:00", 8*3600)}
	meta := expr.Metadata{Schema: "shop", Table: "t", EventType: expr.EventInsert}
	for _, c := range mysqlCases {
		e, err := expr.ParseExpr(c.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.expr, err)
			continue
		}
		p, err := expr.Compile(e, mysqlSchema, opts)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.expr, err)
			continue
		}
		v, err := p.Eval(mysqlRow, &meta)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		ours := render(v, p.Type())

		q := c.mysql
		if q == "" {
			q = c.expr
		}
		var raw sql.RawBytes
		var theirs *string
		rows, err := conn.QueryContext(ctx, "SELECT "+q+" FROM t")
		if err != nil {
			t.Errorf("MySQL: SELECT %s: %v", q, err)
			continue
		}
		for rows.Next() {
			if err := rows.Scan(&raw); err != nil {
				t.Errorf("MySQL: SELECT %s: %v", q, err)
			}
			if raw != nil {
				s := string(raw)
				theirs = &s
			}
		}
		rows.Close()
		if !sameText(ours, theirs) {
			t.Errorf("%s = %s here, MySQL's %s = %s", c.expr, show(ours), q, show(theirs))
		}
	}
}

// render writes a canonical value as MySQL's text protocol does.
func render(v any, ct cdc.ColumnType) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		switch {
		case ct.Kind == cdc.KindDate:
			s = x.Format(time.DateOnly)
		case ct.FSP > 0:
			s = x.Format(time.DateTime + "." + strings.Repeat("0", ct.FSP))
		default:
			s = x.Format(time.DateTime)
		}
	case time.Duration:
		s = fmt.Sprintf("%02d:%02d:%02d", x/time.Hour, x%time.Hour/time.Minute, x%time.Minute/time.Second)
	case []byte:
		s = string(x)
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

// sameText compares two results, numbers by value (MySQL writes 1234.00
// where the value is 1234).
func sameText(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if *a == *b {
		return true
	}
	x, err1 := decimal.NewFromString(*a)
	y, err2 := decimal.NewFromString(*b)
	if err1 == nil && err2 == nil {
		return x.Equal(y)
	}
	// Times by value: DATETIME(3) 06:07:08.000 is MySQL's 06:07:08.
	const layout = "2006-01-02 15:04:05.999999999"
	t1, err1 := time.Parse(layout, *a)
	t2, err2 := time.Parse(layout, *b)
	return err1 == nil && err2 == nil && t1.Equal(t2)
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *s)
}
