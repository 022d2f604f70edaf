package phoenix_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
)

// Opt-in: a real Phoenix Query Server, which cannot run where rtdw is
// tested. RTDW_TEST_PHOENIX=http://pqs:8765 runs these;
// RTDW_TEST_PHOENIX_NAMESPACE_MAPPING=true when the cluster maps schemas to
// namespaces. They create tables named after the test and the time.
const (
	envPhoenix                 = "RTDW_TEST_PHOENIX"
	envPhoenixNamespaceMapping = "RTDW_TEST_PHOENIX_NAMESPACE_MAPPING"
)

func realPQS(t *testing.T) *phoenix.Client {
	t.Helper()
	url := os.Getenv(envPhoenix)
	if url == "" {
		t.Skipf("no Phoenix Query Server: set %s=http://host:8765 to run this test against one", envPhoenix)
	}
	cfg := phoenix.DefaultConfig(url)
	cfg.NamespaceMapping, _ = strconv.ParseBool(os.Getenv(envPhoenixNamespaceMapping))
	cfg.MapSystemTablesToNamespace = cfg.NamespaceMapping
	client, err := phoenix.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return client
}

// The sink's DDL and DML and the lookup's SELECT, accepted by a real
// Phoenix: the dialect check the fake cannot make.
func TestRealPQSSinkAndLookup(t *testing.T) {
	client := realPQS(t)
	ctx := ctxT(t)
	suffix := fmt.Sprintf("rtdw_%d", time.Now().UnixNano())
	opts := phoenix.TableOptions{
		TableName:    func(id cdc.TableID) string { return id.Table + "_" + suffix },
		ColumnFamily: "info", SaltBuckets: 2, Compression: "NONE", TTL: 24 * time.Hour,
	}
	if client.Config().NamespaceMapping {
		opts.Schema = "RTDW_TEST"
		if err := client.CreateSchema(ctx, opts.Schema); err != nil {
			t.Fatal(err)
		}
	}
	s := userInfo(t)
	lookup, err := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: s, TableOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{TableOptions: opts, Lookups: []*phoenix.Lookup{lookup}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Exec(ctx, "drop test table", "DROP TABLE IF EXISTS "+lookup.Table().String())
	})
	events := []cdc.Event{
		event(cdc.OpCreate, s, nil, userRow(1, "ann")),
		event(cdc.OpCreate, s, nil, userRow(2, "bob")),
		event(cdc.OpDelete, s, userRow(2, "bob"), nil),
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	row, found, err := lookup.Get(ctx, int64(1))
	if err != nil || !found || row["login_name"] != "ann" {
		t.Fatalf("Get(1) = %v, %v, %v", row, found, err)
	}
	if _, found, err := lookup.Get(ctx, int64(2)); err != nil || found {
		t.Fatalf("Get(2) found %v, %v; it was deleted", found, err)
	}
	// A Phoenix error from the real server carries its code.
	err = client.Exec(ctx, "select from a missing table", "UPSERT INTO "+(phoenix.TableRef{Schema: opts.Schema, Table: "missing_" + suffix}).String()+" (\"a\") VALUES (?)", int64(1))
	if !phoenix.IsCode(err, phoenix.CodeTableUndefined) {
		t.Fatalf("UPSERT into a missing table = %v, want ERROR 1012", err)
	}
}
