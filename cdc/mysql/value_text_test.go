package mysql

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

func col(t *testing.T, columnType, charset string) *cdc.Column {
	t.Helper()
	ct, err := cdc.ParseColumnType(columnType, charset)
	if err != nil {
		t.Fatal(err)
	}
	return &cdc.Column{Name: "c", Type: ct}
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
		{"date", "0000-00-00", nil, cdc.ZeroTime("0000-00-00")},
		{"date", "2023-02-29", nil, cdc.ZeroTime("2023-02-29")},
		{"datetime(6)", "2024-01-02 03:04:05.000006", nil, time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)},
		{"datetime(2)", "2024-01-02 03:04:05.5", nil, time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, time.UTC)},
		{"datetime", "2024-01-02 03:04:05", shanghai, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp", "2024-01-02 11:04:05", shanghai, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp(3)", "2024-01-02 03:04:05.123", nil, time.Date(2024, 1, 2, 3, 4, 5, 123_000_000, time.UTC)},
		{"timestamp", "0000-00-00 00:00:00", nil, cdc.ZeroTime("0000-00-00 00:00:00")},
		{"time(6)", "-838:59:59.000000", nil, -(838*time.Hour + 59*time.Minute + 59*time.Second)},
		{"time(1)", "-00:00:00.5", nil, -500 * time.Millisecond},
		{"time", "100:00:00", nil, 100 * time.Hour},
		{"varchar(10)", "é😀", nil, "é😀"},
		{"enum('a','b')", "b", nil, "b"},
		{"set('a','b')", "a,b", nil, "a,b"},
		{"binary(2)", "a\x00", nil, []byte("a\x00")},
		{"blob", "", nil, []byte{}},
		{"json", `{"a": [1, 2.50, "\u00e9"]}`, nil, cdc.JSON(`{"a":[1,2.5,"é"]}`)},
		{"json", ``, nil, cdc.JSON(`null`)},
		{"vector(2)", "\x00\x00\x80\x3f\x00\x00\x20\x40", nil, []float32{1, 2.5}},
	}
	for _, tt := range tests {
		got, err := decodeText(col(t, tt.typ, "utf8mb4"), []byte(tt.raw), tt.loc)
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
		if v, err := decodeText(col(t, typ, ""), nil, nil); v != nil || err != nil {
			t.Errorf("DecodeText(%s, nil) = %v, %v; want nil, nil", typ, v, err)
		}
	}
	raw := []byte("abc")
	v, _ := decodeText(col(t, "varbinary(3)", ""), raw, nil)
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
		_, err := decodeText(&cdc.Column{Name: "col_x", Type: mustType(t, tt.typ)}, []byte(tt.raw), nil)
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

func mustType(t *testing.T, s string) cdc.ColumnType {
	t.Helper()
	ct, err := cdc.ParseColumnType(s, "utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestSelectExpression(t *testing.T) {
	if got := selectExpression(&cdc.Column{Name: "we`ird", Type: cdc.ColumnType{Kind: cdc.KindInt}}); got != "`we``ird`" {
		t.Errorf("int: %s", got)
	}
	if got := selectExpression(&cdc.Column{Name: "f", Type: cdc.ColumnType{Kind: cdc.KindFloat}}); got != "`f`+0e0" {
		t.Errorf("float: %s", got)
	}
}

// TestDecodeMariaDBJSONText: MariaDB's JSON column (a LONGTEXT that
// LoadTableSchemas marks KindJSON) keeps the text the server stores, by
// either path; MySQL's JSON is canonical.
func TestDecodeMariaDBJSONText(t *testing.T) {
	const doc = `{"a": 1.0e2,  "b" : [1, 2], "é": "\u00e9"}`
	mariadb := col(t, "longtext", "utf8mb4")
	mariadb.Type.Kind = cdc.KindJSON
	latin1 := col(t, "longtext", "latin1")
	latin1.Type.Kind = cdc.KindJSON
	for _, tt := range []struct {
		name string
		got  func() (any, error)
		want cdc.JSON
	}{
		{"text", func() (any, error) { return decodeText(mariadb, []byte(doc), nil) }, cdc.JSON(doc)},
		{"binlog []byte", func() (any, error) { return decodeBinlog(mariadb, []byte(doc), nil) }, cdc.JSON(doc)},
		{"binlog string", func() (any, error) { return decodeBinlog(mariadb, doc, nil) }, cdc.JSON(doc)},
		{"binlog latin1", func() (any, error) { return decodeBinlog(latin1, []byte("[\"caf\xe9\"]"), nil) }, cdc.JSON(`["café"]`)},
		{"mysql text", func() (any, error) { return decodeText(col(t, "json", ""), []byte(doc), nil) }, cdc.JSON(`{"a":100.0,"b":[1,2],"é":"é"}`)},
		{"mysql binlog", func() (any, error) { return decodeBinlog(col(t, "json", ""), []byte(doc), nil) }, cdc.JSON(`{"a":100.0,"b":[1,2],"é":"é"}`)},
	} {
		got, err := tt.got()
		if err != nil || got != tt.want {
			t.Errorf("%s: got %#v, %v; want %#v", tt.name, got, err, tt.want)
		}
	}
}
