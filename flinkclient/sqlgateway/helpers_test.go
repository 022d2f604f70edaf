package sqlgateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// flinkVersions are the Flink versions whose SQL Gateway the client claims.
var flinkVersions = []string{"1.18", "1.20", "2.0", "2.3"}

// newFake starts a fake gateway that fails t on any spec violation.
func newFake(t testing.TB, c flinktest.SQLGatewayConfig) *flinktest.SQLGateway {
	t.Helper()
	return flinktest.NewTestSQLGateway(t, c)
}

// forEachVersion runs fn once per (Flink version, REST API version) pair the
// client claims, each against its own fake and a client pinned to that API
// version.
func forEachVersion(t *testing.T, cfg flinktest.SQLGatewayConfig, fn func(t *testing.T, g *flinktest.SQLGateway, c *sqlgateway.Client)) {
	t.Helper()
	for _, fv := range flinkVersions {
		probe := newFake(t, flinktest.SQLGatewayConfig{FlinkVersion: fv})
		for _, av := range probe.APIVersions() {
			t.Run(fv+"/"+sqlgateway.APIVersion(av).String(), func(t *testing.T) {
				t.Parallel()
				c := cfg
				c.FlinkVersion = fv
				g := newFake(t, c)
				client, err := sqlgateway.New(g.URL(), sqlgateway.WithAPIVersion(sqlgateway.APIVersion(av)), sqlgateway.WithRetry(2, time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				fn(t, g, client)
			})
		}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func openSession(t *testing.T, c *sqlgateway.Client) *sqlgateway.Session {
	t.Helper()
	s, err := c.OpenSession(testCtx(t), sqlgateway.SessionOptions{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

var fastPoll = sqlgateway.ResultsOptions{PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond}

// query executes statement and reads all rows.
func query(t *testing.T, s *sqlgateway.Session, statement string, opts sqlgateway.ResultsOptions) (*sqlgateway.Results, []sqlgateway.Row) {
	t.Helper()
	ctx := testCtx(t)
	op, err := s.Execute(ctx, statement, sqlgateway.ExecuteOptions{})
	if err != nil {
		t.Fatalf("Execute(%q): %v", statement, err)
	}
	res := op.Results(ctx, opts)
	var rows []sqlgateway.Row
	for res.Next() {
		rows = append(rows, res.Row())
	}
	if err := res.Err(); err != nil {
		t.Fatalf("results of %q: %v", statement, err)
	}
	return res, rows
}
