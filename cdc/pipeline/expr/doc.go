// Package expr parses, type-checks, evaluates and renders the expressions of
// a pipeline's transforms: Flink CDC's projection lists and filter
// conditions (docs/content/docs/core-concept/transform.md in apache/flink-cdc),
// in their Calcite-flavoured syntax, so that a Flink CDC user's transform
// means the same here.
//
//	proj, _ := expr.ParseProjection("id, UPPER(sku) AS sku, amount * 100 AS cents, __table_name__ AS src")
//	cond, _ := expr.ParseFilter("status <> 'cancelled'")
//	t, err := expr.CompileTransform(schema, &proj, cond, expr.Options{})
//	out, keep, err := t.Apply(nil, row, &meta) // per row; t.Schema() is the output table
//
// # Steps
//
// [ParseExpr], [ParseFilter] and [ParseProjection] build a syntax tree
// ([Expr], [Projection]) or return a [*ParseError] with the offset. Each node
// renders back with String, and parsing the rendering gives the same tree
// (a fuzz test holds this). [Compile], [CompileFilter] and [CompileTransform]
// check the tree against a [cdc.TableSchema] before any row is seen and
// return a [*CompileError] listing every problem: an unknown column (with the
// nearest existing name), an unknown or unsupported function (named), a
// wrong number or type of arguments, a filter that is not a condition. What
// compiles is a tree of Go closures over the row's canonical values (see
// package cdc); constant parts are computed once. Errors while evaluating,
// such as a division by zero or a CAST of 'abc' to INT, are [*EvalError]s.
// [FlinkSQL], [FlinkSQLCondition] and [FlinkSQLSelect] render the same tree
// as Flink SQL for the Flink runtime, with the same meaning; [Walk] and
// [ColumnNames] look inside a tree.
//
// # Types
//
// Values compute in a few types: BOOLEAN (conditions, and TINYINT(1)
// columns, MySQL's BOOL, as Flink CDC reads them, so `NOT is_deleted`
// works), BIGINT (every other signed integer, YEAR, and unsigned integers up
// to INT UNSIGNED), DECIMAL (DECIMAL and, as
// in Flink CDC, BIGINT UNSIGNED), DOUBLE (FLOAT and DOUBLE), STRING (text,
// ENUM, SET, JSON), BYTES (binary strings), DATE, TIMESTAMP (DATETIME and
// TIMESTAMP) and TIME. A projected column that is a bare column keeps the
// column's type and value unchanged; a computed one gets the [cdc.ColumnType]
// a sink creates for it: BOOLEAN is TINYINT(1) (1 or 0), integers BIGINT,
// decimals DECIMAL(p, s) with p and s derived as SQL does (a + b: scale
// max(s1, s2); a * b: s1 + s2), strings VARCHAR(n) when the length is known
// and LONGTEXT otherwise. MySQL's zero dates read as NULL. As in Flink CDC
// (Java), an integer divided by an integer is an integer (7 / 2 is 3) and a
// decimal quotient keeps the dividend's scale, rounded toward zero (10.00 /
// 3 is 3.33); dividing an integer or a decimal by zero is an [*EvalError].
//
// # NULL
//
// As Flink CDC documents: every comparison (=, <>, <, <=, >, >=, [NOT]
// BETWEEN, [NOT] IN) with a NULL operand is FALSE, never NULL, so
// `status <> 'x'` drops rows whose status is NULL and `NOT (a = b)` keeps
// them; IS [NOT] DISTINCT FROM compares NULL as a value; AND, OR and NOT
// follow three-valued logic; arithmetic, string and temporal functions of a
// NULL argument are NULL (CONCAT too, as in Flink SQL and MySQL), except
// CONCAT_WS, which skips NULL strings, and COALESCE, IFNULL, IF, NULLIF and
// CASE. A filter that is NULL drops the row.
//
// # Where rtdw differs from Flink CDC
//
//   - LIKE without ESCAPE is SQL's LIKE (% and _), as in Flink SQL and MySQL;
//     Flink CDC's embedded runtime matches it as a Java regular expression.
//     Use REGEXP_COUNT(s, re) > 0 for a regular expression.
//   - = compares numbers by value across types (1 = 1.0 is TRUE); Flink CDC
//     compares Java objects and finds an INT and a BIGINT unequal.
//   - Integer arithmetic is 64-bit and an overflow is an error; Flink CDC's
//     INT arithmetic wraps around.
//   - The REGEXP_ functions use RE2 (Go's regexp) syntax, not Java's; a
//     constant pattern RE2 does not read (lookaround, backreferences) is a
//     compile error rather than NULL on every row.
//   - CAST(x AS STRING) writes a TIMESTAMP as SQL does (2024-01-31
//     13:45:30.123, as Flink SQL and MySQL), not as Java's LocalDateTime
//     (2024-01-31T13:45:30.123), and a DOUBLE as Java does (100.0, 1.0E10).
//   - CHAR_LENGTH, SUBSTRING and the other positions count characters (code
//     points), not UTF-16 units.
//   - For MySQL, __schema_name__ is the database and __namespace_name__ is
//     NULL, as Flink CDC's MySQL connector names tables (schema, table); the
//     table in its documentation says otherwise.
//
// # Grammar
//
// Keywords are case-insensitive; names are case-sensitive, with a unique
// case-insensitive match accepted (MySQL's column names are not
// case-sensitive). Quote a name with backticks (`order`), a string with
// single quotes ('it”s'); -- starts a comment. Loosest first:
//
//	projection = item { "," item } .
//	item       = "*" | "\*" | expr [ [ "AS" ] name ] .
//	expr       = expr "OR" expr                                   (1)
//	           | expr "AND" expr                                  (2)
//	           | "NOT" expr                                       (3)
//	           | expr ( "=" | "<>" | "!=" | "<" | "<=" | ">" | ">=" ) expr   (4)
//	           | expr "IS" [ "NOT" ] ( "NULL" | "TRUE" | "FALSE" | "UNKNOWN" )
//	           | expr "IS" [ "NOT" ] "DISTINCT" "FROM" expr
//	           | expr [ "NOT" ] "BETWEEN" expr "AND" expr
//	           | expr [ "NOT" ] "IN" "(" expr { "," expr } ")"
//	           | expr [ "NOT" ] "LIKE" expr [ "ESCAPE" expr ]
//	           | expr ( "+" | "-" ) expr                          (5)
//	           | expr ( "*" | "/" | "%" | "||" ) expr             (6)
//	           | ( "-" | "+" ) expr                               (7)
//	           | primary .
//	primary    = literal | name | "(" expr ")" | call | case | cast .
//	literal    = number | string | "TRUE" | "FALSE" | "NULL" | "UNKNOWN"
//	           | ( "DATE" | "TIME" | "TIMESTAMP" ) string
//	           | "INTERVAL" string iunit [ "TO" iunit ] .     an operand of + and - with a DATE, TIME or TIMESTAMP
//	iunit      = "YEAR" | "MONTH" | "DAY" | "HOUR" | "MINUTE" | "SECOND" .
//	case       = "CASE" [ expr ] "WHEN" expr { "," expr } "THEN" expr { "WHEN" ... } [ "ELSE" expr ] "END" .
//	cast       = ( "CAST" | "TRY_CAST" ) "(" expr "AS" type ")" .
//	call       = name "(" [ expr { "," expr } ] ")" | special .
//	special    = "SUBSTRING" "(" expr "FROM" expr [ "FOR" expr ] ")"
//	           | "POSITION" "(" expr "IN" expr [ "FROM" expr ] ")"
//	           | "OVERLAY" "(" expr "PLACING" expr "FROM" expr [ "FOR" expr ] ")"
//	           | "TRIM" "(" [ "BOTH" | "LEADING" | "TRAILING" ] [ expr ] "FROM" expr ")"
//	           | "EXTRACT" "(" unit "FROM" expr ")"
//	           | ( "TIMESTAMPADD" | "TIMESTAMPDIFF" ) "(" unit "," expr "," expr ")"
//	           | "CURRENT_DATE" | "CURRENT_TIME" | "CURRENT_TIMESTAMP" | "LOCALTIME" | "LOCALTIMESTAMP" .
//	type       = "STRING" | "VARCHAR" [ "(" n ")" ] | "CHAR" [ "(" n ")" ] | "BOOLEAN" | "TINYINT" | "SMALLINT"
//	           | "INT" | "INTEGER" | "BIGINT" | "FLOAT" | "DOUBLE" | "DECIMAL" [ "(" p [ "," s ] ")" ]
//	           | "DATE" | "TIME" [ "(" p ")" ] | "TIMESTAMP" [ "(" p ")" ] | "TIMESTAMP_LTZ" [ "(" p ")" ] | "BYTES" .
//
// Operators of one level associate to the left. A number with a point is a
// DECIMAL, with an exponent a DOUBLE. An interval's string is a number
// ('8', '1.5' for SECOND) or, for the compound forms, 'y-m' (YEAR TO
// MONTH), 'd h:m:s' (DAY TO SECOND, shorter for DAY TO HOUR or MINUTE) and
// 'h:m[:s]', 'm:s'; adding months keeps the day or ends on the month's last
// day.
//
// # Supported functions
//
// The metadata fields __namespace_name__, __schema_name__, __table_name__
// and __data_event_type__ (+I, -U, +U, -D) read the [Metadata] given with
// each row, and op_ts (the change's time in milliseconds) when
// [Options.SourceMetadata] lists it. Besides the operators of the grammar:
//
//	function                                    result, notes
//	ABS(n)  CEIL(n)  CEILING(n)  FLOOR(n)       the number's type
//	ROUND(n[, places])                          half away from zero; places a constant
//	MOD(a, b)                                   a % b: the remainder, with a's sign
//	UUID()                                      random RFC 4122 version 4, VARCHAR(36)
//	CHAR_LENGTH(s)  CHARACTER_LENGTH(s)         characters
//	UPPER(s)  LOWER(s)                          the string's type
//	TRIM([BOTH|LEADING|TRAILING] [c] FROM s)    removes characters of c (a space by default)
//	LTRIM(s[, c])  RTRIM(s[, c])  BTRIM(s[, c])
//	SUBSTR(s, from[, n])  SUBSTRING(s FROM from [FOR n])   1-based; from < 0 counts from the end
//	OVERLAY(s PLACING r FROM from [FOR n])
//	POSITION(a IN s [FROM n])  LOCATE(a, s[, n])  INSTR(s, a)   1-based, 0 when absent
//	CONCAT(s, ...)  s1 || s2                    NULL if any is NULL
//	CONCAT_WS(sep, s, ...)                      skips NULLs
//	LPAD(s, n, pad)  RPAD(s, n, pad)            cut to n when longer
//	REPLACE(s, from, to)  REPEAT(s, n)  LEFT(s, n)  RIGHT(s, n)
//	STARTSWITH(s, p)  ENDSWITH(s, p)            strings or bytes
//	s [NOT] SIMILAR TO p [ESCAPE c]             SQL regular expressions, whole string
//	REGEXP_REPLACE(s, re, r)  REGEXP_EXTRACT(s, re[, group])   RE2 syntax
//	REGEXP_COUNT(s, re)  REGEXP_INSTR(s, re)  REGEXP_SUBSTR(s, re)
//	TO_BASE64(s)  FROM_BASE64(s)  FROM_BASE64_BINARY(s)   NULL for text that is not base64
//	CURRENT_DATE  CURRENT_TIME  LOCALTIME  LOCALTIMESTAMP   the session zone's wall clock
//	CURRENT_TIMESTAMP  NOW()                    the instant, TIMESTAMP(3)
//	EXTRACT(unit FROM t)                        YEAR QUARTER MONTH WEEK DAY DOY DOW HOUR MINUTE SECOND
//	YEAR(t) QUARTER(t) MONTH(t) WEEK(t) DAYOFYEAR(t) DAYOFMONTH(t) DAYOFWEEK(t) HOUR(t) MINUTE(t) SECOND(t)
//	DATE_FORMAT(t, pattern)                     Java SimpleDateFormat letters y M d H h m s S a E D
//	DATE_FORMAT_TZ(t, pattern, zone)            zone an IANA name or +hh:mm
//	t + INTERVAL '8' HOUR  t - INTERVAL ...     DATE stays DATE for whole days; TIME wraps at midnight
//	TIMESTAMPADD(unit, n, t)                    SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR; month ends clamp
//	TIMESTAMPDIFF(unit, t1, t2)                 whole units from t1 to t2
//	DATE_ADD(date, days)
//	TO_DATE(s[, pattern])  TO_DATE(timestamp)   NULL for text the pattern does not read
//	TO_TIMESTAMP(s[, pattern])  TO_TIMESTAMP_LTZ(s[, pattern])
//	UNIX_TIMESTAMP()  UNIX_TIMESTAMP(s[, pattern])   seconds; -9223372036854775808 for unreadable text
//	FROM_UNIXTIME(seconds[, pattern])           in the session zone ([Options.TimeZone])
//	CASE ... END  COALESCE(v, ...)  IFNULL(v, r)  IF(cond, a, b)  NULLIF(a, b)
//	CAST(v AS type)  TRY_CAST(v AS type)        TRY_CAST gives NULL where CAST fails
//
// Go functions given in [Options.Functions] are called like the built-in
// ones. Not supported, and an error at compile time naming them:
// REGEXP_EXTRACT_ALL, the variant (PARSE_JSON, TRY_PARSE_JSON), struct
// (ARRAY, MAP, ROW, CARDINALITY, ARRAY_CONTAINS, ARRAY_POSITION, ELEMENT,
// subscripts) and AI model functions (AI_COMPLETE, AI_EMBED), and Flink
// CDC's Java user-defined functions.
// [FunctionNames] lists the supported names.
//
// # Concurrency and speed
//
// Compiled programs, filters and transforms hold no per-row state and may
// be used from many goroutines. Evaluation passes small values through Go
// closures and allocates nothing for numbers, booleans, times and text the
// row already holds; a computed string, decimal arithmetic, reading a
// binary column into an expression and boxing a computed number into the
// output row allocate. Columns projected unchanged are copied as they are.
// BenchmarkTransform and BenchmarkFilter measure it beside hand-written
// Go.
package expr
