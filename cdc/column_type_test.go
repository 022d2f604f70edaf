package cdc

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseColumnType(t *testing.T) {
	tests := []struct {
		in      string
		charset string
		want    ColumnType
	}{
		{"tinyint", "", ColumnType{Kind: KindTinyInt}},
		{"tinyint(1)", "", ColumnType{Kind: KindTinyInt, Length: 1}},
		{"tinyint(3) unsigned", "", ColumnType{Kind: KindTinyInt, Unsigned: true, Length: 3}},
		{"smallint(6)", "", ColumnType{Kind: KindSmallInt, Length: 6}},
		{"mediumint unsigned", "", ColumnType{Kind: KindMediumInt, Unsigned: true}},
		{"int", "", ColumnType{Kind: KindInt}},
		{"int(11)", "", ColumnType{Kind: KindInt, Length: 11}},
		{"int(10) unsigned zerofill", "", ColumnType{Kind: KindInt, Unsigned: true, Length: 10}},
		{"INT UNSIGNED", "", ColumnType{Kind: KindInt, Unsigned: true}},
		{"bigint(20) unsigned", "", ColumnType{Kind: KindBigInt, Unsigned: true, Length: 20}},
		{"bigint unsigned", "", ColumnType{Kind: KindBigInt, Unsigned: true}},
		{"decimal(65,30)", "", ColumnType{Kind: KindDecimal, Precision: 65, Scale: 30}},
		{"decimal(10,0) unsigned", "", ColumnType{Kind: KindDecimal, Precision: 10, Unsigned: true}},
		{"decimal", "", ColumnType{Kind: KindDecimal, Precision: 10}},
		{"decimal(5)", "", ColumnType{Kind: KindDecimal, Precision: 5}},
		{"float", "", ColumnType{Kind: KindFloat}},
		{"float(7,4)", "", ColumnType{Kind: KindFloat, Precision: 7, Scale: 4}},
		{"float unsigned", "", ColumnType{Kind: KindFloat, Unsigned: true}},
		{"double", "", ColumnType{Kind: KindDouble}},
		{"double(10,2)", "", ColumnType{Kind: KindDouble, Precision: 10, Scale: 2}},
		{"double precision", "", ColumnType{Kind: KindDouble}},
		{"bit(1)", "", ColumnType{Kind: KindBit, Length: 1}},
		{"bit(64)", "", ColumnType{Kind: KindBit, Length: 64}},
		{"bit", "", ColumnType{Kind: KindBit, Length: 1}},
		{"date", "", ColumnType{Kind: KindDate}},
		{"time", "", ColumnType{Kind: KindTime}},
		{"time(6)", "", ColumnType{Kind: KindTime, FSP: 6}},
		{"datetime(3)", "", ColumnType{Kind: KindDateTime, FSP: 3}},
		{"timestamp(6)", "", ColumnType{Kind: KindTimestamp, FSP: 6}},
		{"timestamp", "", ColumnType{Kind: KindTimestamp}},
		{"year", "", ColumnType{Kind: KindYear}},
		{"year(4)", "", ColumnType{Kind: KindYear}},
		{"char(10)", "utf8mb4", ColumnType{Kind: KindChar, Length: 10, Charset: "utf8mb4"}},
		{"char", "latin1", ColumnType{Kind: KindChar, Length: 1, Charset: "latin1"}},
		{"varchar(255)", "UTF8MB4", ColumnType{Kind: KindVarChar, Length: 255, Charset: "utf8mb4"}},
		{"binary(16)", "", ColumnType{Kind: KindBinary, Length: 16}},
		{"varbinary(10)", "binary", ColumnType{Kind: KindVarBinary, Length: 10}},
		{"tinytext", "utf8mb4", ColumnType{Kind: KindTinyText, Charset: "utf8mb4"}},
		{"text", "utf8mb4", ColumnType{Kind: KindText, Charset: "utf8mb4"}},
		{"mediumtext", "utf8mb4", ColumnType{Kind: KindMediumText, Charset: "utf8mb4"}},
		{"longtext", "utf8mb4", ColumnType{Kind: KindLongText, Charset: "utf8mb4"}},
		{"tinyblob", "", ColumnType{Kind: KindTinyBlob}},
		{"blob", "", ColumnType{Kind: KindBlob}},
		{"mediumblob", "", ColumnType{Kind: KindMediumBlob}},
		{"longblob", "", ColumnType{Kind: KindLongBlob}},
		{"enum('a','b''c')", "utf8mb4", ColumnType{Kind: KindEnum, Elements: []string{"a", "b'c"}, Charset: "utf8mb4"}},
		{"enum('x,y','',' sp ','\\\\')", "utf8mb4", ColumnType{Kind: KindEnum, Elements: []string{"x,y", "", " sp ", "\\"}, Charset: "utf8mb4"}},
		// As MySQL 9.7 and MariaDB 10.11 both report enum('a','b''c','x\\y','q"','tab\tx','nl\nx','z\0z').
		{"enum('a','b''c','x\\\\y','q\"','tab\tx','nl\\nx','z\\0z')", "utf8mb4", ColumnType{Kind: KindEnum,
			Elements: []string{"a", "b'c", "x\\y", "q\"", "tab\tx", "nl\nx", "z\x00z"}, Charset: "utf8mb4"}},
		{"set('r','w','x')", "utf8mb4", ColumnType{Kind: KindSet, Elements: []string{"r", "w", "x"}, Charset: "utf8mb4"}},
		{"enum('é','😀')", "utf8mb4", ColumnType{Kind: KindEnum, Elements: []string{"é", "😀"}, Charset: "utf8mb4"}},
		{"json", "", ColumnType{Kind: KindJSON}},
		{"geometry", "", ColumnType{Kind: KindGeometry}},
		{"point", "", ColumnType{Kind: KindGeometry}},
		{"linestring", "", ColumnType{Kind: KindGeometry}},
		{"polygon", "", ColumnType{Kind: KindGeometry}},
		{"multipoint", "", ColumnType{Kind: KindGeometry}},
		{"multilinestring", "", ColumnType{Kind: KindGeometry}},
		{"multipolygon", "", ColumnType{Kind: KindGeometry}},
		{"geometrycollection", "", ColumnType{Kind: KindGeometry}},
		{"geomcollection", "", ColumnType{Kind: KindGeometry}},
		{"vector(3)", "", ColumnType{Kind: KindVector, Length: 3}},
	}
	for _, tt := range tests {
		got, err := ParseColumnType(tt.in, tt.charset)
		if err != nil {
			t.Errorf("ParseColumnType(%q): %v", tt.in, err)
			continue
		}
		tt.want.Raw = tt.in
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseColumnType(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseColumnTypeErrors(t *testing.T) {
	tests := []struct {
		in          string
		unsupported bool
	}{
		{"", false},
		{"(3)", false},
		{"int(", false},
		{"int(x)", false},
		{"int(1,2)", false},
		{"varchar", false},
		{"varchar(10) unsigned", false},
		{"int unsigned banana", false},
		{"decimal(66,2)", false},
		{"decimal(10,11)", false},
		{"decimal(10,31)", false},
		{"bit(65)", false},
		{"bit(0)", false},
		{"datetime(7)", false},
		{"enum", false},
		{"enum()", false},
		{"enum('a'", false},
		{"enum('a)", false},
		{"enum(a)", false},
		{"enum('a' 'b')", false},
		{"json(1)", false},
		{"int(99999999999999999999)", false},
		{"uuid", true},
		{"inet6", true},
		{"inet4", true},
		{"frobnicate(3)", true},
	}
	for _, tt := range tests {
		_, err := ParseColumnType(tt.in, "")
		if err == nil {
			t.Errorf("ParseColumnType(%q): no error", tt.in)
			continue
		}
		var cte *ColumnTypeError
		if !errors.As(err, &cte) || cte.ColumnType != tt.in {
			t.Errorf("ParseColumnType(%q): error %v is not a *ColumnTypeError naming the input", tt.in, err)
		}
		if got := errors.Is(err, ErrUnsupportedType); got != tt.unsupported {
			t.Errorf("ParseColumnType(%q): errors.Is(err, ErrUnsupportedType) = %v, want %v (err %v)", tt.in, got, tt.unsupported, err)
		}
	}
}

func FuzzParseColumnType(f *testing.F) {
	for _, s := range []string{"int(10) unsigned zerofill", "decimal(65,30)", "enum('a','b''c')", "set('x','y')",
		"varchar(255)", "datetime(6)", "bit(64)", "vector(3)", "double precision", "geomcollection", "year(4)"} {
		f.Add(s, "utf8mb4")
	}
	f.Fuzz(func(t *testing.T, in, charset string) {
		ct, err := ParseColumnType(in, charset)
		if err != nil {
			var cte *ColumnTypeError
			if !errors.As(err, &cte) {
				t.Fatalf("error %T is not a *ColumnTypeError", err)
			}
			return
		}
		if ct.Kind == KindUnknown {
			t.Fatalf("%q parsed with KindUnknown", in)
		}
		if ct.Raw != in {
			t.Fatalf("Raw = %q, want %q", ct.Raw, in)
		}
		if ct.FSP < 0 || ct.FSP > 6 || ct.Scale < 0 || ct.Precision < 0 || ct.Length < 0 {
			t.Fatalf("%q: out of range parameters %+v", in, ct)
		}
		if ct.Kind == KindDecimal && (ct.Precision > 65 || ct.Scale > ct.Precision) {
			t.Fatalf("%q: bad decimal %+v", in, ct)
		}
		if (ct.Kind == KindEnum || ct.Kind == KindSet) != (len(ct.Elements) > 0) {
			t.Fatalf("%q: elements %q for kind %s", in, ct.Elements, ct.Kind)
		}
	})
}
