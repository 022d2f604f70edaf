package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// snapshotCheckpoint returns a checkpoint of one table split into n chunks,
// none delivered, as prepareSnapshot leaves it, with a runner whose last
// save it is.
func snapshotCheckpoint(tb testing.TB, n int) (*runner, *tableState) {
	tb.Helper()
	st := newCheckpointState()
	ts := tableSnapshot{Table: cdc.TableID{Database: "shop", Table: "orders"}, KeyColumn: "id"}
	for i := range n {
		lo, hi := int64(i*8096), int64((i+1)*8096)
		ts.Chunks = append(ts.Chunks, snapshotChunk{Start: &chunkBound{Int: &lo}, End: &chunkBound{Int: &hi}})
	}
	st.Snapshot = &snapshotState{Tables: []tableSnapshot{ts}}
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username = "127.0.0.1", "cdc"
	cfg.DatabaseList, cfg.TableList = []string{"shop"}, []string{"shop.orders"}
	cfg.OffsetStore = &countingStore{}
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	r := &runner{src: src, cfg: src.cfg, sink: cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })), cp: st}
	r.saved = st.clone()
	return r, &tableState{id: ts.Table, snap: &st.Snapshot.Tables[0]}
}

// countingStore is a MemoryOffsetStore that counts its saves.
type countingStore struct {
	cdc.MemoryOffsetStore
	saves int
}

func (s *countingStore) Save(ctx context.Context, cp *cdc.Checkpoint) error {
	s.saves++
	return s.MemoryOffsetStore.Save(ctx, cp)
}

// Saves returns how many times Save was called.
func (s *countingStore) Saves() int { return s.saves }

// chunkHW is chunk i's high watermark, with a GTID set as long as a
// single-source MySQL server's.
func chunkHW(i int) Offset {
	return Offset{File: "binlog.000042", Pos: uint64(1000 + 977*i), GTIDSet: fmt.Sprintf("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-%d", 5000+3*i)}
}

// Each chunk's rows are handed over only after a save that holds a
// DeliveredFrom no newer than their high watermark, yet one save covers
// many chunks.
func TestRecordDeliveryCoversChunksAhead(t *testing.T) {
	const n = 300
	r, ts := snapshotCheckpoint(t, n)
	store := r.cfg.OffsetStore.(*countingStore)
	saves := 0
	ctx := context.Background()
	// Chunks complete out of order, as parallel readers finish them: 1
	// before 0, each with its own high watermark.
	order := []int{1, 0}
	for i := 2; i < n; i++ {
		order = append(order, i)
	}
	for k, i := range order {
		hw := chunkHW(k)
		before := store.Saves()
		if err := r.recordDelivery(ctx, chunkResult{task: chunkTask{table: ts, index: i}, hw: hw}, hw); err != nil {
			t.Fatal(err)
		}
		if store.Saves() > before {
			saves++
		}
		cp, err := store.Load(ctx)
		if err != nil || cp == nil {
			t.Fatalf("chunk %d: no saved checkpoint: %v", i, err)
		}
		var saved checkpointState
		if err := json.Unmarshal(cp.State, &saved); err != nil {
			t.Fatal(err)
		}
		from := saved.Snapshot.Tables[0].Chunks[i].DeliveredFrom
		if from.IsZero() || from.Compare(hw) > 0 {
			t.Fatalf("chunk %d handed over at %s with a saved DeliveredFrom of %s", i, hw, from)
		}
		ts.snap.Chunks[i].Done, ts.snap.Chunks[i].HighWatermark = true, hw
	}
	// Chunk 0 completed after chunk 1 with a newer watermark: covered by
	// chunk 1's save. Every batch costs one save.
	batch := max(deliveryBatch*r.cfg.parallelism, n/deliverySaves)
	if want := (n + batch) / (batch + 1); saves > want+1 {
		t.Fatalf("%d saves for %d chunks, want about %d", saves, n, want)
	}
	t.Logf("%d saves for %d chunks", saves, n)
}

// A clone shares nothing the running source modifies.
func TestCheckpointCloneIsIndependent(t *testing.T) {
	r, _ := snapshotCheckpoint(t, 3)
	r.cp.Tables = []cdc.TableID{{Database: "shop", Table: "orders"}}
	r.cp.Server = &binlogServer{ID: "server_uuid x", Previous: []string{"a"}}
	c := r.cp.clone()
	before, _ := json.Marshal(c)
	r.cp.Snapshot.Tables[0].Chunks[1].Done = true
	r.cp.Snapshot.Tables[0].Chunks[2].DeliveredFrom = chunkHW(1)
	r.cp.Snapshot.Tables[0].KeyColumn = "other"
	r.cp.Snapshot.Done = true
	r.cp.Tables[0].Table = "changed"
	r.cp.Server.Previous[0] = "b"
	r.cp.Server.LastFile = 9
	after, _ := json.Marshal(c)
	if string(before) != string(after) {
		t.Fatalf("changing the source's state changed its clone:\nbefore %s\nafter  %s", before, after)
	}
	orig, _ := json.Marshal(r.cp)
	if string(orig) == string(after) {
		t.Fatal("the changes did not reach the original: the test proves nothing")
	}
}

// BenchmarkSnapshotCheckpoint is the checkpoint's cost per chunk of a
// snapshot of n chunks: recordDelivery before each chunk's rows, the
// chunk marked done, and commit on the interval. each-chunk saves before
// every chunk, as the source did before deliveryBatch: its cost grows with
// n, since every save writes every chunk.
func BenchmarkSnapshotCheckpoint(b *testing.B) {
	for _, n := range []int{250, 2500} {
		for _, mode := range []string{"each-chunk", "batched"} {
			b.Run(fmt.Sprintf("chunks=%d/%s", n, mode), func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					b.StopTimer()
					r, ts := snapshotCheckpoint(b, n)
					r.cfg.OffsetCommitInterval = DefaultOffsetCommitInterval
					b.StartTimer()
					for i := range n {
						hw := chunkHW(i)
						if mode == "each-chunk" {
							r.saved.Snapshot.Tables[0].Chunks[i].DeliveredFrom = hw
							if err := r.save(ctx, r.saved); err != nil {
								b.Fatal(err)
							}
						} else if err := r.recordDelivery(ctx, chunkResult{task: chunkTask{table: ts, index: i}, hw: hw}, hw); err != nil {
							b.Fatal(err)
						}
						c := &ts.snap.Chunks[i]
						c.Done, c.HighWatermark, c.DeliveredFrom = true, hw, hw
						r.dirty = true
						if err := r.commit(ctx, i == n-1); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/chunk")
			})
		}
	}
}
