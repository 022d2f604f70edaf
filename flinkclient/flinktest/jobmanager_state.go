package flinktest

import (
	"fmt"
	"sort"
	"time"
)

// jmCluster is the fake's world: jars, jobs and asynchronous operations. Guarded by
// JobManager.mu. Time-driven transitions are applied lazily by advance.
type jmCluster struct {
	cfg        JobManagerConfig
	jars       map[string]*jmJar
	jobs       map[string]*jmJob
	jobOrder   []string
	ops        map[string]*jmOp // key: jobID + "/" + triggerID, or "dispose/" + triggerID
	savepoints map[string]bool  // locations that exist
	failNextSP string           // failure cause for the next savepoint
	tmIDs      []string
}

type jmJar struct {
	id, name, path string
	uploaded       int64
	mainClass      string
}

type jmTransition struct {
	at    time.Time
	state string
	// parallelism, when > 0, becomes the job's parallelism (a rescale taking effect).
	parallelism int
}

type jmJob struct {
	id, name, jarID, entryClass string
	args                        []string
	parallelism                 int
	vertexID                    string
	state                       string
	start, end                  time.Time
	pending                     []jmTransition
	restoredFrom                string
	restoredAt                  time.Time
	exceptions                  []jmException
	checkpoints                 []jmCheckpoint
	nextCheckpointID            int64
	backPressureAsked           bool // the first back-pressure request answers "deprecated"
	lowerBound, upperBound      int  // resource requirements set through PUT (0: none)
	applicationID               string
	rescales                    []map[string]any // Flink 2.3's rescale history, oldest first
}

type jmException struct {
	name, trace string
	at          time.Time
}

type jmCheckpoint struct {
	id          int64
	savepoint   bool
	status      string // COMPLETED or FAILED
	trigger     time.Time
	path        string
	failMessage string
}

type jmOp struct {
	kind       string // "savepoint", "stop", "checkpoint", "dispose"
	jobID      string
	doneAt     time.Time
	location   string
	checkpoint int64
	failure    string // Java-like "class: message"
	thenState  string // job state once the operation succeeds ("" = unchanged)
	finalized  bool
}

func newJMCluster(cfg JobManagerConfig) *jmCluster {
	s := &jmCluster{cfg: cfg, jars: map[string]*jmJar{}, jobs: map[string]*jmJob{}, ops: map[string]*jmOp{}, savepoints: map[string]bool{}}
	for i := 0; i < cfg.TaskManagers; i++ {
		// A standalone TaskManager's ResourceID: <rpc-address>:<rpc-port>-<6 hex>.
		s.tmIDs = append(s.tmIDs, fmt.Sprintf("127.0.0.1:%d-%s", 36000+i, randomHex(6)))
	}
	return s
}

// advance applies every transition and operation completion due at now.
func (s *jmCluster) advance(now time.Time) {
	for _, j := range s.jobs {
		for len(j.pending) > 0 && !now.Before(j.pending[0].at) {
			next := j.pending[0]
			j.pending = j.pending[1:]
			if next.parallelism > 0 {
				j.parallelism = next.parallelism
			}
			s.setState(j, next.state, next.at)
		}
	}
	keys := make([]string, 0, len(s.ops))
	for k := range s.ops {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic completion order
	for _, k := range keys {
		op := s.ops[k]
		if op.finalized || now.Before(op.doneAt) {
			continue
		}
		op.finalized = true
		j := s.jobs[op.jobID]
		switch op.kind {
		case "savepoint", "stop":
			if op.failure == "" && j != nil && j.state != "RUNNING" {
				op.failure = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task of job " + j.id + " is not being executed at the moment (job is " + j.state + ")."
			}
			if j == nil {
				continue
			}
			j.nextCheckpointID++
			cp := jmCheckpoint{id: j.nextCheckpointID, savepoint: true, trigger: op.doneAt.Add(-s.cfg.SavepointDelay)}
			if op.failure != "" {
				cp.status, cp.failMessage = "FAILED", op.failure
			} else {
				cp.status, cp.path = "COMPLETED", op.location
				s.savepoints[op.location] = true
				if op.thenState != "" {
					s.setState(j, op.thenState, op.doneAt)
				}
			}
			j.checkpoints = append(j.checkpoints, cp)
		case "checkpoint":
			if j == nil {
				continue
			}
			if j.state != "RUNNING" {
				op.failure = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task of job " + j.id + " is not being executed at the moment."
				continue
			}
			j.nextCheckpointID++
			op.checkpoint = j.nextCheckpointID
			j.checkpoints = append(j.checkpoints, jmCheckpoint{id: op.checkpoint, status: "COMPLETED", trigger: op.doneAt.Add(-s.cfg.CheckpointDelay),
				path: fmt.Sprintf("file:/tmp/flinktest-checkpoints/%s/chk-%d", j.id, op.checkpoint)})
		case "dispose":
			if !s.savepoints[op.location] {
				op.failure = "java.io.FileNotFoundException: Cannot find meta data file '_metadata' in directory '" + op.location + "'. Please try to load the checkpoint/savepoint directly from the metadata file instead of the directory."
			} else {
				delete(s.savepoints, op.location)
			}
		}
	}
}

func (s *jmCluster) setState(j *jmJob, state string, at time.Time) {
	j.state = state
	switch state {
	case "FINISHED", "CANCELED", "FAILED":
		j.end = at
		j.pending = nil
	}
}

func (s *jmCluster) usedSlots() int {
	n := 0
	for _, j := range s.jobs {
		switch j.state {
		case "FINISHED", "CANCELED", "FAILED":
		default:
			n += j.parallelism
		}
	}
	return n
}
