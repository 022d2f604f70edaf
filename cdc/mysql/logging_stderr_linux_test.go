//go:build linux

package mysql

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// captureStderr points file descriptor 2 (os.Stderr, and so the log
// package's and slog's default output and go-sql-driver's default logger)
// at a pipe, until the function it returns restores it and returns what was
// written. The test cleans up with it too.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&buf, r); close(copied) }()
	var once sync.Once
	restore := func() string {
		once.Do(func() {
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
			_ = w.Close()
			<-copied
			_ = r.Close()
		})
		return buf.String()
	}
	t.Cleanup(func() { restore() })
	return restore
}

// Nothing of a source reaches stderr: its own records and those of
// go-mysql, from every syncer it makes (the binlog reader, each chunk's
// backfill, the search of Timestamp startup), go to the source's Logger,
// marked component=go-mysql and syncer=..., and come from go-mysql's own
// code; the lost connection of a server restart is logged at Warn; the
// password is in no record.
func TestLogsReachTheLoggerNotStderr(t *testing.T) {
	// The test's own root connections log through go-sql-driver's default
	// logger: keep them off stderr, so what is there is the source's.
	if err := sqldriver.SetLogger(log.New(io.Discard, "", 0)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqldriver.SetLogger(log.New(os.Stderr, "[mysql] ", log.Ldate|log.Ltime)) })
	stderr := captureStderr(t)
	t.Cleanup(func() {
		if out := stderr(); out != "" {
			t.Errorf("written to stderr while sources ran:\n%s", out)
		}
	})
	throwawayFlavors(t, func(t *testing.T, m *throwawayServer) {
		var rows []string
		for i := 1; i <= 40; i++ {
			rows = append(rows, fmt.Sprintf("(%d, %d)", i, i))
		}
		m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v INT)",
			"CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY)", "INSERT INTO app.t VALUES "+strings.Join(rows, ", "))
		logs := newLogRecorder()
		cfg := m.config("app", "t")
		cfg.SplitSize, cfg.HeartbeatInterval, cfg.Logger = 10, time.Second, slog.New(logs)

		// Writes elsewhere move the binlog on during the snapshot, so that
		// every chunk reads its binlog window with a backfill syncer.
		stopWrites, wrote := make(chan struct{}), make(chan struct{})
		var writes atomic.Int64
		var writer sync.WaitGroup
		writer.Go(func() {
			for {
				if _, err := m.DB.Exec("INSERT INTO app.w VALUES ()"); err == nil && writes.Add(1) == 1 {
					close(wrote)
				}
				select {
				case <-stopWrites:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		})
		<-wrote
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "the snapshot", func(ev []cdc.Event) bool { return len(ev) == 40 })
		waitPhase(t, r.src, PhaseBinlog)
		close(stopWrites)
		writer.Wait()

		m.restart()
		m.exec("INSERT INTO app.t VALUES (41, 41)")
		r.waitFor(t, h, "the insert after the restart", func(ev []cdc.Event) bool { return len(ev) == 41 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}

		// Timestamp startup searches the binlog files by their first event.
		m.exec("FLUSH BINARY LOGS", "FLUSH BINARY LOGS")
		since := time.Now().Add(-time.Second).UnixMilli()
		m.exec("FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (42, 42)")
		cfg.StartupOptions, cfg.OffsetStore = Timestamp(since), cdc.NewMemoryOffsetStore()
		h = &collector{}
		r = start(t, cfg, h)
		r.waitFor(t, h, "the insert after the timestamp", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowID(ev[len(ev)-1]) == 42
		})
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}

		for _, syncer := range []string{"binlog", "snapshot-backfill", "binlog-search"} {
			recs := logs.find("", "component", "go-mysql", "syncer", syncer)
			if len(recs) == 0 {
				t.Errorf("no go-mysql record of the %s syncer:%s", syncer, logs.dump())
			}
			for _, rec := range recs {
				if !strings.Contains(rec.File, "go-mysql-org/go-mysql") {
					t.Errorf("record %s is not go-mysql's", rec)
				}
			}
		}
		if got := logs.find("create BinlogSyncer", "component", "go-mysql"); len(got) == 0 || got[0].Level != slog.LevelDebug {
			t.Errorf("go-mysql's Info records are not at Debug: %v", got)
		}
		for _, msg := range []string{"mysql source: starting", "mysql source: connected", "mysql source: no stored checkpoint",
			"mysql source: phase snapshot", "mysql source: snapshot starting", "mysql source: snapshot chunk delivered",
			"mysql source: snapshot done", "mysql source: streaming the binlog", "mysql source: binlog connection failed",
			"mysql source: binlog connection re-established", "mysql source: sink flushed", "mysql source: checkpoint stored",
			"mysql source: stopped"} {
			if len(logs.find(msg)) == 0 {
				t.Errorf("no record %q:%s", msg, logs.dump())
			}
		}
		if n := len(logs.find("mysql source: snapshot chunk delivered")); n < 4 {
			t.Errorf("%d chunk records for 40 rows in chunks of 10", n)
		}
		for _, rec := range logs.records() {
			if strings.Contains(rec.String(), m.Pass) {
				t.Errorf("a record shows the password: %s", rec)
			}
			if rec.Level >= slog.LevelError {
				t.Errorf("an Error record in runs that ended well: %s", rec)
			}
		}
	})
}
