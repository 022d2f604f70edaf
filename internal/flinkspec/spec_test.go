package flinkspec

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const jobID = "0123456789abcdef0123456789abcdef"

var jsonHeader = http.Header{"Content-Type": {"application/json; charset=UTF-8"}}

func TestEverySpecLoadsAndValidates(t *testing.T) {
	for _, v := range JobManagerVersions() {
		s, err := JobManager(v)
		if err != nil {
			t.Fatalf("JobManager(%s): %v", v, err)
		}
		if s.FlinkVersion() != v || s.APIVersion() != 1 || s.Kind() != KindJobManager {
			t.Errorf("JobManager(%s) = %s", v, s)
		}
		for _, a := range SQLGatewayAPIVersions(v) {
			g, err := SQLGateway(v, a)
			if err != nil {
				t.Fatalf("SQLGateway(%s, %d): %v", v, a, err)
			}
			if g.APIVersion() != a || g.Kind() != KindSQLGateway {
				t.Errorf("SQLGateway(%s, %d) = %s", v, a, g)
			}
		}
	}
}

func TestGatewayAvailability(t *testing.T) {
	cases := map[string][]int{"1.15": nil, "1.18": {1, 2}, "1.20": {1, 2}, "2.0": {1, 2, 3}, "2.3": {1, 2, 3, 4}}
	for v, want := range cases {
		got := SQLGatewayAPIVersions(v)
		if len(got) != len(want) {
			t.Errorf("SQLGatewayAPIVersions(%s) = %v, want %v", v, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("SQLGatewayAPIVersions(%s) = %v, want %v", v, got, want)
			}
		}
	}
	if _, err := SQLGateway("1.15", 1); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("SQLGateway(1.15, 1) error = %v, want ErrUnknownVersion", err)
	}
	if _, err := SQLGateway("1.20", 3); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("SQLGateway(1.20, 3) error = %v, want ErrUnknownVersion", err)
	}
	if _, err := JobManager("1.17"); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("JobManager(1.17) error = %v, want ErrUnknownVersion", err)
	}
	if _, err := JobManager("banana"); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("JobManager(banana) error = %v, want ErrUnknownVersion", err)
	}
	if s, err := JobManager("1.20.1"); err != nil || s.FlinkVersion() != "1.20" {
		t.Errorf("JobManager(1.20.1) = %v, %v", s, err)
	}
}

func TestFindRoute(t *testing.T) {
	s, err := JobManager("1.20")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path, wantOp string
		wantErr              error
	}{
		{"GET", "/jobs/overview", "getJobsOverview", nil},
		{"GET", "/v1/jobs/overview", "getJobsOverview", nil},
		{"GET", "/jobs/" + jobID, "getJobDetails", nil},
		{"PATCH", "/v1/jobs/" + jobID, "cancelJob", nil},
		{"POST", "/jars/upload", "uploadJar", nil},
		{"POST", "/jobs/" + jobID + "/savepoints", "triggerSavepoint", nil},
		{"GET", "/nope", "", ErrNoRoute},
		{"GET", "/v2/jobs/overview", "", ErrNoRoute},
		{"PUT", "/jobs/overview", "", ErrMethodNotAllowed},
	}
	for _, c := range cases {
		r, err := s.FindRoute(c.method, c.path)
		if c.wantErr != nil {
			if !errors.Is(err, c.wantErr) {
				t.Errorf("%s %s: error %v, want %v", c.method, c.path, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if r.OperationID != c.wantOp {
			t.Errorf("%s %s: operation %s, want %s", c.method, c.path, r.OperationID, c.wantOp)
		}
	}
	r, _ := s.FindRoute("GET", "/jobs/"+jobID)
	if r.PathParams["jobid"] != jobID || r.Path != "/jobs/{jobid}" {
		t.Errorf("route = %+v", r)
	}
}

func TestGatewayVersionPrefix(t *testing.T) {
	g, err := SQLGateway("2.3", 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/v4/sessions", "/sessions"} {
		if r, err := g.FindRoute("POST", p); err != nil || r.OperationID != "openSession" {
			t.Errorf("POST %s = %v, %v", p, r, err)
		}
	}
	if _, err := g.FindRoute("POST", "/v1/sessions"); !errors.Is(err, ErrNoRoute) {
		t.Errorf("POST /v1/sessions on a v4 spec: %v, want ErrNoRoute", err)
	}
}

func TestValidateRequest(t *testing.T) {
	s, _ := JobManager("2.3")
	cases := []struct {
		name, method, target, ct, body string
		ok                             bool
	}{
		{"cancel", "PATCH", "/jobs/" + jobID + "?mode=cancel", "", "", true},
		{"cancel bad mode", "PATCH", "/jobs/" + jobID + "?mode=halt", "", "", false},
		{"bad job id", "GET", "/jobs/xyz", "", "", false},
		{"job id with suffix", "GET", "/jobs/" + jobID + "zz", "", "", false},
		{"savepoint", "POST", "/jobs/" + jobID + "/savepoints", "application/json", `{"target-directory":"/tmp/sp","cancel-job":false,"triggerId":"` + jobID + `"}`, true},
		{"savepoint bad type", "POST", "/jobs/" + jobID + "/savepoints", "application/json", `{"cancel-job":"yes"}`, false},
		{"run", "POST", "/jars/abc_x.jar/run", "application/json", `{"entryClass":"a.B","parallelism":2,"programArgsList":["--x"],"claimMode":"NO_CLAIM"}`, true},
		{"run unknown field", "POST", "/jars/abc_x.jar/run", "application/json", `{"entryClass":"a.B","restoreMode2":"CLAIM"}`, false},
		{"run bad claim", "POST", "/jars/abc_x.jar/run", "application/json", `{"claimMode":"SOMETIMES"}`, false},
		{"metrics list", "GET", "/jobs/metrics?get=a,b&jobs=" + jobID + "," + jobID, "", "", true},
		{"metrics list bad id", "GET", "/jobs/metrics?jobs=" + jobID + ",nope", "", "", false},
		{"upload multipart", "POST", "/jars/upload", "multipart/form-data; boundary=xyz", "ignored", true},
		{"upload json", "POST", "/jars/upload", "application/json", "{}", false},
	}
	for _, c := range cases {
		var body *strings.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		var r *http.Request
		if body != nil {
			r = httptest.NewRequest(c.method, c.target, body)
		} else {
			r = httptest.NewRequest(c.method, c.target, nil)
		}
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		_, err := s.ValidateRequest(r)
		if c.ok && err != nil {
			t.Errorf("%s: unexpected error: %v", c.name, err)
		}
		if !c.ok {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: error %v, want *ValidationError", c.name, err)
			}
		}
	}
}

func TestUnknownPropertyByVersion(t *testing.T) {
	for v, ok := range map[string]bool{"1.15": false, "1.18": false, "1.20": true, "2.0": true, "2.3": true} {
		s, _ := JobManager(v)
		r := httptest.NewRequest("POST", "/jars/x.jar/run", strings.NewReader(`{"claimMode":"NO_CLAIM","savepointPath":"/sp"}`))
		r.Header.Set("Content-Type", "application/json")
		_, err := s.ValidateRequest(r)
		if (err == nil) != ok {
			t.Errorf("%s: claimMode accepted = %v, want %v (err %v)", v, err == nil, ok, err)
		}
	}
}

func TestValidateRequestKeepsBody(t *testing.T) {
	s, _ := JobManager("1.18")
	body := `{"target-directory":"/tmp/sp"}`
	r := httptest.NewRequest("POST", "/jobs/"+jobID+"/savepoints", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if _, err := s.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 100)
	n, _ := r.Body.Read(b)
	if string(b[:n]) != body {
		t.Errorf("body after validation = %q, want %q", b[:n], body)
	}
}

func TestValidateResponse(t *testing.T) {
	s, _ := JobManager("1.15")
	overview, _ := s.FindRoute("GET", "/overview")
	trigger, _ := s.FindRoute("POST", "/jobs/"+jobID+"/savepoints")
	status, _ := s.FindRoute("GET", "/jobs/"+jobID+"/savepoints/"+jobID)
	cancel, _ := s.FindRoute("PATCH", "/jobs/"+jobID)
	cases := []struct {
		name   string
		route  *Route
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"overview", overview, 200, jsonHeader, `{"taskmanagers":1,"slots-total":4,"flink-version":"1.15.4"}`, true},
		{"overview wrong type", overview, 200, jsonHeader, `{"taskmanagers":"one"}`, false},
		{"overview html", overview, 200, http.Header{"Content-Type": {"text/html"}}, `<html>`, false},
		{"undeclared status", overview, 201, jsonHeader, `{}`, false},
		{"trigger", trigger, 202, jsonHeader, `{"request-id":"` + jobID + `"}`, true},
		{"trigger bad id", trigger, 202, jsonHeader, `{"request-id":"x"}`, false},
		{"savepoint done", status, 200, jsonHeader, `{"status":{"id":"COMPLETED"},"operation":{"location":"file:/tmp/sp/savepoint-1"}}`, true},
		{"savepoint failed", status, 200, jsonHeader, `{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"java.lang.Exception","stack-trace":"...","serialized-throwable":"AAAA"}}}`, true},
		{"savepoint bad status", status, 200, jsonHeader, `{"status":{"id":"DONE"}}`, false},
		{"cancel empty object", cancel, 202, jsonHeader, `{}`, true},
		{"cancel empty", cancel, 202, nil, ``, true},
		{"cancel garbage", cancel, 202, jsonHeader, `nope`, false},
		{"error body", overview, 500, jsonHeader, `{"errors":["boom"]}`, true},
		{"error body wrong", overview, 404, jsonHeader, `{"message":"boom"}`, false},
		{"error body html", overview, 502, http.Header{"Content-Type": {"text/html"}}, `<html>`, false},
	}
	for _, c := range cases {
		err := s.ValidateResponse(c.route, c.status, c.header, []byte(c.body))
		if c.ok && err != nil {
			t.Errorf("%s: unexpected error: %v", c.name, err)
		}
		if !c.ok {
			var ve *ValidationError
			if !errors.As(err, &ve) || !ve.Response || ve.Status != c.status {
				t.Errorf("%s: error %v, want a response *ValidationError", c.name, err)
			}
		}
	}
}

func TestHasOperation(t *testing.T) {
	for v, want := range map[string]bool{"1.15": false, "1.18": true, "1.20": true, "2.0": true, "2.3": true} {
		s, _ := JobManager(v)
		if got := s.HasRoute("POST", "/jobs/{jobid}/checkpoints"); got != want {
			t.Errorf("%s HasRoute(POST /jobs/{jobid}/checkpoints) = %v, want %v", v, got, want)
		}
		if got := s.HasOperation("triggerCheckpoint"); got != (want && v != "1.15") {
			t.Errorf("%s HasOperation(triggerCheckpoint) = %v", v, got)
		}
		if !s.HasRoute("GET", "/jobs/{jobid}") || s.HasRoute("PUT", "/jobs/{jobid}") || s.HasRoute("GET", "/nope") {
			t.Errorf("%s HasRoute answers wrong for /jobs/{jobid}", v)
		}
	}
}

func FuzzMajorMinor(f *testing.F) {
	f.Add("1.20.1")
	f.Add("v2.3-SNAPSHOT")
	f.Fuzz(func(t *testing.T, s string) {
		mm, ok := MajorMinor(s)
		if !ok {
			return
		}
		again, ok2 := MajorMinor(mm)
		if !ok2 || again != mm {
			t.Fatalf("MajorMinor(%q) = %q, not a fixed point (%q, %v)", s, mm, again, ok2)
		}
	})
}

func FuzzFindRoute(f *testing.F) {
	f.Add("GET", "/v1/jobs/"+jobID)
	f.Add("POST", "/jars/upload")
	s, err := JobManager("2.3")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		r, err := s.FindRoute(method, path)
		if err != nil {
			if !errors.Is(err, ErrNoRoute) && !errors.Is(err, ErrMethodNotAllowed) {
				t.Fatalf("FindRoute(%q, %q) = unclassified error %v", method, path, err)
			}
			return
		}
		if r.Path == "" || r.Method == "" || r.Operation() == nil {
			t.Fatalf("FindRoute(%q, %q) = incomplete route %+v", method, path, r)
		}
	})
}

// The SQL Gateway specs type session_handle and operation_handle as objects; on the wire they are
// UUID strings, and that is what must validate.
func TestGatewayHandlesAreUUIDStrings(t *testing.T) {
	const session = "5f7a3c1e-9b2d-4e8f-a1c3-0d9e8f7a6b5c"
	const operation = "0B8C2C1E-3A2B-4C5D-8E9F-0123456789AB"
	for _, flink := range JobManagerVersions() {
		for _, api := range SQLGatewayAPIVersions(flink) {
			g, err := SQLGateway(flink, api)
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				method, target, body string
				ok                   bool
				param                string
			}{
				{"GET", "/sessions/" + session, "", true, ""},
				{"POST", "/sessions/" + session + "/heartbeat", "", true, ""},
				{"GET", "/sessions/" + session + "/operations/" + operation + "/status", "", true, ""},
				{"POST", "/sessions/" + session + "/statements", `{"statement":"SELECT 1"}`, true, ""},
				{"GET", "/sessions/not-a-uuid", "", false, "session_handle"},
				{"GET", "/sessions/" + session + "x", "", false, "session_handle"},
				{"GET", "/sessions/" + session + "/operations/42/status", "", false, "operation_handle"},
			}
			for _, c := range cases {
				var r *http.Request
				if c.body != "" {
					r = httptest.NewRequest(c.method, "/v"+strconv.Itoa(api)+c.target, strings.NewReader(c.body))
					r.Header.Set("Content-Type", "application/json")
				} else {
					r = httptest.NewRequest(c.method, "/v"+strconv.Itoa(api)+c.target, nil)
				}
				_, err := g.ValidateRequest(r)
				if c.ok && err != nil {
					t.Errorf("%s: %s %s: %v", g, c.method, c.target, err)
				}
				if !c.ok {
					var ve *ValidationError
					if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.param) {
						t.Errorf("%s: %s %s: error %v, want a *ValidationError naming %s", g, c.method, c.target, err, c.param)
					}
				}
			}
		}
	}
	// The component schemas keep their declared shape; only the path parameters are retyped.
	g, _ := SQLGateway("2.3", 4)
	if s := g.Document().Components.Schemas["SessionHandle"].Value; !s.Type.Is("object") {
		t.Errorf("SessionHandle component retyped to %v", s.Type)
	}
}
