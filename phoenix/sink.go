package phoenix

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// SinkConfig configures a [Sink]. The zero value means the documented
// defaults; [NewSink] applies them to a copy.
type SinkConfig struct {
	// TableOptions say where each source table goes and how its Phoenix
	// table is declared.
	TableOptions
	// ManualTables turns off CREATE TABLE IF NOT EXISTS from the event
	// schemas: the tables must exist with the columns the layout names.
	ManualTables bool
	// SchemaChanges says what the sink does with each kind of schema change
	// (the zero value: LENIENT for every kind, Flink CDC's default); see
	// the package documentation for what each behavior does in Phoenix.
	SchemaChanges cdc.SchemaChangePolicy
	// MaxRows commits the buffered rows once this many distinct rows wait
	// (default 1000). A batch is one Phoenix transaction.
	MaxRows int
	// Lookups are invalidated, after every commit, for the keys the commit
	// wrote to their tables, so a DIM lookup never serves a row older than
	// the sink has written.
	Lookups []*Lookup
	// OnFlush, when set, is called after every batch commit, successful or
	// not; it runs with the sink locked and must not call the sink.
	OnFlush func(FlushInfo)
	// Logger receives the sink's logs: tables prepared (Info), batches
	// committed (Debug), batches failed (Error). Nil discards them.
	Logger *slog.Logger
}

// FlushInfo describes one batch: one Phoenix transaction.
type FlushInfo struct {
	// Upserts and Deletes count the rows of the batch by statement.
	Upserts, Deletes int
	// Tables are the Phoenix tables the batch wrote.
	Tables   []TableRef
	Duration time.Duration
	// Err is nil when the batch was committed.
	Err error
}

// SinkStats are a sink's running totals.
type SinkStats struct {
	// RowsUpserted and RowsDeleted count rows of committed batches.
	RowsUpserted, RowsDeleted uint64
	// Commits counts committed batches; Failures batches that failed and
	// were rolled back (their rows stay buffered).
	Commits, Failures uint64
	// RowsBuffered is the number of distinct rows waiting for a commit.
	RowsBuffered int
}

func (c SinkConfig) withDefaults() (SinkConfig, error) {
	ps := newConfigError("sink configuration")
	c.TableOptions.validate(ps, "")
	if c.MaxRows < 0 {
		ps.Add("MaxRows", c.MaxRows, "must not be negative; use 0 for the default 1000 or a positive count")
	}
	if err := c.SchemaChanges.Validate(); err != nil {
		ps.Add("SchemaChanges", "", "%v", err)
	}
	for i, l := range c.Lookups {
		if l == nil {
			ps.Add(fmt.Sprintf("Lookups[%d]", i), "nil", "remove it or pass a *Lookup from NewLookup")
		}
	}
	if err := ps.Err(); err != nil {
		return c, err
	}
	if c.MaxRows == 0 {
		c.MaxRows = 1000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Sink writes cdc events into Phoenix tables. It implements [cdc.Sink].
//
// An insert, a snapshot row or an update becomes an UPSERT of the row's new
// image, a delete a DELETE by primary key; an update that changes the key
// deletes the old key. Values are always bound as parameters. Rows are
// buffered, the latest change of each key replacing earlier ones, and
// written in one Phoenix transaction per batch: with autocommit off the
// statements of the batch are sent, then committed together.
//
// Writes are idempotent: an UPSERT or DELETE of a key leaves the same row
// whether it runs once or again, so a source that replays events from its
// last checkpoint converges to the same tables.
//
// Nothing is reported written that was not: when a statement of a batch,
// or its commit, fails, the transaction is rolled back, the batch stays
// buffered, the error (an [*Error] carrying Phoenix's code and message for a
// server error) is returned, and the next Flush tries the whole batch
// again. Flush returns nil only when every buffered row is committed.
type Sink struct {
	client *Client
	cfg    SinkConfig
	log    *slog.Logger

	mu      sync.Mutex
	layouts map[cdc.TableID]*tableLayout
	// schemas are the schemas the layouts were made from, to notice changes.
	schemas map[cdc.TableID]*cdc.TableSchema
	// created holds the Phoenix tables this sink made sure of, and columns
	// their columns (name to Phoenix type) as far as the sink knows them.
	created map[TableRef]bool
	columns map[TableRef]map[string]string
	batch   *batch
	closed  bool

	rowsUpserted, rowsDeleted, commits, failures atomic.Uint64
	rowsBuffered                                 atomic.Int64
}

// NewSink returns a sink writing through client. It checks cfg and does no
// I/O.
func NewSink(client *Client, cfg SinkConfig) (*Sink, error) {
	if client == nil {
		ps := newConfigError("sink configuration")
		ps.Add("client", "nil", "pass the *Client from phoenix.Open")
		return nil, ps.Err()
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Sink{
		client:  client,
		cfg:     cfg,
		log:     cfg.Logger.With("component", "phoenix-sink"),
		layouts: map[cdc.TableID]*tableLayout{},
		schemas: map[cdc.TableID]*cdc.TableSchema{},
		created: map[TableRef]bool{},
		columns: map[TableRef]map[string]string{},
		batch:   newBatch(),
	}, nil
}

var _ cdc.Sink = (*Sink)(nil)

// HandleEvents buffers the row changes of events, and commits a batch
// whenever MaxRows distinct rows wait. A schema change commits what is
// buffered first, then is applied under SchemaChanges (see the package
// documentation), so that rows are written with the schema they were read
// with.
func (s *Sink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for i := range events {
		e := &events[i]
		if e.Op == cdc.OpSchemaChange {
			if err := s.flushLocked(ctx); err != nil {
				return err
			}
			if err := s.applySchemaChange(ctx, e); err != nil {
				return err
			}
			continue
		}
		if !e.Op.IsRowChange() {
			continue
		}
		if err := s.add(ctx, e); err != nil {
			return err
		}
		if s.batch.len() >= s.cfg.MaxRows {
			if err := s.flushLocked(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// add buffers one row change.
func (s *Sink) add(ctx context.Context, e *cdc.Event) error {
	if e.Schema == nil {
		return fmt.Errorf("phoenix: %s event of %s has no schema", e.Op, e.Table)
	}
	if e.Op == cdc.OpDelete && e.Before == nil || e.Op != cdc.OpDelete && e.After == nil {
		return fmt.Errorf("phoenix: %s event of %s lacks the row image it needs (Before for a delete, After otherwise)", e.Op, e.Table)
	}
	l, err := s.layout(ctx, e.Schema)
	if err != nil {
		return err
	}
	switch e.Op {
	case cdc.OpDelete:
		return s.addDelete(l, e.Before)
	case cdc.OpUpdate:
		if e.Before != nil {
			oldKey, err := l.keyValues(e.Before)
			if err != nil {
				return err
			}
			newKey, err := l.keyValues(e.After)
			if err != nil {
				return err
			}
			if keyString(oldKey) != keyString(newKey) {
				s.batch.put(l, oldKey, nil)
			}
		}
	}
	values, err := l.rowValues(e.After)
	if err != nil {
		return err
	}
	s.batch.put(l, l.keyOf(values), values)
	s.rowsBuffered.Store(int64(s.batch.len()))
	return nil
}

func (s *Sink) addDelete(l *tableLayout, before cdc.Row) error {
	key, err := l.keyValues(before)
	if err != nil {
		return err
	}
	s.batch.put(l, key, nil)
	s.rowsBuffered.Store(int64(s.batch.len()))
	return nil
}

// layout returns the layout of schema's table, making it (and the Phoenix
// table, unless ManualTables) the first time and when the schema changed.
func (s *Sink) layout(ctx context.Context, schema *cdc.TableSchema) (*tableLayout, error) {
	if l, ok := s.layouts[schema.Table]; ok && s.schemas[schema.Table] == schema {
		return l, nil
	}
	written, err := s.restrict(schema)
	if err != nil {
		return nil, err
	}
	l, err := newTableLayout(written, &s.cfg.TableOptions)
	if err != nil {
		return nil, err
	}
	l.readRowsOf(schema)
	if !s.cfg.ManualTables && !s.created[l.table] {
		if err := s.client.Exec(ctx, "create table "+l.table.String(), l.ddl); err != nil {
			return nil, err
		}
		s.created[l.table] = true
		s.columns[l.table] = map[string]string{}
		for _, c := range l.columns {
			s.columns[l.table][c.Name] = c.SQLType
		}
		s.log.Info("table ready", "table", l.table.String(), "source", schema.Table.String())
	}
	s.layouts[schema.Table] = l
	s.schemas[schema.Table] = schema
	return l, nil
}

// Flush commits every buffered row, and returns nil only then.
func (s *Sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.flushLocked(ctx)
}

func (s *Sink) flushLocked(ctx context.Context) error {
	if s.batch.len() == 0 {
		return nil
	}
	start := time.Now()
	info := FlushInfo{Tables: s.batch.tables()}
	info.Upserts, info.Deletes = s.batch.counts()
	err := s.commit(ctx, s.batch)
	info.Duration = time.Since(start)
	info.Err = err
	if err != nil {
		s.failures.Add(1)
		s.log.Error("batch failed, rolled back; it stays buffered", "upserts", info.Upserts, "deletes", info.Deletes, "err", err)
	} else {
		s.commits.Add(1)
		s.rowsUpserted.Add(uint64(info.Upserts))
		s.rowsDeleted.Add(uint64(info.Deletes))
		s.log.Debug("batch committed", "upserts", info.Upserts, "deletes", info.Deletes, "duration", info.Duration)
		s.invalidateLookups(s.batch)
		s.batch = newBatch()
		s.rowsBuffered.Store(0)
	}
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
	return err
}

// commit writes b in one transaction: autocommit off, one prepared
// statement per table and kind, a bound execution per row (with batching,
// sent as one ExecuteBatchRequest when the statement closes), then COMMIT.
// Any failure rolls the transaction back.
func (s *Sink) commit(ctx context.Context, b *batch) (err error) {
	tx, err := s.client.db.BeginTx(ctx, nil)
	if err != nil {
		return s.client.wrap("begin batch", "", err)
	}
	defer func() {
		if err != nil {
			if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				s.log.Warn("rollback failed", "err", rbErr)
			}
		}
	}()
	for _, g := range b.groups() {
		sqlText := g.layout.upsert
		op := "upsert into " + g.layout.table.String()
		if g.delete {
			sqlText = g.layout.delete
			op = "delete from " + g.layout.table.String()
		}
		stmt, err := tx.PrepareContext(ctx, sqlText)
		if err != nil {
			return s.client.wrap(op, sqlText, err)
		}
		for _, r := range g.rows {
			args := r.values
			if g.delete {
				args = r.key
			}
			if _, err := stmt.ExecContext(ctx, asArgs(args)...); err != nil {
				stmt.Close()
				return s.client.wrap(op, sqlText, err)
			}
		}
		if err := stmt.Close(); err != nil {
			return s.client.wrap(op, sqlText, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.client.wrap("commit batch", "", err)
	}
	return nil
}

func (s *Sink) invalidateLookups(b *batch) {
	for _, lk := range s.cfg.Lookups {
		for _, r := range b.rows {
			if r.layout.table == lk.table {
				lk.invalidateKey(keyString(r.key))
			}
		}
	}
}

// Stats returns the sink's running totals.
func (s *Sink) Stats() SinkStats {
	return SinkStats{
		RowsUpserted: s.rowsUpserted.Load(),
		RowsDeleted:  s.rowsDeleted.Load(),
		Commits:      s.commits.Load(),
		Failures:     s.failures.Load(),
		RowsBuffered: int(s.rowsBuffered.Load()),
	}
}

// Close commits what is buffered and closes the sink (not its client). A
// second Close returns nil.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.flushLocked(ctx)
	s.closed = true
	return err
}

// keyValues returns the bound values of row's primary key.
func (l *tableLayout) keyValues(row cdc.Row) ([]driver.Value, error) {
	key := make([]driver.Value, len(l.key))
	for n, i := range l.key {
		r := l.rowIndex[i]
		if r >= len(row) {
			return nil, fmt.Errorf("phoenix: %s: row has %d values, the schema more columns", l.source, len(row))
		}
		v, err := l.columns[i].convert(row[r])
		if err != nil {
			return nil, fmt.Errorf("phoenix: %s.%s: %w", l.source, l.columns[i].Name, err)
		}
		if v == nil {
			return nil, fmt.Errorf("phoenix: %s: primary key column %s is NULL", l.source, l.columns[i].Name)
		}
		key[n] = v
	}
	return key, nil
}

// rowValues returns the bound values of every column of row.
func (l *tableLayout) rowValues(row cdc.Row) ([]driver.Value, error) {
	values := make([]driver.Value, len(l.columns))
	for i, r := range l.rowIndex {
		if r < 0 || r >= len(row) {
			return nil, fmt.Errorf("phoenix: %s: row has %d values, fewer than its schema's columns", l.source, len(row))
		}
		dv, err := l.columns[i].convert(row[r])
		if err != nil {
			return nil, fmt.Errorf("phoenix: %s.%s: %w", l.source, l.columns[i].Name, err)
		}
		values[i] = dv
	}
	for _, i := range l.key {
		if values[i] == nil {
			return nil, fmt.Errorf("phoenix: %s: primary key column %s is NULL", l.source, l.columns[i].Name)
		}
	}
	return values, nil
}

func (l *tableLayout) keyOf(values []driver.Value) []driver.Value {
	key := make([]driver.Value, len(l.key))
	for n, i := range l.key {
		key[n] = values[i]
	}
	return key
}

// keyString identifies a key's values, for the batch and the lookup cache.
func keyString(key []driver.Value) string {
	var b strings.Builder
	for _, v := range key {
		switch v := v.(type) {
		case []byte:
			b.WriteString("b")
			b.WriteString(strconv.Quote(string(v)))
		case time.Time:
			b.WriteString("t")
			b.WriteString(v.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
		b.WriteByte(0)
	}
	return b.String()
}

func asArgs(values []driver.Value) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// batch holds the latest change of each key, in the order keys were first
// seen.
type batch struct {
	index map[batchKey]int
	rows  []batchRow
}

type batchKey struct {
	table TableRef
	key   string
}

// batchRow is an upsert (values set) or a delete (values nil) of key.
type batchRow struct {
	layout *tableLayout
	key    []driver.Value
	values []driver.Value
}

func newBatch() *batch { return &batch{index: map[batchKey]int{}} }

func (b *batch) len() int { return len(b.rows) }

func (b *batch) put(l *tableLayout, key, values []driver.Value) {
	k := batchKey{table: l.table, key: keyString(key)}
	r := batchRow{layout: l, key: key, values: values}
	if i, ok := b.index[k]; ok {
		b.rows[i] = r
		return
	}
	b.index[k] = len(b.rows)
	b.rows = append(b.rows, r)
}

func (b *batch) counts() (upserts, deletes int) {
	for _, r := range b.rows {
		if r.values == nil {
			deletes++
		} else {
			upserts++
		}
	}
	return upserts, deletes
}

func (b *batch) tables() []TableRef {
	var out []TableRef
	seen := map[TableRef]bool{}
	for _, r := range b.rows {
		if !seen[r.layout.table] {
			seen[r.layout.table] = true
			out = append(out, r.layout.table)
		}
	}
	return out
}

// rowGroup is the rows of one statement: the upserts or the deletes of one
// table (under one layout).
type rowGroup struct {
	layout *tableLayout
	delete bool
	rows   []batchRow
}

// groups splits the batch by statement. Each key appears once in a batch,
// so the order between groups does not change the result.
func (b *batch) groups() []*rowGroup {
	type gk struct {
		l      *tableLayout
		delete bool
	}
	var out []*rowGroup
	index := map[gk]*rowGroup{}
	for _, r := range b.rows {
		k := gk{r.layout, r.values == nil}
		g, ok := index[k]
		if !ok {
			g = &rowGroup{layout: r.layout, delete: k.delete}
			index[k] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, r)
	}
	return out
}
