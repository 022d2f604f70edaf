// Package phoenixprom exposes package phoenix's sinks and DIM lookups as
// Prometheus metrics. It is a package of its own so that importing phoenix
// does not import the Prometheus client. A program that serves metrics
// registers a [SinkCollector] per sink, a [LookupCollector] per lookup, and
// a [LookupLatency] histogram fed by the lookups' OnLookup hook:
//
//	lat := phoenixprom.NewLookupLatency(prometheus.Labels{"pipeline": "dim"})
//	lookup, _ := phoenix.NewLookup(client, phoenix.LookupConfig{..., OnLookup: lat.Observe})
//	reg.MustRegister(lat, phoenixprom.NewLookupCollector(lookup, nil), phoenixprom.NewSinkCollector(sink, nil))
//
// A scrape reads the totals without waiting for a commit in progress.
package phoenixprom
