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
	// holds at most two batches, the one being filled and the one a
	// background insert is writing.
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
	// not, with what it wrote (for a background insert, once the sink next
	// waits for it: at the next size-triggered flush, Flush or Close); it
	// runs with the sink locked and must not call the sink.
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
// every buffered row has been inserted, including those of a background
// insert started by a size-triggered flush; rows of a failed insert stay
// buffered and are tried again by the next flush.
type Sink struct {
	client *Client
	cfg    SinkConfig

	mu     sync.Mutex
	tables map[cdc.TableID]*tableBuffer
	order  []cdc.TableID
	// rows and bytes count the rows being buffered, not those in flight.
	rows   int
	bytes  int
	oldest time.Time
	closed bool
	// inflight is the batch insert running in the background, if any.
	inflight *flushJob

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
	layout *tableLayout
	synced bool
	// values holds the buffered rows back to back, width values each (the
	// source columns, _version, _is_deleted): one growing slice instead of
	// an allocation per row.
	values []any
	rows   int
	bytes  int
	// spare is the slice of the last written batch, reused for the next.
	spare []any
}

// flushJob is a flush of every table's rows running in the background,
// while the sink buffers the next rows. At most one runs at a time.
type flushJob struct {
	batches []*jobBatch
	done    chan struct{}
}

// jobBatch is one table's rows in a flushJob, and the outcome of their insert.
type jobBatch struct {
	buf         *tableBuffer
	layout      *tableLayout
	values      []any
	rows, bytes int
	sync        bool // create or alter the table first

	synced   bool
	attempts int
	duration time.Duration
	err      error
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
			if err := s.flushInBackground(ctx); err != nil {
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
	if buf != nil {
		// Rows of the old layout, buffered or in flight, go out first.
		if err := s.awaitInflight(); err != nil {
			return nil, err
		}
		if buf.rows > 0 {
			if err := s.flushTable(ctx, buf); err != nil {
				return nil, err
			}
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

func (s *Sink) countRetry() { s.retries.Add(1) }

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
	width := len(l.codecs) + 2
	if cap(buf.values) == 0 {
		// Room for a full batch up front (up to 64k rows): growing the
		// slice row by row copies it over and over.
		buf.values = make([]any, 0, min(s.cfg.MaxRows, 1<<16)*width)
	}
	buf.values = append(buf.values, make([]any, width)...)
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

// flushLocked writes every row, the in-flight ones and the buffered ones;
// rows of a failed background insert are tried again here.
func (s *Sink) flushLocked(ctx context.Context) error {
	_ = s.awaitInflight() // its rows are buffered again and retried below
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

// flushTable inserts buf's rows with one batch, retrying transient
// failures. No background flush may be running.
func (s *Sink) flushTable(ctx context.Context, buf *tableBuffer) error {
	jb := &jobBatch{buf: buf, layout: buf.layout, values: buf.values, rows: buf.rows, bytes: buf.bytes, sync: !buf.synced && !s.cfg.ManualTables}
	s.write(ctx, jb)
	if jb.synced {
		buf.synced = true
	}
	if err := s.finish(jb); err != nil {
		return err
	}
	s.rows -= buf.rows
	s.bytes -= buf.bytes
	clear(buf.values) // drop references so the values can be collected
	buf.values, buf.rows, buf.bytes = buf.values[:0], 0, 0
	return nil
}

// write inserts a batch, creating or altering its table first when asked,
// retrying transient failures, and records the outcome in jb. It touches
// no state of the sink but the retry counter, so it runs unlocked in the
// background.
func (s *Sink) write(ctx context.Context, jb *jobBatch) {
	start := time.Now()
	jb.attempts, jb.err = s.cfg.Retry.retry(ctx, s.countRetry, func() error {
		if jb.sync && !jb.synced {
			if err := s.client.syncTable(ctx, jb.layout); err != nil {
				return err
			}
			jb.synced = true
		}
		return s.insert(ctx, jb.layout, jb.values)
	})
	jb.duration = time.Since(start)
}

// finish counts a written batch and reports it to OnFlush; it returns the
// batch's *InsertError when the insert failed.
func (s *Sink) finish(jb *jobBatch) error {
	info := FlushInfo{Table: jb.layout.schema.Table, Rows: jb.rows, Bytes: jb.bytes, Attempts: jb.attempts, Duration: jb.duration}
	if jb.err != nil {
		s.failures.Add(1)
		info.Err = &InsertError{Table: jb.layout.schema.Table, Rows: jb.rows, Attempts: jb.attempts, Err: jb.err}
	} else {
		s.flushes.Add(1)
		s.rowsWritten.Add(uint64(jb.rows))
		s.bytesWritten.Add(uint64(jb.bytes))
		s.rowsBuffered.Add(-int64(jb.rows))
	}
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
	return info.Err
}

// flushInBackground hands every buffered row to a background insert, one
// batch per table, and returns: the sink fills new buffers while
// ClickHouse inserts, so reading the source and writing overlap. It first
// waits for the previous background insert, whose failure it returns (with
// those rows buffered again). At most two batches exist at a time, the one
// in flight and the one filling, which bounds the sink's memory.
func (s *Sink) flushInBackground(ctx context.Context) error {
	if err := s.awaitInflight(); err != nil {
		return err
	}
	job := &flushJob{done: make(chan struct{})}
	for _, id := range s.order {
		buf := s.tables[id]
		if buf.rows == 0 {
			continue
		}
		job.batches = append(job.batches, &jobBatch{buf: buf, layout: buf.layout, values: buf.values, rows: buf.rows, bytes: buf.bytes,
			sync: !buf.synced && !s.cfg.ManualTables})
		buf.values, buf.spare = buf.spare[:0], nil
		buf.rows, buf.bytes = 0, 0
	}
	s.rows, s.bytes = 0, 0
	s.inflight = job
	// The insert outlives this call: it must not end with a context the
	// caller cancels on return. The retry policy bounds it.
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(job.done)
		for _, jb := range job.batches {
			s.write(ctx, jb)
		}
	}()
	return nil
}

// awaitInflight waits for the background insert, if any, and settles it:
// written rows are counted, rows of a failed table insert are buffered again
// ahead of the rows that arrived since, and the failures are returned.
func (s *Sink) awaitInflight() error {
	job := s.inflight
	if job == nil {
		return nil
	}
	<-job.done
	s.inflight = nil
	var errs []error
	for _, jb := range job.batches {
		buf := jb.buf
		if jb.synced && buf.layout == jb.layout {
			buf.synced = true
		}
		if err := s.finish(jb); err != nil {
			errs = append(errs, err)
			if s.rows == 0 {
				s.oldest = time.Now()
			}
			buf.values = append(jb.values, buf.values...)
			buf.rows += jb.rows
			buf.bytes += jb.bytes
			s.rows += jb.rows
			s.bytes += jb.bytes
			continue
		}
		clear(jb.values) // drop references so the values can be collected
		buf.spare = jb.values[:0]
	}
	return errors.Join(errs...)
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
