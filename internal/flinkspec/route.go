package flinkspec

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Route is an operation of a [Spec] matched by a request's method and path.
type Route struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is the spec's path template, for example "/jobs/{jobid}/savepoints".
	Path string
	// OperationID is the spec's operationId, for example "triggerSavepoint".
	OperationID string
	// PathParams holds the values of the template's parameters, unescaped.
	PathParams map[string]string

	spec  *Spec
	route *routers.Route
}

// Operation returns the spec's operation for the route. Callers must not modify it.
func (r *Route) Operation() *openapi3.Operation { return r.route.Operation }

type routeTemplate struct {
	path     string
	segments []string // "{name}" for parameters
	literals int
	item     *openapi3.PathItem
}

func newRouteTemplate(path string, item *openapi3.PathItem) *routeTemplate {
	rt := &routeTemplate{path: path, item: item, segments: strings.Split(strings.Trim(path, "/"), "/")}
	for _, s := range rt.segments {
		if !isParam(s) {
			rt.literals++
		}
	}
	return rt
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

func (rt *routeTemplate) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segments {
		if isParam(s) {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// stripVersion removes the REST API version prefix ("/v1" for the JobManager, "/v<N>" of the
// spec's API version for the SQL Gateway). Flink serves every path both with and without it.
func (s *Spec) stripVersion(p string) string {
	prefix := "/v" + strconv.Itoa(s.apiVersion)
	if p == prefix {
		return "/"
	}
	if strings.HasPrefix(p, prefix+"/") {
		return p[len(prefix):]
	}
	return p
}

// FindRoute matches a method and an escaped URL path (as in url.URL.EscapedPath, with or without
// the version prefix) to an operation. It returns an error wrapping [ErrNoRoute] or
// [ErrMethodNotAllowed] when nothing matches.
func (s *Spec) FindRoute(method, escapedPath string) (*Route, error) {
	p := s.stripVersion(escapedPath)
	segs := strings.Split(strings.Trim(p, "/"), "/")
	pathMatched := false
	for _, rt := range s.routes {
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		op := methodOf(rt.item, method)
		if op == nil {
			pathMatched = true
			continue
		}
		unescaped := make(map[string]string, len(params))
		for k, v := range params {
			u, err := url.PathUnescape(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %s %s: bad escape in {%s}: %v", ErrNoRoute, method, escapedPath, k, err)
			}
			unescaped[k] = u
		}
		m := strings.ToUpper(method)
		return &Route{
			Method:      m,
			Path:        rt.path,
			OperationID: op.OperationID,
			PathParams:  unescaped,
			spec:        s,
			route: &routers.Route{
				Spec:      s.doc,
				Path:      rt.path,
				PathItem:  rt.item,
				Method:    m,
				Operation: op,
			},
		}, nil
	}
	if pathMatched {
		return nil, fmt.Errorf("%w: %s %s (%s)", ErrMethodNotAllowed, method, escapedPath, s)
	}
	return nil, fmt.Errorf("%w: %s %s (%s)", ErrNoRoute, method, escapedPath, s)
}
