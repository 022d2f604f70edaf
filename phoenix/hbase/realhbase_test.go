package hbase_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rtdw/rtdw/phoenix/hbase"
)

// Opt-in: a real HBase cluster, which cannot run where rtdw is tested.
// RTDW_TEST_HBASE=zk1:2181 names its ZooKeeper quorum; RTDW_TEST_HBASE_ROOT
// its znode when not /hbase. The test creates, uses and deletes a table of
// its own.
func TestRealHBase(t *testing.T) {
	quorum := os.Getenv("RTDW_TEST_HBASE")
	if quorum == "" {
		t.Skip("no HBase cluster: set RTDW_TEST_HBASE=host:2181 (its ZooKeeper quorum) to run this test against one")
	}
	cfg := hbase.DefaultConfig(quorum)
	if root := os.Getenv("RTDW_TEST_HBASE_ROOT"); root != "" {
		cfg.Root = root
	}
	client, err := hbase.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := ctxT(t)
	table := fmt.Sprintf("rtdw_test_%d", time.Now().UnixNano())
	if err := client.CreateTable(ctx, table, []string{"cf"}, nil); err != nil {
		t.Fatal(err)
	}
	defer func() {
		client.DisableTable(ctx, table)
		client.DeleteTable(ctx, table)
	}()
	if err := client.Put(ctx, table, []byte("k1"), hbase.Values{"cf": {"q": []byte("v1")}}); err != nil {
		t.Fatal(err)
	}
	row, err := client.Get(ctx, table, []byte("k1"))
	if err != nil || row == nil || string(row.Value("cf", "q")) != "v1" {
		t.Fatalf("Get = %+v, %v", row, err)
	}
	n := 0
	if err := client.Scan(ctx, table, nil, nil, nil, func(*hbase.Row) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("Scan saw %d rows, %v", n, err)
	}
	if err := client.Delete(ctx, table, []byte("k1")); err != nil {
		t.Fatal(err)
	}
	if row, err := client.Get(ctx, table, []byte("k1")); err != nil || row != nil {
		t.Fatalf("Get after Delete = %+v, %v", row, err)
	}
}
