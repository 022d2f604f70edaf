package flinktest

import (
	"net/http"
	"strconv"
	"strings"
)

// logFileRoutes are the JobManager's file routes. Flink serves them in every version the fake
// plays (JobManagerLogFileHeader, JobManagerStdoutFileHeader, JobManagerCustomLogHeaders and
// their TaskManager counterparts, 1.11 on) but leaves them out of its REST reference and its
// OpenAPI specs, since they answer a file as text/plain rather than JSON. The fake serves them
// outside the spec check.
var logFileRoutes = []string{
	"/jobmanager/log", "/jobmanager/stdout", "/jobmanager/logs/{filename}",
	"/taskmanagers/{taskmanagerid}/log", "/taskmanagers/{taskmanagerid}/stdout", "/taskmanagers/{taskmanagerid}/logs/{filename}",
}

// logFileRequest claims a GET of a log file route (with or without the /v1 prefix).
func (jm *JobManager) logFileRequest(r *http.Request) (string, http.HandlerFunc, bool) {
	if r.Method != http.MethodGet {
		return "", nil, false
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	got := strings.Split(strings.Trim(path, "/"), "/")
	for _, route := range logFileRoutes {
		want := strings.Split(strings.Trim(route, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		match := true
		for i, seg := range want {
			switch {
			case strings.HasPrefix(seg, "{"):
				params[strings.Trim(seg, "{}")] = got[i]
			case seg != got[i]:
				match = false
			}
		}
		if match {
			return "GET " + route, func(w http.ResponseWriter, r *http.Request) { jm.serveLogFile(w, route, params) }, true
		}
	}
	return "", nil, false
}

// serveLogFile answers a log file as Flink does: the file as text/plain, or Flink's JSON error
// for an unknown TaskManager or file.
func (jm *JobManager) serveLogFile(w http.ResponseWriter, route string, params map[string]string) {
	component := "jobmanager"
	if tm := params["taskmanagerid"]; tm != "" {
		component = "taskmanager"
		jm.mu.Lock()
		known := jm.state.hasTM(tm)
		jm.mu.Unlock()
		if !known {
			jm.core.write(w, nil, nil, jm.noTaskManager(tm))
			return
		}
	}
	name := params["filename"]
	switch {
	case strings.HasSuffix(route, "/log"):
		name = component + ".log"
	case strings.HasSuffix(route, "/stdout"):
		name = component + ".out"
	}
	found := false
	for _, f := range fakeLogFiles[component] {
		found = found || f == name
	}
	if !found {
		jm.core.write(w, nil, nil, errorAnswer(http.StatusNotFound, "The file "+name+" does not exist on the "+component+"."))
		return
	}
	text := fakeLogText(component, name)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(text))
}
