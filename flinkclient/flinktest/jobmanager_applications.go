package flinktest

import (
	"net/http"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

// Flink 2.3's applications. The fake gives every job run from a jar its own application (as an
// application-mode cluster runs one main() per application), named after the jar, with the
// job's state as the application's status.

func (jm *JobManager) handleApplications(key string, route *flinkspec.Route, now time.Time) (answer, bool) {
	s := jm.state
	var app *jmJob
	if id := route.PathParams["applicationid"]; id != "" {
		for _, j := range s.jobs {
			if j.applicationID == id {
				app = j
			}
		}
		if app == nil {
			return errorAnswer(http.StatusNotFound, "Application "+id+" not found."), true
		}
	}
	switch key {
	case "GET /applications/overview":
		apps := []map[string]any{}
		for _, id := range s.jobOrder {
			j := s.jobs[id]
			a := jm.application(j, now)
			a["jobs"] = map[string]int{j.state: 1}
			apps = append(apps, a)
		}
		return answer{200, map[string]any{"applications": apps}}, true
	case "GET /applications/{applicationid}":
		a := jm.application(app, now)
		a["timestamps"] = map[string]int64{"CREATED": app.start.UnixMilli(), applicationStatus(app.state): now.UnixMilli()}
		a["jobs"] = []map[string]any{{"jid": app.id, "name": app.name, "state": app.state, "start-time": app.start.UnixMilli(),
			"end-time": jmEndMillis(app), "duration": jmDuration(app, now), "last-modification": now.UnixMilli(), "tasks": jm.taskCounts(app)}}
		return answer{200, a}, true
	case "POST /applications/{applicationid}/cancel":
		switch app.state {
		case "FINISHED", "FAILED", "CANCELED", "CANCELLING":
		default:
			s.setState(app, "CANCELLING", now)
			app.pending = []jmTransition{{at: now.Add(jm.cfg.CancelDelay), state: "CANCELED"}}
		}
		return answer{202, nil}, true
	case "GET /applications/{applicationid}/exceptions":
		entries := []map[string]any{}
		for i := len(app.exceptions) - 1; i >= 0; i-- {
			e := app.exceptions[i]
			entries = append(entries, map[string]any{"exceptionName": e.name, "stacktrace": e.trace, "timestamp": e.at.UnixMilli(), "jobId": app.id})
		}
		return answer{200, map[string]any{"exceptionHistory": map[string]any{"entries": entries}}}, true
	case "GET /applications/{applicationid}/jobmanager/config":
		return answer{200, jm.jobManagerConfig()}, true
	}
	return answer{}, false
}

func (jm *JobManager) application(j *jmJob, now time.Time) map[string]any {
	return map[string]any{"id": j.applicationID, "name": j.name, "status": applicationStatus(j.state),
		"start-time": j.start.UnixMilli(), "end-time": jmEndMillis(j), "duration": jmDuration(j, now)}
}

// applicationStatus spells a job state as an application status (CANCELLING is CANCELING).
func applicationStatus(jobState string) string {
	if jobState == "CANCELLING" {
		return "CANCELING"
	}
	return jobState
}
