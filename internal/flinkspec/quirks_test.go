package flinkspec

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInProgressOperationIsNull checks that every JobManager spec accepts the answer Flink
// gives while an asynchronous operation runs: AsynchronousOperationResult serializes its
// missing result as "operation":null.
func TestInProgressOperationIsNull(t *testing.T) {
	for _, v := range JobManagerVersions() {
		s, _ := JobManager(v)
		status, err := s.FindRoute("GET", "/jobs/"+jobID+"/savepoints/"+jobID)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		for body, ok := range map[string]bool{
			`{"status":{"id":"IN_PROGRESS"},"operation":null}`:                      true,
			`{"status":{"id":"COMPLETED"},"operation":{"location":"file:/tmp/sp"}}`: true,
			`{"status":{"id":"IN_PROGRESS"},"operation":"pending"}`:                 false,
			`{"status":null,"operation":null}`:                                      false,
		} {
			err := s.ValidateResponse(status, 200, jsonHeader, []byte(body))
			if (err == nil) != ok {
				t.Errorf("%s: %s accepted = %v, want %v (err %v)", v, body, err == nil, ok, err)
			}
		}
	}
}

// TestStandaloneTaskManagerID checks that a ResourceID may be a standalone TaskManager's
// "<rpc-address>:<rpc-port>-<6 hex>" as well as 32 hex digits, in paths and in answers. The
// 1.12 and 1.13 documents type ResourceID as a plain string (Flink's 1.13 TaskManagerIdPathParameter
// takes any string), so there every form passes.
func TestStandaloneTaskManagerID(t *testing.T) {
	ids := map[string]bool{
		"10.0.0.5:36789-2f5c1b":            true,
		"tm-host.example.com:6122-0a1b2c":  true,
		"0123456789abcdef0123456789abcdef": true,
		"10.0.0.5:36789":                   false,
		"10.0.0.5:36789-2f5c1":             false,
		"10.0.0.5:port-2f5c1b":             false,
		"0123456789abcdef":                 false,
	}
	for _, v := range JobManagerVersions() {
		s, _ := JobManager(v)
		for id, ok := range ids {
			ok = ok || IsDerived(v)
			r := httptest.NewRequest("GET", "/taskmanagers/"+id, nil)
			route, err := s.ValidateRequest(r)
			if (err == nil) != ok {
				t.Errorf("%s: GET /taskmanagers/%s accepted = %v, want %v (err %v)", v, id, err == nil, ok, err)
			}
			list, _ := s.FindRoute("GET", "/taskmanagers")
			err = s.ValidateResponse(list, 200, jsonHeader, []byte(`{"taskmanagers":[{"id":"`+id+`","path":"akka.tcp://flink@10.0.0.5:36789/user/rpc/taskmanager_0"}]}`))
			if (err == nil) != ok {
				t.Errorf("%s: GET /taskmanagers answering id %s accepted = %v, want %v (err %v)", v, id, err == nil, ok, err)
			}
			if ok && route != nil {
				if err := s.ValidateResponse(route, 200, jsonHeader, []byte(`{"id":"`+id+`"}`)); err != nil {
					t.Errorf("%s: GET /taskmanagers/%s answering its id: %v", v, id, err)
				}
			}
		}
	}
}

// TestSavepointFormatType checks that formatType (FLINK-25744, Flink 1.15.0) is accepted by
// every version from 1.15 on in the savepoint trigger and stop-with-savepoint bodies, nowhere the
// later specs lack it, and by no version before 1.15 (whose bodies Flink decodes strictly).
func TestSavepointFormatType(t *testing.T) {
	for _, v := range JobManagerVersions() {
		s, _ := JobManager(v)
		has := v != "1.12" && v != "1.13"
		cases := []struct {
			target, body string
			ok           bool
		}{
			{"/jobs/" + jobID + "/savepoints", `{"target-directory":"/sp","cancel-job":false,"formatType":"NATIVE"}`, true},
			{"/jobs/" + jobID + "/savepoints", `{"target-directory":"/sp","formatType":"CANONICAL"}`, true},
			{"/jobs/" + jobID + "/savepoints", `{"target-directory":"/sp","formatType":"BINARY"}`, false},
			{"/jobs/" + jobID + "/stop", `{"targetDirectory":"/sp","drain":false,"formatType":"NATIVE"}`, true},
			{"/jobs/" + jobID + "/stop", `{"targetDirectory":"/sp","formatType":"native"}`, false},
			{"/jars/x.jar/run", `{"entryClass":"a.B","formatType":"NATIVE"}`, false},
		}
		for _, c := range cases {
			r := httptest.NewRequest("POST", c.target, strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/json")
			_, err := s.ValidateRequest(r)
			if (err == nil) != (c.ok && has) {
				t.Errorf("%s: POST %s %s accepted = %v, want %v (err %v)", v, c.target, c.body, err == nil, c.ok && has, err)
			}
		}
	}
}

// TestFormatTypeWhereLaterSpecsHaveIt checks that the schemas declaring formatType in 1.15,
// after adjustment, are exactly those that declare it in 1.18.
func TestFormatTypeWhereLaterSpecsHaveIt(t *testing.T) {
	withFormatType := func(v string) map[string]bool {
		s, _ := JobManager(v)
		out := map[string]bool{}
		for name, ref := range s.Document().Components.Schemas {
			if _, ok := ref.Value.Properties["formatType"]; ok {
				out[name] = true
			}
		}
		return out
	}
	old, later := withFormatType("1.15"), withFormatType("1.18")
	if len(later) == 0 {
		t.Fatal("1.18 declares formatType nowhere")
	}
	for name := range later {
		if !old[name] {
			t.Errorf("1.18's %s has formatType, 1.15's does not", name)
		}
	}
	for name := range old {
		if !later[name] {
			t.Errorf("1.15's %s has formatType, 1.18's does not", name)
		}
	}
}

// TestMetricsAreAnArray checks that metric answers validate in the form Flink sends, a JSON
// array of {"id", "value"}, and not in the form the specs describe.
func TestMetricsAreAnArray(t *testing.T) {
	for _, v := range JobManagerVersions() {
		s, _ := JobManager(v)
		for _, path := range []string{"/jobs/" + jobID + "/metrics", "/jobs/" + jobID + "/vertices/" + jobID + "/watermarks", "/jobmanager/metrics"} {
			route, err := s.FindRoute("GET", path)
			if err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			for body, ok := range map[string]bool{
				`[{"id":"numRestarts","value":"0"},{"id":"uptime"}]`: true,
				`[]`:              true,
				`[{"value":"0"}]`: IsDerived(v), // 1.12 and 1.13 document the answer as "any"
				`{"metrics":[{"id":"numRestarts","value":"0"}]}`: IsDerived(v),
			} {
				err := s.ValidateResponse(route, 200, jsonHeader, []byte(body))
				if (err == nil) != ok {
					t.Errorf("%s: GET %s answering %s accepted = %v, want %v (err %v)", v, path, body, err == nil, ok, err)
				}
			}
		}
	}
}

// TestApplicationIDIsHex checks Flink 2.3's application routes take and answer 32 hex digits.
func TestApplicationIDIsHex(t *testing.T) {
	s, _ := JobManager("2.3")
	for id, ok := range map[string]bool{jobID: true, "not-an-id": false, jobID + "0": false} {
		_, err := s.ValidateRequest(httptest.NewRequest("GET", "/applications/"+id, nil))
		if (err == nil) != ok {
			t.Errorf("GET /applications/%s accepted = %v, want %v (err %v)", id, err == nil, ok, err)
		}
	}
	route, _ := s.FindRoute("GET", "/applications/overview")
	for body, ok := range map[string]bool{
		`{"applications":[{"id":"` + jobID + `","name":"wc","status":"RUNNING"}]}`: true,
		`{"applications":[{"id":{"lowerPart":1,"upperPart":2}}]}`:                  false,
	} {
		if err := s.ValidateResponse(route, 200, jsonHeader, []byte(body)); (err == nil) != ok {
			t.Errorf("overview %s accepted = %v, want %v (err %v)", body, err == nil, ok, err)
		}
	}
}

// TestGatewayResultsAsSent checks that a fetched result page validates in the shape Flink's
// serializers write (columns, data[].kind and fields, isQueryResult) and not in the shape the
// specs describe (columnInfos, data[].rowKind and arity), for every gateway spec.
func TestGatewayResultsAsSent(t *testing.T) {
	const real = `{"resultType":"PAYLOAD","isQueryResult":true,"jobID":"` + jobID + `","resultKind":"SUCCESS_WITH_CONTENT",
		"results":{"columns":[{"name":"id","logicalType":{"type":"INTEGER","nullable":false},"comment":null}],
		"rowFormat":"JSON","data":[{"kind":"INSERT","fields":[1]},{"kind":"DELETE","fields":[null]}]},"nextResultUri":"/v1/x"}`
	pages := map[string]bool{
		real: true,
		`{"resultType":"EOS","results":{"columns":[],"data":[]},"nextResultUri":null}`:                                                         true,
		`{"resultType":"NOT_READY","nextResultUri":"/v1/x"}`:                                                                                   true,
		`{"resultType":"PAYLOAD","results":{"columnInfos":[{"name":"id"}],"data":[{"rowKind":"INSERT","arity":1}]}}`:                           false,
		`{"resultType":"PAYLOAD","results":{"columns":[{"name":"id","logicalType":{"type":"INTEGER"}}],"data":[{"kind":"INSERT","arity":1}]}}`: false,
		`{"resultType":"PAYLOAD","results":{"columns":[{"name":"id"}],"data":[]}}`:                                                             false,
		`{"resultType":"PAYLOAD","results":{"columns":[],"data":[{"kind":"UPSERT","fields":[]}]}}`:                                             false,
	}
	for _, flink := range []string{"1.18", "1.20", "2.0", "2.3"} {
		for _, api := range SQLGatewayAPIVersions(flink) {
			s, err := SQLGateway(flink, api)
			if err != nil {
				t.Fatal(err)
			}
			route, err := s.FindRoute("GET", "/sessions/0b8c2c1e-3a2b-4c5d-8e9f-0123456789ab/operations/0b8c2c1e-3a2b-4c5d-8e9f-0123456789ab/result/0")
			if err != nil {
				t.Fatalf("%s v%d: %v", flink, api, err)
			}
			for page, ok := range pages {
				err := s.ValidateResponse(route, 200, jsonHeader, []byte(page))
				if (err == nil) != ok {
					t.Errorf("%s v%d: %s accepted = %v, want %v (err %v)", flink, api, page, err == nil, ok, err)
				}
			}
		}
	}
}
