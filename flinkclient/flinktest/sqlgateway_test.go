package flinktest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
	"github.com/rtdw/rtdw/internal/flinkspec"
)

func startCollecting(t *testing.T, cfg flinktest.SQLGatewayConfig) (*flinktest.SQLGateway, *recorder) {
	t.Helper()
	return startRecording(t, func(r flinktest.Reporter) (*flinktest.SQLGateway, error) {
		cfg.Reporter = r
		return flinktest.NewSQLGateway(cfg)
	})
}

func openRaw(t *testing.T, g *flinktest.SQLGateway, version string) string {
	t.Helper()
	status, body := do(t, "POST", g.URL()+"/"+version+"/sessions", `{"sessionName":"raw"}`)
	var resp struct{ SessionHandle string }
	if status != 200 || json.Unmarshal([]byte(body), &resp) != nil || resp.SessionHandle == "" {
		t.Fatalf("open session: %d %s", status, body)
	}
	return resp.SessionHandle
}

func TestSQLGatewayServesTheVersionsOfItsFlink(t *testing.T) {
	for flink, want := range map[string]string{"1.18": `["V1","V2"]`, "1.20.1": `["V1","V2"]`, "2.0": `["V1","V2","V3"]`, "": `["V1","V2","V3","V4"]`} {
		g, rep := startCollecting(t, flinktest.SQLGatewayConfig{FlinkVersion: flink})
		status, body := do(t, "GET", g.URL()+"/v1/api_versions", "")
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("Flink %q: %d %s, want versions %s", flink, status, body, want)
		}
		// A version the Flink lacks is Flink's 404.
		status, body = do(t, "GET", g.URL()+"/v9/info", "")
		if status != 404 || !strings.Contains(body, `"errors":["Not found: /v9/info"]`) {
			t.Errorf("/v9/info: %d %s", status, body)
		}
		if len(rep.all()) != 0 {
			t.Errorf("violations: %v", rep.all())
		}
	}
	// configure-session does not exist in v1.
	g, _ := startCollecting(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.18"})
	h := openRaw(t, g, "v1")
	if status, _ := do(t, "POST", g.URL()+"/v1/sessions/"+h+"/configure-session", `{"statement":"USE x"}`); status != 404 {
		t.Errorf("v1 configure-session: %d, want 404", status)
	}
	if status, _ := do(t, "POST", g.URL()+"/v2/sessions/"+h+"/configure-session", `{"statement":"CREATE TABLE t (a INT)"}`); status != 200 {
		t.Errorf("v2 configure-session: %d, want 200", status)
	}
}

func TestSQLGatewayReportsRequestsTheSpecRejects(t *testing.T) {
	g, rep := startCollecting(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.20"})
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/v2/sessions", `{"sessionName": 3}`, "sessionName"},
		{"POST", "/v2/sessions", `{"properties": {"a": 1}}`, "properties"},
		// rowFormat is required from v2 on.
		{"GET", "/v2/sessions/" + openRaw(t, g, "v2") + "/operations/0b8c2c1e-3a2b-4c5d-8e9f-0123456789ab/result/0", "", "rowFormat"},
		{"GET", "/v2/sessions/" + openRaw(t, g, "v2") + "/operations/0b8c2c1e-3a2b-4c5d-8e9f-0123456789ab/result/0?rowFormat=XML", "", "rowFormat"},
		{"DELETE", "/v2/sessions", "", "not allowed"},
		// Handles are UUID strings on the wire (flinkspec's quirk for the object-typed spec).
		{"GET", "/v2/sessions/not-a-uuid", "", "session_handle"},
		{"GET", "/v2/sessions/" + openRaw(t, g, "v2") + "/operations/42/status", "", "operation_handle"},
	} {
		before := len(rep.all())
		status, body := do(t, tc.method, g.URL()+tc.path, tc.body)
		if status != 400 && status != 405 {
			t.Errorf("%s %s %s: %d %s, want 400/405", tc.method, tc.path, tc.body, status, body)
		}
		msgs := rep.all()
		if len(msgs) != before+1 || !strings.Contains(strings.ToLower(msgs[len(msgs)-1]), strings.ToLower(tc.want)) {
			t.Errorf("%s %s %s: violations %v, want one naming %q", tc.method, tc.path, tc.body, msgs[before:], tc.want)
		}
	}
	if len(g.Violations()) != 7 || g.Close() == nil {
		t.Errorf("Violations() = %d, Close() did not return them", len(g.Violations()))
	}
}

func TestSQLGatewayChecksItsOwnAnswers(t *testing.T) {
	g, rep := startCollecting(t, flinktest.SQLGatewayConfig{NotReadyPolls: -1})
	// A job id that is not 32 hex digits breaks FetchResultsResponseBody.jobID.
	g.RegisterResult("SELECT broken", flinktest.SQLResult{JobID: "not-a-job-id",
		Columns: []sqlgateway.Column{{Name: "a", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeInteger}}},
		Rows:    []sqlgateway.Row{{Values: []any{1}}}})
	h := openRaw(t, g, "v4")
	_, body := do(t, "POST", g.URL()+"/v4/sessions/"+h+"/statements", `{"statement":"SELECT broken"}`)
	var op struct{ OperationHandle string }
	_ = json.Unmarshal([]byte(body), &op)
	status, body := do(t, "GET", g.URL()+"/v4/sessions/"+h+"/operations/"+op.OperationHandle+"/result/0?rowFormat=JSON", "")
	if status != 500 || !strings.Contains(body, "violates the spec") {
		t.Fatalf("answer with a bad job id: %d %s", status, body)
	}
	if msgs := rep.all(); len(msgs) != 1 || !strings.Contains(msgs[0], "jobID") {
		t.Fatalf("violations %v, want one about jobID", msgs)
	}
}

func TestSQLGatewayFlinkLikeErrors(t *testing.T) {
	g, rep := startCollecting(t, flinktest.SQLGatewayConfig{NotReadyPolls: -1, PageSize: 1})
	unknown := "0b8c2c1e-3a2b-4c5d-8e9f-0123456789ab"
	status, body := do(t, "GET", g.URL()+"/v2/sessions/"+unknown, "")
	if status != 500 || !strings.Contains(body, "Internal server error.") || !strings.Contains(body, "Session '"+unknown+"' does not exist.") {
		t.Errorf("unknown session: %d %s", status, body)
	}
	// Tokens must go forward one at a time, as Flink's result store demands.
	h := openRaw(t, g, "v2")
	_, body = do(t, "POST", g.URL()+"/v2/sessions/"+h+"/statements", `{"statement":"SET"}`)
	var op struct{ OperationHandle string }
	_ = json.Unmarshal([]byte(body), &op)
	base := g.URL() + "/v2/sessions/" + h + "/operations/" + op.OperationHandle + "/result/"
	if status, body = do(t, "GET", base+"2?rowFormat=JSON", ""); status != 500 || !strings.Contains(body, "Expecting token to be 0 or 0, but found 2.") {
		t.Errorf("token 2 first: %d %s", status, body)
	}
	if status, _ = do(t, "GET", base+"0?rowFormat=JSON", ""); status != 200 {
		t.Errorf("token 0: %d", status)
	}
	if status, _ = do(t, "GET", base+"1?rowFormat=PLAIN_TEXT", ""); status != 200 {
		t.Errorf("token 1: %d", status)
	}
	if len(rep.all()) != 0 {
		t.Errorf("violations: %v", rep.all())
	}
}

func TestSQLGatewaySessionsExpire(t *testing.T) {
	t.Parallel() // it sleeps for seconds
	// Generous margins: the machine may be busy, and a heartbeat must arrive well within the timeout.
	g := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{SessionIdleTimeout: 2 * time.Second})
	h := openRaw(t, g, "v4")
	for range 3 { // heartbeats keep it alive
		time.Sleep(50 * time.Millisecond)
		if status, body := do(t, "POST", g.URL()+"/v4/sessions/"+h+"/heartbeat", ""); status != 200 {
			t.Fatalf("heartbeat: %d %s", status, body)
		}
	}
	time.Sleep(3 * time.Second)
	if status, body := do(t, "GET", g.URL()+"/v4/sessions/"+h, ""); status != 500 || !strings.Contains(body, "does not exist") {
		t.Fatalf("idle session still there: %d %s", status, body)
	}
	if g.SessionCount() != 0 {
		t.Fatalf("%d sessions", g.SessionCount())
	}
}

func TestSQLGatewayFaults(t *testing.T) {
	g := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{})
	g.InjectFault("GET /info", flinktest.Fault{Status: 503, Times: 1})
	g.InjectFault("*", flinktest.Fault{Body: "<html>down</html>", Times: 1})
	if status, body := do(t, "GET", g.URL()+"/v1/info", ""); status != 503 || !strings.Contains(body, "injected fault") {
		t.Errorf("first: %d %s", status, body)
	}
	if status, body := do(t, "GET", g.URL()+"/v1/info", ""); status != 502 || body != "<html>down</html>" {
		t.Errorf("second: %d %s", status, body)
	}
	if status, _ := do(t, "GET", g.URL()+"/v1/info", ""); status != 200 {
		t.Errorf("third: %d", status)
	}
	if n := g.Requests("GET /info"); n != 3 {
		t.Errorf("Requests = %d", n)
	}
	g.InjectFault("GET /info", flinktest.Fault{Delay: 40 * time.Millisecond})
	start := time.Now()
	if status, _ := do(t, "GET", g.URL()+"/v1/info", ""); status != 200 || time.Since(start) < 40*time.Millisecond {
		t.Errorf("delayed: %d after %v", status, time.Since(start))
	}
	g.ClearFaults()
	g.InjectFault("GET /info", flinktest.Fault{Drop: true})
	if _, err := http.Get(g.URL() + "/v1/info"); err == nil {
		t.Error("dropped connection answered")
	}
}

func TestNewSQLGatewayRejectsBadConfig(t *testing.T) {
	_, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: "1.15", PageSize: -1, SessionIdleTimeout: -1})
	if err == nil || !strings.Contains(err.Error(), "FlinkVersion") || !strings.Contains(err.Error(), "PageSize") || !strings.Contains(err.Error(), "SessionIdleTimeout") {
		t.Fatalf("err = %v", err)
	}
}

// Every operation of every SQL Gateway spec is served by the fake: a newer
// spec with a new operation fails here until the fake learns it.
func TestSQLGatewayServesEveryOperationOfTheSpecs(t *testing.T) {
	served := map[string]bool{
		"getApiVersion": true, "getInfo": true, "openSession": true, "getSessionConfig": true,
		"closeSession": true, "triggerSession": true, "configureSession": true, "completeStatement": true,
		"executeStatement": true, "getOperationStatus": true, "cancelOperation": true, "closeOperation": true,
		"fetchResults": true, "refreshMaterializedTable": true, "deployScript": true,
	}
	for _, flink := range []string{"1.18", "1.20", "2.0", "2.3"} {
		for _, v := range flinkspec.SQLGatewayAPIVersions(flink) {
			spec, err := flinkspec.SQLGateway(flink, v)
			if err != nil {
				t.Fatal(err)
			}
			for path, item := range spec.Document().Paths.Map() {
				for method, op := range item.Operations() {
					if !served[op.OperationID] {
						t.Errorf("%s: %s %s (%s) is not served by the fake", spec, method, path, op.OperationID)
					}
				}
			}
		}
	}
}

func TestSQLGatewayReportsItsVersion(t *testing.T) {
	g := flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.20.2", ReportedVersion: "1.20.2"})
	status, body := do(t, "GET", g.URL()+"/v2/info", "")
	if status != 200 || !strings.Contains(body, `"version":"1.20.2"`) || g.FlinkVersion() != "1.20" {
		t.Fatalf("plays %s, /info answered %d %s", g.FlinkVersion(), status, body)
	}
	g = flinktest.NewTestSQLGateway(t, flinktest.SQLGatewayConfig{})
	if _, body := do(t, "GET", g.URL()+"/v1/info", ""); !strings.Contains(body, `"version":"2.3-SNAPSHOT"`) {
		t.Fatalf("default /info answered %s", body)
	}
}

// A fake gateway of Flink 2.0 serves REST API v1 to v3; a request its spec rejects is answered
// 400 and reported, here to a recorder (a test passes its *testing.T).
func ExampleNewSQLGateway() {
	rec := &recorder{}
	g, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: "2.0", Reporter: rec})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	fmt.Println(g.FlinkVersion(), g.APIVersions())

	resp, err := http.Post(g.URL()+"/v3/sessions", "application/json", strings.NewReader(`{"sessionName": 3}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, len(g.Violations()), len(rec.all()), g.Requests("POST /sessions"))
	// Output:
	// 2.0 [1 2 3]
	// 400 1 1 1
}
