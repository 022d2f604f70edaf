package flinksql_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestRealGateway submits a pipeline to a real Flink SQL Gateway whose
// cluster has the mysql-cdc connector jar: a table of the test MySQL into a
// print sink. With RTDW_TEST_FLINK_CLICKHOUSE_URL (the HTTP address, as the
// cluster reaches it, of the ClickHouse in RTDW_TEST_CLICKHOUSE, and the
// ClickHouse connector jar on the cluster) it also runs the table into
// ClickHouse and waits for ClickHouse to show MySQL's rows. With RTDW_TEST_FLINK (the cluster's JobManager) it also stops
// the job with a savepoint and resumes it. The cluster must reach the test
// MySQL: RTDW_TEST_FLINK_MYSQL_HOST names the address it reaches it by when
// that is not the one in RTDW_TEST_MYSQL.
//
//	RTDW_TEST_FLINK_SQL_GATEWAY=http://host:8083 RTDW_TEST_FLINK=http://host:8081 go test -run RealGateway ./cdc/pipeline/flinksql
func TestRealGateway(t *testing.T) {
	url := os.Getenv("RTDW_TEST_FLINK_SQL_GATEWAY")
	if url == "" {
		t.Skip("set RTDW_TEST_FLINK_SQL_GATEWAY=http://host:8083 (a gateway whose cluster has the mysql-cdc jar) to submit a pipeline to a real Flink")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	gw, err := sqlgateway.New(url)
	if err != nil {
		t.Fatal(err)
	}
	info, err := gw.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(info.Version, ".", 3)
	flink := parts[0] + "." + strings.TrimSuffix(parts[1], "-SNAPSHOT")
	if parts[0] == "2" {
		flink = "2.2"
	}
	src := testenv.NewSource(t, testenv.MySQL)
	src.Exec(t, "CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(20))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	host := src.Host
	if h := os.Getenv("RTDW_TEST_FLINK_MYSQL_HOST"); h != "" {
		host = h
	}
	source, err := mysql.NewSource().Hostname(host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.t`).ServerID("6400-6401").Build()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := mysql.ListTables(ctx, src.DB, []string{src.Database})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := mysql.LoadTableSchemas(ctx, src.DB, tables)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.New("rtdw-flinksql-" + src.Database).From(source).To(pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable))
	for _, s := range loaded {
		cfg.Schemas(s)
	}
	script, err := flinksql.Render(cfg.Config(), flinksql.Options{Target: flinksql.Target{Flink: flink}, CheckpointInterval: 5 * time.Second, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Flink %s:\n%s", info.Version, script)
	job, err := flinksql.Submit(ctx, gw, script)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close(ctx)
	t.Logf("job %s", job.ID)
	if chURL := os.Getenv("RTDW_TEST_FLINK_CLICKHOUSE_URL"); chURL != "" {
		// Another server-id range: the print job still runs.
		chSource, err := mysql.NewSource().Hostname(host).Port(src.Port).Username(src.User).Password(src.Password).
			DatabaseList(src.Database).TableList(src.Database + `\.t`).ServerID("6410-6411").Build()
		if err != nil {
			t.Fatal(err)
		}
		realClickHouse(ctx, t, gw, flink, src, chSource, loaded[cdc.TableID{Database: src.Database, Table: "t"}], chURL)
	}
	jmURL := os.Getenv("RTDW_TEST_FLINK")
	if jmURL == "" {
		t.Log("RTDW_TEST_FLINK unset: the job is left running; set it to stop and resume it")
		return
	}
	jm, err := flinkclient.New(jmURL)
	if err != nil {
		t.Fatal(err)
	}
	defer jm.CancelJob(context.WithoutCancel(ctx), job.ID)
	for deadline := time.Now().Add(time.Minute); ; {
		state, err := job.Status(ctx, jm)
		if err == nil && state == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s (%v) after a minute", job.ID, state, err)
		}
		time.Sleep(time.Second)
	}
	savepoint, err := job.StopWithSavepoint(ctx, jm, os.Getenv("RTDW_TEST_FLINK_SAVEPOINT_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := flinksql.Resume(ctx, gw, script, savepoint)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close(ctx)
	defer jm.CancelJob(context.WithoutCancel(ctx), resumed.ID)
	t.Logf("resumed as %s from %s", resumed.ID, savepoint)
}

// realClickHouse runs the ClickHouse path on the real cluster (which needs
// the flink-connector-clickhouse jar and to reach ClickHouse at chURL, the
// HTTP address of the server RTDW_TEST_CLICKHOUSE names): the sink table is
// created by package clickhouse, the job writes it, and its visible state
// must become MySQL's, changes and deletes included.
func realClickHouse(ctx context.Context, t *testing.T, gw *sqlgateway.Client, flink string, src *testenv.Source, source *mysql.Source, schema *cdc.TableSchema, chURL string) {
	if flink == "1.18" {
		t.Log("Flink 1.18's connectors (Flink CDC 3.2) have no append-only changelog: ClickHouse path not tested")
		return
	}
	ch := testenv.NewClickHouse(t)
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sinkSchema := *schema
	sinkSchema.Table = cdc.TableID{Database: ch.Database, Table: "t"}
	if err := client.CreateTable(ctx, &sinkSchema, clickhouse.TableOptions{Database: ch.Database}); err != nil {
		t.Fatal(err)
	}
	file, pos := src.BinlogPosition(t)
	epoch, err := flinksql.EpochAfter(mysql.Offset{File: file, Pos: uint64(pos)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.New("rtdw-flinksql-ch-"+src.Database).From(source).
		Route(src.Database+`\.t`, sinkSchema.Table.String()).To(&flinksql.ClickHouseSink{URL: chURL}).Schemas(schema).Config()
	script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: flink}, CheckpointInterval: 5 * time.Second, Parallelism: 1, Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	job, err := flinksql.Submit(ctx, gw, script)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close(ctx)
	t.Logf("ClickHouse job %s (cancel it by hand when RTDW_TEST_FLINK is unset)", job.ID)
	if jmURL := os.Getenv("RTDW_TEST_FLINK"); jmURL != "" {
		if jm, err := flinkclient.New(jmURL); err == nil {
			defer jm.CancelJob(context.WithoutCancel(ctx), job.ID)
		}
	}
	src.Exec(t, "UPDATE t SET name = 'a2' WHERE id = 1", "DELETE FROM t WHERE id = 2", "INSERT INTO t VALUES (3, 'c')")
	for deadline := time.Now().Add(3 * time.Minute); ; {
		want, err := mysql.ReadTable(ctx, src.DB, schema)
		if err != nil {
			t.Fatal(err)
		}
		got, err := client.ReadTable(ctx, &sinkSchema, clickhouse.TableOptions{Database: ch.Database})
		if err == nil && fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes ClickHouse shows %v (%v), MySQL has %v", got, err, want)
		}
		time.Sleep(2 * time.Second)
	}
}
