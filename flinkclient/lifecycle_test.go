package flinkclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

func TestLifecycle(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		var lastSent int64
		up, err := c.UploadJarFile(ctx, writeJar(t, "FlinkTutorial-1.0-SNAPSHOT.jar"), func(sent, total int64) { lastSent = sent })
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(up.ID, "_FlinkTutorial-1.0-SNAPSHOT.jar") || lastSent == 0 {
			t.Fatalf("upload = %+v, progress %d", up, lastSent)
		}
		jars, err := c.ListJars(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(jars.Files) != 1 || jars.Files[0].ID != up.ID || len(jars.Files[0].Entries) != 1 || jars.Files[0].Entries[0].Name != "com.atguigu.wc.StreamWordCount" {
			t.Fatalf("jars = %+v", jars)
		}
		plan, err := c.PlanJar(ctx, up.ID, flinkclient.PlanJarRequest{Parallelism: 2})
		if err != nil || len(plan) == 0 {
			t.Fatalf("plan = %s, %v", plan, err)
		}
		jobID, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{
			EntryClass: "com.atguigu.wc.StreamWordCount", ProgramArgs: []string{"--host", "hadoop102", "--port", "7777"}, Parallelism: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		if j, _ := jm.Job(jobID); j.Parallelism != 2 || j.EntryClass != "com.atguigu.wc.StreamWordCount" || len(j.ProgramArgs) != 4 {
			t.Fatalf("fake saw job %+v", j)
		}
		if st, err := c.WaitForJobStateWith(ctx, fastWait, jobID, flinkclient.JobRunning); err != nil || st != flinkclient.JobRunning {
			t.Fatalf("WaitForJobState = %s, %v", st, err)
		}
		jobs, err := c.ListJobs(ctx)
		if err != nil || len(jobs) != 1 || jobs[0].ID != jobID || jobs[0].Status != flinkclient.JobRunning {
			t.Fatalf("ListJobs = %+v, %v", jobs, err)
		}
		ov, err := c.JobsOverview(ctx)
		if err != nil || len(ov) != 1 || ov[0].ID != jobID || ov[0].State != flinkclient.JobRunning {
			t.Fatalf("JobsOverview = %+v, %v", ov, err)
		}
		det, err := c.JobDetails(ctx, jobID)
		if err != nil || det.ID != jobID || len(det.Vertices) != 1 || det.Vertices[0].Parallelism != 2 {
			t.Fatalf("JobDetails = %+v, %v", det, err)
		}

		op, err := c.TriggerSavepoint(ctx, jobID, flinkclient.SavepointRequest{TargetDirectory: "hdfs://hadoop102:8020/flink/savepoints"})
		if err != nil {
			t.Fatal(err)
		}
		loc, err := op.WaitWith(ctx, fastWait)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(loc, "hdfs://hadoop102:8020/flink/savepoints/savepoint-"+jobID[:6]) {
			t.Fatalf("savepoint location %q", loc)
		}

		if err := c.CancelJob(ctx, jobID); err != nil {
			t.Fatal(err)
		}
		if st, err := c.JobStatus(ctx, jobID); err != nil || (st != flinkclient.JobCancelling && st != flinkclient.JobCanceled) {
			t.Fatalf("status after cancel = %s, %v", st, err)
		}
		if _, err := c.WaitForJobStateWith(ctx, fastWait, jobID, flinkclient.JobCanceled); err != nil {
			t.Fatal(err)
		}

		claim := flinkclient.ClaimModeNoClaim
		if !atLeast(jm, "1.15") {
			claim = "" // 1.12 and 1.13 know no restoreMode
		}
		restored, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{
			EntryClass: "com.atguigu.wc.StreamWordCount", Parallelism: 2, SavepointPath: loc,
			AllowNonRestoredState: true, ClaimMode: claim,
		})
		if err != nil {
			t.Fatal(err)
		}
		if j, _ := jm.Job(restored); j.RestoredFrom != loc {
			t.Fatalf("restored job %+v, want from %s", j, loc)
		}
		stats, err := c.CheckpointStats(ctx, restored)
		if err != nil || stats.Latest.Restored == nil || stats.Latest.Restored.ExternalPath != loc {
			t.Fatalf("CheckpointStats = %+v, %v", stats, err)
		}

		stop, err := c.StopWithSavepoint(ctx, restored, flinkclient.StopRequest{TargetDirectory: "file:///tmp/sp", Drain: true})
		if err != nil {
			t.Fatal(err)
		}
		loc2, err := stop.WaitWith(ctx, fastWait)
		if err != nil || !strings.HasPrefix(loc2, "file:///tmp/sp/savepoint-") {
			t.Fatalf("stop = %q, %v", loc2, err)
		}
		if st, err := c.JobStatus(ctx, restored); err != nil || st != flinkclient.JobFinished {
			t.Fatalf("status after stop = %s, %v", st, err)
		}

		disp, err := c.DisposeSavepoint(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		if err := disp.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		disp, err = c.DisposeSavepoint(ctx, loc) // already gone: Flink's failure cause
		if err != nil {
			t.Fatal(err)
		}
		if err := disp.Wait(ctx); !errors.Is(err, flinkclient.ErrOperationFailed) {
			t.Fatalf("second disposal = %v, want ErrOperationFailed", err)
		}

		if err := c.DeleteJar(ctx, up.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteJar(ctx, up.ID); !errors.Is(err, flinkclient.ErrJarNotFound) {
			t.Fatalf("second delete = %v, want ErrJarNotFound", err)
		}
		if err := c.ShutdownCluster(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCluster(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		v, err := c.FlinkVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.SplitN(v.String(), ".", 3)[:2], "."); !strings.HasPrefix(got, jm.FlinkVersion()) {
			t.Fatalf("detected %s, fake plays %s", v, jm.FlinkVersion())
		}
		ov, err := c.Overview(ctx)
		if err != nil || ov.TaskManagers != 1 || ov.SlotsTotal != 4 || ov.FlinkVersion == "" {
			t.Fatalf("Overview = %+v, %v", ov, err)
		}
		conf, err := c.JobManagerConfig(ctx)
		if err != nil || len(conf) == 0 || conf[0].Key == "" {
			t.Fatalf("JobManagerConfig = %+v, %v", conf, err)
		}
		tms, err := c.TaskManagers(ctx)
		if err != nil || len(tms) != 1 || tms[0].SlotsNumber != 4 || tms[0].Hardware.CPUCores == 0 {
			t.Fatalf("TaskManagers = %+v, %v", tms, err)
		}
	})
}
