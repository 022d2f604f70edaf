package flinkspec

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed specs/*.yml
var specFiles embed.FS

// jobManagerVersions lists, oldest first, the Flink versions whose JobManager spec is embedded.
var jobManagerVersions = []string{"1.12", "1.13", "1.15", "1.18", "1.20", "2.0", "2.3"}

// derivedJobManagerSpecs are the versions whose JobManager spec is not Flink's own OpenAPI
// output (Flink published none before 1.15) but a conversion of the REST reference Flink
// generated into its documentation (specs/PROVENANCE.md).
var derivedJobManagerSpecs = map[string]bool{"1.12": true, "1.13": true}

// Sentinel errors. Match them with errors.Is.
var (
	// ErrUnknownVersion means no embedded spec exists for the requested Flink or API version.
	ErrUnknownVersion = errors.New("flinkspec: no spec for this version")
	// ErrNoRoute means the request path matches no path of the spec (Flink answers 404).
	ErrNoRoute = errors.New("flinkspec: no route for path")
	// ErrMethodNotAllowed means the path exists but not with this method (Flink answers 405).
	ErrMethodNotAllowed = errors.New("flinkspec: method not allowed for path")
)

// Kind names the REST API a [Spec] describes.
type Kind string

// The two REST APIs Flink publishes specs for.
const (
	KindJobManager Kind = "JobManager"
	KindSQLGateway Kind = "SQL Gateway"
)

// Spec is one loaded, quirk-adjusted Flink OpenAPI document plus a router over its paths.
// A Spec is immutable and safe for concurrent use; loaders return a shared, cached value.
type Spec struct {
	kind         Kind
	flinkVersion string
	apiVersion   int
	doc          *openapi3.T
	routes       []*routeTemplate
}

// Kind reports which REST API the spec describes.
func (s *Spec) Kind() Kind { return s.kind }

// FlinkVersion reports the Flink version (for example "1.20") the spec was generated from.
func (s *Spec) FlinkVersion() string { return s.flinkVersion }

// APIVersion reports the REST API version: always 1 for the JobManager, 1..4 for the SQL Gateway.
func (s *Spec) APIVersion() int { return s.apiVersion }

// Document returns the underlying kin-openapi document, after the adjustments described in the
// package documentation. Callers must not modify it.
func (s *Spec) Document() *openapi3.T { return s.doc }

// HasOperation reports whether the spec defines an operation with this operationId (for
// example "triggerCheckpoint", which exists from Flink 1.18 on). The 1.12, 1.13 and 1.15 specs
// declare no operationIds at all; use [Spec.HasRoute] to ask across all versions.
func (s *Spec) HasOperation(operationID string) bool {
	for _, rt := range s.routes {
		for _, op := range rt.item.Operations() {
			if op.OperationID == operationID {
				return true
			}
		}
	}
	return false
}

// HasRoute reports whether the spec defines method on the path template (for example "GET",
// "/jobs/{jobid}/status", which exists from Flink 1.18 on). The 1.12, 1.13 and 1.15 specs have
// no operationIds, so a route is the portable way to ask.
func (s *Spec) HasRoute(method, pathTemplate string) bool {
	for _, rt := range s.routes {
		if rt.path == pathTemplate {
			return methodOf(rt.item, method) != nil
		}
	}
	return false
}

// String returns for example "Flink 1.20 JobManager REST API v1".
func (s *Spec) String() string {
	return fmt.Sprintf("Flink %s %s REST API v%d", s.flinkVersion, s.kind, s.apiVersion)
}

// IsDerived reports whether the JobManager spec of a Flink version (major.minor or longer) is a
// conversion of the REST reference Flink generated into its documentation (1.12, 1.13) rather
// than Flink's own OpenAPI output (1.15 on).
func IsDerived(flinkVersion string) bool {
	mm, _ := MajorMinor(flinkVersion)
	return derivedJobManagerSpecs[mm]
}

// JobManagerVersions returns the Flink versions with an embedded JobManager spec, oldest first.
func JobManagerVersions() []string { return append([]string(nil), jobManagerVersions...) }

// SQLGatewayAPIVersions returns the SQL Gateway REST API versions (ascending) that the given
// Flink version serves. It returns nil for versions without a gateway (1.12, 1.13, 1.15) or
// unknown versions.
func SQLGatewayAPIVersions(flinkVersion string) []int {
	var out []int
	for v := 1; v <= 9; v++ {
		if _, err := specFiles.Open(gatewayFile(flinkVersion, v)); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// JobManager returns the JobManager (dispatcher) REST spec of a Flink version, one of
// [JobManagerVersions]. A patch version ("1.20.1") or a "-SNAPSHOT" suffix is accepted and
// reduced to major.minor.
func JobManager(flinkVersion string) (*Spec, error) {
	v, err := normalizeVersion(flinkVersion)
	if err != nil {
		return nil, err
	}
	return load(KindJobManager, v, 1, jobManagerFile(v))
}

// jobManagerFile names the embedded JobManager spec of a major.minor version.
func jobManagerFile(v string) string {
	if derivedJobManagerSpecs[v] {
		return "specs/rest_v1_dispatcher." + v + ".yml"
	}
	return "specs/rest_v1_dispatcher." + v + "-SNAPSHOT.yml"
}

// SQLGateway returns the SQL Gateway REST spec of a Flink version and API version (1..4).
// Flink 1.12, 1.13 and 1.15 have no gateway spec (the gateway came with 1.16; the first spec
// embedded is 1.18's); API v3 exists from Flink 2.0 and v4 from 2.3.
func SQLGateway(flinkVersion string, apiVersion int) (*Spec, error) {
	v, err := normalizeVersion(flinkVersion)
	if err != nil {
		return nil, err
	}
	name := gatewayFile(v, apiVersion)
	if _, err := specFiles.Open(name); err != nil {
		return nil, fmt.Errorf("%w: Flink %s has no SQL Gateway REST API v%d (available: %v)",
			ErrUnknownVersion, v, apiVersion, SQLGatewayAPIVersions(v))
	}
	return load(KindSQLGateway, v, apiVersion, name)
}

func gatewayFile(flinkVersion string, apiVersion int) string {
	return "specs/rest_v" + strconv.Itoa(apiVersion) + "_sql_gateway." + flinkVersion + "-SNAPSHOT.yml"
}

// normalizeVersion maps "1.20", "1.20.1", "v1.20", "1.20-SNAPSHOT" to "1.20" and checks that a
// spec exists for it.
func normalizeVersion(version string) (string, error) {
	mm, ok := MajorMinor(version)
	if !ok {
		return "", fmt.Errorf("%w: %q is not a Flink version (want major.minor, e.g. %q)", ErrUnknownVersion, version, "1.20")
	}
	for _, v := range jobManagerVersions {
		if v == mm {
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: Flink %s (specs exist for %v)", ErrUnknownVersion, mm, jobManagerVersions)
}

// MajorMinor reduces a Flink version string such as "1.20.1", "v2.0", "2.3-SNAPSHOT" or
// "1.18.0-rc1" to "major.minor". ok is false when the string does not start with two dot-separated
// decimal numbers.
func MajorMinor(version string) (mm string, ok bool) {
	s := strings.TrimSpace(version)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return "", false
	}
	major := parts[0]
	minor := parts[1]
	if i := strings.IndexAny(minor, "-+_ "); i >= 0 {
		minor = minor[:i]
	}
	if !isDecimal(major) || !isDecimal(minor) {
		return "", false
	}
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(minor)
	return strconv.Itoa(ma) + "." + strconv.Itoa(mi), true
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

type cacheEntry struct {
	once sync.Once
	spec *Spec
	err  error
}

var cache sync.Map // file name -> *cacheEntry

func load(kind Kind, flinkVersion string, apiVersion int, name string) (*Spec, error) {
	e, _ := cache.LoadOrStore(name, &cacheEntry{})
	entry := e.(*cacheEntry)
	entry.once.Do(func() {
		entry.spec, entry.err = parse(kind, flinkVersion, apiVersion, name)
	})
	return entry.spec, entry.err
}

func parse(kind Kind, flinkVersion string, apiVersion int, name string) (*Spec, error) {
	data, err := specFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("flinkspec: read %s: %w", name, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("flinkspec: load %s: %w", name, err)
	}
	adjust(doc, kind, flinkVersion)
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("flinkspec: %s is not a valid OpenAPI document: %w", name, err)
	}
	s := &Spec{kind: kind, flinkVersion: flinkVersion, apiVersion: apiVersion, doc: doc}
	for _, p := range doc.Paths.InMatchingOrder() {
		s.routes = append(s.routes, newRouteTemplate(p, doc.Paths.Value(p)))
	}
	// Literal segments win over parameters ("/jobs/overview" before "/jobs/{jobid}").
	sort.SliceStable(s.routes, func(i, j int) bool { return s.routes[i].literals > s.routes[j].literals })
	return s, nil
}

// methodOf returns the operation of item for an HTTP method.
func methodOf(item *openapi3.PathItem, method string) *openapi3.Operation {
	return item.GetOperation(strings.ToUpper(method))
}
