package flinktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

// Reporter receives a fake's spec violations as they happen. *testing.T and *testing.B
// satisfy it.
type Reporter interface {
	Errorf(format string, args ...any)
}

// Fault is a misbehaviour injected on a route of a fake with [JobManager.InjectFault] or
// [SQLGateway.InjectFault]. Injected answers are deliberate, so they are not spec-checked.
type Fault struct {
	// Status answers with this HTTP status and Flink's error body {"errors": [...]} (unless
	// Body is set).
	Status int
	// Body answers with this raw body instead (e.g. a proxy's HTML page), with ContentType
	// (default "text/html") and Status (default 502).
	Body        string
	ContentType string
	// Delay waits before answering (or before the other fault), or until the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer, before the request is handled.
	Drop bool
	// DropAnswer handles the request (state changes happen) and then closes the connection
	// without an answer: a lost response, as when a proxy times out.
	DropAnswer bool
	// Times limits the fault to the next Times matching requests (0 = every request).
	Times int
}

// answer is a handler's reply before it is encoded, checked against the spec and sent.
type answer struct {
	status int
	body   any // encoded as JSON; nil means "{}"
}

// errorAnswer is Flink's error body: {"errors": [msgs...]}.
func errorAnswer(status int, msgs ...string) answer {
	return answer{status: status, body: map[string][]string{"errors": msgs}}
}

// specServer is the HTTP core both fakes are built on. For every request it picks the spec,
// validates the request (a violation is reported and answered 400/404/405 as Flink would),
// counts it per route, plays injected faults, calls the fake's handler, and validates the
// handler's answer against the same spec before sending it (a bad answer is reported and
// replaced by a 500).
type specServer struct {
	// name names the fake in reports, e.g. "JobManager".
	name     string
	reporter Reporter
	// specFor returns the spec a request is held to, or nil when the fake serves no such REST
	// API version (answered with Flink's 404, not a violation).
	specFor func(r *http.Request) *flinkspec.Spec
	// unknownPathsAllowed answers a path the spec lacks with Flink's 404 without reporting
	// it: a SQL Gateway client may probe a path of a version it could have negotiated.
	unknownPathsAllowed bool
	// handle answers a request that conforms to spec.
	handle func(r *http.Request, spec *flinkspec.Spec, route *flinkspec.Route) answer
	// unspecified, when set, claims requests to routes Flink serves but leaves out of its specs
	// (log files): it returns the route key to count and fault them by, and the handler that
	// writes the answer. Such requests and answers are not spec-checked.
	unspecified func(r *http.Request) (key string, serve http.HandlerFunc, ok bool)
	// strict, when set, says for which specs an answer may carry no field the response schema
	// leaves undeclared ([flinkspec.Spec.UndeclaredFields]).
	strict func(spec *flinkspec.Spec) bool

	srv *httptest.Server

	mu         sync.Mutex // guards the fields below
	violations []error
	faults     map[string][]*Fault
	requests   map[string]int
}

// start serves on a loopback port.
func (s *specServer) start() {
	s.faults = map[string][]*Fault{}
	s.requests = map[string]int{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
}

// close stops the server and returns the violations seen, joined.
func (s *specServer) close() error {
	s.srv.CloseClientConnections()
	s.srv.Close()
	return errors.Join(s.seen()...)
}

func (s *specServer) url() string { return s.srv.URL }

// seen returns the violations so far.
func (s *specServer) seen() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

func (s *specServer) count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

func (s *specServer) injectFault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &f)
}

func (s *specServer) clearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
}

func (s *specServer) violation(err error) {
	s.mu.Lock()
	s.violations = append(s.violations, err)
	s.mu.Unlock()
	if s.reporter != nil {
		s.reporter.Errorf("flinktest: fake %s: spec violation: %v", s.name, err)
	}
}

// takeFault counts the request on key and returns a copy of the fault to play, if any: the
// route's own faults first, then those of "*", each in the order injected.
func (s *specServer) takeFault(key string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[key]++
	for _, k := range []string{key, "*"} {
		for i, f := range s.faults[k] {
			c := *f
			if f.Times > 0 {
				f.Times--
				if f.Times == 0 {
					s.faults[k] = slices.Delete(s.faults[k], i, i+1)
				}
			}
			return &c
		}
	}
	return nil
}

func (s *specServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.unspecified != nil {
		if key, serve, ok := s.unspecified(r); ok {
			f := s.takeFault(key)
			if f != nil && s.playFault(w, r, f) {
				return
			}
			if f != nil && f.DropAnswer {
				dropConnection(w)
				return
			}
			serve(w, r)
			return
		}
	}
	spec := s.specFor(r)
	var route *flinkspec.Route
	var err error
	if spec != nil {
		route, err = spec.ValidateRequest(r)
	}
	key := "?"
	if route != nil {
		key = route.Method + " " + route.Path
	}
	f := s.takeFault(key)
	if f != nil && s.playFault(w, r, f) {
		return
	}
	switch {
	case spec == nil || (s.unknownPathsAllowed && errors.Is(err, flinkspec.ErrNoRoute)):
		s.write(w, nil, nil, errorAnswer(http.StatusNotFound, "Not found: "+r.URL.Path))
		return
	case errors.Is(err, flinkspec.ErrNoRoute):
		s.violation(err)
		s.write(w, nil, nil, errorAnswer(http.StatusNotFound, "Not found: "+r.URL.Path))
		return
	case errors.Is(err, flinkspec.ErrMethodNotAllowed):
		s.violation(err)
		s.write(w, nil, nil, errorAnswer(http.StatusMethodNotAllowed, "Not allowed: "+r.Method+" "+r.URL.Path))
		return
	case err != nil:
		s.violation(err)
		s.write(w, spec, route, errorAnswer(http.StatusBadRequest, "Bad request received.", err.Error()))
		return
	}
	a := s.handle(r, spec, route)
	if f != nil && f.DropAnswer {
		dropConnection(w)
		return
	}
	s.write(w, spec, route, a)
}

// playFault plays f. It returns false when the request is then served normally: a pure
// delay, or a DropAnswer that drops the answer only after handling.
func (s *specServer) playFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Drop:
		dropConnection(w)
		return true
	case f.Body != "":
		ct := f.ContentType
		if ct == "" {
			ct = "text/html"
		}
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return true
	case f.Status != 0:
		s.write(w, nil, nil, errorAnswer(f.Status, fmt.Sprintf("flinktest: injected fault (%d)", f.Status)))
		return true
	}
	return false
}

func (s *specServer) strictFields(spec *flinkspec.Spec) bool {
	return s.strict != nil && s.strict(spec)
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http aborts the connection without logging
}

var jsonHeader = http.Header{"Content-Type": {"application/json; charset=UTF-8"}}

// write encodes a, checks it against route's response schema when spec and route are given,
// and sends it as Flink does (JSON, charset UTF-8). An answer that violates the spec is
// reported and replaced by a 500, so a test never sees what a real Flink would not send.
func (s *specServer) write(w http.ResponseWriter, spec *flinkspec.Spec, route *flinkspec.Route, a answer) {
	body, err := encodeAnswer(a)
	if err != nil {
		s.violation(fmt.Errorf("flinktest: fake %s: encode answer: %w", s.name, err))
		a = errorAnswer(http.StatusInternalServerError, "flinktest: encode answer: "+err.Error())
		body, _ = encodeAnswer(a)
	}
	if spec != nil && route != nil {
		err := spec.ValidateResponse(route, a.status, jsonHeader, body)
		if err == nil && s.strictFields(spec) {
			if extra := spec.UndeclaredFields(route, a.status, body); len(extra) > 0 {
				err = fmt.Errorf("flinkspec: %s: response %d %s %s: fields the version does not send: %q", spec, a.status, route.Method, route.Path, extra)
			}
		}
		if err != nil {
			s.violation(err)
			a = errorAnswer(http.StatusInternalServerError, "flinktest: the fake's own answer violates the spec: "+err.Error())
			body, _ = encodeAnswer(a)
		}
	}
	h := w.Header()
	h.Set("Content-Type", jsonHeader.Get("Content-Type"))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

func encodeAnswer(a answer) ([]byte, error) {
	if a.body == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(a.body)
}

// startForTest starts a fake whose violations fail tb, closed by tb.Cleanup; a bad
// configuration fails tb at once.
func startForTest[F interface{ Close() error }](tb testing.TB, start func(Reporter) (F, error)) F {
	tb.Helper()
	f, err := start(tb)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = f.Close() })
	return f
}

// reportedVersion is the version string a fake of Flink major.minor reports by default:
// "2.3-SNAPSHOT" for the unreleased 2.3, else the first release ("1.20.0").
func reportedVersion(majorMinor string) string {
	if majorMinor == "2.3" {
		return "2.3-SNAPSHOT"
	}
	return majorMinor + ".0"
}

// randomHex returns n random lower-case hex digits (Flink's job, jar and trigger IDs).
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)[:n]
}

// randomUUID returns a random (version 4) UUID in its textual form.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
