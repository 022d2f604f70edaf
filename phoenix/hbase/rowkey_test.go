package hbase_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/hbase"
)

// Expected salts computed apart from this package (Java's int arithmetic,
// signed bytes, Math.abs(hash % buckets)).
func TestSaltByteMatchesPhoenix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		key     string
		buckets int
		want    byte
	}{
		{"8000000000000001", 4, 2}, {"8000000000000001", 10, 0},
		{"736b75303031", 4, 3}, {"736b75303031", 10, 1},
		{"8000000000000002616263", 4, 1}, {"8000000000000002616263", 10, 7},
	} {
		key, _ := hex.DecodeString(c.key)
		if got := hbase.SaltByte(key, c.buckets); got != c.want {
			t.Errorf("SaltByte(%s, %d) = %d, want %d", c.key, c.buckets, got, c.want)
		}
	}
}

func TestRowKeyOfASaltedPhoenixTable(t *testing.T) {
	t.Parallel()
	ct := func(s string) cdc.ColumnType { c, _ := cdc.ParseColumnType(s, "utf8mb4"); return c }
	schema := &cdc.TableSchema{
		Table:      cdc.TableID{Database: "gmall", Table: "order_detail"},
		Columns:    []cdc.Column{{Name: "order_id", Type: ct("bigint")}, {Name: "sku", Type: ct("varchar(20)")}, {Name: "at", Type: ct("datetime(3)")}},
		PrimaryKey: []string{"order_id", "sku", "at"},
	}
	k, err := hbase.RowKeyOf(schema, phoenix.TableOptions{SaltBuckets: 4})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)
	key, err := k.Encode(int64(2), "abc", at)
	if err != nil {
		t.Fatal(err)
	}
	// salt (1: computed apart), BIGINT 2 sign-flipped, "abc", separator,
	// TIMESTAMP: 1704164645678 ms sign-flipped, then the sub-millisecond nanos
	want, _ := hex.DecodeString("01" + "8000000000000002" + "616263" + "00" + "8000018cc820db2e" + "00000000")
	if !bytes.Equal(key, want) {
		t.Fatalf("key = %x\nwant  %x", key, want)
	}
	salt, values, err := k.Decode(key)
	if err != nil || salt != 1 || values[0] != int64(2) || values[1] != "abc" || !values[2].(time.Time).Equal(at) {
		t.Fatalf("Decode = %d, %v, %v", salt, values, err)
	}
	bad := bytes.Clone(key)
	bad[0] = 3
	if _, _, err := k.Decode(bad); err == nil {
		t.Fatal("a wrong salt byte decoded")
	}
}

// Encoded keys sort as the values do, which is what Phoenix's encoding is
// for (without the salt, which scatters them).
func TestRowKeyOrder(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT"} {
		k := hbase.RowKey{Columns: []hbase.KeyColumn{{Name: "k", Type: typ}}}
		var vals []any
		if typ == "DOUBLE" || typ == "FLOAT" {
			vals = []any{-1e6, -2.5, -0.5, 0.0, 0.5, 3.25, 1e6}
		} else {
			vals = []any{int64(-128), int64(-5), int64(-1), int64(0), int64(1), int64(7), int64(127)}
		}
		var keys [][]byte
		for _, v := range vals {
			b, err := k.Encode(v)
			if err != nil {
				t.Fatalf("%s %v: %v", typ, v, err)
			}
			_, back, err := k.Decode(b)
			if err != nil || back[0] != v {
				t.Fatalf("%s: %v decodes to %v, %v", typ, v, back, err)
			}
			keys = append(keys, b)
		}
		if !sort.SliceIsSorted(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 }) {
			t.Errorf("%s keys do not sort as their values", typ)
		}
	}
	big := hbase.RowKey{Columns: []hbase.KeyColumn{{Name: "k", Type: "BIGINT"}}}
	b, _ := big.Encode(int64(math.MinInt64))
	if !bytes.Equal(b, make([]byte, 8)) {
		t.Errorf("MinInt64 = %x", b)
	}
}

func TestRowKeyErrors(t *testing.T) {
	t.Parallel()
	dec := hbase.RowKey{Columns: []hbase.KeyColumn{{Name: "d", Type: "DECIMAL(10,2)"}}}
	if _, err := dec.Encode("1.5"); !errors.Is(err, hbase.ErrUnsupportedKeyType) {
		t.Errorf("DECIMAL key: %v", err)
	}
	vb := hbase.RowKey{Columns: []hbase.KeyColumn{{Name: "a", Type: "VARBINARY"}, {Name: "b", Type: "BIGINT"}}}
	if _, err := vb.Encode([]byte("x"), int64(1)); err == nil {
		t.Error("VARBINARY before the last column encoded")
	}
	two := hbase.RowKey{Columns: []hbase.KeyColumn{{Name: "a", Type: "VARCHAR"}, {Name: "b", Type: "VARCHAR"}}}
	if _, _, err := two.Decode([]byte("no-separator")); err == nil {
		t.Error("a key without separator decoded")
	}
}
