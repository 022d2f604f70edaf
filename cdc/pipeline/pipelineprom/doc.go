// Package pipelineprom exposes a [pipeline.Pipeline]'s progress and flushes
// as Prometheus metrics (rtdw_pipeline_*). It is a package of its own so
// that importing cdc/pipeline does not import the Prometheus client. A
// program that serves metrics registers a [Collector] per pipeline, and
// gives the pipeline a [FlushMetrics] hook for the flush histograms:
//
//	flushes := pipelineprom.NewFlushMetrics()
//	p, err := pipeline.New("gmall").From(src).To(sink).Hooks(flushes).Build()
//	reg.MustRegister(pipelineprom.NewCollector(p), flushes)
//
// The collector reads [pipeline.Pipeline.Progress] at each scrape (never
// waiting for a sink): rows per source table and operation, events in and
// out, the lag. The hook observes each sink flush: how long it took and
// the commit-to-durable lag of the changes it made durable.
package pipelineprom
