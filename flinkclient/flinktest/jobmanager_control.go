package flinktest

import (
	"fmt"
	"sort"
	"time"
)

// FailNextSavepoint makes the next savepoint or stop-with-savepoint complete with Flink's
// failure cause cause (e.g. "java.io.IOException: disk full").
func (jm *JobManager) FailNextSavepoint(cause string) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.state.failNextSP = cause
}

// FailJob makes a job fail with the given exception, recording it in the exception history.
func (jm *JobManager) FailJob(jobID, exception string) error {
	return jm.withJob(jobID, func(j *jmJob, now time.Time) {
		j.exceptions = append(j.exceptions, jmNewException(exception, now))
		jm.state.setState(j, "FAILED", now)
	})
}

// withJob runs fn on a job under the lock, after time-driven transitions, or reports that
// the fake has no such job.
func (jm *JobManager) withJob(jobID string, fn func(j *jmJob, now time.Time)) error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	now := time.Now()
	jm.state.advance(now)
	j := jm.state.jobs[jobID]
	if j == nil {
		return fmt.Errorf("flinktest: no job %s", jobID)
	}
	fn(j, now)
	return nil
}

// jmNewException is an exception-history entry with a Java-like stack trace.
func jmNewException(exception string, at time.Time) jmException {
	return jmException{name: jmExceptionClass(exception), trace: exception + "\n\tat org.apache.flink.flinktest.Fake(Fake.java:1)\n", at: at}
}

// RecordJobException adds a task failure to a job's exception history without failing the job
// (as a restart would).
func (jm *JobManager) RecordJobException(jobID, exception string) error {
	return jm.withJob(jobID, func(j *jmJob, now time.Time) {
		j.exceptions = append(j.exceptions, jmNewException(exception, now))
	})
}

func jmExceptionClass(s string) string {
	for i, c := range s {
		if c == ':' {
			return s[:i]
		}
	}
	return s
}

// FinishJob makes a job finish (as a bounded job does).
func (jm *JobManager) FinishJob(jobID string) error {
	return jm.withJob(jobID, func(j *jmJob, now time.Time) { jm.state.setState(j, "FINISHED", now) })
}

// JobManagerJob is a snapshot of a job in the fake.
type JobManagerJob struct {
	ID, State, JarID, EntryClass string
	ProgramArgs                  []string
	Parallelism                  int
	// RestoredFrom is the savepoint the job was started from, if any.
	RestoredFrom string
}

// Job returns a snapshot of a job, with time-driven transitions applied.
func (jm *JobManager) Job(jobID string) (JobManagerJob, bool) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.state.advance(time.Now())
	j := jm.state.jobs[jobID]
	if j == nil {
		return JobManagerJob{}, false
	}
	return JobManagerJob{ID: j.id, State: j.state, JarID: j.jarID, EntryClass: j.entryClass, ProgramArgs: append([]string(nil), j.args...),
		Parallelism: j.parallelism, RestoredFrom: j.restoredFrom}, true
}

// Savepoints returns the locations of the savepoints that currently exist.
func (jm *JobManager) Savepoints() []string {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.state.advance(time.Now())
	var out []string
	for loc := range jm.state.savepoints {
		out = append(out, loc)
	}
	sort.Strings(out)
	return out
}

// JarIDs returns the IDs of the uploaded jars.
func (jm *JobManager) JarIDs() []string {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	var out []string
	for id := range jm.state.jars {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
