package hbase_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
	"github.com/rtdw/rtdw/phoenix/hbase"
	"github.com/rtdw/rtdw/phoenix/hbase/hbasetest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newCluster starts the in-process HBase, registers it in the real
// ZooKeeper under a root of the test's own, and returns a client that
// finds it there.
func newCluster(t *testing.T) (*hbasetest.Server, *hbase.Client) {
	t.Helper()
	zk := testenv.ZooKeeper(t)
	srv := hbasetest.NewServer(t)
	root := fmt.Sprintf("/rtdw_%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano())
	if err := srv.Register([]string{zk}, root); err != nil {
		t.Fatalf("register in ZooKeeper %s: %v", zk, err)
	}
	cfg := hbase.DefaultConfig(zk)
	cfg.Root = root
	cfg.RegionLookupTimeout = 10 * time.Second
	cfg.FlushInterval = time.Millisecond
	client, err := hbase.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return srv, client
}

func TestPutGetScanDeleteThroughZooKeeper(t *testing.T) {
	t.Parallel()
	srv, client := newCluster(t)
	ctx := ctxT(t)
	if err := client.CreateTable(ctx, "GMALL:dim_sku", []string{"info"}, map[string]string{"VERSIONS": "1"}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"apple", "banana", "cherry"} {
		key := []byte(fmt.Sprintf("sku%03d", i))
		if err := client.Put(ctx, "GMALL:dim_sku", key, hbase.Values{"info": {"name": []byte(name), "price": []byte(fmt.Sprint(i + 1))}}); err != nil {
			t.Fatal(err)
		}
	}
	if v, ok := srv.Cell("GMALL:dim_sku", "sku001", "info", "name"); !ok || string(v) != "banana" {
		t.Fatalf("the server holds %q, %v", v, ok)
	}
	row, err := client.Get(ctx, "GMALL:dim_sku", []byte("sku001"))
	if err != nil {
		t.Fatal(err)
	}
	if row == nil || string(row.Value("info", "name")) != "banana" || string(row.Value("info", "price")) != "2" || row.Cells[0].Timestamp.IsZero() {
		t.Fatalf("Get = %+v", row)
	}
	var keys []string
	err = client.Scan(ctx, "GMALL:dim_sku", []byte("sku001"), nil, []string{"info"}, func(r *hbase.Row) error {
		keys = append(keys, string(r.Key))
		return nil
	})
	if err != nil || strings.Join(keys, ",") != "sku001,sku002" {
		t.Fatalf("Scan from sku001 = %v, %v", keys, err)
	}
	if err := client.Delete(ctx, "GMALL:dim_sku", []byte("sku001")); err != nil {
		t.Fatal(err)
	}
	if row, err := client.Get(ctx, "GMALL:dim_sku", []byte("sku001")); err != nil || row != nil {
		t.Fatalf("Get after Delete = %+v, %v", row, err)
	}
	var calls []string
	for _, c := range srv.Calls() {
		if strings.HasPrefix(c, "ClientService.Scan") {
			calls = append(calls, c)
		}
	}
	if len(calls) < 2 { // the meta lookup, then the scan
		t.Fatalf("scans = %v: the client should have looked the region up in hbase:meta", calls)
	}
}

func TestAdminCreateDisableDelete(t *testing.T) {
	t.Parallel()
	srv, client := newCluster(t)
	ctx := ctxT(t)
	if err := client.CreateTable(ctx, "t_admin", []string{"cf"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := client.CreateTable(ctx, "t_admin", []string{"cf"}, nil); err == nil || !strings.Contains(err.Error(), "TableExistsException") {
		t.Fatalf("creating it twice = %v", err)
	}
	if err := client.DeleteTable(ctx, "t_admin"); err == nil || !strings.Contains(err.Error(), "TableNotDisabledException") {
		t.Fatalf("deleting an enabled table = %v", err)
	}
	if err := client.DisableTable(ctx, "t_admin"); err != nil {
		t.Fatal(err)
	}
	if err := client.DeleteTable(ctx, "t_admin"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Tables(); len(got) != 0 {
		t.Fatalf("tables left: %v", got)
	}
	err := client.Put(ctx, "t_admin", []byte("k"), hbase.Values{"cf": {"q": []byte("v")}})
	if !errors.Is(err, hbase.ErrTableNotFound) {
		t.Fatalf("Put into a deleted table = %v", err)
	}
	if err := client.DisableTable(ctx, "missing"); !errors.Is(err, hbase.ErrTableNotFound) {
		t.Fatalf("DisableTable(missing) = %v", err)
	}
}

func TestUnreachableQuorum(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := hbase.DefaultConfig(addr)
	cfg.RegionLookupTimeout = time.Second
	client, err := hbase.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, err = client.Get(ctx, "t", []byte("k"))
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "ZooKeeper") {
		t.Fatalf("Get through an unreachable quorum = %v, want an error naming ZooKeeper at %s", err, addr)
	}
	t.Log(err)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	_, err := hbase.Open(hbase.Config{Quorum: "zk1", Root: "hbase", RegionReadTimeout: -time.Second})
	if !errors.Is(err, hbase.ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	for _, f := range []string{"Quorum", "Root", "RegionReadTimeout", "ZooKeeperTimeout"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error lacks %s: %v", f, err)
		}
	}
}

// A range scan of a salted Phoenix table: one scan per bucket, through
// gohbase, and the keys decoded.
func TestScanOfASaltedTable(t *testing.T) {
	t.Parallel()
	_, client := newCluster(t)
	ctx := ctxT(t)
	k := hbase.RowKey{SaltBuckets: 3, Columns: []hbase.KeyColumn{{Name: "id", Type: "BIGINT"}}}
	if err := client.CreateTable(ctx, "GMALL:dim_salted", []string{"0"}, nil); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 20; id++ {
		key, err := k.Encode(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Put(ctx, "GMALL:dim_salted", key, hbase.Values{"0": {"_0": []byte("x")}}); err != nil {
			t.Fatal(err)
		}
	}
	lo, _ := (hbase.RowKey{Columns: k.Columns}).Encode(int64(5))
	hi, _ := (hbase.RowKey{Columns: k.Columns}).Encode(int64(15))
	got := map[int64]bool{}
	for _, r := range k.ScanRanges(lo, hi) {
		err := client.Scan(ctx, "GMALL:dim_salted", r[0], r[1], nil, func(row *hbase.Row) error {
			_, values, err := k.Decode(row.Key)
			if err != nil {
				return err
			}
			got[values[0].(int64)] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 10 || !got[5] || !got[14] || got[15] || got[4] {
		t.Fatalf("ids scanned = %v, want 5..14", got)
	}
}
