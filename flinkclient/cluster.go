package flinkclient

import (
	"context"
	"fmt"
	"net/http"
)

// ClusterOverview is GET /overview.
type ClusterOverview struct {
	TaskManagers   int    `json:"taskmanagers"`
	SlotsTotal     int    `json:"slots-total"`
	SlotsAvailable int    `json:"slots-available"`
	JobsRunning    int    `json:"jobs-running"`
	JobsFinished   int    `json:"jobs-finished"`
	JobsCancelled  int    `json:"jobs-cancelled"`
	JobsFailed     int    `json:"jobs-failed"`
	FlinkVersion   string `json:"flink-version"`
	FlinkCommit    string `json:"flink-commit"`
	// TaskManagersBlocked and SlotsFreeAndBlocked exist from Flink 1.18 on (0 before).
	TaskManagersBlocked int `json:"taskmanagers-blocked"`
	SlotsFreeAndBlocked int `json:"slots-free-and-blocked"`
}

// DashboardConfig is GET /config: the web UI's configuration, which carries the version.
type DashboardConfig struct {
	RefreshInterval int64  `json:"refresh-interval"`
	TimezoneName    string `json:"timezone-name"`
	TimezoneOffset  int    `json:"timezone-offset"`
	FlinkVersion    string `json:"flink-version"`
	FlinkRevision   string `json:"flink-revision"`
	Features        struct {
		WebSubmit  bool `json:"web-submit"`
		WebCancel  bool `json:"web-cancel"`
		WebHistory bool `json:"web-history"`
		WebRescale bool `json:"web-rescale"`
	} `json:"features"`
}

// ConfigEntry is one key of the JobManager's configuration.
type ConfigEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TaskManager is one entry of GET /taskmanagers.
type TaskManager struct {
	ID                     string `json:"id"`
	Path                   string `json:"path"`
	DataPort               int    `json:"dataPort"`
	JMXPort                int    `json:"jmxPort"`
	TimeSinceLastHeartbeat int64  `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int    `json:"slotsNumber"`
	FreeSlots              int    `json:"freeSlots"`
	// Blocked exists from Flink 1.18 on.
	Blocked  bool `json:"blocked"`
	Hardware struct {
		CPUCores       int   `json:"cpuCores"`
		PhysicalMemory int64 `json:"physicalMemory"`
		FreeMemory     int64 `json:"freeMemory"`
		ManagedMemory  int64 `json:"managedMemory"`
	} `json:"hardware"`
}

// Overview returns the cluster overview (task managers, slots, job counts, version) and, like
// [Client.Config], remembers the Flink version it reports.
func (c *Client) Overview(ctx context.Context) (*ClusterOverview, error) {
	var out ClusterOverview
	err := c.do(ctx, call{method: http.MethodGet, route: "/overview", path: "/overview", idempotent: true, out: &out})
	if err != nil {
		return nil, err
	}
	c.remember(out.FlinkVersion)
	return &out, nil
}

// remember records the version a cluster reported, when it parses.
func (c *Client) remember(reported string) {
	if v, err := ParseVersion(reported); err == nil {
		c.versionMu.Lock()
		c.detected = v
		c.versionMu.Unlock()
	}
}

// Config returns the dashboard configuration and remembers the Flink version it reports, so
// that later calls use that version's request shapes.
func (c *Client) Config(ctx context.Context) (*DashboardConfig, error) {
	var out DashboardConfig
	err := c.do(ctx, call{method: http.MethodGet, route: "/config", path: "/config", idempotent: true, out: &out})
	if err != nil {
		return nil, err
	}
	c.remember(out.FlinkVersion)
	return &out, nil
}

// FlinkVersion returns the cluster's Flink version: the one pinned with [WithFlinkVersion], else
// the one reported by GET /config, or by GET /overview when /config fails or carries no version
// (a proxy may block the web UI's routes); asked once, then cached. Both routes carry
// flink-version in every Flink the client speaks to.
func (c *Client) FlinkVersion(ctx context.Context) (Version, error) {
	if !c.pinned.IsZero() {
		return c.pinned, nil
	}
	c.versionMu.Lock()
	v := c.detected
	c.versionMu.Unlock()
	if !v.IsZero() {
		return v, nil
	}
	reported, err := c.reportedVersion(ctx)
	if err != nil {
		return Version{}, fmt.Errorf("flinkclient: detect Flink version: %w", err)
	}
	v, err = ParseVersion(reported)
	if err != nil {
		return Version{}, fmt.Errorf("flinkclient: detect Flink version from /config and /overview: %w", err)
	}
	return v, nil
}

// reportedVersion asks /config for flink-version, then /overview when that fails or is empty.
// A context error ends the search at once; otherwise /config's error is the one returned.
func (c *Client) reportedVersion(ctx context.Context) (string, error) {
	cfg, cfgErr := c.Config(ctx)
	if cfgErr == nil && cfg.FlinkVersion != "" {
		return cfg.FlinkVersion, nil
	}
	if ctx.Err() != nil {
		return "", cfgErr
	}
	ov, err := c.Overview(ctx)
	if err == nil && ov.FlinkVersion != "" {
		return ov.FlinkVersion, nil
	}
	if cfgErr != nil {
		return "", cfgErr
	}
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("neither /config nor /overview reports flink-version")
}

// shapes returns the REST shapes to use: the detected version, reduced to a supported one.
func (c *Client) shapes(ctx context.Context) (Version, error) {
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return Version{}, err
	}
	return v.shapes(), nil
}

// JobManagerConfig returns the JobManager's effective configuration.
func (c *Client) JobManagerConfig(ctx context.Context) ([]ConfigEntry, error) {
	var out []ConfigEntry
	err := c.do(ctx, call{method: http.MethodGet, route: "/jobmanager/config", path: "/jobmanager/config", idempotent: true, out: &out})
	return out, err
}

// TaskManagers lists the registered task managers.
func (c *Client) TaskManagers(ctx context.Context) ([]TaskManager, error) {
	var out struct {
		TaskManagers []TaskManager `json:"taskmanagers"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: "/taskmanagers", path: "/taskmanagers", idempotent: true, out: &out})
	return out.TaskManagers, err
}

// ShutdownCluster shuts the whole Flink cluster down (DELETE /cluster). It is not retried.
func (c *Client) ShutdownCluster(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodDelete, route: "/cluster", path: "/cluster"})
}
