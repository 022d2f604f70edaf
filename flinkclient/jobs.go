package flinkclient

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rtdw/rtdw/internal/retry"
)

// JobState is a Flink job status.
type JobState string

// Job states as Flink names them.
const (
	JobInitializing JobState = "INITIALIZING"
	JobCreated      JobState = "CREATED"
	JobRunning      JobState = "RUNNING"
	JobFailing      JobState = "FAILING"
	JobFailed       JobState = "FAILED"
	JobCancelling   JobState = "CANCELLING"
	JobCanceled     JobState = "CANCELED"
	JobFinished     JobState = "FINISHED"
	JobRestarting   JobState = "RESTARTING"
	JobSuspended    JobState = "SUSPENDED"
	JobReconciling  JobState = "RECONCILING"
)

// IsGloballyTerminal reports whether the job can never leave this state
// (FINISHED, CANCELED, FAILED).
func (s JobState) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// JobIDStatus is one entry of GET /jobs.
type JobIDStatus struct {
	ID     string   `json:"id"`
	Status JobState `json:"status"`
}

// JobOverview is one entry of GET /jobs/overview.
type JobOverview struct {
	ID               string         `json:"jid"`
	Name             string         `json:"name"`
	State            JobState       `json:"state"`
	StartTime        int64          `json:"start-time"`
	EndTime          int64          `json:"end-time"`
	Duration         int64          `json:"duration"`
	LastModification int64          `json:"last-modification"`
	Tasks            map[string]int `json:"tasks"`
}

// JobDetails is GET /jobs/{jobid} (the commonly used subset).
type JobDetails struct {
	ID             string   `json:"jid"`
	Name           string   `json:"name"`
	State          JobState `json:"state"`
	IsStoppable    bool     `json:"isStoppable"`
	StartTime      int64    `json:"start-time"`
	EndTime        int64    `json:"end-time"`
	Duration       int64    `json:"duration"`
	MaxParallelism int64    `json:"maxParallelism"`
	Now            int64    `json:"now"`
	// JobType is BATCH or STREAMING (Flink 1.20 on; empty before).
	JobType      string           `json:"job-type"`
	Timestamps   map[string]int64 `json:"timestamps"`
	StatusCounts map[string]int   `json:"status-counts"`
	Vertices     []JobVertex      `json:"vertices"`
}

// JobVertex is an operator chain of a job.
type JobVertex struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Parallelism int    `json:"parallelism"`
	Status      string `json:"status"`
}

// ListJobs lists the IDs and states of all jobs (GET /jobs).
func (c *Client) ListJobs(ctx context.Context) ([]JobIDStatus, error) {
	var out struct {
		Jobs []JobIDStatus `json:"jobs"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobs", path: "/jobs", idempotent: true, out: &out})
	return out.Jobs, err
}

// JobsOverview lists all jobs with names, states and times (GET /jobs/overview).
func (c *Client) JobsOverview(ctx context.Context) ([]JobOverview, error) {
	var out struct {
		Jobs []JobOverview `json:"jobs"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/overview", path: "/jobs/overview", idempotent: true, out: &out})
	return out.Jobs, err
}

// JobDetails returns a job's details. An unknown job gives an error matching [ErrJobNotFound].
func (c *Client) JobDetails(ctx context.Context, jobID string) (*JobDetails, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	var out JobDetails
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}", path: "/jobs/" + jobID, idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobStatus returns a job's state: GET /jobs/{jobid}/status from Flink 1.18 on, the state field
// of the job details before (1.12 to 1.15 lack that route).
func (c *Client) JobStatus(ctx context.Context, jobID string) (JobState, error) {
	if err := checkJobID(jobID); err != nil {
		return "", err
	}
	v, err := c.shapes(ctx)
	if err != nil {
		return "", err
	}
	if !v.AtLeast(Flink118) {
		d, err := c.JobDetails(ctx, jobID)
		if err != nil {
			return "", err
		}
		return d.State, nil
	}
	var out struct {
		Status JobState `json:"status"`
	}
	err = c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/status", path: "/jobs/" + jobID + "/status", idempotent: true, out: &out})
	return out.Status, err
}

// CancelJob cancels a job (PATCH /jobs/{jobid}?mode=cancel). Flink answers at once; the job
// passes through CANCELLING to CANCELED: use [Client.WaitForJobState] to wait for it.
func (c *Client) CancelJob(ctx context.Context, jobID string) error {
	if err := checkJobID(jobID); err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodPatch, route: "/jobs/{jobid}", path: "/jobs/" + jobID,
		query: map[string][]string{"mode": {"cancel"}}, idempotent: true})
}

// WaitOptions tunes polling. The zero value polls after 100ms, backing off to 2s.
type WaitOptions struct {
	// InitialInterval is the first wait between polls (default 100ms).
	InitialInterval time.Duration
	// MaxInterval caps the wait, which doubles after each poll (default 2s).
	MaxInterval time.Duration
}

func (w WaitOptions) withDefaults() WaitOptions {
	if w.InitialInterval <= 0 {
		w.InitialInterval = 100 * time.Millisecond
	}
	if w.MaxInterval <= 0 {
		w.MaxInterval = 2 * time.Second
	}
	if w.MaxInterval < w.InitialInterval {
		w.MaxInterval = w.InitialInterval
	}
	return w
}

// poll calls f until it reports done, waiting with exponential backoff between calls.
func poll(ctx context.Context, w WaitOptions, f func() (bool, error)) error {
	w = w.withDefaults()
	b := retry.Backoff{Initial: w.InitialInterval, Max: w.MaxInterval}
	for polls := 1; ; polls++ {
		done, err := f()
		if err != nil || done {
			return err
		}
		if err := retry.Sleep(ctx, b.Delay(polls)); err != nil {
			return err
		}
	}
}

// WaitForJobState polls the job's state until it is one of states and returns that state.
// If the job reaches a globally terminal state (FINISHED, CANCELED, FAILED) that is not among
// states, it returns a [*JobStateError] matching [ErrUnexpectedState]. When ctx ends it returns
// ctx's error (wrapped).
func (c *Client) WaitForJobState(ctx context.Context, jobID string, states ...JobState) (JobState, error) {
	return c.WaitForJobStateWith(ctx, WaitOptions{}, jobID, states...)
}

// WaitForJobStateWith is [Client.WaitForJobState] with explicit polling intervals.
func (c *Client) WaitForJobStateWith(ctx context.Context, w WaitOptions, jobID string, states ...JobState) (JobState, error) {
	if len(states) == 0 {
		ps := invalid("WaitForJobState")
		ps.Add("states", nil, "empty; name at least one state, e.g. RUNNING")
		return "", ps
	}
	var got JobState
	err := poll(ctx, w, func() (bool, error) {
		s, err := c.JobStatus(ctx, jobID)
		if err != nil {
			return false, err
		}
		got = s
		if slices.Contains(states, s) {
			return true, nil
		}
		if s.IsGloballyTerminal() {
			return false, &JobStateError{JobID: jobID, State: s, Want: states}
		}
		return false, nil
	})
	if err != nil {
		return got, err
	}
	return got, nil
}

// ExceptionInfo is one failure in the job's exception history.
type ExceptionInfo struct {
	ExceptionName string `json:"exceptionName"`
	Stacktrace    string `json:"stacktrace"`
	Timestamp     int64  `json:"timestamp"`
	TaskName      string `json:"taskName"`
	// Location is the task manager address (Flink 1.x; Endpoint replaces it from 1.20).
	Location string `json:"location"`
	// Endpoint is the task manager endpoint (Flink 1.20 on).
	Endpoint      string            `json:"endpoint"`
	TaskManagerID string            `json:"taskManagerId"`
	FailureLabels map[string]string `json:"failureLabels"`
}

// RootException is an entry of the exception history with the failures that happened with it.
type RootException struct {
	ExceptionInfo
	ConcurrentExceptions []ExceptionInfo `json:"concurrentExceptions"`
}

// JobExceptions is GET /jobs/{jobid}/exceptions, in one shape for every version.
type JobExceptions struct {
	// History lists root causes, newest first. Flink 1.12 has no history: there it holds the
	// entries of its all-exceptions list (task failures since the last restart).
	History []RootException
	// HistoryTruncated reports that Flink left older entries out.
	HistoryTruncated bool
	// RootCause is the newest root cause's stack trace: Flink 1.x's root-exception field, or from
	// Flink 2.0 on (which removed it) the newest history entry's stack trace.
	RootCause string
	// RootCauseTimestamp is the newest root cause's time in epoch milliseconds.
	RootCauseTimestamp int64
}

type exceptionsBody struct {
	RootException *string `json:"root-exception"`
	Timestamp     int64   `json:"timestamp"`
	// AllExceptions is Flink 1.12's only list (deprecated from 1.13, removed in 2.0).
	AllExceptions []struct {
		Exception string `json:"exception"`
		Task      string `json:"task"`
		Location  string `json:"location"`
		Timestamp int64  `json:"timestamp"`
	} `json:"all-exceptions"`
	Truncated bool `json:"truncated"`
	History   struct {
		Entries   []RootException `json:"entries"`
		Truncated bool            `json:"truncated"`
	} `json:"exceptionHistory"`
}

// JobExceptions returns the job's failures. maxExceptions > 0 limits the history length.
func (c *Client) JobExceptions(ctx context.Context, jobID string, maxExceptions int) (*JobExceptions, error) {
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	q := map[string][]string{}
	if maxExceptions > 0 {
		q["maxExceptions"] = []string{itoa(maxExceptions)}
	}
	var b exceptionsBody
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobs/{jobid}/exceptions", path: "/jobs/" + jobID + "/exceptions", query: q, idempotent: true, out: &b})
	if err != nil {
		return nil, err
	}
	out := &JobExceptions{History: b.History.Entries, HistoryTruncated: b.History.Truncated}
	if v, err := c.shapes(ctx); err == nil && !v.AtLeast(Flink113) {
		// Flink 1.12 has no exception history: its all-exceptions list holds the task
		// failures since the last restart.
		for _, e := range b.AllExceptions {
			out.History = append(out.History, RootException{ExceptionInfo: ExceptionInfo{
				ExceptionName: exceptionClass(e.Exception), Stacktrace: e.Exception, Timestamp: e.Timestamp,
				TaskName: e.Task, Location: e.Location}})
		}
		out.HistoryTruncated = b.Truncated
	}
	switch {
	case b.RootException != nil:
		out.RootCause, out.RootCauseTimestamp = *b.RootException, b.Timestamp
	case len(b.History.Entries) > 0:
		out.RootCause, out.RootCauseTimestamp = b.History.Entries[0].Stacktrace, b.History.Entries[0].Timestamp
	}
	return out, nil
}

// exceptionClass is the class name a Java stack trace starts with ("java.io.IOException: disk
// full\n\tat ..." gives "java.io.IOException"), what later versions send as exceptionName.
func exceptionClass(trace string) string {
	first, _, _ := strings.Cut(trace, "\n")
	class, _, _ := strings.Cut(first, ":")
	return strings.TrimSpace(class)
}
