package flinkclient_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// runWordCount uploads a jar and runs it with parallelism 2, returning the job and its vertex.
func runWordCount(t *testing.T, c *flinkclient.Client) (jobID, vertexID string) {
	t.Helper()
	ctx := context.Background()
	up, err := c.UploadJar(ctx, "wc.jar", bytes.NewReader(testJar(t, "com.atguigu.wc.StreamWordCount")), flinkclient.UploadJarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobID, err = c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.JobDetails(ctx, jobID)
	if err != nil || len(d.Vertices) != 1 {
		t.Fatalf("JobDetails = %+v, %v", d, err)
	}
	return jobID, d.Vertices[0].ID
}

func TestJobMetricsAndWatermarks(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, vertex := runWordCount(t, c)
		names, err := c.JobMetrics(ctx, job)
		if err != nil || len(names) == 0 || names[0].Value != "" {
			t.Fatalf("JobMetrics listing = %+v, %v", names, err)
		}
		got, err := c.JobMetrics(ctx, job, "numRestarts", "uptime", "noSuchMetric")
		if err != nil || len(got) != 2 || got[0].ID != "numRestarts" || got[0].Value != "0" {
			t.Fatalf("JobMetrics = %+v, %v", got, err)
		}
		if _, err := c.JobMetrics(ctx, job, "a,b"); !errors.Is(err, flinkclient.ErrInvalidRequest) {
			t.Fatalf("a name with a comma = %v, want ErrInvalidRequest", err)
		}
		vm, err := c.VertexMetrics(ctx, job, vertex, "1.numRecordsIn")
		if err != nil || len(vm) != 1 || vm[0].Value != "1000" {
			t.Fatalf("VertexMetrics = %+v, %v", vm, err)
		}
		wms, err := c.Watermarks(ctx, job, vertex)
		if err != nil || len(wms) != 2 || wms[1].ID != "1.currentInputWatermark" {
			t.Fatalf("Watermarks = %+v, %v", wms, err)
		}
		if f, err := wms[0].Float(); err != nil || f <= 0 {
			t.Fatalf("watermark value %q: %v", wms[0].Value, err)
		}
		if _, err := c.Watermarks(ctx, job, strings.Repeat("e", 32)); err == nil {
			t.Fatal("watermarks of an unknown vertex succeeded")
		}
		if _, err := c.VertexMetrics(ctx, job, "src"); !errors.Is(err, flinkclient.ErrInvalidRequest) {
			t.Fatalf("a bad vertex ID = %v, want ErrInvalidRequest", err)
		}
	})
}

func TestBackPressureIsWaitable(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, vertex := runWordCount(t, c)
		first, err := c.VertexBackPressure(ctx, job, vertex)
		if err != nil || first.Ready() {
			t.Fatalf("first back-pressure answer = %+v, %v; want not ready", first, err)
		}
		bp, err := c.WaitBackPressure(ctx, job, vertex, fastWait)
		if err != nil || !bp.Ready() || bp.Level != flinkclient.BackPressureOK || len(bp.Subtasks) != 2 || bp.EndTimestamp == 0 {
			t.Fatalf("WaitBackPressure = %+v, %v", bp, err)
		}
		if atLeast(jm, "1.13") != (bp.Subtasks[0].BusyRatio > 0) {
			t.Fatalf("busy ratio %v on %s (1.13 added it)", bp.Subtasks[0].BusyRatio, jm.FlinkVersion())
		}
		short, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.WaitBackPressure(short, job, vertex, fastWait); !errors.Is(err, context.Canceled) {
			t.Fatalf("WaitBackPressure with an ended context = %v", err)
		}
	})
}

func TestJobPlanAndConfig(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, vertex := runWordCount(t, c)
		plan, err := c.JobPlan(ctx, job)
		if err != nil || plan.JobID != job || len(plan.Nodes) != 1 || plan.Nodes[0].ID != vertex || plan.Nodes[0].Parallelism != 2 {
			t.Fatalf("JobPlan = %+v, %v", plan, err)
		}
		cfg, err := c.JobConfig(ctx, job)
		if err != nil || cfg.JobID != job || cfg.Execution.Parallelism != 2 || cfg.Execution.RestartStrategy == "" {
			t.Fatalf("JobConfig = %+v, %v", cfg, err)
		}
		if (cfg.Execution.ExecutionMode != "") == atLeast(jm, "2.0") {
			t.Fatalf("execution mode %q on %s (2.0 removed it)", cfg.Execution.ExecutionMode, jm.FlinkVersion())
		}
	})
}

func TestTaskManagerOperations(t *testing.T) {
	eachVersionWith(t, flinktest.JobManagerConfig{TaskManagers: 2}, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, _ := runWordCount(t, c)
		tms, err := c.TaskManagers(ctx)
		if err != nil || len(tms) != 2 {
			t.Fatalf("TaskManagers = %+v, %v", tms, err)
		}
		id := tms[0].ID // a standalone TaskManager's <address>:<port>-<6 hex>
		d, err := c.TaskManagerDetails(ctx, id)
		if err != nil || d.ID != id || d.Metrics.HeapMax == 0 || d.MemoryConfiguration["taskHeap"] == 0 {
			t.Fatalf("TaskManagerDetails = %+v, %v", d, err)
		}
		if atLeast(jm, "1.13") != (len(d.AllocatedSlots) == 2 && d.AllocatedSlots[0].JobID == job) {
			t.Fatalf("allocated slots %+v on %s (1.13 added them)", d.AllocatedSlots, jm.FlinkVersion())
		}
		m, err := c.TaskManagerMetrics(ctx, id, "Status.JVM.CPU.Load")
		if err != nil || len(m) != 1 {
			t.Fatalf("TaskManagerMetrics = %+v, %v", m, err)
		}
		logs, err := c.TaskManagerLogs(ctx, id)
		if err != nil || len(logs) == 0 || logs[0].Name != "taskmanager.log" || logs[0].Size == 0 {
			t.Fatalf("TaskManagerLogs = %+v, %v", logs, err)
		}
		var buf bytes.Buffer
		n, err := c.TaskManagerLog(ctx, id, "", &buf)
		if err != nil || n != logs[0].Size || !strings.Contains(buf.String(), "taskmanager.log") {
			t.Fatalf("TaskManagerLog = %d %q, %v", n, buf.String(), err)
		}
		buf.Reset()
		if _, err := c.TaskManagerLog(ctx, id, "taskmanager.log.1", &buf); err != nil || !strings.Contains(buf.String(), "taskmanager.log.1") {
			t.Fatalf("TaskManagerLog(taskmanager.log.1) = %q, %v", buf.String(), err)
		}
		buf.Reset()
		if _, err := c.TaskManagerStdout(ctx, id, &buf); err != nil || !strings.Contains(buf.String(), "stdout") {
			t.Fatalf("TaskManagerStdout = %q, %v", buf.String(), err)
		}
		if _, err := c.TaskManagerLog(ctx, id, "missing.log", &buf); err == nil {
			t.Fatal("an unknown log file was read")
		}
		if _, err := c.TaskManagerLog(ctx, id, "../etc/passwd", &buf); !errors.Is(err, flinkclient.ErrInvalidRequest) {
			t.Fatalf("a path as log name = %v, want ErrInvalidRequest", err)
		}
		if _, err := c.TaskManagerDetails(ctx, "10.9.9.9:1-abcdef"); err == nil {
			t.Fatal("details of an unknown TaskManager succeeded")
		}
	})
}

func TestJobManagerOperations(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		cfg, err := c.JobManagerConfig(ctx)
		if err != nil || len(cfg) == 0 {
			t.Fatalf("JobManagerConfig = %+v, %v", cfg, err)
		}
		m, err := c.JobManagerMetrics(ctx, "numRegisteredTaskManagers")
		if err != nil || len(m) != 1 || m[0].Value != "1" {
			t.Fatalf("JobManagerMetrics = %+v, %v", m, err)
		}
		logs, err := c.JobManagerLogs(ctx)
		if err != nil || len(logs) != 2 {
			t.Fatalf("JobManagerLogs = %+v, %v", logs, err)
		}
		if atLeast(jm, "1.15") != (logs[0].ModTime > 0) {
			t.Fatalf("log mtime %d on %s (1.15 added it)", logs[0].ModTime, jm.FlinkVersion())
		}
		var buf bytes.Buffer
		if _, err := c.JobManagerLog(ctx, "", &buf); err != nil || !strings.Contains(buf.String(), "jobmanager.log") {
			t.Fatalf("JobManagerLog = %q, %v", buf.String(), err)
		}
		buf.Reset()
		if _, err := c.JobManagerStdout(ctx, &buf); err != nil || !strings.Contains(buf.String(), "stdout") {
			t.Fatalf("JobManagerStdout = %q, %v", buf.String(), err)
		}
		env, err := c.JobManagerEnvironment(ctx)
		if !atLeast(jm, "1.18") {
			if !errors.Is(err, flinkclient.ErrUnsupported) || !strings.Contains(err.Error(), "needs Flink 1.18") {
				t.Fatalf("JobManagerEnvironment on %s = %v, want ErrUnsupported naming 1.18", jm.FlinkVersion(), err)
			}
			return
		}
		if err != nil || env.JVM.Version == "" || len(env.Classpath) == 0 {
			t.Fatalf("JobManagerEnvironment = %+v, %v", env, err)
		}
	})
}

func TestResourceRequirementsRescale(t *testing.T) {
	// A rescale restarts the job for RescaleDelay: long enough to see RESTARTING on a busy machine.
	eachVersionWith(t, flinktest.JobManagerConfig{RescaleDelay: 2 * time.Second}, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, vertex := runWordCount(t, c)
		req, err := c.ResourceRequirements(ctx, job)
		if !atLeast(jm, "1.18") {
			err2 := c.SetResourceRequirements(ctx, job, map[string]flinkclient.ParallelismBounds{vertex: {Lower: 1, Upper: 4}})
			for _, e := range []error{err, err2} {
				if !errors.Is(e, flinkclient.ErrUnsupported) || !strings.Contains(e.Error(), "needs Flink 1.18") {
					t.Fatalf("resource requirements on %s = %v, want ErrUnsupported naming 1.18", jm.FlinkVersion(), e)
				}
			}
			return
		}
		if err != nil || req[vertex] != (flinkclient.ParallelismBounds{Lower: 2, Upper: 2}) {
			t.Fatalf("ResourceRequirements = %+v, %v", req, err)
		}
		if err := c.SetResourceRequirements(ctx, job, map[string]flinkclient.ParallelismBounds{vertex: {Lower: 1, Upper: 4}}); err != nil {
			t.Fatal(err)
		}
		// The adaptive scheduler restarts the job; wait for it to run with the new parallelism.
		if st, err := c.JobStatus(ctx, job); err != nil || st != flinkclient.JobRestarting {
			t.Fatalf("right after the new requirements: %s, %v; want RESTARTING", st, err)
		}
		par, err := c.WaitForRescale(ctx, job, fastWait)
		if err != nil || par[vertex] != 4 {
			t.Fatalf("WaitForRescale = %v, %v", par, err)
		}
		if d, err := c.JobDetails(ctx, job); err != nil || d.Vertices[0].Parallelism != 4 || d.State != flinkclient.JobRunning {
			t.Fatalf("after rescaling: %+v, %v", d, err)
		}
		history, err := c.RescaleHistory(ctx, job)
		switch {
		case !atLeast(jm, "2.3"):
			if !errors.Is(err, flinkclient.ErrUnsupported) || !strings.Contains(err.Error(), "needs Flink 2.3") {
				t.Fatalf("RescaleHistory on %s = %v, want ErrUnsupported naming 2.3", jm.FlinkVersion(), err)
			}
		case err != nil || len(history) != 1 || history[0].TriggerCause != "UPDATE_REQUIREMENT" ||
			history[0].Vertices[vertex].Before != 2 || history[0].Vertices[vertex].After != 4:
			t.Fatalf("RescaleHistory = %+v, %v", history, err)
		}
		err = c.SetResourceRequirements(ctx, job, map[string]flinkclient.ParallelismBounds{vertex: {Lower: 3, Upper: 2}, "x": {Lower: 1, Upper: 1}})
		var ve *flinkclient.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 2 {
			t.Fatalf("bad bounds = %v, want 2 problems", err)
		}
	})
}

func TestApplications(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, _ := runWordCount(t, c)
		apps, err := c.Applications(ctx)
		if !atLeast(jm, "2.3") {
			if !errors.Is(err, flinkclient.ErrUnsupported) || !strings.Contains(err.Error(), "needs Flink 2.3") {
				t.Fatalf("Applications on %s = %v, want ErrUnsupported naming 2.3", jm.FlinkVersion(), err)
			}
			return
		}
		if err != nil || len(apps) != 1 || apps[0].Status != "RUNNING" {
			t.Fatalf("Applications = %+v, %v", apps, err)
		}
		app, err := c.Application(ctx, apps[0].ID)
		if err != nil || len(app.Jobs) != 1 || app.Jobs[0].ID != job {
			t.Fatalf("Application = %+v, %v", app, err)
		}
		if cfg, err := c.ApplicationJobManagerConfig(ctx, app.ID); err != nil || len(cfg) == 0 {
			t.Fatalf("ApplicationJobManagerConfig = %+v, %v", cfg, err)
		}
		if err := jm.RecordJobException(job, "java.io.IOException: disk full"); err != nil {
			t.Fatal(err)
		}
		ex, err := c.ApplicationExceptions(ctx, app.ID)
		if err != nil || len(ex) != 1 || ex[0].JobID != job || ex[0].ExceptionName != "java.io.IOException" {
			t.Fatalf("ApplicationExceptions = %+v, %v", ex, err)
		}
		if err := c.CancelApplication(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitForJobStateWith(ctx, fastWait, job, flinkclient.JobCanceled); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Application(ctx, "nope"); !errors.Is(err, flinkclient.ErrInvalidRequest) {
			t.Fatalf("a bad application ID = %v", err)
		}
	})
}

// TestCheckpointDetailsAndStatistics reads a savepoint's statistics on every version (a
// savepoint is a checkpoint to Flink's statistics; triggered checkpoints need 1.18).
func TestCheckpointDetailsAndStatistics(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		job, vertex := runWordCount(t, c)
		loc, err := c.Savepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "file:///sp"})
		if err != nil {
			t.Fatal(err)
		}
		stats, err := c.CheckpointStats(ctx, job)
		if err != nil || stats.Counts.Completed != 1 || stats.Latest.Savepoint == nil || stats.Latest.Savepoint.ExternalPath != loc {
			t.Fatalf("CheckpointStats = %+v, %v", stats, err)
		}
		s := stats.Summary
		if s.StateSize.Max == 0 || s.EndToEndDuration.Avg == 0 || (s.StateSize.P99 != 0) != atLeast(jm, "1.15") || (s.CheckpointedSize.Max != 0) != atLeast(jm, "1.18") {
			t.Fatalf("summary on %s = %+v (percentiles from 1.15, checkpointed size from 1.18)", jm.FlinkVersion(), s)
		}
		d, _, err := c.CheckpointDetails(ctx, job, stats.Latest.Savepoint.ID)
		if err != nil || !d.IsSavepoint || d.ExternalPath != loc || d.Tasks[vertex].NumAcknowledged != 2 {
			t.Fatalf("CheckpointDetails = %+v, %v", d, err)
		}
	})
}
