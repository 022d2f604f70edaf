package flinkclient

import (
	"context"
	"encoding/json"
	"net/http"
)

// JobPlan is the job's dataflow plan (GET /jobs/{jobid}/plan): the vertices, their
// parallelism and how data flows between them, as the web UI draws it.
type JobPlan struct {
	JobID string `json:"jid"`
	Name  string `json:"name"`
	// Type is STREAMING or BATCH where the version sends it (2.3 does); empty otherwise.
	Type  string     `json:"type"`
	Nodes []PlanNode `json:"nodes"`
}

// PlanNode is a vertex of a [JobPlan].
type PlanNode struct {
	// ID is the vertex ID (the JobVertex.ID of JobDetails).
	ID          string `json:"id"`
	Parallelism int    `json:"parallelism"`
	// Operator and OperatorStrategy are empty for streaming jobs.
	Operator         string      `json:"operator"`
	OperatorStrategy string      `json:"operator_strategy"`
	Description      string      `json:"description"`
	Inputs           []PlanInput `json:"inputs"`
	// OptimizerProperties is Flink's free-form JSON for the vertex.
	OptimizerProperties json.RawMessage `json:"optimizer_properties"`
}

// PlanInput is an edge into a [PlanNode].
type PlanInput struct {
	Num int `json:"num"`
	// ID is the upstream vertex.
	ID string `json:"id"`
	// ShipStrategy is for example HASH, FORWARD, REBALANCE.
	ShipStrategy  string `json:"ship_strategy"`
	Exchange      string `json:"exchange"`
	LocalStrategy string `json:"local_strategy"`
	Caching       string `json:"caching"`
}

// JobPlan returns the job's dataflow plan.
func (c *Client) JobPlan(ctx context.Context, jobID string) (*JobPlan, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var out struct {
		Plan JobPlan `json:"plan"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/plan", path: "/jobs/" + jobID + "/plan", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out.Plan, nil
}

// JobConfig is the job's execution configuration (GET /jobs/{jobid}/config). Flink sends
// {"jid", "name", "execution-config"} in every version; the 1.15 and later specs name the
// fields after JobConfigInfo's Java getters instead.
type JobConfig struct {
	JobID     string          `json:"jid"`
	Name      string          `json:"name"`
	Execution ExecutionConfig `json:"execution-config"`
}

// ExecutionConfig is the part of the job's ExecutionConfig Flink shows.
type ExecutionConfig struct {
	// ExecutionMode is PIPELINED or BATCH (Flink 1.x; gone in 2.0).
	ExecutionMode string `json:"execution-mode"`
	// RestartStrategy describes the restart strategy in words.
	RestartStrategy string `json:"restart-strategy"`
	// Parallelism is the job's default parallelism.
	Parallelism int  `json:"job-parallelism"`
	ObjectReuse bool `json:"object-reuse-mode"`
	// UserConfig is the job's global job parameters (ParameterTool values, for example).
	UserConfig map[string]string `json:"user-config"`
}

// JobConfig returns the job's execution configuration.
func (c *Client) JobConfig(ctx context.Context, jobID string) (*JobConfig, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var out JobConfig
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/config", path: "/jobs/" + jobID + "/config", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}
