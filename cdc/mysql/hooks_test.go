package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// hookRecorder implements every hook and keeps the events in order.
type hookRecorder struct {
	mu     sync.Mutex
	events []any
}

func (h *hookRecorder) add(e any) {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
}

func (h *hookRecorder) OnPhaseChange(e PhaseChange)           { h.add(e) }
func (h *hookRecorder) OnSnapshotDone(e SnapshotDone)         { h.add(e) }
func (h *hookRecorder) OnReconnect(e Reconnect)               { h.add(e) }
func (h *hookRecorder) OnCheckpointStored(e CheckpointStored) { h.add(e) }
func (h *hookRecorder) OnSinkFlush(e SinkFlush)               { h.add(e) }

func (h *hookRecorder) all() []any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]any(nil), h.events...)
}

// ofType returns the recorded events of type T.
func ofType[T any](h *hookRecorder) []T {
	var out []T
	for _, e := range h.all() {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func (h *hookRecorder) phases() string {
	var s []string
	for _, e := range ofType[PhaseChange](h) {
		s = append(s, fmt.Sprintf("%s>%s", e.From, e.To))
	}
	return strings.Join(s, " ")
}

// slowFlushSink is a collector whose Flush takes at least delay.
type slowFlushSink struct {
	*collector
	delay   time.Duration
	flushes atomic.Int64
}

func (s *slowFlushSink) Flush(ctx context.Context) error {
	time.Sleep(s.delay)
	s.flushes.Add(1)
	return s.collector.Flush(ctx)
}

// In a run that snapshots a table and then streams its binlog, every hook
// fires with the figures of what happened: the phases in order, the
// snapshot's chunks and rows once it is delivered, each Flush of the sink
// with its duration, and each checkpoint, right after the Flush it waited
// for, with the offset the store holds. The Progress callback goes on
// working beside them.
func TestHooksFireInARun(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)")
		var values []string
		for i := 1; i <= 25; i++ {
			values = append(values, fmt.Sprintf("(%d, %d)", i, i))
		}
		db.Exec(t, "INSERT INTO t VALUES "+strings.Join(values, ", "))
		cfg := testConfig(db, "t")
		cfg.SplitSize = 10
		hooks := &hookRecorder{}
		var progressCalls atomic.Int64
		cfg.Hooks = []Hook{hooks}
		cfg.Progress = func(Progress) { progressCalls.Add(1) }
		sink := &slowFlushSink{collector: &collector{}, delay: 5 * time.Millisecond}
		began := time.Now()
		r := start(t, cfg, sink)
		r.waitFor(t, sink.collector, "the snapshot", func(ev []cdc.Event) bool { return len(ev) == 25 })
		waitPhase(t, r.src, PhaseBinlog)
		db.Exec(t, "INSERT INTO t VALUES (26, 26), (27, 27)")
		ev := r.waitFor(t, sink.collector, "the inserts", func(ev []cdc.Event) bool { return len(ev) == 27 })
		last := Offset{File: ev[26].Source.File, Pos: ev[26].Source.Pos}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			cps := ofType[CheckpointStored](hooks)
			if len(cps) > 0 && cps[len(cps)-1].Offset.Compare(last) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint after the inserts at %s: %+v", last, cps)
			}
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(began)
		p := r.src.Progress()

		if got := hooks.phases(); got != "starting>snapshot snapshot>binlog binlog>stopped" {
			t.Errorf("phase changes: %s", got)
		}
		for _, e := range ofType[PhaseChange](hooks) {
			if e.Err != nil {
				t.Errorf("phase change %+v has an error", e)
			}
		}

		snaps := ofType[SnapshotDone](hooks)
		if len(snaps) != 1 {
			t.Fatalf("%d SnapshotDone, want 1", len(snaps))
		}
		s := snaps[0]
		if s.Tables != 1 || s.Chunks != p.ChunksTotal || s.Chunks < 2 || s.ChunksResumed != 0 || s.Rows != 25 ||
			s.Duration <= 0 || s.Duration > elapsed {
			t.Errorf("SnapshotDone %+v; progress %+v, run took %s", s, p, elapsed)
		}

		// SnapshotDone comes between the phases snapshot and binlog; each
		// checkpoint right after the Flush it waited for.
		all := hooks.all()
		order := func(pred func(any) bool) int {
			for i, e := range all {
				if pred(e) {
					return i
				}
			}
			return -1
		}
		toPhase := func(ph Phase) func(any) bool {
			return func(e any) bool { pc, ok := e.(PhaseChange); return ok && pc.To == ph }
		}
		isSnap := func(e any) bool { _, ok := e.(SnapshotDone); return ok }
		if !(order(toPhase(PhaseSnapshot)) < order(isSnap) && order(isSnap) < order(toPhase(PhaseBinlog))) {
			t.Errorf("SnapshotDone not between the snapshot and binlog phases: %+v", all)
		}
		flushes := ofType[SinkFlush](hooks)
		if int64(len(flushes)) != sink.flushes.Load() {
			t.Errorf("%d SinkFlush hooks, the sink flushed %d times", len(flushes), sink.flushes.Load())
		}
		for _, f := range flushes {
			if f.Err != nil || f.Duration < sink.delay {
				t.Errorf("SinkFlush %+v, want no error and at least %s", f, sink.delay)
			}
		}
		cps := ofType[CheckpointStored](hooks)
		for i, e := range all {
			if _, ok := e.(CheckpointStored); !ok {
				continue
			}
			if f, ok := all[i-1].(SinkFlush); !ok || f.Err != nil {
				t.Errorf("checkpoint %d not right after a successful flush: %+v", i, all[i-1])
			}
		}
		stored, err := loadState(t, r.src.Config().OffsetStore)
		if err != nil || stored == nil {
			t.Fatalf("stored checkpoint %v, %v", stored, err)
		}
		if final := cps[len(cps)-1]; final.Offset != stored.Offset || final.Offset != p.Offset {
			t.Errorf("last CheckpointStored %+v; store holds %s, progress %s", final, stored.Offset, p.Offset)
		}
		if progressCalls.Load() == 0 {
			t.Error("the Progress callback was never called")
		}
	})
}

// A run that a sink error ends reports it to the hooks (the change to
// PhaseStopped carries Run's error) and logs it at Error.
func TestRunErrorReachesHooksAndLogger(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
		cfg := testConfig(db, "t")
		hooks, logs := &hookRecorder{}, newLogRecorder()
		cfg.Hooks, cfg.Logger = []Hook{hooks}, slog.New(logs)
		src, err := NewSourceFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		runErr := src.Run(context.Background(), &collector{failAt: 1})
		var he *cdc.HandlerError
		if !errors.As(runErr, &he) {
			t.Fatalf("Run: %v, want a HandlerError", runErr)
		}
		pcs := ofType[PhaseChange](hooks)
		if len(pcs) == 0 || pcs[len(pcs)-1].To != PhaseStopped || pcs[len(pcs)-1].Err != runErr {
			t.Errorf("phase changes %+v, want the last to PhaseStopped with Run's error", pcs)
		}
		errs := logs.find("mysql source: stopped by an error")
		if len(errs) != 1 || errs[0].Level != slog.LevelError || !strings.Contains(errs[0].Attrs["err"], "handler refuses") {
			t.Errorf("Error records %v; all:%s", errs, logs.dump())
		}
		for _, r := range logs.records() {
			if strings.Contains(r.String(), cfg.Password) {
				t.Errorf("a record shows the password: %s", r)
			}
		}
	})
}

// The server restarts while the source streams: the reconnect hook fires
// once, after the new connection, with the attempts, the cause, the
// downtime and the boundary streaming resumed at; the loss is logged at
// Warn with its cause.
func TestHookReconnect(t *testing.T) {
	t.Parallel()
	m := startThrowawayMariaDB(t, fullRowBinlog...)
	m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)")
	cfg := m.config("app", "t")
	cfg.HeartbeatInterval = time.Second
	hooks, logs := &hookRecorder{}, newLogRecorder()
	cfg.Hooks, cfg.Logger = []Hook{hooks}, slog.New(logs)
	h := &collector{}
	r := start(t, cfg, h)
	waitPhase(t, r.src, PhaseBinlog)
	m.exec("INSERT INTO app.t VALUES (1)")
	ev := r.waitFor(t, h, "the first insert", func(ev []cdc.Event) bool { return len(ev) == 1 })
	first := Offset{File: ev[0].Source.File, Pos: ev[0].Source.Pos}
	var before Offset
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if before = r.src.Progress().Offset; before.Compare(first) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after %s", first)
		}
	}
	restarted := time.Now()
	m.restart()
	m.exec("INSERT INTO app.t VALUES (2)")
	r.waitFor(t, h, "the insert after the restart", func(ev []cdc.Event) bool { return len(ev) == 2 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	recs := ofType[Reconnect](hooks)
	if len(recs) != 1 {
		t.Fatalf("%d Reconnect hooks, want 1: %+v", len(recs), hooks.all())
	}
	e := recs[0]
	if e.Attempts < 1 || e.Cause == nil || e.Downtime <= 0 || e.Downtime > time.Since(restarted) || e.Reconnects != 1 ||
		e.Offset.File != before.File || e.Offset.Pos != before.Pos {
		t.Errorf("Reconnect %+v; checkpoint before the restart %s", e, before)
	}
	if got := hooks.phases(); strings.Count(got, ">binlog") != 1 || !strings.HasSuffix(got, "binlog>stopped") {
		t.Errorf("phase changes: %s", got)
	}
	lost := logs.find("mysql source: binlog connection failed")
	if len(lost) != 1 || lost[0].Level != slog.LevelWarn || lost[0].Attrs["err"] == "" {
		t.Errorf("records of the loss %v; all:%s", lost, logs.dump())
	}
	back := logs.find("mysql source: binlog connection re-established", "attempts", fmt.Sprint(e.Attempts))
	if len(back) != 1 || back[0].Level != slog.LevelInfo {
		t.Errorf("records of the reconnect %v; all:%s", back, logs.dump())
	}
}
