package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/rtdwtest"
)

// Servers this test binary starts stop when its tests end, unless
// RTDW_TEST_KEEP_SERVERS=1 or another binary still uses them.
func TestMain(m *testing.M) { os.Exit(rtdwtest.Main(m)) }

// TestCutover: the legacy Flink job ends with a final savepoint, then
// ClickHouse converges to exactly MySQL's rows, through the snapshot and
// the binlog changes made while the capture runs.
func TestCutover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The legacy job, on a fake JobManager held to Flink 1.20's REST spec.
	jm := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{FlinkVersion: "1.20"})
	fc, err := flinkclient.New(jm.URL())
	if err != nil {
		t.Fatal(err)
	}
	jar, err := fc.UploadJar(ctx, "gmall-cdc.jar", manifestJar("com.example.GmallCDC"), flinkclient.UploadJarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobID, err := fc.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{})
	if err != nil {
		t.Fatal(err)
	}

	// The database, on real servers: a fresh one on MySQL and one on ClickHouse.
	my := rtdwtest.MySQL(t)
	ch := rtdwtest.ClickHouse(t)
	my.Exec(t, "CREATE TABLE orders (id BIGINT PRIMARY KEY, sku VARCHAR(20) NOT NULL, total DECIMAL(10,2), note TEXT)")
	for i := 1; i <= 200; i++ {
		my.Exec(t, fmt.Sprintf("INSERT INTO orders VALUES (%d, 'sku-%d', %d.25, NULL)", i, i%7, i))
	}

	cfg := Config{
		FlinkURL: jm.URL(), LegacyJobID: jobID, SavepointDir: "hdfs:///flink/savepoints",
		MySQL: my.DSN(), Database: my.Database,
		ClickHouse: ch.Addr, ClickHouseDatabase: ch.Database,
		OffsetFile: filepath.Join(t.TempDir(), "offset.json"),
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Cutover(runCtx, slog.New(slog.NewTextHandler(t.Output(), nil)), cfg) }()

	// The legacy job is gone, with its savepoint, before the capture starts.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if j, ok := jm.Job(jobID); ok && j.State == "FINISHED" {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the legacy job did not finish: %v", <-done)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sps := jm.Savepoints(); len(sps) != 1 {
		t.Fatalf("savepoints %v, want the legacy job's final one", sps)
	}

	// Changes while the binlog streams.
	my.Exec(t, "UPDATE orders SET total = total * 2, note = 'doubled' WHERE id % 10 = 0",
		"DELETE FROM orders WHERE id % 25 = 0",
		"INSERT INTO orders VALUES (1001, 'sku-new', 1.00, 'after the snapshot')")

	schemas, err := mysql.LoadTableSchemas(ctx, my.DB, []cdc.TableID{{Database: my.Database, Table: "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemas[cdc.TableID{Database: my.Database, Table: "orders"}]
	client, err := clickhouse.New(&chgo.Options{Addr: []string{ch.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	want, err := mysql.ReadTable(ctx, my.DB, schema)
	if err != nil {
		t.Fatal(err)
	}
	var got []cdc.Row
	for {
		got, err = client.ReadTable(ctx, schema, clickhouse.TableOptions{Database: ch.Database})
		if err == nil && reflect.DeepEqual(got, want) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("ordersync ended before ClickHouse converged: %v", err)
		case <-ctx.Done():
			t.Fatalf("ClickHouse did not converge to MySQL's %d rows: %d rows (%v)", len(want), len(got), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if len(want) != 200-8+1 {
		t.Fatalf("MySQL holds %d rows, want 193: the test's changes did not apply", len(want))
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("ordersync after interrupt: %v", err)
	}
}

// manifestJar is a minimal jar: a manifest naming the main class.
func manifestJar(mainClass string) *bytes.Reader {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	_, _ = fmt.Fprintf(w, "Manifest-Version: 1.0\r\nMain-Class: %s\r\n", mainClass)
	_ = zw.Close()
	return bytes.NewReader(buf.Bytes())
}
