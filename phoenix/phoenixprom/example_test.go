package phoenixprom_test

import (
	"fmt"
	"log"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/phoenixprom"
)

// A sink's and a lookup's totals, and the lookup latency, as Prometheus
// metrics (serve them with promhttp.HandlerFor).
func Example() {
	client, err := phoenix.Open(phoenix.DefaultConfig("http://pqs:8765")) // does not connect
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ct, _ := cdc.ParseColumnType("bigint", "")
	schema := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "base_province"},
		Columns: []cdc.Column{{Name: "id", Type: ct}}, PrimaryKey: []string{"id"}}
	latency := phoenixprom.NewLookupLatency(nil)
	lookup, err := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: schema, OnLookup: latency.Observe})
	if err != nil {
		log.Fatal(err)
	}
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{Lookups: []*phoenix.Lookup{lookup}})
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(phoenixprom.NewSinkCollector(sink, prometheus.Labels{"pipeline": "dim"}),
		phoenixprom.NewLookupCollector(lookup, nil), latency)
	latency.Observe(phoenix.LookupInfo{Hit: true, Duration: 400 * time.Nanosecond})
	families, _ := reg.Gather()
	for _, f := range families {
		fmt.Println(f.GetName(), f.GetType())
	}
	// Output:
	// rtdw_phoenix_lookup_duration_seconds HISTOGRAM
	// rtdw_phoenix_lookup_entries GAUGE
	// rtdw_phoenix_lookup_errors_total COUNTER
	// rtdw_phoenix_lookup_hits_total COUNTER
	// rtdw_phoenix_lookup_invalidations_total COUNTER
	// rtdw_phoenix_lookup_load_seconds_total COUNTER
	// rtdw_phoenix_lookup_misses_total COUNTER
	// rtdw_phoenix_sink_commits_total COUNTER
	// rtdw_phoenix_sink_failures_total COUNTER
	// rtdw_phoenix_sink_rows_buffered GAUGE
	// rtdw_phoenix_sink_rows_deleted_total COUNTER
	// rtdw_phoenix_sink_rows_upserted_total COUNTER
}
