package phoenix_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

func mustType(t testing.TB, raw string) cdc.ColumnType {
	t.Helper()
	ct, err := cdc.ParseColumnType(raw, "utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// userInfo is gmall's user_info, a typical DIM source.
func userInfo(t testing.TB) *cdc.TableSchema {
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: "gmall", Table: "user_info"},
		Columns: []cdc.Column{
			{Name: "id", Type: mustType(t, "bigint")},
			{Name: "login_name", Type: mustType(t, "varchar(200)"), Nullable: true},
			{Name: "birthday", Type: mustType(t, "date"), Nullable: true},
			{Name: "balance", Type: mustType(t, "decimal(10,2)"), Nullable: true},
			{Name: "create_time", Type: mustType(t, "datetime(3)"), Nullable: true},
			{Name: "user_level", Type: mustType(t, "tinyint unsigned"), Nullable: true},
			{Name: "score", Type: mustType(t, "double"), Nullable: true},
			{Name: "avatar", Type: mustType(t, "blob"), Nullable: true},
		},
		PrimaryKey: []string{"id"},
	}
}

func userRow(id int64, name string) cdc.Row {
	return cdc.Row{
		id, name,
		time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
		decimal.RequireFromString("12.50"),
		time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC),
		uint64(200), 4.5, []byte{0xde, 0xad},
	}
}

func event(op cdc.Op, s *cdc.TableSchema, before, after cdc.Row) cdc.Event {
	return cdc.Event{Op: op, Table: s.Table, Schema: s, Before: before, After: after}
}

// newFake starts a fake PQS and a client of it.
func newFake(t *testing.T, cfg avaticatest.Config, configure ...func(*phoenix.Config)) (*avaticatest.Server, *phoenix.Client) {
	t.Helper()
	srv := avaticatest.NewServer(t, cfg)
	ccfg := phoenix.DefaultConfig(srv.URL())
	for _, f := range configure {
		f(&ccfg)
	}
	ccfg.Timeout = 10 * time.Second
	ccfg.NamespaceMapping = cfg.NamespaceMapping
	ccfg.MapSystemTablesToNamespace = cfg.MapSystemTablesToNamespace
	client, err := phoenix.Open(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return srv, client
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
