package phoenix_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

func TestCreateTableSQLWithOptions(t *testing.T) {
	t.Parallel()
	s := &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall", Table: "order_detail"},
		Columns: []cdc.Column{
			{Name: "order_id", Type: mustType(t, "bigint")},
			{Name: "sku_id", Type: mustType(t, "bigint")},
			{Name: "sku_name", Type: mustType(t, "varchar(200)"), Nullable: true},
			{Name: "order_price", Type: mustType(t, "decimal(10,2)"), Nullable: true},
		},
		PrimaryKey: []string{"order_id", "sku_id"},
	}
	got, err := phoenix.CreateTableSQL(s, phoenix.TableOptions{
		Schema:       "GMALL_REALTIME",
		TableName:    func(id cdc.TableID) string { return "dim_" + id.Table },
		ColumnFamily: "info",
		SaltBuckets:  4,
		Compression:  "snappy",
		TTL:          7 * 24 * time.Hour,
		Versions:     1,
		Properties:   map[string]string{"DATA_BLOCK_ENCODING": "FAST_DIFF", "DISABLE_WAL": "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `CREATE TABLE IF NOT EXISTS "GMALL_REALTIME"."dim_order_detail" (` +
		`"order_id" BIGINT NOT NULL, "sku_id" BIGINT NOT NULL, "info"."sku_name" VARCHAR, "info"."order_price" DECIMAL(10,2), ` +
		`CONSTRAINT "pk" PRIMARY KEY ("order_id", "sku_id")) ` +
		`SALT_BUCKETS=4, COMPRESSION='SNAPPY', TTL=604800, VERSIONS=1, DATA_BLOCK_ENCODING='FAST_DIFF', DISABLE_WAL=true`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableOptionsErrorsNameEveryField(t *testing.T) {
	t.Parallel()
	_, err := phoenix.CreateTableSQL(userInfo(t), phoenix.TableOptions{
		Schema: "bad schema", SaltBuckets: 300, Compression: "brotli", TTL: 1500 * time.Millisecond,
		Properties: map[string]string{"TTL": "5"},
	})
	if !errors.Is(err, phoenix.ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, field := range []string{"Schema", "SaltBuckets = 300", "Compression = \"brotli\"", "TTL = 1.5s", "Properties = \"TTL\""} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error lacks %q:\n%v", field, err)
		}
	}
}

func TestTableWithoutPrimaryKey(t *testing.T) {
	t.Parallel()
	s := userInfo(t)
	noKey := *s
	noKey.PrimaryKey = nil
	if _, err := phoenix.CreateTableSQL(&noKey, phoenix.TableOptions{}); err == nil || !strings.Contains(err.Error(), "no primary key") {
		t.Fatalf("err = %v", err)
	}
}

// Names Phoenix would upper-case or reject unquoted reach the server as
// written: the fake, like Phoenix, upper-cases unquoted identifiers, so an
// unquoted name would land in another table.
func TestTableNameThatNeedsQuoting(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall", Table: "order"},
		Columns: []cdc.Column{
			{Name: "id", Type: mustType(t, "int")},
			{Name: "select", Type: mustType(t, "varchar(10)"), Nullable: true},
			{Name: "Mixed Case", Type: mustType(t, "varchar(10)"), Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{TableOptions: phoenix.TableOptions{
		TableName: func(id cdc.TableID) string { return "dim-" + id.Table }}})
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, s, nil, cdc.Row{int64(1), "x", "y"})}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rows, ok := srv.Rows("", "dim-order")
	if !ok || len(rows) != 1 || rows[0]["select"] != "x" || rows[0]["Mixed Case"] != "y" {
		t.Fatalf("rows of \"dim-order\" = %v (exists %v)", rows, ok)
	}

	// A name HBase cannot hold is refused before any I/O, naming the fix.
	bad, _ := phoenix.NewSink(client, phoenix.SinkConfig{TableOptions: phoenix.TableOptions{
		TableName: func(id cdc.TableID) string { return "dim " + id.Table }}})
	before := len(srv.Calls())
	err := bad.HandleEvents(ctx, []cdc.Event{event(cdc.OpCreate, s, nil, cdc.Row{int64(1), "x", "y"})})
	if err == nil || !strings.Contains(err.Error(), `"dim order"`) || !strings.Contains(err.Error(), "TableName") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Calls()) != before {
		t.Fatal("a bad table name reached the server")
	}
	if got := (phoenix.TableRef{Schema: "GMALL", Table: "dim_user"}).String(); got != `"GMALL"."dim_user"` {
		t.Errorf("TableRef.String = %s", got)
	}
}

func TestNamespaceMapping(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{NamespaceMapping: true, MapSystemTablesToNamespace: true})
	ctx := ctxT(t)
	s := userInfo(t)
	opts := phoenix.TableOptions{Schema: "GMALL_REALTIME"}
	// Phoenix wants the schema (an HBase namespace) to exist first.
	if _, err := client.CreateTable(ctx, s, opts); !phoenix.IsCode(err, phoenix.CodeSchemaNotFound) {
		t.Fatalf("CreateTable before CreateSchema = %v, want ERROR 722", err)
	}
	if err := client.CreateSchema(ctx, "GMALL_REALTIME"); err != nil {
		t.Fatal(err)
	}
	ref, err := client.CreateTable(ctx, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.HBaseName(true); got != "GMALL_REALTIME:user_info" {
		t.Errorf("HBase name = %s", got)
	}
	if _, _, _, ok := srv.DDL("GMALL_REALTIME", "user_info"); !ok {
		t.Fatal("table not created in the schema")
	}

	// A client whose properties differ from the server's is refused, with
	// Phoenix's error.
	cfg := phoenix.DefaultConfig(srv.URL())
	off, _ := phoenix.Open(cfg)
	defer off.Close()
	err = off.Ping(ctx)
	var pe *phoenix.Error
	if !errors.As(err, &pe) || pe.Code != phoenix.CodeInconsistentMapping || pe.SQLState != "43M10" {
		t.Fatalf("Ping with mapping off against a server with it on = %v", err)
	}
	// And CREATE SCHEMA without namespace mapping fails before any I/O.
	if err := off.CreateSchema(ctx, "X"); !errors.Is(err, phoenix.ErrInvalidConfig) || !strings.Contains(err.Error(), "NamespaceMapping") {
		t.Fatalf("CreateSchema without mapping = %v", err)
	}
}
