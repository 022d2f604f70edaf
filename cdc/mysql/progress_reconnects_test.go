package mysql

import (
	"fmt"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// Reconnects count over the source's life: a second Run on the same source
// adds to the first's, so the counter exported from Progress (such as
// mysqlprom's rtdw_cdc_source_binlog_reconnects_total) never goes down.
func TestProgressReconnectsAcrossRuns(t *testing.T) {
	m := startThrowawayMariaDB(t, fullRowBinlog...)
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)")
	cfg := m.config("app", "t")
	cfg.HeartbeatInterval = time.Second
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		h := &collector{}
		ctx, cancel := contextWithCancel()
		r := &running{src: src, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- src.Run(ctx, h) }()
		waitPhase(t, src, PhaseBinlog)
		m.restart()
		m.exec(fmt.Sprintf("INSERT INTO app.t VALUES (%d)", run))
		r.waitFor(t, h, "the insert after the restart", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := src.Progress().Reconnects; got != run {
			t.Errorf("after run %d: %d reconnects, want %d", run, got, run)
		}
	}
}
