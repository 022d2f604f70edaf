package pipeline

import (
	"fmt"
	"time"

	"github.com/rtdw/rtdw/internal/problems"
)

// Hook is a value that implements one or more of the Hook interfaces of
// this package ([HookSinkFlush], [HookRowSkipped], [HookDelivered],
// [HookSourceRestart]); give
// hooks to a pipeline with [Config.Hooks]. A hook implements only the
// events it wants, as franz-go's kgo hooks do; one that implements none is
// a configuration error. Hooks are called synchronously on the goroutine
// of the source whose events caused them and must not block; with several
// sources they may be called concurrently.
type Hook any

// HookSinkFlush is called after each Flush of a sink.
type HookSinkFlush interface {
	OnSinkFlush(SinkFlush)
}

// SinkFlush describes one Flush of one sink, which a source asks for before
// it stores a checkpoint.
type SinkFlush struct {
	// Sink is the sink's name.
	Sink string
	// Events counts the events handed to the sink since its last Flush.
	Events int64
	// Duration is how long Flush took; Err is its error.
	Duration time.Duration
	Err      error
	// Lag is how long the oldest binlog change of those events waited from
	// its commit on the server to this Flush's end: the longest any of them
	// took to become durable in the sink. 0 when there was none.
	Lag time.Duration
}

// HookRowSkipped is called for each row dropped by [SkipOnError].
type HookRowSkipped interface {
	OnRowSkipped(*RowError)
}

// HookDelivered is called after each batch of a source is handed to the
// sinks.
type HookDelivered interface {
	OnDelivered(Delivered)
}

// Delivered describes one batch of a source handed to the sinks.
type Delivered struct {
	// Source is the index of the source in [Config.Sources].
	Source int
	// In counts the batch's events; Out the events handed to sinks (after
	// filters, and once per sink and route they go to).
	In, Out int
	// Lag is how far the batch's last binlog change is behind the clock
	// (its commit on the server to now); 0 for a batch of snapshot rows.
	Lag time.Duration
}

// HookSourceRestart is called before a failed source is run again
// ([Config.Restart]).
type HookSourceRestart interface {
	OnSourceRestart(SourceRestart)
}

// SourceRestart describes a restart of a failed source.
type SourceRestart struct {
	// Source is the index of the source in [Config.Sources].
	Source int
	// Attempt counts the failures in a row, this one included.
	Attempt int
	// Wait is how long the pipeline waits before the restart.
	Wait time.Duration
	// Err is the failure.
	Err error
}

type hookSet struct {
	restart   []HookSourceRestart
	flush     []HookSinkFlush
	skipped   []HookRowSkipped
	delivered []HookDelivered
}

func newHookSet(hooks []Hook) hookSet {
	var s hookSet
	for _, h := range hooks {
		if x, ok := h.(HookSinkFlush); ok {
			s.flush = append(s.flush, x)
		}
		if x, ok := h.(HookRowSkipped); ok {
			s.skipped = append(s.skipped, x)
		}
		if x, ok := h.(HookSourceRestart); ok {
			s.restart = append(s.restart, x)
		}
		if x, ok := h.(HookDelivered); ok {
			s.delivered = append(s.delivered, x)
		}
	}
	return s
}

func validateHooks(hooks []Hook, ps *problems.Error) {
	for i, h := range hooks {
		switch h.(type) {
		case nil:
			ps.Add(fmt.Sprintf("Hooks[%d]", i), "nil", "remove the nil hook")
		case HookSinkFlush, HookRowSkipped, HookDelivered, HookSourceRestart:
		default:
			ps.Add(fmt.Sprintf("Hooks[%d]", i), fmt.Sprintf("%T", h),
				"a hook implements at least one of HookSinkFlush, HookRowSkipped, HookDelivered and HookSourceRestart (check the method's name and its pointer or value receiver)")
		}
	}
}
