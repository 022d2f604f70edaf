package mysql

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
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
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		cp, err := loadState(t, cfg.OffsetStore)
		if err != nil || cp == nil || cp.Offset.File == "" {
			t.Fatalf("stored checkpoint %+v, %v", cp, err)
		}
		m.exec("INSERT INTO app.t VALUES (2)", "FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (3)")
		last := m.lastBinlog()
		if last == cp.Offset.File {
			t.Fatalf("FLUSH BINARY LOGS did not start a new file after %s", last)
		}
		// A server keeps a file that a replica connection still reads: the
		// stopped source's dump thread may linger for a moment under load, so
		// purge until the file is really gone.
		for deadline := time.Now().Add(20 * time.Second); ; {
			m.exec("PURGE BINARY LOGS TO '" + last + "'")
			if !m.hasBinlog(cp.Offset.File) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("PURGE BINARY LOGS TO '%s' left %s in place for 20s", last, cp.Offset.File)
			}
			time.Sleep(100 * time.Millisecond)
		}
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
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		m.exec("INSERT INTO app.t VALUES (2, 2)")
		h.waitFor(t, "insert 2", func(ev []cdc.Event) bool { return len(ev) == 2 })
		m.restart()
		m.exec("INSERT INTO app.t VALUES (3, 3)", "UPDATE app.t SET v = 9 WHERE id = 1")
		h.waitFor(t, "changes after the restart", func(ev []cdc.Event) bool { return len(ev) >= 4 })
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

// The server goes away just as the source makes its first binlog connection
// (after its SQL checks): the source retries it as it retries a lost one,
// instead of failing Run.
func TestFaultServerDownAtFirstBinlogConnect(t *testing.T) {
	m := startThrowawayMariaDB(t, fullRowBinlog...)
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)")
	cfg := m.config("app", "t")
	stopped := make(chan struct{})
	var once sync.Once
	// Progress is called synchronously as the binlog phase begins, before
	// the binlog connection is made: stop the server right there.
	cfg.Progress = func(p Progress) {
		if p.Phase == PhaseBinlog {
			once.Do(func() { m.stop(); close(stopped) })
		}
	}
	h := &collector{}
	r := start(t, cfg, h)
	select {
	case <-stopped:
	case err := <-r.done:
		t.Fatalf("Run returned %v before the binlog phase", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the source never reached the binlog phase")
	}
	m.start()
	m.DB.Close()
	m.DB = m.connect(m.Pass)
	m.exec("INSERT INTO app.t VALUES (2)")
	ev := r.waitFor(t, h, "the insert after the restart", func(ev []cdc.Event) bool { return len(ev) == 2 })
	if got := fmt.Sprintf("%s%d %s%d", ev[0].Op, rowID(ev[0]), ev[1].Op, rowID(ev[1])); got != "r1 c2" {
		t.Fatalf("events: %s", got)
	}
	if p := r.src.Progress(); p.Reconnects != 1 {
		t.Errorf("progress shows %d reconnects, want 1", p.Reconnects)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}
