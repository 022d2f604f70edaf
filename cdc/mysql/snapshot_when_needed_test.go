package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// purgeThrough purges the server's binlog files before the newest, until
// file is gone (a stopped source's dump thread may hold it for a moment).
func purgeThrough(t *testing.T, m *throwawayServer, file string) {
	t.Helper()
	last := m.lastBinlog()
	if last == file {
		t.Fatalf("%s is the newest binlog file; FLUSH BINARY LOGS first", file)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		m.exec("PURGE BINARY LOGS TO '" + last + "'")
		if !m.hasBinlog(file) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PURGE BINARY LOGS TO '%s' left %s in place for 20s", last, file)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// With SnapshotWhenNeeded, a checkpoint whose binlog was purged gives way
// to a new snapshot, with a warning, instead of ErrBinlogPurged; streaming
// goes on after it. The purge is found at Run's start (the checkpoint's
// file is gone) or only when the server refuses to send the binlog (a
// checkpoint holding just a GTID set whose transactions were purged). A row
// deleted in the lost binlog is in no snapshot and no delete is delivered
// for it: the caveat the package documentation gives sinks.
func TestSnapshotWhenNeeded(t *testing.T) {
	for _, found := range []string{"file", "gtid"} {
		t.Run(found, func(t *testing.T) {
			t.Parallel()
			throwawayFlavors(t, func(t *testing.T, m *throwawayServer) {
				m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1), (2)")
				cfg := m.config("app", "t")
				cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
				h := &collector{}
				r := start(t, cfg, h)
				h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 2 })
				waitPhase(t, r.src, PhaseBinlog)
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
				st, err := loadState(t, cfg.OffsetStore)
				if err != nil || st == nil || st.Offset.File == "" || st.Offset.GTIDSet == "" {
					t.Fatalf("stored checkpoint %+v, %v", st, err)
				}
				if found == "gtid" {
					// Only the GTID set: the purge shows when the server is
					// asked for the binlog after it.
					st.Offset, st.Snapshot = Offset{GTIDSet: st.Offset.GTIDSet}, nil
					saveState(t, cfg.OffsetStore, cfg.Name, st)
				}
				// Lost while the source is stopped: an insert and a delete.
				m.exec("INSERT INTO app.t VALUES (3)", "DELETE FROM app.t WHERE id = 1", "FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (4)")
				purgeThrough(t, m, m.binlogs()[0])

				logs := newLogRecorder()
				cfg.Logger = slog.New(logs)
				cfg.SnapshotWhenNeeded = true
				h = &collector{}
				r = start(t, cfg, h)
				h.waitFor(t, "the new snapshot", func(ev []cdc.Event) bool { return len(ev) == 3 })
				waitPhase(t, r.src, PhaseBinlog)
				m.exec("INSERT INTO app.t VALUES (5)")
				ev := r.waitFor(t, h, "the insert after the new snapshot", func(ev []cdc.Event) bool { return len(ev) == 4 })
				var got []string
				for _, e := range ev {
					got = append(got, fmt.Sprintf("%s%d", e.Op, rowID(e)))
				}
				slices.Sort(got[:3]) // snapshot rows arrive in chunk order
				if strings.Join(got, " ") != "r2 r3 r4 c5" {
					t.Fatalf("events after the purge: %v, want the snapshot r2 r3 r4 then c5", got)
				}
				warned := logs.find("mysql source: the binlog the checkpoint needs was purged; taking a new snapshot")
				if len(warned) != 1 || warned[0].Level != slog.LevelWarn || !strings.Contains(warned[0].Attrs["caveat"], "stay in sinks that keep rows") {
					t.Errorf("want one warning with the caveat, got %v; logs:%s", warned, logs.dump())
				}
				if len(warned) == 1 {
					t.Logf("warned: %s", warned[0].Attrs["reason"])
				}
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
				after, err := loadState(t, cfg.OffsetStore)
				if err != nil || after.Offset.File == "" || !m.hasBinlog(after.Offset.File) || after.Snapshot != nil && !after.Snapshot.Done {
					t.Fatalf("checkpoint after the new snapshot: %+v, %v", after, err)
				}
			})
		})
	}
}

// gateSink is a collector whose HandleEvents waits while the gate is
// closed, as a sink stuck on its destination does.
type gateSink struct {
	collector
	mu     sync.Mutex
	closed chan struct{} // nil: open
}

func (g *gateSink) close() {
	g.mu.Lock()
	g.closed = make(chan struct{})
	g.mu.Unlock()
}

func (g *gateSink) open() {
	g.mu.Lock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
	g.mu.Unlock()
}

func (g *gateSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	g.mu.Lock()
	wait := g.closed
	g.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.collector.HandleEvents(ctx, events)
}

// A source stuck behind its sink while the server rotates its binlog shows
// in Progress.BinlogRetentionLeft how long the server keeps the file its
// checkpoint needs (binlog_expire_logs_seconds less the time since the
// server closed the file), and warns once less than a quarter is left.
func TestBinlogRetentionLeft(t *testing.T) {
	retentionCheckNanos.Store(int64(100 * time.Millisecond))
	t.Cleanup(func() { retentionCheckNanos.Store(0) })
	const expire = 8 * time.Second
	for _, f := range []struct {
		name  string
		start func(*testing.T) *throwawayServer
	}{
		{"mysql", func(t *testing.T) *throwawayServer {
			return startThrowawayMySQL(t, append(slices.Clone(mysqlFullRowBinlog), "--binlog-expire-logs-seconds=8")...)
		}},
		{"mariadb", func(t *testing.T) *throwawayServer {
			return startThrowawayMariaDB(t, append(slices.Clone(fullRowBinlog), "--binlog-expire-logs-seconds=8")...)
		}},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			m := f.start(t)
			m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)")
			cfg := m.config("app", "t")
			logs := newLogRecorder()
			cfg.Logger = slog.New(logs)
			h := &gateSink{}
			r := start(t, cfg, h)
			h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
			waitPhase(t, r.src, PhaseBinlog)
			waitRetention := func(what string, ok func(time.Duration) bool) time.Duration {
				t.Helper()
				for deadline := time.Now().Add(30 * time.Second); ; {
					left := r.src.Progress().BinlogRetentionLeft
					if ok(left) {
						return left
					}
					if time.Now().After(deadline) {
						t.Fatalf("BinlogRetentionLeft is %s, want %s", left, what)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			// The checkpoint's file is the newest: all of the retention.
			waitRetention("the whole retention", func(d time.Duration) bool { return d == expire })

			// The sink stalls on a change; the server moves to a new file.
			h.close()
			m.exec("INSERT INTO app.t VALUES (2)")
			stuckIn := r.src.Progress().Offset.File
			closedAt := time.Now()
			m.exec("FLUSH BINARY LOGS")
			left := waitRetention("below the retention", func(d time.Duration) bool { return d > 0 && d < expire })
			if limit := expire - time.Since(closedAt) + time.Second; left > limit {
				t.Errorf("retention left %s, want at most %s (%s less the time since %s closed)", left, limit, expire, stuckIn)
			}
			waitRetention("under a quarter of the retention", func(d time.Duration) bool { return d < expire/4 })
			for deadline := time.Now().Add(5 * time.Second); len(logs.find("mysql source: the source is far behind", "binlog_file", stuckIn)) == 0; {
				if time.Now().After(deadline) {
					t.Fatalf("no warning about %s; logs:%s", stuckIn, logs.dump())
				}
				time.Sleep(20 * time.Millisecond)
			}

			// Caught up again, the checkpoint is in the newest file.
			h.open()
			h.waitFor(t, "the stalled change", func(ev []cdc.Event) bool { return len(ev) == 2 })
			waitRetention("the whole retention again", func(d time.Duration) bool { return d == expire })
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
		})
	}
}
