package phoenixprom

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/phoenix"
)

// SinkCollector exposes a [phoenix.Sink]'s [phoenix.SinkStats]:
//
//	rtdw_phoenix_sink_rows_upserted_total  counter  rows of committed batches written by UPSERT
//	rtdw_phoenix_sink_rows_deleted_total   counter  rows of committed batches written by DELETE
//	rtdw_phoenix_sink_commits_total        counter  committed batches (Phoenix transactions)
//	rtdw_phoenix_sink_failures_total       counter  batches rolled back; their rows stay buffered
//	rtdw_phoenix_sink_rows_buffered        gauge    distinct rows waiting for a commit
type SinkCollector struct {
	sink                                       *phoenix.Sink
	upserted, deleted, commits, failures, rows *prometheus.Desc
}

var _ prometheus.Collector = (*SinkCollector)(nil)

// NewSinkCollector returns a collector of sink's totals; labels are added
// to every metric and may be nil.
func NewSinkCollector(sink *phoenix.Sink, labels prometheus.Labels) *SinkCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rtdw_phoenix_sink_"+name, help, nil, labels)
	}
	return &SinkCollector{
		sink:     sink,
		upserted: desc("rows_upserted_total", "Rows the Phoenix sink upserted in committed batches."),
		deleted:  desc("rows_deleted_total", "Rows the Phoenix sink deleted in committed batches."),
		commits:  desc("commits_total", "Batches the Phoenix sink committed, one Phoenix transaction each."),
		failures: desc("failures_total", "Batches the Phoenix sink rolled back after a failure; their rows stay buffered."),
		rows:     desc("rows_buffered", "Distinct rows the Phoenix sink holds that are not committed yet."),
	}
}

// Describe sends the descriptions of the five metrics.
func (c *SinkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.upserted, c.deleted, c.commits, c.failures, c.rows} {
		ch <- d
	}
}

// Collect sends the sink's current totals.
func (c *SinkCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.sink.Stats()
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(c.upserted, st.RowsUpserted)
	counter(c.deleted, st.RowsDeleted)
	counter(c.commits, st.Commits)
	counter(c.failures, st.Failures)
	ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(st.RowsBuffered))
}

// LookupCollector exposes a [phoenix.Lookup]'s [phoenix.LookupStats]:
//
//	rtdw_phoenix_lookup_hits_total           counter  Gets the cache answered
//	rtdw_phoenix_lookup_misses_total         counter  Gets that queried Phoenix
//	rtdw_phoenix_lookup_errors_total         counter  Gets that failed
//	rtdw_phoenix_lookup_invalidations_total  counter  keys dropped because their row changed
//	rtdw_phoenix_lookup_load_seconds_total   counter  time spent in the queries of misses
//	rtdw_phoenix_lookup_entries              gauge    cached keys
//
// The hit rate is hits / (hits + misses), over a window with rate().
type LookupCollector struct {
	lookup                                             *phoenix.Lookup
	hits, misses, errors, invalidations, load, entries *prometheus.Desc
}

var _ prometheus.Collector = (*LookupCollector)(nil)

// NewLookupCollector returns a collector of lookup's totals, labelled with
// its table (table="SCHEMA.TABLE") and labels, which may be nil.
func NewLookupCollector(lookup *phoenix.Lookup, labels prometheus.Labels) *LookupCollector {
	l := prometheus.Labels{"table": tableLabel(lookup.Table())}
	for k, v := range labels {
		l[k] = v
	}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rtdw_phoenix_lookup_"+name, help, nil, l)
	}
	return &LookupCollector{
		lookup:        lookup,
		hits:          desc("hits_total", "DIM lookups the cache answered."),
		misses:        desc("misses_total", "DIM lookups that queried Phoenix."),
		errors:        desc("errors_total", "DIM lookups that failed."),
		invalidations: desc("invalidations_total", "Cached DIM keys dropped because their row changed."),
		load:          desc("load_seconds_total", "Time the DIM lookups spent querying Phoenix for misses."),
		entries:       desc("entries", "DIM keys in the lookup's cache."),
	}
}

func tableLabel(t phoenix.TableRef) string {
	if t.Schema == "" {
		return t.Table
	}
	return t.Schema + "." + t.Table
}

// Describe sends the descriptions of the six metrics.
func (c *LookupCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.errors, c.invalidations, c.load, c.entries} {
		ch <- d
	}
}

// Collect sends the lookup's current totals.
func (c *LookupCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.lookup.Stats()
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	counter(c.hits, float64(st.Hits))
	counter(c.misses, float64(st.Misses))
	counter(c.errors, float64(st.Errors))
	counter(c.invalidations, float64(st.Invalidations))
	counter(c.load, st.LoadTime.Seconds())
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(st.Entries))
}

// LookupLatency is a histogram of DIM lookup latency, by whether the cache
// answered (hit="true") or Phoenix did (hit="false"):
//
//	rtdw_phoenix_lookup_duration_seconds{hit}  histogram
//
// Give its Observe to [phoenix.LookupConfig.OnLookup]; one histogram may
// serve several lookups.
type LookupLatency struct {
	h *prometheus.HistogramVec
}

var _ prometheus.Collector = (*LookupLatency)(nil)

// NewLookupLatency returns a histogram with buckets from 1µs to 1s;
// labels are added to every series and may be nil.
func NewLookupLatency(labels prometheus.Labels) *LookupLatency {
	return &LookupLatency{h: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "rtdw_phoenix_lookup_duration_seconds",
		Help:        "Latency of DIM lookups, by whether the cache answered.",
		ConstLabels: labels,
		Buckets:     prometheus.ExponentialBuckets(1e-6, 4, 11), // 1µs .. ~1s
	}, []string{"hit"})}
}

// Observe records one lookup; it has the signature of
// phoenix.LookupConfig.OnLookup.
func (l *LookupLatency) Observe(info phoenix.LookupInfo) {
	l.h.WithLabelValues(strconv.FormatBool(info.Hit)).Observe(info.Duration.Seconds())
}

// Describe describes the histogram.
func (l *LookupLatency) Describe(ch chan<- *prometheus.Desc) { l.h.Describe(ch) }

// Collect sends the histogram.
func (l *LookupLatency) Collect(ch chan<- prometheus.Metric) { l.h.Collect(ch) }
