package sqlgateway

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// APIVersion is a SQL Gateway REST API version. The zero value means "not
// chosen yet".
//
// Flink 1.18 and 1.20 serve V1 and V2, Flink 2.0 serves V1 to V3, and Flink
// 2.3 serves V1 to V4. What each version adds:
//   - V1: sessions, statements, operations, paged results in JSON.
//   - V2: rowFormat (JSON or PLAIN_TEXT) on fetches, configure-session and
//     complete-statement.
//   - V3: refresh of materialized tables.
//   - V4: deployment of a SQL script in application mode (and no
//     materialized-table refresh).
type APIVersion int

// The SQL Gateway REST API versions this client speaks.
const (
	V1 APIVersion = 1
	V2 APIVersion = 2
	V3 APIVersion = 3
	V4 APIVersion = 4
)

// SupportedAPIVersions lists the versions this client speaks, oldest first.
var SupportedAPIVersions = []APIVersion{V1, V2, V3, V4}

func (v APIVersion) valid() bool { return v >= V1 && v <= V4 }

// String returns the URL prefix form, e.g. "v2".
func (v APIVersion) String() string { return "v" + strconv.Itoa(int(v)) }

// ParseAPIVersion reads "V2", "v2" or "2".
func ParseAPIVersion(s string) (APIVersion, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "V"), "v")
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("sqlgateway: %q is not a REST API version (want V1, V2, …)", s)
	}
	return APIVersion(n), nil
}

// ServerAPIVersions asks the gateway which REST API versions it serves
// (GET /v1/api_versions; every gateway serves V1). Versions this client does
// not know are returned too.
func (c *Client) ServerAPIVersions(ctx context.Context) ([]APIVersion, error) {
	var body struct {
		Versions []string `json:"versions"`
	}
	if err := c.do(ctx, call{method: "GET", path: "/v1/api_versions", idempotent: true, out: &body}); err != nil {
		return nil, err
	}
	var out []APIVersion
	for _, s := range body.Versions {
		if v, err := ParseAPIVersion(s); err == nil {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// APIVersion returns the REST API version the client uses: the pinned one
// ([WithAPIVersion]) or else the highest version both the gateway and this
// client speak, asked once and remembered. A failed negotiation is not
// remembered, so the next call asks again.
func (c *Client) APIVersion(ctx context.Context) (APIVersion, error) {
	if c.apiVersion != 0 {
		return c.apiVersion, nil
	}
	c.mu.Lock()
	v := c.negotiated
	c.mu.Unlock()
	if v != 0 {
		return v, nil
	}
	server, err := c.ServerAPIVersions(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range slices.Backward(server) {
		if s.valid() {
			v = s
			break
		}
	}
	if v == 0 {
		return 0, fmt.Errorf("%w: gateway offers %v, client speaks %v", ErrNoCommonAPIVersion, server, SupportedAPIVersions)
	}
	c.mu.Lock()
	c.negotiated = v
	c.mu.Unlock()
	return v, nil
}

func needVersion(have, min APIVersion, what string) error {
	if have < min {
		return fmt.Errorf("%w: %s needs REST API %s or later, the client uses %s", ErrUnsupportedAPIVersion, what, min, have)
	}
	return nil
}
