package cdc

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// throwawayFlavors starts a throwaway server of each flavour with a ROW
// binlog and runs fn against it, as parallel subtests.
func throwawayFlavors(t *testing.T, fn func(t *testing.T, m *throwawayServer)) {
	for _, f := range []struct {
		name  string
		start func(*testing.T) *throwawayServer
	}{
		{"mysql", func(t *testing.T) *throwawayServer { return startThrowawayMySQL(t, mysqlFullRowBinlog...) }},
		{"mariadb", func(t *testing.T) *throwawayServer { return startThrowawayMariaDB(t, fullRowBinlog...) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			fn(t, f.start(t))
		})
	}
}

// A checkpoint whose binlog file was purged (PURGE BINARY LOGS) stops Run
// with ErrBinlogPurged and says to delete the checkpoint.
func TestFaultPurgedBinlog(t *testing.T) {
	throwawayFlavors(t, func(t *testing.T, m *throwawayServer) {
		m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)")
		cfg := m.config("app", "t")
		cfg.OffsetStore = NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		cp, err := cfg.OffsetStore.Load(t.Context())
		if err != nil || cp == nil || cp.Offset.File == "" {
			t.Fatalf("stored checkpoint %+v, %v", cp, err)
		}
		m.exec("INSERT INTO app.t VALUES (2)", "FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (3)")
		last := m.lastBinlog()
		if last == cp.Offset.File {
			t.Fatalf("FLUSH BINARY LOGS did not start a new file after %s", last)
		}
		m.exec("PURGE BINARY LOGS TO '" + last + "'")
		err = runUntilError(t, cfg)
		if !errors.Is(err, ErrBinlogPurged) || !strings.Contains(err.Error(), "delete the checkpoint") ||
			!strings.Contains(err.Error(), cp.Offset.File) {
			t.Fatalf("purged %s: %v", cp.Offset.File, err)
		}
	})
}

// The server restarts while the source streams: the source reconnects at
// its last transaction boundary and goes on, losing and repeating nothing.
func TestFaultServerRestartMidStream(t *testing.T) {
	throwawayFlavors(t, func(t *testing.T, m *throwawayServer) {
		m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v INT)", "INSERT INTO app.t VALUES (1, 1)")
		cfg := m.config("app", "t")
		cfg.HeartbeatInterval = time.Second
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []Event) bool { return len(ev) == 1 })
		m.exec("INSERT INTO app.t VALUES (2, 2)")
		h.waitFor(t, "insert 2", func(ev []Event) bool { return len(ev) == 2 })
		m.restart()
		m.exec("INSERT INTO app.t VALUES (3, 3)", "UPDATE app.t SET v = 9 WHERE id = 1")
		h.waitFor(t, "changes after the restart", func(ev []Event) bool { return len(ev) >= 4 })
		// Anything repeated would arrive right after: give it the time.
		time.Sleep(500 * time.Millisecond)
		var got []string
		for _, e := range h.snapshot() {
			got = append(got, fmt.Sprintf("%s%d", e.Op, rowID(e)))
		}
		if strings.Join(got, " ") != "r1 c2 c3 u1" {
			t.Fatalf("events across the restart: %v", got)
		}
		if p := r.src.Progress(); p.Reconnects < 1 {
			t.Errorf("progress shows %d reconnects", p.Reconnects)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}
