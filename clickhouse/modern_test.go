package clickhouse

import (
	"context"
	"os"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// EnvClickHouseModern names a modern ClickHouse server (23.2 or newer,
// native protocol host:port) for the opt-in test of the modern mapping:
// DateTime64, LowCardinality, Bool, Decimal256 and ReplacingMergeTree's
// is_deleted parameter. No such server runs on the project's machines.
const EnvClickHouseModern = "RTDW_TEST_CLICKHOUSE_MODERN"

func TestModernServerRoundTrip(t *testing.T) {
	addr := os.Getenv(EnvClickHouseModern)
	if addr == "" {
		t.Skipf("opt-in: set %s to host:port of a ClickHouse 23.2+ native protocol to test DateTime64, LowCardinality, Bool, Decimal256 and is_deleted", EnvClickHouseModern)
	}
	ctx := ctxT(t)
	c := testClient(t, addr)
	f, err := c.Features(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.IsDeleted || !f.DateTime64 || !f.Decimal256 || !f.Bool || !f.LowCardinality {
		t.Fatalf("%s is ClickHouse %s, which lacks modern features: %+v", EnvClickHouseModern, f.Version, f)
	}
	db := testenv.DatabaseName(t)
	t.Cleanup(func() { _ = c.Conn().Exec(ctxT(t), "DROP DATABASE IF EXISTS "+QuoteIdent(db)) })
	schema := allTypesSchema("src")
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: db}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	rows := allTypesRows()
	evs := insertEvents(schema, rows)
	// Delete the NULL row again: with is_deleted the engine itself hides it.
	evs = append(evs, cdc.Event{Op: cdc.OpDelete, Table: schema.Table, Schema: schema, Before: rows[2],
		Source: cdc.Source{File: "mysql-bin.000002", Pos: 4, Snapshot: cdc.SnapshotFalse}})
	if err := sink.HandleEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, rows[:2])
	var engine string
	if err := c.Conn().QueryRow(ctx, "SELECT engine_full FROM system.tables WHERE database = ? AND name = ?", db, schema.Table.Table).Scan(&engine); err != nil {
		t.Fatal(err)
	}
	t.Logf("engine: %s", engine)
}

// TestModernServerSchemaChanges runs every kind of schema change under
// EVOLVE, and its replays, on a modern server: RENAME COLUMN, ADD COLUMN
// ... FIRST and the is_deleted engine instead of 18.16's statements.
func TestModernServerSchemaChanges(t *testing.T) {
	addr := os.Getenv(EnvClickHouseModern)
	if addr == "" {
		t.Skipf("opt-in: set %s to host:port of a ClickHouse 23.2+ native protocol to test schema changes on it", EnvClickHouseModern)
	}
	c := testClient(t, addr)
	db := testenv.DatabaseName(t)
	t.Cleanup(func() { _ = c.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+QuoteIdent(db)) })
	if err := c.CreateDatabase(ctxT(t), db); err != nil {
		t.Fatal(err)
	}
	evolveEveryKind(t, c, db)
}
