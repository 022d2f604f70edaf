package flinkclient

import (
	"context"
	"io"
	"net/http"
	"strings"
)

// TaskManagerDetails is GET /taskmanagers/{taskmanagerid}: the entry of [Client.TaskManagers]
// plus memory figures and the slots in use.
type TaskManagerDetails struct {
	TaskManager
	// Metrics are the TaskManager's JVM and network memory figures, in bytes.
	Metrics TaskManagerMemoryMetrics `json:"metrics"`
	// MemoryConfiguration is the TaskManager's memory model (taskmanager.memory.*), in bytes.
	MemoryConfiguration map[string]int64 `json:"memoryConfiguration"`
	// AllocatedSlots lists the slots in use and the job of each (Flink 1.13 on).
	AllocatedSlots []AllocatedSlot `json:"allocatedSlots"`
}

// TaskManagerMemoryMetrics are the memory figures of [TaskManagerDetails], in bytes.
type TaskManagerMemoryMetrics struct {
	HeapUsed         int64 `json:"heapUsed"`
	HeapCommitted    int64 `json:"heapCommitted"`
	HeapMax          int64 `json:"heapMax"`
	NonHeapUsed      int64 `json:"nonHeapUsed"`
	NonHeapCommitted int64 `json:"nonHeapCommitted"`
	NonHeapMax       int64 `json:"nonHeapMax"`
	DirectCount      int64 `json:"directCount"`
	DirectUsed       int64 `json:"directUsed"`
	DirectMax        int64 `json:"directMax"`
	MappedCount      int64 `json:"mappedCount"`
	MappedUsed       int64 `json:"mappedUsed"`
	MappedMax        int64 `json:"mappedMax"`
	// NettyShuffleMemoryUsed and NettyShuffleMemoryTotal are the network buffers.
	NettyShuffleMemoryUsed  int64 `json:"nettyShuffleMemoryUsed"`
	NettyShuffleMemoryTotal int64 `json:"nettyShuffleMemoryTotal"`
	GarbageCollectors       []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
		Time  int64  `json:"time"`
	} `json:"garbageCollectors"`
}

// AllocatedSlot is a slot in use on a TaskManager.
type AllocatedSlot struct {
	JobID string `json:"jobId"`
}

// LogFile is one file in a log directory listing.
type LogFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// ModTime is the modification time in epoch milliseconds (Flink 1.15 on; 0 before).
	ModTime int64 `json:"mtime"`
}

// TaskManagerDetails returns one TaskManager's details. IDs come from [Client.TaskManagers].
func (c *Client) TaskManagerDetails(ctx context.Context, taskManagerID string) (*TaskManagerDetails, error) {
	if err := checkTaskManagerID(taskManagerID); err != nil {
		return nil, err
	}
	var out TaskManagerDetails
	if err := c.do(ctx, call{method: http.MethodGet, route: "/taskmanagers/{taskmanagerid}", path: "/taskmanagers/" + escape(taskManagerID), idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// TaskManagerLogs lists the files in a TaskManager's log directory.
func (c *Client) TaskManagerLogs(ctx context.Context, taskManagerID string) ([]LogFile, error) {
	if err := checkTaskManagerID(taskManagerID); err != nil {
		return nil, err
	}
	return c.logList(ctx, "/taskmanagers/{taskmanagerid}/logs", "/taskmanagers/"+escape(taskManagerID)+"/logs")
}

// TaskManagerLog copies one file of a TaskManager's log directory to w as it arrives and returns
// the bytes written; name "" is the main log (taskmanager.log). The route is not in Flink's REST
// reference (like every log file route) but served by every version since 1.11. The copy is
// bounded by ctx's deadline, or by the client's timeout when ctx has none; it is never retried,
// since part of the file may already be in w.
func (c *Client) TaskManagerLog(ctx context.Context, taskManagerID, name string, w io.Writer) (int64, error) {
	if err := checkTaskManagerID(taskManagerID); err != nil {
		return 0, err
	}
	base := "/taskmanagers/" + escape(taskManagerID)
	if name == "" {
		return c.logFile(ctx, "/taskmanagers/{taskmanagerid}/log", base+"/log", w)
	}
	if err := checkLogName(name); err != nil {
		return 0, err
	}
	return c.logFile(ctx, "/taskmanagers/{taskmanagerid}/logs/{filename}", base+"/logs/"+escape(name), w)
}

// TaskManagerStdout copies a TaskManager's standard output (taskmanager.out) to w, like
// [Client.TaskManagerLog].
func (c *Client) TaskManagerStdout(ctx context.Context, taskManagerID string, w io.Writer) (int64, error) {
	if err := checkTaskManagerID(taskManagerID); err != nil {
		return 0, err
	}
	return c.logFile(ctx, "/taskmanagers/{taskmanagerid}/stdout", "/taskmanagers/"+escape(taskManagerID)+"/stdout", w)
}

// EnvironmentInfo is the JVM and class path of a JobManager (GET /jobmanager/environment).
type EnvironmentInfo struct {
	JVM struct {
		Version string   `json:"version"`
		Arch    string   `json:"arch"`
		Options []string `json:"options"`
	} `json:"jvm"`
	Classpath []string `json:"classpath"`
}

// JobManagerEnvironment returns the JobManager's JVM version, options and class path (Flink
// 1.18 on; before, an [*UnsupportedError]).
func (c *Client) JobManagerEnvironment(ctx context.Context) (*EnvironmentInfo, error) {
	if err := c.require(ctx, "JobManagerEnvironment", Flink118); err != nil {
		return nil, err
	}
	var out EnvironmentInfo
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jobmanager/environment", path: "/jobmanager/environment", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobManagerLogs lists the files in the JobManager's log directory.
func (c *Client) JobManagerLogs(ctx context.Context) ([]LogFile, error) {
	return c.logList(ctx, "/jobmanager/logs", "/jobmanager/logs")
}

// JobManagerLog copies one file of the JobManager's log directory to w, like
// [Client.TaskManagerLog]; name "" is the main log (jobmanager.log).
func (c *Client) JobManagerLog(ctx context.Context, name string, w io.Writer) (int64, error) {
	if name == "" {
		return c.logFile(ctx, "/jobmanager/log", "/jobmanager/log", w)
	}
	if err := checkLogName(name); err != nil {
		return 0, err
	}
	return c.logFile(ctx, "/jobmanager/logs/{filename}", "/jobmanager/logs/"+escape(name), w)
}

// JobManagerStdout copies the JobManager's standard output (jobmanager.out) to w.
func (c *Client) JobManagerStdout(ctx context.Context, w io.Writer) (int64, error) {
	return c.logFile(ctx, "/jobmanager/stdout", "/jobmanager/stdout", w)
}

func (c *Client) logList(ctx context.Context, route, path string) ([]LogFile, error) {
	var out struct {
		Logs []LogFile `json:"logs"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: route, path: path, idempotent: true, out: &out})
	return out.Logs, err
}

// logFile streams a text file answer to w. It is not retried: part of it may already be in w.
func (c *Client) logFile(ctx context.Context, route, path string, w io.Writer) (int64, error) {
	if w == nil {
		ps := invalid("log file")
		ps.Add("w", nil, "pass a writer for the file, e.g. os.Stdout")
		return 0, ps
	}
	var n int64
	err := c.do(ctx, call{method: http.MethodGet, route: route, path: path, text: func(r io.Reader) error {
		var err error
		n, err = io.Copy(w, r)
		return err
	}})
	return n, err
}

// checkLogName checks a log file name as listed by the logs routes.
func checkLogName(name string) error {
	if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		ps := invalid("log file name")
		ps.Add("name", name, "want a file name from the log listing, e.g. taskmanager.log.1")
		return ps
	}
	return nil
}

// require returns an [*UnsupportedError] when the cluster's version is older than since.
func (c *Client) require(ctx context.Context, feature string, since Version) error {
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return err
	}
	if !v.AtLeast(since) {
		return &UnsupportedError{Feature: feature, Version: v, Since: since}
	}
	return nil
}
