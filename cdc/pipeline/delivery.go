package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// sinkState is one sink with the pipeline's lock around it: several sources
// may share it, and a sink is handed one batch at a time.
type sinkState struct {
	spec SinkSpec
	// appliesPolicy: the sink applies schema changes under a policy of its
	// own (SchemaChangeSink), IGNORE included.
	appliesPolicy bool

	mu sync.Mutex
	// events counts the events handed since the last Flush; oldestMs is the
	// commit time of the oldest binlog change among them (0: none).
	events   int64
	oldestMs int64
}

func (s *sinkState) handle(ctx context.Context, batch []cdc.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.spec.Sink.HandleEvents(ctx, batch); err != nil {
		return fmt.Errorf("sink %q: %w", s.spec.Name, err)
	}
	s.events += int64(len(batch))
	for i := range batch {
		if ms := batch[i].Source.TsMs; ms > 0 && !batch[i].Source.IsSnapshot() && (s.oldestMs == 0 || ms < s.oldestMs) {
			s.oldestMs = ms
		}
	}
	return nil
}

func (s *sinkState) flush(ctx context.Context) SinkFlush {
	s.mu.Lock()
	defer s.mu.Unlock()
	began := time.Now()
	err := s.spec.Sink.Flush(ctx)
	end := time.Now()
	f := SinkFlush{Sink: s.spec.Name, Events: s.events, Duration: end.Sub(began), Err: err}
	if err != nil {
		f.Err = fmt.Errorf("sink %q: flush: %w", s.spec.Name, err)
		return f
	}
	if s.oldestMs > 0 {
		f.Lag = end.Sub(time.UnixMilli(s.oldestMs))
	}
	s.events, s.oldestMs = 0, 0
	return f
}

// target is where a source table's events go: a sink and a sink table.
type target struct {
	sink  int
	table cdc.TableID
}

type routedKey struct {
	schema *cdc.TableSchema
	target target
}

// delivery is the cdc.Sink one source delivers to: it transforms and
// routes each batch, hands the sinks their parts, and flushes them when the
// source asks. Only its source's goroutine uses it.
type delivery struct {
	p      *Pipeline
	source int

	bound   map[*cdc.TableSchema]*boundTransform // nil value: no transform matches
	targets map[cdc.TableID][]target
	routed  map[routedKey]*cdc.TableSchema
	batches [][]cdc.Event // per sink, reused
	dirty   []bool        // sinks handed events since the last Flush
	counts  map[cdc.TableID]*TableProgress
	// flushed is set once a Flush of this run succeeded.
	flushed bool
}

func (p *Pipeline) newDelivery(source int) *delivery {
	return &delivery{p: p, source: source, bound: map[*cdc.TableSchema]*boundTransform{},
		targets: map[cdc.TableID][]target{}, routed: map[routedKey]*cdc.TableSchema{},
		batches: make([][]cdc.Event, len(p.sinks)), dirty: make([]bool, len(p.sinks)),
		counts: map[cdc.TableID]*TableProgress{}}
}

// HandleEvents transforms and routes events and hands each sink its part.
func (d *delivery) HandleEvents(ctx context.Context, events []cdc.Event) error {
	var lagMs int64
	out := 0
	for i := range events {
		orig := &events[i]
		c := d.count(orig.Table)
		if orig.Op.IsRowChange() && !orig.Source.IsSnapshot() && orig.Source.TsMs > 0 {
			lagMs = orig.Source.TsMs
		}
		e := *orig
		if e.Schema != nil {
			bt, err := d.transform(e.Schema)
			if err != nil {
				return err
			}
			if bt != nil {
				keep, err := bt.apply(&e)
				if err != nil {
					rerr := &RowError{Table: orig.Table, Op: orig.Op, Key: rowKey(orig), Transform: bt.t.index, Err: err}
					if d.p.cfg.OnTransformError == StopOnError {
						return rerr
					}
					c.Skipped++
					d.skipped(rerr)
					continue
				}
				if !keep {
					c.Filtered++
					continue
				}
			}
		}
		countOp(c, orig.Op)
		ts, err := d.targetsOf(orig.Table)
		if err != nil {
			return err
		}
		for _, t := range ts {
			ev := e
			ev.Table = t.table
			if ev.Schema != nil {
				ev.Schema = d.routedSchema(ev.Schema, t)
			}
			if len(orig.Changes) > 0 {
				changes, err := d.routeChanges(orig.Table, orig.Changes, orig.DDL, t)
				if err != nil {
					d.dropBatches()
					return err
				}
				if len(changes) == 0 {
					continue // nothing of the statement reaches this sink table
				}
				ev.Changes = changes
			}
			if keep, err := schemaChangesFor(d.p.sinks[t.sink].spec.SchemaChanges, d.p.sinks[t.sink].appliesPolicy, &ev); !keep {
				if err != nil {
					d.dropBatches()
					return fmt.Errorf("sink %q: %w", d.p.sinks[t.sink].spec.Name, err)
				}
				continue
			}
			d.batches[t.sink] = append(d.batches[t.sink], ev)
			out++
		}
	}
	for i, batch := range d.batches {
		if len(batch) == 0 {
			continue
		}
		err := d.p.sinks[i].handle(ctx, batch)
		clear(batch)
		d.batches[i] = batch[:0]
		if err != nil {
			return err
		}
		d.dirty[i] = true
	}
	var lag time.Duration
	if lagMs > 0 {
		lag = time.Since(time.UnixMilli(lagMs))
	}
	d.p.progress.add(d.counts, len(events), out, lag)
	for _, h := range d.p.hooks.delivered {
		h.OnDelivered(Delivered{Source: d.source, In: len(events), Out: out, Lag: lag})
	}
	return nil
}

// dropBatches empties the batches of a HandleEvents that fails.
func (d *delivery) dropBatches() {
	for i := range d.batches {
		clear(d.batches[i])
		d.batches[i] = d.batches[i][:0]
	}
}

// Flush flushes every sink this source handed events to since its last
// Flush; the source stores its checkpoint only after it returns nil.
func (d *delivery) Flush(ctx context.Context) error {
	var errs []error
	for i, s := range d.p.sinks {
		if !d.dirty[i] {
			continue
		}
		f := s.flush(ctx)
		for _, h := range d.p.hooks.flush {
			h.OnSinkFlush(f)
		}
		if f.Err != nil {
			d.p.log.Debug("pipeline: sink flush failed", "sink", f.Sink, "took", f.Duration, "err", f.Err)
			errs = append(errs, f.Err)
			continue
		}
		d.p.log.Debug("pipeline: sink flushed", "sink", f.Sink, "events", f.Events, "took", f.Duration, "lag", f.Lag)
		d.p.progress.flushed(f)
		d.dirty[i] = false
	}
	if len(errs) == 0 {
		d.flushed = true
	}
	return errors.Join(errs...)
}

func (d *delivery) count(id cdc.TableID) *TableProgress {
	c := d.counts[id]
	if c == nil {
		c = &TableProgress{Table: id}
		d.counts[id] = c
	}
	return c
}

func countOp(c *TableProgress, op cdc.Op) {
	switch op {
	case cdc.OpRead:
		c.SnapshotRows++
	case cdc.OpCreate:
		c.Inserts++
	case cdc.OpUpdate:
		c.Updates++
	case cdc.OpDelete:
		c.Deletes++
	case cdc.OpSchemaChange:
		c.SchemaChanges++
	}
}

func (d *delivery) skipped(e *RowError) {
	d.p.log.Warn("pipeline: row skipped: its transform failed", "table", e.Table.String(), "key", e.Key, "op", string(e.Op),
		"transform", e.Transform, "err", e.Err)
	for _, h := range d.p.hooks.skipped {
		h.OnRowSkipped(e)
	}
}

// transform returns the transform of schema's table bound to schema, nil
// when none matches, or a *ConfigError when the transform does not fit the
// table (an unknown column): the table's first row never reaches a sink.
func (d *delivery) transform(schema *cdc.TableSchema) (*boundTransform, error) {
	if bt, ok := d.bound[schema]; ok {
		return bt, nil
	}
	t := transformFor(d.p.transforms, schema.Table)
	if t == nil {
		d.bound[schema] = nil
		return nil, nil
	}
	bt, bad := t.bind(schema)
	if len(bad) > 0 {
		ps := problems.New("pipeline", fmt.Sprintf("pipeline %q for table %s", d.p.cfg.Name, schema.Table), ErrInvalidConfig)
		for _, p := range bad {
			ps.Add(p.Field, p.Value, "%s", p.Fix)
		}
		return nil, ps
	}
	d.bound[schema] = bt
	d.p.log.Info("pipeline: transform bound", "table", schema.Table.String(), "transform", t.index, "columns", len(bt.out.Columns))
	return bt, nil
}

// targetsOf returns where the events of table id go.
func (d *delivery) targetsOf(id cdc.TableID) ([]target, error) {
	if ts, ok := d.targets[id]; ok {
		return ts, nil
	}
	var ts []target
	s := id.String()
	for i := range d.p.routes {
		r := &d.p.routes[i]
		if !r.re.MatchString(s) {
			continue
		}
		t, err := r.target(id)
		if err != nil {
			return nil, err
		}
		ts = append(ts, target{sink: r.sink, table: t})
		d.p.feed(target{sink: r.sink, table: t}, sourceTable{d.source, id})
		d.p.log.Info("pipeline: table routed", "table", s, "sink", d.p.sinks[r.sink].spec.Name, "to", t.String())
		if d.p.cfg.RouteMode == RouteFirstMatch {
			break
		}
	}
	if len(ts) == 0 {
		for i, sk := range d.p.sinks {
			if !sk.spec.OnlyRouted {
				ts = append(ts, target{sink: i, table: id})
				d.p.feed(target{sink: i, table: id}, sourceTable{d.source, id})
			}
		}
	}
	d.targets[id] = ts
	return ts, nil
}

// routeChanges returns a statement's structured schema changes as they
// apply to sink table t: renamed to t, their schemas transformed and
// routed. A change of a column the transform leaves out does not reach the
// sink. Dropping, truncating or renaming the table reaches it when src is
// the only source table routed to t (a rename as a rename to where the
// routes send the new name); when other source tables are merged into t,
// shardTableChange decides.
func (d *delivery) routeChanges(src cdc.TableID, changes []cdc.SchemaChange, ddl string, t target) ([]cdc.SchemaChange, error) {
	routed := t.table != src
	out := make([]cdc.SchemaChange, 0, len(changes))
	for _, c := range changes {
		switch c.Kind {
		case cdc.ChangeDropTable, cdc.ChangeTruncateTable, cdc.ChangeRenameTable:
			if d.p.merged(t, sourceTable{d.source, src}) {
				if err := d.shardTableChange(src, c, ddl, t); err != nil {
					return nil, err
				}
				continue
			}
			if c.Kind == cdc.ChangeRenameTable && routed {
				to, ok, err := d.renamedTo(c.NewTable, t)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
				c.NewTable = to
			}
		}
		var err error
		if c.After, err = d.outSchema(c.After, t); err != nil {
			return nil, err
		}
		if c.Before, err = d.outSchema(c.Before, t); err != nil {
			return nil, err
		}
		if !columnKept(c) {
			continue
		}
		c.Table = t.table
		if c.NewTable != (cdc.TableID{}) && !routed {
			c.NewTable = cdc.TableID{Database: t.table.Database, Table: c.NewTable.Table}
		}
		out = append(out, c)
	}
	return out, nil
}

// renamedTo returns the sink table that source table renamed to newName
// (routed one to one to t before) goes to in t's sink: where the routes send
// the new name. ok is false, with a warning, when they send it nowhere in
// that sink, to several tables or into a table other source tables feed:
// the sink table then keeps its name and rows.
func (d *delivery) renamedTo(newName cdc.TableID, t target) (to cdc.TableID, ok bool, err error) {
	ts, err := d.targetsOf(newName)
	if err != nil {
		return cdc.TableID{}, false, err
	}
	var in []cdc.TableID
	for _, nt := range ts {
		if nt.sink == t.sink {
			in = append(in, nt.table)
		}
	}
	why := ""
	switch {
	case len(in) == 0:
		why = "the routes send the new name nowhere in this sink"
	case len(in) > 1:
		why = "the routes send the new name to several tables of this sink"
	case d.p.merged(target{sink: t.sink, table: in[0]}, sourceTable{d.source, newName}):
		why = "the routes send the new name into a table other source tables feed"
	default:
		return in[0], true, nil
	}
	d.p.log.Warn("pipeline: rename not passed on: "+why, "table", newName.String(),
		"sink", d.p.sinks[t.sink].spec.Name, "sink_table", t.table.String())
	return cdc.TableID{}, false, nil
}

// outSchema is schema after the transform of its table, routed to t.
func (d *delivery) outSchema(schema *cdc.TableSchema, t target) (*cdc.TableSchema, error) {
	if schema == nil {
		return nil, nil
	}
	bt, err := d.transform(schema)
	if err != nil {
		return nil, err
	}
	if bt != nil {
		schema = bt.out
	}
	return d.routedSchema(schema, t), nil
}

// columnKept reports whether the column a change is about is in the
// transformed schemas (always, for changes of whole tables).
func columnKept(c cdc.SchemaChange) bool {
	has := func(s *cdc.TableSchema, col string) bool { return s != nil && col != "" && s.ColumnIndex(col) >= 0 }
	switch c.Kind {
	case cdc.ChangeAddColumn, cdc.ChangeAlterColumnType:
		return has(c.After, c.Column)
	case cdc.ChangeRenameColumn:
		return has(c.After, c.NewColumn) || has(c.Before, c.Column)
	case cdc.ChangeDropColumn:
		return has(c.Before, c.Column)
	}
	return true
}

func (d *delivery) routedSchema(in *cdc.TableSchema, t target) *cdc.TableSchema {
	k := routedKey{in, t}
	if s, ok := d.routed[k]; ok {
		return s
	}
	s := d.p.routedSchema(in, t.sink, t.table)
	d.routed[k] = s
	return s
}
