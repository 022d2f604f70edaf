package phoenix_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
)

// The table of the package documentation, checked row by row.
func TestPhoenixTypeOfEveryKind(t *testing.T) {
	t.Parallel()
	cases := []struct{ mysql, typed string }{
		{"tinyint", "TINYINT"},
		{"tinyint unsigned", "SMALLINT"},
		{"smallint", "SMALLINT"},
		{"smallint unsigned", "INTEGER"},
		{"mediumint", "INTEGER"},
		{"mediumint unsigned", "INTEGER"},
		{"int", "INTEGER"},
		{"int unsigned", "BIGINT"},
		{"bigint", "BIGINT"},
		{"bigint unsigned", "DECIMAL(20,0)"},
		{"decimal(10,2)", "DECIMAL(10,2)"},
		{"decimal(38,10)", "DECIMAL(38,10)"},
		{"float", "FLOAT"},
		{"double", "DOUBLE"},
		{"bit(1)", "BIGINT"},
		{"bit(64)", "DECIMAL(20,0)"},
		{"year", "SMALLINT"},
		{"date", "DATE"},
		{"time(3)", "BIGINT"},
		{"datetime(6)", "TIMESTAMP"},
		{"timestamp", "TIMESTAMP"},
		{"char(4)", "VARCHAR"},
		{"varchar(255)", "VARCHAR"},
		{"tinytext", "VARCHAR"},
		{"text", "VARCHAR"},
		{"mediumtext", "VARCHAR"},
		{"longtext", "VARCHAR"},
		{"enum('a','b')", "VARCHAR"},
		{"set('a','b')", "VARCHAR"},
		{"json", "VARCHAR"},
		{"binary(16)", "BINARY(16)"},
		{"varbinary(16)", "VARBINARY"},
		{"tinyblob", "VARBINARY"},
		{"blob", "VARBINARY"},
		{"mediumblob", "VARBINARY"},
		{"longblob", "VARBINARY"},
		{"geometry", "VARBINARY"},
	}
	for _, c := range cases {
		ct := mustType(t, c.mysql)
		got, err := phoenix.PhoenixType(ct, phoenix.LayoutTyped)
		if err != nil || got != c.typed {
			t.Errorf("%s: %q, %v; want %s", c.mysql, got, err, c.typed)
		}
		if got, err := phoenix.PhoenixType(ct, phoenix.LayoutAllVarchar); err != nil || got != "VARCHAR" {
			t.Errorf("%s all-varchar: %q, %v", c.mysql, got, err)
		}
	}
}

func TestTypeThatCannotBeMapped(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"decimal(65,30)", "vector(3)"} {
		s := &cdc.TableSchema{
			Table:      cdc.TableID{Database: "gmall", Table: "t"},
			Columns:    []cdc.Column{{Name: "id", Type: mustType(t, "int")}, {Name: "wide", Type: mustType(t, raw)}},
			PrimaryKey: []string{"id"},
		}
		_, err := phoenix.CreateTableSQL(s, phoenix.TableOptions{})
		var ue *phoenix.UnmappableTypeError
		if !errors.Is(err, phoenix.ErrUnmappableType) || !errors.As(err, &ue) || ue.Column != "wide" {
			t.Fatalf("%s: %v, want an UnmappableTypeError naming the column", raw, err)
		}
		if !strings.Contains(err.Error(), "gmall.t.wide") || !strings.Contains(err.Error(), "LayoutAllVarchar") {
			t.Errorf("%s: the error should name the column and the fix: %v", raw, err)
		}
		if _, err := phoenix.CreateTableSQL(s, phoenix.TableOptions{Layout: phoenix.LayoutAllVarchar}); err != nil {
			t.Errorf("%s in the all-VARCHAR layout: %v", raw, err)
		}
	}
	unknown := cdc.ColumnType{Kind: cdc.KindUnknown}
	if _, err := phoenix.PhoenixType(unknown, phoenix.LayoutTyped); !errors.Is(err, phoenix.ErrUnmappableType) {
		t.Errorf("unknown kind: %v", err)
	}
}
