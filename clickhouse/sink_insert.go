package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// An insert runs in the background while HandleEvents fills the next batch:
// when the batches are full, the sink hands them to an insertJob and goes on
// buffering into each table's spare batch, so that reading the source and
// ClickHouse's ingest overlap. At most one job runs per sink: a batch that
// fills up while one runs waits for it (backpressure), which bounds the
// sink's memory to two batches. The job changes nothing of the sink but its
// running totals; the caller that finds it done (holding the lock) takes
// its outcome: batches written become spares again, batches that failed
// every attempt are kept for the next insert and their error is returned by
// the next HandleEvents or Flush.

// insertJob is one background insert: the batches of every table that
// were full, inserted one table after another.
type insertJob struct {
	batches []queuedBatch
	// errs holds each batch's outcome, written by the job before done is
	// closed.
	errs   []error
	cancel context.CancelFunc
	done   chan struct{}
}

// queuedBatch is a batch handed to an insert, with the table buffer it came
// from (which gets it back as a spare once it is written).
type queuedBatch struct {
	buf   *tableBuffer
	batch *rowBatch
}

// startInsert hands every buffered batch to a background insert: the
// batches kept from failed inserts first, then each table's filling batch,
// which the table's spare replaces. The caller holds the lock and has taken
// the outcome of the previous insert ([Sink.awaitInsert]). The insert runs
// with ctx's values but not its cancellation: it outlives the call that
// starts it, and a caller that gives up waiting for it cancels it.
func (s *Sink) startInsert(ctx context.Context) {
	queued := s.failed
	s.failed = nil
	for _, id := range s.order {
		buf := s.tables[id]
		if buf.batch == nil || buf.batch.rows == 0 {
			continue
		}
		queued = append(queued, queuedBatch{buf: buf, batch: buf.batch})
		buf.batch, buf.spare = buf.spare, nil
	}
	s.rows, s.bytes = 0, 0
	if len(queued) == 0 {
		return
	}
	// jctx is cancelled only by a caller that stops waiting for the
	// insert, never once it has ended: clickhouse-go closes the connection
	// of a batch whose ctx ends, and may still do so just after Send has
	// returned it to the pool, breaking the next query on it.
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &insertJob{batches: queued, errs: make([]error, len(queued)), cancel: cancel, done: make(chan struct{})}
	s.inFlight = j
	go func() {
		defer close(j.done)
		for i, q := range j.batches {
			j.errs[i] = s.insertBatch(jctx, q.batch)
		}
	}()
}

// insertIdle takes the outcome of an insert that has ended, without
// waiting for one that runs, and reports whether none runs now.
func (s *Sink) insertIdle() bool {
	if s.inFlight == nil {
		return true
	}
	select {
	case <-s.inFlight.done:
		s.takeInsert()
		return true
	default:
		return false
	}
}

// awaitInsert waits for the insert in flight, if any, and takes its
// outcome. When ctx ends first it cancels the insert and returns ctx's
// error; the insert then ends on its own, its rows written or kept, and
// the next caller takes its outcome.
func (s *Sink) awaitInsert(ctx context.Context) error {
	j := s.inFlight
	if j == nil {
		return nil
	}
	select {
	case <-j.done:
	default:
		select {
		case <-j.done:
		case <-ctx.Done():
			j.cancel()
			return fmt.Errorf("clickhouse: sink: waiting for the insert in progress: %w", ctx.Err())
		}
	}
	s.takeInsert()
	return nil
}

// takeInsert takes the outcome of the ended insert: each batch written goes
// back to its table as the spare (unless the table has one, or has changed
// layout, or the batch is far larger than its rows); each batch that failed
// is kept for the next insert, and the failures are kept in insertErr for
// the next HandleEvents or Flush to return.
func (s *Sink) takeInsert() {
	j := s.inFlight
	s.inFlight = nil
	var errs []error
	for i, q := range j.batches {
		if err := j.errs[i]; err != nil {
			s.failed = append(s.failed, q)
			errs = append(errs, err)
			continue
		}
		b, buf := q.batch, q.buf
		if buf.spare == nil && b.layout == buf.layout && !b.oversized(b.rows) {
			b.reset()
			buf.spare = b
		}
	}
	if len(errs) > 0 {
		s.insertErr = errors.Join(errs...)
	}
}

// takeInsertError returns, and forgets, the error of a background insert
// not yet returned to a caller. Its rows stay kept for the next insert.
func (s *Sink) takeInsertError() error {
	s.insertIdle()
	err := s.insertErr
	s.insertErr = nil
	return err
}

// flushLocked writes every buffered row: it waits for the insert in
// flight, then inserts everything still buffered, the batches of failed
// inserts included, and waits for that. It returns nil only when every row
// is written.
func (s *Sink) flushLocked(ctx context.Context) error {
	if err := s.awaitInsert(ctx); err != nil {
		return err
	}
	// A failure of the insert just taken is not reported: its rows go again
	// now, and what counts is whether they are written.
	s.insertErr = nil
	s.startInsert(ctx)
	if err := s.awaitInsert(ctx); err != nil {
		return err
	}
	err := s.insertErr
	s.insertErr = nil
	return err
}

// insertBatch inserts b with one INSERT, retrying transient failures, and
// counts and reports the outcome. It runs on the insert's goroutine and
// touches nothing of the sink but its running totals.
func (s *Sink) insertBatch(ctx context.Context, b *rowBatch) error {
	start := time.Now()
	attempts, err := s.cfg.Retry.retry(ctx, s.countRetry, func() error { return s.insert(ctx, b) })
	table := b.layout.schema.Table
	info := FlushInfo{Table: table, Rows: b.rows, Bytes: b.bytes, Attempts: attempts, Duration: time.Since(start)}
	if err != nil {
		s.failures.Add(1)
		info.Err = &InsertError{Table: table, Rows: b.rows, Attempts: attempts, Err: err}
		s.log.Error("clickhouse sink: batch insert failed; its rows stay buffered", "table", table.String(),
			"rows", b.rows, "attempts", attempts, "err", info.Err)
	} else {
		s.flushes.Add(1)
		s.rowsWritten.Add(uint64(b.rows))
		s.bytesWritten.Add(uint64(b.bytes))
		s.rowsBuffered.Add(-int64(b.rows))
		s.log.Debug("clickhouse sink: batch inserted", "table", table.String(), "rows", b.rows, "bytes", b.bytes,
			"attempts", attempts, "duration", info.Duration)
	}
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
	return info.Err
}

// insertBlockRows is the most rows the sink hands clickhouse-go in one
// block. An insert of more rows sends several blocks (the batch's Flush)
// within its one INSERT, so that clickhouse-go's copy of the rows, and its
// encoded and compressed buffers, stay this small however large MaxRows
// is. The server squashes the blocks of an INSERT into parts of up to
// min_insert_block_size_rows (about a million rows), so the table gets no
// more parts than with one block. Each of the pool's connections keeps an
// encoding buffer of a block's size: 4096 rather than 16384 rows took
// about 20 MiB off the peak RSS of BenchmarkSnapshotToClickHouse/wide, at
// no CPU cost measured.
const insertBlockRows = 4096

// insert writes b with one batch insert, column by column: each typed
// buffer is handed to its batch column whole, in blocks of insertBlockRows.
func (s *Sink) insert(ctx context.Context, b *rowBatch) error {
	l := b.layout
	batch, err := s.client.conn.PrepareBatch(ctx, l.insertSQL())
	if err != nil {
		return err
	}
	n := len(b.cols)
	raw := batch.Columns()
	for lo := 0; lo < b.rows; lo += insertBlockRows {
		hi := min(lo+insertBlockRows, b.rows)
		for i, c := range b.cols {
			if d, ok := c.(*decimalColumn); ok {
				done, err := d.appendNative(&s.native, raw[i], lo, hi)
				if err != nil {
					_ = batch.Abort()
					return fmt.Errorf("clickhouse: column %s: %w", QuoteIdent(l.codecs[i].name), err)
				}
				if done {
					continue
				}
			}
			if err := c.appendRange(batch.Column(i), lo, hi); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("clickhouse: column %s: %w", QuoteIdent(l.codecs[i].name), err)
			}
		}
		if err := batch.Column(n).Append(b.versions[lo:hi]); err != nil {
			_ = batch.Abort()
			return err
		}
		if err := batch.Column(n + 1).Append(b.deleted[lo:hi]); err != nil {
			_ = batch.Abort()
			return err
		}
		if hi < b.rows {
			if err := batch.Flush(); err != nil {
				_ = batch.Abort()
				return err
			}
		}
	}
	return batch.Send()
}
