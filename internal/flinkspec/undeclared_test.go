package flinkspec

import (
	"slices"
	"testing"
)

// TestUndeclaredFields checks that fields a response schema does not declare are found, nested
// in objects and arrays and through allOf/anyOf, while free-form objects are not looked into.
func TestUndeclaredFields(t *testing.T) {
	s12, _ := JobManager("1.12")
	s13, _ := JobManager("1.13")
	cases := []struct {
		spec       *Spec
		path, body string
		want       []string
	}{
		// maxParallelism came with 1.13, for the job and its vertices.
		{s12, "/jobs/" + jobID, `{"jid":"` + jobID + `","maxParallelism":3,"vertices":[{"id":"a","maxParallelism":2}]}`,
			[]string{"maxParallelism", "vertices[0].maxParallelism"}},
		{s13, "/jobs/" + jobID, `{"jid":"` + jobID + `","maxParallelism":3,"vertices":[{"id":"a","maxParallelism":2}]}`, nil},
		// checkpoint_storage came with 1.13 (FLIP-142).
		{s12, "/jobs/" + jobID + "/checkpoints/config", `{"mode":"EXACTLY_ONCE","checkpoint_storage":"x"}`, []string{"checkpoint_storage"}},
		// Metrics are "any" in the 1.12 document: nothing to check.
		{s12, "/jobs/" + jobID + "/metrics", `[{"id":"a","value":"1","extra":true}]`, nil},
		// History entries are written as their subtype, with Jackson's className.
		{s13, "/jobs/" + jobID + "/checkpoints", `{"history":[{"className":"completed","id":1,"external_path":"/sp","discarded":false},
			{"className":"failed","id":2,"failure_message":"x"}],"latest":{"savepoint":{"className":"completed","id":1}}}`, nil},
		{s13, "/jobs/" + jobID + "/checkpoints", `{"history":[{"className":"completed","id":1,"savepointFormat":"x"}]}`,
			[]string{"history[0].savepointFormat"}},
		// An unfinished savepoint: operation null is declared.
		{s13, "/jobs/" + jobID + "/savepoints/" + jobID, `{"status":{"id":"IN_PROGRESS"},"operation":null}`, nil},
		{s13, "/jobs/" + jobID + "/savepoints/" + jobID, `{"status":{"id":"COMPLETED","since":1},"operation":{"location":"/sp"}}`, []string{"status.since"}},
	}
	for _, c := range cases {
		route, err := c.spec.FindRoute("GET", c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.spec.UndeclaredFields(route, 200, []byte(c.body)); !slices.Equal(got, c.want) {
			t.Errorf("%s GET %s %s: undeclared %q, want %q", c.spec, c.path, c.body, got, c.want)
		}
	}
}

// TestRoutesByVersion pins the first version of each route whose absence flinkclient reports as
// "needs Flink X" before sending anything.
func TestRoutesByVersion(t *testing.T) {
	routes := []struct {
		method, path, since string
	}{
		{"GET", "/jobs/{jobid}/status", "1.18"},
		{"POST", "/jobs/{jobid}/checkpoints", "1.18"},
		{"GET", "/jobmanager/environment", "1.18"},
		{"GET", "/jobs/{jobid}/resource-requirements", "1.18"},
		{"PUT", "/jobs/{jobid}/resource-requirements", "1.18"},
		{"GET", "/jobs/{jobid}/rescales/history", "2.3"},
		{"GET", "/applications/overview", "2.3"},
		{"POST", "/applications/{applicationid}/cancel", "2.3"},
		{"GET", "/applications/{applicationid}/exceptions", "2.3"},
		// Routes every version has.
		{"GET", "/jobs/{jobid}/vertices/{vertexid}/backpressure", "1.12"},
		{"GET", "/jobs/{jobid}/vertices/{vertexid}/watermarks", "1.12"},
		{"GET", "/taskmanagers/{taskmanagerid}/logs", "1.12"},
		{"GET", "/jobmanager/logs", "1.12"},
		{"PATCH", "/jobs/{jobid}/rescaling", "1.12"},
	}
	order := JobManagerVersions()
	for _, r := range routes {
		since := slices.Index(order, r.since)
		for i, v := range order {
			s, _ := JobManager(v)
			if got := s.HasRoute(r.method, r.path); got != (i >= since) {
				t.Errorf("%s: %s %s present = %v, want %v (from %s)", v, r.method, r.path, got, i >= since, r.since)
			}
		}
	}
}
