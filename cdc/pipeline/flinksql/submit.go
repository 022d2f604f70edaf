package flinksql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
	"github.com/rtdw/rtdw/internal/redact"
)

// ErrNoJob is matched by the error of Submit when the gateway ran the job
// statement without naming the Flink job it started.
var ErrNoJob = errors.New("flinksql: the gateway named no job")

// Job is a pipeline running on Flink: the Flink job the script's INSERTs
// started, and the gateway session that started it.
type Job struct {
	// ID is the Flink job's id (32 hexadecimal digits).
	ID string
	// Session is the gateway session the job was submitted in; Close it
	// when done (the job keeps running).
	Session *sqlgateway.Session
	// Savepoint is the savepoint the job was resumed from; "" for a fresh
	// start.
	Savepoint string
}

// Submit runs script on the Flink cluster behind a SQL Gateway: it opens a
// session named after the pipeline, SETs the script's configuration, creates
// its tables and executes the job statement, and returns the job. Each
// statement's failure is an error naming the statement (passwords redacted)
// and Flink's reason. The script must be rendered for Flink 1.16 or newer:
// older Flink has no SQL Gateway.
func Submit(ctx context.Context, gw *sqlgateway.Client, script *Script) (*Job, error) {
	return submit(ctx, gw, script, "")
}

// Resume submits script again from a savepoint (or a retained checkpoint):
// the job's state, the sources' binlog positions included, continues from
// it. The savepoint is SET as execution.savepoint.path, or
// execution.state-recovery.path from Flink 1.20, which renamed it.
func Resume(ctx context.Context, gw *sqlgateway.Client, script *Script, savepoint string) (*Job, error) {
	if savepoint == "" {
		return nil, errors.New("flinksql: Resume needs the savepoint path that StopWithSavepoint returned")
	}
	return submit(ctx, gw, script, savepoint)
}

func submit(ctx context.Context, gw *sqlgateway.Client, script *Script, savepoint string) (*Job, error) {
	if !script.target.flinkAtLeast("1.16") {
		return nil, fmt.Errorf("flinksql: the script is rendered for Flink %s, which has no SQL Gateway (1.16 on): run it with sql-client.sh -f, or render for 1.18 or newer", script.target.flink)
	}
	name := ""
	for _, kv := range script.settings {
		if kv[0] == "pipeline.name" {
			name = kv[1]
		}
	}
	session, err := gw.OpenSession(ctx, sqlgateway.SessionOptions{Name: name})
	if err != nil {
		return nil, fmt.Errorf("flinksql: open a gateway session: %w", err)
	}
	job := &Job{Session: session, Savepoint: savepoint}
	fail := func(err error) (*Job, error) {
		_ = session.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	statements := script.Statements()
	if savepoint != "" {
		n := len(script.settings)
		statements = append(statements[:n:n], append([]string{setStatement(script.target.savepointKey(), savepoint)}, statements[n:]...)...)
	}
	last := len(statements) - 1
	for i, st := range statements {
		jobID, err := execute(ctx, session, st, i != last)
		if err != nil {
			return fail(redact.Error(fmt.Errorf("flinksql: statement %d of %d (%s): %w", i+1, len(statements), summary(st), err), script.secrets...))
		}
		if i == last {
			if jobID == "" {
				return fail(fmt.Errorf("%w: statement %s ran, but its result carries no job id", ErrNoJob, summary(st)))
			}
			job.ID = jobID
		}
	}
	return job, nil
}

// execute runs one statement and reads its results to the end, so that a
// failure Flink reports with the results is an error here; it returns the
// job the statement started, if any. The job statement's operation is left
// open: the gateway would cancel what it still runs.
func execute(ctx context.Context, session *sqlgateway.Session, statement string, closeOp bool) (string, error) {
	op, err := session.Execute(ctx, statement, sqlgateway.ExecuteOptions{})
	if err != nil {
		return "", err
	}
	res := op.Results(ctx, sqlgateway.ResultsOptions{})
	jobID := ""
	for res.Next() {
		if jobID == "" {
			jobID = res.JobID()
		}
		// An INSERT's one row is its job id, from gateways that leave it
		// out of the page's jobID field.
		if jobID == "" {
			if row := res.Row(); len(row.Values) == 1 {
				if s, ok := row.Values[0].(string); ok && isJobID(s) {
					jobID = s
				}
			}
		}
	}
	if err := res.Err(); err != nil {
		return "", err
	}
	if jobID == "" {
		jobID = res.JobID()
	}
	if closeOp {
		_ = op.Close(ctx)
	}
	return jobID, nil
}

func isJobID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// summary names a statement in an error: its first line.
func summary(statement string) string {
	first, _, _ := strings.Cut(statement, "\n")
	first = strings.TrimSuffix(strings.TrimSpace(first), "(")
	return strings.TrimSpace(first)
}

// StopWithSavepoint stops the job gracefully through the JobManager with a
// final savepoint in dir ("" for the cluster's state.savepoints.dir) and
// returns the savepoint's path, for [Resume]. The sources stop after the
// last checkpointed binlog position plus what the savepoint holds, and the
// sinks flush, so a resumed job loses and repeats nothing beyond what the
// idempotent sinks absorb.
func (j *Job) StopWithSavepoint(ctx context.Context, jm *flinkclient.Client, dir string) (string, error) {
	location, err := jm.Stop(ctx, j.ID, flinkclient.StopRequest{TargetDirectory: dir})
	if err != nil {
		return "", fmt.Errorf("flinksql: stop job %s with a savepoint: %w", j.ID, err)
	}
	return location, nil
}

// Status returns the job's state as the JobManager reports it.
func (j *Job) Status(ctx context.Context, jm *flinkclient.Client) (flinkclient.JobState, error) {
	return jm.JobStatus(ctx, j.ID)
}

// Close closes the gateway session the job was submitted in; the job runs on.
func (j *Job) Close(ctx context.Context) error {
	if j.Session == nil {
		return nil
	}
	return j.Session.Close(ctx)
}
