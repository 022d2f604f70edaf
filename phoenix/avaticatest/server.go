package avaticatest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/calcite-avatica-go/v5/message"
	"google.golang.org/protobuf/proto"
)

const (
	requestPrefix  = "org.apache.calcite.avatica.proto.Requests$"
	responsePrefix = "org.apache.calcite.avatica.proto.Responses$"
)

// Config configures a [Server] as the PQS it stands for is configured.
type Config struct {
	// NamespaceMapping and MapSystemTablesToNamespace are the server's
	// phoenix.schema.isNamespaceMappingEnabled and
	// phoenix.schema.mapSystemTablesToNamespace; a connection whose
	// properties differ is refused with ERROR 726, as Phoenix does.
	NamespaceMapping           bool
	MapSystemTablesToNamespace bool
	// Username and Password, when set, make the server require HTTP BASIC
	// authentication (avatica.authentication=BASIC).
	Username, Password string
}

// Call is one request the fake received, for [Server.OnCall] and the log.
type Call struct {
	// Request is the Avatica request's name, such as "ExecuteRequest".
	Request string
	// ConnectionID is the connection the request belongs to.
	ConnectionID string
	// SQL is the statement of a Prepare, PrepareAndExecute or Execute.
	SQL string
	// Params are the bound values of an Execute, as Go values.
	Params []any
	// AutoCommit is the connection's autocommit when the request came.
	AutoCommit bool
}

// Reporter is where the server reports protocol violations: a
// *testing.T, or anything with its Errorf and Cleanup.
type Reporter interface {
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Server is an in-process Avatica endpoint that answers as a Phoenix Query
// Server does (protobuf over HTTP POST) from a small in-memory table store,
// and checks every request: a value written into the SQL instead of bound, a
// statement the fake does not know, a malformed request, are test failures.
type Server struct {
	t   Reporter
	cfg Config
	srv *httptest.Server

	mu       sync.Mutex
	conns    map[string]*conn
	schemas  map[string]bool
	tables   map[qname]*table
	nextStmt uint32
	calls    []Call
	counts   map[string]int
	onCall   func(Call) *Exception
	// autoCommitWrites counts writes applied with autocommit on.
	autoCommitWrites int
}

type conn struct {
	id         string
	autoCommit bool
	pending    []mutation
	stmts      map[uint32]*prepared
}

type prepared struct {
	st  *statement
	tbl *table
}

type mutation struct {
	tbl *table
	key string
	row []*message.TypedValue // nil: delete
}

// NewServer starts a fake PQS answering on a loopback port; t's Cleanup
// stops it, and t's Errorf receives every protocol violation.
func NewServer(t Reporter, cfg Config) *Server {
	s := &Server{t: t, cfg: cfg, conns: map[string]*conn{}, schemas: map[string]bool{}, tables: map[qname]*table{}, counts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's address, for phoenix.Config.URL.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server (t's cleanup does too).
func (s *Server) Close() { s.srv.Close() }

// OnCall sets a hook that sees every request before it is served; a
// non-nil Exception is returned to the client instead of serving it (fault
// injection: a Phoenix error on the third Execute, a failing commit).
func (s *Server) OnCall(f func(Call) *Exception) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = f
}

// Count returns how many requests named request (such as "CommitRequest")
// the server received.
func (s *Server) Count(request string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[request]
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// AutoCommitWrites returns how many UPSERTs and DELETEs were applied with
// autocommit on, outside a transaction.
func (s *Server) AutoCommitWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.autoCommitWrites
}

// Rows returns the committed rows of table schema.name (names as stored:
// quoted names as written), each as column name to Go value (int64,
// float64, string, bool, []byte; DATE as days, TIME and TIMESTAMP as
// milliseconds, DECIMAL as its text), ordered by key. ok is false when the
// table does not exist.
func (s *Server) Rows(schema, name string) (rows []map[string]any, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tbl := s.tables[qname{schema, name}]
	if tbl == nil {
		return nil, false
	}
	keys := make([]string, 0, len(tbl.rows))
	for k := range tbl.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := map[string]any{}
		for i, c := range tbl.cols {
			r[c.name] = goValue(tbl.rows[k][i])
		}
		rows = append(rows, r)
	}
	return rows, true
}

// DDL returns the table's columns as "family.name TYPE" (key columns
// without a family), its key and its options, for tests of the DDL rtdw
// sends.
func (s *Server) DDL(schema, name string) (columns, key []string, options map[string]string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tbl := s.tables[qname{schema, name}]
	if tbl == nil {
		return nil, nil, nil, false
	}
	for _, c := range tbl.cols {
		n := c.name
		if c.family != "" {
			n = c.family + "." + n
		}
		columns = append(columns, n+" "+c.typ.String())
	}
	for _, i := range tbl.pk {
		key = append(key, tbl.cols[i].name)
	}
	return columns, key, tbl.options, true
}

// Schemas returns the schemas created with CREATE SCHEMA.
func (s *Server) Schemas() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.schemas {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.t.Errorf("avaticatest: %s %s: PQS takes only POST", r.Method, r.URL)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-google-protobuf" {
		s.t.Errorf("avaticatest: Content-Type %q, want application/x-google-protobuf (PQS's PROTOBUF serialization)", ct)
	}
	if s.cfg.Username != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != s.cfg.Username || p != s.cfg.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="PQS"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("avaticatest: reading the request: %v", err)
		return
	}
	var wire message.WireMessage
	if err := proto.Unmarshal(body, &wire); err != nil {
		s.t.Errorf("avaticatest: the body is not a WireMessage: %v", err)
		http.Error(w, "bad WireMessage", http.StatusBadRequest)
		return
	}
	resp := s.dispatch(wire.GetName(), wire.GetWrappedMessage())
	wrapped, err := proto.Marshal(resp)
	if err != nil {
		s.t.Errorf("avaticatest: marshal %T: %v", resp, err)
		return
	}
	name := string(resp.ProtoReflect().Descriptor().Name())
	out, _ := proto.Marshal(message.WireMessage_builder{Name: responsePrefix + name, WrappedMessage: wrapped}.Build())
	w.Header().Set("Content-Type", "application/x-google-protobuf")
	if _, ok := resp.(*message.ErrorResponse); ok {
		w.WriteHeader(http.StatusInternalServerError) // as PQS answers errors
	}
	w.Write(out)
}

func (s *Server) dispatch(name string, wrapped []byte) proto.Message {
	short, ok := strings.CutPrefix(name, requestPrefix)
	if !ok {
		s.t.Errorf("avaticatest: request name %q lacks the %s prefix", name, requestPrefix)
		return errorResponse(SyntaxError("unknown request " + name))
	}
	req, ok := newRequest(short)
	if !ok {
		s.t.Errorf("avaticatest: request %s is not one PQS serves here", short)
		return errorResponse(SyntaxError("unknown request " + short))
	}
	if err := proto.Unmarshal(wrapped, req); err != nil {
		s.t.Errorf("avaticatest: %s does not unmarshal: %v", short, err)
		return errorResponse(SyntaxError("bad " + short))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[short]++
	call := s.describe(short, req)
	s.calls = append(s.calls, call)
	if s.onCall != nil {
		if e := s.onCall(call); e != nil {
			if short == "CommitRequest" {
				// A failed commit leaves nothing of the batch applied: Phoenix
				// gives up the connection's mutations.
				if c := s.conns[call.ConnectionID]; c != nil {
					c.pending = nil
				}
			}
			return errorResponse(e)
		}
	}
	return s.serve(short, req)
}

func newRequest(name string) (proto.Message, bool) {
	switch name {
	case "OpenConnectionRequest":
		return &message.OpenConnectionRequest{}, true
	case "CloseConnectionRequest":
		return &message.CloseConnectionRequest{}, true
	case "DatabasePropertyRequest":
		return &message.DatabasePropertyRequest{}, true
	case "ConnectionSyncRequest":
		return &message.ConnectionSyncRequest{}, true
	case "CreateStatementRequest":
		return &message.CreateStatementRequest{}, true
	case "CloseStatementRequest":
		return &message.CloseStatementRequest{}, true
	case "PrepareRequest":
		return &message.PrepareRequest{}, true
	case "PrepareAndExecuteRequest":
		return &message.PrepareAndExecuteRequest{}, true
	case "ExecuteRequest":
		return &message.ExecuteRequest{}, true
	case "ExecuteBatchRequest":
		return &message.ExecuteBatchRequest{}, true
	case "FetchRequest":
		return &message.FetchRequest{}, true
	case "CommitRequest":
		return &message.CommitRequest{}, true
	case "RollbackRequest":
		return &message.RollbackRequest{}, true
	}
	return nil, false
}

// describe makes the Call of a request.
func (s *Server) describe(name string, req proto.Message) Call {
	c := Call{Request: name}
	if r, ok := req.(interface{ GetConnectionId() string }); ok {
		c.ConnectionID = r.GetConnectionId()
	}
	switch r := req.(type) {
	case *message.PrepareRequest:
		c.SQL = r.GetSql()
	case *message.PrepareAndExecuteRequest:
		c.SQL = r.GetSql()
	case *message.ExecuteRequest:
		h := r.GetStatementHandle()
		c.ConnectionID = h.GetConnectionId()
		if cn := s.conns[c.ConnectionID]; cn != nil {
			if p := cn.stmts[h.GetId()]; p != nil {
				c.SQL = p.st.sql
			}
		}
		for _, v := range r.GetParameterValues() {
			c.Params = append(c.Params, goValue(v))
		}
	}
	if cn := s.conns[c.ConnectionID]; cn != nil {
		c.AutoCommit = cn.autoCommit
	}
	return c
}

func errorResponse(e *Exception) *message.ErrorResponse {
	return message.ErrorResponse_builder{
		Exceptions:    []string{e.stackTrace()},
		HasExceptions: true,
		ErrorMessage:  e.errorMessage(),
		Severity:      message.Severity_ERROR_SEVERITY,
		ErrorCode:     ^uint32(0), // Avatica's UNKNOWN_ERROR_CODE, -1
		SqlState:      "00000",    // Avatica's UNKNOWN_SQL_STATE
		Metadata:      message.RpcMetadata_builder{ServerAddress: "avaticatest:8765"}.Build(),
	}.Build()
}

func noSuchConnection(id string) *message.ErrorResponse {
	return message.ErrorResponse_builder{
		Exceptions:    []string{"org.apache.calcite.avatica.NoSuchConnectionException: " + id},
		HasExceptions: true,
		ErrorMessage:  "NoSuchConnectionException",
		Severity:      message.Severity_ERROR_SEVERITY,
		ErrorCode:     ^uint32(0),
		SqlState:      "00000",
	}.Build()
}

func (s *Server) serve(name string, req proto.Message) proto.Message {
	switch r := req.(type) {
	case *message.OpenConnectionRequest:
		return s.openConnection(r)
	case *message.DatabasePropertyRequest:
		if s.conns[r.GetConnectionId()] == nil {
			return noSuchConnection(r.GetConnectionId())
		}
		return databaseProperties()
	}
	var id string
	if e, ok := req.(*message.ExecuteRequest); ok {
		id = e.GetStatementHandle().GetConnectionId()
	} else {
		id = req.(interface{ GetConnectionId() string }).GetConnectionId()
	}
	c := s.conns[id]
	if c == nil {
		return noSuchConnection(id)
	}
	switch r := req.(type) {
	case *message.CloseConnectionRequest:
		delete(s.conns, id)
		return &message.CloseConnectionResponse{}
	case *message.ConnectionSyncRequest:
		if p := r.GetConnProps(); p.GetHasAutoCommit() {
			if p.GetAutoCommit() && !c.autoCommit && len(c.pending) > 0 {
				// JDBC: turning autocommit on commits what is pending.
				s.apply(c)
			}
			c.autoCommit = p.GetAutoCommit()
		}
		return message.ConnectionSyncResponse_builder{ConnProps: message.ConnectionProperties_builder{
			AutoCommit: c.autoCommit, HasAutoCommit: true}.Build()}.Build()
	case *message.CreateStatementRequest:
		s.nextStmt++
		c.stmts[s.nextStmt] = nil
		return message.CreateStatementResponse_builder{ConnectionId: id, StatementId: s.nextStmt}.Build()
	case *message.CloseStatementRequest:
		if _, ok := c.stmts[r.GetStatementId()]; !ok {
			s.t.Errorf("avaticatest: CloseStatement of statement %d, which connection %s does not have", r.GetStatementId(), id)
		}
		delete(c.stmts, r.GetStatementId())
		return &message.CloseStatementResponse{}
	case *message.PrepareRequest:
		return s.prepare(c, r.GetSql())
	case *message.PrepareAndExecuteRequest:
		return s.prepareAndExecute(c, r)
	case *message.ExecuteRequest:
		return s.execute(c, r)
	case *message.ExecuteBatchRequest:
		return s.executeBatch(c, r)
	case *message.FetchRequest:
		// Every result fits its first frame here.
		return message.FetchResponse_builder{Frame: message.Frame_builder{Offset: r.GetOffset(), Done: true}.Build()}.Build()
	case *message.CommitRequest:
		s.apply(c)
		return &message.CommitResponse{}
	case *message.RollbackRequest:
		c.pending = nil
		return &message.RollbackResponse{}
	}
	s.t.Errorf("avaticatest: %s not served", name)
	return errorResponse(SyntaxError(name))
}

func (s *Server) openConnection(r *message.OpenConnectionRequest) proto.Message {
	if s.conns[r.GetConnectionId()] != nil {
		s.t.Errorf("avaticatest: OpenConnection of %s, which is open", r.GetConnectionId())
	}
	info := r.GetInfo()
	check := func(key string, server bool) *Exception {
		client, _ := strconv.ParseBool(info[key])
		if client != server {
			return InconsistentNamespaceMapping(fmt.Sprintf("Cannot initiate connection as SYSTEM:CATALOG is found but client does not have %s %v (the server has %v)", key, map[bool]string{true: "enabled", false: "disabled"}[client], server))
		}
		return nil
	}
	if e := check("phoenix.schema.isNamespaceMappingEnabled", s.cfg.NamespaceMapping); e != nil {
		return errorResponse(e)
	}
	if e := check("phoenix.schema.mapSystemTablesToNamespace", s.cfg.MapSystemTablesToNamespace); e != nil {
		return errorResponse(e)
	}
	autoCommit := true
	if v, ok := info["AutoCommit"]; ok {
		autoCommit, _ = strconv.ParseBool(v)
	}
	s.conns[r.GetConnectionId()] = &conn{id: r.GetConnectionId(), autoCommit: autoCommit, stmts: map[uint32]*prepared{}}
	return &message.OpenConnectionResponse{}
}

// databaseProperties answers as PQS does; GET_DRIVER_NAME makes avatica-go
// use its Phoenix adapter.
func databaseProperties() proto.Message {
	prop := func(name, value string) *message.DatabasePropertyElement {
		return message.DatabasePropertyElement_builder{
			Key:   message.DatabaseProperty_builder{Name: name}.Build(),
			Value: message.TypedValue_builder{Type: message.Rep_STRING, StringValue: value}.Build(),
		}.Build()
	}
	return message.DatabasePropertyResponse_builder{Props: []*message.DatabasePropertyElement{
		prop("GET_DRIVER_NAME", "PhoenixEmbeddedDriver"),
		prop("GET_DRIVER_VERSION", "5.1"),
		prop("GET_DATABASE_PRODUCT_NAME", "Phoenix"),
		prop("GET_DATABASE_PRODUCT_VERSION", "5.1"),
	}}.Build()
}
