package chprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/clickhouse"
)

// SinkCollector exposes a [clickhouse.Sink]'s [clickhouse.Stats] as Prometheus metrics:
//
//	rtdw_clickhouse_sink_rows_written_total    counter  rows acknowledged by ClickHouse
//	rtdw_clickhouse_sink_bytes_written_total   counter  their size as the sink estimates it
//	rtdw_clickhouse_sink_flushes_total         counter  successful batch inserts (one per table per flush)
//	rtdw_clickhouse_sink_retries_total         counter  insert attempts beyond the first
//	rtdw_clickhouse_sink_failures_total        counter  batch inserts that failed every attempt
//	rtdw_clickhouse_sink_rows_buffered         gauge    rows waiting to be written, in flight included
//	rtdw_clickhouse_sink_spill_bytes           gauge    bytes in the spill file: rows sent, awaiting acknowledgement
//	rtdw_clickhouse_sink_schema_changes_total  counter  schema changes handled (applied, or taken as the policy says)
//	rtdw_clickhouse_sink_rows_fenced_total     counter  replayed rows dropped: their table changed after them
//
// A scrape reads the totals without waiting for a flush in progress.
// Register one collector per sink; give each its own constant labels (such
// as pipeline="orders") when a process runs several.
type SinkCollector struct {
	sink                                              *clickhouse.Sink
	rows, bytes, flushes, retries, failures, buffered *prometheus.Desc
	spill                                             *prometheus.Desc
	schemaChanges, fenced                             *prometheus.Desc
}

var _ prometheus.Collector = (*SinkCollector)(nil)

// NewSinkCollector returns a collector of sink's totals; labels are added
// to every metric and may be nil.
func NewSinkCollector(sink *clickhouse.Sink, labels prometheus.Labels) *SinkCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rtdw_clickhouse_sink_"+name, help, nil, labels)
	}
	return &SinkCollector{
		sink:          sink,
		rows:          desc("rows_written_total", "Rows the ClickHouse sink has written and the server acknowledged."),
		bytes:         desc("bytes_written_total", "Estimated bytes of the rows the ClickHouse sink has written."),
		flushes:       desc("flushes_total", "Successful batch inserts of the ClickHouse sink, one per table per flush."),
		retries:       desc("retries_total", "Attempts of the ClickHouse sink beyond the first, after transient failures."),
		failures:      desc("failures_total", "Batch inserts of the ClickHouse sink that failed every attempt; their rows stay buffered."),
		buffered:      desc("rows_buffered", "Rows the ClickHouse sink holds that are not written yet, in flight included."),
		spill:         desc("spill_bytes", "Bytes in the ClickHouse sink's spill file: rows sent in INSERTs not yet acknowledged."),
		schemaChanges: desc("schema_changes_total", "Schema changes the ClickHouse sink has handled: applied, or taken as its policy says."),
		fenced:        desc("rows_fenced_total", "Replayed rows the ClickHouse sink dropped because their table's schema changed after them."),
	}
}

// Describe sends the descriptions of the nine metrics.
func (c *SinkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rows, c.bytes, c.flushes, c.retries, c.failures, c.buffered, c.spill, c.schemaChanges, c.fenced} {
		ch <- d
	}
}

// Collect sends the sink's current totals.
func (c *SinkCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.sink.Stats()
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(c.rows, st.RowsWritten)
	counter(c.bytes, st.BytesWritten)
	counter(c.flushes, st.Flushes)
	counter(c.retries, st.Retries)
	counter(c.failures, st.Failures)
	counter(c.schemaChanges, st.SchemaChanges)
	counter(c.fenced, st.RowsFenced)
	ch <- prometheus.MustNewConstMetric(c.buffered, prometheus.GaugeValue, float64(st.RowsBuffered))
	ch <- prometheus.MustNewConstMetric(c.spill, prometheus.GaugeValue, float64(st.SpillBytes))
}
