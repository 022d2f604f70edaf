package mysql

import (
	"context"
	"fmt"
	"time"
)

// Hook is a value that implements one or more of the Hook interfaces of
// this package ([HookPhaseChange], [HookSnapshotDone], [HookReconnect],
// [HookCheckpointStored], [HookSinkFlush]); give hooks to a source with
// [Config.Hooks] or [SourceBuilder.Hooks]. A hook implements only the
// events it wants, as franz-go's kgo hooks do, and a hook that implements
// none of them is a configuration error.
//
// Hooks tell a program what happened, once per event, so that it need not
// poll [Source.Progress]: the source calls them synchronously on the
// goroutine that called [Source.Run], in the order the events happen, each
// hook in the order of Config.Hooks. A hook must not block: the source
// waits for it, with its binlog connection unread. It may call
// [Source.Progress] but not Run or Close. A panic in a hook is not
// recovered.
//
// The Progress callback ([Config.Progress]) is different: it receives the
// whole [Progress], a set of counters, at most every 200ms and at phase
// changes, which suits a progress bar; hooks receive each event with its own
// figures, which suits logs, alerts, metrics and state machines.
type Hook any

// HookPhaseChange is called when the source's [Phase] changes.
type HookPhaseChange interface {
	// OnPhaseChange is called after the phase changed.
	OnPhaseChange(PhaseChange)
}

// PhaseChange is a change of a source's [Phase].
type PhaseChange struct {
	// From and To are the phases before and after. A Run starts in
	// PhaseStarting (a new source's phase, or a stopped one's when Run is
	// called again) and ends in PhaseStopped.
	From, To Phase
	// Err, when To is PhaseStopped, is the error Run returns: nil for a
	// normal stop.
	Err error
}

// HookSnapshotDone is called when the snapshot is delivered.
type HookSnapshotDone interface {
	// OnSnapshotDone is called once the last chunk's rows are handed to the
	// sink, flushed and checkpointed, before the binlog phase.
	OnSnapshotDone(SnapshotDone)
}

// SnapshotDone describes a snapshot delivered by one Run.
type SnapshotDone struct {
	// Tables counts the snapshot's tables.
	Tables int
	// Chunks and Rows count the chunks this Run read and the rows it
	// delivered; ChunksResumed counts the chunks an earlier Run had
	// delivered (the snapshot resumed after them).
	Chunks, ChunksResumed int
	Rows                  int64
	// Duration is how long this Run's snapshot took, from the start of the
	// snapshot phase to the last chunk's checkpoint.
	Duration time.Duration
}

// HookReconnect is called when the binlog connection is re-established.
type HookReconnect interface {
	// OnReconnect is called after a lost binlog connection (or a first one
	// that failed) was made again, before any event is read from it.
	OnReconnect(Reconnect)
}

// Reconnect describes a binlog connection re-established after a failure.
type Reconnect struct {
	// Attempts is how many connections were tried; the last one succeeded.
	Attempts int
	// Cause is the error that lost the connection (or failed the first one).
	Cause error
	// Downtime is how long the source was without a binlog connection, from
	// when it noticed the failure (a dead connection is noticed within
	// about three HeartbeatIntervals) to the new connection.
	Downtime time.Duration
	// Offset is the transaction boundary streaming resumes at.
	Offset Offset
	// Reconnects counts the re-established connections over the source's
	// life, this one included, as [Progress.Reconnects].
	Reconnects int
}

// HookCheckpointStored is called when a checkpoint is stored.
type HookCheckpointStored interface {
	// OnCheckpointStored is called after the source stored a checkpoint in
	// its OffsetStore, which it does only after the sink's Flush returned.
	OnCheckpointStored(CheckpointStored)
}

// CheckpointStored describes a checkpoint the source stored.
type CheckpointStored struct {
	// Offset is the binlog position the checkpoint resumes from. It is zero
	// while an Initial snapshot runs: the position is known once it ends.
	Offset Offset
	// Duration is how long the OffsetStore's Save took.
	Duration time.Duration
}

// HookSinkFlush is called after each Flush of the sink.
type HookSinkFlush interface {
	// OnSinkFlush is called after the sink's Flush returned, before the
	// checkpoint it allows is stored.
	OnSinkFlush(SinkFlush)
}

// SinkFlush describes one Flush of the sink.
type SinkFlush struct {
	// Duration is how long Flush took.
	Duration time.Duration
	// Err is Flush's error; nil when it succeeded.
	Err error
}

// hookSet holds a source's hooks sorted by the events they implement.
type hookSet struct {
	phase      []HookPhaseChange
	snapshot   []HookSnapshotDone
	reconnect  []HookReconnect
	checkpoint []HookCheckpointStored
	flush      []HookSinkFlush
}

// newHookSet sorts hooks by the interfaces they implement; validateHooks
// has checked them.
func newHookSet(hooks []Hook) hookSet {
	var s hookSet
	for _, h := range hooks {
		if x, ok := h.(HookPhaseChange); ok {
			s.phase = append(s.phase, x)
		}
		if x, ok := h.(HookSnapshotDone); ok {
			s.snapshot = append(s.snapshot, x)
		}
		if x, ok := h.(HookReconnect); ok {
			s.reconnect = append(s.reconnect, x)
		}
		if x, ok := h.(HookCheckpointStored); ok {
			s.checkpoint = append(s.checkpoint, x)
		}
		if x, ok := h.(HookSinkFlush); ok {
			s.flush = append(s.flush, x)
		}
	}
	return s
}

// validateHooks reports, through bad, each hook that is nil or implements
// none of the Hook interfaces.
func validateHooks(hooks []Hook, bad func(field, value, fix string)) {
	for i, h := range hooks {
		switch h.(type) {
		case nil:
			bad(fmt.Sprintf("Hooks[%d]", i), "nil", "remove the nil hook")
		case HookPhaseChange, HookSnapshotDone, HookReconnect, HookCheckpointStored, HookSinkFlush:
		default:
			bad(fmt.Sprintf("Hooks[%d]", i), fmt.Sprintf("%T", h),
				"a hook implements at least one of HookPhaseChange, HookSnapshotDone, HookReconnect, HookCheckpointStored and HookSinkFlush (check the method's name and its pointer or value receiver)")
		}
	}
}

// flushSink flushes the sink, logs and reports how long it took.
func (r *runner) flushSink(ctx context.Context) error {
	began := time.Now()
	err := r.sink.Flush(ctx)
	took := time.Since(began)
	o := r.src.obs
	if err != nil {
		o.log.Debug("mysql source: sink flush failed", "took", took, "err", o.redact(err))
	} else {
		o.log.Debug("mysql source: sink flushed", "took", took)
	}
	e := SinkFlush{Duration: took, Err: err}
	for _, h := range o.hooks.flush {
		h.OnSinkFlush(e)
	}
	return err
}

// checkpointStored logs and reports a checkpoint commit stored at off,
// whose Save took took.
func (r *runner) checkpointStored(off Offset, took time.Duration) {
	o := r.src.obs
	o.log.Debug("mysql source: checkpoint stored", "offset", off.String(), "took", took)
	e := CheckpointStored{Offset: off, Duration: took}
	for _, h := range o.hooks.checkpoint {
		h.OnCheckpointStored(e)
	}
}
