package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// flakySource fails its first runs before delivering anything, then
// delivers its batch and returns.
type flakySource struct {
	failures int
	runs     atomic.Int32
	events   []cdc.Event
}

func (s *flakySource) Run(ctx context.Context, sink cdc.Sink) error {
	if int(s.runs.Add(1)) <= s.failures {
		return errors.New("connection refused")
	}
	if err := sink.HandleEvents(ctx, s.events); err != nil {
		return err
	}
	return sink.Flush(ctx)
}

type restartHook struct{ n atomic.Int32 }

func (h *restartHook) OnSourceRestart(r pipeline.SourceRestart) { h.n.Add(1) }

func TestRestart(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id")
	t.Run("rides through failures", func(t *testing.T) {
		t.Parallel()
		src := &flakySource{failures: 2, events: []cdc.Event{insert(orders, int64(1))}}
		sink := &recordingSink{}
		hook := &restartHook{}
		p, err := pipeline.New("flaky").From(src).To(sink).Hooks(hook).
			Restart(pipeline.RestartPolicy{MaxAttempts: 3, Backoff: time.Millisecond}).Build()
		if err != nil {
			t.Fatal(err)
		}
		if err := run(t, p); err != nil {
			t.Fatal(err)
		}
		if src.runs.Load() != 3 || hook.n.Load() != 2 || len(sink.durable) != 1 {
			t.Errorf("runs %d, restarts %d, rows %d; want 3, 2, 1", src.runs.Load(), hook.n.Load(), len(sink.durable))
		}
	})
	t.Run("gives up", func(t *testing.T) {
		t.Parallel()
		src := &flakySource{failures: 5}
		p, err := pipeline.New("flaky").From(src).To(&recordingSink{}).
			Restart(pipeline.RestartPolicy{MaxAttempts: 2, Backoff: time.Millisecond}).Build()
		if err != nil {
			t.Fatal(err)
		}
		err = run(t, p)
		if err == nil || !strings.Contains(err.Error(), "failed 3 times in a row (Restart.MaxAttempts 2): connection refused") {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("not a row error", func(t *testing.T) {
		t.Parallel()
		src := &sliceSource{batches: [][]cdc.Event{{insert(orders, int64(1))}}}
		hook := &restartHook{}
		p, err := pipeline.New("row").From(src).To(&recordingSink{}).Hooks(hook).
			Restart(pipeline.RestartPolicy{MaxAttempts: 5, Backoff: time.Millisecond}).
			Transform(`gmall\.orders`, pipeline.Func(func(*cdc.Event) (bool, error) { return false, errors.New("bad row") })).Build()
		if err != nil {
			t.Fatal(err)
		}
		var rerr *pipeline.RowError
		if err := run(t, p); !errors.As(err, &rerr) || hook.n.Load() != 0 {
			t.Fatalf("Run = %v after %d restarts, want the RowError at once", err, hook.n.Load())
		}
	})
}
