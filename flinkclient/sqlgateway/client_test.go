package sqlgateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

func TestNegotiatesHighestCommonVersion(t *testing.T) {
	want := map[string]sqlgateway.APIVersion{"1.18": sqlgateway.V2, "1.20": sqlgateway.V2, "2.0": sqlgateway.V3, "2.3": sqlgateway.V4}
	for _, fv := range flinkVersions {
		t.Run(fv, func(t *testing.T) {
			g := newFake(t, flinktest.SQLGatewayConfig{FlinkVersion: fv})
			c, err := sqlgateway.New(g.URL())
			if err != nil {
				t.Fatal(err)
			}
			v, err := c.APIVersion(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if v != want[fv] {
				t.Fatalf("negotiated %s, want %s", v, want[fv])
			}
			// Remembered: a second call does not ask again.
			if _, err := c.APIVersion(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if n := countCalls(g, routeAPIVersions); n != 1 {
				t.Fatalf("api_versions asked %d times, want 1", n)
			}
			info, err := c.GetInfo(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if info.ProductName != "Apache Flink" || !strings.HasPrefix(info.Version, fv) {
				t.Fatalf("info = %+v", info)
			}
		})
	}
}

func TestPinnedVersionSkipsNegotiation(t *testing.T) {
	g := newFake(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.18"})
	c, _ := sqlgateway.New(g.URL(), sqlgateway.WithAPIVersion(sqlgateway.V1))
	s := openSession(t, c)
	if s.APIVersion() != sqlgateway.V1 {
		t.Fatalf("session speaks %s", s.APIVersion())
	}
	if n := countCalls(g, routeAPIVersions); n != 0 {
		t.Fatalf("api_versions asked %d times with a pinned version", n)
	}
}

func TestPinnedVersionTheGatewayLacks(t *testing.T) {
	g := newFake(t, flinktest.SQLGatewayConfig{FlinkVersion: "1.18"})
	c, _ := sqlgateway.New(g.URL(), sqlgateway.WithAPIVersion(sqlgateway.V4))
	_, err := c.OpenSession(testCtx(t), sqlgateway.SessionOptions{})
	var e *sqlgateway.Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound {
		t.Fatalf("err = %v, want a 404 *Error", err)
	}
}

func countCalls(g *flinktest.SQLGateway, route string) int { return g.Requests(route) }

const (
	routeAPIVersions = "GET /api_versions"
	routeSession     = "GET /sessions/{session_handle}"
	routeStatements  = "POST /sessions/{session_handle}/statements"
	routeHeartbeat   = "POST /sessions/{session_handle}/heartbeat"
	routeFetch       = "GET /sessions/{session_handle}/operations/{operation_handle}/result/{token}"
)

const proxyPage = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"

func TestSessionLifecycle(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		ctx := testCtx(t)
		s, err := c.OpenSession(ctx, sqlgateway.SessionOptions{Name: "lifecycle", Properties: map[string]string{"execution.runtime-mode": "batch", "pipeline.name": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if name, ok := g.SessionName(s.Handle()); !ok || name != "lifecycle" || g.SessionCount() != 1 {
			t.Fatalf("fake has %d sessions, this one named %q (%v)", g.SessionCount(), name, ok)
		}
		props, err := s.Properties(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if props["execution.runtime-mode"] != "batch" || props["pipeline.name"] != "x" {
			t.Fatalf("properties = %v", props)
		}
		if err := s.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}

		err = s.Configure(ctx, "CREATE TABLE t (id INT) WITH ('connector' = 'datagen')", time.Minute)
		cands, cerr := s.CompleteStatement(ctx, "SHOW CAT", 8)
		if s.APIVersion() >= sqlgateway.V2 {
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			_, rows := query(t, s, "SHOW TABLES", fastPoll)
			if len(rows) != 1 || rows[0].Values[0] != "t" {
				t.Fatalf("SHOW TABLES after configure = %v", rows)
			}
			if cerr != nil || !slices.Contains(cands, "SHOW CATALOGS") {
				t.Fatalf("CompleteStatement = %v, %v", cands, cerr)
			}
			// configure-session refuses statements that do not configure.
			err = s.Configure(ctx, "SELECT 1", 0)
			var e *sqlgateway.Error
			if !errors.As(err, &e) || e.Status != 500 {
				t.Fatalf("Configure(SELECT 1) = %v", err)
			}
		} else {
			if !errors.Is(err, sqlgateway.ErrUnsupportedAPIVersion) || !errors.Is(cerr, sqlgateway.ErrUnsupportedAPIVersion) {
				t.Fatalf("v1 Configure/CompleteStatement = %v / %v, want ErrUnsupportedAPIVersion", err, cerr)
			}
		}

		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if g.SessionCount() != 0 {
			t.Fatalf("fake still has %d sessions", g.SessionCount())
		}
		if _, err := s.Properties(ctx); !errors.Is(err, sqlgateway.ErrClosed) {
			t.Fatalf("Properties after Close = %v, want ErrClosed", err)
		}
		// The gateway, asked directly, no longer knows the session.
		again := c.AttachSession(s.Handle(), s.APIVersion())
		_, err = again.Properties(ctx)
		if !errors.Is(err, sqlgateway.ErrSessionNotFound) {
			t.Fatalf("Properties of a closed session = %v, want ErrSessionNotFound", err)
		}
	})
}

func TestUnknownSession(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := c.AttachSession("5d6e0c4c-1111-4222-8333-444455556666", mustVersion(t, c))
		_, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{})
		var e *sqlgateway.Error
		if !errors.As(err, &e) || !errors.Is(err, sqlgateway.ErrSessionNotFound) {
			t.Fatalf("err = %v, want *Error matching ErrSessionNotFound", err)
		}
		if e.Status != 500 || e.Method != "POST" || !strings.HasSuffix(e.Path, "/statements") || len(e.Errors) != 2 {
			t.Fatalf("error fields = %+v", e)
		}
		if !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("message %q does not say why", err)
		}
		if errors.Is(err, sqlgateway.ErrOperationNotFound) {
			t.Fatal("unknown session also matches ErrOperationNotFound")
		}
	})
}

func mustVersion(t *testing.T, c *sqlgateway.Client) sqlgateway.APIVersion {
	v, err := c.APIVersion(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSetAndReset(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		res, rows := query(t, s, "SET 'table.exec.state.ttl' = '1 h';", fastPoll)
		if res.Kind() != sqlgateway.KindSuccess || len(rows) != 1 || rows[0].Values[0] != "OK" {
			t.Fatalf("SET answered kind %q rows %v", res.Kind(), rows)
		}
		props, err := s.Properties(testCtx(t))
		if err != nil || props["table.exec.state.ttl"] != "1 h" {
			t.Fatalf("after SET: %v, %v", props, err)
		}
		res, rows = query(t, s, "SET", fastPoll)
		if res.Kind() != sqlgateway.KindSuccessWithContent || len(res.Columns()) != 2 || res.Columns()[0].Name != "key" {
			t.Fatalf("SET list: kind %q columns %v", res.Kind(), res.Columns())
		}
		found := false
		for _, r := range rows {
			found = found || (r.Values[0] == "table.exec.state.ttl" && r.Values[1] == "1 h")
		}
		if !found {
			t.Fatalf("SET list lacks the new key: %v", rows)
		}
		query(t, s, "RESET 'table.exec.state.ttl'", fastPoll)
		props, _ = s.Properties(testCtx(t))
		if _, ok := props["table.exec.state.ttl"]; ok {
			t.Fatalf("RESET left the key: %v", props)
		}
	})
}

func TestSelectLiterals(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		res, rows := query(t, s, "SELECT 42, 'it''s' AS s, TRUE, -2.50, NULL, 9000000000", fastPoll)
		want := []string{"INT NOT NULL", "CHAR(4) NOT NULL", "BOOLEAN NOT NULL", "DECIMAL(3, 2) NOT NULL", "NULL", "BIGINT NOT NULL"}
		var got []string
		for _, col := range res.Columns() {
			got = append(got, col.Type.String())
		}
		if !slices.Equal(got, want) || res.Columns()[1].Name != "s" || res.Columns()[0].Name != "EXPR$0" {
			t.Fatalf("columns %v, want types %v", res.Columns(), want)
		}
		if len(rows) != 1 {
			t.Fatalf("rows = %v", rows)
		}
		wantVals := []any{int64(42), "it's", true, json.Number("-2.50"), nil, int64(9000000000)}
		if fmt.Sprint(rows[0].Values) != fmt.Sprint(wantVals) || rows[0].Kind != sqlgateway.Insert {
			t.Fatalf("values %#v, want %#v", rows[0].Values, wantVals)
		}
		if !res.IsQueryResult() || len(res.JobID()) != 32 {
			t.Fatalf("query result %v job %q", res.IsQueryResult(), res.JobID())
		}
		var n int64
		var str string
		var b bool
		var d json.Number
		var null *string
		var big int
		if err := res.Scan(&n, &str, &b, &d, &null, &big); err != nil {
			t.Fatal(err)
		}
		if n != 42 || str != "it's" || !b || d != "-2.50" || null != nil || big != 9000000000 {
			t.Fatalf("scanned %v %q %v %v %v %v", n, str, b, d, null, big)
		}
		var small int32
		if err := res.Scan(&n, &str, &b, &d, &null, &small); !errors.Is(err, sqlgateway.ErrScan) {
			t.Fatalf("scanning 9e9 into int32: %v", err)
		}

		if s.APIVersion() >= sqlgateway.V2 {
			opts := fastPoll
			opts.RowFormat = sqlgateway.RowFormatPlainText
			res, rows = query(t, s, "SELECT 42, TRUE", opts)
			if fmt.Sprint(rows[0].Values) != "[42 TRUE]" {
				t.Fatalf("PLAIN_TEXT values %#v", rows[0].Values)
			}
			if _, ok := rows[0].Values[0].(string); !ok {
				t.Fatalf("PLAIN_TEXT value is %T, want string", rows[0].Values[0])
			}
		}
	})
}

func TestShowAndUse(t *testing.T) {
	cfg := flinktest.SQLGatewayConfig{Catalogs: map[string]map[string][]string{
		"default_catalog": {"default_database": {"orders"}},
		"hive":            {"ods": {"ods_order", "ods_user"}, "dwd": nil},
	}}
	forEachVersion(t, cfg, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		res, rows := query(t, s, "SHOW CATALOGS", fastPoll)
		if res.Columns()[0].Name != "catalog name" || fmt.Sprint(values(rows)) != "[default_catalog hive]" {
			t.Fatalf("SHOW CATALOGS = %v", rows)
		}
		query(t, s, "USE CATALOG hive", fastPoll)
		query(t, s, "USE ods", fastPoll)
		_, rows = query(t, s, "SHOW TABLES", fastPoll)
		if fmt.Sprint(values(rows)) != "[ods_order ods_user]" {
			t.Fatalf("SHOW TABLES in hive.ods = %v", rows)
		}
		_, rows = query(t, s, "show current database", fastPoll)
		if fmt.Sprint(values(rows)) != "[ods]" {
			t.Fatalf("SHOW CURRENT DATABASE = %v", rows)
		}
		// A catalog that does not exist fails like Flink.
		op, err := s.Execute(testCtx(t), "USE CATALOG nope", sqlgateway.ExecuteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for range op.Rows(testCtx(t), fastPoll) {
		}
		_, err = collect(op)
		var e *sqlgateway.Error
		if !errors.As(err, &e) || !strings.Contains(e.RootCause(), "A catalog with name [nope] does not exist") {
			t.Fatalf("USE CATALOG nope: %v", err)
		}
	})
}

func values(rows []sqlgateway.Row) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r.Values...)
	}
	return out
}

func collect(op *sqlgateway.Operation) ([]sqlgateway.Row, error) {
	var rows []sqlgateway.Row
	for r, err := range op.Rows(context.Background(), fastPoll) {
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func TestPagingWithNotReady(t *testing.T) {
	const n = 25
	cfg := flinktest.SQLGatewayConfig{PageSize: 10, NotReadyPolls: 2}
	forEachVersion(t, cfg, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		kinds := []sqlgateway.RowKind{sqlgateway.Insert, sqlgateway.UpdateBefore, sqlgateway.UpdateAfter, sqlgateway.Delete}
		r := flinktest.SQLResult{Query: true, JobID: strings.Repeat("ab", 16), Columns: []sqlgateway.Column{
			{Name: "id", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeBigint}},
			{Name: "name", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 20, Nullable: true}, Comment: "user name"},
		}}
		for i := range n {
			r.Rows = append(r.Rows, sqlgateway.Row{Kind: kinds[i%4], Values: []any{int64(i), fmt.Sprintf("user-%d", i)}})
		}
		g.RegisterResult("SELECT * FROM users", r)
		s := openSession(t, c)
		var progress []sqlgateway.Progress
		opts := fastPoll
		opts.OnPage = func(p sqlgateway.Progress) { progress = append(progress, p) }
		res, rows := query(t, s, "select *  from users;", opts)
		if len(rows) != n {
			t.Fatalf("got %d rows, want %d", len(rows), n)
		}
		for i, row := range rows {
			if row.Kind != kinds[i%4] || row.Values[0] != int64(i) || row.Values[1] != fmt.Sprintf("user-%d", i) {
				t.Fatalf("row %d = %+v", i, row)
			}
		}
		if res.Columns()[1].Comment != "user name" || res.JobID() != strings.Repeat("ab", 16) {
			t.Fatalf("columns %v job %q", res.Columns(), res.JobID())
		}
		// 2 NOT_READY, 3 PAYLOAD pages, 1 EOS.
		var types []sqlgateway.ResultType
		for _, p := range progress {
			types = append(types, p.LastType)
		}
		want := []sqlgateway.ResultType{"NOT_READY", "NOT_READY", "PAYLOAD", "PAYLOAD", "PAYLOAD", "EOS"}
		if !slices.Equal(types, want) {
			t.Fatalf("pages %v, want %v", types, want)
		}
		if last := progress[len(progress)-1]; last.Rows != n || last.Pages != 6 {
			t.Fatalf("final progress %+v", last)
		}
	})
}

func TestFetchPageByPage(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{PageSize: 1, NotReadyPolls: -1}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		ctx := testCtx(t)
		op, err := s.Execute(ctx, "SHOW CATALOGS", sqlgateway.ExecuteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		page, err := op.FetchResults(ctx, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if page.Type != sqlgateway.ResultPayload || len(page.Rows) != 1 || page.NextResultURI == "" {
			t.Fatalf("first page %+v", page)
		}
		if s.APIVersion() >= sqlgateway.V2 != strings.Contains(page.NextResultURI, "rowFormat=JSON") {
			t.Fatalf("nextResultUri %q for %s", page.NextResultURI, s.APIVersion())
		}
		again, err := op.FetchResults(ctx, 0, "")
		if err != nil || fmt.Sprint(again.Rows) != fmt.Sprint(page.Rows) {
			t.Fatalf("re-fetching token 0: %v, %v", again, err)
		}
		eos, err := op.FetchNext(ctx, page)
		if err != nil || eos.Type != sqlgateway.ResultEOS || eos.NextResultURI != "" {
			t.Fatalf("second page %+v, %v", eos, err)
		}
		if after, err := op.FetchNext(ctx, eos); after != nil || err != nil {
			t.Fatalf("after EOS: %v, %v", after, err)
		}
	})
}

func TestTypedValues(t *testing.T) {
	ts := time.Date(2024, 3, 5, 7, 8, 9, 123000000, time.UTC)
	intT := sqlgateway.LogicalType{Root: sqlgateway.TypeInteger, Nullable: true}
	cols := []sqlgateway.Column{
		{Name: "d", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeDouble, Nullable: true}},
		{Name: "dec", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeDecimal, Precision: 20, Scale: 4}},
		{Name: "bin", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarbinary, Length: math.MaxInt32, Nullable: true}},
		{Name: "day", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeDate, Nullable: true}},
		{Name: "ts", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeTimestamp, Precision: 3, Nullable: true}},
		{Name: "ltz", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeTimestampWithLocalTimeZone, Precision: 3, Nullable: true}},
		{Name: "arr", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeArray, Nullable: true, ElementType: &intT}},
		{Name: "m", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeMap, Nullable: true, KeyType: &sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 10}, ValueType: &intT}},
		{Name: "r", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeRow, Nullable: true, Fields: []sqlgateway.RowField{{Name: "a", Type: intT}, {Name: "b", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 5, Nullable: true}, Description: "bee"}}}},
		{Name: "u", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 10, Nullable: true}},
	}
	row := sqlgateway.Row{Kind: sqlgateway.UpdateAfter, Values: []any{
		2.5, json.Number("12345678901234.5678"), []byte{0, 1, 0xfe}, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), ts, ts,
		[]any{json.Number("1"), nil}, map[string]any{"k": json.Number("7")}, map[string]any{"a": json.Number("1"), "b": "x"}, "€ \"q\"\n",
	}}
	nulls := sqlgateway.Row{Kind: sqlgateway.Delete, Values: make([]any, len(cols))}
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		g.RegisterResult("SELECT * FROM typed", flinktest.SQLResult{Query: true, Columns: cols, Rows: []sqlgateway.Row{row, nulls}})
		s := openSession(t, c)
		res, rows := query(t, s, "SELECT * FROM typed", fastPoll)
		if fmt.Sprint(res.Columns()) != fmt.Sprint(cols) {
			t.Fatalf("columns\n got %v\nwant %v", res.Columns(), cols)
		}
		if got := res.Columns()[8].Type.String(); got != "ROW<`a` INT, `b` VARCHAR(5)>" {
			t.Fatalf("row type %s", got)
		}
		if fmt.Sprintf("%#v", rows[0]) != fmt.Sprintf("%#v", row) {
			t.Fatalf("row\n got %#v\nwant %#v", rows[0], row)
		}
		if rows[1].Kind != sqlgateway.Delete || slices.ContainsFunc(rows[1].Values, func(v any) bool { return v != nil }) {
			t.Fatalf("null row %#v", rows[1])
		}
		var when time.Time
		var raw []byte
		var any1, any2, any3, any4, any5, any6, any7, any8 any
		if err := res.Scan(&any1, &any2, &raw, &any3, &when, &any4, &any5, &any6, &any7, &any8); err != nil {
			t.Fatal(err)
		}
		if !when.IsZero() || raw != nil {
			t.Fatalf("NULL scanned as %v %v", when, raw)
		}
	})
}

func TestFailingStatement(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		g.RegisterFailure("SELECT * FROM missing", "SQL validation failed. From line 1, column 15 to line 1, column 21: Object 'missing' not found")
		s := openSession(t, c)
		for stmt, cause := range map[string]string{
			"SELECT * FROM missing": "org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 21: Object 'missing' not found",
			"SELEC 1":               `org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered "SELEC" at line 1, column 1.`,
		} {
			op, err := s.Execute(testCtx(t), stmt, sqlgateway.ExecuteOptions{})
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			rows, err := collect(op)
			var e *sqlgateway.Error
			if len(rows) != 0 || !errors.As(err, &e) || !errors.Is(err, sqlgateway.ErrStatementFailed) {
				t.Fatalf("%q: rows %v err %v, want *Error matching ErrStatementFailed", stmt, rows, err)
			}
			if e.RootCause() != cause || !strings.Contains(e.Error(), cause) {
				t.Fatalf("root cause %q\nmessage %q\nwant %q", e.RootCause(), e.Error(), cause)
			}
			st, err := op.Status(testCtx(t))
			if err != nil || st != sqlgateway.StatusError {
				t.Fatalf("status %q, %v", st, err)
			}
		}
	})
}

func TestCancelAndCloseOperation(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{NotReadyPolls: 1000}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		ctx := testCtx(t)
		op, err := s.Execute(ctx, "SELECT 1", sqlgateway.ExecuteOptions{Config: map[string]string{"parallelism.default": "2"}, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := op.Status(ctx); err != nil || st != sqlgateway.StatusRunning || st.Terminal() {
			t.Fatalf("status %q, %v", st, err)
		}
		st, err := op.Cancel(ctx)
		if err != nil || st != sqlgateway.StatusCanceled || !st.Terminal() {
			t.Fatalf("Cancel = %q, %v", st, err)
		}
		if _, err := collect(op); err == nil || !strings.Contains(err.Error(), "CANCELED") {
			t.Fatalf("fetching a canceled operation: %v", err)
		}
		if _, err := op.Cancel(ctx); err == nil {
			t.Fatal("cancelling twice succeeded")
		}
		if err := op.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := op.Status(ctx); !errors.Is(err, sqlgateway.ErrOperationNotFound) || errors.Is(err, sqlgateway.ErrSessionNotFound) {
			t.Fatalf("status after close: %v, want ErrOperationNotFound", err)
		}
	})
}

func TestRowsIteratorStopsEarly(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{PageSize: 2}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		op, err := s.Execute(testCtx(t), "SET", sqlgateway.ExecuteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range op.Rows(testCtx(t), fastPoll) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break
			}
		}
		if n != 3 {
			t.Fatalf("iterated %d rows", n)
		}
		// Breaking early leaves the remaining pages unfetched: 1 NOT_READY + 2 pages.
		if got := countCalls(g, routeFetch); got != 3 {
			t.Fatalf("%d fetches", got)
		}
	})
}

func TestMaterializedTableAndScripts(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		ctx := testCtx(t)
		_, err := s.RefreshMaterializedTable(ctx, "cat.db.mt", sqlgateway.RefreshMaterializedTableOptions{StaticPartitions: map[string]string{"ds": "2024-01-01"}})
		if s.APIVersion() == sqlgateway.V3 {
			var e *sqlgateway.Error
			if !errors.As(err, &e) || !strings.Contains(e.RootCause(), "cat.db.mt does not exist") {
				t.Fatalf("refresh on v3: %v", err)
			}
		} else if !errors.Is(err, sqlgateway.ErrUnsupportedAPIVersion) {
			t.Fatalf("refresh on %s: %v", s.APIVersion(), err)
		}
		id, err := s.DeployScript(ctx, sqlgateway.DeployScriptOptions{Script: "INSERT INTO a SELECT * FROM b;"})
		if s.APIVersion() >= sqlgateway.V4 {
			if err != nil || id == "" {
				t.Fatalf("deploy: %q, %v", id, err)
			}
		} else if !errors.Is(err, sqlgateway.ErrUnsupportedAPIVersion) {
			t.Fatalf("deploy on %s: %v", s.APIVersion(), err)
		}
	})
}

func TestUnreachableGateway(t *testing.T) {
	c, err := sqlgateway.New("http://127.0.0.1:1", sqlgateway.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OpenSession(testCtx(t), sqlgateway.SessionOptions{})
	var e *sqlgateway.Error
	if !errors.As(err, &e) || e.Status != 0 || e.Err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %#v (%v)", err, err)
	}
	if !strings.Contains(err.Error(), "GET /v1/api_versions") {
		t.Fatalf("message %q does not name the call", err)
	}
}

func TestHTMLAnswer(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		g.InjectFault(routeStatements, flinktest.Fault{Body: proxyPage, Times: 1})
		_, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{})
		var e *sqlgateway.Error
		if !errors.As(err, &e) || !errors.Is(err, sqlgateway.ErrNotJSON) || e.Status != http.StatusBadGateway {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(e.BodyPrefix, "<html>") || !strings.HasPrefix(e.ContentType, "text/html") || !strings.Contains(err.Error(), "502 Bad Gateway") {
			t.Fatalf("error does not show the page: %+v", e)
		}
		// A 200 with HTML (a captive portal) is not taken for an answer either.
		g.InjectFault(routeSession, flinktest.Fault{Body: proxyPage, Status: 200, Times: 1})
		_, err = s.Properties(testCtx(t))
		if !errors.As(err, &e) || !errors.Is(err, sqlgateway.ErrNotJSON) || e.Status != 200 {
			t.Fatalf("HTML with 200: %v", err)
		}
		if _, err := s.Properties(testCtx(t)); err != nil {
			t.Fatalf("after the fault: %v", err)
		}
	})
}

func TestServerErrorIsNotRetriedForExecute(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		g.InjectFault(routeStatements, flinktest.Fault{Status: 503, Times: 1})
		_, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{})
		var e *sqlgateway.Error
		if !errors.As(err, &e) || e.Status != 503 || !strings.Contains(e.RootCause(), "injected fault") {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{}); err != nil {
			t.Fatalf("next Execute: %v", err)
		}
		// A dropped connection on Execute surfaces too (never retried: it could run twice).
		g.InjectFault(routeStatements, flinktest.Fault{Drop: true, Times: 1})
		if _, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{}); err == nil {
			t.Fatal("Execute over a dropped connection succeeded")
		}
	})
}

func TestIdempotentCallsAreRetried(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		g.InjectFault(routeSession, flinktest.Fault{Status: 503, Times: 1})
		g.InjectFault(routeSession, flinktest.Fault{Drop: true, Times: 1})
		if _, err := s.Properties(testCtx(t)); err != nil {
			t.Fatalf("Properties after a 503 and a dropped connection: %v", err)
		}
		g.InjectFault(routeHeartbeat, flinktest.Fault{Status: 502, Times: 1})
		if err := s.Heartbeat(testCtx(t)); err != nil {
			t.Fatalf("Heartbeat after a 502: %v", err)
		}
		// A 500 is Flink's answer to a failed call, not a glitch: not retried.
		g.InjectFault(routeSession, flinktest.Fault{Status: 500, Times: 1})
		if _, err := s.Properties(testCtx(t)); err == nil {
			t.Fatal("a 500 was retried into success")
		}
		// Retries give up after the configured count (2 here).
		g.InjectFault(routeSession, flinktest.Fault{Status: 503, Times: 3})
		if _, err := s.Properties(testCtx(t)); err == nil {
			t.Fatal("3 failures with 2 retries succeeded")
		}
	})
}

func TestContextCancelledMidFetch(t *testing.T) {
	forEachVersion(t, flinktest.SQLGatewayConfig{NotReadyPolls: 1 << 30}, func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client) {
		s := openSession(t, c)
		op, err := s.Execute(testCtx(t), "SELECT 1", sqlgateway.ExecuteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		opts := fastPoll
		pages := 0
		opts.OnPage = func(sqlgateway.Progress) {
			if pages++; pages == 3 {
				cancel()
			}
		}
		res := op.Results(ctx, opts)
		if res.Next() {
			t.Fatal("got a row from a never-ready operation")
		}
		if !errors.Is(res.Err(), context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", res.Err())
		}

		// A slow answer outlives the caller's deadline.
		g.InjectFault(routeFetch, flinktest.Fault{Delay: 5 * time.Second, Times: 1})
		dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer dcancel()
		start := time.Now()
		_, err = op.FetchResults(dctx, 0, "")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("err = %v after %v, want DeadlineExceeded soon", err, time.Since(start))
		}
	})
}

func TestDefaultTimeoutWhenContextHasNone(t *testing.T) {
	g := newFake(t, flinktest.SQLGatewayConfig{})
	c, _ := sqlgateway.New(g.URL(), sqlgateway.WithTimeout(50*time.Millisecond), sqlgateway.WithRetry(0, time.Millisecond))
	g.InjectFault(routeAPIVersions, flinktest.Fault{Delay: 5 * time.Second, Times: 1})
	start := time.Now()
	_, err := c.APIVersion(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	// A failed negotiation is not remembered.
	if v, err := c.APIVersion(context.Background()); err != nil || v != sqlgateway.V4 {
		t.Fatalf("second negotiation: %v, %v", v, err)
	}
}

// headerRecorder records the headers the client sends.
type headerRecorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.headers = append(h.headers, r.Header.Clone())
	h.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestCredentialsAreSentButNeverPrinted(t *testing.T) {
	const token, password = "tok-SECRET-1", "pw-SECRET-2"
	g := newFake(t, flinktest.SQLGatewayConfig{})
	rec := &headerRecorder{}
	for _, tc := range []struct {
		name, url string
		opts      []sqlgateway.Option
		wantAuth  string
	}{
		{"bearer", g.URL(), []sqlgateway.Option{sqlgateway.WithBearerToken(token), sqlgateway.WithHeader("X-Api-Key", token)}, "Bearer " + token},
		{"url-userinfo", strings.Replace(g.URL(), "http://", "http://admin:"+password+"@", 1), nil, "Basic YWRtaW46cHctU0VDUkVULTI="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append(tc.opts, sqlgateway.WithHTTPClient(&http.Client{Transport: rec}), sqlgateway.WithUserAgent("rtdw-test/9"), sqlgateway.WithRetry(0, time.Millisecond))
			c, err := sqlgateway.New(tc.url, opts...)
			if err != nil {
				t.Fatal(err)
			}
			g.InjectFault(routeAPIVersions, flinktest.Fault{Status: 500, Times: 1})
			_, err1 := c.GetInfo(testCtx(t))
			g.InjectFault(routeAPIVersions, flinktest.Fault{Body: proxyPage, Times: 1})
			_, err2 := c.GetInfo(testCtx(t))
			// Times 2: net/http itself resends a GET once when a reused connection drops.
			g.InjectFault(routeAPIVersions, flinktest.Fault{Drop: true, Times: 2})
			_, err3 := c.GetInfo(testCtx(t))
			if err1 == nil || err2 == nil || err3 == nil {
				t.Fatalf("faults did not fail: %v %v %v", err1, err2, err3)
			}
			for _, v := range []any{c, struct{ C *sqlgateway.Client }{c}, err1, err2, err3} {
				for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
					if out := fmt.Sprintf(f, v); strings.Contains(out, token) || strings.Contains(out, password) || strings.Contains(out, "YWRtaW46") {
						t.Fatalf("%s of %T leaks a credential: %s", f, v, out)
					}
				}
			}
			if strings.Contains(c.BaseURL(), password) {
				t.Fatalf("BaseURL %q keeps the password", c.BaseURL())
			}
			rec.mu.Lock()
			last := rec.headers[len(rec.headers)-1]
			rec.mu.Unlock()
			if last.Get("Authorization") != tc.wantAuth || last.Get("User-Agent") != "rtdw-test/9" {
				t.Fatalf("sent headers %v", last)
			}
		})
	}
}

func TestNewReportsEveryBadSetting(t *testing.T) {
	_, err := sqlgateway.New("ftp://host", sqlgateway.WithTimeout(-time.Second), sqlgateway.WithAPIVersion(7), sqlgateway.WithHTTPClient(nil), sqlgateway.WithRetry(-1, 0))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"baseURL", "ftp", "WithTimeout = -1s", "WithAPIVersion = 7", "WithHTTPClient: got nil", "WithRetry(maxRetries) = -1", "6 problems"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := sqlgateway.New("http://localhost:8083/"); err != nil {
		t.Fatalf("good URL: %v", err)
	}
}

func TestParseAPIVersion(t *testing.T) {
	for in, want := range map[string]sqlgateway.APIVersion{"V1": 1, "v3": 3, "4": 4, " V2 ": 2} {
		if got, err := sqlgateway.ParseAPIVersion(in); err != nil || got != want {
			t.Errorf("ParseAPIVersion(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "V", "vx", "V0", "-1"} {
		if _, err := sqlgateway.ParseAPIVersion(in); err == nil {
			t.Errorf("ParseAPIVersion(%q) succeeded", in)
		}
	}
}

func TestKeepAliveOutlivesTheIdleTimeout(t *testing.T) {
	t.Parallel() // it sleeps for seconds
	// Generous margins: the machine may be busy, and heartbeats must arrive well within the timeout.
	g := newFake(t, flinktest.SQLGatewayConfig{SessionIdleTimeout: 2 * time.Second})
	c, _ := sqlgateway.New(g.URL())
	s := openSession(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.KeepAlive(ctx, 20*time.Millisecond) }()
	time.Sleep(3 * time.Second) // longer than the idle timeout: only the heartbeats keep it
	if _, err := s.Properties(testCtx(t)); err != nil {
		t.Fatalf("session expired despite heartbeats: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("KeepAlive returned %v", err)
	}
	// Without heartbeats the session expires, and KeepAlive says so.
	time.Sleep(3 * time.Second)
	err := s.KeepAlive(testCtx(t), time.Millisecond)
	if !errors.Is(err, sqlgateway.ErrSessionNotFound) {
		t.Fatalf("KeepAlive on an expired session: %v", err)
	}
}
