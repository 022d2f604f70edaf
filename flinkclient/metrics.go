package flinkclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Metric is one metric of a Flink component. Flink reports every value as a string (a gauge
// may hold any Java value); [Metric.Float] parses a numeric one.
type Metric struct {
	// ID is the metric's name, for example "numRestarts", or for a vertex
	// "0.Source__socket.numRecordsOutPerSecond" (subtask index, operator, metric).
	ID string `json:"id"`
	// Value is empty when the metric was listed rather than queried.
	Value string `json:"value"`
}

// Float parses the value as a number. Flink writes a missing watermark as
// -9223372036854775808 (Long.MIN_VALUE), which parses like any other number.
func (m Metric) Float() (float64, error) { return strconv.ParseFloat(m.Value, 64) }

// metricsQuery is Flink's ?get=a,b: the metrics to read. Without names Flink lists the
// available metrics, without values.
func metricsQuery(names []string) (url.Values, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ps := invalid("metric names")
	for _, n := range names {
		if n == "" || strings.Contains(n, ",") {
			ps.Add("name", n, "want a metric name such as numRestarts (no commas; pass each name on its own)")
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return url.Values{"get": {strings.Join(names, ",")}}, nil
}

// metrics GETs a metrics route: with names, their values; without, the names available.
func (c *Client) metrics(ctx context.Context, route, path string, names []string) ([]Metric, error) {
	q, err := metricsQuery(names)
	if err != nil {
		return nil, err
	}
	var out []Metric
	if err := c.do(ctx, call{method: http.MethodGet, route: route, path: path, query: q, idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// JobMetrics reads job-level metrics (GET /jobs/{jobid}/metrics?get=…), for example
// "numRestarts", "uptime", "lastCheckpointDuration". Without names it lists the metrics the job
// has, with empty values. A name Flink does not know is left out of the answer.
func (c *Client) JobMetrics(ctx context.Context, jobID string, names ...string) ([]Metric, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	return c.metrics(ctx, "/jobs/{jobid}/metrics", "/jobs/"+jobID+"/metrics", names)
}

// VertexMetrics reads the metrics of a job vertex (an operator chain), per subtask and
// operator: "0.numRecordsIn", "0.Source__socket.numRecordsOutPerSecond", … Without names it lists
// them. Vertex IDs come from [Client.JobDetails] (JobVertex.ID).
func (c *Client) VertexMetrics(ctx context.Context, jobID, vertexID string, names ...string) ([]Metric, error) {
	if err := checkVertex(jobID, vertexID); err != nil {
		return nil, err
	}
	p := "/jobs/" + jobID + "/vertices/" + vertexID + "/metrics"
	return c.metrics(ctx, "/jobs/{jobid}/vertices/{vertexid}/metrics", p, names)
}

// Watermarks returns the current input watermark of each subtask of a vertex, as metrics named
// "<subtask>.currentInputWatermark" with epoch milliseconds as values (Long.MIN_VALUE while no
// watermark has arrived).
func (c *Client) Watermarks(ctx context.Context, jobID, vertexID string) ([]Metric, error) {
	if err := checkVertex(jobID, vertexID); err != nil {
		return nil, err
	}
	var out []Metric
	p := "/jobs/" + jobID + "/vertices/" + vertexID + "/watermarks"
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/vertices/{vertexid}/watermarks", path: p, idempotent: true, out: &out})
	return out, err
}

// TaskManagerMetrics reads a TaskManager's metrics ("Status.JVM.Memory.Heap.Used",
// "Status.JVM.CPU.Load", …); without names it lists them. IDs come from [Client.TaskManagers].
func (c *Client) TaskManagerMetrics(ctx context.Context, taskManagerID string, names ...string) ([]Metric, error) {
	if err := checkTaskManagerID(taskManagerID); err != nil {
		return nil, err
	}
	return c.metrics(ctx, "/taskmanagers/{taskmanagerid}/metrics", "/taskmanagers/"+escape(taskManagerID)+"/metrics", names)
}

// JobManagerMetrics reads the JobManager's metrics ("Status.JVM.Memory.Heap.Used",
// "numRegisteredTaskManagers", …); without names it lists them.
func (c *Client) JobManagerMetrics(ctx context.Context, names ...string) ([]Metric, error) {
	return c.metrics(ctx, "/jobmanager/metrics", "/jobmanager/metrics", names)
}

// checkVertex checks a job ID and a vertex ID (both 32 hex digits) before any I/O.
func checkVertex(jobID, vertexID string) error {
	ps := invalid("vertex")
	if !hex32.MatchString(jobID) {
		ps.Add("job ID", jobID, "want 32 lower-case hex digits")
	}
	if !hex32.MatchString(vertexID) {
		ps.Add("vertex ID", vertexID, "want 32 lower-case hex digits, a JobVertex.ID from JobDetails")
	}
	return ps.Err()
}

// checkTaskManagerID checks a TaskManager's ResourceID: any non-empty string without a slash
// (32 hex digits, a standalone TaskManager's "<address>:<port>-<6 hex>", a YARN container ID,
// a Kubernetes pod name).
func checkTaskManagerID(id string) error {
	if id == "" || strings.Contains(id, "/") {
		ps := invalid("TaskManager ID")
		ps.Add("TaskManager ID", id, "want the ID from TaskManagers, e.g. 10.0.0.5:36789-2f5c1b")
		return ps
	}
	return nil
}
