package flinktest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

func (jm *JobManager) atLeast(v string) bool { return atLeast(jm.cfg.FlinkVersion, v) }

// atLeast reports whether the major.minor version is v or later.
func atLeast(version, v string) bool {
	mm := func(s string) (int, int) {
		a, b, _ := strings.Cut(s, ".")
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x, y
	}
	m1, n1 := mm(version)
	m2, n2 := mm(v)
	return m1 > m2 || (m1 == m2 && n1 >= n2)
}

// handle serves a validated request. Jar uploads stream outside the lock; everything else
// runs under jm.mu.
func (jm *JobManager) handle(key string, route *flinkspec.Route, r *http.Request) answer {
	if key == "POST /jars/upload" {
		return jm.uploadJar(r)
	}
	jm.mu.Lock()
	defer jm.mu.Unlock()
	now := time.Now()
	s := jm.state
	s.advance(now)
	jobID := route.PathParams["jobid"]
	var job *jmJob
	if jobID != "" {
		job = s.jobs[jobID]
		if job == nil {
			return errorAnswer(http.StatusNotFound, "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job ("+jobID+")")
		}
	}
	switch key {
	case "GET /config":
		features := map[string]bool{"web-submit": true}
		if jm.atLeast("1.15") {
			features["web-cancel"] = true
		}
		if jm.atLeast("1.18") {
			features["web-history"] = false
			features["web-rescale"] = false
		}
		return answer{200, map[string]any{"refresh-interval": 3000, "timezone-name": "Coordinated Universal Time", "timezone-offset": 0,
			"flink-version": jm.cfg.ReportedVersion, "flink-revision": "flinktest @ 1970-01-01T00:00:00+00:00", "features": features}}
	case "GET /overview":
		return answer{200, jm.overview()}
	case "GET /jobmanager/config":
		return answer{200, jm.jobManagerConfig()}
	case "GET /taskmanagers":
		return answer{200, map[string]any{"taskmanagers": jm.taskManagerList(now)}}
	case "DELETE /cluster":
		for _, j := range s.jobs {
			if j.state != "FINISHED" && j.state != "CANCELED" && j.state != "FAILED" {
				s.setState(j, "CANCELED", now)
			}
		}
		return answer{200, nil}
	case "GET /jars":
		files := []map[string]any{}
		ids := make([]string, 0, len(s.jars))
		for id := range s.jars {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			jar := s.jars[id]
			entries := []map[string]any{}
			if jar.mainClass != "" {
				entries = append(entries, map[string]any{"name": jar.mainClass})
			}
			files = append(files, map[string]any{"id": jar.id, "name": jar.name, "uploaded": jar.uploaded, "entry": entries})
		}
		return answer{200, map[string]any{"address": jm.URL(), "files": files}}
	case "DELETE /jars/{jarid}":
		id := route.PathParams["jarid"]
		jar := s.jars[id]
		if jar == nil {
			return errorAnswer(http.StatusBadRequest, fmt.Sprintf("File %s does not exist in %s.", id, jm.cfg.JarDir))
		}
		_ = os.Remove(jar.path)
		delete(s.jars, id)
		return answer{200, nil}
	case "POST /jars/{jarid}/plan":
		var req jmRunBody
		jar, a := jm.jarRequest(route, r, &req)
		if jar == nil {
			return a
		}
		plan := map[string]any{"jid": randomHex(32), "name": jar.name, "nodes": []any{}}
		if jm.atLeast("2.3") {
			plan["type"] = "STREAMING"
		}
		return answer{200, map[string]any{"plan": plan}}
	case "POST /jars/{jarid}/run":
		var req jmRunBody
		jar, a := jm.jarRequest(route, r, &req)
		if jar == nil {
			return a
		}
		return jm.runJob(jar, req, now)
	case "GET /jobs":
		jobs := []map[string]any{}
		for _, id := range s.jobOrder {
			jobs = append(jobs, map[string]any{"id": id, "status": s.jobs[id].state})
		}
		return answer{200, map[string]any{"jobs": jobs}}
	case "GET /jobs/overview":
		jobs := []map[string]any{}
		for _, id := range s.jobOrder {
			j := s.jobs[id]
			// Flink serialises JobDetails as jid/name/state, whatever 1.15's spec says; the
			// spec allows these properties, so the answer is valid for every version.
			jobs = append(jobs, map[string]any{"jid": j.id, "name": j.name, "state": j.state,
				"start-time": j.start.UnixMilli(), "end-time": jmEndMillis(j), "duration": jmDuration(j, now),
				"last-modification": now.UnixMilli(), "tasks": jm.taskCounts(j)})
		}
		return answer{200, map[string]any{"jobs": jobs}}
	case "GET /jobs/{jobid}":
		return answer{200, jm.jobDetails(job, now)}
	case "GET /jobs/{jobid}/status":
		return answer{200, map[string]any{"status": job.state}}
	case "PATCH /jobs/{jobid}":
		switch job.state {
		case "FINISHED", "FAILED":
			return errorAnswer(http.StatusConflict, "Job "+job.id+" has already reached terminal state "+job.state+".")
		case "CANCELLING", "CANCELED":
			return answer{202, nil}
		}
		s.setState(job, "CANCELLING", now)
		job.pending = []jmTransition{{at: now.Add(jm.cfg.CancelDelay), state: "CANCELED"}}
		return answer{202, nil}
	case "GET /jobs/{jobid}/exceptions":
		return answer{200, jm.exceptions(job, r)}
	case "GET /jobs/{jobid}/checkpoints":
		return answer{200, jm.checkpointStats(job)}
	case "GET /jobs/{jobid}/checkpoints/config":
		return answer{200, jm.checkpointConfig()}
	case "GET /jobs/{jobid}/checkpoints/details/{checkpointid}":
		id, _ := strconv.ParseInt(route.PathParams["checkpointid"], 10, 64)
		for _, cp := range job.checkpoints {
			if cp.id == id {
				return answer{200, jmCheckpointJSON(jm.cfg.FlinkVersion, job, cp, true)}
			}
		}
		return errorAnswer(http.StatusNotFound, fmt.Sprintf("Could not find checkpointing statistics for checkpoint %d.", id))
	case "POST /jobs/{jobid}/savepoints":
		var req struct {
			Target    string `json:"target-directory"`
			CancelJob bool   `json:"cancel-job"`
			Trigger   string `json:"triggerId"`
		}
		if err := jmDecodeBody(r, &req); err != nil {
			return errorAnswer(http.StatusBadRequest, "Request did not match expected format SavepointTriggerRequestBody.")
		}
		then := ""
		if req.CancelJob {
			then = "CANCELED"
		}
		return jm.startSavepoint(job, "savepoint", req.Target, req.Trigger, then, now)
	case "POST /jobs/{jobid}/stop":
		var req struct {
			Target  string `json:"targetDirectory"`
			Drain   bool   `json:"drain"`
			Trigger string `json:"triggerId"`
		}
		if err := jmDecodeBody(r, &req); err != nil {
			return errorAnswer(http.StatusBadRequest, "Request did not match expected format StopWithSavepointRequestBody.")
		}
		return jm.startSavepoint(job, "stop", req.Target, req.Trigger, "FINISHED", now)
	case "GET /jobs/{jobid}/savepoints/{triggerid}":
		op := s.ops[job.id+"/"+route.PathParams["triggerid"]]
		if op == nil || (op.kind != "savepoint" && op.kind != "stop") {
			return errorAnswer(http.StatusNotFound, "There is no savepoint operation with triggerId="+route.PathParams["triggerid"]+" for job "+job.id+".")
		}
		return answer{200, jmOpStatus(op, "failure-cause", map[string]any{"location": op.location})}
	case "POST /jobs/{jobid}/checkpoints":
		var req struct {
			Trigger string `json:"triggerId"`
		}
		if err := jmDecodeBody(r, &req); err != nil {
			return errorAnswer(http.StatusBadRequest, "Request did not match expected format CheckpointTriggerRequestBody.")
		}
		trigger := req.Trigger
		if trigger == "" {
			trigger = randomHex(32)
		}
		if s.ops[job.id+"/"+trigger] == nil {
			s.ops[job.id+"/"+trigger] = &jmOp{kind: "checkpoint", jobID: job.id, doneAt: now.Add(jm.cfg.CheckpointDelay)}
		}
		return answer{202, map[string]string{"request-id": trigger}}
	case "GET /jobs/{jobid}/checkpoints/{triggerid}":
		op := s.ops[job.id+"/"+route.PathParams["triggerid"]]
		if op == nil || op.kind != "checkpoint" {
			return errorAnswer(http.StatusNotFound, "There is no checkpoint operation with triggerId="+route.PathParams["triggerid"]+" for job "+job.id+".")
		}
		return answer{200, jmOpStatus(op, "failureCause", map[string]any{"checkpointId": op.checkpoint})}
	case "POST /savepoint-disposal":
		var req struct {
			Path string `json:"savepoint-path"`
		}
		if err := jmDecodeBody(r, &req); err != nil || req.Path == "" {
			return errorAnswer(http.StatusBadRequest, "Request did not match expected format SavepointDisposalRequest.")
		}
		trigger := randomHex(32)
		s.ops["dispose/"+trigger] = &jmOp{kind: "dispose", location: req.Path, doneAt: now.Add(jm.cfg.SavepointDelay)}
		return answer{200, map[string]string{"request-id": trigger}}
	case "GET /savepoint-disposal/{triggerid}":
		op := s.ops["dispose/"+route.PathParams["triggerid"]]
		if op == nil {
			return errorAnswer(http.StatusNotFound, "There is no savepoint disposal with triggerId="+route.PathParams["triggerid"]+".")
		}
		return answer{200, jmOpStatus(op, "failure-cause", map[string]any{})}
	}
	if a, ok := jm.handleObserve(key, route, r, job, now); ok {
		return a
	}
	if a, ok := jm.handleApplications(key, route, now); ok {
		return a
	}
	return errorAnswer(http.StatusNotImplemented, "flinktest: the fake JobManager does not implement "+key)
}

// jobManagerConfig is GET /jobmanager/config.
func (jm *JobManager) jobManagerConfig() []map[string]string {
	entries := []map[string]string{
		{"key": "jobmanager.rpc.address", "value": "localhost"},
		{"key": "rest.port", "value": "8081"},
		{"key": "taskmanager.numberOfTaskSlots", "value": strconv.Itoa(jm.cfg.SlotsPerTaskManager)},
	}
	if jm.cfg.DefaultSavepointDir != "" {
		key := "state.savepoints.dir"
		if jm.atLeast("2.0") {
			key = "execution.checkpointing.savepoint-dir"
		}
		entries = append(entries, map[string]string{"key": key, "value": jm.cfg.DefaultSavepointDir})
	}
	return entries
}

// taskManagerList is GET /taskmanagers: every TaskManager, slots used by running jobs filled
// from the first one on.
func (jm *JobManager) taskManagerList(now time.Time) []map[string]any {
	s := jm.state
	used := s.usedSlots()
	var tms []map[string]any
	for _, id := range s.tmIDs {
		free := max(jm.cfg.SlotsPerTaskManager-used, 0)
		used -= jm.cfg.SlotsPerTaskManager - free
		tm := map[string]any{"id": id, "path": jm.rpcPath(id), "dataPort": 6121, "jmxPort": -1,
			"timeSinceLastHeartbeat": now.UnixMilli(), "slotsNumber": jm.cfg.SlotsPerTaskManager, "freeSlots": free,
			"hardware": map[string]any{"cpuCores": 4, "physicalMemory": int64(8) << 30, "freeMemory": int64(1) << 30, "managedMemory": int64(512) << 20}}
		if jm.atLeast("1.18") {
			tm["blocked"] = false
		}
		tms = append(tms, tm)
	}
	return tms
}

// rpcPath is a TaskManager's RPC address: akka before Flink 1.18, pekko from 1.18 (FLINK-32468).
func (jm *JobManager) rpcPath(tmID string) string {
	scheme := "akka"
	if jm.atLeast("1.18") {
		scheme = "pekko"
	}
	addr, _, _ := strings.Cut(tmID, "-")
	return scheme + ".tcp://flink@" + addr + "/user/rpc/taskmanager_0"
}

// jmVertexName is the name of every fake job's one vertex: the seed's word count, chained.
const jmVertexName = "Source: socket -> Flat Map -> Sum -> Sink: Print"

// checkpointConfig is GET /jobs/{jobid}/checkpoints/config with the fields of the version.
func (jm *JobManager) checkpointConfig() map[string]any {
	cfg := map[string]any{"mode": "EXACTLY_ONCE", "interval": 5000, "timeout": 600000, "min_pause": 0, "max_concurrent": 1,
		"externalization":       map[string]bool{"enabled": true, "delete_on_cancellation": false},
		"unaligned_checkpoints": false, "tolerable_failed_checkpoints": 0}
	if jm.atLeast("1.13") {
		// 1.13 split the state backend from the checkpoint storage (FLIP-142).
		cfg["state_backend"] = "HashMapStateBackend"
		cfg["checkpoint_storage"] = "FileSystemCheckpointStorage"
	} else {
		cfg["state_backend"] = "FsStateBackend"
	}
	if jm.atLeast("1.15") {
		cfg["aligned_checkpoint_timeout"] = 0
		cfg["checkpoints_after_tasks_finish"] = true
	}
	return cfg
}

func jmEndMillis(j *jmJob) int64 {
	if j.end.IsZero() {
		return -1
	}
	return j.end.UnixMilli()
}

func jmDuration(j *jmJob, now time.Time) int64 {
	if j.end.IsZero() {
		return now.Sub(j.start).Milliseconds()
	}
	return j.end.Sub(j.start).Milliseconds()
}

func (jm *JobManager) overview() map[string]any {
	s := jm.state
	counts := map[string]int{}
	for _, j := range s.jobs {
		counts[j.state]++
	}
	total := jm.cfg.TaskManagers * jm.cfg.SlotsPerTaskManager
	o := map[string]any{"taskmanagers": jm.cfg.TaskManagers, "slots-total": total, "slots-available": max(total-s.usedSlots(), 0),
		"jobs-running":  len(s.jobs) - counts["FINISHED"] - counts["CANCELED"] - counts["FAILED"],
		"jobs-finished": counts["FINISHED"], "jobs-cancelled": counts["CANCELED"], "jobs-failed": counts["FAILED"],
		"flink-version": jm.cfg.ReportedVersion, "flink-commit": "flinktest"}
	if jm.atLeast("1.18") {
		o["taskmanagers-blocked"] = 0
		o["slots-free-and-blocked"] = 0
	}
	return o
}

func jmExecutionState(jobState string) string {
	switch jobState {
	case "INITIALIZING", "CREATED":
		return "CREATED"
	case "CANCELLING":
		return "CANCELING"
	case "RUNNING", "FINISHED", "CANCELED", "FAILED":
		return jobState
	}
	return "RUNNING"
}

func (jm *JobManager) taskCounts(j *jmJob) map[string]int {
	counts := map[string]int{}
	for _, st := range []string{"CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING"} {
		counts[strings.ToLower(st)] = 0
	}
	counts[strings.ToLower(jmExecutionState(j.state))] = 1
	return counts
}

func (jm *JobManager) jobDetails(j *jmJob, now time.Time) map[string]any {
	counts := map[string]int{}
	for k, v := range jm.taskCounts(j) {
		counts[strings.ToUpper(k)] = v
	}
	vertex := map[string]any{"id": j.vertexID, "name": jmVertexName, "parallelism": j.parallelism,
		"status": jmExecutionState(j.state), "start-time": j.start.UnixMilli(), "end-time": jmEndMillis(j),
		"duration": jmDuration(j, now), "tasks": counts}
	d := map[string]any{"jid": j.id, "name": j.name, "isStoppable": false, "state": j.state,
		"start-time": j.start.UnixMilli(), "end-time": jmEndMillis(j), "duration": jmDuration(j, now), "now": now.UnixMilli(),
		"timestamps": map[string]int64{j.state: now.UnixMilli(), "INITIALIZING": j.start.UnixMilli()}, "status-counts": counts,
		"vertices": []map[string]any{vertex},
	}
	if jm.atLeast("1.13") {
		// maxParallelism came with 1.13, for the job and for its vertices.
		d["maxParallelism"] = -1
		vertex["maxParallelism"] = 128
	}
	if jm.atLeast("1.18") {
		// 1.15's spec types the plan as a string although Flink sends an object; leave it out there.
		d["plan"] = map[string]any{"jid": j.id, "name": j.name, "nodes": []any{}}
	}
	if jm.atLeast("1.20") {
		d["job-type"] = "STREAMING"
	}
	return d
}

func (jm *JobManager) exceptions(j *jmJob, r *http.Request) map[string]any {
	limit := len(j.exceptions)
	if m, err := strconv.Atoi(r.URL.Query().Get("maxExceptions")); err == nil && m >= 0 && m < limit {
		limit = m
	}
	entries := []map[string]any{}
	for i := len(j.exceptions) - 1; i >= 0 && len(entries) < limit; i-- {
		e := j.exceptions[i]
		entry := map[string]any{"exceptionName": e.name, "stacktrace": e.trace, "timestamp": e.at.UnixMilli(),
			"taskName": "Source: socket (1/1)", "concurrentExceptions": []any{}}
		if !jm.atLeast("2.0") {
			entry["location"] = "127.0.0.1:6121"
		}
		if jm.atLeast("1.20") {
			entry["endpoint"] = "127.0.0.1:6121"
		}
		if jm.atLeast("1.18") {
			entry["taskManagerId"] = "127.0.0.1:6122-" + j.id[:6]
			entry["failureLabels"] = map[string]string{}
		}
		entries = append(entries, entry)
	}
	out := map[string]any{"exceptionHistory": map[string]any{"entries": entries, "truncated": limit < len(j.exceptions)}}
	if !jm.atLeast("1.13") {
		// Flink 1.12 has no exception history (FLINK-20826 came with 1.13): its all-exceptions
		// lists the task failures since the last restart.
		all := []map[string]any{}
		for i := len(j.exceptions) - 1; i >= 0 && len(all) < limit; i-- {
			e := j.exceptions[i]
			all = append(all, map[string]any{"exception": e.trace, "task": "Source: socket (1/1)",
				"location": "127.0.0.1:6121", "timestamp": e.at.UnixMilli()})
		}
		out = map[string]any{"all-exceptions": all, "truncated": limit < len(j.exceptions)}
	}
	if !jm.atLeast("2.0") {
		// Flink 1.x also sends the deprecated root-exception / all-exceptions fields.
		if _, ok := out["all-exceptions"]; !ok {
			out["all-exceptions"] = []any{}
			out["truncated"] = false
		}
		if len(j.exceptions) > 0 {
			last := j.exceptions[len(j.exceptions)-1]
			out["root-exception"] = last.trace
			out["timestamp"] = last.at.UnixMilli()
		}
	}
	return out
}

// jmCheckpointJSON is a checkpoint's statistics as the version writes them; withTasks adds the
// per-vertex part that the details route sends.
func jmCheckpointJSON(version string, j *jmJob, cp jmCheckpoint, withTasks bool) map[string]any {
	typ := "CHECKPOINT"
	if cp.savepoint {
		typ = "SAVEPOINT"
	}
	m := map[string]any{"className": strings.ToLower(cp.status), "id": cp.id, "status": cp.status, "is_savepoint": cp.savepoint,
		"checkpoint_type": typ, "trigger_timestamp": cp.trigger.UnixMilli(), "latest_ack_timestamp": cp.trigger.UnixMilli() + 5,
		"state_size": 1024, "end_to_end_duration": 5, "alignment_buffered": 0, "processed_data": 0, "persisted_data": 0,
		"num_subtasks": j.parallelism, "num_acknowledged_subtasks": j.parallelism, "tasks": map[string]any{}}
	if withTasks {
		task := map[string]any{"id": cp.id, "status": cp.status, "latest_ack_timestamp": cp.trigger.UnixMilli() + 5,
			"state_size": 1024, "end_to_end_duration": 5, "num_subtasks": j.parallelism, "num_acknowledged_subtasks": j.parallelism,
			"alignment_buffered": 0, "processed_data": 0, "persisted_data": 0}
		if atLeast(version, "1.18") {
			task["checkpointed_size"] = 512
		}
		m["tasks"] = map[string]any{j.vertexID: task}
	}
	if atLeast(version, "1.18") {
		m["checkpointed_size"] = 512
	}
	if cp.status == "COMPLETED" {
		m["external_path"] = cp.path
		m["discarded"] = false
	} else {
		m["failure_timestamp"] = cp.trigger.UnixMilli() + 5
		m["failure_message"] = cp.failMessage
	}
	return m
}

func (jm *JobManager) checkpointStats(j *jmJob) map[string]any {
	var completed, failed int64
	latest := map[string]any{}
	history := []map[string]any{}
	for i := len(j.checkpoints) - 1; i >= 0; i-- {
		cp := j.checkpoints[i]
		js := jmCheckpointJSON(jm.cfg.FlinkVersion, j, cp, false)
		history = append(history, js)
		switch {
		case cp.status == "COMPLETED":
			completed++
			key := "completed"
			if cp.savepoint {
				key = "savepoint"
			}
			if latest[key] == nil {
				latest[key] = js
			}
		default:
			failed++
			if latest["failed"] == nil {
				latest["failed"] = js
			}
		}
	}
	if j.restoredFrom != "" {
		latest["restored"] = map[string]any{"id": 0, "restore_timestamp": j.restoredAt.UnixMilli(), "is_savepoint": true, "external_path": j.restoredFrom}
	}
	restored := 0
	if j.restoredFrom != "" {
		restored = 1
	}
	return map[string]any{
		"counts":  map[string]any{"restored": restored, "total": completed + failed, "in_progress": 0, "completed": completed, "failed": failed},
		"summary": jm.checkpointSummary(completed), "latest": latest, "history": history,
	}
}

// checkpointSummary is the summary of the completed checkpoints, in the version's shape: min,
// max and average before 1.15, with percentiles from 1.15, checkpointed_size from 1.18; 1.15's
// spec (an early snapshot) lists only state_size and end_to_end_duration among the figures.
func (jm *JobManager) checkpointSummary(completed int64) map[string]any {
	stat := func(v int64) map[string]any {
		if completed == 0 {
			v = 0
		}
		m := map[string]any{"min": v, "max": v, "avg": v}
		if jm.atLeast("1.15") {
			for _, p := range []string{"p50", "p90", "p95", "p99", "p999"} {
				m[p] = float64(v)
			}
		}
		return m
	}
	sum := map[string]any{"state_size": stat(1024), "end_to_end_duration": stat(5)}
	if !jm.atLeast("1.15") || jm.atLeast("1.18") {
		sum["alignment_buffered"], sum["processed_data"], sum["persisted_data"] = stat(0), stat(0), stat(0)
	}
	if jm.atLeast("1.18") {
		sum["checkpointed_size"] = stat(512)
	}
	return sum
}

func jmOpStatus(op *jmOp, causeKey string, success map[string]any) map[string]any {
	if !op.finalized {
		// AsynchronousOperationResult serializes its missing result as null; it is never left out.
		return map[string]any{"status": map[string]string{"id": "IN_PROGRESS"}, "operation": nil}
	}
	if op.failure != "" {
		class, _, _ := strings.Cut(op.failure, ":")
		trace := op.failure + "\n\tat org.apache.flink.runtime.flinktest.Fake(Fake.java:1)\n"
		return map[string]any{"status": map[string]string{"id": "COMPLETED"}, "operation": map[string]any{causeKey: map[string]string{
			"class": class, "stack-trace": trace, "serialized-throwable": base64.StdEncoding.EncodeToString([]byte(trace))}}}
	}
	return map[string]any{"status": map[string]string{"id": "COMPLETED"}, "operation": success}
}

// startSavepoint registers a savepoint or stop-with-savepoint; a repeated trigger ID is
// acknowledged without a second savepoint, as Flink's operation cache does.
func (jm *JobManager) startSavepoint(j *jmJob, kind, target, trigger, then string, now time.Time) answer {
	s := jm.state
	if trigger == "" {
		trigger = randomHex(32)
	}
	if s.ops[j.id+"/"+trigger] != nil {
		return answer{202, map[string]string{"request-id": trigger}}
	}
	op := &jmOp{kind: kind, jobID: j.id, doneAt: now.Add(jm.cfg.SavepointDelay), thenState: then}
	if target == "" {
		target = jm.cfg.DefaultSavepointDir
	}
	switch {
	case target == "":
		op.failure = "java.lang.IllegalStateException: No savepoint directory configured. You can either specify a directory while cancelling via -s :targetDirectory or configure a cluster-wide default via key 'state.savepoints.dir'."
	case s.failNextSP != "":
		op.failure, s.failNextSP = s.failNextSP, ""
	case j.state != "RUNNING":
		op.failure = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task of job " + j.id + " is not being executed at the moment (job is " + j.state + ")."
	default:
		op.location = strings.TrimRight(target, "/") + "/savepoint-" + j.id[:6] + "-" + randomHex(12)
	}
	s.ops[j.id+"/"+trigger] = op
	return answer{202, map[string]string{"request-id": trigger}}
}

// jmRunBody is JarRunRequestBody / JarPlanRequestBody across versions.
type jmRunBody struct {
	EntryClass            string            `json:"entryClass"`
	ProgramArgsList       []string          `json:"programArgsList"`
	Parallelism           int               `json:"parallelism"`
	JobID                 string            `json:"jobId"`
	SavepointPath         string            `json:"savepointPath"`
	AllowNonRestoredState bool              `json:"allowNonRestoredState"`
	RestoreMode           string            `json:"restoreMode"`
	ClaimMode             string            `json:"claimMode"`
	FlinkConfiguration    map[string]string `json:"flinkConfiguration"`
}

func (jm *JobManager) jarRequest(route *flinkspec.Route, r *http.Request, req *jmRunBody) (*jmJar, answer) {
	id := route.PathParams["jarid"]
	jar := jm.state.jars[id]
	if jar == nil {
		return nil, errorAnswer(http.StatusBadRequest, "Jar file "+filepath.Join(jm.cfg.JarDir, id)+" does not exist")
	}
	if err := jmDecodeBody(r, req); err != nil {
		return nil, errorAnswer(http.StatusBadRequest, "Request did not match expected format JarRunRequestBody.")
	}
	if req.EntryClass == "" && jar.mainClass == "" {
		return nil, errorAnswer(http.StatusBadRequest, "org.apache.flink.client.program.ProgramInvocationException: Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file.")
	}
	return jar, answer{}
}

func (jm *JobManager) runJob(jar *jmJar, req jmRunBody, now time.Time) answer {
	s := jm.state
	if req.SavepointPath != "" && !s.savepoints[req.SavepointPath] {
		return errorAnswer(http.StatusBadRequest, "org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.\nCaused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory '"+req.SavepointPath+"' on file system 'file'.")
	}
	id := req.JobID
	if id == "" {
		id = randomHex(32)
	} else if s.jobs[id] != nil {
		return errorAnswer(http.StatusConflict, "org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted. JobID: "+id)
	}
	entry := req.EntryClass
	if entry == "" {
		entry = jar.mainClass
	}
	par := req.Parallelism
	if par <= 0 {
		par = 1
	}
	j := &jmJob{id: id, name: "Flink Streaming Job", jarID: jar.id, entryClass: entry, args: req.ProgramArgsList, parallelism: par,
		vertexID: randomHex(32), state: "RUNNING", start: now}
	if jm.cfg.StartDelay > 0 {
		j.state = "INITIALIZING"
		j.pending = []jmTransition{{at: now.Add(jm.cfg.StartDelay), state: "RUNNING"}}
	}
	if req.SavepointPath != "" {
		j.restoredFrom, j.restoredAt = req.SavepointPath, now
	}
	j.applicationID = randomHex(32)
	s.jobs[id] = j
	s.jobOrder = append(s.jobOrder, id)
	return answer{200, map[string]string{"jobid": id}}
}

// uploadJar streams a multipart upload to disk, checking what Flink checks (one file, a .jar
// name) plus that the content really is a zip archive.
func (jm *JobManager) uploadJar(r *http.Request) answer {
	mr, err := r.MultipartReader()
	if err != nil {
		return errorAnswer(http.StatusBadRequest, "flinktest: the jar must be sent as multipart/form-data: "+err.Error())
	}
	var jar *jmJar
	files := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "flinktest: broken multipart body: "+err.Error())
		}
		if part.FileName() == "" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		files++
		name := filepath.Base(part.FileName())
		if !strings.HasSuffix(name, ".jar") {
			_, _ = io.Copy(io.Discard, part)
			return errorAnswer(http.StatusBadRequest, "Only Jar files are allowed.")
		}
		id := randomUUID() + "_" + name
		path := filepath.Join(jm.cfg.JarDir, id)
		if err := jmStoreZip(path, part); err != nil {
			return errorAnswer(http.StatusBadRequest, "flinktest: "+name+": "+err.Error())
		}
		main, err := jmManifestMainClass(path)
		if err != nil {
			_ = os.Remove(path)
			return errorAnswer(http.StatusBadRequest, "flinktest: "+name+" is not a valid jar (zip) file: "+err.Error())
		}
		jar = &jmJar{id: id, name: name, path: path, uploaded: time.Now().UnixMilli(), mainClass: main}
	}
	if files != 1 || jar == nil {
		return errorAnswer(http.StatusBadRequest, fmt.Sprintf("Exactly 1 file must be sent, received %d.", files))
	}
	jm.mu.Lock()
	jm.state.jars[jar.id] = jar
	jm.mu.Unlock()
	return answer{200, map[string]string{"filename": jar.path, "status": "success"}}
}

func jmStoreZip(path string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	if !bytes.Equal(magic, []byte("PK\x03\x04")) && !bytes.Equal(magic, []byte("PK\x05\x06")) {
		_, _ = io.Copy(io.Discard, br)
		return fmt.Errorf("not a jar: content starts with %q, not a zip signature", magic)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, br); err != nil {
		f.Close()
		_ = os.Remove(path)
		return err
	}
	return f.Close()
}

// jmManifestMainClass opens the stored archive (which proves it is a readable zip) and returns
// the Main-Class of META-INF/MANIFEST.MF, if any.
func jmManifestMainClass(path string) (string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "META-INF/MANIFEST.MF" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		sc := bufio.NewScanner(io.LimitReader(rc, 1<<20))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Main-Class:"); ok {
				return strings.TrimSpace(v), nil
			}
		}
		return "", sc.Err()
	}
	return "", nil
}
