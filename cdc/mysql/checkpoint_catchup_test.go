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

// savesRecorder is an offset store that remembers the offset of every save.
type savesRecorder struct {
	cdc.OffsetStore
	mu      sync.Mutex
	offsets []Offset
}

func (s *savesRecorder) Save(ctx context.Context, cp *cdc.Checkpoint) error {
	info, err := InspectCheckpoint(cp)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.offsets = append(s.offsets, info.Offset)
	s.mu.Unlock()
	return s.OffsetStore.Save(ctx, cp)
}

func (s *savesRecorder) saved() []Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Offset(nil), s.offsets...)
}

// slowSink takes a while per batch, as a sink writing over a network does,
// so a backlog takes seconds to catch up.
type slowSink struct{ collector }

func (s *slowSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	time.Sleep(2 * time.Millisecond)
	return s.collector.HandleEvents(ctx, events)
}

// TestCheckpointsAdvanceWhileCatchingUp restarts a source behind a backlog
// of thousands of transactions: checkpoints must be stored on the interval
// while it catches up, not only once the stream is idle, so that a crash
// during a long catch-up does not restart from the same offset.
func TestCheckpointsAdvanceWhileCatchingUp(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id BIGINT PRIMARY KEY, v INT NOT NULL)")
		cfg := testConfig(db, "t")
		cfg.OffsetCommitInterval = 20 * time.Millisecond
		cfg.FetchSize = 64
		store := &savesRecorder{OffsetStore: cdc.NewMemoryOffsetStore()}
		cfg.OffsetStore = store

		first := &collector{}
		r := start(t, cfg, first)
		deadline := time.Now().Add(30 * time.Second)
		for r.src.Progress().Phase != PhaseBinlog {
			if time.Now().After(deadline) {
				t.Fatal("the first run did not reach the binlog phase")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		startOff := store.saved()[len(store.saved())-1]

		// The backlog: 3000 transactions of 8 rows each.
		for i := 0; i < 3000; i += 50 {
			var stmts []string
			for j := i; j < i+50; j++ {
				var vals []string
				for k := 0; k < 8; k++ {
					vals = append(vals, fmt.Sprintf("(%d, %d)", j*8+k, j))
				}
				stmts = append(stmts, "INSERT INTO t (id, v) VALUES "+strings.Join(vals, ","))
			}
			db.Exec(t, stmts...)
		}
		file, pos := db.BinlogPosition(t)
		end := Offset{File: file, Pos: uint64(pos)}

		before := len(store.saved())
		sink := &slowSink{}
		r = start(t, cfg, sink)
		deadline = time.Now().Add(2 * time.Minute)
		for r.src.Progress().Offset.Compare(end) < 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the source did not catch up to %s in 2 minutes (at %s)", end, r.src.Progress().Offset)
			}
			time.Sleep(10 * time.Millisecond)
		}
		var during []Offset
		for _, off := range store.saved()[before:] {
			if off.Compare(startOff) > 0 && off.Compare(end) < 0 {
				during = append(during, off)
			}
		}
		if len(during) < 3 {
			t.Fatalf("%d checkpoints stored while catching up 24000 rows from %s to %s (want at least 3): %v",
				len(during), startOff, end, during)
		}
		for i := 1; i < len(during); i++ {
			if during[i].Compare(during[i-1]) < 0 {
				t.Fatalf("checkpoint %d went backwards: %s after %s", i, during[i], during[i-1])
			}
		}
		t.Logf("%d checkpoints stored while catching up from %s to %s", len(during), startOff, end)
	})
}
