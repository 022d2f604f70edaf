package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
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
	// (default 64 MiB). MaxRows and MaxBytes bound the sink's memory.
	MaxBytes int
	// FlushInterval flushes rows that have waited this long even when the
	// batch is not full (default 1s; negative disables the timer, leaving
	// flushes to size and to [Sink.Flush]).
	FlushInterval time.Duration
	// ManualTables turns off the automatic CREATE TABLE / ALTER TABLE ADD
	// COLUMN from event schemas: the tables must exist (see
	// [Client.SyncTable]).
	ManualTables bool
	// Retry says how transient insert failures are retried.
	Retry RetryPolicy
	// OnFlush, when set, is called after every batch insert, successful or
	// not, with what it wrote; it runs with the sink locked and must not call
	// the sink.
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
	rows   int
	bytes  int
	oldest time.Time
	stats  Stats
	closed bool

	timerOnce    sync.Once
	timerRunning bool
	stop         chan struct{}
	done         chan struct{}
}

type tableBuffer struct {
	layout *tableLayout
	synced bool
	// values holds the buffered rows back to back, width values each (the
	// source columns, _version, _is_deleted): one growing slice instead of
	// an allocation per row.
	values []any
	rows   int
	bytes  int
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

// Stats returns the sink's running totals.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.RowsBuffered = s.rows
	return st
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
		buf, err := s.buffer(ctx, e.Schema)
		if err != nil {
			return err
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
// an older schema of the table first.
func (s *Sink) buffer(ctx context.Context, schema *cdc.TableSchema) (*tableBuffer, error) {
	id := schema.Table
	buf := s.tables[id]
	if buf != nil && buf.layout.schema == schema {
		return buf, nil
	}
	if buf != nil && buf.rows > 0 {
		if err := s.flushTable(ctx, buf); err != nil {
			return nil, err
		}
	}
	var f Features
	if _, err := s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) { f, err = s.client.Features(ctx); return err }); err != nil {
		return nil, err
	}
	l, err := newLayout(schema, s.cfg.Database, f, s.cfg.MappingOptions)
	if err != nil {
		return nil, err
	}
	if buf == nil {
		buf = &tableBuffer{}
		s.tables[id] = buf
		s.order = append(s.order, id)
	}
	buf.layout, buf.synced = l, false
	return buf, nil
}

func (s *Sink) countRetry() { s.stats.Retries++ }

// add encodes e into rows of buf.
func (s *Sink) add(buf *tableBuffer, e *cdc.Event) error {
	version, err := RowVersion(e.Source)
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

func samePrimaryKey(l *tableLayout, a, b cdc.Row) bool {
	for _, k := range l.pk {
		if k >= len(a) || k >= len(b) || !reflect.DeepEqual(a[k], b[k]) {
			return false
		}
	}
	return true
}

func (s *Sink) appendRow(buf *tableBuffer, image cdc.Row, version uint64, deleted bool) error {
	l := buf.layout
	if len(image) != len(l.codecs) {
		return fmt.Errorf("clickhouse: table %s: row has %d values, the schema %d columns", l.schema.Table, len(image), len(l.codecs))
	}
	start := len(buf.values)
	buf.values = append(buf.values, make([]any, len(l.codecs)+2)...)
	row := buf.values[start:]
	size := 9
	for i, c := range l.codecs {
		v, err := c.encodeValue(image[i])
		if err != nil {
			if deleted && image[i] == nil {
				v, err = c.zero, nil
			} else {
				buf.values = buf.values[:start]
				var ve *ValueError
				if errors.As(err, &ve) {
					return err
				}
				return &ValueError{Table: l.schema.Table, Column: c.name, Value: fmt.Sprintf("%v", image[i]), Reason: err.Error()}
			}
		}
		row[i] = v
		size += c.size(v)
	}
	row[len(l.codecs)] = version
	if deleted {
		row[len(l.codecs)+1] = uint8(1)
	} else {
		row[len(l.codecs)+1] = uint8(0)
	}
	if s.rows == 0 {
		s.oldest = time.Now()
	}
	buf.rows++
	buf.bytes += size
	s.rows++
	s.bytes += size
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

func (s *Sink) flushLocked(ctx context.Context) error {
	var errs []error
	for _, id := range s.order {
		buf := s.tables[id]
		if buf.rows == 0 {
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

// flushTable inserts buf's rows with one batch, retrying transient failures.
func (s *Sink) flushTable(ctx context.Context, buf *tableBuffer) error {
	start := time.Now()
	l := buf.layout
	attempts, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		if !buf.synced && !s.cfg.ManualTables {
			if err := s.client.syncTable(ctx, l); err != nil {
				return err
			}
			buf.synced = true
		}
		return s.insert(ctx, l, buf.values)
	})
	info := FlushInfo{Table: l.schema.Table, Rows: buf.rows, Bytes: buf.bytes, Attempts: attempts, Duration: time.Since(start)}
	if err != nil {
		s.stats.Failures++
		info.Err = &InsertError{Table: l.schema.Table, Rows: buf.rows, Attempts: attempts, Err: err}
		if s.cfg.OnFlush != nil {
			s.cfg.OnFlush(info)
		}
		return info.Err
	}
	s.stats.Flushes++
	s.stats.RowsWritten += uint64(buf.rows)
	s.stats.BytesWritten += uint64(buf.bytes)
	s.rows -= buf.rows
	s.bytes -= buf.bytes
	clear(buf.values) // drop references so the values can be collected
	buf.values, buf.rows, buf.bytes = buf.values[:0], 0, 0
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
	return nil
}

func (s *Sink) insert(ctx context.Context, l *tableLayout, values []any) error {
	batch, err := s.client.conn.PrepareBatch(ctx, l.insertSQL())
	if err != nil {
		return err
	}
	width := len(l.codecs) + 2
	for i := 0; i < len(values); i += width {
		if err := batch.Append(values[i : i+width]...); err != nil {
			_ = batch.Abort()
			return err
		}
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
