package flinkclient_test

import (
	"context"
	"os"
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
	restored, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{Parallelism: 1, SavepointPath: loc, ClaimMode: flinkclient.ClaimModeNoClaim})
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
	if err := c.CancelJob(ctx, restored); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJobState(ctx, restored, flinkclient.JobCanceled); err != nil {
		t.Fatal(err)
	}
}
