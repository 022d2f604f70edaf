package mysql

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

func TestOffsetTextAndJSONRoundTrip(t *testing.T) {
	for _, o := range []Offset{
		{File: "mysql-bin.000003", Pos: 1234},
		{File: "binlog.000002", Pos: 4, GTIDSet: "713e1c15-e87b-11f1-a489-02fc00000001:1-46"},
		{File: "mysql-bin.000010", Pos: 99, GTIDSet: "0-1-17,1-2-5", Events: 2, Rows: 3},
		{GTIDSet: "0-1-17"},
	} {
		p, err := ParseOffset(o.String())
		if err != nil || p != o {
			t.Errorf("text %q: %+v %v", o.String(), p, err)
		}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var q Offset
		if err := json.Unmarshal(b, &q); err != nil || q != o {
			t.Errorf("json %s: %+v %v", b, q, err)
		}
	}
	var q Offset
	if err := json.Unmarshal([]byte(`"mysql-bin.000001:4"`), &q); err != nil || q.Pos != 4 {
		t.Errorf("json string form: %+v %v", q, err)
	}
}

func TestParseOffsetRejects(t *testing.T) {
	for _, s := range []string{"", "file", "f:x", "f:1;gtids=", "f:1;bogus=1", "../etc/passwd:4", "f:1;events=-1",
		"gtids=zz", "gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:5-1", "gtids=1-2", "gtids=99999999999-1-1", ":4"} {
		if o, err := ParseOffset(s); err == nil {
			t.Errorf("%q parsed as %+v", s, o)
		}
	}
}

func TestOffsetCompareIsATotalOrder(t *testing.T) {
	sorted := []Offset{
		{GTIDSet: "0-1-3"},
		{GTIDSet: "0-1-5"},
		{GTIDSet: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"},
		{File: "mysql-bin.000009", Pos: 4},
		{File: "mysql-bin.000009", Pos: 900},
		{File: "mysql-bin.000009", Pos: 900, Events: 1},
		{File: "mysql-bin.000009", Pos: 900, Events: 1, Rows: 2},
		{File: "mysql-bin.000010", Pos: 4},
		{File: "mysql-bin.1000000", Pos: 4},
	}
	for i := range sorted {
		for j := range sorted {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := sorted[i].Compare(sorted[j]); got != want {
				t.Errorf("%s vs %s: %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
	shuffled := slices.Clone(sorted)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Offset.Compare)
	if !slices.Equal(shuffled, sorted) {
		t.Fatal("sort disagrees")
	}
}

func TestParseGTIDSet(t *testing.T) {
	c, f, err := ParseGTIDSet("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7")
	if err != nil || f != "mysql" || c != "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7" {
		t.Fatal(c, f, err)
	}
	c, f, err = ParseGTIDSet("1-2-30,0-1-17")
	if err != nil || f != "mariadb" || c != "0-1-17,1-2-30" {
		t.Fatal(c, f, err)
	}
}

func TestStartupOptionsValidate(t *testing.T) {
	for _, o := range []StartupOptions{SpecificOffset("", 4), SpecificOffset("f.1", 1), SpecificGTID("nope"), Timestamp(0),
		Timestamp(time.Now().Add(200 * 365 * 24 * time.Hour).UnixMilli())} {
		if err := o.validate(); err == nil {
			t.Errorf("%s accepted", o)
		}
	}
	for _, o := range []StartupOptions{Initial(), Earliest(), Latest(), SnapshotOnly(), SpecificOffset("mysql-bin.000001", 4),
		SpecificGTID("0-1-1"), Timestamp(time.Now().UnixMilli())} {
		if err := o.validate(); err != nil {
			t.Errorf("%s: %v", o, err)
		}
	}
}

func TestChunkOfAndCompareValues(t *testing.T) {
	a, b := int64(10), int64(20)
	ts := &tableState{schema: &cdc.TableSchema{Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}}},
		snap: &tableSnapshot{Chunks: []snapshotChunk{{End: &chunkBound{Int: &a}}, {Start: &chunkBound{Int: &a}, End: &chunkBound{Int: &b}}, {Start: &chunkBound{Int: &b}}}}}
	if err := ts.prepareFilter(); err != nil {
		t.Fatal(err)
	}
	for v, want := range map[any]int{nil: 0, int64(-5): 0, int64(9): 0, int64(10): 1, int64(19): 1, int64(20): 2, int64(1 << 40): 2} {
		if got := ts.chunkOf(v); got != want {
			t.Errorf("chunkOf(%v) = %d, want %d", v, got, want)
		}
	}
	if compareValues(uint64(1<<63), int64(-1)) != 1 || compareValues(int64(-1), uint64(0)) != -1 ||
		compareValues(cdc.ZeroTime("0000-00-00"), time.Unix(0, 0)) != -1 || compareValues("a", "b") != -1 {
		t.Error("compareValues")
	}
}

func TestSplitEvenly(t *testing.T) {
	r := &runner{cfg: &resolvedConfig{Config: Config{SplitSize: 100, DistributionFactorLower: 0.05, DistributionFactorUpper: 1000}}}
	col := &cdc.Column{Type: cdc.ColumnType{Kind: cdc.KindBigInt}}
	chunks, ok := r.splitEvenly(col, []byte("1"), []byte("1000"), 1000)
	if !ok || len(chunks) != 10 || chunks[0].Start != nil || chunks[9].End != nil || *chunks[1].Start.Int != 101 {
		t.Fatalf("%v %d", ok, len(chunks))
	}
	// Extremes do not overflow.
	chunks, ok = r.splitEvenly(col, []byte("9223372036854775000"), []byte("9223372036854775807"), 808)
	if !ok || len(chunks) != 9 || *chunks[8].Start.Int != 9223372036854775000+800 {
		t.Fatalf("top of int64: %v %d", ok, len(chunks))
	}
	ucol := &cdc.Column{Type: cdc.ColumnType{Kind: cdc.KindBigInt, Unsigned: true}}
	chunks, ok = r.splitEvenly(ucol, []byte("18446744073709551000"), []byte("18446744073709551615"), 616)
	if !ok || len(chunks) != 7 || chunks[6].End != nil || *chunks[6].Start.Uint != 18446744073709551600 {
		t.Fatalf("top of uint64: %v %d", ok, len(chunks))
	}
	// The whole int64 range with a wrong, huge row estimate is not cut into
	// billions of chunks.
	if _, ok := r.splitEvenly(col, []byte("-9223372036854775808"), []byte("9223372036854775807"), 1<<62); ok {
		t.Fatal("huge even split accepted")
	}
	// A sparse key (factor above the bound) is split by queries instead.
	if _, ok := r.splitEvenly(col, []byte("1"), []byte("100000000"), 10); ok {
		t.Fatal("sparse key split evenly")
	}
}

func FuzzParseOffset(f *testing.F) {
	for _, s := range []string{"mysql-bin.000003:1234", "f:1;gtids=0-1-2;events=1;rows=2",
		"gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9", "binlog.000001:4;gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:tag:1-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOffset(s)
		if err != nil {
			return
		}
		p, err := ParseOffset(o.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v whose text %q does not parse: %v", s, o, o.String(), err)
		}
		if p.Compare(o) != 0 {
			t.Fatalf("%q: round trip %+v != %+v", s, p, o)
		}
		b, _ := json.Marshal(o)
		var q Offset
		if err := json.Unmarshal(b, &q); err != nil || q != o {
			t.Fatalf("json %s: %+v %v", b, q, err)
		}
	})
}

func FuzzParseGTIDSet(f *testing.F) {
	for _, s := range []string{"0-1-17", "0-1-17,1-2-3", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
		"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,4e11fa47-71ca-11e1-9e33-c80aa9429562:3", "3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_a:1-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, flavor, err := ParseGTIDSet(s)
		if err != nil {
			return
		}
		c2, flavor2, err := ParseGTIDSet(c)
		if err != nil || flavor2 != flavor {
			t.Fatalf("%q -> %q does not reparse: %v", s, c, err)
		}
		if c2 != c {
			t.Fatalf("canonical form not stable: %q -> %q -> %q", s, c, c2)
		}
	})
}
