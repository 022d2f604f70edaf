package flinktest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

// The routes an operator watches a running job with: metrics, back pressure, watermarks, the
// plan and configuration, TaskManagers and the JobManager, resource requirements and (2.3)
// applications. Figures are made up but consistent: a job's vertex has as many subtasks as its
// parallelism, and every subtask has metrics and a watermark.

// fakeMetricNames lists the metrics each component of the fake has, with a value each.
var fakeMetricNames = map[string]map[string]string{
	"job": {"numRestarts": "0", "uptime": "60000", "downtime": "0", "lastCheckpointDuration": "5",
		"numberOfCompletedCheckpoints": "0"},
	"taskmanager": {"Status.JVM.Memory.Heap.Used": "104857600", "Status.JVM.Memory.Heap.Max": "536870912",
		"Status.JVM.CPU.Load": "0.05", "Status.Network.TotalMemorySegments": "2048"},
	"jobmanager": {"Status.JVM.Memory.Heap.Used": "83886080", "numRegisteredTaskManagers": "1", "numRunningJobs": "0",
		"taskSlotsAvailable": "4", "taskSlotsTotal": "4"},
}

// fakeWatermark is the watermark every subtask of a running job reports, epoch milliseconds.
const fakeWatermark = 1700000000000

// minWatermark is what Flink reports while no watermark has arrived (Long.MIN_VALUE).
const minWatermark = "-9223372036854775808"

// handleObserve serves the routes of this file; ok is false for any other route.
func (jm *JobManager) handleObserve(key string, route *flinkspec.Route, r *http.Request, job *jmJob, now time.Time) (a answer, ok bool) {
	s := jm.state
	switch key {
	case "GET /jobs/{jobid}/metrics":
		return answer{200, pickMetrics(jm.jobMetrics(job), r)}, true
	case "GET /jobs/{jobid}/vertices/{vertexid}/metrics":
		if job.vertexID != route.PathParams["vertexid"] {
			return jm.noVertex(job, route), true
		}
		return answer{200, pickMetrics(jm.vertexMetrics(job), r)}, true
	case "GET /jobs/{jobid}/vertices/{vertexid}/watermarks":
		if job.vertexID != route.PathParams["vertexid"] {
			return jm.noVertex(job, route), true
		}
		var out []map[string]string
		for i := 0; i < job.parallelism; i++ {
			wm := minWatermark
			if job.state == "RUNNING" {
				wm = strconv.Itoa(fakeWatermark)
			}
			out = append(out, map[string]string{"id": strconv.Itoa(i) + ".currentInputWatermark", "value": wm})
		}
		return answer{200, out}, true
	case "GET /jobs/{jobid}/vertices/{vertexid}/backpressure":
		if job.vertexID != route.PathParams["vertexid"] {
			return jm.noVertex(job, route), true
		}
		return answer{200, jm.backPressure(job, now)}, true
	case "GET /jobs/{jobid}/plan":
		return answer{200, map[string]any{"plan": jm.plan(job)}}, true
	case "GET /jobs/{jobid}/config":
		exec := map[string]any{"restart-strategy": "Restart with fixed delay (1 s). #3 restart attempts.",
			"job-parallelism": job.parallelism, "object-reuse-mode": false, "user-config": map[string]string{}}
		if !jm.atLeast("2.0") {
			exec["execution-mode"] = "PIPELINED"
		}
		return answer{200, map[string]any{"jid": job.id, "name": job.name, "execution-config": exec}}, true
	case "GET /jobs/{jobid}/resource-requirements":
		return answer{200, map[string]any{job.vertexID: jm.requirements(job)}}, true
	case "PUT /jobs/{jobid}/resource-requirements":
		return jm.setRequirements(job, r), true
	case "GET /jobs/{jobid}/rescales/history":
		history := []map[string]any{}
		for i := len(job.rescales) - 1; i >= 0; i-- {
			history = append(history, job.rescales[i])
		}
		return answer{200, history}, true
	case "GET /taskmanagers/{taskmanagerid}":
		id := route.PathParams["taskmanagerid"]
		if !s.hasTM(id) {
			return jm.noTaskManager(id), true
		}
		return answer{200, jm.taskManagerDetails(id, now)}, true
	case "GET /taskmanagers/{taskmanagerid}/metrics":
		id := route.PathParams["taskmanagerid"]
		if !s.hasTM(id) {
			return jm.noTaskManager(id), true
		}
		return answer{200, pickMetrics(fakeMetricNames["taskmanager"], r)}, true
	case "GET /taskmanagers/{taskmanagerid}/logs":
		id := route.PathParams["taskmanagerid"]
		if !s.hasTM(id) {
			return jm.noTaskManager(id), true
		}
		return answer{200, jm.logList("taskmanager")}, true
	case "GET /jobmanager/metrics":
		return answer{200, pickMetrics(fakeMetricNames["jobmanager"], r)}, true
	case "GET /jobmanager/logs":
		return answer{200, jm.logList("jobmanager")}, true
	case "GET /jobmanager/environment":
		return answer{200, map[string]any{"jvm": map[string]any{"version": "OpenJDK 64-Bit Server VM - Eclipse Adoptium - 17 - 17.0.9+9",
			"arch": "amd64", "options": []string{"-Xmx1073741824", "-Xms1073741824", "-XX:MaxMetaspaceSize=268435456"}},
			"classpath": []string{"/opt/flink/lib/flink-dist.jar", "/opt/flink/lib/log4j-api.jar"}}}, true
	}
	return answer{}, false
}

// pickMetrics answers a metrics route: the values asked for with ?get=, or every name without
// values when none is asked for, as Flink does. Unknown names are left out.
func pickMetrics(all map[string]string, r *http.Request) []map[string]string {
	out := []map[string]string{}
	get := r.URL.Query().Get("get")
	if get == "" {
		names := make([]string, 0, len(all))
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, map[string]string{"id": n})
		}
		return out
	}
	for _, n := range strings.Split(get, ",") {
		if v, ok := all[n]; ok {
			out = append(out, map[string]string{"id": n, "value": v})
		}
	}
	return out
}

func (jm *JobManager) jobMetrics(j *jmJob) map[string]string {
	m := map[string]string{}
	for k, v := range fakeMetricNames["job"] {
		m[k] = v
	}
	completed := 0
	for _, cp := range j.checkpoints {
		if cp.status == "COMPLETED" {
			completed++
		}
	}
	m["numberOfCompletedCheckpoints"] = strconv.Itoa(completed)
	m["numRestarts"] = strconv.Itoa(len(j.exceptions))
	return m
}

func (jm *JobManager) vertexMetrics(j *jmJob) map[string]string {
	m := map[string]string{}
	for i := 0; i < j.parallelism; i++ {
		p := strconv.Itoa(i) + "."
		m[p+"numRecordsIn"] = "1000"
		m[p+"numRecordsOut"] = "1000"
		m[p+"Source__socket.numRecordsOutPerSecond"] = "16.5"
		m[p+"currentInputWatermark"] = strconv.Itoa(fakeWatermark)
		m[p+"busyTimeMsPerSecond"] = "120"
		m[p+"backPressuredTimeMsPerSecond"] = "0"
	}
	return m
}

// backPressure answers "deprecated" (no figures yet) to the first request for a job's vertex,
// as Flink does while it samples (1.12) or waits for the vertex's metrics (1.13 on), and the
// figures after.
func (jm *JobManager) backPressure(j *jmJob, now time.Time) map[string]any {
	if !j.backPressureAsked {
		j.backPressureAsked = true
		return map[string]any{"status": "deprecated"}
	}
	var subtasks []map[string]any
	for i := 0; i < j.parallelism; i++ {
		st := map[string]any{"subtask": i, "backpressure-level": "ok", "ratio": 0.0}
		if jm.atLeast("1.13") {
			st["idleRatio"], st["busyRatio"] = 0.88, 0.12
		}
		subtasks = append(subtasks, st)
	}
	return map[string]any{"status": "ok", "backpressure-level": "ok", "end-timestamp": now.UnixMilli(), "subtasks": subtasks}
}

func (jm *JobManager) plan(j *jmJob) map[string]any {
	node := map[string]any{"id": j.vertexID, "parallelism": j.parallelism, "operator": "", "operator_strategy": "",
		"description": jmVertexName, "optimizer_properties": map[string]any{}}
	plan := map[string]any{"jid": j.id, "name": j.name, "nodes": []any{node}}
	if jm.atLeast("2.3") {
		plan["type"] = "STREAMING"
	}
	return plan
}

func (jm *JobManager) requirements(j *jmJob) map[string]any {
	lower, upper := j.parallelism, j.parallelism
	if j.upperBound > 0 {
		lower, upper = j.lowerBound, j.upperBound
	}
	return map[string]any{"parallelism": map[string]int{"lowerBound": lower, "upperBound": upper}}
}

// setRequirements plays the adaptive scheduler: the job's one vertex runs with as many
// subtasks as the upper bound asks for.
func (jm *JobManager) setRequirements(j *jmJob, r *http.Request) answer {
	var body map[string]struct {
		Parallelism struct {
			Lower int `json:"lowerBound"`
			Upper int `json:"upperBound"`
		} `json:"parallelism"`
	}
	if err := jmDecodeBody(r, &body); err != nil {
		return errorAnswer(http.StatusBadRequest, "Request did not match expected format JobResourceRequirementsBody.")
	}
	req, ok := body[j.vertexID]
	if !ok || len(body) != 1 {
		return errorAnswer(http.StatusBadRequest, "The request is incomplete: every vertex of job "+j.id+" needs its requirements ("+j.vertexID+").")
	}
	if req.Parallelism.Lower < 1 || req.Parallelism.Upper < req.Parallelism.Lower {
		return errorAnswer(http.StatusBadRequest, fmt.Sprintf("Invalid parallelism bounds [%d, %d].", req.Parallelism.Lower, req.Parallelism.Upper))
	}
	j.lowerBound, j.upperBound = req.Parallelism.Lower, req.Parallelism.Upper
	if j.state != "RUNNING" || j.parallelism == req.Parallelism.Upper {
		return answer{200, nil}
	}
	// The adaptive scheduler restarts the job from its latest checkpoint with the new
	// parallelism (here: as much as asked for, up to the upper bound).
	now := time.Now()
	if jm.atLeast("2.3") {
		jm.recordRescale(j, "UPDATE_REQUIREMENT", j.parallelism, req.Parallelism.Upper, now)
	}
	jm.state.setState(j, "RESTARTING", now)
	j.pending = []jmTransition{{at: now.Add(jm.cfg.RescaleDelay), state: "RUNNING", parallelism: req.Parallelism.Upper}}
	return answer{200, nil}
}

// recordRescale adds a completed rescale to the job's history (Flink 2.3's adaptive scheduler).
func (jm *JobManager) recordRescale(j *jmJob, cause string, before, after int, at time.Time) {
	j.rescales = append(j.rescales, map[string]any{
		"rescaleUuid": randomUUID(), "resourceRequirementsUuid": randomUUID(), "rescaleAttemptId": len(j.rescales) + 1,
		"triggerCause": cause, "terminalState": "COMPLETED", "terminatedReason": "SUCCEEDED",
		"startTimestampInMillis": at.UnixMilli(), "endTimestampInMillis": at.UnixMilli() + 5,
		"vertices": map[string]any{j.vertexID: map[string]any{"jobVertexId": j.vertexID, "jobVertexName": jmVertexName,
			"desiredParallelism": after, "sufficientParallelism": j.lowerBound, "preRescaleParallelism": before,
			"postRescaleParallelism": after}},
	})
}

func (jm *JobManager) noVertex(j *jmJob, route *flinkspec.Route) answer {
	return errorAnswer(http.StatusNotFound, "JobVertexID "+route.PathParams["vertexid"]+" not found for job "+j.id+".")
}

func (jm *JobManager) noTaskManager(id string) answer {
	return errorAnswer(http.StatusNotFound, "Could not find TaskExecutor "+id+".")
}

func (s *jmCluster) hasTM(id string) bool {
	for _, t := range s.tmIDs {
		if t == id {
			return true
		}
	}
	return false
}

func (jm *JobManager) taskManagerDetails(id string, now time.Time) map[string]any {
	s := jm.state
	var tm map[string]any
	for _, t := range jm.taskManagerList(now) {
		if t["id"] == id {
			tm = t
		}
	}
	metrics := map[string]any{"heapUsed": 104857600, "heapCommitted": 536870912, "heapMax": 536870912,
		"nonHeapUsed": 52428800, "nonHeapCommitted": 60000000, "nonHeapMax": -1,
		"directCount": 10, "directUsed": 1048576, "directMax": 1048576, "mappedCount": 0, "mappedUsed": 0, "mappedMax": 0,
		"nettyShuffleMemorySegmentsAvailable": 2048, "nettyShuffleMemorySegmentsUsed": 0, "nettyShuffleMemorySegmentsTotal": 2048,
		"nettyShuffleMemoryAvailable": 67108864, "nettyShuffleMemoryUsed": 0, "nettyShuffleMemoryTotal": 67108864,
		"garbageCollectors": []map[string]any{{"name": "G1_Young_Generation", "count": 3, "time": 25}}}
	if !jm.atLeast("2.0") {
		metrics["memorySegmentsAvailable"], metrics["memorySegmentsTotal"] = 2048, 2048
	}
	tm["metrics"] = metrics
	tm["memoryConfiguration"] = map[string]int64{"frameworkHeap": 134217728, "taskHeap": 402653184, "frameworkOffHeap": 134217728,
		"taskOffHeap": 0, "networkMemory": 67108864, "managedMemory": 536870912, "jvmMetaspace": 268435456,
		"jvmOverhead": 201326592, "totalFlinkMemory": 1275068416, "totalProcessMemory": 1744830464}
	if jm.atLeast("1.13") {
		slots := []map[string]any{}
		for _, jid := range s.jobOrder {
			j := s.jobs[jid]
			if j.state == "FINISHED" || j.state == "CANCELED" || j.state == "FAILED" {
				continue
			}
			for i := 0; i < j.parallelism && len(slots) < jm.cfg.SlotsPerTaskManager; i++ {
				slots = append(slots, map[string]any{"jobId": j.id, "resource": map[string]any{"cpuCores": 1.0}})
			}
		}
		if id != s.tmIDs[0] {
			slots = []map[string]any{} // the fake places every slot on its first TaskManager
		}
		tm["allocatedSlots"] = slots
	}
	return tm
}

// fakeLogFiles are the files of each component's log directory.
var fakeLogFiles = map[string][]string{
	"taskmanager": {"taskmanager.log", "taskmanager.out", "taskmanager.log.1"},
	"jobmanager":  {"jobmanager.log", "jobmanager.out"},
}

func (jm *JobManager) logList(component string) map[string]any {
	var logs []map[string]any
	for _, name := range fakeLogFiles[component] {
		l := map[string]any{"name": name, "size": len(fakeLogText(component, name))}
		if jm.atLeast("1.15") {
			l["mtime"] = int64(1700000000000)
		}
		logs = append(logs, l)
	}
	return map[string]any{"logs": logs}
}

// fakeLogText is the content of a fake log file.
func fakeLogText(component, name string) string {
	if strings.HasSuffix(name, ".out") {
		return "(" + component + " stdout) hello from System.out\n"
	}
	return "2026-01-01 00:00:00,000 INFO  org.apache.flink.runtime." + component + " [] - " + name + ": started\n"
}
