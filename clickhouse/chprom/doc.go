// Package chprom exposes a [clickhouse.Sink]'s running totals as Prometheus
// metrics. It is a package of its own so that importing clickhouse does not
// import the Prometheus client; a program that serves metrics registers one
// [SinkCollector] per sink:
//
//	reg.MustRegister(chprom.NewSinkCollector(sink, prometheus.Labels{"pipeline": "orders"}))
//
// A scrape reads the totals without waiting for a flush in progress.
package chprom
