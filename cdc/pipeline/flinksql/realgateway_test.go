package flinksql_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestRealGateway submits a pipeline to a real Flink SQL Gateway whose
// cluster has the mysql-cdc connector jar: a table of the test MySQL into a
// print sink. With RTDW_TEST_FLINK (the cluster's JobManager) it also stops
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
