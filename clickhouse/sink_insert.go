package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Inserts stream. HandleEvents seals each table's rows into blocks of
// insertBlockRows rows and hands every block, as soon as it is full, to the
// sink's insert job: a goroutine that keeps an INSERT open and sends each
// block the moment it gets it, so that ClickHouse ingests while the source
// reads. An INSERT takes the blocks of one table until it holds MaxRows
// rows or maxSpillBytes in the spill file (or half of MaxBytes held in
// memory, without the spill file), or until the sink asks for what it
// holds to be written (Flush, FlushInterval, a schema change, Close, or
// the memory bound below); then the job ends it and opens the next. Large INSERTs are
// what ClickHouse ingests cheaply: the server squashes an INSERT's blocks
// into parts of up to min_insert_block_size_rows (about a million rows),
// and every part it writes is merged again in the background. With 32,768
// rows per INSERT the server used 3.6 times the CPU per row it used for the
// same rows from clickhouse-client in one INSERT
// (BenchmarkSnapshotToClickHouse, ch-cpu-ns/row).
//
// The rows of an INSERT stay until the server has acknowledged it: a
// failed INSERT is tried again with them, from the first block, as the
// Retry policy says, and one that failed every attempt keeps them for the
// next insert, its error returned by the next HandleEvents or Flush. They
// wait in the spill file (spill.go): the job writes each block there once
// it has handed it to the batch, and the block's buffers go back to their
// table as spares, to be filled again, so that an INSERT can take MaxRows
// rows within MaxBytes of memory. With DisableSpill, or when the file
// fails, the blocks themselves are kept, and an INSERT ends at half of
// MaxBytes. At most one job runs per sink, and the sink holds at most
// MaxBytes bytes in memory and twice MaxRows rows in all: beyond,
// HandleEvents waits for the job to take the blocks queued to it
// ([Sink.awaitRoom]), or to write what it has.
//
// The job changes nothing of the sink but its running totals and its own
// fields under its mutex; the sink takes the outcome (blocks written and
// blocks failed) holding its lock ([Sink.collect]).

// insertBlockRows is the most rows a block holds, the unit the sink hands
// clickhouse-go and sends within an INSERT (the batch's Flush), so that
// clickhouse-go's copy of the rows, and its encoded and compressed
// buffers, stay this small however large the INSERT. Each of the pool's
// connections keeps an encoding buffer of a block's size: 4096 rather than
// 16384 rows took about 20 MiB off the peak RSS of
// BenchmarkSnapshotToClickHouse/wide, at no CPU cost measured.
const insertBlockRows = 4096

// maxBlockBytes is the most bytes (the sink's estimate) a block holds
// before it is sealed, for rows so large that insertBlockRows of them
// would make a block of more.
const maxBlockBytes = 8 << 20

// blockRows and blockBytes are the size at which a table's filling block
// is sealed: insertBlockRows rows or maxBlockBytes bytes, or less when
// MaxRows or MaxBytes is smaller.
func (s *Sink) blockRows() int  { return min(insertBlockRows, s.cfg.MaxRows) }
func (s *Sink) blockBytes() int { return max(1, min(maxBlockBytes, s.cfg.MaxBytes/8)) }

// insertBytes is the size at which an INSERT whose rows are held in
// memory (not in the spill file) ends: half of MaxBytes, so that the
// blocks filled while the server acknowledges it fit in the other half.
func (s *Sink) insertBytes() int { return max(1, s.cfg.MaxBytes/2) }

// insertJob is the goroutine that streams sealed blocks into INSERTs.
type insertJob struct {
	s      *Sink
	ctx    context.Context
	cancel context.CancelFunc
	// done is closed when the goroutine has returned; after that the
	// fields under mu are the sink's alone.
	done chan struct{}
	// wake is signalled (capacity 1) when a block is queued or the job is
	// asked to end; progress (capacity 1) when the job has something
	// for the sink to take (a block in the spill file, its memory free;
	// an INSERT's outcome) or holds its rows in memory from now on.
	wake, progress chan struct{}
	// endAsked is the sink's: set when it asked the job to end, after
	// which it queues no more blocks to it.
	endAsked bool

	mu sync.Mutex
	// queue holds the blocks not yet taken, in the order they were sealed.
	queue []queuedBatch
	// ending asks the job to write what it has and return.
	ending bool
	// written holds the blocks the server has acknowledged, failed those
	// of INSERTs that failed every attempt, with errs their errors, and
	// unsent those a cancelled job never tried; spilled holds the blocks
	// whose rows went to the spill file, their buffers to be reused. The
	// sink takes them.
	written, failed, unsent, spilled []queuedBatch
	errs                             []error
	// noSpill is set when the job holds the rows it sends in memory:
	// DisableSpill, or the spill file failed.
	noSpill bool
}

// queuedBatch is a sealed block with the table buffer it came from (which
// gets it back as a spare once it is written). Once the job has sent it
// and written it to the spill file, batch goes back to buf and spill
// holds the rows.
type queuedBatch struct {
	buf   *tableBuffer
	batch *rowBatch
	spill *spilled
}

func (q *queuedBatch) layout() *tableLayout {
	if q.spill != nil {
		return q.spill.layout
	}
	return q.batch.layout
}

func (q *queuedBatch) rows() int {
	if q.spill != nil {
		return q.spill.rows
	}
	return q.batch.rows
}

func (q *queuedBatch) bytes() int {
	if q.spill != nil {
		return q.spill.bytes
	}
	return q.batch.bytes
}

// startJob starts an insert job with blocks queued. The job runs with
// ctx's values but not its cancellation: it outlives the call that starts
// it, and a caller that gives up waiting for it cancels it.
func (s *Sink) startJob(ctx context.Context, blocks []queuedBatch) {
	// jctx is cancelled only by a caller that stops waiting for the job,
	// never once it has ended: clickhouse-go closes the connection of a
	// batch whose ctx ends, and may still do so just after Send has
	// returned it to the pool, breaking the next query on it.
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &insertJob{s: s, ctx: jctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1),
		progress: make(chan struct{}, 1), queue: blocks,
		noSpill: s.cfg.DisableSpill}
	s.job = j
	go j.run()
}

// seal hands buf's filling block to the insert job: to the running one,
// unless it has been asked to end, else to the next, which starts now if
// none runs. The table fills a spare block meanwhile.
func (s *Sink) seal(ctx context.Context, buf *tableBuffer) {
	b := buf.batch
	if b == nil || b.rows == 0 {
		return
	}
	buf.batch = nil
	if n := len(buf.spares); n > 0 {
		buf.batch, buf.spares = buf.spares[n-1], buf.spares[:n-1]
		s.spareBytes -= buf.batch.held
	}
	q := queuedBatch{buf: buf, batch: b}
	if j := s.job; j != nil && !j.endAsked {
		j.mu.Lock()
		j.queue = append(j.queue, q)
		j.mu.Unlock()
		j.signal()
		return
	}
	s.pending = append(s.pending, q)
	s.startPending(ctx)
}

// sealAll seals the filling block of every table.
func (s *Sink) sealAll(ctx context.Context) {
	for _, id := range s.order {
		s.seal(ctx, s.tables[id])
	}
}

// startPending starts a job with the pending blocks (those of failed
// inserts first), unless one runs.
func (s *Sink) startPending(ctx context.Context) {
	if len(s.pending) == 0 || !s.insertIdle() {
		return
	}
	blocks := s.pending
	s.pending = nil
	s.startJob(ctx, blocks)
}

// writeAll has every buffered row written, without waiting: it seals the
// filling blocks and asks the job to end once it has written them,
// starting one for the pending blocks if none runs. The rows buffered
// after it go to the next job. Blocks left pending, behind a job that
// was asked to end before, keep oldest, for the next writeAll.
func (s *Sink) writeAll(ctx context.Context) {
	s.sealAll(ctx)
	s.startPending(ctx)
	if j := s.job; j != nil && !j.endAsked {
		j.askEnd()
	}
	if len(s.pending) == 0 {
		s.oldest = time.Time{}
	}
}

// overdue reports whether the oldest row not yet handed to an ending job
// has waited FlushInterval, with no earlier writeAll still in progress.
func (s *Sink) overdue() bool {
	if s.cfg.FlushInterval <= 0 {
		return false
	}
	// The job's outcome first: rows back from it may set oldest.
	idle := s.insertIdle()
	if s.oldest.IsZero() || time.Since(s.oldest) < s.cfg.FlushInterval {
		return false
	}
	return idle || !s.job.endAsked
}

// askEnd asks the job to end once it has written what it has; the caller
// holds the sink's lock and queues no more blocks to it.
func (j *insertJob) askEnd() {
	j.endAsked = true
	j.mu.Lock()
	j.ending = true
	j.mu.Unlock()
	j.signal()
}

// collect takes what the job has done so far: written blocks go back to
// their tables as spares, failed ones to the front of the pending blocks
// (tried again by the next job) and their errors to insertErr, for the
// next HandleEvents or Flush to return.
func (s *Sink) collect(j *insertJob) {
	j.mu.Lock()
	written, failed, unsent, spilled, errs := j.written, j.failed, j.unsent, j.spilled, j.errs
	j.written, j.failed, j.unsent, j.spilled, j.errs = nil, nil, nil, nil, nil
	j.mu.Unlock()
	for _, q := range spilled {
		s.bytes -= q.batch.bytes
		s.spare(q.buf, q.batch)
	}
	for _, q := range written {
		s.rows -= q.rows()
		if q.batch != nil {
			s.bytes -= q.batch.bytes
			s.spare(q.buf, q.batch)
		}
	}
	if len(failed)+len(unsent) > 0 {
		s.pending = slices.Concat(failed, unsent, s.pending)
		// Rows back from a cancelled job wait for FlushInterval again (the
		// writeAll that handed them over forgot when they came); those
		// of a failed insert wait for the caller that takes its error.
		if len(errs) == 0 && s.oldest.IsZero() {
			s.oldest = time.Now()
		}
	}
	if len(errs) > 0 {
		s.insertErr = errors.Join(append([]error{s.insertErr}, errs...)...)
	}
}

// spare empties b, whose rows are written or in the spill file, and gives
// it back to buf for reuse, unless it is of an older layout or the spares
// keep room enough.
func (s *Sink) spare(buf *tableBuffer, b *rowBatch) {
	if b.layout == buf.layout && len(buf.spares) < s.maxSpares() && s.spareBytes+b.bytes <= s.cfg.MaxBytes {
		b.held = b.bytes
		s.spareBytes += b.held
		b.reset()
		buf.spares = append(buf.spares, b)
	}
}

// maxSpares is the most emptied blocks a table keeps for reuse: enough for
// the rows the sink may hold. The spares of all tables together keep room
// for at most MaxBytes (s.spareBytes, the bytes they held when written):
// else every table written once would keep the room of the most it held.
func (s *Sink) maxSpares() int {
	return min(2*s.cfg.MaxRows/s.blockRows()+2, 1024)
}

// insertIdle takes what the job has done, and its end when it has ended,
// without waiting, and reports whether no job runs now.
func (s *Sink) insertIdle() bool {
	j := s.job
	if j == nil {
		return true
	}
	select {
	case <-j.done:
		s.job = nil
		s.collect(j)
		return true
	default:
		s.collect(j)
		return false
	}
}

// awaitInsert asks the job to end once it has written what it has, waits
// for it, and takes its outcome. When ctx ends first it cancels the job
// and returns ctx's error; the job then ends on its own, its rows written
// or kept, and the next caller takes its outcome.
func (s *Sink) awaitInsert(ctx context.Context) error {
	j := s.job
	if j == nil {
		return nil
	}
	if !j.endAsked {
		j.askEnd()
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
	s.insertIdle()
	return nil
}

// takeInsertError returns, and forgets, the error of a background insert
// not yet returned to a caller. Its rows stay kept for the next insert.
func (s *Sink) takeInsertError() error {
	s.insertIdle()
	err := s.insertErr
	s.insertErr = nil
	return err
}

// flushLocked writes every buffered row: it waits for the job in flight,
// which takes the filling blocks too (into the INSERT it streams), then
// hands everything still buffered to a job, the blocks of failed inserts
// first, and waits for that. Rows are tried once per call, those of a job
// that failed before it excepted. It returns nil only when every row is
// written.
func (s *Sink) flushLocked(ctx context.Context) error {
	if j := s.job; j != nil && !j.endAsked {
		s.sealAll(ctx)
	}
	if err := s.awaitInsert(ctx); err != nil {
		return err
	}
	// A failure of the job just taken is not reported: its rows go again
	// now, and what counts is whether they are written.
	s.insertErr = nil
	s.writeAll(ctx)
	if err := s.awaitInsert(ctx); err != nil {
		return err
	}
	err := s.insertErr
	s.insertErr = nil
	return err
}

func (j *insertJob) progressed() {
	select {
	case j.progress <- struct{}{}:
	default:
	}
}

func (j *insertJob) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// run inserts the queued blocks, one INSERT after another, until the job
// is asked to end and has nothing left, or is cancelled.
func (j *insertJob) run() {
	defer close(j.done)
	for {
		first, ok := j.take(nil)
		if !ok {
			break
		}
		j.insertRun(first)
	}
	j.mu.Lock()
	j.unsent = append(j.unsent, j.queue...)
	j.queue = nil
	j.mu.Unlock()
}

// take returns the next queued block of layout l, or of any layout when l
// is nil, waiting for one. It reports false when there is none to wait
// for: the job is cancelled, or asked to end with none queued, or l is set
// and none of l is queued while other tables' blocks of half an INSERT's
// bytes are (the INSERT of l ends, and theirs begin). Tables whose blocks
// come interleaved so get INSERTs of many blocks each, rather than one
// INSERT per block; a table's blocks wait behind another's INSERT at most
// until it ends (FlushInterval at the latest, unless the timer is off).
func (j *insertJob) take(l *tableLayout) (queuedBatch, bool) {
	for {
		if j.ctx.Err() != nil {
			return queuedBatch{}, false
		}
		j.mu.Lock()
		others := 0
		for i, q := range j.queue {
			if l == nil || q.layout() == l {
				j.queue = slices.Delete(j.queue, i, i+1)
				j.mu.Unlock()
				return q, true
			}
			others += q.bytes()
		}
		stop := j.ending || (len(j.queue) > 0 && others >= j.s.insertBytes()/2)
		j.mu.Unlock()
		if stop {
			return queuedBatch{}, false
		}
		select {
		case <-j.wake:
		case <-j.ctx.Done():
		}
	}
}

// insertRun writes first and the blocks of its table that follow it with
// one INSERT, retrying transient failures, and counts and reports the
// outcome. The first attempt streams: it sends each block as it comes.
// Later attempts send the blocks the first one took.
func (j *insertJob) insertRun(first queuedBatch) {
	s := j.s
	start := time.Now()
	blocks := []queuedBatch{first}
	streamed := false
	attempts, err := s.cfg.Retry.retry(j.ctx, s.countRetry, func() error {
		if !streamed {
			streamed = true
			return j.stream(&blocks)
		}
		return s.insertBlocks(j.ctx, blocks)
	})
	table := first.layout().schema.Table
	info := FlushInfo{Table: table, Attempts: attempts}
	for _, q := range blocks {
		info.Rows += q.rows()
		info.Bytes += q.bytes()
	}
	info.Duration = time.Since(start)
	if err != nil {
		s.failures.Add(1)
		info.Err = &InsertError{Table: table, Rows: info.Rows, Attempts: attempts, Err: err}
		s.log.Error("clickhouse sink: batch insert failed; its rows stay buffered", "table", table.String(),
			"rows", info.Rows, "attempts", attempts, "err", info.Err)
	} else {
		for _, q := range blocks {
			if q.spill != nil {
				s.spill.release(q.spill)
			}
		}
		s.flushes.Add(1)
		s.rowsWritten.Add(uint64(info.Rows))
		s.bytesWritten.Add(uint64(info.Bytes))
		s.rowsBuffered.Add(-int64(info.Rows))
		s.log.Debug("clickhouse sink: batch inserted", "table", table.String(), "rows", info.Rows, "bytes", info.Bytes,
			"blocks", len(blocks), "attempts", attempts, "duration", info.Duration)
	}
	j.mu.Lock()
	if err != nil {
		j.failed = append(j.failed, blocks...)
		// A job is cancelled by a caller that stopped waiting for it and
		// has returned its ctx's error: the rows go back to wait, with no
		// error of their own for the next caller.
		if j.ctx.Err() == nil {
			j.errs = append(j.errs, info.Err)
		}
	} else {
		j.written = append(j.written, blocks...)
	}
	j.mu.Unlock()
	j.progressed()
	if s.cfg.OnFlush != nil {
		s.cfg.OnFlush(info)
	}
}

// stream opens an INSERT for the table of (*blocks)[0] and sends it, then
// each block of the table the job takes next, appending them to *blocks,
// until the INSERT holds MaxRows rows, or maxSpillBytes in the spill file,
// or half of MaxBytes in memory (insertBytes), or no block of the table is
// left to wait for; then it ends the INSERT.
func (j *insertJob) stream(blocks *[]queuedBatch) error {
	s := j.s
	l := (*blocks)[0].layout()
	batch, err := s.client.conn.PrepareBatch(j.ctx, l.insertSQL())
	if err != nil {
		return err
	}
	raw := batch.Columns()
	rows, held, spilled := 0, 0, int64(0)
	for i := 0; ; i++ {
		q := &(*blocks)[i]
		if err := j.add(batch, raw, q); err != nil {
			_ = batch.Abort()
			return err
		}
		rows += q.rows()
		if q.spill != nil {
			spilled += q.spill.n
		} else {
			held += q.batch.bytes
		}
		if rows >= s.cfg.MaxRows || held >= s.insertBytes() || spilled >= maxSpillBytes {
			break
		}
		// The block goes now; the INSERT waits for the next.
		if err := batch.Flush(); err != nil {
			_ = batch.Abort()
			return err
		}
		q2, ok := j.take(l)
		if !ok {
			break
		}
		*blocks = append(*blocks, q2)
	}
	return batch.Send()
}

// add appends q's rows to batch, whose columns are raw: from the spill
// file when q is in it; else from its block, which then goes to the spill
// file, and back to its table, unless the job holds its rows in memory.
func (j *insertJob) add(batch driver.Batch, raw []column.Interface, q *queuedBatch) error {
	s := j.s
	if q.spill != nil {
		return s.spill.read(q.spill, raw)
	}
	b := q.batch
	if err := s.appendBlock(batch, raw, b); err != nil {
		return err
	}
	if j.noSpill {
		return nil
	}
	sp, err := s.spill.write(raw, b.rows)
	if err != nil {
		j.mu.Lock()
		j.noSpill = true
		j.mu.Unlock()
		j.progressed()
		if !errors.Is(err, errSpillRests) {
			s.log.Warn("clickhouse sink: the rows of INSERTs stay in memory until the spill file is tried again", "err", err,
				"retry_in", s.spill.rest)
		}
		return nil
	}
	sp.layout, sp.bytes = b.layout, b.bytes
	j.mu.Lock()
	j.spilled = append(j.spilled, *q)
	j.mu.Unlock()
	j.progressed()
	q.batch, q.spill = nil, sp
	return nil
}

// awaitRoom waits, while the sink is full, for the insert job to take the
// blocks queued to it: each one it sends goes to the spill file and its
// memory back to the sink, and the INSERT goes on. When what fills the
// sink is the tables' filling blocks rather than queued ones, it seals
// them first, once. It reports false, the sink still full, when waiting
// cannot make room: no job runs or the one running was asked to end, or
// it holds its rows in memory (DisableSpill, or the spill file failed),
// or not half of MaxBytes is queued to it. It returns ctx's error when
// ctx ends first; the job goes on.
func (s *Sink) awaitRoom(ctx context.Context) (bool, error) {
	sealed := false
	for s.full() {
		j := s.job
		if j == nil || j.endAsked {
			return false, nil
		}
		j.mu.Lock()
		noSpill, queued := j.noSpill, 0
		for _, q := range j.queue {
			if q.batch != nil {
				queued += q.batch.bytes
			}
		}
		j.mu.Unlock()
		if noSpill {
			return false, nil
		}
		if queued < s.cfg.MaxBytes/2 {
			if sealed {
				return false, nil
			}
			s.sealAll(ctx)
			sealed = true
			continue
		}
		select {
		case <-j.progress:
		case <-j.done:
		case <-ctx.Done():
			return false, fmt.Errorf("clickhouse: sink: waiting for the insert in progress: %w", ctx.Err())
		}
		s.insertIdle()
	}
	return true, nil
}

// insertBlocks writes blocks, all of one table, with one INSERT.
func (s *Sink) insertBlocks(ctx context.Context, blocks []queuedBatch) error {
	batch, err := s.client.conn.PrepareBatch(ctx, blocks[0].layout().insertSQL())
	if err != nil {
		return err
	}
	raw := batch.Columns()
	for i := range blocks {
		q := &blocks[i]
		if q.spill != nil {
			err = s.spill.read(q.spill, raw)
		} else {
			err = s.appendBlock(batch, raw, q.batch)
		}
		if err != nil {
			_ = batch.Abort()
			return err
		}
		if i < len(blocks)-1 {
			if err := batch.Flush(); err != nil {
				_ = batch.Abort()
				return err
			}
		}
	}
	return batch.Send()
}

// appendBlock appends b's rows to batch, whose columns are raw, column by
// column: each typed buffer is handed to its batch column whole.
func (s *Sink) appendBlock(batch driver.Batch, raw []column.Interface, b *rowBatch) error {
	l := b.layout
	n := len(b.cols)
	for i, c := range b.cols {
		if d, ok := c.(*decimalColumn); ok {
			done, err := d.appendNative(&s.native, raw[i], 0, b.rows)
			if err != nil {
				return fmt.Errorf("clickhouse: column %s: %w", QuoteIdent(l.codecs[i].name), err)
			}
			if done {
				continue
			}
		}
		if err := c.appendRange(batch.Column(i), 0, b.rows); err != nil {
			return fmt.Errorf("clickhouse: column %s: %w", QuoteIdent(l.codecs[i].name), err)
		}
	}
	if err := batch.Column(n).Append(b.versions); err != nil {
		return err
	}
	return batch.Column(n + 1).Append(b.deleted)
}
