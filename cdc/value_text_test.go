package cdc

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

func col(t *testing.T, columnType, charset string) *Column {
	t.Helper()
	ct, err := ParseColumnType(columnType, charset)
	if err != nil {
		t.Fatal(err)
	}
	return &Column{Name: "c", Type: ct}
}

func TestDecodeText(t *testing.T) {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		typ  string
		raw  string
		loc  *time.Location
		want any
	}{
		{"bigint", "-9223372036854775808", nil, int64(math.MinInt64)},
		{"bigint unsigned", "18446744073709551615", nil, uint64(math.MaxUint64)},
		{"tinyint(1)", "1", nil, int64(1)},
		{"decimal(5,2)", "-123.40", nil, decimal.RequireFromString("-123.40")},
		{"float", "3.1415927410125732", nil, float32(3.1415927)},
		{"double", "-0.1", nil, -0.1},
		{"bit(64)", "\xff\xff\xff\xff\xff\xff\xff\xff", nil, uint64(math.MaxUint64)},
		{"bit(10)", "\x02\x01", nil, uint64(513)},
		{"year", "0000", nil, int64(0)},
		{"date", "2024-02-29", nil, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"date", "0000-00-00", nil, ZeroTime("0000-00-00")},
		{"date", "2023-02-29", nil, ZeroTime("2023-02-29")},
		{"datetime(6)", "2024-01-02 03:04:05.000006", nil, time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)},
		{"datetime(2)", "2024-01-02 03:04:05.5", nil, time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, time.UTC)},
		{"datetime", "2024-01-02 03:04:05", shanghai, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp", "2024-01-02 11:04:05", shanghai, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp(3)", "2024-01-02 03:04:05.123", nil, time.Date(2024, 1, 2, 3, 4, 5, 123_000_000, time.UTC)},
		{"timestamp", "0000-00-00 00:00:00", nil, ZeroTime("0000-00-00 00:00:00")},
		{"time(6)", "-838:59:59.000000", nil, -(838*time.Hour + 59*time.Minute + 59*time.Second)},
		{"time(1)", "-00:00:00.5", nil, -500 * time.Millisecond},
		{"time", "100:00:00", nil, 100 * time.Hour},
		{"varchar(10)", "é😀", nil, "é😀"},
		{"enum('a','b')", "b", nil, "b"},
		{"set('a','b')", "a,b", nil, "a,b"},
		{"binary(2)", "a\x00", nil, []byte("a\x00")},
		{"blob", "", nil, []byte{}},
		{"json", `{"a": [1, 2.50, "\u00e9"]}`, nil, JSON(`{"a":[1,2.5,"é"]}`)},
		{"json", ``, nil, JSON(`null`)},
		{"vector(2)", "\x00\x00\x80\x3f\x00\x00\x20\x40", nil, []float32{1, 2.5}},
	}
	for _, tt := range tests {
		got, err := DecodeText(col(t, tt.typ, "utf8mb4"), []byte(tt.raw), tt.loc)
		if err != nil {
			t.Errorf("DecodeText(%s, %q): %v", tt.typ, tt.raw, err)
			continue
		}
		if !canonicalEqual(got, tt.want) {
			t.Errorf("DecodeText(%s, %q) = %#v, want %#v", tt.typ, tt.raw, got, tt.want)
		}
	}
}

func TestDecodeTextNullAndCopies(t *testing.T) {
	for _, typ := range []string{"int", "varchar(3)", "json", "date", "blob"} {
		if v, err := DecodeText(col(t, typ, ""), nil, nil); v != nil || err != nil {
			t.Errorf("DecodeText(%s, nil) = %v, %v; want nil, nil", typ, v, err)
		}
	}
	raw := []byte("abc")
	v, _ := DecodeText(col(t, "varbinary(3)", ""), raw, nil)
	raw[0] = 'X' // sql.RawBytes are reused by the next Scan
	if string(v.([]byte)) != "abc" {
		t.Errorf("DecodeText kept a reference to raw: %q", v)
	}
}

func TestDecodeTextErrors(t *testing.T) {
	tests := []struct{ typ, raw string }{
		{"int", "12x"},
		{"int unsigned", "-1"},
		{"bigint unsigned", "18446744073709551616"},
		{"decimal(5,2)", "1.2.3"},
		{"double", "abc"},
		{"bit(64)", "123456789"},
		{"date", "2024-1-2"},
		{"datetime", "2024-01-02 25:00:00"},
		{"datetime(6)", "2024-01-02 03:04:05.1234567"},
		{"time", "12:61:00"},
		{"time", "x"},
		{"json", `{"a":}`},
		{"json", `[1] 2`},
		{"vector(1)", "abc"},
		{"year", "twenty"},
	}
	for _, tt := range tests {
		_, err := DecodeText(&Column{Name: "col_x", Type: mustType(t, tt.typ)}, []byte(tt.raw), nil)
		var ve *ValueError
		if !errors.Is(err, ErrBadValue) || !errors.As(err, &ve) {
			t.Errorf("DecodeText(%s, %q): err = %v, want a *ValueError", tt.typ, tt.raw, err)
			continue
		}
		if !strings.Contains(err.Error(), "col_x") {
			t.Errorf("error %q does not name the column", err)
		}
	}
}

func mustType(t *testing.T, s string) ColumnType {
	t.Helper()
	ct, err := ParseColumnType(s, "utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestSelectExpression(t *testing.T) {
	if got := SelectExpression(&Column{Name: "we`ird", Type: ColumnType{Kind: KindInt}}); got != "`we``ird`" {
		t.Errorf("int: %s", got)
	}
	if got := SelectExpression(&Column{Name: "f", Type: ColumnType{Kind: KindFloat}}); got != "`f`+0e0" {
		t.Errorf("float: %s", got)
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": 1, "b": [true, false, null]}`, `{"a":1,"b":[true,false,null]}`},
		{" \n{ } ", `{}`},
		{`[ ]`, `[]`},
		{`{"b":1,"a":2,"b":3}`, `{"b":1,"a":2,"b":3}`},
		{`"\u00e9\/\"\\\b\f\n\r\t\u0001\u001f"`, `"é/\"\\\b\f\n\r\t\u0001\u001f"`},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"\ud83d"`, `"\ud83d"`},
		{`"<>&\u2028"`, "\"<>&\u2028\""},
		{`[1.0, -0.0, 0.0, 2.50, 1e300, 1.5e-05, 1E2, 1234567.5, 1e16, 1e15, 0.1]`,
			`[1.0,-0.0,0.0,2.5,1e300,0.000015,100.0,1234567.5,1e16,1000000000000000.0,0.1]`},
		{`[123456789012345678901234567890, -5, 0]`, `[123456789012345678901234567890,-5,0]`},
		{`3.14159265358979323846264338`, `3.14159265358979323846264338`},
		{`1e400`, `1e400`},
		{``, `null`},
		{"\"a\x01b\"", `"a\u0001b"`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("CanonicalJSON(%s): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("CanonicalJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`{`, `{"a" 1}`, `[1,]`, `tru`, `"abc`, `01x`, `-`, `1.`, `1e`, `{1:2}`, `"\x"`, `"\u12"`, `[1 2]`, strings.Repeat("[", 2000)} {
		if _, err := CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("CanonicalJSON(%.40q): no error", bad)
		}
	}
}

// FuzzCanonicalJSON checks that valid JSON always canonicalises to valid
// JSON with the same meaning, that canonical JSON is a fixed point, and that
// nothing panics.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, {"c": null}], "b": "\u00e9\n"}`, `[1e300, -0.0, 1.5e-05]`,
		`"\ud83d\ude00"`, `{}`, `[]`, `null`, `123456789012345678901234567890`, "\"\x01\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := CanonicalJSON(in)
		if !json.Valid(in) || !utf8.Valid(in) {
			return
		}
		if err != nil {
			if len(in) > 0 && strings.Count(string(in), "[")+strings.Count(string(in), "{") > maxJSONDepth {
				return
			}
			t.Fatalf("CanonicalJSON(%q): %v", in, err)
		}
		if !json.Valid([]byte(got)) {
			t.Fatalf("CanonicalJSON(%q) = %q, not valid JSON", in, got)
		}
		again, err := CanonicalJSON([]byte(got))
		if err != nil || again != got {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", in, got, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil && json.Unmarshal([]byte(got), &b) == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("meaning changed: %q -> %q", in, got)
		}
	})
}

// TestDecodeMariaDBJSONText: MariaDB's JSON column (a LONGTEXT that
// LoadTableSchemas marks KindJSON) keeps the text the server stores, by
// either path; MySQL's JSON is canonical.
func TestDecodeMariaDBJSONText(t *testing.T) {
	const doc = `{"a": 1.0e2,  "b" : [1, 2], "é": "\u00e9"}`
	mariadb := col(t, "longtext", "utf8mb4")
	mariadb.Type.Kind = KindJSON
	latin1 := col(t, "longtext", "latin1")
	latin1.Type.Kind = KindJSON
	for _, tt := range []struct {
		name string
		got  func() (any, error)
		want JSON
	}{
		{"text", func() (any, error) { return DecodeText(mariadb, []byte(doc), nil) }, JSON(doc)},
		{"binlog []byte", func() (any, error) { return DecodeBinlog(mariadb, []byte(doc), nil) }, JSON(doc)},
		{"binlog string", func() (any, error) { return DecodeBinlog(mariadb, doc, nil) }, JSON(doc)},
		{"binlog latin1", func() (any, error) { return DecodeBinlog(latin1, []byte("[\"caf\xe9\"]"), nil) }, JSON(`["café"]`)},
		{"mysql text", func() (any, error) { return DecodeText(col(t, "json", ""), []byte(doc), nil) }, JSON(`{"a":100.0,"b":[1,2],"é":"é"}`)},
		{"mysql binlog", func() (any, error) { return DecodeBinlog(col(t, "json", ""), []byte(doc), nil) }, JSON(`{"a":100.0,"b":[1,2],"é":"é"}`)},
	} {
		got, err := tt.got()
		if err != nil || got != tt.want {
			t.Errorf("%s: got %#v, %v; want %#v", tt.name, got, err, tt.want)
		}
	}
}
