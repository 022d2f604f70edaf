package mysqlprom_test

import (
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/mysql/mysqlprom"
)

// A source's progress as Prometheus metrics, registered beside the
// process's other collectors (serve them with promhttp.HandlerFor). Before
// Run, the source is starting and every count is zero.
func ExampleNewSourceCollector() {
	src, err := mysql.NewSource().
		Name("gmall_users").
		Hostname("127.0.0.1").Port(3306).Username("cdc").
		DatabaseList("gmall_config").TableList(`gmall_config\.t_user`).
		Build() // no I/O: nothing runs yet
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(mysqlprom.NewSourceCollector(src))

	families, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range families {
		fmt.Println(f.GetName(), f.GetType())
	}

	// The phase metric says what the source does.
	phase := `
# HELP rtdw_cdc_source_phase 1 for the phase the CDC source is in (starting, snapshot, binlog, stopped), 0 for the others.
# TYPE rtdw_cdc_source_phase gauge
rtdw_cdc_source_phase{phase="binlog",source="gmall_users"} 0
rtdw_cdc_source_phase{phase="snapshot",source="gmall_users"} 0
rtdw_cdc_source_phase{phase="starting",source="gmall_users"} 1
rtdw_cdc_source_phase{phase="stopped",source="gmall_users"} 0
`
	fmt.Println(testutil.GatherAndCompare(reg, strings.NewReader(phase), "rtdw_cdc_source_phase") == nil)
	// Output:
	// rtdw_cdc_source_binlog_events_total COUNTER
	// rtdw_cdc_source_binlog_lag_seconds GAUGE
	// rtdw_cdc_source_binlog_reconnects_total COUNTER
	// rtdw_cdc_source_binlog_retention_left_seconds GAUGE
	// rtdw_cdc_source_phase GAUGE
	// rtdw_cdc_source_snapshot_chunks GAUGE
	// rtdw_cdc_source_snapshot_chunks_done GAUGE
	// rtdw_cdc_source_snapshot_rows_estimate GAUGE
	// rtdw_cdc_source_snapshot_rows_total COUNTER
	// rtdw_cdc_source_snapshot_tables GAUGE
	// rtdw_cdc_source_snapshot_tables_done GAUGE
	// true
}
