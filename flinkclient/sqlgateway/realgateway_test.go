package sqlgateway_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

// TestRealGateway runs the client against a real Flink SQL Gateway, once per
// REST API version it serves. Opt in with
// RTDW_TEST_FLINK_SQL_GATEWAY=http://host:8083.
func TestRealGateway(t *testing.T) {
	url := os.Getenv("RTDW_TEST_FLINK_SQL_GATEWAY")
	if url == "" {
		t.Skip("set RTDW_TEST_FLINK_SQL_GATEWAY=http://host:8083 to test against a real Flink SQL Gateway")
	}
	probe, err := sqlgateway.New(url)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := probe.ServerAPIVersions(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	info, err := probe.GetInfo(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gateway %s %s serves %v", info.ProductName, info.Version, versions)
	for _, v := range versions {
		if v > sqlgateway.V4 {
			continue
		}
		t.Run(v.String(), func(t *testing.T) {
			c, err := sqlgateway.New(url, sqlgateway.WithAPIVersion(v))
			if err != nil {
				t.Fatal(err)
			}
			s := openSession(t, c)
			if err := s.Heartbeat(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			query(t, s, "SET 'execution.runtime-mode' = 'batch'", fastPoll)
			props, err := s.Properties(testCtx(t))
			if err != nil || props["execution.runtime-mode"] != "batch" {
				t.Fatalf("properties after SET: %v, %v", props, err)
			}
			res, rows := query(t, s, "SELECT 1 AS id, 'flink' AS name", fastPoll)
			if len(rows) != 1 || rows[0].Values[0] != int64(1) || rows[0].Values[1] != "flink" {
				t.Fatalf("rows %v, columns %v", rows, res.Columns())
			}
			_, rows = query(t, s, "SHOW CATALOGS", fastPoll)
			if len(rows) == 0 {
				t.Fatal("no catalogs")
			}
			op, err := s.Execute(testCtx(t), "SELECT * FROM rtdw_no_such_table", sqlgateway.ExecuteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = collect(op)
			var e *sqlgateway.Error
			if !errors.As(err, &e) || !errors.Is(err, sqlgateway.ErrStatementFailed) || !strings.Contains(e.RootCause(), "rtdw_no_such_table") {
				t.Fatalf("failing statement: %v", err)
			}
			if err := op.Close(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := op.Status(testCtx(t)); !errors.Is(err, sqlgateway.ErrOperationNotFound) {
				t.Fatalf("status of a closed operation: %v", err)
			}
			if err := s.Close(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.AttachSession(s.Handle(), v).Properties(testCtx(t)); !errors.Is(err, sqlgateway.ErrSessionNotFound) {
				t.Fatalf("closed session: %v", err)
			}
		})
	}
}
