package cdc

import "context"

// Handler receives events from a source.
//
// HandleEvents is called with events in binlog order, one batch at a time; a
// batch never splits a transaction's changes across an offset commit. The
// slice is only valid during the call, but the events in it may be kept. An
// error stops the source, which returns it from Run; the events of the batch
// are delivered again when the source resumes from its stored offset.
type Handler interface {
	HandleEvents(ctx context.Context, events []Event) error
}

// HandlerFunc adapts a function to [Handler]. A HandlerFunc is not a [Sink]:
// wrap it with [Unbuffered] to say that it keeps nothing back.
type HandlerFunc func(ctx context.Context, events []Event) error

// HandleEvents calls f.
func (f HandlerFunc) HandleEvents(ctx context.Context, events []Event) error { return f(ctx, events) }

// Sink is what a source delivers to: a [Handler] that also says when what it
// was handed is durable. A source calls Flush, and waits for it to succeed,
// before it stores a checkpoint, so a checkpoint never gets ahead of the
// events the sink still buffers.
//
// The guarantee is in the type: a wrapper around a sink is a Sink only if it
// passes Flush on, as [Filter] and [Map] do; a plain [HandlerFunc] must be
// declared [Unbuffered] to be used as one.
type Sink interface {
	Handler
	// Flush returns once every event handed to HandleEvents before it is
	// durable downstream.
	Flush(ctx context.Context) error
}

// HandlerError wraps an error a source's [Sink] returned from HandleEvents
// or Flush. A source's Run returns it, so that a caller can tell the sink's
// failures from the source's own.
type HandlerError struct {
	Err error
}

func (e *HandlerError) Error() string { return "cdc: handler: " + e.Err.Error() }

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// Unbuffered adapts a handler that keeps nothing back to [Sink]: every event
// is as durable as it will ever be when HandleEvents returns (it printed the
// event, wrote it synchronously, or drops it on purpose). Its Flush does
// nothing. Do not use it for a handler that buffers, such as a batching
// writer: a checkpoint could then be stored ahead of buffered events, which
// a crash would lose.
func Unbuffered(h Handler) Sink { return unbuffered{h} }

type unbuffered struct{ Handler }

func (unbuffered) Flush(context.Context) error { return nil }

// Filter returns a sink that hands next only the events keep returns true
// for, and passes Flush on to next. A batch whose events are all dropped is
// not handed on.
func Filter(next Sink, keep func(*Event) bool) Sink {
	return &filterSink{next: next, keep: keep}
}

type filterSink struct {
	next Sink
	keep func(*Event) bool
	buf  []Event
}

func (f *filterSink) HandleEvents(ctx context.Context, events []Event) error {
	f.buf = f.buf[:0]
	for i := range events {
		if f.keep(&events[i]) {
			f.buf = append(f.buf, events[i])
		}
	}
	if len(f.buf) == 0 {
		return nil
	}
	err := f.next.HandleEvents(ctx, f.buf)
	clear(f.buf)
	return err
}

func (f *filterSink) Flush(ctx context.Context) error { return f.next.Flush(ctx) }

// Map returns a sink that hands next each event as fn rewrites it, and
// passes Flush on to next. fn changes the event in place (the source does not
// reuse it) and returns false to drop it, or an error to stop the source,
// which then returns it from Run.
func Map(next Sink, fn func(*Event) (keep bool, err error)) Sink {
	return &mapSink{next: next, fn: fn}
}

type mapSink struct {
	next Sink
	fn   func(*Event) (bool, error)
	buf  []Event
}

func (m *mapSink) HandleEvents(ctx context.Context, events []Event) error {
	m.buf = m.buf[:0]
	for i := range events {
		e := events[i]
		keep, err := m.fn(&e)
		if err != nil {
			return err
		}
		if keep {
			m.buf = append(m.buf, e)
		}
	}
	if len(m.buf) == 0 {
		return nil
	}
	err := m.next.HandleEvents(ctx, m.buf)
	clear(m.buf)
	return err
}

func (m *mapSink) Flush(ctx context.Context) error { return m.next.Flush(ctx) }
