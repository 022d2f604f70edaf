package flinkclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

const unknownJob = "0123456789abcdef0123456789abcdef"

func TestJobNotFound(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		_, err := c.JobStatus(context.Background(), unknownJob)
		if !errors.Is(err, flinkclient.ErrJobNotFound) {
			t.Fatalf("JobStatus(unknown) = %v, want ErrJobNotFound", err)
		}
		var fe *flinkclient.Error
		if !errors.As(err, &fe) || fe.Status != http.StatusNotFound || len(fe.Errors) == 0 || fe.Method != http.MethodGet {
			t.Fatalf("error = %#v", err)
		}
		if errors.Is(err, flinkclient.ErrJarNotFound) {
			t.Fatal("a job 404 must not match ErrJarNotFound")
		}
		if err := c.CancelJob(context.Background(), unknownJob); !errors.Is(err, flinkclient.ErrJobNotFound) {
			t.Fatalf("CancelJob(unknown) = %v", err)
		}
		if _, err := c.TriggerSavepoint(context.Background(), unknownJob, flinkclient.SavepointRequest{}); !errors.Is(err, flinkclient.ErrJobNotFound) {
			t.Fatalf("TriggerSavepoint(unknown) = %v", err)
		}
	})
}

func TestJarNotFound(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		_, err := c.RunJar(context.Background(), "nope_x.jar", flinkclient.RunJarRequest{EntryClass: "a.B"})
		if !errors.Is(err, flinkclient.ErrJarNotFound) || errors.Is(err, flinkclient.ErrJobNotFound) {
			t.Fatalf("RunJar(unknown jar) = %v, want ErrJarNotFound", err)
		}
	})
}

func TestUploadNotAJar(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		_, err := c.UploadJar(context.Background(), "job.jar", strings.NewReader("#!/bin/sh\necho not a jar\n"), flinkclient.UploadJarOptions{})
		if !errors.Is(err, flinkclient.ErrNotJar) || !strings.Contains(err.Error(), "#!/b") {
			t.Fatalf("upload of a script = %v, want ErrNotJar quoting its start", err)
		}
		_, err = c.UploadJar(context.Background(), "empty.jar", bytes.NewReader(nil), flinkclient.UploadJarOptions{})
		if !errors.Is(err, flinkclient.ErrNotJar) {
			t.Fatalf("upload of nothing = %v, want ErrNotJar", err)
		}
		if n := jm.Requests("POST /jars/upload"); n != 0 {
			t.Fatalf("%d upload requests reached the server, want 0", n)
		}
		var ve *flinkclient.ValidationError
		_, err = c.UploadJar(context.Background(), "job.zip", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{Size: -1})
		if !errors.As(err, &ve) || len(ve.Problems) != 2 {
			t.Fatalf("bad name and size = %v, want one ValidationError with 2 problems", err)
		}
	})
}

func TestNonJSONAnswer(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		page := "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
		jm.InjectFault("GET /overview", flinktest.Fault{Body: page})
		_, err := c.Overview(context.Background())
		var fe *flinkclient.Error
		if !errors.Is(err, flinkclient.ErrNotJSON) || !errors.As(err, &fe) || fe.Status != 502 || !strings.Contains(err.Error(), "<html><head><title>502") {
			t.Fatalf("HTML 502 = %v", err)
		}
		jm.ClearFaults()
		jm.InjectFault("GET /jobs", flinktest.Fault{Status: 200, Body: "<html>login</html>" + strings.Repeat("x", 500)})
		_, err = c.ListJobs(context.Background())
		if !errors.Is(err, flinkclient.ErrNotJSON) || len(err.Error()) > 400 {
			t.Fatalf("HTML 200 = %v (len %d), want a short ErrNotJSON", err, len(err.Error()))
		}
	})
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := flinkclient.New("http://"+addr, fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Overview(context.Background())
	var fe *flinkclient.Error
	if !errors.As(err, &fe) || fe.Status != 0 || fe.Err == nil || !strings.Contains(err.Error(), "GET /overview") {
		t.Fatalf("unreachable = %v", err)
	}
}

func TestTimeoutIsContextError(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		jm.InjectFault("GET /overview", flinktest.Fault{Delay: 5 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Overview(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("slow answer = %v after %v, want DeadlineExceeded", err, time.Since(start))
		}
		// The default timeout applies when ctx has none, and surfaces the same way.
		c2, _ := flinkclient.New(jm.URL(), flinkclient.WithTimeout(50*time.Millisecond), fastRetry)
		if _, err := c2.Overview(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("default timeout = %v, want DeadlineExceeded", err)
		}
	})
}

func TestContextCancelledMidWait(t *testing.T) {
	eachVersionWith(t, flinktest.JobManagerConfig{SavepointDelay: time.Hour}, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, err := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		if err != nil {
			t.Fatal(err)
		}
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(30*time.Millisecond, cancel)
		_, err = op.WaitWith(wctx, fastWait)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait after cancel = %v, want context.Canceled", err)
		}
		if done, _, err := op.Poll(ctx); done || err != nil {
			t.Fatalf("Poll = %v, %v: the savepoint should still be in progress", done, err)
		}
	})
}

func TestSavepointFails(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		if err != nil {
			t.Fatal(err)
		}
		jm.FailNextSavepoint("java.io.IOException: No space left on device")
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = op.WaitWith(ctx, fastWait)
		var oe *flinkclient.OperationError
		if !errors.Is(err, flinkclient.ErrOperationFailed) || !errors.As(err, &oe) {
			t.Fatalf("failed savepoint = %v", err)
		}
		if oe.Cause.Class != "java.io.IOException" || !strings.Contains(oe.Cause.Message(), "No space left") || oe.JobID != job || oe.TriggerID != op.TriggerID() {
			t.Fatalf("OperationError = %+v", oe)
		}
		// No target directory and no cluster default: Flink's own failure.
		op, _ = c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{})
		if _, err := op.WaitWith(ctx, fastWait); !errors.Is(err, flinkclient.ErrOperationFailed) || !strings.Contains(err.Error(), "No savepoint directory") {
			t.Fatalf("savepoint without directory = %v", err)
		}
	})
}

func TestRetries(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		jm.InjectFault("GET /jobs", flinktest.Fault{Status: 503, Times: 2})
		if _, err := c.ListJobs(ctx); err != nil {
			t.Fatalf("ListJobs after two 503s = %v", err)
		}
		if n := jm.Requests("GET /jobs"); n != 3 {
			t.Fatalf("GET /jobs requests = %d, want 3", n)
		}
		jm.InjectFault("GET /overview", flinktest.Fault{Drop: true, Times: 1})
		if _, err := c.Overview(ctx); err != nil {
			t.Fatalf("Overview after a dropped connection = %v", err)
		}
		// 500 is Flink's answer to a real failure: not retried by default.
		jm.InjectFault("GET /jobmanager/config", flinktest.Fault{Status: 500})
		if _, err := c.JobManagerConfig(ctx); err == nil || jm.Requests("GET /jobmanager/config") != 1 {
			t.Fatalf("500: err %v after %d requests, want an error after 1", err, jm.Requests("GET /jobmanager/config"))
		}
		// Non-idempotent calls are never retried.
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		jm.InjectFault("POST /jars/{jarid}/run", flinktest.Fault{Status: 503, Times: 1})
		if _, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{}); err == nil || jm.Requests("POST /jars/{jarid}/run") != 1 {
			t.Fatalf("RunJar with 503: err %v, %d requests; want an error after 1", err, jm.Requests("POST /jars/{jarid}/run"))
		}
	})
}

func TestRetriedTriggerTakesOneSavepoint(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		job, _ := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		// The first trigger is handled but its answer is lost; the client retries it.
		jm.InjectFault("POST /jobs/{jobid}/savepoints", flinktest.Fault{DropAnswer: true, Times: 1})
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		if !atLeast(jm, "1.15") {
			// Before 1.15 Flink knows no trigger ID: a retry could take a second savepoint, so
			// the client sends the trigger once and reports the lost answer.
			if err == nil || jm.Requests("POST /jobs/{jobid}/savepoints") != 1 {
				t.Fatalf("lost trigger answer on %s: err %v after %d requests, want an error after 1",
					jm.FlinkVersion(), err, jm.Requests("POST /jobs/{jobid}/savepoints"))
			}
			// Asking for an idempotent trigger is refused before sending.
			_, err = c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp", TriggerID: strings.Repeat("ab", 16)})
			var ve *flinkclient.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), "needs Flink 1.15") || jm.Requests("POST /jobs/{jobid}/savepoints") != 1 {
				t.Fatalf("TriggerID on %s = %v, want a ValidationError naming 1.15 and no request", jm.FlinkVersion(), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := op.WaitWith(ctx, fastWait); err != nil {
			t.Fatal(err)
		}
		if n := jm.Requests("POST /jobs/{jobid}/savepoints"); n != 2 {
			t.Fatalf("trigger requests = %d, want 2 (one lost answer, one retry)", n)
		}
		if sp := jm.Savepoints(); len(sp) != 1 {
			t.Fatalf("savepoints = %v, want exactly 1", sp)
		}
	})
}

func TestWaitForJobState(t *testing.T) {
	// The job must still be INITIALIZING when the test first asks, on a busy machine too.
	eachVersionWith(t, flinktest.JobManagerConfig{StartDelay: 2 * time.Second}, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		job, _ := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		if st, _ := c.JobStatus(ctx, job); st != flinkclient.JobInitializing {
			t.Fatalf("new job state %s, want INITIALIZING", st)
		}
		if st, err := c.WaitForJobStateWith(ctx, fastWait, job, flinkclient.JobRunning); err != nil || st != flinkclient.JobRunning {
			t.Fatalf("WaitForJobState = %s, %v", st, err)
		}
		if err := jm.FailJob(job, "java.lang.RuntimeException: boom"); err != nil {
			t.Fatal(err)
		}
		_, err := c.WaitForJobStateWith(ctx, fastWait, job, flinkclient.JobCanceled)
		var se *flinkclient.JobStateError
		if !errors.Is(err, flinkclient.ErrUnexpectedState) || !errors.As(err, &se) || se.State != flinkclient.JobFailed {
			t.Fatalf("wait for CANCELED on a failed job = %v", err)
		}
		ex, err := c.JobExceptions(ctx, job, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.History) != 1 || ex.History[0].ExceptionName != "java.lang.RuntimeException" || !strings.HasPrefix(ex.RootCause, "java.lang.RuntimeException: boom") || ex.RootCauseTimestamp == 0 {
			t.Fatalf("exceptions = %+v", ex)
		}
	})
}

func TestCheckpoints(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		job, _ := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		cfg, err := c.CheckpointConfig(ctx, job)
		if err != nil || cfg.Mode != "EXACTLY_ONCE" || cfg.Interval == 0 {
			t.Fatalf("CheckpointConfig = %+v, %v", cfg, err)
		}
		op, err := c.TriggerCheckpoint(ctx, job, flinkclient.CheckpointFull)
		if !atLeast(jm, "1.18") {
			if !errors.Is(err, flinkclient.ErrUnsupported) || !strings.Contains(err.Error(), "needs Flink 1.18") {
				t.Fatalf("TriggerCheckpoint on %s = %v, want ErrUnsupported naming 1.18", jm.FlinkVersion(), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		id, err := op.WaitWith(ctx, fastWait)
		if err != nil || id <= 0 {
			t.Fatalf("checkpoint = %d, %v", id, err)
		}
		sum, raw, err := c.CheckpointDetails(ctx, job, id)
		if err != nil || sum.ID != id || sum.Status != "COMPLETED" || sum.ExternalPath == "" || len(raw) == 0 {
			t.Fatalf("CheckpointDetails = %+v, %v", sum, err)
		}
		d, _ := c.JobDetails(ctx, job)
		if task, ok := sum.Tasks[d.Vertices[0].ID]; !ok || task.ID != id || task.NumAcknowledged != task.NumSubtasks || task.StateSize == 0 {
			t.Fatalf("CheckpointDetails tasks = %+v, want the vertex %s", sum.Tasks, d.Vertices[0].ID)
		}
		stats, err := c.CheckpointStats(ctx, job)
		if err != nil || stats.Counts.Completed != 1 || stats.Latest.Completed == nil || stats.Latest.Completed.ID != id {
			t.Fatalf("CheckpointStats = %+v, %v", stats, err)
		}
		if s := stats.Summary; s.StateSize.Max == 0 || (s.CheckpointedSize.Max != 0) != atLeast(jm, "1.18") || (s.StateSize.P99 != 0) != atLeast(jm, "1.15") {
			t.Fatalf("checkpoint summary on %s = %+v (percentiles from 1.15, checkpointed size from 1.18)", jm.FlinkVersion(), s)
		}
		if _, _, err := c.CheckpointDetails(ctx, job, id+100); err == nil {
			t.Fatal("details of an unknown checkpoint succeeded")
		}
	})
}

func TestVersionAdaptation(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		up, _ := c.UploadJar(ctx, "a.jar", bytes.NewReader(testJar(t, "a.B")), flinkclient.UploadJarOptions{})
		job, _ := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{})
		// Version-specific fields: the fake rejects a field its version lacks, so success here
		// proves the client sent the right spelling; a field the version lacks is a
		// ValidationError before any request.
		var ve *flinkclient.ValidationError
		runs := jm.Requests("POST /jars/{jarid}/run")
		_, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{FlinkConfiguration: map[string]string{"pipeline.name": "wc"}})
		if old := !atLeast(jm, "1.18"); old != errors.As(err, &ve) || (err != nil && !old) {
			t.Fatalf("FlinkConfiguration on %s: %v", jm.FlinkVersion(), err)
		}
		sp, _ := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		loc, err := sp.WaitWith(ctx, fastWait)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{SavepointPath: loc, ClaimMode: flinkclient.ClaimModeClaim})
		if old := !atLeast(jm, "1.15"); old != errors.As(err, &ve) || (err != nil && !old) {
			t.Fatalf("ClaimMode on %s: %v", jm.FlinkVersion(), err)
		}
		if want := runs + 1 + btoi(atLeast(jm, "1.15")) - btoi(!atLeast(jm, "1.18")); jm.Requests("POST /jars/{jarid}/run") != want {
			t.Fatalf("run requests = %d, want %d (refused requests are never sent)", jm.Requests("POST /jars/{jarid}/run"), want)
		}
		for _, format := range []flinkclient.SavepointFormat{flinkclient.SavepointNative, flinkclient.SavepointCanonical} {
			op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp", Format: format})
			if old := !atLeast(jm, "1.15"); old != errors.As(err, &ve) {
				t.Fatalf("savepoint Format %s on %s: %v", format, jm.FlinkVersion(), err)
			}
			if err == nil {
				if _, err := op.WaitWith(ctx, fastWait); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRunJarValidationListsEveryField(t *testing.T) {
	c, _ := flinkclient.New("http://127.0.0.1:1", flinkclient.WithFlinkVersion("1.15"))
	_, err := c.RunJar(context.Background(), "x.jar", flinkclient.RunJarRequest{
		Parallelism: -2, JobID: "XYZ", ClaimMode: "SOMETIMES", SavepointPath: "/sp", FlinkConfiguration: map[string]string{"a": "b"},
	})
	var ve *flinkclient.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 4 {
		t.Fatalf("err = %v, want 4 problems", err)
	}
	for _, want := range []string{"Parallelism = -2", `JobID = "XYZ"`, `ClaimMode = "SOMETIMES"`, "FlinkConfiguration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestNewValidation(t *testing.T) {
	_, err := flinkclient.New("ftp://x", flinkclient.WithTimeout(-time.Second), flinkclient.WithHTTPClient(http.DefaultClient),
		flinkclient.WithTLSConfig(nil), flinkclient.WithFlinkVersion("latest"))
	var ve *flinkclient.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("New = %v", err)
	}
	// WithTLSConfig(nil) is not "set"; the other three are wrong.
	if len(ve.Problems) != 3 {
		t.Fatalf("problems = %q, want 3", ve.Problems)
	}
	if _, err := flinkclient.New("http://jm:8081"); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const password, token = "hunter2-secret", "tok-abc-secret"
	var gotAuth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		fmt.Fprint(w, `{"errors":["internal"]}`)
	}))
	defer srv.Close()
	c, err := flinkclient.New(srv.URL, flinkclient.WithBasicAuth("admin", password), flinkclient.WithHeader("X-Api-Key", token),
		flinkclient.WithUserAgent("rtdw-test"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Overview(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	if len(gotAuth) != 2 || !strings.HasPrefix(gotAuth[0], "Basic ") || gotAuth[1] != token {
		t.Fatalf("server saw %q: credentials were not sent", gotAuth)
	}
	printed := fmt.Sprintf("%v %+v %#v %s %v %+v", c, c, c, c.BaseURL(), err, err)
	for _, secret := range []string{password, token, gotAuth[0]} {
		if strings.Contains(printed, secret) {
			t.Fatalf("secret %q printed: %s", secret, printed)
		}
	}
	// A password in the URL is redacted too.
	c2, _ := flinkclient.New("http://admin:" + password + "@127.0.0.1:1")
	if s := fmt.Sprint(c2, c2.BaseURL()); strings.Contains(s, password) {
		t.Fatalf("URL password printed: %s", s)
	}
}

// TestFieldsAVersionLacksAreNamed checks that on Flink 1.13 every field it lacks is refused
// before any I/O (the client points at a closed port), each with the version it needs.
func TestFieldsAVersionLacksAreNamed(t *testing.T) {
	c, _ := flinkclient.New("http://127.0.0.1:1", flinkclient.WithFlinkVersion("1.13.6"))
	ctx := context.Background()
	_, err := c.RunJar(ctx, "x.jar", flinkclient.RunJarRequest{SavepointPath: "/sp", ClaimMode: flinkclient.ClaimModeClaim,
		FlinkConfiguration: map[string]string{"a": "b"}})
	for _, want := range []string{`ClaimMode = "CLAIM": not supported by Flink 1.13.6 (needs 1.15`, "FlinkConfiguration: not supported by Flink 1.13.6 (needs 1.18)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("RunJar on 1.13: %v, want %q", err, want)
		}
	}
	job := strings.Repeat("ab", 16)
	_, err = c.StopWithSavepoint(ctx, job, flinkclient.StopRequest{Format: flinkclient.SavepointNative, TriggerID: job})
	for _, want := range []string{`Format = "NATIVE": not supported by Flink 1.13.6 (needs 1.15)`, "TriggerID = \"" + job + "\": an idempotent trigger needs Flink 1.15"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("StopWithSavepoint on 1.13: %v, want %q", err, want)
		}
	}
	for _, call := range []func() error{
		func() error { _, err := c.TriggerCheckpoint(ctx, job, ""); return err },
		func() error { _, err := c.JobManagerEnvironment(ctx); return err },
		func() error { _, err := c.ResourceRequirements(ctx, job); return err },
		func() error { _, err := c.WaitForRescale(ctx, job, flinkclient.WaitOptions{}); return err },
		func() error { _, err := c.Applications(ctx); return err },
	} {
		var ue *flinkclient.UnsupportedError
		if err := call(); !errors.As(err, &ue) || ue.Version.String() != "1.13.6" {
			t.Errorf("on 1.13: %v, want an UnsupportedError", err)
		}
	}
}

// TestOwnTriggerID checks that a caller's trigger ID is the one sent (1.15 on) and that a
// malformed one is refused.
func TestOwnTriggerID(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		if !atLeast(jm, "1.15") {
			return // TestRetriedTriggerTakesOneSavepoint and TestFieldsAVersionLacksAreNamed cover the refusal
		}
		ctx := context.Background()
		job, _ := runWordCount(t, c)
		own := strings.Repeat("0f", 16)
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp", TriggerID: own})
		if err != nil || op.TriggerID() != own {
			t.Fatalf("TriggerSavepoint with TriggerID = %v, %v", op, err)
		}
		// Resumed by another process from the recorded ID.
		again, _ := c.ResumeSavepointOperation(job, own)
		if loc, err := again.WaitWith(ctx, fastWait); err != nil || loc == "" {
			t.Fatalf("resumed operation = %q, %v", loc, err)
		}
		_, err = c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TriggerID: "ABC"})
		if !errors.Is(err, flinkclient.ErrInvalidRequest) || !strings.Contains(err.Error(), `TriggerID = "ABC"`) {
			t.Fatalf("a malformed TriggerID = %v", err)
		}
	})
}
