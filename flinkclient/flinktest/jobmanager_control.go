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
	jm.mu.Lock()
	defer jm.mu.Unlock()
	now := time.Now()
	jm.state.advance(now)
	j := jm.state.jobs[jobID]
	if j == nil {
		return fmt.Errorf("flinktest: no job %s", jobID)
	}
	j.exceptions = append(j.exceptions, jmException{name: jmExceptionClass(exception), trace: exception + "\n\tat org.apache.flink.flinktest.Fake(Fake.java:1)\n", at: now})
	jm.state.setState(j, "FAILED", now)
	return nil
}

// RecordJobException adds a task failure to a job's exception history without failing the job
// (as a restart would).
func (jm *JobManager) RecordJobException(jobID, exception string) error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	j := jm.state.jobs[jobID]
	if j == nil {
		return fmt.Errorf("flinktest: no job %s", jobID)
	}
	j.exceptions = append(j.exceptions, jmException{name: jmExceptionClass(exception), trace: exception + "\n\tat org.apache.flink.flinktest.Fake(Fake.java:1)\n", at: time.Now()})
	return nil
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
	jm.mu.Lock()
	defer jm.mu.Unlock()
	now := time.Now()
	jm.state.advance(now)
	j := jm.state.jobs[jobID]
	if j == nil {
		return fmt.Errorf("flinktest: no job %s", jobID)
	}
	jm.state.setState(j, "FINISHED", now)
	return nil
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
