package cdc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Reconnects count over the source's life: a second Run on the same source
// adds to the first's, so the counter never goes down.
func TestSourceCollectorReconnectsAcrossRuns(t *testing.T) {
	m := startThrowawayMariaDB(t, fullRowBinlog...)
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)")
	cfg := m.config("app", "t")
	cfg.HeartbeatInterval = time.Second
	src, err := NewMySQLSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := NewSourceCollector(src)
	for run := 1; run <= 2; run++ {
		h := &collector{}
		ctx, cancel := contextWithCancel()
		r := &running{src: src, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- src.Run(ctx, h) }()
		waitPhase(t, src, PhaseBinlog)
		m.restart()
		m.exec(fmt.Sprintf("INSERT INTO app.t VALUES (%d)", run))
		r.waitFor(t, h, "the insert after the restart", func(ev []Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`
# HELP rtdw_cdc_source_binlog_reconnects_total Binlog connections the CDC source re-established after a loss.
# TYPE rtdw_cdc_source_binlog_reconnects_total counter
rtdw_cdc_source_binlog_reconnects_total{source="mysql_binlog_source"} %d
`, run)
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), "rtdw_cdc_source_binlog_reconnects_total"); err != nil {
			t.Errorf("after run %d: %v", run, err)
		}
	}
}
