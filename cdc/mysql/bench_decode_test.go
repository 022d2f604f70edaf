package mysql

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// The snapshot's fast paths (parseShortDecimal, daysIn, decodeDriverValue
// and stringArena) must give exactly the values of the general ones they
// shortcut; these tests hold them to it, and the benchmarks measure them.

func TestParseShortDecimalMatchesNewFromString(t *testing.T) {
	inputs := []string{"0", "-0", "0.00", "-0.00", "1", "-1", "12.30", "-12.30", "0.5", ".5", "5.",
		"123456789012345678", "-123456789012345678", "1234567890123456789", "12345678901234567.8",
		"1234567890.12345678", "99999999999999999.9", "0.000000000000000001", "1e5", "1.2.3", "-", "", "+1", "--1", "1-"}
	for i := int64(-2000); i <= 2000; i += 7 {
		inputs = append(inputs, strconv.FormatFloat(float64(i)/100, 'f', 2, 64), strconv.FormatInt(i, 10))
	}
	for _, in := range inputs {
		got, ok := parseShortDecimal([]byte(in))
		want, err := decimal.NewFromString(in)
		if !ok {
			continue // the general path decides
		}
		if err != nil {
			t.Errorf("parseShortDecimal(%q) = %v, but NewFromString fails: %v", in, got, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseShortDecimal(%q) = %#v, NewFromString = %#v", in, got, want)
		}
	}
	for _, in := range []string{"12.30", "-0.5", "123456789012345678"} {
		if _, ok := parseShortDecimal([]byte(in)); !ok {
			t.Errorf("parseShortDecimal(%q) fell back to the slow path", in)
		}
	}
}

func TestDaysInMatchesCalendar(t *testing.T) {
	for year := 0; year <= 2400; year++ {
		for month := 1; month <= 12; month++ {
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(year, month); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", year, month, got, want)
			}
		}
	}
}

// TestDecodeDriverValueMatchesDecodeText feeds decodeDriverValue what
// go-sql-driver returns for each kind and compares with DecodeText of the
// same value's text.
func TestDecodeDriverValueMatchesDecodeText(t *testing.T) {
	cases := []struct {
		typ  string
		v    driver.Value
		text string
	}{
		{"int", int64(-42), "-42"},
		{"int", int64(1 << 40), "1099511627776"},
		{"int unsigned", int64(4294967295), "4294967295"},
		{"mediumint unsigned", int64(16777215), "16777215"},
		{"bigint unsigned", uint64(18446744073709551615), "18446744073709551615"},
		{"bigint", int64(-9223372036854775808), "-9223372036854775808"},
		{"tinyint(1)", int64(1), "1"},
		{"year", int64(2024), "2024"},
		{"double", float64(3.141592653589793), "3.141592653589793"},
		{"float", float64(3.1415927410125732), "3.1415927410125732"},
		{"float", float32(2.5), "2.5"},
		{"decimal(12,2)", []byte("-1234.50"), "-1234.50"},
		{"decimal(65,30)", []byte("12345678901234567890123456789012345.123456789012345678901234567890"), "12345678901234567890123456789012345.123456789012345678901234567890"},
		{"varchar(20)", []byte("héllo"), "héllo"},
		{"enum('a','b')", []byte("b"), "b"},
		{"set('a','b')", []byte("a,b"), "a,b"},
		{"datetime(3)", []byte("2024-02-29 23:59:59.123"), "2024-02-29 23:59:59.123"},
		{"datetime", []byte("0000-00-00 00:00:00"), "0000-00-00 00:00:00"},
		{"date", []byte("2023-02-29"), "2023-02-29"},
		{"date", []byte("2024-02-29"), "2024-02-29"},
		{"datetime", []byte("1000-01-01 00:00:00"), "1000-01-01 00:00:00"},
		{"timestamp(6)", []byte("1970-01-01 00:00:01.000001"), "1970-01-01 00:00:01.000001"},
		{"time", []byte("-838:59:59"), "-838:59:59"},
		{"bit(9)", []byte{1, 255}, "\x01\xff"},
		{"varbinary(4)", []byte{0, 1, 2}, "\x00\x01\x02"},
		{"json", []byte(`{"a": [1, 2.0]}`), `{"a": [1, 2.0]}`},
		{"int", nil, ""},
	}
	for _, c := range cases {
		typ, err := cdc.ParseColumnType(c.typ, "utf8mb4")
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		col := &cdc.Column{Name: "c", Type: typ}
		var strs typedArena
		var got any
		if err := decodeDriverValue(col, c.v, &strs, &got); err != nil {
			t.Errorf("%s %#v: %v", c.typ, c.v, err)
			continue
		}
		var want any
		if c.v != nil {
			want, err = decodeText(col, []byte(c.text), time.UTC)
			if err != nil {
				t.Fatalf("%s: DecodeText(%q): %v", c.typ, c.text, err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %#v: decodeDriverValue = %#v, DecodeText = %#v", c.typ, c.v, got, want)
		}
	}
	// A value of the wrong shape is an error, not a panic.
	typ, _ := cdc.ParseColumnType("int unsigned", "")
	var got any
	if err := decodeDriverValue(&cdc.Column{Name: "c", Type: typ}, int64(-1), nil, &got); err == nil {
		t.Errorf("decodeDriverValue accepted -1 for an unsigned column: %#v", got)
	}
}

// fieldValue is v as go-mysql's text-protocol row parser hands it over for
// a column of the given MySQL type: integers parsed (signed, or unsigned
// for an UNSIGNED or YEAR column), FLOAT and DOUBLE parsed as doubles, and
// everything else as text.
func fieldValue(typ string, v driver.Value) gomysql.FieldValue {
	switch x := v.(type) {
	case nil:
		return gomysql.NewFieldValue(gomysql.FieldValueTypeNull, 0, nil)
	case int64:
		if strings.Contains(typ, "unsigned") || typ == "year" {
			return gomysql.NewFieldValue(gomysql.FieldValueTypeUnsigned, uint64(x), nil)
		}
		return gomysql.NewFieldValue(gomysql.FieldValueTypeSigned, uint64(x), nil)
	case uint64:
		return gomysql.NewFieldValue(gomysql.FieldValueTypeUnsigned, x, nil)
	case float64:
		return gomysql.NewFieldValue(gomysql.FieldValueTypeFloat, math.Float64bits(x), nil)
	case float32:
		return gomysql.NewFieldValue(gomysql.FieldValueTypeFloat, math.Float64bits(float64(x)), nil)
	case []byte:
		return gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, x)
	}
	panic(fmt.Sprintf("no field value for %T", v))
}

// TestDecodeFieldValueMatchesDecodeText feeds decodeFieldValue what
// go-mysql's client parses for each kind and compares with decodeText of
// the same value's text; the integration test TestDecodeTextAndBinlogAgree
// reads every type from both servers through it.
func TestDecodeFieldValueMatchesDecodeText(t *testing.T) {
	cases := []struct {
		typ  string
		v    driver.Value
		text string
	}{
		{"int", int64(-42), "-42"},
		{"int", int64(7), "7"},
		{"int", int64(1 << 40), "1099511627776"},
		{"int unsigned", int64(4294967295), "4294967295"},
		{"bigint unsigned", uint64(18446744073709551615), "18446744073709551615"},
		{"bigint", int64(-9223372036854775808), "-9223372036854775808"},
		{"tinyint(1)", int64(1), "1"},
		{"year", int64(2024), "2024"},
		{"year", int64(0), "0"},
		{"double", float64(3.141592653589793), "3.141592653589793"},
		{"double", float64(-5e-324), "-5e-324"},
		{"float", float64(3.1415927410125732), "3.1415927410125732"},
		{"float", float64(16777216), "16777216"},
		{"decimal(12,2)", []byte("-1234.50"), "-1234.50"},
		{"decimal(65,30)", []byte("12345678901234567890123456789012345.123456789012345678901234567890"), "12345678901234567890123456789012345.123456789012345678901234567890"},
		{"varchar(20)", []byte("héllo"), "héllo"},
		{"varchar(20)", []byte(""), ""},
		{"enum('a','b')", []byte("b"), "b"},
		{"set('a','b')", []byte("a,b"), "a,b"},
		{"datetime(3)", []byte("2024-02-29 23:59:59.123"), "2024-02-29 23:59:59.123"},
		{"datetime", []byte("0000-00-00 00:00:00"), "0000-00-00 00:00:00"},
		{"date", []byte("2023-02-29"), "2023-02-29"},
		{"date", []byte("2024-02-29"), "2024-02-29"},
		{"timestamp(6)", []byte("1970-01-01 00:00:01.000001"), "1970-01-01 00:00:01.000001"},
		{"timestamp", []byte("2038-01-19 03:14:07"), "2038-01-19 03:14:07"},
		{"timestamp", []byte("0000-00-00 00:00:00"), "0000-00-00 00:00:00"},
		{"time", []byte("-838:59:59"), "-838:59:59"},
		{"bit(9)", []byte{1, 255}, "\x01\xff"},
		{"varbinary(4)", []byte{0, 1, 2}, "\x00\x01\x02"},
		{"json", []byte(`{"a": [1, 2.0]}`), `{"a": [1, 2.0]}`},
		{"int", nil, ""},
	}
	for _, c := range cases {
		typ, err := cdc.ParseColumnType(c.typ, "utf8mb4")
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		col := &cdc.Column{Name: "c", Type: typ}
		fv := fieldValue(c.typ, c.v)
		var strs typedArena
		var got any
		if err := decodeFieldValue(col, &fv, &strs, &got); err != nil {
			t.Errorf("%s %#v: %v", c.typ, c.v, err)
			continue
		}
		if b, ok := c.v.([]byte); ok {
			clear(b) // the value must have been copied: go-mysql reuses it for the next row
		}
		var want any
		if c.v != nil {
			want, err = decodeText(col, []byte(c.text), time.UTC)
			if err != nil {
				t.Fatalf("%s: decodeText(%q): %v", c.typ, c.text, err)
			}
		}
		if !reflect.DeepEqual(got, want) || (got != nil && reflect.TypeOf(got) != reflect.TypeOf(want)) {
			t.Errorf("%s %#v: decodeFieldValue = %#v, decodeText = %#v", c.typ, c.v, got, want)
		}
	}
	// An empty value in a row's first use of its buffer arrives nil: it is
	// empty, not NULL.
	for typ, want := range map[string]any{"varbinary(4)": []byte{}, "blob": []byte{}, "varchar(4)": "", "text": ""} {
		ct, _ := cdc.ParseColumnType(typ, "utf8mb4")
		fv := gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, nil)
		var got any
		if err := decodeFieldValue(&cdc.Column{Name: "c", Type: ct}, &fv, &typedArena{}, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: empty value decoded as %#v, %v; want %#v", typ, got, err, want)
		}
	}
	// A value of the wrong shape is an error, not a panic.
	for _, c := range []struct {
		typ string
		v   gomysql.FieldValue
	}{
		{"int unsigned", gomysql.NewFieldValue(gomysql.FieldValueTypeSigned, uint64(1<<64-1), nil)},
		{"int", gomysql.NewFieldValue(gomysql.FieldValueTypeUnsigned, uint64(1<<64-1), nil)},
		{"date", gomysql.NewFieldValue(gomysql.FieldValueTypeFloat, math.Float64bits(1.5), nil)},
		{"int", gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, []byte("x"))},
	} {
		typ, _ := cdc.ParseColumnType(c.typ, "")
		var got any
		if err := decodeFieldValue(&cdc.Column{Name: "c", Type: typ}, &c.v, &typedArena{}, &got); !errors.Is(err, ErrBadValue) {
			t.Errorf("decodeFieldValue(%s, %s) = %#v, %v; want an ErrBadValue", c.typ, c.v.String(), got, err)
		}
	}
}

// The arena's strings are copies, intact after their source changes,
// after the blocks fill up and through garbage collections.
func TestStringArena(t *testing.T) {
	var a stringArena
	slots := make([]any, 5000)
	want := make([]string, len(slots))
	for i := range slots {
		want[i] = fmt.Sprintf("value-%d", i)
		switch i % 1000 {
		case 999:
			want[i] = string(make([]byte, stringArenaMax+1)) // its own allocation
		case 500:
			want[i] = ""
		}
		b := []byte(want[i])
		a.add(b, &slots[i])
		clear(b) // the arena must have copied it
	}
	a = stringArena{}
	runtime.GC()
	for i := range slots {
		if slots[i] != want[i] {
			t.Fatalf("slot %d = %#v, want %q", i, slots[i], want[i])
		}
	}
}

// BenchmarkDecodeSnapshotRow decodes the row of BenchmarkSnapshot's table
// as go-mysql's client hands it over, through decodeFieldValue (what the
// snapshot does), as go-sql-driver hands it over, through decodeDriverValue
// (what it did through database/sql), and through decodeText of every
// value's text (what it did before, through sql.RawBytes). The driver's
// values come boxed already: their allocations were the driver's, and
// BenchmarkSelectChunk measures them.
func BenchmarkDecodeSnapshotRow(b *testing.B) {
	types := []string{"bigint", "int", "int", "varchar(32)", "varchar(64)", "varchar(128)", "decimal(12,2)", "datetime", "datetime(3)"}
	cols := make([]cdc.Column, len(types))
	for i, s := range types {
		typ, err := cdc.ParseColumnType(s, "utf8mb4")
		if err != nil {
			b.Fatal(err)
		}
		cols[i] = cdc.Column{Name: fmt.Sprint("c", i), Type: typ}
	}
	vals := []driver.Value{int64(1234567), int64(34567), int64(7), []byte("SKU-00012345"), []byte("Shanghai"),
		[]byte("deliver to door 1234567"), []byte("12345.67"), []byte("2024-01-15 06:56:07"), []byte("2024-06-15 06:56:07.123")}
	texts := make([][]byte, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case int64:
			texts[i] = strconv.AppendInt(nil, x, 10)
		case []byte:
			texts[i] = x
		}
	}
	b.Run("driver-values", func(b *testing.B) {
		b.ReportAllocs()
		var strs typedArena
		row := make(cdc.Row, len(cols))
		for range b.N {
			for i := range cols {
				if err := decodeDriverValue(&cols[i], vals[i], &strs, &row[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	fields := make([]gomysql.FieldValue, len(vals))
	for i, v := range vals {
		fields[i] = fieldValue(types[i], v)
	}
	b.Run("field-values", func(b *testing.B) {
		b.ReportAllocs()
		var strs typedArena
		row := make(cdc.Row, len(cols))
		for range b.N {
			for i := range cols {
				if err := decodeFieldValue(&cols[i], &fields[i], &strs, &row[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("text-into", func(b *testing.B) {
		b.ReportAllocs()
		var strs stringArena
		row := make(cdc.Row, len(cols))
		for range b.N {
			for i := range cols {
				if err := decodeTextInto(&cols[i], texts[i], &strs, &row[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		row := make(cdc.Row, len(cols))
		for range b.N {
			for i := range cols {
				v, err := decodeText(&cols[i], texts[i], nil)
				if err != nil {
					b.Fatal(err)
				}
				row[i] = v
			}
		}
	})
}

// An interface made by valueSlab.box holds the same value as an ordinary
// conversion, stays intact when its slab is the only thing holding it
// through garbage collections, and is independent of the values boxed after
// it.
func TestValueSlab(t *testing.T) {
	var times valueSlab[time.Time]
	var decimals valueSlab[decimal.Decimal]
	var strs valueSlab[string]
	var ints valueSlab[int64]
	var uints valueSlab[uint64]
	var floats valueSlab[float64]
	var float32s valueSlab[float32]
	n := 3*valueSlabLen + 7
	boxed := make([][7]any, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		boxed[i] = [7]any{times.box(base.Add(time.Duration(i) * time.Millisecond)),
			decimals.box(decimal.New(int64(i)*101, -2)), strs.box(fmt.Sprint("value ", i)),
			ints.box(int64(i) - 300), uints.box(uint64(i) << 40), floats.box(float64(i) / 3), float32s.box(float32(i) / 7)}
	}
	times, decimals, strs = valueSlab[time.Time]{}, valueSlab[decimal.Decimal]{}, valueSlab[string]{}
	ints, uints, floats, float32s = valueSlab[int64]{}, valueSlab[uint64]{}, valueSlab[float64]{}, valueSlab[float32]{}
	runtime.GC()
	runtime.GC()
	for i, b := range boxed {
		want := [7]any{base.Add(time.Duration(i) * time.Millisecond), decimal.New(int64(i)*101, -2), fmt.Sprint("value ", i),
			int64(i) - 300, uint64(i) << 40, float64(i) / 3, float32(i) / 7}
		if !reflect.DeepEqual(b, want) {
			t.Fatalf("value %d: boxed %#v, want %#v", i, b, want)
		}
		for j := range b {
			if j != 1 && b[j] != want[j] {
				t.Fatalf("value %d: boxed interface %d (%T) does not compare equal to an ordinary one", i, j, b[j])
			}
		}
		if _, ok := b[1].(decimal.Decimal); !ok {
			t.Fatalf("value %d: %T, want decimal.Decimal", i, b[1])
		}
	}
}

// TestDecodeSnapshotRowAllocations guards the snapshot's decoding: a row of
// BenchmarkDecodeSnapshotRow's columns (integers, three strings, a DECIMAL,
// a DATETIME and a DATETIME(3)) costs no allocation of its own, whether
// its values come as text (what the snapshot reads), from go-mysql's
// client or from go-sql-driver (the baselines): strings, times, decimals
// and numbers are boxed in slabs or blocks, an allocation shared by 256
// values or more.
func TestDecodeSnapshotRowAllocations(t *testing.T) {
	types := []string{"bigint", "int", "varchar(32)", "varchar(64)", "varchar(128)", "decimal(12,2)", "datetime", "datetime(3)"}
	vals := []driver.Value{int64(1234567), int64(34567), []byte("SKU-00012345"), []byte("Shanghai"),
		[]byte("deliver to door 1234567"), []byte("12345.67"), []byte("2024-01-15 06:56:07"), []byte("2024-06-15 06:56:07.123")}
	cols := make([]cdc.Column, len(types))
	fields := make([]gomysql.FieldValue, len(types))
	for i, s := range types {
		typ, err := cdc.ParseColumnType(s, "utf8mb4")
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = cdc.Column{Name: fmt.Sprint("c", i), Type: typ}
		fields[i] = fieldValue(s, vals[i])
	}
	texts := make([][]byte, len(vals))
	for i, v := range vals {
		if x, ok := v.(int64); ok {
			texts[i] = strconv.AppendInt(nil, x, 10)
		} else {
			texts[i] = v.([]byte)
		}
	}
	const rows = 1024
	for _, path := range []string{"text-into", "field-values", "driver-values"} {
		var strs stringArena
		var typed typedArena
		slab := make([]any, len(cols)*rows)
		perRun := testing.AllocsPerRun(20, func() {
			for r := range rows {
				row := slab[r*len(cols) : (r+1)*len(cols)]
				for i := range cols {
					var err error
					switch path {
					case "text-into":
						err = decodeTextInto(&cols[i], texts[i], &strs, &row[i])
					case "field-values":
						err = decodeFieldValue(&cols[i], &fields[i], &typed, &row[i])
					default:
						err = decodeDriverValue(&cols[i], vals[i], &typed, &row[i])
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
		})
		perRow := perRun / rows
		t.Logf("%s: %.3f allocations per row", path, perRow)
		if perRow > 0.1 {
			t.Errorf("%s: decoding a snapshot row costs %.3f allocations, want at most 0.1", path, perRow)
		}
	}
}

// The decimals of bigIntSlab are decimal.New's, field for field, and this
// platform takes its fast path.
func TestBigIntSlabMatchesDecimalNew(t *testing.T) {
	if !decimalLayoutMatches {
		t.Fatal("decimal.Decimal's layout is not decimalFields: bigIntSlab falls back to decimal.New (update decimalFields)")
	}
	var s bigIntSlab
	ns := []int64{0, 1, -1, 7, -7, 1234567, -1234567, 999999999999999999, -999999999999999999, math.MaxInt64, math.MinInt64 + 1}
	for i := range 3 * valueSlabLen {
		ns = append(ns, int64(i*i*7919)-1<<20)
	}
	made := make([]decimal.Decimal, 0, len(ns)*3)
	var want []decimal.Decimal
	for _, n := range ns {
		for _, exp := range []int32{0, -2, -18} {
			made = append(made, s.decimal(n, exp))
			want = append(want, decimal.New(n, exp))
		}
	}
	s = bigIntSlab{}
	runtime.GC()
	for i := range made {
		if !reflect.DeepEqual(made[i], want[i]) {
			t.Fatalf("bigIntSlab.decimal = %#v, decimal.New = %#v", made[i], want[i])
		}
		if made[i].String() != want[i].String() {
			t.Fatalf("bigIntSlab.decimal prints %s, decimal.New %s", made[i], want[i])
		}
	}
}

// decodeTextInto gives decodeText's values, of the same types, for every
// kind and for the texts its shortcuts leave to decodeText (numbers too
// long for them, signs, bad values with decodeText's error); its values are
// copies, intact after the text changes, after the arena is dropped and
// through garbage collections.
func TestDecodeTextIntoMatchesDecodeText(t *testing.T) {
	cases := []struct{ typ, text string }{
		{"int", "-42"}, {"int", "0"}, {"int", "+5"}, {"int", "x"}, {"int", ""},
		{"bigint", "-9223372036854775808"}, {"bigint", "9223372036854775807"}, {"bigint", "123456789012345678"},
		{"bigint", "-123456789012345678"}, {"bigint", "1234567890123456789"}, {"bigint", "9223372036854775808"},
		{"bigint unsigned", "18446744073709551615"}, {"bigint unsigned", "1234567890123456789"}, {"bigint unsigned", "-1"},
		{"bigint unsigned", "18446744073709551616"}, {"tinyint unsigned", "255"}, {"year", "2024"}, {"year", "0"},
		{"double", "3.141592653589793"}, {"double", "-5e-324"}, {"double", "1e308"}, {"double", "-0"}, {"double", "nope"},
		{"float", "3.1415927410125732"}, {"float", "16777216"}, {"float", "-1.5e-45"},
		{"decimal(12,2)", "-1234.50"}, {"decimal(12,2)", "0.00"}, {"decimal(12,2)", "-0.01"}, {"decimal(10,0)", "0"},
		{"decimal(20,0)", "999999999999999999"}, {"decimal(20,0)", "-999999999999999999"}, {"decimal(20,0)", "9999999999999999999"},
		{"decimal(65,30)", "12345678901234567890123456789012345.123456789012345678901234567890"}, {"decimal(5,2)", "1.2.3"},
		{"varchar(20)", "héllo"}, {"varchar(20)", ""}, {"char(3)", "abc"}, {"text", strings.Repeat("long ", 200)},
		{"enum('a','b')", "b"}, {"set('a','b')", "a,b"}, {"varbinary(4)", "\x00\x01"}, {"blob", ""},
		{"datetime", "2024-02-29 23:59:59"}, {"datetime(3)", "2024-06-15 06:56:07.123"}, {"datetime", "0000-00-00 00:00:00"},
		{"datetime(6)", "9999-12-31 23:59:59.999999"}, {"datetime", "0001-01-01 00:00:00"}, {"date", "2023-02-29"},
		{"date", "1000-01-01"}, {"timestamp(6)", "1970-01-01 00:00:01.000001"}, {"timestamp", "0000-00-00 00:00:00"},
		{"datetime", "2024-13-01 00:00:00"}, {"datetime", "garbage"}, {"time", "-838:59:59"}, {"bit(9)", "\x01\xff"},
		{"json", `{"a": [1, 2.0]}`},
	}
	var strs stringArena
	got := make([]any, len(cases))
	want := make([]any, len(cases))
	for i, c := range cases {
		typ, err := cdc.ParseColumnType(c.typ, "utf8mb4")
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		col := &cdc.Column{Name: "c", Type: typ}
		var wantErr error
		want[i], wantErr = decodeText(col, []byte(c.text), time.UTC)
		raw := []byte(c.text)
		err = decodeTextInto(col, raw, &strs, &got[i])
		clear(raw) // the value must have been copied: the text is the reader's buffer
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("%s %q: error %v, decodeText's %v", c.typ, c.text, err, wantErr)
		}
	}
	strs = stringArena{}
	runtime.GC()
	runtime.GC()
	for i, c := range cases {
		if !reflect.DeepEqual(got[i], want[i]) || reflect.TypeOf(got[i]) != reflect.TypeOf(want[i]) {
			t.Errorf("%s %q: decodeTextInto = %#v, decodeText = %#v", c.typ, c.text, got[i], want[i])
		}
		if d, ok := want[i].(decimal.Decimal); ok && got[i].(decimal.Decimal).String() != d.String() {
			t.Errorf("%s %q: decodeTextInto prints %s, decodeText %s", c.typ, c.text, got[i], d)
		}
	}
	// NULL is nil, whatever the kind.
	for _, typ := range []string{"varchar(4)", "int", "datetime", "decimal(4,2)"} {
		ct, _ := cdc.ParseColumnType(typ, "utf8mb4")
		v := any("stale")
		if err := decodeTextInto(&cdc.Column{Name: "c", Type: ct}, nil, &strs, &v); err != nil || v != nil {
			t.Errorf("%s NULL: %#v, %v", typ, v, err)
		}
	}
}

// The cells the arena boxes strings, times and decimals in hold the values
// an ordinary conversion would, compare equal to them, stay intact when
// the cells are the only thing holding them through garbage collections
// (values copied out of their interfaces too), and this platform takes the
// cells' path.
func TestArenaCells(t *testing.T) {
	if !timeLayoutMatches || !decimalCellLayoutFits {
		t.Fatalf("time.Time's layout matches timeCell: %v; decimal.Decimal's and big.Int's match decimalCell: %v (update the cells)",
			timeLayoutMatches, decimalCellLayoutFits)
	}
	var a stringArena
	n := 3*valueSlabLen + 7
	boxed := make([][3]any, n)
	copied := make([]decimal.Decimal, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ns := func(i int) int64 { return int64(i*i*7919) - 1<<20 }
	for i := range n {
		a.add(fmt.Appendf(nil, "value %d", i), &boxed[i][0])
		boxed[i][1] = a.times.box(base.Add(time.Duration(i) * 1234567 * time.Microsecond))
		boxed[i][2] = a.decimals.box(ns(i), int32(-i%19))
		copied[i] = a.decimals.box(-ns(i), -2).(decimal.Decimal)
	}
	a = stringArena{}
	runtime.GC()
	runtime.GC()
	for i, b := range boxed {
		want := [3]any{fmt.Sprintf("value %d", i), base.Add(time.Duration(i) * 1234567 * time.Microsecond), decimal.New(ns(i), int32(-i%19))}
		if !reflect.DeepEqual(b, want) || b[0] != want[0] || b[1] != want[1] {
			t.Fatalf("value %d: boxed %#v, want %#v", i, b, want)
		}
		if b[2].(decimal.Decimal).String() != want[2].(decimal.Decimal).String() {
			t.Fatalf("value %d: decimal prints %s, want %s", i, b[2], want[2])
		}
		if w := decimal.New(-ns(i), -2); !reflect.DeepEqual(copied[i], w) || copied[i].String() != w.String() {
			t.Fatalf("value %d: copied decimal %#v, want %#v", i, copied[i], w)
		}
	}
	// Zero, the extremes, and a time outside UTC (boxed as usual).
	for _, n := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64 + 1} {
		if got, want := a.decimals.box(n, -3), decimal.New(n, -3); !reflect.DeepEqual(got, any(want)) || got.(decimal.Decimal).String() != want.String() {
			t.Errorf("decimal %d: %#v, want %#v", n, got, want)
		}
	}
	zone := time.FixedZone("x", 3600)
	if got := a.times.box(base.In(zone)); got.(time.Time).Location() != zone || !got.(time.Time).Equal(base) {
		t.Errorf("a time in %s boxed as %v", zone, got)
	}
}

// dateTime.utc is time.Date in UTC, the same time.Time (==), for every day
// of years 0 to 9999 and times across the day.
func TestDateTimeUTCMatchesTimeDate(t *testing.T) {
	times := [][4]int{{0, 0, 0, 0}, {23, 59, 59, 999999}, {12, 34, 56, 789012}, {1, 0, 0, 1}}
	day := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; day.Year() < 10000; i++ {
		hms := times[i%len(times)]
		dt := dateTime{year: day.Year(), month: int(day.Month()), day: day.Day(), hour: hms[0], minute: hms[1], second: hms[2], micro: hms[3]}
		if got, want := dt.utc(), dt.time(time.UTC); got != want {
			t.Fatalf("%+v: utc() = %v (%#v), time.Date = %v (%#v)", dt, got, got, want, want)
		}
		day = day.AddDate(0, 0, 1)
	}
}
