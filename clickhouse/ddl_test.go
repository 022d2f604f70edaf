package clickhouse

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestCreateTableSQLGolden(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version string
		opts    MappingOptions
	}{
		{"create_18.16.sql", "18.16.1", MappingOptions{}},
		{"create_18.16_dates_as_text.sql", "18.16.1", MappingOptions{DatesAsText: true}},
		{"create_20.3.sql", "20.3.21", MappingOptions{}},
		{"create_24.8.sql", "24.8.4.13", MappingOptions{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			v, err := ParseServerVersion(tc.version)
			if err != nil {
				t.Fatal(err)
			}
			q, err := CreateTableSQL(allTypesSchema("src db"), "", FeaturesFor(v), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, q+"\n")
		})
	}
}

func TestModernFeaturesReachTheDDL(t *testing.T) {
	modern := FeaturesFor(ServerVersion{Major: 24, Minor: 8})
	old := FeaturesFor(ServerVersion{Major: 18, Minor: 16, Patch: 1})
	q, _ := CreateTableSQL(allTypesSchema("db"), "target", modern, MappingOptions{})
	for _, want := range []string{
		"ReplacingMergeTree(`_version`, `_is_deleted`)",
		"`dtm6` Nullable(DateTime64(6, 'UTC'))",
		"`e` LowCardinality(Nullable(String))",
		"`bit1` Nullable(Bool)",
		"`dec65_30` Nullable(Decimal(65, 30))",
		"CREATE TABLE IF NOT EXISTS `target`.`all \\`types\\` \\\\ table`",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("modern DDL lacks %s:\n%s", want, q)
		}
	}
	q, _ = CreateTableSQL(allTypesSchema("db"), "", old, MappingOptions{})
	for _, want := range []string{
		"ENGINE = ReplacingMergeTree(`_version`)\n",
		"`dtm6` Nullable(String)",
		"`dtm0` Nullable(DateTime('UTC'))",
		"`e` Nullable(String)",
		"`bit1` Nullable(UInt64)",
		"`dec65_30` Nullable(String)",
		"`dec38_10` Nullable(Decimal(38, 10))",
		"`biu` Nullable(UInt64)",
		"ORDER BY (`id`)",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("18.16 DDL lacks %s:\n%s", want, q)
		}
	}
}

func TestFeaturesByVersion(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want Features
	}{
		{"18.16.1", Features{}},
		{"19.3.4", Features{LowCardinality: true}},
		{"20.1.2.4", Features{LowCardinality: true, DateTime64: true}},
		{"20.3.9", Features{LowCardinality: true, DateTime64: true}},
		{"20.4.2", Features{LowCardinality: true, DateTime64: true, RenameColumn: true}},
		{"20.7.1", Features{LowCardinality: true, DateTime64: true, RenameColumn: true, AddColumnFirst: true}},
		{"21.6.1", Features{LowCardinality: true, DateTime64: true, Decimal256: true, RenameColumn: true, AddColumnFirst: true}},
		{"21.12.2.17", Features{LowCardinality: true, DateTime64: true, Decimal256: true, Bool: true, RenameColumn: true, AddColumnFirst: true}},
		{"23.1.9", Features{LowCardinality: true, DateTime64: true, Decimal256: true, Bool: true, RenameColumn: true, AddColumnFirst: true}},
		{"23.2.1", Features{LowCardinality: true, DateTime64: true, Decimal256: true, Bool: true, IsDeleted: true, RenameColumn: true, AddColumnFirst: true}},
		{"25.3.1.2703", Features{LowCardinality: true, DateTime64: true, Decimal256: true, Bool: true, IsDeleted: true, RenameColumn: true, AddColumnFirst: true}},
	} {
		v, err := ParseServerVersion(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		got := FeaturesFor(v)
		tc.want.Version = v
		if got != tc.want {
			t.Errorf("FeaturesFor(%s) = %+v, want %+v", tc.v, got, tc.want)
		}
	}
	for _, bad := range []string{"", "18", "x.y", "18.-1"} {
		if _, err := ParseServerVersion(bad); err == nil {
			t.Errorf("ParseServerVersion(%q): want an error", bad)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"plain":    "`plain`",
		"a`b":      "`a\\`b`",
		`back\sl`:  "`back\\\\sl`",
		"sp ace.x": "`sp ace.x`",
		"ü名":       "`ü名`",
		"":         "``",
	} {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMappingErrorsNameTableColumnAndType(t *testing.T) {
	id := cdc.TableID{Database: "shop", Table: "orders"}
	schema := &cdc.TableSchema{Table: id, Columns: []cdc.Column{
		{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}},
		{Name: "mystery", Type: cdc.ColumnType{Kind: cdc.KindUnknown, Raw: "foo(3)"}},
		{Name: "emb", Type: cdc.ColumnType{Kind: cdc.KindVector, Raw: "vector(3)"}, Nullable: true},
		{Name: "_version", Type: cdc.ColumnType{Kind: cdc.KindInt, Raw: "int"}},
	}, PrimaryKey: []string{"id"}}
	_, err := CreateTableSQL(schema, "", Features{}, MappingOptions{})
	if !errors.Is(err, ErrUnsupportedType) || !errors.Is(err, ErrReservedColumn) {
		t.Fatalf("want ErrUnsupportedType and ErrReservedColumn, got %v", err)
	}
	for _, want := range []string{"shop.orders", `"mystery"`, "foo(3)", `"emb"`, "vector(3)", `"_version"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	var me *MappingError
	if !errors.As(err, &me) || me.Table != id {
		t.Errorf("errors.As MappingError: %v", err)
	}
	noPK := &cdc.TableSchema{Table: id, Columns: []cdc.Column{{Name: "a", Type: cdc.ColumnType{Kind: cdc.KindInt}}}}
	if _, err := CreateTableSQL(noPK, "", Features{}, MappingOptions{}); !errors.Is(err, ErrNoPrimaryKey) {
		t.Errorf("table without primary key: %v", err)
	}
}

func TestSinkConfigValidationListsEveryField(t *testing.T) {
	c := &Client{}
	cfg := SinkConfig{MaxRows: -1, MaxBytes: -2, Retry: RetryPolicy{MaxAttempts: -3, MinBackoff: 10, MaxBackoff: 5}}
	_, err := NewSink(c, cfg)
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 4 {
		t.Fatalf("want 4 problems, got %v", err)
	}
	for _, f := range []string{"MaxRows", "MaxBytes", "Retry.MaxAttempts", "Retry.MinBackoff"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error lacks %s: %v", f, err)
		}
	}
	var zero SinkConfig
	s, err := NewSink(c, zero)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Config()
	if got.MaxRows != 1<<20 || got.MaxBytes != 4<<20 || got.Retry.MaxAttempts != 5 || got.FlushInterval == 0 {
		t.Errorf("defaults not applied: %+v", got)
	}
	if zero.MaxRows != 0 || zero.Retry.Retryable != nil {
		t.Errorf("NewSink changed the caller's config: %+v", zero)
	}
}

func TestOpenNeverPrintsThePassword(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	for _, dsn := range []string{
		"clickhouse://user:" + pw + "@127.0.0.1:9000/db?dial_timeout=notaduration",
		"clickhouse://user:" + pw + "@[::1:9000/db",
	} {
		c, err := Open(dsn)
		if err == nil {
			c.Close()
			t.Fatalf("Open(%q): want an error", strings.ReplaceAll(dsn, pw, "***"))
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	c, err := Open("clickhouse://user:" + pw + "@127.0.0.1:9/db")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v", c, c)} {
		if strings.Contains(s, pw) {
			t.Errorf("client formats with the password: %s", s)
		}
	}
}
