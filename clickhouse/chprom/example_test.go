package chprom_test

import (
	"fmt"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/clickhouse/chprom"
)

// A sink's totals as Prometheus metrics, registered beside the process's
// other collectors (serve them with promhttp.HandlerFor).
func ExampleNewSinkCollector() {
	client, _ := clickhouse.New(&chgo.Options{Addr: []string{"127.0.0.1:9000"}}) // does not connect
	defer client.Close()
	sink, _ := clickhouse.NewSink(client, clickhouse.SinkConfig{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(chprom.NewSinkCollector(sink, prometheus.Labels{"pipeline": "orders"}))

	families, _ := reg.Gather()
	for _, f := range families {
		fmt.Println(f.GetName(), f.GetType(), f.GetMetric()[0].GetLabel()[0].GetValue())
	}
	// Output:
	// rtdw_clickhouse_sink_bytes_written_total COUNTER orders
	// rtdw_clickhouse_sink_failures_total COUNTER orders
	// rtdw_clickhouse_sink_flushes_total COUNTER orders
	// rtdw_clickhouse_sink_retries_total COUNTER orders
	// rtdw_clickhouse_sink_rows_buffered GAUGE orders
	// rtdw_clickhouse_sink_rows_fenced_total COUNTER orders
	// rtdw_clickhouse_sink_rows_written_total COUNTER orders
	// rtdw_clickhouse_sink_schema_changes_total COUNTER orders
	// rtdw_clickhouse_sink_spill_bytes GAUGE orders
}
