package flinkclient_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
)

// TestRealJobManagerLifecycle runs the whole lifecycle against a real Flink JobManager:
//
//	RTDW_TEST_FLINK=http://localhost:8081 \
//	RTDW_TEST_FLINK_JAR=$FLINK_HOME/examples/streaming/StateMachineExample.jar \
//	go test ./flinkclient -run RealJobManager -v
//
// RTDW_TEST_FLINK_SAVEPOINT_DIR (default file:///tmp/rtdw-savepoints) must be writable by the
// cluster.
func TestRealJobManagerLifecycle(t *testing.T) {
	url, jar := os.Getenv("RTDW_TEST_FLINK"), os.Getenv("RTDW_TEST_FLINK_JAR")
	if url == "" || jar == "" {
		t.Skip("set RTDW_TEST_FLINK (JobManager REST URL) and RTDW_TEST_FLINK_JAR (e.g. examples/streaming/StateMachineExample.jar of a Flink distribution) to run against a real JobManager")
	}
	dir := os.Getenv("RTDW_TEST_FLINK_SAVEPOINT_DIR")
	if dir == "" {
		dir = "file:///tmp/rtdw-savepoints"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := flinkclient.New(url)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Flink %s at %s", v, url)
	up, err := c.UploadJarFile(ctx, jar, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteJar(context.Background(), up.ID) })
	job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CancelJob(context.Background(), job) })
	if _, err := c.WaitForJobState(ctx, job, flinkclient.JobRunning); err != nil {
		t.Fatal(err)
	}
	// A job is RUNNING before all its tasks are; savepoints fail until they are, so retry.
	var loc string
	for attempt := 0; ; attempt++ {
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: dir})
		if err != nil {
			t.Fatal(err)
		}
		loc, err = op.Wait(ctx)
		if err == nil {
			break
		}
		if attempt == 10 {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("savepoint at %s", loc)
	if err := c.CancelJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJobState(ctx, job, flinkclient.JobCanceled); err != nil {
		t.Fatal(err)
	}
	restore := flinkclient.RunJarRequest{Parallelism: 1, SavepointPath: loc}
	if v.AtLeast(flinkclient.Flink115) {
		restore.ClaimMode = flinkclient.ClaimModeNoClaim // 1.12-1.14 know no restoreMode
	}
	restored, err := c.RunJar(ctx, up.ID, restore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CancelJob(context.Background(), restored) })
	if _, err := c.WaitForJobState(ctx, restored, flinkclient.JobRunning); err != nil {
		t.Fatal(err)
	}
	stats, err := c.CheckpointStats(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Latest.Restored == nil || stats.Latest.Restored.ExternalPath == "" {
		t.Logf("restore not yet visible in checkpoint stats: %+v", stats.Latest)
	}
	watchRealJob(t, ctx, c, v, restored)
	if err := c.CancelJob(ctx, restored); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJobState(ctx, restored, flinkclient.JobCanceled); err != nil {
		t.Fatal(err)
	}
}

// watchRealJob reads everything an operator watches a running job with, on a real cluster.
func watchRealJob(t *testing.T, ctx context.Context, c *flinkclient.Client, v flinkclient.Version, job string) {
	t.Helper()
	d, err := c.JobDetails(ctx, job)
	if err != nil || len(d.Vertices) == 0 {
		t.Fatalf("JobDetails = %+v, %v", d, err)
	}
	vertex := d.Vertices[0].ID
	if m, err := c.JobMetrics(ctx, job); err != nil || len(m) == 0 {
		t.Errorf("JobMetrics listing = %v, %v", m, err)
	}
	if m, err := c.JobMetrics(ctx, job, "uptime"); err != nil || len(m) != 1 {
		t.Errorf("JobMetrics(uptime) = %v, %v", m, err)
	}
	if _, err := c.VertexMetrics(ctx, job, vertex); err != nil {
		t.Errorf("VertexMetrics: %v", err)
	}
	if _, err := c.Watermarks(ctx, job, vertex); err != nil {
		t.Errorf("Watermarks: %v", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if bp, err := c.WaitBackPressure(waitCtx, job, vertex, flinkclient.WaitOptions{InitialInterval: time.Second}); err != nil {
		t.Errorf("WaitBackPressure: %v", err)
	} else {
		t.Logf("back pressure of %s: %s over %d subtasks", vertex, bp.Level, len(bp.Subtasks))
	}
	if p, err := c.JobPlan(ctx, job); err != nil || len(p.Nodes) == 0 {
		t.Errorf("JobPlan = %+v, %v", p, err)
	}
	if cfg, err := c.JobConfig(ctx, job); err != nil || cfg.JobID != job {
		t.Errorf("JobConfig = %+v, %v", cfg, err)
	}
	tms, err := c.TaskManagers(ctx)
	if err != nil || len(tms) == 0 {
		t.Fatalf("TaskManagers = %v, %v", tms, err)
	}
	if _, err := c.TaskManagerDetails(ctx, tms[0].ID); err != nil {
		t.Errorf("TaskManagerDetails(%s): %v", tms[0].ID, err)
	}
	if _, err := c.TaskManagerLogs(ctx, tms[0].ID); err != nil {
		t.Errorf("TaskManagerLogs: %v", err)
	}
	var log strings.Builder
	if _, err := c.TaskManagerLog(ctx, tms[0].ID, "", &log); err != nil {
		t.Errorf("TaskManagerLog: %v", err)
	}
	if _, err := c.JobManagerLogs(ctx); err != nil {
		t.Errorf("JobManagerLogs: %v", err)
	}
	if _, err := c.JobManagerMetrics(ctx, "numRegisteredTaskManagers"); err != nil {
		t.Errorf("JobManagerMetrics: %v", err)
	}
	if _, err := c.JobManagerEnvironment(ctx); (err == nil) != v.AtLeast(flinkclient.Flink118) {
		t.Errorf("JobManagerEnvironment on %s: %v", v, err)
	}
}
