//go:build unix

package mysql

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// emitChunkFresh is emitChunk as it was before its batches reused one
// slice: a new slice of FetchSize events for every chunk, each event's
// source block made whole. Kept as the baseline of BenchmarkEmitChunk.
func (r *runner) emitChunkFresh(ctx context.Context, res chunkResult, firstRow *bool, lastChunk bool) error {
	t := res.task.table
	now := time.Now().UnixMilli()
	batch := make([]cdc.Event, 0, min(len(res.rows)+len(res.deletes), r.cfg.FetchSize))
	for _, d := range res.deletes {
		batch = append(batch, cdc.Event{Op: cdc.OpDelete, Table: t.id, Schema: res.schema, Before: d.row, TsMs: now, Source: d.source})
		if len(batch) == cap(batch) {
			if err := r.deliver(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	for i, row := range res.rows {
		marker := cdc.SnapshotTrue
		if *firstRow {
			marker, *firstRow = cdc.SnapshotFirst, false
		}
		if lastChunk && i == len(res.rows)-1 {
			marker = cdc.SnapshotLast
		}
		batch = append(batch, cdc.Event{
			Op: cdc.OpRead, Table: t.id, Schema: res.schema, After: row, TsMs: now,
			Source: cdc.Source{TsMs: res.tsMs, Snapshot: marker, Database: t.id.Database, Table: t.id.Table,
				File: res.hw.File, Pos: res.hw.Pos},
		})
		if len(batch) == cap(batch) {
			if err := r.deliver(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return r.deliver(ctx, batch)
	}
	return nil
}

// emitTestRunner is a runner that delivers to sink, as the snapshot has it.
func emitTestRunner(t testing.TB, sink cdc.Sink) *runner {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.ServerID, cfg.Name = "127.0.0.1", "u", "1", "emit-test"
	cfg.DatabaseList = []string{"db"}
	s, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &runner{src: s, cfg: s.cfg, sink: sink, cp: &checkpointState{}}
}

// emitTestChunk is a chunk of n rows of BenchmarkSelectChunk's bench table.
func emitTestChunk(n int) chunkResult {
	id := cdc.TableID{Database: "db", Table: "bench"}
	schema := &cdc.TableSchema{Table: id}
	rows := make([]cdc.Row, n)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = cdc.Row{int64(i), int64(i % 1000), "name", decimal.New(int64(i), -2), at}
	}
	return chunkResult{task: chunkTask{table: &tableState{id: id, schema: schema}}, rows: rows, schema: schema,
		hw: Offset{File: "binlog.000001", Pos: 4}, tsMs: 1}
}

// BenchmarkEmitChunk hands a chunk of DefaultSplitSize rows to a sink that
// reads each event and keeps nothing, both ways in the same run: fresh is
// the old emitChunk (a new batch for every chunk), reused the current one.
// cpu-ns/row is this process's CPU time per row, garbage collection
// included.
func BenchmarkEmitChunk(b *testing.B) {
	ctx := context.Background()
	res := emitTestChunk(DefaultSplitSize)
	var seen int64
	sink := cdc.Unbuffered(cdc.HandlerFunc(func(_ context.Context, events []cdc.Event) error {
		for i := range events {
			seen += int64(len(events[i].After)) + events[i].Source.TsMs
		}
		return nil
	}))
	for _, path := range []struct {
		name string
		emit func(r *runner, firstRow *bool) error
	}{
		{"fresh", func(r *runner, firstRow *bool) error { return r.emitChunkFresh(ctx, res, firstRow, false) }},
		{"reused", func(r *runner, firstRow *bool) error { return r.emitChunk(ctx, res, firstRow, false) }},
	} {
		b.Run(path.name, func(b *testing.B) {
			r := emitTestRunner(b, sink)
			firstRow := true
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU(b)
			for range b.N {
				if err := path.emit(r, &firstRow); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N * DefaultSplitSize)
			b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/n, "cpu-ns/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
		})
	}
}

// emitChunk hands over the events emitChunkFresh did, field for field,
// deletes first, with the snapshot's first and last markers, in batches of
// FetchSize; a handler that keeps the events of a batch still has them
// after the next batches reused the slice.
func TestEmitChunkMatchesFresh(t *testing.T) {
	ctx := context.Background()
	collect := func(emit func(r *runner, res chunkResult, first *bool, last bool) error) []cdc.Event {
		var kept []cdc.Event
		var sizes []int
		r := emitTestRunner(t, cdc.Unbuffered(cdc.HandlerFunc(func(_ context.Context, events []cdc.Event) error {
			sizes = append(sizes, len(events))
			kept = append(kept, events...)
			return nil
		})))
		r.cfg.FetchSize = 7
		first := true
		for i, n := range []int{20, 1, 7, 0, 3} {
			res := emitTestChunk(n)
			if i == 2 {
				res.deletes = []chunkDelete{{row: cdc.Row{int64(-1)}, source: cdc.Source{Name: "emit-test", File: "binlog.000001", Pos: 3}},
					{row: cdc.Row{int64(-2)}, source: cdc.Source{Name: "emit-test", File: "binlog.000001", Pos: 3}}}
			}
			res.hw.Pos = uint64(100 + i)
			if err := emit(r, res, &first, i == 4); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range sizes {
			if s > 7 || s == 0 {
				t.Errorf("a batch of %d events, want 1 to FetchSize (7)", s)
			}
		}
		for i := range kept {
			kept[i].TsMs = 0 // when the event was made
		}
		return kept
	}
	want := collect(func(r *runner, res chunkResult, first *bool, last bool) error {
		return r.emitChunkFresh(ctx, res, first, last)
	})
	got := collect(func(r *runner, res chunkResult, first *bool, last bool) error {
		return r.emitChunk(ctx, res, first, last)
	})
	if len(got) != 33 || len(want) != 33 {
		t.Fatalf("%d events, want %d and 33", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if got[0].Source.Snapshot != cdc.SnapshotFirst || got[32].Source.Snapshot != cdc.SnapshotLast || got[21].Op != cdc.OpDelete {
		t.Errorf("markers %s, %s; event 21 %s", got[0].Source.Snapshot, got[32].Source.Snapshot, got[21].Op)
	}
}
