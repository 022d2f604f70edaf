package mysql

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// TestDecodeBinlog feeds the shapes go-mysql v1.16 produces, with and
// without the signedness it learns from MySQL's optional table-map metadata
// (MariaDB does not send it).
func TestDecodeBinlog(t *testing.T) {
	tests := []struct {
		typ, charset string
		in           any
		want         any
	}{
		{"tinyint unsigned", "", int8(-1), uint64(255)},
		{"tinyint unsigned", "", uint8(255), uint64(255)},
		{"smallint unsigned", "", int16(-1), uint64(65535)},
		{"mediumint unsigned", "", int32(-1), uint64(16777215)},
		{"mediumint", "", int32(-8388608), int64(-8388608)},
		{"int unsigned", "", int32(-1), uint64(4294967295)},
		{"int unsigned", "", uint32(4294967295), uint64(4294967295)},
		{"bigint unsigned", "", int64(-1), uint64(math.MaxUint64)},
		{"bigint unsigned", "", uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"bigint", "", int64(math.MinInt64), int64(math.MinInt64)},
		{"tinyint", "", int8(-128), int64(-128)},
		{"decimal(65,30)", "", "-1.500000000000000000000000000000", decimal.RequireFromString("-1.500000000000000000000000000000")},
		{"decimal(5,2)", "", decimal.RequireFromString("1.50"), decimal.RequireFromString("1.50")},
		{"float", "", float32(1.5), float32(1.5)},
		{"double", "", 2.5, 2.5},
		{"bit(64)", "", int64(-1), uint64(math.MaxUint64)},
		{"bit(1)", "", int64(1), uint64(1)},
		{"year", "", 0, int64(0)},
		{"year", "", 2155, int64(2155)},
		{"date", "", "0000-00-00", cdc.ZeroTime("0000-00-00")},
		{"date", "", "1969-07-20", time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC)},
		{"datetime(6)", "", "0000-00-00 00:00:00.000000", cdc.ZeroTime("0000-00-00 00:00:00.000000")},
		{"datetime(3)", "", "1969-12-31 23:59:59.999", time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC)},
		{"datetime", "", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp(6)", "", "2038-01-19 03:14:07.999999", time.Date(2038, 1, 19, 3, 14, 7, 999_999_000, time.UTC)},
		{"timestamp", "", time.Unix(1, 0), time.Unix(1, 0).UTC()},
		{"time(6)", "", "-12:34:56.789012", -(12*time.Hour + 34*time.Minute + 56*time.Second + 789012*time.Microsecond)},
		{"time", "", "838:59:59", 838*time.Hour + 59*time.Minute + 59*time.Second},
		{"enum('a','b''c')", "utf8mb4", int64(2), "b'c"},
		{"enum('a','b''c')", "utf8mb4", int64(0), ""},
		{"set('r','w','x')", "utf8mb4", int64(5), "r,x"},
		{"set('r','w','x')", "utf8mb4", int64(0), ""},
		{"varchar(10)", "utf8mb4", "é😀", "é😀"},
		{"text", "utf8mb4", []byte("é😀"), "é😀"},
		{"varchar(10)", "latin1", "caf\xe9 \x80", "café €"},
		{"varchar(10)", "latin1", "plain", "plain"},
		{"char(4)", "gbk", "\xc4\xe3\xba\xc3", "你好"},
		{"char(4)", "ucs2", "\x00a\x00\xe9", "aé"},
		{"binary(4)", "", "a", []byte("a\x00\x00\x00")},
		{"binary(2)", "", "ab", []byte("ab")},
		{"varbinary(4)", "", "a\x00", []byte("a\x00")},
		{"blob", "", []byte{0, 0xff}, []byte{0, 0xff}},
		{"geometry", "", []byte{1, 2}, []byte{1, 2}},
		{"json", "", `{"a":1.0,"b":[1,2]}`, cdc.JSON(`{"a":1.0,"b":[1,2]}`)},
		{"json", "", []byte(`{"b": 1, "a": "\u00e9"}`), cdc.JSON(`{"b":1,"a":"é"}`)},
		{"json", "", []byte{}, cdc.JSON(`null`)},
		{"vector(2)", "", []byte("\x00\x00\x80\x3f\x00\x00\x20\x40"), []float32{1, 2.5}},
	}
	for _, tt := range tests {
		c := &cdc.Column{Name: "c", Type: mustType(t, tt.typ)}
		c.Type.Charset = tt.charset
		got, err := decodeBinlog(c, tt.in, time.UTC)
		if err != nil {
			t.Errorf("DecodeBinlog(%s, %#v): %v", tt.typ, tt.in, err)
			continue
		}
		if !canonicalEqual(got, tt.want) {
			t.Errorf("DecodeBinlog(%s, %#v) = %#v, want %#v", tt.typ, tt.in, got, tt.want)
		}
	}
	if v, err := decodeBinlog(&cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: cdc.KindInt}}, nil, nil); v != nil || err != nil {
		t.Errorf("NULL: %v, %v", v, err)
	}
}

func TestDecodeBinlogTimestampLocation(t *testing.T) {
	// Should a source keep go-mysql's TimestampStringLocation elsewhere,
	// loc says where the text is.
	c := &cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: cdc.KindTimestamp}}
	got, err := decodeBinlog(c, "2024-01-02 11:04:05", time.FixedZone("UTC+8", 8*3600))
	if err != nil || !got.(time.Time).Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestDecodeBinlogErrors(t *testing.T) {
	tests := []struct {
		typ    string
		in     any
		reason string
	}{
		{"enum('a')", int64(2), "out of range"},
		{"set('a','b')", int64(4), "beyond"},
		{"int", "12", "unexpected Go type"},
		{"decimal(5,2)", "x", "decimal"},
		{"date", "2024-13-01x", "not a DATE"},
		{"time", "ab:cd:ef", "TIME"},
		{"json", "{", "invalid JSON"},
		{"json", &replication.JsonDiff{}, "binlog_row_value_options"},
		{"vector(1)", []byte{1, 2, 3}, "float32"},
		{"float", "1.5", "unexpected Go type"},
		{"varchar(3)", 12, "unexpected Go type"},
		{"char(2)", "gbk-invalid", ""},
	}
	for _, tt := range tests {
		c := &cdc.Column{Name: "col_x", Type: mustType(t, tt.typ)}
		if tt.typ == "char(2)" {
			c.Type.Charset = "utf16"
			tt.in = "\xd8\x00" // a lone surrogate: the decoder replaces it, no error
			if _, err := decodeBinlog(c, tt.in, nil); err != nil {
				t.Errorf("utf16 lone surrogate: %v", err)
			}
			continue
		}
		_, err := decodeBinlog(c, tt.in, nil)
		var ve *ValueError
		if !errors.Is(err, ErrBadValue) || !errors.As(err, &ve) || ve.Column != "col_x" {
			t.Errorf("DecodeBinlog(%s, %#v): err = %v, want a *ValueError for col_x", tt.typ, tt.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("DecodeBinlog(%s, %#v): %q does not say %q", tt.typ, tt.in, err, tt.reason)
		}
	}
}

func TestConfigureBinlogSyncer(t *testing.T) {
	cfg := replication.BinlogSyncerConfig{ServerID: 7, Host: "h", ParseTime: true}
	configureBinlogSyncer(&cfg)
	if !cfg.UseDecimal || cfg.ParseTime || cfg.TimestampStringLocation != time.UTC || !cfg.RenderJSONAsMySQLText {
		t.Errorf("options not set: %+v", cfg)
	}
	if cfg.ServerID != 7 || cfg.Host != "h" {
		t.Errorf("other options changed: %+v", cfg)
	}
}
