package cdc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// recordingSink keeps what it was handed and counts flushes.
type recordingSink struct {
	events  []cdc.Event
	flushes int
	err     error
}

func (s *recordingSink) HandleEvents(_ context.Context, events []cdc.Event) error {
	s.events = append(s.events, events...)
	return s.err
}

func (s *recordingSink) Flush(context.Context) error {
	s.flushes++
	return s.err
}

func events(ops ...cdc.Op) []cdc.Event {
	out := make([]cdc.Event, len(ops))
	for i, op := range ops {
		out[i] = cdc.Event{Op: op, Table: cdc.TableID{Database: "db", Table: "t"}, Source: cdc.Source{Row: i}}
	}
	return out
}

func TestFilterKeepsFlush(t *testing.T) {
	next := &recordingSink{}
	s := cdc.Filter(next, func(e *cdc.Event) bool { return e.Op != cdc.OpDelete })
	ctx := context.Background()
	if err := s.HandleEvents(ctx, events(cdc.OpCreate, cdc.OpDelete, cdc.OpUpdate)); err != nil {
		t.Fatal(err)
	}
	if err := s.HandleEvents(ctx, events(cdc.OpDelete)); err != nil {
		t.Fatal(err)
	}
	if len(next.events) != 2 || next.events[0].Op != cdc.OpCreate || next.events[1].Op != cdc.OpUpdate {
		t.Fatalf("the wrapped sink got %v, want the create and the update", next.events)
	}
	if err := s.Flush(ctx); err != nil || next.flushes != 1 {
		t.Fatalf("Flush: %v, the wrapped sink flushed %d times, want once", err, next.flushes)
	}
	next.err = errors.New("disk full")
	if err := s.Flush(ctx); !errors.Is(err, next.err) {
		t.Fatalf("Flush returned %v, want the wrapped sink's error", err)
	}
}

func TestMapRewritesDropsAndStops(t *testing.T) {
	next := &recordingSink{}
	boom := errors.New("cannot map")
	s := cdc.Map(next, func(e *cdc.Event) (bool, error) {
		switch e.Op {
		case cdc.OpDelete:
			return false, nil
		case cdc.OpRead:
			return false, boom
		}
		e.Table.Table = "renamed"
		return true, nil
	})
	ctx := context.Background()
	in := events(cdc.OpCreate, cdc.OpDelete)
	if err := s.HandleEvents(ctx, in); err != nil {
		t.Fatal(err)
	}
	if len(next.events) != 1 || next.events[0].Table.Table != "renamed" {
		t.Fatalf("the wrapped sink got %v, want one renamed create", next.events)
	}
	if in[0].Table.Table != "t" {
		t.Fatalf("Map changed the caller's event: %v", in[0].Table)
	}
	if err := s.HandleEvents(ctx, events(cdc.OpRead)); !errors.Is(err, boom) {
		t.Fatalf("HandleEvents returned %v, want fn's error", err)
	}
	if err := s.Flush(ctx); err != nil || next.flushes != 1 {
		t.Fatalf("Flush: %v, the wrapped sink flushed %d times, want once", err, next.flushes)
	}
}

func TestUnbufferedFlushesNothing(t *testing.T) {
	var got int
	s := cdc.Unbuffered(cdc.HandlerFunc(func(_ context.Context, evs []cdc.Event) error {
		got += len(evs)
		return nil
	}))
	if err := s.HandleEvents(context.Background(), events(cdc.OpCreate)); err != nil || got != 1 {
		t.Fatalf("HandleEvents: %v, handed %d events, want 1", err, got)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A filter around a batching sink keeps the sink's Flush, so the source still
// stores checkpoints only after the sink wrote what it buffered.
func ExampleFilter() {
	var sink cdc.Sink = &recordingSink{} // for example a *clickhouse.Sink
	noDeletes := cdc.Filter(sink, func(e *cdc.Event) bool { return e.Op != cdc.OpDelete })
	_ = noDeletes.HandleEvents(context.Background(), events(cdc.OpCreate, cdc.OpDelete))
	_ = noDeletes.Flush(context.Background())
	r := sink.(*recordingSink)
	fmt.Println(len(r.events), "event handed on,", r.flushes, "flush")
	// Output: 1 event handed on, 1 flush
}
