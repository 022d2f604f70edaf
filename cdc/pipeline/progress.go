package pipeline

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// Progress is a pipeline's progress, returned by [Pipeline.Progress]. The
// counters count over the pipeline's life, across Run calls.
type Progress struct {
	// Tables holds each source table's counters, sorted by table.
	Tables []TableProgress
	// EventsIn counts the events the sources delivered; EventsOut the events
	// handed to sinks (once per sink and route).
	EventsIn, EventsOut int64
	// Lag is how far the last binlog change handed to the sinks was behind
	// the clock when it was handed (0 until one was).
	Lag time.Duration
	// FlushLag is the [SinkFlush.Lag] of the latest flush that had binlog
	// changes: from the oldest one's commit to its durability in the sink.
	FlushLag time.Duration
	// Flushes counts successful sink flushes.
	Flushes int64
}

// TableProgress counts one source table's events.
type TableProgress struct {
	Table cdc.TableID
	// SnapshotRows, Inserts, Updates, Deletes and SchemaChanges count the
	// events handed on, by their operation at the source.
	SnapshotRows, Inserts, Updates, Deletes, SchemaChanges int64
	// Filtered counts rows a filter dropped; Skipped rows whose transform
	// failed under SkipOnError.
	Filtered, Skipped int64
}

// Rows is the sum of the row counters of t, filtered and skipped rows
// included: the rows the source delivered.
func (t TableProgress) Rows() int64 {
	return t.SnapshotRows + t.Inserts + t.Updates + t.Deletes + t.Filtered + t.Skipped
}

// RowsSkipped sums the Skipped counters of every table.
func (p Progress) RowsSkipped() int64 {
	var n int64
	for _, t := range p.Tables {
		n += t.Skipped
	}
	return n
}

// Table returns the counters of table id (zero when it has none).
func (p Progress) Table(id cdc.TableID) TableProgress {
	for _, t := range p.Tables {
		if t.Table == id {
			return t
		}
	}
	return TableProgress{Table: id}
}

type progressTracker struct {
	mu     sync.Mutex
	tables map[cdc.TableID]*TableProgress
	p      Progress
}

func (t *progressTracker) init() { t.tables = map[cdc.TableID]*TableProgress{} }

// add adds a delivery's counters, which it zeroes.
func (t *progressTracker) add(counts map[cdc.TableID]*TableProgress, in, out int, lag time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, c := range counts {
		s := t.tables[id]
		if s == nil {
			s = &TableProgress{Table: id}
			t.tables[id] = s
		}
		s.SnapshotRows += c.SnapshotRows
		s.Inserts += c.Inserts
		s.Updates += c.Updates
		s.Deletes += c.Deletes
		s.SchemaChanges += c.SchemaChanges
		s.Filtered += c.Filtered
		s.Skipped += c.Skipped
		*c = TableProgress{Table: id}
	}
	t.p.EventsIn += int64(in)
	t.p.EventsOut += int64(out)
	if lag > 0 {
		t.p.Lag = lag
	}
}

func (t *progressTracker) flushed(f SinkFlush) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Flushes++
	if f.Lag > 0 {
		t.p.FlushLag = f.Lag
	}
}

func (t *progressTracker) get() Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.p
	p.Tables = make([]TableProgress, 0, len(t.tables))
	for _, s := range t.tables {
		p.Tables = append(p.Tables, *s)
	}
	slices.SortFunc(p.Tables, func(a, b TableProgress) int {
		return cmp.Or(cmp.Compare(a.Table.Database, b.Table.Database), cmp.Compare(a.Table.Table, b.Table.Table))
	})
	return p
}

// Progress returns the pipeline's progress. It never waits for a sink.
func (p *Pipeline) Progress() Progress { return p.progress.get() }
