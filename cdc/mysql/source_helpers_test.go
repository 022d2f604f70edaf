package mysql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// collector is a Handler that records events.
type collector struct {
	mu      sync.Mutex
	events  []cdc.Event
	flushes int
	failAt  int // HandleEvents fails once len(events) would reach this (0: never)
}

func (c *collector) HandleEvents(ctx context.Context, events []cdc.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failAt > 0 && len(c.events)+len(events) >= c.failAt {
		return fmt.Errorf("handler refuses")
	}
	c.events = append(c.events, events...)
	return nil
}

func (c *collector) Flush(ctx context.Context) error {
	c.mu.Lock()
	c.flushes++
	c.mu.Unlock()
	return nil
}

func (c *collector) snapshot() []cdc.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]cdc.Event(nil), c.events...)
}

// waitFor waits until cond holds for the collected events.
func (c *collector) waitFor(t *testing.T, what string, cond func([]cdc.Event) bool) []cdc.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ev := c.snapshot()
		if cond(ev) {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %d events: %s", what, len(ev), describe(ev))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countOps(ev []cdc.Event, op cdc.Op) int {
	n := 0
	for _, e := range ev {
		if e.Op == op {
			n++
		}
	}
	return n
}

func describe(ev []cdc.Event) string {
	var b strings.Builder
	for i, e := range ev {
		if i > 40 {
			b.WriteString("...")
			break
		}
		fmt.Fprintf(&b, "\n  %s %s before=%v after=%v @%s:%d", e.Op, e.Table, e.Before, e.After, e.Source.File, e.Source.Pos)
	}
	return b.String()
}

// testConfig is a source configuration for a testenv database.
func testConfig(src *testenv.Source, tables ...string) Config {
	for i, t := range tables {
		tables[i] = src.Database + "." + t
	}
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Port, cfg.Username, cfg.Password = src.Host, src.Port, src.User, src.Password
	cfg.DatabaseList, cfg.TableList = []string{src.Database}, tables
	cfg.ServerID = fmt.Sprint(10000 + nextServerID())
	cfg.OffsetCommitInterval = 10 * time.Millisecond
	cfg.ConnectTimeout, cfg.MaxReconnectDuration = 10*time.Second, 10*time.Second
	return cfg
}

var (
	serverIDMu   sync.Mutex
	serverIDNext = 0
)

// nextServerID hands out blocks of 8 ids, so parallel tests never share one.
func nextServerID() int {
	serverIDMu.Lock()
	defer serverIDMu.Unlock()
	serverIDNext += 8
	return serverIDNext + int(time.Now().UnixNano()%1000)*1000
}

func idRange(n int) string {
	base := 10000 + nextServerID()
	return fmt.Sprintf("%d-%d", base, base+n-1)
}

// running is a source running in the background.
type running struct {
	src    *Source
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config, h cdc.Sink) *running {
	t.Helper()
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{src: src, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// waitFor waits until cond holds for h's events, failing the test early,
// with Run's error, if Run returns first.
func (r *running) waitFor(t *testing.T, h *collector, what string, cond func([]cdc.Event) bool) []cdc.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ev := h.snapshot()
		if cond(ev) {
			return ev
		}
		select {
		case err := <-r.done:
			r.done <- err // for stop
			t.Fatalf("Run returned %v while waiting for %s; have %d events: %s", err, what, len(ev), describe(ev))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %d events: %s", what, len(ev), describe(ev))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels the run and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return 30s after its context ended")
	}
	return nil
}

// runUntilError runs a source that must fail, returning its error.
func runUntilError(t *testing.T, cfg Config) error {
	t.Helper()
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = src.Run(ctx, &collector{})
	if err == nil {
		t.Fatal("Run returned nil, want an error")
	}
	if ctx.Err() != nil {
		t.Fatal("Run did not fail before its deadline")
	}
	if strings.Contains(err.Error(), cfg.Password) {
		t.Fatalf("error shows the password: %v", err)
	}
	return err
}

// ids returns the int64 "id" column of each event's row image.
func rowID(e cdc.Event) int64 {
	row := e.After
	if row == nil {
		row = e.Before
	}
	v, _ := e.Schema.Value(row, "id")
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	}
	return -1
}

func waitPhase(t *testing.T, src *Source, ph Phase) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for src.Progress().Phase != ph {
		if time.Now().After(deadline) {
			t.Fatalf("source still in phase %s, want %s", src.Progress().Phase, ph)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// saveState stores st in store as the checkpoint of the source named name;
// a zero st.Version means this package's.
func saveState(t testing.TB, store cdc.OffsetStore, name string, st *checkpointState) {
	t.Helper()
	if st.Version == 0 {
		st.Version = stateVersion
	}
	cp, err := st.checkpoint(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(context.Background(), cp); err != nil {
		t.Fatal(err)
	}
}

// loadState returns the state of the checkpoint in store, or nil when the
// store holds none.
func loadState(t testing.TB, store cdc.OffsetStore) (*checkpointState, error) {
	t.Helper()
	cp, err := store.Load(context.Background())
	if err != nil || cp == nil {
		return nil, err
	}
	if err := checkEnvelope(cp, "the test's checkpoint"); err != nil {
		return nil, err
	}
	return decodeState(cp, "the test's checkpoint")
}
