package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// mutationTimeout bounds the wait for an ALTER TABLE ... UPDATE or DELETE
// of a schema change: a mutation that fails is retried by the server
// forever (18.16 does not even report why).
const mutationTimeout = 10 * time.Minute

// schemaChange handles an OpSchemaChange event: each of its changes under
// the policy for its kind (see the package documentation), after every
// buffered row has been written. An event without structured changes (a
// source that does not parse DDL) only prepares the table for its new
// schema, as a row of it would.
func (s *Sink) schemaChange(ctx context.Context, e *cdc.Event) error {
	if len(e.Changes) == 0 {
		if e.Schema == nil {
			return nil
		}
		buf, err := s.buffer(ctx, e.Schema, e.Source.Name)
		if err == nil {
			s.last = buf
		}
		return err
	}
	version, err := s.rowVersion(&e.Source)
	if err != nil {
		return fmt.Errorf("clickhouse: schema change on %s: %w", e.Table, err)
	}
	// The rows before the change go out first: a change is applied only
	// once every earlier row of the table is written, which is what lets
	// its version fence replays off.
	if err := s.flushLocked(ctx); err != nil {
		return err
	}
	s.last = nil
	for i := range e.Changes {
		if err := s.settle(ctx, func() error { return s.applyChange(ctx, e, i, version) }); err != nil {
			return err
		}
	}
	return nil
}

// fenced reports whether e is a row of a table the sink handled a schema
// change of at a later position: a replay of a row written before it.
func (s *Sink) fenced(ctx context.Context, e *cdc.Event) (bool, error) {
	id := e.Schema.Table
	key := stateKey{e.Source.Name, id}
	st := s.states[key]
	if st == nil {
		err := s.settle(ctx, func() error {
			var err error
			st, err = s.state(ctx, key)
			return err
		})
		if err != nil {
			return false, err
		}
	}
	if st.Version == 0 {
		return false, nil
	}
	v, err := s.rowVersion(&e.Source)
	if err != nil {
		return false, fmt.Errorf("clickhouse: %s event on %s: %w", e.Op, id, err)
	}
	if v >= st.Version {
		return false, nil
	}
	if e.Source.ServerID != 0 && st.ServerID != 0 && e.Source.ServerID != st.ServerID && !s.warnedServers[key] {
		// A replay after the source moved to another server, or two
		// servers' sources under one name, whose positions do not
		// compare: the sink cannot tell them apart.
		if s.warnedServers == nil {
			s.warnedServers = map[stateKey]bool{}
		}
		s.warnedServers[key] = true
		s.log.Warn("clickhouse sink: a row from another server than the table's last schema change is dropped as a replay of a row before the change; if two sources write this table, give each its own name (cdc.Source.Name, the MySQL source's Name), or this source's rows are lost",
			"table", id.String(), "source", e.Source.Name, "row_server_id", e.Source.ServerID, "change_server_id", st.ServerID, "row_version", v, "change_version", st.Version)
	}
	return true, nil
}

// modeFor returns how a behavior treats a change.
func modeFor(b cdc.SchemaChangeBehavior) changeMode {
	switch b {
	case cdc.BehaviorIgnore:
		return modeKeep
	case cdc.BehaviorLenient:
		return modeLenient
	}
	return modeApply
}

// applyChange applies the i-th change of e, whose version is version, unless
// it is a replay of one applied already, and records it in the table's
// state.
func (s *Sink) applyChange(ctx context.Context, e *cdc.Event, i int, version uint64) error {
	c := e.Changes[i]
	key := stateKey{e.Source.Name, c.Table}
	st, err := s.state(ctx, key)
	if err != nil {
		return err
	}
	if st.replays(version, i) {
		s.log.Info("clickhouse sink: schema change replayed, already handled", "change", c.String(), "version", version)
		return nil
	}
	b := s.cfg.SchemaChanges.For(c.Kind)
	if b == cdc.BehaviorException {
		return &cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b}
	}
	plan, err := s.plan(ctx, c, modeFor(b), st, version)
	var ca *cannotApplyError
	if errors.As(err, &ca) && b == cdc.BehaviorTryEvolve {
		plan, err = s.plan(ctx, c, modeKeep, st, version)
		plan.note = "not applied (" + ca.reason + "): " + plan.note
	}
	if errors.As(err, &ca) {
		return &cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b, Err: err}
	}
	if err != nil {
		return err
	}
	plan.state.Version, plan.state.Step, plan.state.ServerID = version, i, e.Source.ServerID
	if plan.renamed != nil {
		plan.renamed.Version, plan.renamed.Step, plan.renamed.ServerID = version, i, e.Source.ServerID
	}
	if err := s.hook(-1); err != nil {
		return err
	}
	if len(plan.steps) > 0 {
		// The state goes first, marked pending with the plan: from now
		// on the rows before the change are fenced, and a crash among
		// the statements leaves the change for the next run to finish
		// as planned (see state), not to decide again on a table it
		// half changed.
		pending := plan.state.clone()
		pending.Pending = &pendingChange{Change: c.String(), Steps: saveSteps(plan.steps)}
		if plan.renamed != nil {
			newTable := c.NewTable
			pending.Pending.NewTable, pending.Pending.Renamed = &newTable, plan.renamed
		}
		if err := s.saveState(ctx, key, pending); err != nil {
			return err
		}
	}
	var ran []string
	if err := s.runSteps(ctx, plan.steps, &ran); err != nil {
		if IsTransient(err) || ctx.Err() != nil {
			return err // the pending change is finished by the next try
		}
		if b != cdc.BehaviorTryEvolve {
			// The change is not applied: the state before it comes
			// back, so that a run under another policy decides again.
			if serr := s.saveStateAt(ctx, key, st, version, i); serr != nil {
				return errors.Join(&cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b, Err: err}, serr)
			}
			return &cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b, Err: err}
		}
		reason := err.Error()
		if plan, err = s.plan(ctx, c, modeKeep, st, version); err != nil {
			return &cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b, Err: err}
		}
		plan.note = "not applied (" + reason + "): " + plan.note
		plan.state.Version, plan.state.Step, plan.state.ServerID = version, i, e.Source.ServerID
		if plan.renamed != nil {
			plan.renamed.Version, plan.renamed.Step, plan.renamed.ServerID = version, i, e.Source.ServerID
		}
	}
	if err := s.hook(len(plan.steps)); err != nil {
		return err
	}
	if err := s.saveState(ctx, key, plan.state); err != nil {
		return err
	}
	if plan.renamed != nil {
		if err := s.saveState(ctx, stateKey{key.source, c.NewTable}, plan.renamed); err != nil {
			return err
		}
	}
	s.schemaChanges.Add(1)
	s.log.Info("clickhouse sink: schema change", "change", c.String(), "behavior", string(b), "ran", ran, "note", plan.note)
	return nil
}

// plan reads the ClickHouse tables change c is about and plans it.
func (s *Sink) plan(ctx context.Context, c cdc.SchemaChange, m changeMode, st *tableState, version uint64) (changePlan, error) {
	env := changeEnv{opts: s.cfg.TableOptions, version: version}
	var err error
	if env.features, err = s.features(ctx); err != nil {
		return changePlan{}, err
	}
	db, table := targetOf(c.Table, st, s.cfg.TableOptions)
	if env.target, err = s.tableColumns(ctx, db, table); err != nil {
		return changePlan{}, err
	}
	if c.Kind == cdc.ChangeRenameTable {
		db, table := targetOf(c.NewTable, nil, s.cfg.TableOptions)
		if env.newTarget, err = s.tableColumns(ctx, db, table); err != nil {
			return changePlan{}, err
		}
	}
	return planChange(c, m, st, env)
}

func (s *Sink) features(ctx context.Context) (f Features, err error) {
	_, err = s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) { f, err = s.client.Features(ctx); return err })
	return f, err
}

// tableColumns returns the columns of a ClickHouse table, nil when it does
// not exist.
func (s *Sink) tableColumns(ctx context.Context, db, table string) (chTable, error) {
	var cols chTable
	_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		cols = nil
		rows, err := s.client.conn.Query(ctx, "SELECT name, type, is_in_sorting_key FROM system.columns WHERE database = ? AND table = ?", db, table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c chColumn
			var key uint8
			if err := rows.Scan(&c.name, &c.typ, &key); err != nil {
				return err
			}
			c.key = key != 0
			cols = append(cols, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse: list columns of %s: %w", qualified(db, table), err)
	}
	return cols, nil
}

// runSteps runs a plan's steps, retrying transient failures, and appends
// each statement it ran to ran.
func (s *Sink) runSteps(ctx context.Context, steps []changeStep, ran *[]string) error {
	for i, st := range steps {
		if err := s.hook(i); err != nil {
			return err
		}
		if st.done != (stepDone{}) {
			cols, err := s.tableColumns(ctx, st.database, st.table)
			if err != nil {
				return err
			}
			if st.done.ran(cols) {
				continue
			}
		}
		if st.truncateBelow > 0 {
			if err := s.truncateBelow(ctx, st.database, st.table, st.truncateBelow, ran); err != nil {
				return err
			}
			continue
		}
		if err := s.exec(ctx, st.sql); err != nil {
			return err
		}
		*ran = append(*ran, st.sql)
		if st.waitMutations {
			if err := s.waitMutations(ctx, st.database, st.table); err != nil {
				return err
			}
		}
	}
	return nil
}

// hook calls the test hook of a schema change's steps, if any.
func (s *Sink) hook(step int) error {
	if s.changeHook == nil {
		return nil
	}
	return s.changeHook(step)
}

func (s *Sink) exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error { return s.client.conn.Exec(ctx, sql, args...) })
	if err != nil {
		return fmt.Errorf("clickhouse: %s: %w", sql, err)
	}
	return nil
}

// truncateBelow makes the rows of a table whose version is below v
// disappear: the rows a TRUNCATE at version v removed. When the table holds
// no row at or after v (the usual case: the sink flushed the rows before
// the truncate and nothing since), that is TRUNCATE TABLE; otherwise (rows
// read by a snapshot after the truncate) an ALTER TABLE ... DELETE of the
// older versions, which the sink waits for. Rows of the table delivered
// again later with a version below v are dropped by the sink (see
// [tableState]), so a replay does not bring them back.
func (s *Sink) truncateBelow(ctx context.Context, db, table string, v uint64, ran *[]string) error {
	target := qualified(db, table)
	var newer uint64
	_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		return s.client.conn.QueryRow(ctx, "SELECT count() FROM "+target+" WHERE "+QuoteIdent(VersionColumn)+" >= ?", v).Scan(&newer)
	})
	if err != nil {
		return fmt.Errorf("clickhouse: count the rows of %s after the truncate: %w", target, err)
	}
	if newer == 0 {
		sql := "TRUNCATE TABLE " + target
		*ran = append(*ran, sql)
		return s.exec(ctx, sql)
	}
	sql := "ALTER TABLE " + target + " DELETE WHERE " + QuoteIdent(VersionColumn) + " < ?"
	if err := s.exec(ctx, sql, v); err != nil {
		return err
	}
	*ran = append(*ran, fmt.Sprintf("%s (%d)", sql, v))
	return s.waitMutations(ctx, db, table)
}

// waitMutations waits until the table has no mutation in progress.
func (s *Sink) waitMutations(ctx context.Context, db, table string) error {
	deadline := time.Now().Add(mutationTimeout)
	wait := 20 * time.Millisecond
	for {
		var pending uint64
		_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
			return s.client.conn.QueryRow(ctx, "SELECT count() FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0", db, table).Scan(&pending)
		})
		if err != nil {
			return fmt.Errorf("clickhouse: wait for the mutations of %s: %w", qualified(db, table), err)
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("clickhouse: %d mutation(s) of %s have not finished after %s: see system.mutations, and KILL MUTATION one that cannot finish", pending, qualified(db, table), mutationTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// stateDatabase returns the ClickHouse database whose state table keeps a
// source table's state.
func (s *Sink) stateDatabase(id cdc.TableID) string {
	db, _ := targetOf(id, nil, s.cfg.TableOptions)
	return db
}

// stateKey names a schema change state: the table's, as one source sees
// it. Each source routed into a table has its own (two shards on two
// servers, each with its own binlog): one source's change then never
// fences the rows of another, whose row versions count another server's
// binlog.
type stateKey struct {
	// source is the events' cdc.Source.Name; "" for a source without one.
	source string
	table  cdc.TableID
}

// String is the key's value in the state table's source column: the table,
// and the source's name when it has one.
func (k stateKey) String() string {
	if k.source == "" {
		return k.table.String()
	}
	return k.table.String() + " from source " + strconv.Quote(k.source)
}

// state returns the state of a source table, reading it the first time. A
// change stored pending (a crash stopped it among its statements) is
// finished first, with the statements planned then.
func (s *Sink) state(ctx context.Context, key stateKey) (*tableState, error) {
	id := key.table
	st := s.states[key]
	if st == nil {
		var err error
		if st, err = s.loadState(ctx, key); err != nil {
			return nil, err
		}
		s.states[key] = st
	}
	if st.Pending == nil {
		return st, nil
	}
	p := st.Pending
	var ran []string
	if err := s.runSteps(ctx, loadSteps(p.Steps), &ran); err != nil {
		return nil, fmt.Errorf("clickhouse: finish the schema change %s of %s, stored at version %d before its statements ran: %w", p.Change, id, st.Version, err)
	}
	if p.Renamed != nil && p.NewTable != nil {
		if err := s.saveState(ctx, stateKey{key.source, *p.NewTable}, p.Renamed); err != nil {
			return nil, err
		}
	}
	done := st.clone()
	if err := s.saveState(ctx, key, done); err != nil {
		return nil, err
	}
	s.schemaChanges.Add(1)
	s.log.Info("clickhouse sink: interrupted schema change finished", "change", p.Change, "version", st.Version, "ran", ran)
	return done, nil
}

// loadState reads the state of a source table from its state table. Of the
// rows of its latest change, one not pending wins: the pending row is
// stored before the change's statements, the final one after them, and the
// state before the change again (its own Version older) when it was not
// applied.
func (s *Sink) loadState(ctx context.Context, key stateKey) (*tableState, error) {
	id := key.table
	db := s.stateDatabase(id)
	exists, known := s.stateTables[db]
	if !known {
		var n uint64
		_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
			return s.client.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, StateTable).Scan(&n)
		})
		if err != nil {
			return nil, fmt.Errorf("clickhouse: look for %s: %w", qualified(db, StateTable), err)
		}
		exists = n > 0
		s.stateTables[db] = exists
	}
	if !exists {
		return &tableState{}, nil
	}
	texts, err := s.readStates(ctx, db, key.String())
	if err == nil && len(texts) == 0 && key.source != "" {
		// Stored before states were kept per source.
		texts, err = s.readStates(ctx, db, id.String())
	}
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read the schema change state of %s from %s: %w", key, qualified(db, StateTable), err)
	}
	var best *tableState
	for _, text := range texts {
		st := &tableState{}
		if err := json.Unmarshal([]byte(text), st); err != nil {
			return nil, fmt.Errorf("clickhouse: the schema change state of %s in %s is not the sink's: %w", key, qualified(db, StateTable), err)
		}
		switch {
		case best == nil, best.Pending != nil && st.Pending == nil:
			best = st
		case st.Pending == nil && st.Version > best.Version:
			best = st
		}
	}
	if best == nil {
		best = &tableState{}
	}
	return best, nil
}

// readStates returns the states stored under key for its latest change.
func (s *Sink) readStates(ctx context.Context, db, key string) ([]string, error) {
	var texts []string
	_, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		texts = texts[:0]
		rows, err := s.client.conn.Query(ctx, "SELECT state FROM "+qualified(db, StateTable)+" WHERE source = ? AND (version, step) IN (SELECT version, step FROM "+qualified(db, StateTable)+" WHERE source = ? ORDER BY version DESC, step DESC LIMIT 1)", key, key)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var text string
			if err := rows.Scan(&text); err != nil {
				return err
			}
			texts = append(texts, text)
		}
		return rows.Err()
	})
	return texts, err
}

// saveState stores the state of a source table, creating the state table
// the first time, and makes the table's next row prepare its layout again.
func (s *Sink) saveState(ctx context.Context, key stateKey, st *tableState) error {
	return s.saveStateAt(ctx, key, st, st.Version, st.Step)
}

// saveStateAt is saveState with the row stored under the change at version
// and step, which st's own Version and Step need not be.
func (s *Sink) saveStateAt(ctx context.Context, key stateKey, st *tableState, version uint64, step int) error {
	id := key.table
	db := s.stateDatabase(id)
	if !s.stateTables[db] {
		if err := s.exec(ctx, CreateDatabaseSQL(db)); err != nil {
			return err
		}
		if err := s.exec(ctx, stateTableSQL(db)); err != nil {
			return err
		}
		s.stateTables[db] = true
	}
	text, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		batch, err := s.client.conn.PrepareBatch(ctx, "INSERT INTO "+qualified(db, StateTable)+"(`source`,`version`,`step`,`state`)")
		if err != nil {
			return err
		}
		if err := batch.Append(key.String(), version, uint32(step), string(text)); err != nil {
			_ = batch.Abort()
			return err
		}
		return batch.Send()
	})
	if err != nil {
		return fmt.Errorf("clickhouse: store the schema change state of %s in %s: %w", key, qualified(db, StateTable), err)
	}
	s.states[key] = st
	if buf := s.tables[id]; buf != nil {
		buf.stale = true
	}
	return nil
}
