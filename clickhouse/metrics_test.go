package clickhouse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/clickhouse/chprom"
	"github.com/rtdw/rtdw/internal/testenv"
)

func metricsSchema() *cdc.TableSchema {
	return &cdc.TableSchema{
		Table:      cdc.TableID{Database: "shop", Table: "items"},
		Columns:    []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}}, {Name: "name", Type: cdc.ColumnType{Kind: cdc.KindVarChar}}},
		PrimaryKey: []string{"id"},
	}
}

func metricsEvents(ids ...int64) []cdc.Event {
	s := metricsSchema()
	var evs []cdc.Event
	for _, id := range ids {
		evs = append(evs, cdc.Event{Op: cdc.OpCreate, Table: s.Table, Schema: s, After: cdc.Row{id, fmt.Sprint("item ", id)},
			Source: cdc.Source{File: "mysql-bin.000001", Pos: uint64(100 * id)}})
	}
	return evs
}

func expectedMetrics(rows, bytes, flushes, retries, failures uint64, buffered int) string {
	return fmt.Sprintf(`
# HELP rtdw_clickhouse_sink_bytes_written_total Estimated bytes of the rows the ClickHouse sink has written.
# TYPE rtdw_clickhouse_sink_bytes_written_total counter
rtdw_clickhouse_sink_bytes_written_total{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_failures_total Batch inserts of the ClickHouse sink that failed every attempt; their rows stay buffered.
# TYPE rtdw_clickhouse_sink_failures_total counter
rtdw_clickhouse_sink_failures_total{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_flushes_total Successful batch inserts of the ClickHouse sink, one per table per flush.
# TYPE rtdw_clickhouse_sink_flushes_total counter
rtdw_clickhouse_sink_flushes_total{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_retries_total Attempts of the ClickHouse sink beyond the first, after transient failures.
# TYPE rtdw_clickhouse_sink_retries_total counter
rtdw_clickhouse_sink_retries_total{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_rows_buffered Rows the ClickHouse sink holds that are not written yet, in flight included.
# TYPE rtdw_clickhouse_sink_rows_buffered gauge
rtdw_clickhouse_sink_rows_buffered{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_rows_fenced_total Replayed rows the ClickHouse sink dropped because their table's schema changed after them.
# TYPE rtdw_clickhouse_sink_rows_fenced_total counter
rtdw_clickhouse_sink_rows_fenced_total{pipeline="shop"} 0
# HELP rtdw_clickhouse_sink_rows_written_total Rows the ClickHouse sink has written and the server acknowledged.
# TYPE rtdw_clickhouse_sink_rows_written_total counter
rtdw_clickhouse_sink_rows_written_total{pipeline="shop"} %d
# HELP rtdw_clickhouse_sink_schema_changes_total Schema changes the ClickHouse sink has handled: applied, or taken as its policy says.
# TYPE rtdw_clickhouse_sink_schema_changes_total counter
rtdw_clickhouse_sink_schema_changes_total{pipeline="shop"} 0
# HELP rtdw_clickhouse_sink_spill_bytes Bytes in the ClickHouse sink's spill file: rows sent in INSERTs not yet acknowledged.
# TYPE rtdw_clickhouse_sink_spill_bytes gauge
rtdw_clickhouse_sink_spill_bytes{pipeline="shop"} 0
`, bytes, failures, flushes, retries, buffered, rows)
}

// TestSinkCollectorWhileClickHouseIsGone counts buffered rows, retries and
// a failed flush: the sink prepares its table, then ClickHouse becomes
// unreachable (a cut proxy) before the rows are flushed.
func TestSinkCollectorWhileClickHouseIsGone(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	proxy := clickhouse.NewTCPProxy(t, ch.Addr)
	client := newClient(t, proxy.Addr())
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: ch.Database}, FlushInterval: -1,
		Retry: clickhouse.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c := chprom.NewSinkCollector(sink, prometheus.Labels{"pipeline": "shop"})
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedMetrics(0, 0, 0, 0, 0, 0))); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sink.HandleEvents(ctx, metricsEvents(1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedMetrics(0, 0, 0, 0, 0, 2))); err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	var ie *clickhouse.InsertError
	if err := sink.Flush(ctx); !errors.As(err, &ie) {
		t.Fatalf("flush with nothing listening: %v", err)
	}
	// Three attempts: two retries, one failure, both rows still buffered.
	if err := testutil.CollectAndCompare(c, strings.NewReader(expectedMetrics(0, 0, 0, 2, 1, 2))); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c); n != 9 {
		t.Fatalf("%d metrics, want 9", n)
	}
}

// TestSinkCollectorCountsWrites registers the collector and writes to the
// real ClickHouse.
func TestSinkCollectorCountsWrites(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := context.Background()
	sink, err := clickhouse.NewSink(newClient(t, ch.Addr), clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: ch.Database}, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(chprom.NewSinkCollector(sink, prometheus.Labels{"pipeline": "shop"})); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]int64{{1, 2, 3}, {4}} {
		if err := sink.HandleEvents(ctx, metricsEvents(batch...)); err != nil {
			t.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := sink.Stats()
	if st.BytesWritten == 0 {
		t.Fatal("no bytes counted")
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expectedMetrics(4, st.BytesWritten, 2, 0, 0, 0))); err != nil {
		t.Fatal(err)
	}
}

// TestSinkLogsTablesRetriesAndFailures gives the sink a logger: preparing a
// table, an insert, retries and a failed flush each leave a record.
func TestSinkLogsTablesRetriesAndFailures(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	proxy := clickhouse.NewTCPProxy(t, ch.Addr)
	client := newClient(t, proxy.Addr())
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: ch.Database}, FlushInterval: -1,
		Retry: clickhouse.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sink.HandleEvents(ctx, metricsEvents(1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.HandleEvents(ctx, metricsEvents(3)); err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	if err := sink.Flush(ctx); err == nil {
		t.Fatal("flush with nothing listening succeeded")
	}
	logs := buf.String()
	for _, want := range []string{
		`level=INFO msg="clickhouse sink: table ready" source=shop.items table=`,
		`level=DEBUG msg="clickhouse sink: batch inserted" table=shop.items rows=2`,
		`level=WARN msg="clickhouse sink: retrying after a transient failure" attempt=1`,
		`level=ERROR msg="clickhouse sink: batch insert failed; its rows stay buffered" table=shop.items rows=1 attempts=2`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q in:\n%s", want, logs)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the sink's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
