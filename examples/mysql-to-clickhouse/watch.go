package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/clickhouse"
)

// snapshotWatch is a hook of the source: it hands over the snapshot's
// figures once the snapshot is delivered.
type snapshotWatch struct {
	done chan mysql.SnapshotDone
}

func newSnapshotWatch() *snapshotWatch {
	return &snapshotWatch{done: make(chan mysql.SnapshotDone, 1)}
}

// OnSnapshotDone must not block: the channel has room for the one snapshot
// of a run.
func (w *snapshotWatch) OnSnapshotDone(e mysql.SnapshotDone) {
	select {
	case w.done <- e:
	default:
	}
}

func newBar(on bool, max int64, what string) *progressbar.ProgressBar {
	if !on {
		return progressbar.DefaultSilent(max)
	}
	return progressbar.Default(max, what)
}

// watchSnapshot shows the snapshot's rows as the pipeline delivers them
// until the source's hook says it is done.
func watchSnapshot(ctx context.Context, bars bool, p *pipeline.Pipeline, w *snapshotWatch, done <-chan error, rows int64) (mysql.SnapshotDone, error) {
	bar := newBar(bars, rows, "snapshot → ClickHouse")
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case snap := <-w.done:
			_ = bar.Set64(snapshotRows(p.Progress()))
			_ = bar.Finish()
			return snap, nil
		case err := <-done:
			return mysql.SnapshotDone{}, fmt.Errorf("pipeline stopped during the snapshot: %w", err)
		case <-ctx.Done():
			return mysql.SnapshotDone{}, ctx.Err()
		case <-tick.C:
			_ = bar.Set64(snapshotRows(p.Progress()))
		}
	}
}

func snapshotRows(p pipeline.Progress) int64 {
	var n int64
	for _, t := range p.Tables {
		n += t.SnapshotRows
	}
	return n
}

// applyChanges changes rows in small transactions until o.changes rows
// changed (or, with 0, until ctx ends), showing the changes made, the
// events the pipeline delivered and its live lag.
func applyChanges(ctx context.Context, db *sql.DB, g *gmall, o options, p *pipeline.Pipeline, done <-chan error) (int, error) {
	total := int64(o.changes)
	what := "changing MySQL"
	if o.changes == 0 {
		total, what = -1, "changing MySQL until Ctrl-C"
	}
	bar := newBar(o.bars, total, what)
	start := p.Progress().EventsIn
	changed, last := 0, time.Now()
	for version := 1; o.changes == 0 || changed < o.changes; version++ {
		select {
		case err := <-done:
			return changed, fmt.Errorf("pipeline stopped: %w", err)
		default:
		}
		n, err := g.changeTx(ctx, db, version)
		if err != nil {
			if ctx.Err() != nil {
				return changed, ctx.Err()
			}
			return changed, err
		}
		changed += n
		_ = bar.Add(n)
		if time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			pr := p.Progress()
			bar.Describe(fmt.Sprintf("%s: %d events delivered, lag %s", what, pr.EventsIn-start, pr.Lag.Round(time.Millisecond)))
		}
	}
	_ = bar.Finish()
	return changed, nil
}

// waitEqual waits until ClickHouse's visible state of every table equals
// MySQL's, the order shards merged, every column compared.
func waitEqual(ctx context.Context, db *sql.DB, sink *clickhouse.Sink, g *gmall, schemas map[cdc.TableID]*cdc.TableSchema, done <-chan error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		diff, err := compareAll(ctx, db, sink, g, schemas)
		if err == nil && diff == "" {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("ClickHouse did not converge to MySQL's state in 2 minutes: %s", diff)
		}
		select {
		case err := <-done:
			return fmt.Errorf("pipeline stopped: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// compareAll returns "" when ClickHouse holds MySQL's rows, or the first
// difference.
func compareAll(ctx context.Context, db *sql.DB, sink *clickhouse.Sink, g *gmall, schemas map[cdc.TableID]*cdc.TableSchema) (string, error) {
	for _, name := range []string{"users", "skus"} {
		s := schemas[cdc.TableID{Database: g.db, Table: name}]
		want, err := mysql.ReadTable(ctx, db, s)
		if err != nil {
			return "", err
		}
		got, err := sink.ReadTable(ctx, s)
		if err != nil {
			return "", err
		}
		if d := compareRows(want, got); d != "" {
			return name + ": " + d, nil
		}
	}
	// The orders: every shard's rows that pass the filter, with their shard, in one table.
	var want []cdc.Row
	var merged *cdc.TableSchema
	for i := range g.shards {
		s := schemas[cdc.TableID{Database: g.db, Table: g.shardName(i)}]
		rows, err := mysql.ReadTable(ctx, db, s)
		if err != nil {
			return "", err
		}
		for _, r := range rows {
			if r[s.ColumnIndex("status")] != "cancelled" {
				want = append(want, append(r, g.shardName(i)))
			}
		}
		if merged == nil {
			if merged, err = orderOutputSchema(s); err != nil {
				return "", err
			}
			m := *merged
			m.Table = cdc.TableID{Database: g.db, Table: "order_info"}
			merged = &m
		}
	}
	slices.SortFunc(want, func(a, b cdc.Row) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
	got, err := sink.ReadTable(ctx, merged)
	if err != nil {
		return "", err
	}
	if d := compareRows(want, got); d != "" {
		return "order_info: " + d, nil
	}
	return "", nil
}

// orderOutputSchema is the schema of the orders after their transform, as
// the pipeline computes it: the sink created order_info with it.
func orderOutputSchema(shard *cdc.TableSchema) (*cdc.TableSchema, error) {
	proj, err := expr.ParseProjection(orderProjection)
	if err != nil {
		return nil, err
	}
	filter, err := expr.ParseFilter(orderFilter)
	if err != nil {
		return nil, err
	}
	t, err := expr.CompileTransform(shard, &proj, filter, expr.Options{})
	if err != nil {
		return nil, err
	}
	return t.Schema(), nil
}

// compareRows returns "" when both hold the same rows, or the first difference.
func compareRows(want, got []cdc.Row) string {
	if len(want) != len(got) {
		return fmt.Sprintf("MySQL has %d rows, ClickHouse %d", len(want), len(got))
	}
	for i := range want {
		for j := range want[i] {
			if a, b := fmt.Sprint(want[i][j]), fmt.Sprint(got[i][j]); a != b {
				return fmt.Sprintf("row %d column %d: MySQL %s, ClickHouse %s", i, j, a, b)
			}
		}
	}
	return ""
}
