package flinksql_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// gatewayTargets pairs each Flink release the fake gateway plays with the
// release the script is rendered for (Flink 2.x scripts for 2.0 and 2.3).
var gatewayTargets = []struct{ gateway, target string }{
	{"1.18", "1.18"}, {"1.20", "1.20"}, {"2.0", "2.2"}, {"2.3", "2.2"},
}

// registerJob makes the fake gateway answer the script's job statement as
// Flink does: one row, the id of the job it started.
func registerJob(gw *flinktest.SQLGateway, script *flinksql.Script, jobID string) {
	varchar := sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 2147483647}
	gw.RegisterResult(script.Job(), flinktest.SQLResult{
		Columns: []sqlgateway.Column{{Name: "job id", Type: varchar}},
		Rows:    []sqlgateway.Row{{Kind: sqlgateway.Insert, Values: []any{jobID}}},
		JobID:   jobID,
	})
}

func jdbcScript(t *testing.T, flink string) *flinksql.Script {
	t.Helper()
	sink := &flinksql.JDBCSink{URL: "jdbc:mysql://ods.internal:3306/ods", Username: "ods", Password: testPassword}
	script, err := flinksql.Render(gmallPipeline(t, sink, mysql.Initial()), flinksql.Options{
		Target: flinksql.Target{Flink: flink}, Parallelism: 2, CheckpointInterval: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// Every statement of a script goes through the spec-checked fake gateway of
// every Flink release and every REST API version it serves: the settings
// reach the session, the tables are created, the job id comes back.
func TestSubmitToEveryGatewayVersion(t *testing.T) {
	t.Parallel()
	for _, gt := range gatewayTargets {
		gw := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{FlinkVersion: gt.gateway, NotReadyPolls: 1})
		for _, api := range gw.APIVersions() {
			t.Run(fmt.Sprintf("flink-%s/v%d", gt.gateway, api), func(t *testing.T) {
				// The other scripts (ClickHouse, SQL Server) go through too.
				for i, other := range otherScripts(t, gt.target) {
					otherID := fmt.Sprintf("%032x", 1<<20+api*1000+i)
					registerJob(gw, other, otherID)
					job := submitWith(t, gw, api, other)
					if job.ID != otherID {
						t.Errorf("job id %q, want %q", job.ID, otherID)
					}
					job.Close(context.Background())
				}
				script := jdbcScript(t, gt.target)
				jobID := fmt.Sprintf("%032x", api*1000+len(gt.gateway))
				registerJob(gw, script, jobID)
				ctx := context.Background()
				job := submitWith(t, gw, api, script)
				defer job.Close(ctx)
				if job.ID != jobID {
					t.Errorf("job id %q, want %q", job.ID, jobID)
				}
				props, err := job.Session.Properties(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, kv := range script.Settings() {
					if props[kv[0]] != kv[1] {
						t.Errorf("session %s = %q, want %q", kv[0], props[kv[0]], kv[1])
					}
				}
				tables := showTables(t, job.Session)
				want := []string{"sink_warehouse_gmall_user_info", "sink_warehouse_ods_orders", "src_gmall_orders_1", "src_gmall_orders_2", "src_gmall_user_info"}
				if !slices.Equal(tables, want) {
					t.Errorf("tables %v, want %v", tables, want)
				}
				if name, _ := gw.SessionName(job.Session.Handle()); name != "gmall-to-ods" {
					t.Errorf("session name %q", name)
				}
			})
		}
	}
}

func submitWith(t *testing.T, gw *flinktest.SQLGateway, api int, script *flinksql.Script) *flinksql.Job {
	t.Helper()
	client, err := sqlgateway.New(gw.URL(), sqlgateway.WithAPIVersion(sqlgateway.APIVersion(api)))
	if err != nil {
		t.Fatal(err)
	}
	job, err := flinksql.Submit(context.Background(), client, script)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// otherScripts are the ClickHouse script (Flink CDC 3.4 on) and a SQL
// Server one, rendered for flink.
func otherScripts(t *testing.T, flink string) []*flinksql.Script {
	t.Helper()
	var out []*flinksql.Script
	if flink != "1.18" {
		ch := &flinksql.ClickHouseSink{URL: "clickhouse://ch.internal:8123", Password: testPassword}
		s, err := flinksql.Render(gmallPipeline(t, ch, mysql.Initial()), flinksql.Options{Target: flinksql.Target{Flink: flink}, Epoch: 1 << 45})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	src := &flinksql.SQLServerSource{Hostname: "mssql.internal", Username: "sa", Password: testPassword, Database: "inventory"}
	s, err := flinksql.Render(sqlServerPipeline(src, &flinksql.JDBCSink{URL: "jdbc:sqlserver://ods:1433"}), flinksql.Options{Target: flinksql.Target{Flink: flink}})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, s)
}

func showTables(t *testing.T, s *sqlgateway.Session) []string {
	t.Helper()
	ctx := context.Background()
	op, err := s.Execute(ctx, "SHOW TABLES", sqlgateway.ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for row, err := range op.Rows(ctx, sqlgateway.ResultsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, row.Values[0].(string))
	}
	slices.Sort(names)
	return names
}

// A statement Flink refuses is an error naming it and Flink's reason, with
// the password redacted, and the session is closed.
func TestSubmitStatementFailure(t *testing.T) {
	t.Parallel()
	gw := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.20"})
	script := jdbcScript(t, "1.20")
	create := script.Statements()[len(script.Settings())]
	gw.RegisterFailure(create, "org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'mysql-cdc' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath. password s3cr3t-Pw'd")
	client, err := sqlgateway.New(gw.URL())
	if err != nil {
		t.Fatal(err)
	}
	_, err = flinksql.Submit(context.Background(), client, script)
	if err == nil {
		t.Fatal("Submit succeeded")
	}
	for _, want := range []string{"statement 4 of 9", "CREATE TEMPORARY TABLE `src_gmall_orders_1`", "mysql-cdc"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows the password: %v", err)
	}
	if n := gw.SessionCount(); n != 0 {
		t.Errorf("%d sessions left open", n)
	}
}

func TestSubmitRefusesFlink113(t *testing.T) {
	t.Parallel()
	script := jdbcScript(t, "1.13")
	client, err := sqlgateway.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = flinksql.Submit(context.Background(), client, script)
	if err == nil || !strings.Contains(err.Error(), "no SQL Gateway") {
		t.Fatalf("err = %v", err)
	}
}

// testJar is a jar the fake JobManager accepts.
func testJar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	_, _ = w.Write([]byte("Manifest-Version: 1.0\r\nMain-Class: org.apache.flink.table.gateway.SqlJob\r\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The lifecycle: submit through the gateway, stop with a savepoint through
// the JobManager, resume from it. The two fakes are separate servers, so
// the test plays the cluster's part between them: each job the gateway
// names is a job of the fake JobManager, started there as the cluster would
// start it (the resumed one from the savepoint the session names).
func TestLifecycleSubmitStopResume(t *testing.T) {
	t.Parallel()
	for _, gt := range gatewayTargets {
		t.Run("flink-"+gt.gateway, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jmVersion := gt.gateway
			jmFake := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{FlinkVersion: jmVersion, DefaultSavepointDir: "file:///flink/savepoints"})
			gwFake := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{FlinkVersion: gt.gateway})
			jm, err := flinkclient.New(jmFake.URL(), flinkclient.WithFlinkVersion(jmVersion))
			if err != nil {
				t.Fatal(err)
			}
			gw, err := sqlgateway.New(gwFake.URL())
			if err != nil {
				t.Fatal(err)
			}
			jar, err := jm.UploadJar(ctx, "sql-job.jar", bytes.NewReader(testJar(t)), flinkclient.UploadJarOptions{})
			if err != nil {
				t.Fatal(err)
			}
			first, err := jm.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{})
			if err != nil {
				t.Fatal(err)
			}
			script := jdbcScript(t, gt.target)
			registerJob(gwFake, script, first)

			job, err := flinksql.Submit(ctx, gw, script)
			if err != nil {
				t.Fatal(err)
			}
			defer job.Close(ctx)
			if state, err := job.Status(ctx, jm); err != nil || state != flinkclient.JobState("RUNNING") {
				t.Fatalf("status %s, %v", state, err)
			}
			savepoint, err := job.StopWithSavepoint(ctx, jm, "")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(savepoint, "file:///flink/savepoints/") {
				t.Errorf("savepoint %q", savepoint)
			}
			if state, _ := job.Status(ctx, jm); state != flinkclient.JobState("FINISHED") {
				t.Errorf("stopped job is %s", state)
			}

			// The cluster's part: the resumed INSERT starts a job from the savepoint.
			second, err := jm.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{SavepointPath: savepoint})
			if err != nil {
				t.Fatal(err)
			}
			registerJob(gwFake, script, second)
			resumed, err := flinksql.Resume(ctx, gw, script, savepoint)
			if err != nil {
				t.Fatal(err)
			}
			defer resumed.Close(ctx)
			props, err := resumed.Session.Properties(ctx)
			if err != nil {
				t.Fatal(err)
			}
			key := "execution.savepoint.path"
			if gt.target != "1.18" {
				key = "execution.state-recovery.path"
			}
			if props[key] != savepoint {
				t.Errorf("resumed session %s = %q, want %q (properties %v)", key, props[key], savepoint, props)
			}
			if resumed.ID != second || resumed.Savepoint != savepoint {
				t.Errorf("resumed job %s from %q", resumed.ID, resumed.Savepoint)
			}
			if j, ok := jmFake.Job(second); !ok || j.RestoredFrom != savepoint {
				t.Errorf("JobManager job %+v", j)
			}
			if _, err := flinksql.Resume(ctx, gw, script, ""); err == nil {
				t.Error("Resume without a savepoint succeeded")
			}
		})
	}
}

var _ = errors.Is
