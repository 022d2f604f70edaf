package flinktest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

func jmStart(t *testing.T, version string) (*flinktest.JobManager, *recorder) {
	t.Helper()
	return startRecording(t, func(r flinktest.Reporter) (*flinktest.JobManager, error) {
		return flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: version, Reporter: r})
	})
}

func TestRequestViolationsAreReported(t *testing.T) {
	for _, v := range flinktest.JobManagerVersions() {
		t.Run(v, func(t *testing.T) {
			jm, rec := jmStart(t, v)
			status, body := send(t, "GET", jm.URL()+"/jobs/not-a-job-id", "", "")
			if status != 400 || !strings.Contains(body, `"errors"`) {
				t.Fatalf("bad job id answered %d %s, want 400 with Flink's error body", status, body)
			}
			status, body = send(t, "GET", jm.URL()+"/v1/no/such/route", "", "")
			if status != 404 || !strings.Contains(body, "Not found: /v1/no/such/route") {
				t.Fatalf("unknown route answered %d %s", status, body)
			}
			if len(rec.all()) != 2 || len(jm.Violations()) != 2 {
				t.Fatalf("reported %q, want 2 violations", rec.all())
			}
			if err := jm.Close(); err == nil || !strings.Contains(err.Error(), "no route") {
				t.Fatalf("Close = %v, want the violations", err)
			}
		})
	}
}

func TestVersionSpecificBodyFields(t *testing.T) {
	job := strings.Repeat("0a", 16)
	cases := []struct {
		path, body string
		since      string // first version that accepts the field
	}{
		{"/jars/x.jar/run", `{"claimMode":"CLAIM"}`, "1.20"},
		{"/jars/x.jar/run", `{"restoreMode":"CLAIM"}`, "1.15"},
		{"/jars/x.jar/run", `{"flinkConfiguration":{"a":"b"}}`, "1.18"},
		{"/jars/x.jar/run", `{"savepointPath":"/sp","allowNonRestoredState":true}`, "1.12"},
		{"/jobs/" + job + "/savepoints", `{"target-directory":"/sp","triggerId":"` + job + `"}`, "1.15"},
		{"/jobs/" + job + "/savepoints", `{"target-directory":"/sp","formatType":"NATIVE"}`, "1.15"},
		{"/jobs/" + job + "/savepoints", `{"target-directory":"/sp","cancel-job":true}`, "1.12"},
		{"/jobs/" + job + "/stop", `{"targetDirectory":"/sp","triggerId":"` + job + `"}`, "1.15"},
		{"/jobs/" + job + "/stop", `{"targetDirectory":"/sp","drain":true}`, "1.12"},
	}
	for _, v := range flinktest.JobManagerVersions() {
		for _, c := range cases {
			jm, rec := jmStart(t, v)
			status, _ := send(t, "POST", jm.URL()+c.path, "application/json", c.body)
			accepted := versionAtLeast(v, c.since)
			if accepted != (len(rec.all()) == 0) || (!accepted && status != 400) {
				t.Errorf("%s: POST %s %s answered %d, violations %q; want accepted = %v", v, c.path, c.body, status, rec.all(), accepted)
			}
		}
	}
}

// versionAtLeast compares two major.minor versions.
func versionAtLeast(v, min string) bool {
	a, _ := flinkclient.ParseVersion(v)
	b, _ := flinkclient.ParseVersion(min)
	return a.AtLeast(b)
}

// TestInProgressAnswerCarriesNullOperation checks the fake answers an unfinished savepoint as
// Flink does, {"status":{"id":"IN_PROGRESS"},"operation":null}, with the null written out.
func TestInProgressAnswerCarriesNullOperation(t *testing.T) {
	for _, v := range flinktest.JobManagerVersions() {
		jm, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: v, SavepointDelay: time.Hour, Reporter: t})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := flinkclient.New(jm.URL())
		ctx := context.Background()
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		_, _ = zw.Create("x")
		_ = zw.Close()
		up, err := c.UploadJar(ctx, "x.jar", &buf, flinkclient.UploadJarOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{EntryClass: "a.B"})
		if err != nil {
			t.Fatal(err)
		}
		op, err := c.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		if err != nil {
			t.Fatal(err)
		}
		status, body := do(t, "GET", jm.URL()+"/jobs/"+job+"/savepoints/"+op.TriggerID(), "")
		if want := `{"operation":null,"status":{"id":"IN_PROGRESS"}}`; status != 200 || body != want {
			t.Errorf("%s: in progress answered %d %s, want 200 %s", v, status, body, want)
		}
		if err := jm.Close(); err != nil {
			t.Error(err)
		}
	}
}

func jmMultipartJar(t *testing.T, name string, content []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("jarfile", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(content)
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestUploadChecksZip(t *testing.T) {
	jm, rec := jmStart(t, "2.0")
	ct, body := jmMultipartJar(t, "evil.jar", []byte("MZ this is an exe"))
	status, answer := send(t, "POST", jm.URL()+"/jars/upload", ct, body.String())
	if status != 400 || !strings.Contains(answer, "not a jar") {
		t.Fatalf("non-zip upload answered %d %s", status, answer)
	}
	ct, body = jmMultipartJar(t, "notes.txt", []byte("PK\x03\x04"))
	if status, answer = send(t, "POST", jm.URL()+"/jars/upload", ct, body.String()); status != 400 || !strings.Contains(answer, "Only Jar files") {
		t.Fatalf("non-.jar name answered %d %s", status, answer)
	}
	// A zip signature followed by garbage is caught when the archive is opened.
	ct, body = jmMultipartJar(t, "broken.jar", []byte("PK\x03\x04garbage"))
	if status, answer = send(t, "POST", jm.URL()+"/jars/upload", ct, body.String()); status != 400 || !strings.Contains(answer, "not a valid jar") {
		t.Fatalf("broken zip answered %d %s", status, answer)
	}
	if len(jm.JarIDs()) != 0 || len(rec.all()) != 0 {
		t.Fatalf("jars %v, violations %q", jm.JarIDs(), rec.all())
	}
}

func TestCancelPassesThroughCancelling(t *testing.T) {
	jm, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.18", CancelDelay: time.Second, Reporter: t})
	if err != nil {
		t.Fatal(err)
	}
	defer jm.Close()
	c, _ := flinkclient.New(jm.URL())
	ctx := context.Background()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	_, _ = zw.Create("x")
	_ = zw.Close()
	up, err := c.UploadJar(ctx, "x.jar", &buf, flinkclient.UploadJarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{EntryClass: "a.B"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if j, _ := jm.Job(job); j.State != "CANCELLING" {
		t.Fatalf("right after cancel: %s, want CANCELLING", j.State)
	}
	// The job stays CANCELLING for the delay (1s), then is CANCELED.
	start := time.Now()
	if _, err := c.WaitForJobStateWith(ctx, flinkclient.WaitOptions{InitialInterval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond}, job, flinkclient.JobCanceled); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 800*time.Millisecond {
		t.Fatalf("CANCELED after %v, want the 1s delay", waited)
	}
	if err := c.CancelJob(ctx, job); err != nil {
		t.Fatalf("cancelling a cancelled job: %v", err)
	}
	if err := jm.FinishJob(job); err != nil {
		t.Fatal(err)
	}
}

// A test starts a fake of the Flink version it needs and points the code under test at URL().
func ExampleNewJobManager() {
	jm, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.18"})
	if err != nil {
		panic(err)
	}
	defer jm.Close()
	c, _ := flinkclient.New(jm.URL())
	v, err := c.FlinkVersion(context.Background())
	fmt.Println(v, err)
	jobs, err := c.ListJobs(context.Background())
	fmt.Println(len(jobs), err, jm.Violations())
	// Output:
	// 1.18 <nil>
	// 0 <nil> []
}

func TestNewJobManagerRejectsBadConfig(t *testing.T) {
	_, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.17", SavepointDelay: -time.Second, TaskManagers: -1})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`FlinkVersion = "1.17"`, "SavepointDelay = -1s", "TaskManagers = -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestJobManagerReportsItsVersion(t *testing.T) {
	jm := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{FlinkVersion: "2.0.1", ReportedVersion: "2.0.1"})
	status, body := send(t, "GET", jm.URL()+"/config", "", "")
	if status != 200 || !strings.Contains(body, `"flink-version":"2.0.1"`) || jm.FlinkVersion() != "2.0" {
		t.Fatalf("plays %s, /config answered %d %s", jm.FlinkVersion(), status, body)
	}
}

// A lost answer: the request takes effect, the client sees a dropped connection.
func TestDropAnswerChangesStateButAnswersNothing(t *testing.T) {
	jm := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{})
	jm.InjectFault("POST /jars/upload", flinktest.Fault{DropAnswer: true, Times: 1})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	_, _ = zw.Create("x")
	_ = zw.Close()
	ct, body := jmMultipartJar(t, "x.jar", buf.Bytes())
	req, _ := http.NewRequest("POST", jm.URL()+"/jars/upload", body)
	req.Header.Set("Content-Type", ct)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d, want a dropped connection", resp.StatusCode)
	}
	if len(jm.JarIDs()) != 1 || jm.Requests("POST /jars/upload") != 1 {
		t.Fatalf("jars %v after a lost answer, %d requests", jm.JarIDs(), jm.Requests("POST /jars/upload"))
	}
}

// TestLogFilesOutsideTheSpec checks the log and stdout routes Flink leaves out of its specs:
// served as text/plain on every version without a violation, counted and faulted like other
// routes, and answered with Flink's JSON error for an unknown TaskManager or file.
func TestLogFilesOutsideTheSpec(t *testing.T) {
	for _, v := range flinktest.JobManagerVersions() {
		jm, rec := jmStart(t, v)
		c, _ := flinkclient.New(jm.URL())
		ctx := context.Background()
		tms, err := c.TaskManagers(ctx)
		if err != nil || len(tms) == 0 {
			t.Fatalf("%s: TaskManagers = %v, %v", v, tms, err)
		}
		resp, err := http.Get(jm.URL() + "/v1/taskmanagers/" + tms[0].ID + "/stdout")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("%s: stdout answered %d %q", v, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if status, body := do(t, "GET", jm.URL()+"/taskmanagers/nope:1-abcdef/log", ""); status != 404 || !strings.Contains(body, `"errors"`) {
			t.Errorf("%s: unknown TaskManager's log answered %d %s", v, status, body)
		}
		if status, _ := do(t, "GET", jm.URL()+"/jobmanager/logs/missing.log", ""); status != 404 {
			t.Errorf("%s: a missing file answered %d", v, status)
		}
		jm.InjectFault("GET /jobmanager/log", flinktest.Fault{Status: 503, Times: 1})
		if status, _ := do(t, "GET", jm.URL()+"/jobmanager/log", ""); status != 503 {
			t.Errorf("%s: injected fault answered %d", v, status)
		}
		if status, _ := do(t, "GET", jm.URL()+"/jobmanager/log", ""); status != 200 {
			t.Errorf("%s: after the fault: %d", v, status)
		}
		if n := jm.Requests("GET /jobmanager/log"); n != 2 {
			t.Errorf("%s: Requests(GET /jobmanager/log) = %d, want 2", v, n)
		}
		if status, _ := do(t, "POST", jm.URL()+"/jobmanager/log", ""); status != 404 || len(rec.all()) != 1 {
			t.Errorf("%s: POST to a log route answered %d with violations %q; want Flink's 404, reported", v, status, rec.all())
		}
	}
}
