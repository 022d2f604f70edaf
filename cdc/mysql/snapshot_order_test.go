package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// createOrderTable creates table t (id, v) with n rows, ids 1 to n.
func createOrderTable(t *testing.T, db *testenv.Source, n int) {
	t.Helper()
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "(%d, %d)", i, i)
	}
	db.Exec(t, "INSERT INTO t VALUES "+b.String())
}

// runOrderSnapshot runs a source of cfg with hooks until its snapshot is
// done, stops it, and returns its events.
func runOrderSnapshot(t *testing.T, cfg Config, hooks *snapshotTestHooks) []cdc.Event {
	t.Helper()
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.testHooks = hooks
	h := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{src: src, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, h) }()
	t.Cleanup(func() { r.stop(t) })
	r.waitFor(t, h, "the snapshot", func(ev []cdc.Event) bool {
		return len(ev) > 0 && ev[len(ev)-1].Source.Snapshot == cdc.SnapshotLast
	})
	r.stop(t)
	return h.snapshot()
}

// orderConfig is the configuration of runOrderSnapshot's source: chunks of
// split rows, two readers.
func orderConfig(db *testenv.Source, split int) Config {
	cfg := testConfig(db, "t")
	cfg.SplitSize = split
	cfg.ServerID = idRange(2)
	cfg.SnapshotParallelism = 2
	return cfg
}

// checkKeyOrder fails unless events are the snapshot's reads of ids 1 to
// n, in that order.
func checkKeyOrder(t *testing.T, events []cdc.Event, n int) {
	t.Helper()
	var ids []int64
	for _, e := range events {
		if e.Op == cdc.OpRead {
			ids = append(ids, rowID(e))
		}
	}
	if len(ids) != n {
		t.Fatalf("the snapshot read %d rows, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("row %d of the snapshot has id %d, want %d: the rows are not in key order (around: %v)",
				i, id, i+1, ids[max(i-3, 0):min(i+4, len(ids))])
		}
	}
}

// A slow first chunk holds the others back: the readers run at most a
// window ahead of it, the chunks after it finish first, and the rows still
// reach the handler in key order.
func TestSnapshotDeliversInKeyOrderWithinWindow(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		const n, split = 300, 20
		createOrderTable(t, db, n)
		cfg := orderConfig(db, split)
		window := readAheadWindow(cfg.SnapshotParallelism)
		var (
			started atomic.Int32
			release = make(chan struct{})
			mu      sync.Mutex
			order   []int // chunk indexes as their reads end
		)
		hooks := &snapshotTestHooks{
			reading: func(task chunkTask) {
				started.Add(1)
				if task.index == 0 {
					select {
					case <-release:
					case <-time.After(20 * time.Second):
					}
				}
			},
			read: func(res chunkResult) {
				mu.Lock()
				order = append(order, res.task.index)
				mu.Unlock()
			},
		}
		// Chunk 0 is held: the readers fill the window and stop there.
		var got atomic.Int32
		go func() {
			deadline := time.Now().Add(20 * time.Second)
			for started.Load() < int32(window) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond)
			got.Store(started.Load())
			close(release)
		}()
		events := runOrderSnapshot(t, cfg, hooks)
		mu.Lock()
		defer mu.Unlock()
		if slices.Index(order, 0) < window-1 {
			t.Fatalf("chunk reads ended in the order %v, want chunk 0 after the rest of the window: the test proves nothing", order)
		}
		if got := got.Load(); got != int32(window) {
			t.Errorf("%d chunks started while the first was held, want the window's %d", got, window)
		}
		checkKeyOrder(t, events, n)
		t.Logf("%d chunks read in the order %v", len(order), order)
	})
}

// Chunks that finish out of order, each group's first after the rest with
// a newer high watermark, cost no checkpoint save each: one save covers
// the chunks ahead whatever order they were read in.
func TestSnapshotOutOfOrderChunksShareSaves(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		const n, split = 640, 10
		createOrderTable(t, db, n)
		db.Exec(t, "CREATE TABLE side (id INT AUTO_INCREMENT PRIMARY KEY)")
		cfg := orderConfig(db, split)
		// A group is a window: its first chunk can wait for the rest.
		group := readAheadWindow(cfg.SnapshotParallelism)
		store := &markStore{}
		cfg.OffsetStore = store
		commits := &countCommits{}
		cfg.Hooks = []Hook{commits}
		var (
			mu    sync.Mutex
			cond  = sync.NewCond(&mu)
			read  = map[int]bool{}
			order []int
		)
		hooks := &snapshotTestHooks{
			// The first chunk of each group waits for the rest of its
			// group, then moves the binlog on: its high watermark is newer
			// than theirs.
			reading: func(task chunkTask) {
				if task.index%group != 0 {
					return
				}
				last := min(task.index+group, len(task.table.snap.Chunks)) - 1
				deadline := time.Now().Add(10 * time.Second)
				timer := time.AfterFunc(10*time.Second, func() { mu.Lock(); cond.Broadcast(); mu.Unlock() })
				defer timer.Stop()
				mu.Lock()
				for i := task.index + 1; i <= last && time.Now().Before(deadline); {
					if read[i] {
						i++
						continue
					}
					cond.Wait()
				}
				mu.Unlock()
				if _, err := db.DB.Exec("INSERT INTO side VALUES ()"); err != nil {
					t.Error(err)
				}
			},
			read: func(res chunkResult) {
				mu.Lock()
				read[res.task.index] = true
				order = append(order, res.task.index)
				cond.Broadcast()
				mu.Unlock()
			},
		}
		events := runOrderSnapshot(t, cfg, hooks)
		checkKeyOrder(t, events, n)
		mu.Lock()
		chunks := len(order)
		late := 0
		for i, c := range order {
			if c%group == 0 && c+1 < chunks && slices.Index(order, c+1) < i {
				late++
			}
		}
		mu.Unlock()
		if late < chunks/group-1 {
			t.Fatalf("only %d of %d groups' first chunks finished after the next: the test proves nothing (order %v)", late, chunks/group, order)
		}
		// A save that marks chunks ahead gives them a DeliveredFrom at or
		// before their high watermarks: none needs a save of its own.
		if remarks := store.remarks(); len(remarks) > 0 {
			t.Fatalf("chunks %v saved again with a DeliveredFrom older than their mark", remarks)
		}
		// The saves recordDelivery made: the store's, less the commits'.
		c := commits.n.Load()
		saves := store.count() - int(c)
		batch := max(deliveryBatch*cfg.SnapshotParallelism, chunks/deliverySaves)
		// One save per batch, and a few for the chunks read before any
		// other was.
		if want := chunks/batch + 1 + cfg.SnapshotParallelism; saves > want {
			t.Fatalf("%d delivery saves for %d chunks read out of order, want at most %d", saves, chunks, want)
		}
		t.Logf("%d delivery saves for %d chunks, %d commits", saves, chunks, c)
	})
}

// countCommits counts the checkpoints the source stored at commits.
type countCommits struct{ n atomic.Int64 }

// OnCheckpointStored counts a commit's save.
func (c *countCommits) OnCheckpointStored(CheckpointStored) { c.n.Add(1) }

// markStore is a MemoryOffsetStore that counts its saves and records the
// snapshot chunks whose DeliveredFrom a save changed once it was set: a
// chunk marked ahead with a DeliveredFrom newer than its high watermark,
// which had to save its own.
type markStore struct {
	cdc.MemoryOffsetStore
	mu    sync.Mutex
	saves int
	last  map[int]Offset // each chunk's DeliveredFrom in the last save
	moved []int
}

// Save records cp's changes and stores it.
func (s *markStore) Save(ctx context.Context, cp *cdc.Checkpoint) error {
	st, err := decodeState(cp, "the test's checkpoint")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.saves++
	if s.last == nil {
		s.last = map[int]Offset{}
	}
	if st.Snapshot != nil && len(st.Snapshot.Tables) == 1 {
		for i, c := range st.Snapshot.Tables[0].Chunks {
			if prev := s.last[i]; !prev.IsZero() && prev != c.DeliveredFrom {
				s.moved = append(s.moved, i)
			}
			s.last[i] = c.DeliveredFrom
		}
	}
	s.mu.Unlock()
	return s.MemoryOffsetStore.Save(ctx, cp)
}

// count returns how many times Save was called.
func (s *markStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// remarks returns the chunks whose DeliveredFrom changed once set.
func (s *markStore) remarks() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.moved)
}

// The mark for the chunks ahead is no newer than any chunk of the window:
// read and waiting, or still being read with the floor its high watermark
// will not be older than.
func TestReadAheadOldest(t *testing.T) {
	a := newReadAhead(4)
	a.dispatched(0, Offset{})
	a.dispatched(1, chunkHW(3))
	a.dispatched(2, chunkHW(3))
	a.dispatched(3, chunkHW(5))
	if err := a.read(0, chunkResult{task: chunkTask{pos: 2}, hw: chunkHW(4)}); err != nil {
		t.Fatal(err)
	}
	if err := a.read(0, chunkResult{task: chunkTask{pos: 0}, hw: chunkHW(9)}); err != nil {
		t.Fatal(err)
	}
	res, ok := a.take(0)
	if !ok || res.hw != chunkHW(9) {
		t.Fatalf("take(0) = %v, %v; want chunk 0 read at %s", res.hw, ok, chunkHW(9))
	}
	// Chunk 1, being read, has a floor of 3; chunk 2 was read at 4.
	if got := a.oldest(res.hw); got != chunkHW(3) {
		t.Fatalf("oldest = %s, want chunk 1's floor %s", got, chunkHW(3))
	}
	if _, ok := a.take(1); ok {
		t.Fatal("take(1) returned a chunk not yet read")
	}
	if err := a.read(1, chunkResult{task: chunkTask{pos: 5, table: &tableState{}}, hw: chunkHW(6)}); err == nil {
		t.Fatal("a chunk outside the window was taken in")
	}
	a.dispatched(4, chunkHW(9))
	if err := a.read(1, chunkResult{task: chunkTask{pos: 1}, hw: chunkHW(7)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.take(1); !ok {
		t.Fatal("take(1) found nothing")
	}
	// Chunk 2 read at 4 is the oldest of the window 2 to 4.
	if got := a.oldest(chunkHW(7)); got != chunkHW(4) {
		t.Fatalf("oldest = %s, want chunk 2's %s", got, chunkHW(4))
	}
}
