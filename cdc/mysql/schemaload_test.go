package mysql

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestLoadTableSchemas(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		src.Exec(t,
			"CREATE TABLE orders (b INT NOT NULL, a VARCHAR(20) CHARACTER SET latin1 NOT NULL, note TEXT, doc JSON, "+
				"big BIGINT UNSIGNED, amount DECIMAL(65,30), `odd``name` ENUM('x','y''z') NOT NULL, plain LONGTEXT, "+
				"PRIMARY KEY (a, b))",
			"CREATE TABLE nokey (v INT)",
			"CREATE VIEW orders_view AS SELECT b, a FROM orders",
		)
		ctx := context.Background()
		orders := cdc.TableID{Database: src.Database, Table: "orders"}
		nokey := cdc.TableID{Database: src.Database, Table: "nokey"}
		got, err := LoadTableSchemas(ctx, src.DB, []cdc.TableID{orders, nokey, orders})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("got %d schemas, want 2", len(got))
		}
		s := got[orders]
		if s.Table != orders {
			t.Errorf("Table = %v", s.Table)
		}
		var names []string
		var kinds []cdc.Kind
		for _, c := range s.Columns {
			names = append(names, c.Name)
			kinds = append(kinds, c.Type.Kind)
		}
		wantNames := []string{"b", "a", "note", "doc", "big", "amount", "odd`name", "plain"}
		wantKinds := []cdc.Kind{cdc.KindInt, cdc.KindVarChar, cdc.KindText, cdc.KindJSON, cdc.KindBigInt, cdc.KindDecimal, cdc.KindEnum, cdc.KindLongText}
		if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(kinds, wantKinds) {
			t.Errorf("columns %q %v, want %q %v", names, kinds, wantNames, wantKinds)
		}
		if !reflect.DeepEqual(s.PrimaryKey, []string{"a", "b"}) {
			t.Errorf("PrimaryKey = %q, want [a b]", s.PrimaryKey)
		}
		if c := s.Columns[1]; c.Nullable || c.Type.Charset != "latin1" || c.Type.Length != 20 {
			t.Errorf("column a = %+v", c)
		}
		if c := s.Columns[2]; !c.Nullable || c.Type.Charset != "utf8mb4" {
			t.Errorf("column note = %+v", c)
		}
		if c := s.Columns[4]; !c.Type.Unsigned {
			t.Errorf("column big = %+v", c)
		}
		if c := s.Columns[5]; c.Type.Precision != 65 || c.Type.Scale != 30 {
			t.Errorf("column amount = %+v", c)
		}
		if c := s.Columns[6]; !reflect.DeepEqual(c.Type.Elements, []string{"x", "y'z"}) {
			t.Errorf("column odd`name = %+v", c)
		}
		if pk := got[nokey].PrimaryKey; len(pk) != 0 {
			t.Errorf("nokey PrimaryKey = %q", pk)
		}

		// Unknown tables and views fail, naming each.
		ghost := cdc.TableID{Database: src.Database, Table: "ghost"}
		view := cdc.TableID{Database: src.Database, Table: "orders_view"}
		otherDB := cdc.TableID{Database: "rtdw_no_such_db", Table: "orders"}
		_, err = LoadTableSchemas(ctx, src.DB, []cdc.TableID{orders, ghost, view, otherDB})
		var nf *TableNotFoundError
		if !errors.Is(err, ErrTableNotFound) || !errors.As(err, &nf) {
			t.Fatalf("err = %v, want ErrTableNotFound", err)
		}
		if !reflect.DeepEqual(nf.Tables, []cdc.TableID{ghost, view, otherDB}) {
			t.Errorf("missing = %v", nf.Tables)
		}
		for _, name := range []string{ghost.String(), view.String(), otherDB.String()} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %s", err, name)
			}
		}

		// A value that looks like SQL is bound, not concatenated.
		_, err = LoadTableSchemas(ctx, src.DB, []cdc.TableID{{Database: src.Database, Table: "x' OR '1'='1"}})
		if !errors.Is(err, ErrTableNotFound) {
			t.Errorf("injection attempt: err = %v, want ErrTableNotFound", err)
		}

		tables, err := ListTables(ctx, src.DB, []string{src.Database, "rtdw_no_such_db"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tables, []cdc.TableID{nokey, orders}) {
			t.Errorf("ListTables = %v, want [nokey orders] (no views)", tables)
		}
	})
}

func TestLoadTableSchemasUnsupportedType(t *testing.T) {
	src := testenv.NewSource(t, testenv.MariaDB)
	src.Exec(t, "CREATE TABLE u (id INT PRIMARY KEY, u UUID)")
	_, err := LoadTableSchemas(context.Background(), src.DB, []cdc.TableID{{Database: src.Database, Table: "u"}})
	var le *SchemaLoadError
	if !errors.Is(err, cdc.ErrUnsupportedType) || !errors.As(err, &le) || le.Column != "u" {
		t.Fatalf("err = %v, want ErrUnsupportedType naming column u", err)
	}
}

func TestIsJSONValidCheck(t *testing.T) {
	for _, tt := range []struct {
		clause, col string
		want        bool
	}{
		{"json_valid(`doc`)", "doc", true},
		{"(JSON_VALID(`doc`))", "doc", true},
		{"json_valid(`doc`)", "other", false},
		{"json_valid(`a``b`)", "a`b", true},
		{"json_valid(`doc`) and `x` > 0", "doc", false},
		{"`m` > 0", "m", false},
	} {
		if got := isJSONValidCheck(tt.clause, tt.col); got != tt.want {
			t.Errorf("isJSONValidCheck(%q, %q) = %v", tt.clause, tt.col, got)
		}
	}
}
