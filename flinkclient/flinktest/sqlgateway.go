package flinktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
	"github.com/rtdw/rtdw/internal/flinkspec"
	"github.com/rtdw/rtdw/internal/problems"
)

// SQLGatewayConfig configures [NewSQLGateway]. The zero value is a Flink 2.3
// gateway that pages 1000 rows at a time and answers NOT_READY once before
// each statement's first page.
type SQLGatewayConfig struct {
	// FlinkVersion is the Flink version to imitate: "1.18", "1.20", "2.0" or
	// "2.3" (a patch version such as "1.20.1" is accepted). "" means "2.3".
	// It decides which REST API versions (V1..V4) the fake serves and which
	// spec every request and answer is checked against.
	FlinkVersion string
	// ReportedVersion is the version string the fake reports in GET /info
	// (default FlinkVersion's major.minor + ".0", or "2.3-SNAPSHOT" for 2.3).
	ReportedVersion string
	// Reporter receives spec violations as they happen; pass the test's
	// *testing.T (or use [NewTestSQLGateway]). Violations are also kept for
	// [SQLGateway.Violations] and returned by [SQLGateway.Close].
	Reporter Reporter
	// PageSize is the number of rows per result page; 0 means 1000.
	PageSize int
	// NotReadyPolls is how many status or fetch calls an operation answers
	// with RUNNING / NOT_READY before it finishes; 0 means 1, negative means
	// operations finish at once.
	NotReadyPolls int
	// SessionIdleTimeout expires sessions idle for longer (no call touching
	// them, heartbeats included); 0 means sessions never expire.
	SessionIdleTimeout time.Duration
	// Catalogs are the catalogs, databases and tables SHOW and USE see:
	// catalog -> database -> table names. nil means one catalog
	// "default_catalog" with one empty database "default_database". The
	// first catalog in sorted order that is "default_catalog", or else the
	// first, is current in a new session.
	Catalogs map[string]map[string][]string
}

// SQLResult is what a statement registered with
// [SQLGateway.RegisterResult] answers.
type SQLResult struct {
	// Columns of the result.
	Columns []sqlgateway.Column
	// Rows, with values of the Go types listed at [sqlgateway.Row] (int,
	// int32 and float32 are accepted too). A zero Kind means INSERT.
	Rows []sqlgateway.Row
	// Kind is SUCCESS_WITH_CONTENT when "".
	Kind sqlgateway.ResultKind
	// Query marks the result as a query result (isQueryResult).
	Query bool
	// JobID is reported with the result when set (32 lower-case hex digits).
	JobID string
}

// SQLGateway is an in-process fake Flink SQL Gateway for tests. It serves
// every REST API version its Flink version has, checks each request against
// that version's OpenAPI spec and each of its own answers too, and runs a
// small, deterministic set of statements (see [NewSQLGateway]).
type SQLGateway struct {
	cfg      SQLGatewayConfig
	flink    string
	versions []int
	specs    map[int]*flinkspec.Spec
	core     specServer

	mu         sync.Mutex // guards the fields below
	sessions   map[string]*sgSession
	results    map[string]SQLResult
	failures   map[string]string
	jobCounter int
}

type sgSession struct {
	name       string
	props      map[string]string
	catalog    string
	database   string
	tables     map[string][]string // "catalog.database" -> tables
	ops        map[string]*sgOp
	lastAccess time.Time
}

type sgOp struct {
	status   sqlgateway.OperationStatus
	polls    int // status/fetch calls left before the operation finishes
	result   *SQLResult
	failure  string // exception line when the operation fails
	lastTok  int64  // highest token fetched, -1 before the first fetch
	pageSize int
}

// NewSQLGateway starts a fake SQL Gateway on a loopback port. Close it when
// done.
//
// Statements it runs (case-insensitive, a trailing ";" ignored):
//   - statements registered with [SQLGateway.RegisterResult] or
//     [SQLGateway.RegisterFailure] (matched after trimming and collapsing
//     white space);
//   - SET (list), SET 'key' = 'value', RESET, RESET 'key';
//   - SELECT of literals: integers, decimals, 'strings', TRUE, FALSE, NULL,
//     each optionally "AS name";
//   - SHOW CATALOGS, SHOW DATABASES, SHOW TABLES, SHOW CURRENT CATALOG,
//     SHOW CURRENT DATABASE; USE CATALOG c; USE db;
//   - CREATE TABLE t … and DROP TABLE t (tracked for SHOW TABLES), other
//     CREATE/DROP/ALTER/LOAD/UNLOAD/ADD JAR statements (answer OK).
//
// Anything else fails as Flink fails on a parse error.
func NewSQLGateway(cfg SQLGatewayConfig) (*SQLGateway, error) {
	if cfg.FlinkVersion == "" {
		cfg.FlinkVersion = "2.3"
	}
	ps := problems.New("flinktest", "SQLGatewayConfig", nil)
	flink, ok := flinkspec.MajorMinor(cfg.FlinkVersion)
	versions := flinkspec.SQLGatewayAPIVersions(flink)
	if !ok || len(versions) == 0 {
		ps.Add("FlinkVersion", cfg.FlinkVersion, "use one of 1.18, 1.20, 2.0, 2.3 (Flink before 1.16 has no SQL Gateway, and its first specs are 1.18's)")
	}
	if cfg.PageSize < 0 {
		ps.Add("PageSize", cfg.PageSize, "use a positive number, or 0 for 1000")
	}
	if cfg.SessionIdleTimeout < 0 {
		ps.Add("SessionIdleTimeout", cfg.SessionIdleTimeout, "use a positive duration, or 0 for never")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 1000
	}
	switch {
	case cfg.NotReadyPolls == 0:
		cfg.NotReadyPolls = 1
	case cfg.NotReadyPolls < 0:
		cfg.NotReadyPolls = 0
	}
	if cfg.ReportedVersion == "" {
		cfg.ReportedVersion = reportedVersion(flink)
	}
	if cfg.Catalogs == nil {
		cfg.Catalogs = map[string]map[string][]string{"default_catalog": {"default_database": nil}}
	}
	g := &SQLGateway{
		cfg: cfg, flink: flink, versions: versions, specs: map[int]*flinkspec.Spec{},
		sessions: map[string]*sgSession{}, results: map[string]SQLResult{}, failures: map[string]string{},
	}
	for _, v := range versions {
		s, err := flinkspec.SQLGateway(flink, v)
		if err != nil {
			return nil, fmt.Errorf("flinktest.NewSQLGateway: %w", err)
		}
		g.specs[v] = s
	}
	g.core = specServer{
		name:                "SQL Gateway",
		reporter:            cfg.Reporter,
		specFor:             g.specFor,
		unknownPathsAllowed: true,
		handle: func(r *http.Request, spec *flinkspec.Spec, route *flinkspec.Route) answer {
			return g.handle(r, sqlgateway.APIVersion(spec.APIVersion()), route)
		},
	}
	g.core.start()
	return g, nil
}

// URL is the fake's base URL, e.g. "http://127.0.0.1:41234".
func (g *SQLGateway) URL() string { return g.core.url() }

// Client returns an *http.Client that reaches the fake.
func (g *SQLGateway) Client() *http.Client { return g.core.srv.Client() }

// NewTestSQLGateway starts a fake SQL Gateway for a test: spec violations
// fail the test through tb.Errorf, and tb.Cleanup closes the server. It
// fails the test at once on a bad cfg.
func NewTestSQLGateway(tb testing.TB, cfg SQLGatewayConfig) *SQLGateway {
	tb.Helper()
	return startForTest(tb, func(r Reporter) (*SQLGateway, error) {
		cfg.Reporter = r
		return NewSQLGateway(cfg)
	})
}

// Close stops the server and returns the spec violations seen, joined (nil
// when there were none).
func (g *SQLGateway) Close() error { return g.core.close() }

// FlinkVersion is the imitated Flink version, major.minor ("1.18", …).
func (g *SQLGateway) FlinkVersion() string { return g.flink }

// APIVersions are the REST API versions served, ascending.
func (g *SQLGateway) APIVersions() []int { return slices.Clone(g.versions) }

// Violations returns every spec violation seen so far.
func (g *SQLGateway) Violations() []error { return g.core.seen() }

// Requests counts the requests received on route, "METHOD /path/template"
// as in the spec without the version prefix (e.g.
// "GET /sessions/{session_handle}"), faults included; "?" counts requests
// that matched no route.
func (g *SQLGateway) Requests(route string) int { return g.core.count(route) }

// SessionCount is the number of open sessions.
func (g *SQLGateway) SessionCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sessions)
}

// SessionName returns the name a session was opened with, and whether the
// session is open.
func (g *SQLGateway) SessionName(handle string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.sessions[handle]
	if !ok {
		return "", false
	}
	return s.name, true
}

// RegisterResult makes statement answer r in every session.
func (g *SQLGateway) RegisterResult(statement string, r SQLResult) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.results[sgNormalize(statement)] = r
}

// RegisterFailure makes statement fail in Flink with the given message, as
// a ValidationException unless the message names its own exception class
// ("org.example.SomeException: …").
func (g *SQLGateway) RegisterFailure(statement, message string) {
	if !regexp.MustCompile(`^[\w.$]+(Exception|Error): `).MatchString(message) {
		message = "org.apache.flink.table.api.ValidationException: " + message
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures[sgNormalize(statement)] = message
}

// InjectFault makes requests to route misbehave. route is
// "METHOD /path/template" as in the spec, without the version prefix (e.g.
// "POST /sessions/{session_handle}/statements"), or "*" for every route.
// Faults on a route apply in the order injected, the specific route before
// "*". A fault with Times 0 applies to every matching request.
func (g *SQLGateway) InjectFault(route string, f Fault) { g.core.injectFault(route, f) }

// ClearFaults removes every injected fault.
func (g *SQLGateway) ClearFaults() { g.core.clearFaults() }

// sgServerError imitates the gateway's answer to an exception in a handler:
// "Internal server error." and the Java stack trace.
func sgServerError(exception string, causes ...string) answer {
	var b strings.Builder
	b.WriteString("<Exception on server side:\n")
	b.WriteString(exception)
	b.WriteString("\n\tat org.apache.flink.table.gateway.rest.handler.AbstractSqlGatewayRestHandler.respondToRequest(AbstractSqlGatewayRestHandler.java:84)")
	for _, c := range causes {
		b.WriteString("\nCaused by: ")
		b.WriteString(c)
		b.WriteString("\n\t... 42 more")
	}
	b.WriteString("\n\nEnd of exception on server side>")
	return errorAnswer(http.StatusInternalServerError, "Internal server error.", b.String())
}

const sgGatewayException = "org.apache.flink.table.gateway.api.utils.SqlGatewayException"

// specFor holds a request to the spec of the REST API version its path
// names; nil for a version this Flink does not serve.
func (g *SQLGateway) specFor(r *http.Request) *flinkspec.Spec {
	v, ok := g.versionOf(r.URL.Path)
	if !ok {
		return nil
	}
	return g.specs[v]
}

// versionOf reads the REST API version from the path prefix; paths without
// one are served by the newest version, as Flink serves its default version
// unprefixed.
func (g *SQLGateway) versionOf(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "/v")
	if !ok {
		return g.versions[len(g.versions)-1], true
	}
	digits, _, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(digits)
	if err != nil {
		return g.versions[len(g.versions)-1], true
	}
	return n, slices.Contains(g.versions, n)
}

// handle dispatches a validated request.
func (g *SQLGateway) handle(r *http.Request, v sqlgateway.APIVersion, route *flinkspec.Route) answer {
	var body []byte
	if r.Body != nil {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		body = buf.Bytes()
	}
	sh := route.PathParams["session_handle"]
	oh := route.PathParams["operation_handle"]
	switch route.OperationID {
	case "getApiVersion":
		names := make([]string, len(g.versions))
		for i, n := range g.versions {
			names[i] = "V" + strconv.Itoa(n)
		}
		return answer{http.StatusOK, map[string][]string{"versions": names}}
	case "getInfo":
		return answer{http.StatusOK, map[string]string{"productName": "Apache Flink", "version": g.cfg.ReportedVersion}}
	case "openSession":
		return g.openSession(body)
	case "getSessionConfig":
		return g.withSession(sh, func(s *sgSession) answer {
			return answer{http.StatusOK, map[string]map[string]string{"properties": s.props}}
		})
	case "closeSession":
		return g.withSession(sh, func(s *sgSession) answer {
			delete(g.sessions, sh)
			return answer{http.StatusOK, map[string]string{"status": "CLOSED"}}
		})
	case "triggerSession":
		return g.withSession(sh, func(*sgSession) answer { return answer{status: http.StatusOK} })
	case "configureSession":
		return g.configureSession(sh, body)
	case "completeStatement":
		return g.completeStatement(sh, body)
	case "executeStatement":
		return g.executeStatement(sh, body)
	case "getOperationStatus", "cancelOperation", "closeOperation":
		return g.operationCall(route.OperationID, sh, oh)
	case "fetchResults":
		tok, _ := strconv.ParseInt(route.PathParams["token"], 10, 64)
		format := sqlgateway.RowFormatJSON
		if v >= sqlgateway.V2 {
			format = sqlgateway.RowFormat(strings.ToUpper(r.URL.Query().Get("rowFormat")))
		}
		return g.fetchResults(v, sh, oh, tok, format)
	case "refreshMaterializedTable":
		return g.withSession(sh, func(*sgSession) answer {
			return sgServerError(sgGatewayException+": Failed to refresh the materialized table "+route.PathParams["identifier"]+".",
				"org.apache.flink.table.api.ValidationException: Materialized table "+route.PathParams["identifier"]+" does not exist.")
		})
	case "deployScript":
		return g.withSession(sh, func(*sgSession) answer {
			return answer{http.StatusOK, map[string]string{"clusterID": "rtdw-fake-" + randomUUID()[:8]}}
		})
	}
	return errorAnswer(http.StatusNotFound, "Not found: "+r.URL.Path)
}

// withSession runs fn with the session locked in, or answers as Flink does
// for an unknown session.
func (g *SQLGateway) withSession(handle string, fn func(*sgSession) answer) answer {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[handle]
	if s != nil && g.cfg.SessionIdleTimeout > 0 && time.Since(s.lastAccess) > g.cfg.SessionIdleTimeout {
		delete(g.sessions, handle)
		s = nil
	}
	if s == nil {
		return sgServerError(fmt.Sprintf("%s: Session '%s' does not exist.", sgGatewayException, handle))
	}
	s.lastAccess = time.Now()
	return fn(s)
}

func (g *SQLGateway) openSession(body []byte) answer {
	var req struct {
		Properties  map[string]string `json:"properties"`
		SessionName string            `json:"sessionName"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return errorAnswer(http.StatusBadRequest, "Request did not match expected format OpenSessionRequestBody.")
		}
	}
	s := &sgSession{name: req.SessionName, props: g.defaultProperties(), tables: map[string][]string{}, ops: map[string]*sgOp{}, lastAccess: time.Now()}
	for k, v := range req.Properties {
		s.props[k] = v
	}
	s.catalog, s.database = g.defaultCatalog()
	for c, dbs := range g.cfg.Catalogs {
		for db, tables := range dbs {
			s.tables[c+"."+db] = slices.Clone(tables)
		}
	}
	h := randomUUID()
	g.mu.Lock()
	g.sessions[h] = s
	g.mu.Unlock()
	return answer{http.StatusOK, map[string]string{"sessionHandle": h}}
}

func (g *SQLGateway) defaultProperties() map[string]string {
	return map[string]string{
		"execution.runtime-mode":            "streaming",
		"rest.address":                      "localhost",
		"rest.port":                         "8081",
		"table.dml-sync":                    "false",
		"execution.target":                  "remote",
		"sql-gateway.endpoint.rest.address": "localhost",
	}
}

func (g *SQLGateway) defaultCatalog() (string, string) {
	names := make([]string, 0, len(g.cfg.Catalogs))
	for c := range g.cfg.Catalogs {
		names = append(names, c)
	}
	slices.Sort(names)
	cat := names[0]
	if _, ok := g.cfg.Catalogs["default_catalog"]; ok {
		cat = "default_catalog"
	}
	dbs := make([]string, 0)
	for db := range g.cfg.Catalogs[cat] {
		dbs = append(dbs, db)
	}
	slices.Sort(dbs)
	db := ""
	if len(dbs) > 0 {
		db = dbs[0]
		if _, ok := g.cfg.Catalogs[cat]["default_database"]; ok {
			db = "default_database"
		}
	}
	return cat, db
}

func (g *SQLGateway) configureSession(sh string, body []byte) answer {
	var req struct {
		Statement string `json:"statement"`
	}
	_ = json.Unmarshal(body, &req)
	return g.withSession(sh, func(s *sgSession) answer {
		if !sgConfigureRe.MatchString(strings.TrimSpace(req.Statement)) {
			return sgServerError(sgGatewayException+": Failed to configure session.",
				"org.apache.flink.table.gateway.service.utils.SqlExecutionException: Unsupported statement for configuring session:"+req.Statement)
		}
		if _, failure := g.run(s, req.Statement); failure != "" {
			return sgServerError(sgGatewayException+": Failed to configure session.", failure)
		}
		return answer{status: http.StatusOK}
	})
}

var sgConfigureRe = regexp.MustCompile(`(?is)^(CREATE|DROP|ALTER|USE|LOAD|UNLOAD|ADD\s+JAR|SET|RESET)\b`)

var sgCompletions = []string{"SELECT", "SET", "SHOW", "SHOW CATALOGS", "SHOW DATABASES", "SHOW TABLES", "CREATE", "DROP", "USE", "RESET"}

func (g *SQLGateway) completeStatement(sh string, body []byte) answer {
	var req struct {
		Position  int    `json:"position"`
		Statement string `json:"statement"`
	}
	_ = json.Unmarshal(body, &req)
	return g.withSession(sh, func(*sgSession) answer {
		pos := min(max(req.Position, 0), len(req.Statement))
		prefix := strings.ToUpper(strings.TrimLeft(req.Statement[:pos], " "))
		candidates := []string{}
		for _, w := range sgCompletions {
			if prefix != "" && strings.HasPrefix(w, prefix) {
				candidates = append(candidates, w)
			}
		}
		return answer{http.StatusOK, map[string][]string{"candidates": candidates}}
	})
}

func (g *SQLGateway) executeStatement(sh string, body []byte) answer {
	var req struct {
		Statement        string            `json:"statement"`
		ExecutionConfig  map[string]string `json:"executionConfig"`
		ExecutionTimeout int64             `json:"executionTimeout"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errorAnswer(http.StatusBadRequest, "Request did not match expected format ExecuteStatementRequestBody.")
	}
	return g.withSession(sh, func(s *sgSession) answer {
		res, failure := g.run(s, req.Statement)
		op := &sgOp{status: sqlgateway.StatusRunning, polls: g.cfg.NotReadyPolls, result: res, failure: failure, lastTok: -1, pageSize: g.cfg.PageSize}
		if op.polls == 0 {
			op.finish()
		}
		h := randomUUID()
		s.ops[h] = op
		return answer{http.StatusOK, map[string]string{"operationHandle": h}}
	})
}

// poll counts one status or fetch call and finishes the operation when its
// polls are used up.
func (op *sgOp) poll() {
	if op.status != sqlgateway.StatusRunning {
		return
	}
	if op.polls > 0 {
		op.polls--
		return
	}
	op.finish()
}

func (op *sgOp) finish() {
	if op.failure != "" {
		op.status = sqlgateway.StatusError
	} else {
		op.status = sqlgateway.StatusFinished
	}
}

func sgOperationString(oh string) string { return "OperationHandle{identifier=" + oh + "}" }

func (g *SQLGateway) withOperation(sh, oh string, fn func(*sgSession, *sgOp) answer) answer {
	return g.withSession(sh, func(s *sgSession) answer {
		op := s.ops[oh]
		if op == nil {
			return sgServerError(fmt.Sprintf("%s: Can not find the submitted operation in the OperationManager with the %s.", sgGatewayException, sgOperationString(oh)))
		}
		return fn(s, op)
	})
}

func (g *SQLGateway) operationCall(id, sh, oh string) answer {
	return g.withOperation(sh, oh, func(s *sgSession, op *sgOp) answer {
		switch id {
		case "getOperationStatus":
			op.poll()
		case "cancelOperation":
			if op.status.Terminal() {
				return sgServerError(fmt.Sprintf("%s: Failed to convert the Operation Status from %s to CANCELED for %s.", sgGatewayException, op.status, sgOperationString(oh)))
			}
			op.status = sqlgateway.StatusCanceled
		case "closeOperation":
			delete(s.ops, oh)
			op.status = sqlgateway.StatusClosed
		}
		return answer{http.StatusOK, map[string]string{"status": string(op.status)}}
	})
}

func (g *SQLGateway) fetchResults(v sqlgateway.APIVersion, sh, oh string, tok int64, format sqlgateway.RowFormat) answer {
	return g.withOperation(sh, oh, func(s *sgSession, op *sgOp) answer {
		op.poll()
		next := func(t int64) string {
			u := fmt.Sprintf("/%s/sessions/%s/operations/%s/result/%d", v, sh, oh, t)
			if v >= sqlgateway.V2 {
				u += "?rowFormat=" + string(format)
			}
			return u
		}
		switch op.status {
		case sqlgateway.StatusRunning:
			return answer{http.StatusOK, map[string]string{"resultType": "NOT_READY", "nextResultUri": next(tok)}}
		case sqlgateway.StatusError:
			return sgServerError(sgGatewayException+": "+sgGatewayException+": Failed to fetchResults.",
				sgGatewayException+": Failed to fetchResults.",
				fmt.Sprintf("org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation %s.", oh),
				op.failure)
		case sqlgateway.StatusFinished:
		default:
			return sgServerError(fmt.Sprintf("%s: Can not fetch results from the %s in %s status.", sgGatewayException, sgOperationString(oh), op.status))
		}
		if tok < op.lastTok || tok > op.lastTok+1 {
			return sgServerError(sgGatewayException+": "+sgGatewayException+": Failed to fetchResults.",
				fmt.Sprintf("java.lang.IllegalArgumentException: Expecting token to be %d or %d, but found %d.", max(op.lastTok, 0), op.lastTok+1, tok))
		}
		op.lastTok = tok
		res := op.result
		pages := int64(max(1, (len(res.Rows)+op.pageSize-1)/op.pageSize))
		kind := res.Kind
		if kind == "" {
			kind = sqlgateway.KindSuccessWithContent
		}
		page := map[string]any{"isQueryResult": res.Query, "resultKind": kind}
		if res.JobID != "" {
			page["jobID"] = res.JobID
		}
		var rows []sqlgateway.Row
		if tok < pages {
			lo := int(tok) * op.pageSize
			rows = res.Rows[lo:min(lo+op.pageSize, len(res.Rows))]
			page["resultType"] = "PAYLOAD"
			page["nextResultUri"] = next(tok + 1)
		} else {
			page["resultType"] = "EOS"
		}
		data, err := sgEncodeRows(res.Columns, rows, format)
		if err != nil {
			return sgServerError(sgGatewayException+": Failed to fetchResults.", "java.lang.ClassCastException: "+err.Error())
		}
		page["results"] = map[string]any{"columns": res.Columns, "rowFormat": format, "data": data}
		return answer{http.StatusOK, page}
	})
}
