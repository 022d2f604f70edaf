package mysql

import (
	"sync"
	"time"
)

// Phase is what a source is doing.
type Phase string

// The phases of a source.
const (
	PhaseStarting Phase = "starting"
	PhaseSnapshot Phase = "snapshot"
	PhaseBinlog   Phase = "binlog"
	PhaseStopped  Phase = "stopped"
)

// Progress is a source's progress, passed to the Progress callback of
// [Config] and returned by [Source.Progress].
type Progress struct {
	// Phase is what the source is doing.
	Phase Phase
	// TablesTotal and TablesDone count the tables of the snapshot.
	TablesTotal, TablesDone int
	// ChunksTotal and ChunksDone count the snapshot's chunks.
	ChunksTotal, ChunksDone int
	// SnapshotRows counts snapshot rows delivered to the handler; RowsEstimate
	// is the server's estimate of the snapshot's rows, for a progress bar.
	SnapshotRows, RowsEstimate int64
	// BinlogEvents counts change events delivered from the binlog.
	BinlogEvents int64
	// Offset is the last binlog position the source checkpointed.
	Offset Offset
	// LagMs is how far the last binlog event read lags behind the clock, in
	// milliseconds (0 until an event was read).
	LagMs int64
	// Reconnects counts binlog connections re-established after a loss.
	Reconnects int
	// BinlogRetentionLeft is how long, while the source streams, the
	// server keeps the binlog file of the last checkpoint before its
	// retention (binlog_expire_logs_seconds, or expire_logs_days on older
	// MariaDB) lets it purge the file: the retention less the time since
	// the server closed the file. It is negative once that time has
	// passed (the server purges the file at its next log rotation), and 0
	// when not measured (outside the binlog phase) or when the server purges
	// no binlog by age. A source
	// further behind than that loses its place ([ErrBinlogPurged]); below a
	// quarter of the retention the source logs a warning.
	BinlogRetentionLeft time.Duration
}

// progressTracker holds the current Progress and calls the callback.
type progressTracker struct {
	mu       sync.Mutex
	p        Progress
	fn       func(Progress)
	lastCall time.Time
	// phaseChanged, when set, is called after an update that changed the
	// phase, before fn, with the phase before and the error Run returns
	// (for PhaseStopped).
	phaseChanged func(from Phase, p Progress, err error)
}

func (t *progressTracker) update(force bool, f func(p *Progress)) { t.apply(force, f, nil) }

// setPhase changes the phase; err is Run's result when it is PhaseStopped.
func (t *progressTracker) setPhase(ph Phase, err error) {
	t.apply(true, func(p *Progress) { p.Phase = ph }, err)
}

func (t *progressTracker) apply(force bool, f func(p *Progress), err error) {
	t.mu.Lock()
	from := t.p.Phase
	f(&t.p)
	p := t.p
	call := t.fn != nil && (force || time.Since(t.lastCall) >= 200*time.Millisecond)
	if call {
		t.lastCall = time.Now()
	}
	t.mu.Unlock()
	if p.Phase != from && t.phaseChanged != nil {
		t.phaseChanged(from, p, err)
	}
	if call {
		t.fn(p)
	}
}

func (t *progressTracker) get() Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p
}
