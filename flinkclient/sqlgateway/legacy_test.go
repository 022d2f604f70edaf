package sqlgateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// Flink 1.16 spoke only V1 and wrote result pages without rowFormat,
// isQueryResult, resultKind or jobID, and wrote "comment": null. No spec of
// 1.16 is vendored, so this page is checked by hand: the client must read it.
const legacyV1Page = `{
  "results": {
    "columns": [
      {"name": "id", "logicalType": {"type": "INTEGER", "nullable": false}, "comment": null},
      {"name": "name", "logicalType": {"type": "CHAR", "nullable": false, "length": 1}, "comment": null}
    ],
    "data": [{"kind": "INSERT", "fields": [1, "a"]}, {"kind": "DELETE", "fields": [2, "b"]}]
  },
  "resultType": "PAYLOAD",
  "nextResultUri": "/v1/sessions/S/operations/O/result/1"
}`

func TestReadsLegacyV1Pages(t *testing.T) {
	var gotQuery, gotPath []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = append(gotQuery, r.URL.RawQuery)
		gotPath = append(gotPath, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/result/0"):
			_, _ = w.Write([]byte(legacyV1Page))
		case strings.HasSuffix(r.URL.Path, "/result/1"):
			_, _ = w.Write([]byte(`{"results":{"columns":[],"data":[]},"resultType":"EOS","nextResultUri":null}`))
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"errors":["Not found: ` + r.URL.Path + `"]}`))
		}
	}))
	defer srv.Close()
	c, _ := sqlgateway.New(srv.URL+"/proxy/prefix/", sqlgateway.WithAPIVersion(sqlgateway.V1))
	res := c.AttachSession("S", sqlgateway.V1).AttachOperation("O").Results(testCtx(t), fastPoll)
	var kinds []sqlgateway.RowKind
	var vals []any
	for res.Next() {
		kinds = append(kinds, res.Row().Kind)
		vals = append(vals, res.Row().Values...)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(vals)
	if string(b) != `[1,"a",2,"b"]` || kinds[1] != sqlgateway.Delete || res.Columns()[1].Type.String() != "CHAR(1) NOT NULL" || res.Columns()[0].Comment != "" {
		t.Fatalf("values %s kinds %v columns %v", b, kinds, res.Columns())
	}
	// The proxy prefix of the base URL is kept when following nextResultUri.
	if len(gotPath) != 2 || gotPath[1] != "/proxy/prefix/v1/sessions/S/operations/O/result/1" {
		t.Fatalf("paths %v", gotPath)
	}
	for _, q := range gotQuery {
		if q != "" {
			t.Fatalf("V1 fetch sent a query %q", q)
		}
	}
}
