package mysql

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// Whenever ctx ends, Run returns nil after saving what the handler has
// flushed, whatever it was doing: connecting, checking the server, loading
// the checkpoint or the schemas, splitting or reading the snapshot, or
// streaming. A stop before anything was delivered saves nothing, so the
// next Run starts as this one did; a later one resumes.
func TestRunStopsCleanlyInEveryPhase(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		var rows []string
		for i := 1; i <= 10; i++ {
			rows = append(rows, fmt.Sprintf("(%d)", i))
		}
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES "+strings.Join(rows, ","))
		status := "SHOW BINARY LOG STATUS"
		if db.Flavor == testenv.MariaDB {
			status = "SHOW MASTER STATUS"
		}
		// Steps before anything is delivered: ctx ends while the statement
		// (or the connection) hangs.
		for _, step := range []struct{ name, statement string }{
			{"connect", ""},
			{"preflight: server version", "SELECT VERSION()"},
			{"preflight: binlog settings", "SHOW GLOBAL VARIABLES"},
			{"preflight: grants", "SHOW GRANTS"},
			{"preflight: databases", "information_schema.SCHEMATA"},
			{"preflight: binlog status", status},
			{"schema load", "information_schema.COLUMNS"},
			{"snapshot: split", "SELECT MIN("},
		} {
			t.Run(step.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				p := startStallProxy(t, db, step.statement, cancel)
				cfg := testConfig(db, "t")
				cfg.Hostname, cfg.Port = "127.0.0.1", p.port
				store := cdc.NewMemoryOffsetStore()
				cfg.OffsetStore = store
				src := runToStop(t, ctx, cfg, &collector{})
				if !p.fired.Load() {
					t.Fatalf("Run never reached %q", step.statement)
				}
				if cp, err := store.Load(context.Background()); cp != nil || err != nil {
					t.Errorf("a stop before anything was delivered saved %+v, %v", cp, err)
				}
				if ph := src.Progress().Phase; ph != PhaseStopped {
					t.Errorf("phase %s after Run", ph)
				}
			})
		}

		t.Run("preflight: stored offset still on the server", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := startStallProxy(t, db, "SHOW BINARY LOGS", cancel)
			cfg := testConfig(db, "t")
			cfg.Hostname, cfg.Port = "127.0.0.1", p.port
			file, pos := db.BinlogPosition(t)
			stored := &checkpointState{Tables: []cdc.TableID{{Database: db.Database, Table: "t"}}, Offset: Offset{File: file, Pos: uint64(pos)}}
			store := cdc.NewMemoryOffsetStore()
			saveState(t, store, DefaultName, stored)
			cfg.OffsetStore = store
			runToStop(t, ctx, cfg, &collector{})
			if !p.fired.Load() {
				t.Fatal("Run never checked the stored offset")
			}
			if cp, err := loadState(t, store); err != nil || cp == nil || cp.Offset != stored.Offset {
				t.Errorf("the stored checkpoint changed to %+v, %v", cp, err)
			}
		})

		t.Run("checkpoint load", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := testConfig(db, "t")
			cfg.OffsetStore = &cancellingStore{OffsetStore: cdc.NewMemoryOffsetStore(), cancel: cancel}
			runToStop(t, ctx, cfg, &collector{})
		})

		t.Run("snapshot: chunks", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := testConfig(db, "t")
			cfg.SplitSize = 3
			store := cdc.NewMemoryOffsetStore()
			cfg.OffsetStore = store
			first := &collector{}
			var once sync.Once
			h := cdc.HandlerFunc(func(ctx context.Context, ev []cdc.Event) error {
				once.Do(cancel)
				return first.HandleEvents(ctx, ev)
			})
			runToStop(t, ctx, cfg, cdc.Unbuffered(h))
			if len(first.snapshot()) == 0 {
				t.Fatal("no snapshot rows before the stop")
			}
			// The next Run completes the snapshot: no row is lost.
			second := &collector{}
			r := start(t, cfg, second)
			waitPhase(t, r.src, PhaseBinlog)
			seen := map[int64]bool{}
			for _, e := range append(first.snapshot(), second.snapshot()...) {
				seen[rowID(e)] = true
			}
			for id := int64(1); id <= 10; id++ {
				if !seen[id] {
					t.Errorf("row %d never delivered across the stop", id)
				}
			}
		})

		t.Run("binlog", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := testConfig(db, "t")
			store := cdc.NewMemoryOffsetStore()
			cfg.OffsetStore = store
			h := &collector{}
			src, err := NewSourceFromConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- src.Run(ctx, h) }()
			waitPhase(t, src, PhaseBinlog)
			db.Exec(t, "INSERT INTO t VALUES (11)")
			ev := h.waitFor(t, "the insert", func(ev []cdc.Event) bool { return countOps(ev, cdc.OpCreate) == 1 })
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run returned %v when its context ended, want nil", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return 30s after its context ended")
			}
			cp, err := loadState(t, store)
			if err != nil || cp == nil {
				t.Fatalf("no checkpoint saved at the stop: %v", err)
			}
			insert := ev[len(ev)-1].Source
			if cp.Offset.File < insert.File || (cp.Offset.File == insert.File && cp.Offset.Pos <= uint64(insert.Pos)) {
				t.Errorf("checkpoint %s is not past the delivered insert at %s:%d", cp.Offset, insert.File, insert.Pos)
			}
		})
	})
}

// runToStop runs a source whose ctx the test ends, and fails unless Run
// returns nil, after ctx ended, within 60s.
func runToStop(t *testing.T, ctx context.Context, cfg Config, h cdc.Sink) *Source {
	t.Helper()
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, h) }()
	select {
	case err := <-done:
		if ctx.Err() == nil {
			t.Fatalf("Run returned %v before its context ended", err)
		}
		if err != nil {
			t.Fatalf("Run returned %v when its context ended, want nil", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("Run did not return within 60s (context ended: %v)", ctx.Err())
	}
	return src
}

// cancellingStore ends the run's context as the checkpoint is loaded.
type cancellingStore struct {
	cdc.OffsetStore
	cancel func()
}

func (s *cancellingStore) Load(ctx context.Context) (*cdc.Checkpoint, error) {
	s.cancel()
	<-ctx.Done()
	return nil, fmt.Errorf("load: %w", ctx.Err())
}

// stallProxy forwards TCP connections to a test server. When a client sends
// a statement holding its trigger, it calls onTrigger once and never
// forwards that statement, so it hangs until the client gives up; with an
// empty trigger it does so with the first connection, before the server's
// greeting.
type stallProxy struct {
	port      int
	trigger   []byte
	onTrigger func()
	fired     atomic.Bool
	target    string

	mu    sync.Mutex
	conns []net.Conn
}

func startStallProxy(t *testing.T, db *testenv.Source, trigger string, onTrigger func()) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{port: l.Addr().(*net.TCPAddr).Port, trigger: []byte(trigger), onTrigger: onTrigger,
		target: net.JoinHostPort(db.Host, fmt.Sprint(db.Port))}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.track(c)
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *stallProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *stallProxy) fire() bool {
	if p.fired.CompareAndSwap(false, true) {
		p.onTrigger()
		return true
	}
	return false
}

func (p *stallProxy) serve(client net.Conn) {
	defer client.Close()
	if len(p.trigger) == 0 && p.fire() {
		_, _ = io.Copy(io.Discard, client)
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.track(server)
	defer server.Close()
	go func() {
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if len(p.trigger) > 0 && bytes.Contains(buf[:n], p.trigger) && p.fire() {
				_, _ = io.Copy(io.Discard, client)
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// The final flush and save after ctx ends get ShutdownTimeout, not
// ConnectTimeout; zero is no deadline of their own.
func TestShutdownTimeoutBoundsTheFinalSave(t *testing.T) {
	for _, c := range []struct {
		shutdown time.Duration
		want     bool // a deadline
	}{
		{300 * time.Millisecond, true},
		{0, false},
	} {
		cfg := DefaultConfig()
		cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"db"}
		cfg.ConnectTimeout, cfg.ShutdownTimeout = time.Hour, c.shutdown
		rc, err := cfg.resolve()
		if err != nil {
			t.Fatal(err)
		}
		f := &deadlineFlusher{}
		r := &runner{src: &Source{cfg: rc, obs: newObserver(rc.Config)}, cfg: rc, sink: f, cp: newCheckpointState(), dirty: true}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.stopped(ctx, ctx.Err()); err != nil {
			t.Fatalf("ShutdownTimeout %s: stopped: %v", c.shutdown, err)
		}
		if !f.called {
			t.Fatalf("ShutdownTimeout %s: the handler was not flushed", c.shutdown)
		}
		if f.hasDeadline != c.want {
			t.Errorf("ShutdownTimeout %s: flush has a deadline: %v, want %v", c.shutdown, f.hasDeadline, c.want)
		}
		if c.want && (f.left <= 0 || f.left > c.shutdown) {
			t.Errorf("ShutdownTimeout %s: the flush had %s left", c.shutdown, f.left)
		}
		if cp, _ := rc.OffsetStore.Load(context.Background()); cp == nil {
			t.Errorf("ShutdownTimeout %s: no checkpoint saved", c.shutdown)
		}
	}
}

type deadlineFlusher struct {
	called      bool
	hasDeadline bool
	left        time.Duration
}

func (f *deadlineFlusher) HandleEvents(context.Context, []cdc.Event) error { return nil }

func (f *deadlineFlusher) Flush(ctx context.Context) error {
	f.called = true
	dl, ok := ctx.Deadline()
	f.hasDeadline, f.left = ok, time.Until(dl)
	return ctx.Err()
}
