package pipelineprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/cdc/pipeline"
)

// Collector exposes a pipeline's [pipeline.Progress], each metric labelled
// pipeline=<the pipeline's name>:
//
//	rtdw_pipeline_rows_total{table,op}    counter  rows of each source table by op: snapshot, insert, update, delete, schema_change, filtered, skipped
//	rtdw_pipeline_events_in_total         counter  events the sources delivered
//	rtdw_pipeline_events_out_total        counter  events handed to sinks (once per sink and route)
//	rtdw_pipeline_sink_flushes_total      counter  successful sink flushes
//	rtdw_pipeline_lag_seconds             gauge    how far the last binlog change handed to the sinks was behind the clock
//	rtdw_pipeline_flush_lag_seconds       gauge    the commit-to-durable lag of the latest flush with binlog changes
type Collector struct {
	progress                              func() pipeline.Progress
	rows, in, out, flushes, lag, flushLag *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of p's progress.
func NewCollector(p *pipeline.Pipeline) *Collector { return newCollector(p.Name(), p.Progress) }

func newCollector(name string, progress func() pipeline.Progress) *Collector {
	labels := prometheus.Labels{"pipeline": name}
	desc := func(n, help string, variable ...string) *prometheus.Desc {
		return prometheus.NewDesc("rtdw_pipeline_"+n, help, variable, labels)
	}
	return &Collector{
		progress: progress,
		rows:     desc("rows_total", "Rows of each source table the pipeline handled, by operation (snapshot, insert, update, delete, schema_change; filtered and skipped rows were dropped).", "table", "op"),
		in:       desc("events_in_total", "Events the pipeline's sources delivered."),
		out:      desc("events_out_total", "Events the pipeline handed to its sinks, once per sink and route."),
		flushes:  desc("sink_flushes_total", "Successful flushes of the pipeline's sinks."),
		lag:      desc("lag_seconds", "How far the last binlog change the pipeline handed to its sinks was behind the clock."),
		flushLag: desc("flush_lag_seconds", "From the commit of the oldest binlog change of the latest flush to that flush's end."),
	}
}

// Describe sends the descriptions of the metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rows, c.in, c.out, c.flushes, c.lag, c.flushLag} {
		ch <- d
	}
}

// Collect sends the pipeline's current progress.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	p := c.progress()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, t := range p.Tables {
		table := t.Table.String()
		for _, x := range []struct {
			op string
			n  int64
		}{{"snapshot", t.SnapshotRows}, {"insert", t.Inserts}, {"update", t.Updates}, {"delete", t.Deletes},
			{"schema_change", t.SchemaChanges}, {"filtered", t.Filtered}, {"skipped", t.Skipped}} {
			counter(c.rows, float64(x.n), table, x.op)
		}
	}
	counter(c.in, float64(p.EventsIn))
	counter(c.out, float64(p.EventsOut))
	counter(c.flushes, float64(p.Flushes))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, p.Lag.Seconds())
	ch <- prometheus.MustNewConstMetric(c.flushLag, prometheus.GaugeValue, p.FlushLag.Seconds())
}

// FlushMetrics is a pipeline hook ([pipeline.HookSinkFlush]) and a
// Prometheus collector of histograms labelled sink=<the sink's name>:
//
//	rtdw_pipeline_sink_flush_seconds{sink}      histogram  how long each flush took
//	rtdw_pipeline_sink_flush_lag_seconds{sink}  histogram  commit-to-durable lag of each flush with binlog changes
//	rtdw_pipeline_sink_flush_errors_total{sink} counter    flushes that failed
type FlushMetrics struct {
	duration, lag *prometheus.HistogramVec
	errors        *prometheus.CounterVec
}

var (
	_ prometheus.Collector   = (*FlushMetrics)(nil)
	_ pipeline.HookSinkFlush = (*FlushMetrics)(nil)
)

// NewFlushMetrics returns the flush histograms, empty.
func NewFlushMetrics() *FlushMetrics {
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	return &FlushMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rtdw_pipeline_sink_flush_seconds",
			Help: "How long each flush of a pipeline's sink took.", Buckets: buckets}, []string{"sink"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rtdw_pipeline_sink_flush_lag_seconds",
			Help: "From the commit of the oldest binlog change a flush made durable to the flush's end.", Buckets: buckets}, []string{"sink"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtdw_pipeline_sink_flush_errors_total",
			Help: "Flushes of a pipeline's sink that failed."}, []string{"sink"}),
	}
}

// OnSinkFlush observes one flush.
func (m *FlushMetrics) OnSinkFlush(f pipeline.SinkFlush) {
	if f.Err != nil {
		m.errors.WithLabelValues(f.Sink).Inc()
		return
	}
	m.duration.WithLabelValues(f.Sink).Observe(f.Duration.Seconds())
	if f.Lag > 0 {
		m.lag.WithLabelValues(f.Sink).Observe(f.Lag.Seconds())
	}
}

// Describe sends the descriptions of the histograms.
func (m *FlushMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.duration.Describe(ch)
	m.lag.Describe(ch)
	m.errors.Describe(ch)
}

// Collect sends the histograms.
func (m *FlushMetrics) Collect(ch chan<- prometheus.Metric) {
	m.duration.Collect(ch)
	m.lag.Collect(ch)
	m.errors.Collect(ch)
}
