package sqlgateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

const (
	benchRows     = 100_000
	benchPageSize = 1000
	benchQuery    = "SELECT id, name, amount, ts, flag FROM orders"
)

// benchResult is 100k rows of five typical columns.
func benchResult() flinktest.SQLResult {
	r := flinktest.SQLResult{Query: true, Columns: []sqlgateway.Column{
		{Name: "id", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeBigint}},
		{Name: "name", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: 64, Nullable: true}},
		{Name: "amount", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeDecimal, Precision: 12, Scale: 2, Nullable: true}},
		{Name: "ts", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeTimestamp, Precision: 3, Nullable: true}},
		{Name: "flag", Type: sqlgateway.LogicalType{Root: sqlgateway.TypeBoolean, Nullable: true}},
	}}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Rows = make([]sqlgateway.Row, benchRows)
	for i := range r.Rows {
		r.Rows[i] = sqlgateway.Row{Kind: sqlgateway.Insert, Values: []any{
			int64(i), fmt.Sprintf("customer-%06d", i), json.Number(fmt.Sprintf("%d.%02d", i%10000, i%100)),
			base.Add(time.Duration(i) * time.Second), i%2 == 0,
		}}
	}
	return r
}

// readAll reads every row of statement through the client.
func readAll(b *testing.B, c *sqlgateway.Client, statement string) int {
	ctx := context.Background()
	s, err := c.OpenSession(ctx, sqlgateway.SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	op, err := s.Execute(ctx, statement, sqlgateway.ExecuteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res := op.Results(ctx, sqlgateway.ResultsOptions{PollInterval: time.Millisecond})
	n := 0
	for res.Next() {
		n++
	}
	if err := res.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// recordPages fetches the raw JSON pages of the benchmark query from the
// fake, exactly as it serves them.
func recordPages(b *testing.B, g *flinktest.SQLGateway) (session, operation string, pages [][]byte) {
	c, _ := sqlgateway.New(g.URL(), sqlgateway.WithAPIVersion(sqlgateway.V2))
	ctx := context.Background()
	s, err := c.OpenSession(ctx, sqlgateway.SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	op, err := s.Execute(ctx, benchQuery, sqlgateway.ExecuteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	next := fmt.Sprintf("/v2/sessions/%s/operations/%s/result/0?rowFormat=JSON", s.Handle(), op.Handle())
	for next != "" {
		resp, err := http.Get(g.URL() + next)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var p struct {
			NextResultURI string `json:"nextResultUri"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatal(err)
		}
		pages = append(pages, body)
		next = p.NextResultURI
	}
	return s.Handle(), op.Handle(), pages
}

// plainPage is what a caller without this package would decode a page into
// with encoding/json.
type plainPage struct {
	ResultType    string `json:"resultType"`
	IsQueryResult bool   `json:"isQueryResult"`
	ResultKind    string `json:"resultKind"`
	Results       struct {
		Columns []struct {
			Name        string         `json:"name"`
			LogicalType map[string]any `json:"logicalType"`
		} `json:"columns"`
		Data []struct {
			Kind   string `json:"kind"`
			Fields []any  `json:"fields"`
		} `json:"data"`
	} `json:"results"`
	NextResultURI string `json:"nextResultUri"`
}

func rowsPerSecond(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFetch100kRows pages through 100,000 rows (100 pages of 1000).
//
//   - client/fake: this client against the spec-checking fake (the fake's
//     encoding and kin-openapi checks of every page included);
//   - client/replay: this client against a server replaying the fake's
//     recorded pages, so the client's own cost shows;
//   - baseline/net-http+encoding-json: the same replayed pages fetched with
//     plain net/http and decoded with encoding/json into generic values;
//   - baseline/encoding-json: the same pages decoded from memory only.
func BenchmarkFetch100kRows(b *testing.B) {
	g, err := flinktest.NewSQLGateway(flinktest.SQLGatewayConfig{FlinkVersion: "2.3", PageSize: benchPageSize, NotReadyPolls: -1, Reporter: b})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	g.RegisterResult(benchQuery, benchResult())
	sh, oh, pages := recordPages(b, g)
	var total int
	for _, p := range pages {
		total += len(p)
	}
	b.Logf("%d pages, %.1f MiB of JSON", len(pages), float64(total)/(1<<20))

	// The replay server answers the recorded pages for the recorded handles,
	// and the calls around them (session, statement) with canned answers.
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/sessions"):
			fmt.Fprintf(w, `{"sessionHandle":%q}`, sh)
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/statements"):
			fmt.Fprintf(w, `{"operationHandle":%q}`, oh)
		case r.Method == "DELETE":
			_, _ = w.Write([]byte(`{"status":"CLOSED"}`))
		case strings.Contains(r.URL.Path, "/result/"):
			var tok int
			_, _ = fmt.Sscanf(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], "%d", &tok)
			_, _ = w.Write(pages[tok])
		default:
			w.WriteHeader(404)
		}
	}))
	defer replay.Close()

	b.Run("client/fake", func(b *testing.B) {
		c, _ := sqlgateway.New(g.URL(), sqlgateway.WithAPIVersion(sqlgateway.V4))
		b.ReportAllocs()
		for b.Loop() {
			if n := readAll(b, c, benchQuery); n != benchRows {
				b.Fatalf("%d rows", n)
			}
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("client/replay", func(b *testing.B) {
		c, _ := sqlgateway.New(replay.URL, sqlgateway.WithAPIVersion(sqlgateway.V2))
		b.ReportAllocs()
		for b.Loop() {
			if n := readAll(b, c, benchQuery); n != benchRows {
				b.Fatalf("%d rows", n)
			}
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("baseline/net-http+encoding-json", func(b *testing.B) {
		hc := &http.Client{}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			next := fmt.Sprintf("/v2/sessions/%s/operations/%s/result/0?rowFormat=JSON", sh, oh)
			for next != "" {
				resp, err := hc.Get(replay.URL + next)
				if err != nil {
					b.Fatal(err)
				}
				var p plainPage
				err = json.NewDecoder(resp.Body).Decode(&p)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				n += len(p.Results.Data)
				next = p.NextResultURI
			}
			if n != benchRows {
				b.Fatalf("%d rows", n)
			}
		}
		rowsPerSecond(b, benchRows)
	})
	b.Run("baseline/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, raw := range pages {
				var p plainPage
				if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&p); err != nil {
					b.Fatal(err)
				}
				n += len(p.Results.Data)
			}
			if n != benchRows {
				b.Fatalf("%d rows", n)
			}
		}
		rowsPerSecond(b, benchRows)
	})
}
