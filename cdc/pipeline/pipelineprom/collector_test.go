package pipelineprom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/pipelineprom"
)

// oneBatch delivers one batch, flushes, and returns.
type oneBatch []cdc.Event

func (b oneBatch) Run(ctx context.Context, sink cdc.Sink) error {
	if err := sink.HandleEvents(ctx, b); err != nil {
		return err
	}
	return sink.Flush(ctx)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "orders"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}}}
	committed := time.Now().Add(-2 * time.Second).UnixMilli()
	ev := func(op cdc.Op, id int64) cdc.Event {
		e := cdc.Event{Op: op, Table: s.Table, Schema: s, Source: cdc.Source{TsMs: committed, Snapshot: cdc.SnapshotFalse}}
		if op == cdc.OpDelete {
			e.Before = cdc.Row{id}
		} else {
			e.After = cdc.Row{id}
		}
		return e
	}
	flushes := pipelineprom.NewFlushMetrics()
	p, err := pipeline.New("gmall").
		From(oneBatch{ev(cdc.OpCreate, 1), ev(cdc.OpCreate, 2), ev(cdc.OpDelete, 1)}).
		To(cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })), pipeline.SinkName("null")).
		Hooks(flushes).Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(pipelineprom.NewCollector(p), flushes)
	want := `# HELP rtdw_pipeline_events_in_total Events the pipeline's sources delivered.
# TYPE rtdw_pipeline_events_in_total counter
rtdw_pipeline_events_in_total{pipeline="gmall"} 3
# HELP rtdw_pipeline_rows_total Rows of each source table the pipeline handled, by operation (snapshot, insert, update, delete, schema_change; filtered and skipped rows were dropped).
# TYPE rtdw_pipeline_rows_total counter
rtdw_pipeline_rows_total{op="delete",pipeline="gmall",table="gmall.orders"} 1
rtdw_pipeline_rows_total{op="filtered",pipeline="gmall",table="gmall.orders"} 0
rtdw_pipeline_rows_total{op="insert",pipeline="gmall",table="gmall.orders"} 2
rtdw_pipeline_rows_total{op="schema_change",pipeline="gmall",table="gmall.orders"} 0
rtdw_pipeline_rows_total{op="skipped",pipeline="gmall",table="gmall.orders"} 0
rtdw_pipeline_rows_total{op="snapshot",pipeline="gmall",table="gmall.orders"} 0
rtdw_pipeline_rows_total{op="update",pipeline="gmall",table="gmall.orders"} 0
# HELP rtdw_pipeline_sink_flushes_total Successful flushes of the pipeline's sinks.
# TYPE rtdw_pipeline_sink_flushes_total counter
rtdw_pipeline_sink_flushes_total{pipeline="gmall"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "rtdw_pipeline_events_in_total", "rtdw_pipeline_rows_total", "rtdw_pipeline_sink_flushes_total"); err != nil {
		t.Error(err)
	}
	// The flush made changes committed 2s ago durable: its lag is about 2s.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "rtdw_pipeline_sink_flush_lag_seconds":
			h := mf.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() != 1 || h.GetSampleSum() < 1.9 || h.GetSampleSum() > 10 {
				t.Errorf("flush lag histogram: %d samples, sum %gs; want one of about 2s", h.GetSampleCount(), h.GetSampleSum())
			}
		case "rtdw_pipeline_lag_seconds":
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v < 1.9 || v > 10 {
				t.Errorf("lag = %gs, want about 2s", v)
			}
		}
	}
}
