package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// SinkConfig configures a [Sink]. The zero value means the documented
// defaults; [NewSink] applies them to a copy.
type SinkConfig struct {
	// TableOptions choose the target database and the type mapping.
	TableOptions
	// MaxRows flushes once this many rows are buffered across all tables
	// (default 100000).
	MaxRows int
	// MaxBytes flushes once the buffered rows take about this many bytes
	// (default 64 MiB). MaxRows and MaxBytes bound the sink's memory: it
	// holds one batch, in typed column buffers it reuses from flush to
	// flush, plus clickhouse-go's encoded copy while the batch is sent.
	MaxBytes int
	// FlushInterval flushes rows that have waited this long even when the
	// batch is not full (default 1s; negative disables the timer, leaving
	// flushes to size and to [Sink.Flush]).
	FlushInterval time.Duration
	// ManualTables turns off the automatic CREATE TABLE / ALTER TABLE ADD
	// COLUMN from event schemas: the tables and their columns must exist
	// (see [Client.SyncTable]), else the first HandleEvents of a table
	// returns a *[TableMismatchError]. Either way the sink writes the
	// column types the tables have (see the package documentation).
	ManualTables bool
	// Retry says how transient insert failures are retried.
	Retry RetryPolicy
	// OnFlush, when set, is called after every batch insert, successful or
	// not, with what it wrote; it runs with the sink locked and must not
	// call the sink.
	OnFlush func(FlushInfo)
}

// FlushInfo describes one batch insert of one table.
type FlushInfo struct {
	Table cdc.TableID
	// Rows and Bytes are the batch's size; Bytes is the sink's estimate.
	Rows, Bytes int
	// Attempts is how many times the insert was tried (1 without retries).
	Attempts int
	Duration time.Duration
	// Err is nil when the rows are written.
	Err error
}

// Stats are a sink's running totals.
type Stats struct {
	// RowsWritten and BytesWritten count rows acknowledged by the server.
	RowsWritten, BytesWritten uint64
	// Flushes counts successful batch inserts.
	Flushes uint64
	// Retries counts attempts beyond the first; Failures counts inserts that
	// failed every attempt.
	Retries, Failures uint64
	// RowsBuffered is the number of rows waiting for a flush.
	RowsBuffered int
}

func (c SinkConfig) withDefaults() (SinkConfig, error) {
	var problems []string
	if c.MaxRows < 0 {
		problems = append(problems, fmt.Sprintf("MaxRows: %d is negative; use 0 for the default 100000 or a positive count", c.MaxRows))
	}
	if c.MaxBytes < 0 {
		problems = append(problems, fmt.Sprintf("MaxBytes: %d is negative; use 0 for the default 64 MiB or a positive size", c.MaxBytes))
	}
	if c.Retry.MaxAttempts < 0 {
		problems = append(problems, fmt.Sprintf("Retry.MaxAttempts: %d is negative; use 0 for the default 5 or a positive count", c.Retry.MaxAttempts))
	}
	if c.Retry.MinBackoff < 0 || c.Retry.MaxBackoff < 0 {
		problems = append(problems, fmt.Sprintf("Retry.MinBackoff/MaxBackoff: %v/%v must not be negative", c.Retry.MinBackoff, c.Retry.MaxBackoff))
	}
	if c.Retry.MinBackoff > 0 && c.Retry.MaxBackoff > 0 && c.Retry.MinBackoff > c.Retry.MaxBackoff {
		problems = append(problems, fmt.Sprintf("Retry.MinBackoff: %v exceeds Retry.MaxBackoff %v; lower it or raise MaxBackoff", c.Retry.MinBackoff, c.Retry.MaxBackoff))
	}
	if len(problems) > 0 {
		return c, &ConfigError{Problems: problems}
	}
	if c.MaxRows == 0 {
		c.MaxRows = 100_000
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 64 << 20
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = time.Second
	}
	if c.Retry.MaxAttempts == 0 {
		c.Retry.MaxAttempts = 5
	}
	if c.Retry.MinBackoff == 0 {
		c.Retry.MinBackoff = 100 * time.Millisecond
	}
	if c.Retry.MaxBackoff == 0 {
		c.Retry.MaxBackoff = max(5*time.Second, c.Retry.MinBackoff)
	}
	if c.Retry.Retryable == nil {
		c.Retry.Retryable = IsTransient
	}
	return c, nil
}

// Sink writes cdc events into ClickHouse tables. It implements
// [cdc.Handler] and [cdc.Flusher]: events are buffered and written with one
// batch insert per table per flush; a flush happens when MaxRows or
// MaxBytes is reached, when FlushInterval has passed, and when the source
// calls Flush before it stores an offset.
//
// Writes are idempotent. Each row is written with the version of its binlog
// position ([RowVersion]): an insert or update as the row's new image, a
// delete as a marker row with _is_deleted = 1, into a ReplacingMergeTree
// that keeps the highest version per primary key. Writing the same events
// again, or in another order, leaves the same visible state ([Sink.ReadTable]).
//
// Nothing is acknowledged that was not written: Flush returns nil only when
// every buffered row has been inserted; rows of a failed insert stay
// buffered and are tried again by the next flush.
type Sink struct {
	client *Client
	cfg    SinkConfig

	mu     sync.Mutex
	tables map[cdc.TableID]*tableBuffer
	order  []cdc.TableID
	// last is the buffer of the latest event's table: consecutive events of
	// one table skip the map lookup.
	last *tableBuffer
	// rows and bytes count the buffered rows of every table.
	rows   int
	bytes  int
	oldest time.Time
	closed bool
	// versionFile and versionSeq cache the sequence number of the binlog
	// file of the latest event, which every row version needs.
	versionFile string
	versionSeq  uint64

	// Running totals, read by Stats without the lock (which a flush holds
	// for as long as ClickHouse takes).
	rowsWritten, bytesWritten, flushes, retries, failures atomic.Uint64
	rowsBuffered                                          atomic.Int64

	timerOnce    sync.Once
	timerRunning bool
	stop         chan struct{}
	done         chan struct{}
}

type tableBuffer struct {
	// layout writes the types the ClickHouse table has; the table exists
	// and has every column of the layout.
	layout *tableLayout
	// batch holds the buffered rows, nil until the first one; it is
	// reused after a flush.
	batch *rowBatch
}

// rowBatch holds rows of one table column by column: one typed buffer per
// source column (see [columnBuffer]), then the _version and _is_deleted
// values. Its buffers are reused from flush to flush.
type rowBatch struct {
	layout   *tableLayout
	cols     []columnBuffer
	versions []uint64
	deleted  []uint8
	// rows is the number of rows; bytes estimates their size.
	rows, bytes int
}

// initialBatchRows is the room a new batch has; it grows as rows arrive
// (up to MaxRows) and keeps its size while it is reused, unless a flush
// finds it far larger than its rows ([rowBatch.oversized]).
const initialBatchRows = 1024

func newRowBatch(l *tableLayout, capacity int) *rowBatch {
	b := &rowBatch{layout: l, cols: make([]columnBuffer, len(l.codecs)),
		versions: make([]uint64, 0, capacity), deleted: make([]uint8, 0, capacity)}
	for i, c := range l.codecs {
		b.cols[i] = c.newBuffer(capacity)
	}
	return b
}

// reset empties b for reuse, dropping references to the values.
func (b *rowBatch) reset() {
	for _, c := range b.cols {
		c.reset()
	}
	b.versions, b.deleted = b.versions[:0], b.deleted[:0]
	b.rows, b.bytes = 0, 0
}

// oversized reports whether b's buffers are much larger than the rows of
// its last use, so that keeping them would hold memory a table no longer
// needs.
func (b *rowBatch) oversized(rows int) bool {
	return cap(b.versions) > initialBatchRows && cap(b.versions) > 4*rows
}

var (
	_ cdc.Handler = (*Sink)(nil)
	_ cdc.Flusher = (*Sink)(nil)
)

// NewSink returns a sink writing through client. It validates cfg and does
// no I/O; the client stays the caller's to close.
func NewSink(client *Client, cfg SinkConfig) (*Sink, error) {
	if client == nil {
		return nil, &ConfigError{Problems: []string{"client: nil; pass a *Client from Open or New"}}
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Sink{client: client, cfg: c, tables: map[cdc.TableID]*tableBuffer{}, stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Config returns the sink's configuration with defaults applied.
func (s *Sink) Config() SinkConfig { return s.cfg }

// Stats returns the sink's running totals. It does not wait for a flush in
// progress.
func (s *Sink) Stats() Stats {
	return Stats{
		RowsWritten: s.rowsWritten.Load(), BytesWritten: s.bytesWritten.Load(), Flushes: s.flushes.Load(),
		Retries: s.retries.Load(), Failures: s.failures.Load(), RowsBuffered: int(s.rowsBuffered.Load()),
	}
}

// HandleEvents buffers events, flushing when a size limit is reached. A
// schema change flushes the table's buffered rows first, and the table is
// altered to gain new columns before the next insert.
func (s *Sink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.startTimer()
	for i := range events {
		e := &events[i]
		if e.Schema == nil {
			if e.Op == cdc.OpSchemaChange {
				continue
			}
			return fmt.Errorf("%w: %s event on %s at %s:%d", errNilSchema, e.Op, e.Table, e.Source.File, e.Source.Pos)
		}
		buf := s.last
		if buf == nil || buf.layout.schema != e.Schema {
			var err error
			if buf, err = s.buffer(ctx, e.Schema); err != nil {
				return err
			}
			s.last = buf
		}
		if e.Op == cdc.OpSchemaChange {
			continue
		}
		if err := s.add(buf, e); err != nil {
			return err
		}
		if s.rows >= s.cfg.MaxRows || s.bytes >= s.cfg.MaxBytes {
			if err := s.flushLocked(ctx); err != nil {
				return err
			}
		}
	}
	if s.cfg.FlushInterval > 0 && s.rows > 0 && time.Since(s.oldest) >= s.cfg.FlushInterval {
		return s.flushLocked(ctx)
	}
	return nil
}

// buffer returns the table's buffer for schema, flushing rows buffered under
// an older schema of the table first. A new schema's table is prepared
// before any row of it is buffered: created or given the new columns
// (unless ManualTables), and its existing columns' types read, so that the
// rows are converted for the types the table has and a table that cannot
// take them is refused here, with a *TableMismatchError.
func (s *Sink) buffer(ctx context.Context, schema *cdc.TableSchema) (*tableBuffer, error) {
	id := schema.Table
	buf := s.tables[id]
	if buf != nil && buf.layout.schema == schema {
		return buf, nil
	}
	if buf != nil {
		// Rows of the old layout go out first.
		if buf.batch != nil && buf.batch.rows > 0 {
			if err := s.flushTable(ctx, buf); err != nil {
				return nil, err
			}
		}
	}
	var f Features
	if _, err := s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) { f, err = s.client.Features(ctx); return err }); err != nil {
		return nil, err
	}
	mapped, err := newLayout(schema, s.cfg.Database, f, s.cfg.MappingOptions)
	if err != nil {
		return nil, err
	}
	var l *tableLayout
	if _, err := s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) {
		l, err = s.client.prepareTable(ctx, mapped, !s.cfg.ManualTables)
		return err
	}); err != nil {
		return nil, err
	}
	if buf == nil {
		buf = &tableBuffer{}
		s.tables[id] = buf
		s.order = append(s.order, id)
	}
	buf.layout = l
	buf.batch = nil // the old layout's buffers do not fit
	return buf, nil
}

func (s *Sink) countRetry() { s.retries.Add(1) }

// add encodes e into rows of buf.
func (s *Sink) add(buf *tableBuffer, e *cdc.Event) error {
	version, err := s.rowVersion(&e.Source)
	if err != nil {
		return fmt.Errorf("clickhouse: %s event on %s: %w", e.Op, e.Table, err)
	}
	l := buf.layout
	switch e.Op {
	case cdc.OpRead, cdc.OpCreate:
		return s.appendRow(buf, e.After, version, false)
	case cdc.OpUpdate:
		if e.Before != nil && !samePrimaryKey(l, e.Before, e.After) {
			// The key changed: the old key's row is gone.
			if err := s.appendRow(buf, e.Before, version, true); err != nil {
				return err
			}
		}
		return s.appendRow(buf, e.After, version, false)
	case cdc.OpDelete:
		return s.appendRow(buf, e.Before, version, true)
	}
	return nil
}

// rowVersion is [RowVersion] with the binlog file's sequence number parsed
// once per file rather than once per row.
func (s *Sink) rowVersion(src *cdc.Source) (uint64, error) {
	if src.File != s.versionFile || s.versionFile == "" {
		seq, err := binlogFileSeq(src.File)
		if err != nil {
			return 0, err
		}
		s.versionFile, s.versionSeq = src.File, seq
	}
	return packVersion(s.versionSeq, src)
}

func samePrimaryKey(l *tableLayout, a, b cdc.Row) bool {
	for _, k := range l.pk {
		if k >= len(a) || k >= len(b) {
			return false
		}
		// The usual key types compare without reflection.
		switch x := a[k].(type) {
		case int64:
			if y, ok := b[k].(int64); !ok || x != y {
				return false
			}
		case uint64:
			if y, ok := b[k].(uint64); !ok || x != y {
				return false
			}
		case string:
			if y, ok := b[k].(string); !ok || x != y {
				return false
			}
		default:
			if !reflect.DeepEqual(a[k], b[k]) {
				return false
			}
		}
	}
	return true
}

func (s *Sink) appendRow(buf *tableBuffer, image cdc.Row, version uint64, deleted bool) error {
	l := buf.layout
	if len(image) != len(l.codecs) {
		return fmt.Errorf("clickhouse: table %s: row has %d values, the schema %d columns", l.schema.Table, len(image), len(l.codecs))
	}
	b := buf.batch
	if b == nil {
		b = newRowBatch(l, min(s.cfg.MaxRows, initialBatchRows))
		buf.batch = b
	}
	size := 9
	for i, c := range b.cols {
		n, err := c.add(image[i])
		if err != nil {
			if !deleted || image[i] != nil {
				for _, c := range b.cols[:i] {
					c.truncate(b.rows)
				}
				var ve *ValueError
				if errors.As(err, &ve) {
					return err
				}
				cd := l.codecs[i]
				if errors.Is(err, errNullInNotNull) && cd.nullRefusal != "" {
					return &ValueError{Table: l.schema.Table, Column: cd.name, Value: "NULL", Reason: cd.nullRefusal, Err: ErrUnrepresentable}
				}
				return &ValueError{Table: l.schema.Table, Column: cd.name, Value: fmt.Sprintf("%v", image[i]), Reason: err.Error()}
			}
			n = c.addZero()
		}
		size += n
	}
	var del uint8
	if deleted {
		del = 1
	}
	b.versions = append(b.versions, version)
	b.deleted = append(b.deleted, del)
	b.rows++
	b.bytes += size
	if s.rows == 0 {
		s.oldest = time.Now()
	}
	s.rows++
	s.bytes += size
	s.rowsBuffered.Add(1)
	return nil
}

// Flush writes every buffered row. It returns nil only when all of them are
// written; otherwise the error says which tables failed (an *[InsertError]
// per table, joined) and their rows stay buffered.
func (s *Sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.flushLocked(ctx)
}

// flushLocked writes the buffered rows of every table.
func (s *Sink) flushLocked(ctx context.Context) error {
	var errs []error
	for _, id := range s.order {
		buf := s.tables[id]
		if buf.batch == nil || buf.batch.rows == 0 {
			continue
		}
		if err := s.flushTable(ctx, buf); err != nil {
			errs = append(errs, err)
		}
	}
	if s.rows > 0 {
		s.oldest = time.Now()
	}
	return errors.Join(errs...)
}

// flushTable inserts buf's rows with one batch, retrying transient
// failures. The rows stay buffered when the insert fails.
func (s *Sink) flushTable(ctx context.Context, buf *tableBuffer) error {
	b := buf.batch
	start := time.Now()
	attempts, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error { return s.insert(ctx, b) })
	table := b.layout.schema.Table
	info := FlushInfo{Table: table, Rows: b.rows, Bytes: b.bytes, Attempts: attempts, Duration: time.Since(start)}
	if err != nil {
		s.failures.Add(1)
		info.Err = &InsertError{Table: table, Rows: b.rows, Attempts: attempts, Err: err}
	} else {
		s.flushes.Add(1)
		s.rowsWritten.Add(uint64(b.rows))
		s.bytesWritten.Add(uint64(b.bytes))
		s.rowsBuffered.Add(-int64(b.rows))
	}
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
	if info.Err != nil {
		return info.Err
	}
	s.rows -= b.rows
	s.bytes -= b.bytes
	if b.oversized(b.rows) {
		buf.batch = nil
	} else {
		b.reset()
	}
	return nil
}

// insert writes b with one batch insert, column by column: each typed
// buffer is handed to its batch column whole.
func (s *Sink) insert(ctx context.Context, b *rowBatch) error {
	l := b.layout
	batch, err := s.client.conn.PrepareBatch(ctx, l.insertSQL())
	if err != nil {
		return err
	}
	for i, c := range b.cols {
		if err := c.appendTo(batch.Column(i)); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("clickhouse: column %s: %w", QuoteIdent(l.codecs[i].name), err)
		}
	}
	n := len(b.cols)
	if err := batch.Column(n).Append(b.versions); err != nil {
		_ = batch.Abort()
		return err
	}
	if err := batch.Column(n + 1).Append(b.deleted); err != nil {
		_ = batch.Abort()
		return err
	}
	return batch.Send()
}

// startTimer starts the goroutine of time-based flushes, once.
func (s *Sink) startTimer() {
	if s.cfg.FlushInterval <= 0 {
		return
	}
	s.timerOnce.Do(func() {
		s.timerRunning = true
		go func() {
			defer close(s.done)
			t := time.NewTicker(s.cfg.FlushInterval / 2)
			defer t.Stop()
			for {
				select {
				case <-s.stop:
					return
				case <-t.C:
					s.mu.Lock()
					if !s.closed && s.rows > 0 && time.Since(s.oldest) >= s.cfg.FlushInterval {
						ctx, cancel := context.WithTimeout(context.Background(), 10*s.cfg.FlushInterval+30*time.Second)
						// A failure leaves the rows buffered; the next flush
						// tries again and OnFlush has reported it.
						_ = s.flushLocked(ctx)
						cancel()
					}
					s.mu.Unlock()
				}
			}
		}()
	})
}

// ReadTable returns the visible state of the table of schema as the sink
// writes it; see [Client.ReadTable].
func (s *Sink) ReadTable(ctx context.Context, schema *cdc.TableSchema) ([]cdc.Row, error) {
	return s.client.ReadTable(ctx, schema, s.cfg.TableOptions)
}

// Close flushes the buffered rows and stops the sink; it returns the flush's
// error, if any (those rows are not written, and the source has stored no
// offset past them). Close is idempotent; it does not close the client.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	err := s.flushLocked(ctx)
	s.closed = true
	s.mu.Unlock()
	s.timerOnce.Do(func() {}) // a timer not started by now never starts
	if s.timerRunning {
		close(s.stop)
		<-s.done
	}
	return err
}
