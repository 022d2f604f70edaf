package mysqlprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/cdc/mysql"
)

// SourceCollector exposes a [mysql.Source]'s [mysql.Progress] as Prometheus
// metrics, each labelled source=<the source's Name>:
//
//	rtdw_cdc_source_phase{phase}                 gauge    1 for the phase the source is in, 0 for the others
//	rtdw_cdc_source_snapshot_tables              gauge    tables of the current snapshot
//	rtdw_cdc_source_snapshot_tables_done         gauge    of them, tables whose every chunk was delivered
//	rtdw_cdc_source_snapshot_chunks              gauge    chunks of the current snapshot
//	rtdw_cdc_source_snapshot_chunks_done         gauge    of them, chunks delivered
//	rtdw_cdc_source_snapshot_rows_total          counter  snapshot rows delivered to the handler
//	rtdw_cdc_source_snapshot_rows_estimate       gauge    the server's estimate of the snapshot's rows
//	rtdw_cdc_source_binlog_events_total          counter  change events delivered from the binlog
//	rtdw_cdc_source_binlog_lag_seconds           gauge    how far the last binlog event delivered was behind the clock
//	rtdw_cdc_source_binlog_reconnects_total      counter  binlog connections re-established after a loss
//	rtdw_cdc_source_binlog_retention_left_seconds gauge   how long the server keeps the checkpoint's binlog file (0: not measured, or no expiry)
//
// A scrape reads the progress once, under the lock the source updates it
// with, so the values of one scrape are consistent with each other; it never
// waits for the source. The counters count over the source's life, across
// Run calls. Register one collector per source, and give sources that share
// a registry different Names (or wrap the registerer with
// [prometheus.WrapRegistererWith] to add labels of your own).
type SourceCollector struct {
	progress func() mysql.Progress

	phase, tables, tablesDone, chunks, chunksDone, rows, rowsEstimate *prometheus.Desc
	binlogEvents, lag, reconnects, retentionLeft                      *prometheus.Desc
}

var _ prometheus.Collector = (*SourceCollector)(nil)

// phases are the values of the phase metric's label, in a fixed order.
var phases = []mysql.Phase{mysql.PhaseStarting, mysql.PhaseSnapshot, mysql.PhaseBinlog, mysql.PhaseStopped}

// NewSourceCollector returns a collector of src's progress, labelled with
// src's Name.
func NewSourceCollector(src *mysql.Source) *SourceCollector {
	return newSourceCollector(src.Config().Name, src.Progress)
}

// newSourceCollector returns a collector of the progress that progress
// returns, for the source named name.
func newSourceCollector(name string, progress func() mysql.Progress) *SourceCollector {
	labels := prometheus.Labels{"source": name}
	desc := func(name, help string, variable ...string) *prometheus.Desc {
		return prometheus.NewDesc("rtdw_cdc_source_"+name, help, variable, labels)
	}
	return &SourceCollector{
		progress:     progress,
		phase:        desc("phase", "1 for the phase the CDC source is in (starting, snapshot, binlog, stopped), 0 for the others.", "phase"),
		tables:       desc("snapshot_tables", "Tables of the CDC source's current snapshot."),
		tablesDone:   desc("snapshot_tables_done", "Tables of the current snapshot whose every chunk was delivered."),
		chunks:       desc("snapshot_chunks", "Chunks of the CDC source's current snapshot."),
		chunksDone:   desc("snapshot_chunks_done", "Chunks of the current snapshot delivered to the handler."),
		rows:         desc("snapshot_rows_total", "Snapshot rows the CDC source delivered to its handler."),
		rowsEstimate: desc("snapshot_rows_estimate", "The server's estimate of the rows of the CDC source's snapshot."),
		binlogEvents: desc("binlog_events_total", "Change events the CDC source delivered from the binlog."),
		lag:          desc("binlog_lag_seconds", "How far the last binlog event the CDC source delivered was behind the clock."),
		reconnects:   desc("binlog_reconnects_total", "Binlog connections the CDC source re-established after a loss."),
		retentionLeft: desc("binlog_retention_left_seconds",
			"How long the server keeps the binlog file the CDC source's checkpoint needs before it may purge it (0: not measured, or the server purges no binlog by age)."),
	}
}

// Describe sends the descriptions of the metrics.
func (c *SourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.phase, c.tables, c.tablesDone, c.chunks, c.chunksDone, c.rows,
		c.rowsEstimate, c.binlogEvents, c.lag, c.reconnects, c.retentionLeft} {
		ch <- d
	}
}

// Collect sends the source's current progress.
func (c *SourceCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.progress()
	gauge := func(d *prometheus.Desc, v float64, label ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, label...)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	for _, ph := range phases {
		v := 0.0
		if p.Phase == ph {
			v = 1
		}
		gauge(c.phase, v, string(ph))
	}
	gauge(c.tables, float64(p.TablesTotal))
	gauge(c.tablesDone, float64(p.TablesDone))
	gauge(c.chunks, float64(p.ChunksTotal))
	gauge(c.chunksDone, float64(p.ChunksDone))
	counter(c.rows, float64(p.SnapshotRows))
	gauge(c.rowsEstimate, float64(p.RowsEstimate))
	counter(c.binlogEvents, float64(p.BinlogEvents))
	gauge(c.lag, float64(p.LagMs)/1000)
	counter(c.reconnects, float64(p.Reconnects))
	gauge(c.retentionLeft, p.BinlogRetentionLeft.Seconds())
}
