package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
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
	// MaxRows is the most rows one INSERT takes (default 1,048,576,
	// ClickHouse's min_insert_block_size_rows: the size of the parts the
	// server squashes an INSERT into). The sink streams each table's rows
	// to ClickHouse in blocks of up to 4096 rows as they come, within one
	// INSERT, which ends at MaxRows rows, at 256 MiB in the spill file (at
	// half of MaxBytes with DisableSpill), or when the rows are to be
	// written (FlushInterval, Flush, a schema change, Close). The sink
	// holds at most twice MaxRows rows.
	MaxRows int
	// MaxBytes bounds the sink's memory (default 4 MiB): the rows it holds
	// in memory take at most about this many bytes in its estimate (the
	// values' sizes, a few bytes more per text value). They are the rows
	// buffered and not yet sent, and the table's block being filled. When
	// the sink holds MaxBytes, HandleEvents waits for the INSERT. The rows
	// are held in typed column buffers reused from insert to insert, which
	// keep room for at most MaxBytes more, over all tables; clickhouse-go
	// adds its encoded copy of the block being sent.
	MaxBytes int
	// SpillDir is the directory of the spill file (default os.TempDir()).
	// The rows of an INSERT must be kept until the server acknowledges it,
	// so that a failed INSERT can be sent again; they wait in the spill
	// file, as clickhouse-go encodes them, not in memory, so that an
	// INSERT can take MaxRows rows (which ClickHouse writes as one part)
	// within MaxBytes of memory. The file is emptied as each INSERT is
	// acknowledged, so its pages rarely reach the disk, and it is removed
	// from the directory as soon as it is made, so it never outlives the
	// process. When it cannot be made or written, the sink logs a warning
	// and holds the rows in memory instead, as with DisableSpill, for a
	// minute before it tries the file again. On a tmpfs (as /tmp is on
	// some systems) the file is memory, which MaxBytes does not bound: the
	// sink warns once; point SpillDir at a directory on disk.
	SpillDir string
	// DisableSpill keeps the rows of an INSERT in memory until the server
	// acknowledges it; an INSERT then ends at half of MaxBytes. Small
	// INSERTs cost ClickHouse more CPU per row: with 77,000 rows per
	// INSERT, three times as much as with one INSERT of the same rows.
	DisableSpill bool
	// FlushInterval flushes rows that have waited this long even when the
	// batch is not full (default 1s; negative disables the timer, leaving
	// flushes to size and to [Sink.Flush]).
	FlushInterval time.Duration
	// ManualTables turns off the automatic CREATE TABLE / ALTER TABLE ADD
	// COLUMN from event schemas: the tables and their columns must exist
	// (see [Client.SyncTable]), else the first HandleEvents of a table
	// returns a *[TableMismatchError]. Either way the sink writes the
	// column types the tables have (see the package documentation).
	// Schema changes a source parsed still follow SchemaChanges: set its
	// Behavior to IGNORE to keep the sink from altering tables.
	ManualTables bool
	// SchemaChanges says what the sink does with each kind of schema
	// change a source parsed (cdc.Event.Changes), with Flink CDC's
	// behaviors: IGNORE, LENIENT (the zero value), TRY_EVOLVE, EVOLVE and
	// EXCEPTION, for every kind or per kind. The package documentation
	// lists what each does, and what the sink runs, on old and new
	// servers.
	SchemaChanges cdc.SchemaChangePolicy
	// Retry says how transient insert failures are retried.
	Retry RetryPolicy
	// OnFlush, when set, is called after every batch insert, successful or
	// not, with what it wrote. It runs on the goroutine of the sink's
	// background insert, one call at a time but possibly while
	// HandleEvents runs, and must not call the sink.
	OnFlush func(FlushInfo)
	// Logger receives the sink's logs: each table it prepares (Info), each
	// retried attempt (Warn), each batch insert (Debug) and each one that
	// failed every attempt (Error). Nil discards them.
	Logger *slog.Logger
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
	// SpillBytes is the size of the spill file: the rows of the INSERT in
	// progress, and of INSERTs that failed every attempt, as sent (see
	// SinkConfig.SpillDir).
	SpillBytes int64
	// SchemaChanges counts the schema changes handled (applied, or taken
	// as the policy says); RowsFenced counts rows dropped because a schema
	// change of their table at a later position was handled already (a
	// replay of rows written before it).
	SchemaChanges, RowsFenced uint64
}

func (c SinkConfig) withDefaults() (SinkConfig, error) {
	ps := newConfigError("sink configuration")
	if c.MaxRows < 0 {
		ps.Add("MaxRows", c.MaxRows, "must not be negative; use 0 for the default 1048576 or a positive count")
	}
	if c.MaxBytes < 0 {
		ps.Add("MaxBytes", c.MaxBytes, "must not be negative; use 0 for the default 4 MiB or a positive size")
	}
	if c.Retry.MaxAttempts < 0 {
		ps.Add("Retry.MaxAttempts", c.Retry.MaxAttempts, "must not be negative; use 0 for the default 5 or a positive count")
	}
	if c.Retry.MinBackoff < 0 {
		ps.Add("Retry.MinBackoff", c.Retry.MinBackoff, "must not be negative; use 0 for the default 100ms")
	}
	if c.Retry.MaxBackoff < 0 {
		ps.Add("Retry.MaxBackoff", c.Retry.MaxBackoff, "must not be negative; use 0 for the default 5s")
	}
	if c.Retry.MinBackoff > 0 && c.Retry.MaxBackoff > 0 && c.Retry.MinBackoff > c.Retry.MaxBackoff {
		ps.Add("Retry.MinBackoff", c.Retry.MinBackoff, "exceeds Retry.MaxBackoff %v; lower it or raise MaxBackoff", c.Retry.MaxBackoff)
	}
	if err := c.SchemaChanges.Validate(); err != nil {
		ps.Add("SchemaChanges", fmt.Sprintf("%+v", c.SchemaChanges), "%s", strings.TrimPrefix(err.Error(), "cdc: schema change policy: "))
	}
	if err := ps.Err(); err != nil {
		return c, err
	}
	if c.MaxRows == 0 {
		c.MaxRows = 1 << 20
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 4 << 20
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = time.Second
	}
	if c.SpillDir == "" {
		c.SpillDir = os.TempDir()
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
// [cdc.Sink]: events are buffered in blocks per table, and each full block
// is sent in the background, within an INSERT that stays open for the
// table's next blocks, one INSERT at a time. An INSERT ends at MaxRows rows
// (its rows kept for a retry in the spill file, not in memory: see
// SpillDir), and the rows buffered are written (their INSERT ended) when
// FlushInterval has passed and when the source calls Flush before it
// stores an offset; Flush waits for that.
//
// Writes are idempotent. Each row is written with the version of its binlog
// position ([RowVersion]): an insert or update as the row's new image, a
// delete as a marker row with _is_deleted = 1, into a ReplacingMergeTree
// that keeps the highest version per primary key. Writing the same events
// again, or in another order, leaves the same visible state ([Sink.ReadTable]).
//
// Nothing is acknowledged that was not written: Flush returns nil only when
// every buffered row has been inserted; rows of a failed insert stay
// buffered and are tried again by the next flush, and the failure is
// returned by the next HandleEvents or Flush.
//
// HandleEvents, Flush and Close return by their ctx's end. A caller that
// has to wait for an insert in progress (Flush, Close, a HandleEvents whose
// batch is full, or one preparing a table) and whose ctx ends first gets
// ctx's error at once. The insert it leaves behind is cancelled and settles
// on its own: its rows are written or stay buffered (for the next insert,
// FlushInterval's included), and are counted and reported to OnFlush once,
// either way; the cancellation is not returned again. A HandleEvents that
// was only waiting for the insert to take its queued blocks (the sink
// holding MaxBytes) leaves it running.
type Sink struct {
	client *Client
	cfg    SinkConfig
	log    *slog.Logger

	// lock guards the fields below it (up to the running totals): a
	// goroutine that holds it has put a value into it. Callers take it
	// with their ctx ([Sink.acquire]); an insert whose caller has gone
	// keeps it until it ends ([Sink.settle]).
	lock   chan struct{}
	tables map[cdc.TableID]*tableBuffer
	order  []cdc.TableID
	// last is the buffer of the latest event's table: consecutive events of
	// one table skip the map lookup.
	last *tableBuffer
	// rows and bytes count the rows the sink holds, not yet written: in
	// the tables' filling blocks, in the insert job and pending. oldest is
	// when the first row buffered since the last writeAll came (zero when
	// none has).
	rows   int
	bytes  int
	oldest time.Time
	// closed is set by the Close that closed the sink, closeErr to what
	// it returned.
	closed   bool
	closeErr error
	// versionFile and versionSeq cache the sequence number of the binlog
	// file of the latest event, which every row version needs.
	versionFile string
	versionSeq  uint64
	// states caches the schema change state of each source table, and
	// stateTables whether each ClickHouse database has a StateTable.
	states      map[stateKey]*tableState
	stateTables map[string]bool
	// changeHook, set by tests, is called before each step of a schema
	// change (with its index; -1 before its pending state is stored, and
	// the number of steps after the last): an error stops the change
	// there, as a crash would.
	changeHook func(step int) error
	// warnedServers holds the states whose fence dropped a row of another
	// server than their change's, warned about once.
	warnedServers map[stateKey]bool
	// job is the insert job, nil when none runs (see sink_insert.go);
	// pending holds the blocks for the next job: those of inserts that
	// failed every attempt first, and insertErr their error until a caller
	// has returned it.
	job       *insertJob
	pending   []queuedBatch
	insertErr error
	// spareBytes adds up the held of the tables' spare blocks: the room
	// they keep, at most MaxBytes (see [Sink.maxSpares]).
	spareBytes int
	// native and spill are the insert job's, which runs one at a time
	// (spill is closed by Close).
	native nativeBlock
	spill  spillFile

	// Running totals, read by Stats without the lock (which a flush holds
	// for as long as ClickHouse takes).
	rowsWritten, bytesWritten, flushes, retries, failures atomic.Uint64
	schemaChanges, rowsFenced                             atomic.Uint64
	rowsBuffered                                          atomic.Int64

	// closing ends when Close is called: the timer stops, its flush is
	// cancelled, and HandleEvents and Flush return ErrClosed.
	closing      context.Context
	startClosing context.CancelFunc
	timerOnce    sync.Once
	timerRunning bool
	// timerDone is closed when the timer's goroutine has returned.
	timerDone chan struct{}
}

type tableBuffer struct {
	// layout writes the types the ClickHouse table has; the table exists
	// and has every column of the layout.
	layout *tableLayout
	// batch is the filling block, nil until the first row. spares are
	// blocks back from their insert, emptied, to be filled next.
	batch  *rowBatch
	spares []*rowBatch
	// fence is the version of the table's last schema change: rows below
	// it were written before the change and are dropped when delivered
	// again (see [tableState]).
	fence uint64
	// source is the source whose state the layout and fence are from
	// (see [stateKey]).
	source string
	// stale is set when a schema change has changed the table: its next
	// row prepares the layout again.
	stale bool
}

// rowBatch is a block: rows of one table column by column, one typed
// buffer per source column (see [columnBuffer]), then the _version and
// _is_deleted values. It holds up to insertBlockRows rows, and its buffers
// are reused from insert to insert.
type rowBatch struct {
	layout   *tableLayout
	cols     []columnBuffer
	versions []uint64
	deleted  []uint8
	// rows is the number of rows; bytes estimates their size.
	rows, bytes int
	// held is, for a spare block, the bytes it held when it was written:
	// about the room its buffers keep.
	held int
}

// initialBatchRows is the room a new block has; it grows as rows arrive,
// up to insertBlockRows.
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

var _ cdc.Sink = (*Sink)(nil)

// NewSink returns a sink writing through client. It validates cfg and does
// no I/O; the client stays the caller's to close.
func NewSink(client *Client, cfg SinkConfig) (*Sink, error) {
	if client == nil {
		ps := newConfigError("NewSink arguments")
		ps.Add("client", nil, "is nil; pass a *Client from Open or New")
		return nil, ps
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	closing, startClosing := context.WithCancel(context.Background())
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sink{client: client, cfg: c, log: log, lock: make(chan struct{}, 1), tables: map[cdc.TableID]*tableBuffer{},
		states: map[stateKey]*tableState{}, stateTables: map[string]bool{}, spill: spillFile{dir: c.SpillDir, rest: spillRetry, log: log},
		closing: closing, startClosing: startClosing, timerDone: make(chan struct{})}, nil
}

// Config returns the sink's configuration with defaults applied.
func (s *Sink) Config() SinkConfig { return s.cfg }

// Stats returns the sink's running totals. It does not wait for a flush in
// progress.
func (s *Sink) Stats() Stats {
	return Stats{
		RowsWritten: s.rowsWritten.Load(), BytesWritten: s.bytesWritten.Load(), Flushes: s.flushes.Load(),
		Retries: s.retries.Load(), Failures: s.failures.Load(), RowsBuffered: int(s.rowsBuffered.Load()),
		SpillBytes:    s.spill.held.Load(),
		SchemaChanges: s.schemaChanges.Load(), RowsFenced: s.rowsFenced.Load(),
	}
}

// HandleEvents buffers events. Each block of a table that fills up goes to
// the INSERT running in the background, and HandleEvents goes on
// buffering; once the sink holds MaxBytes (or twice MaxRows rows), it
// waits for that INSERT to write them.
// A table's first event, and its first after a schema change, prepares the
// table (see [SinkConfig.ManualTables]); a schema change writes every
// buffered row first.
//
// An error of a background insert (an *[InsertError] per table, joined) is
// returned by the next HandleEvents or Flush, whichever comes first: by
// HandleEvents before it buffers any of its events, or when it finds its
// batch full, having buffered those before that event. The rows of the
// failed insert stay buffered, and the next insert tries them again.
// When ctx ends first, HandleEvents returns ctx's error, having buffered
// none of events if it was waiting for a call in progress, else those
// before the event whose insert or table preparation it was waiting for.
func (s *Sink) HandleEvents(ctx context.Context, events []cdc.Event) (err error) {
	if err := s.acquireOpen(ctx); err != nil {
		return err
	}
	defer func() { err = s.releaseAfter(err) }()
	s.startTimer()
	if err := s.takeInsertError(); err != nil {
		return err
	}
	for i := range events {
		e := &events[i]
		if e.Op == cdc.OpSchemaChange {
			if err := s.schemaChange(ctx, e); err != nil {
				return err
			}
			continue
		}
		if e.Schema == nil {
			return fmt.Errorf("%w: %s event on %s at %s:%d", errNilSchema, e.Op, e.Table, e.Source.File, e.Source.Pos)
		}
		buf := s.last
		if buf == nil || buf.stale || buf.layout.schema != e.Schema {
			// A replayed row of a table changed since is dropped before
			// it could create or alter the table again.
			fenced, err := s.fenced(ctx, e)
			if err != nil {
				return err
			}
			if fenced {
				s.rowsFenced.Add(1)
				continue
			}
			if buf, err = s.buffer(ctx, e.Schema, e.Source.Name); err != nil {
				return err
			}
			s.last = buf
		}
		if err := s.add(buf, e); err != nil {
			return err
		}
		if b := buf.batch; b != nil && (b.rows >= s.blockRows() || b.bytes >= s.blockBytes()) {
			s.seal(ctx, buf)
		}
		// Checked at every row, not only when a block is sealed: the
		// filling blocks of many tables can hold MaxBytes with none full.
		if s.full() {
			s.insertIdle()
		}
		if s.full() {
			// The sink holds all it may in memory: the insert job sends
			// the blocks queued to it to ClickHouse and the spill file,
			// freeing them, before more rows come.
			room, err := s.awaitRoom(ctx)
			if err != nil {
				return err
			}
			if err := s.takeInsertError(); err != nil {
				return err
			}
			if room {
				continue
			}
			// Else the insert writes what the sink holds.
			if err := s.awaitInsert(ctx); err != nil {
				return err
			}
			if err := s.takeInsertError(); err != nil {
				return err
			}
			if s.full() {
				// Still full: the rows are in the tables' filling blocks
				// or pending; every one is written before more come.
				s.writeAll(ctx)
				if err := s.awaitInsert(ctx); err != nil {
					return err
				}
				if err := s.takeInsertError(); err != nil {
					return err
				}
			}
			s.startPending(ctx)
		}
	}
	if s.overdue() {
		s.writeAll(ctx)
	}
	return nil
}

// full reports whether the sink holds all the rows it may: twice MaxRows
// rows or MaxBytes bytes.
func (s *Sink) full() bool { return s.rows >= 2*s.cfg.MaxRows || s.bytes >= s.cfg.MaxBytes }

// buffer returns the table's buffer for schema, flushing rows buffered under
// an older schema of the table first. A new schema's table is prepared
// before any row of it is buffered: created or given the new columns
// (unless ManualTables), and its existing columns' types read, so that the
// rows are converted for the types the table has and a table that cannot
// take them is refused here, with a *TableMismatchError.
func (s *Sink) buffer(ctx context.Context, schema *cdc.TableSchema, source string) (*tableBuffer, error) {
	id := schema.Table
	buf := s.tables[id]
	if buf != nil && !buf.stale && buf.layout.schema == schema && buf.source == source {
		return buf, nil
	}
	if buf != nil {
		// Rows of the old layout go out first (those of an insert in
		// flight or failed included).
		if err := s.flushLocked(ctx); err != nil {
			return nil, err
		}
	}
	err := s.settle(ctx, func() error {
		st, err := s.state(ctx, stateKey{source, id})
		if err != nil {
			return err
		}
		l, err := s.prepareTable(ctx, schema, st)
		if err != nil {
			return err
		}
		if s.tables[id] == nil {
			s.tables[id] = &tableBuffer{}
			s.order = append(s.order, id)
		}
		b := s.tables[id]
		b.layout, b.fence, b.source, b.stale = l, st.Version, source, false
		for _, sp := range b.spares {
			s.spareBytes -= sp.held
		}
		b.batch, b.spares = nil, nil // the old layout's buffers do not fit
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.tables[id], nil
}

// prepareTable returns the layout of schema's rows for the types its
// ClickHouse table has, creating or altering the table unless
// ManualTables, retrying transient failures. st, the table's schema change
// state, can send the rows to another table or their columns to other
// columns, or to none.
func (s *Sink) prepareTable(ctx context.Context, schema *cdc.TableSchema, st *tableState) (*tableLayout, error) {
	var f Features
	if _, err := s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) { f, err = s.client.Features(ctx); return err }); err != nil {
		return nil, err
	}
	mapped, err := newLayout(schema, s.cfg.Database, f, s.cfg.MappingOptions)
	if err != nil {
		return nil, err
	}
	mapped = mapped.project(st)
	var l *tableLayout
	_, err = s.cfg.Retry.retry(ctx, s.countRetry, func() (err error) {
		l, err = s.client.prepareTable(ctx, mapped, !s.cfg.ManualTables)
		return err
	})
	if err == nil {
		s.log.Info("clickhouse sink: table ready", "source", schema.Table.String(), "table", l.qualified(),
			"server", f.Version.String())
	}
	return l, err
}

// countRetry counts a retried attempt and logs it.
func (s *Sink) countRetry(attempt int, err error, wait time.Duration) {
	s.retries.Add(1)
	s.log.Warn("clickhouse sink: retrying after a transient failure", "attempt", attempt, "wait", wait, "err", err)
}

// add encodes e into rows of buf.
func (s *Sink) add(buf *tableBuffer, e *cdc.Event) error {
	version, err := s.rowVersion(&e.Source)
	if err != nil {
		return fmt.Errorf("clickhouse: %s event on %s: %w", e.Op, e.Table, err)
	}
	if version < buf.fence {
		s.rowsFenced.Add(1)
		return nil
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
	if src.BinlogSeq != 0 {
		return packVersion(src.BinlogSeq, src)
	}
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
	if len(image) != len(l.schema.Columns) {
		return fmt.Errorf("clickhouse: table %s: row has %d values, the schema %d columns", l.schema.Table, len(image), len(l.schema.Columns))
	}
	b := buf.batch
	if b == nil {
		b = newRowBatch(l, min(s.blockRows(), initialBatchRows))
		buf.batch = b
	}
	size := 9
	for i, c := range b.cols {
		v := image[l.source(i)]
		n, err := c.add(v)
		if err != nil {
			if !deleted || v != nil {
				for _, c := range b.cols[:i] {
					c.truncate(b.rows)
				}
				cd := l.codecs[i]
				var ve *ValueError
				if errors.As(err, &ve) {
					if cd.retypeHint != "" && errors.Is(err, ErrUnrepresentable) {
						ve.Reason += "; " + cd.retypeHint
					}
					return err
				}
				if errors.Is(err, errNullInNotNull) && cd.nullRefusal != "" {
					return &ValueError{Table: l.schema.Table, Column: cd.name, Value: "NULL", Reason: cd.nullRefusal, Err: ErrUnrepresentable}
				}
				return &ValueError{Table: l.schema.Table, Column: cd.name, Value: fmt.Sprintf("%v", v), Reason: err.Error()}
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
	if s.oldest.IsZero() {
		s.oldest = time.Now()
	}
	s.rows++
	s.bytes += size
	s.rowsBuffered.Add(1)
	return nil
}

// Flush writes every buffered row: it waits for the insert in progress,
// then inserts the rest, the rows of earlier failed inserts included. It
// returns nil only when all of them are written; otherwise the error says
// which tables failed (an *[InsertError] per table, joined) and their rows
// stay buffered. When ctx ends first, Flush returns ctx's error; the rows
// are then written or kept buffered by the insert in progress, which is
// cancelled.
func (s *Sink) Flush(ctx context.Context) (err error) {
	if err := s.acquireOpen(ctx); err != nil {
		return err
	}
	defer func() { err = s.releaseAfter(err) }()
	return s.flushLocked(ctx)
}

// startTimer starts the goroutine of time-based flushes, once.
func (s *Sink) startTimer() {
	if s.cfg.FlushInterval <= 0 {
		return
	}
	s.timerOnce.Do(func() {
		s.timerRunning = true
		go s.runTimer()
	})
}

// runTimer flushes the rows that have waited FlushInterval, until Close.
func (s *Sink) runTimer() {
	defer close(s.timerDone)
	t := time.NewTicker(s.cfg.FlushInterval / 2)
	defer t.Stop()
	for {
		select {
		case <-s.closing.Done():
			return
		case <-t.C:
			s.flushOverdue()
		}
	}
}

// flushOverdue has every buffered row written, without waiting, when the
// oldest has waited FlushInterval. It leaves the sink to a caller that
// holds it (the next tick looks again). A failure leaves the rows
// buffered: the next HandleEvents or Flush returns it, the next insert
// tries them again, and OnFlush has reported it.
func (s *Sink) flushOverdue() {
	select {
	case s.lock <- struct{}{}:
	default:
		return
	}
	defer s.release()
	if s.closed || !s.overdue() {
		return
	}
	s.writeAll(s.closing)
}

// acquire takes the sink's lock, or returns ctx's error when ctx ends
// first.
func (s *Sink) acquire(ctx context.Context) error {
	select {
	case s.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("clickhouse: sink: waiting for a flush in progress: %w", ctx.Err())
	}
}

// acquireOpen is acquire for HandleEvents and Flush, which a closing sink
// refuses.
func (s *Sink) acquireOpen(ctx context.Context) error {
	if s.closing.Err() != nil {
		return ErrClosed
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	if s.closing.Err() != nil { // Close was called while we waited
		s.release()
		return ErrClosed
	}
	return nil
}

func (s *Sink) release() { <-s.lock }

// releaseAfter releases the lock after a call that ended with err, unless
// err is a hand-off, and returns err.
func (s *Sink) releaseAfter(err error) error {
	if !isHandOff(err) {
		s.release()
	}
	return err
}

// settle runs step, I/O followed by the changes to the sink's state it
// brings, and waits for it or for ctx's end; the caller holds the lock.
// The step gets the same ctx, but clickhouse-go does not stop every
// operation when ctx ends (it dials and handshakes on deadlines of its
// own), so when ctx ends first settle returns a *handOffError at once and
// leaves the step running: the step keeps the lock and releases it when it
// ends, and the caller returns without touching the sink again.
func (s *Sink) settle(ctx context.Context, step func() error) error {
	// An INSERT kept open for more blocks holds a connection of the
	// client's pool: it ends now, so that step does not wait for that
	// connection (with a pool of one, until it gives up).
	if j := s.job; j != nil && !j.endAsked {
		j.askEnd()
	}
	done := make(chan error, 1)
	go func() { done <- step() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done: // it ended meanwhile: no hand-off
		return err
	default:
	}
	go func() {
		<-done
		s.release()
	}()
	return &handOffError{err: ctx.Err()}
}

// handOffError is the error of a call whose ctx ended while its insert (or
// table preparation) ran on: that work holds the sink until it ends.
type handOffError struct{ err error }

// Error gives ctx's error and what becomes of the work left behind.
func (e *handOffError) Error() string {
	return "clickhouse: sink: " + e.err.Error() + "; the ClickHouse call in progress is cancelled, and the rows it was writing stay buffered unless it completes"
}

// Unwrap returns ctx's error.
func (e *handOffError) Unwrap() error { return e.err }

func isHandOff(err error) bool {
	if err == nil { // the common case, without errors.As's allocation
		return false
	}
	var h *handOffError
	return errors.As(err, &h)
}

// ReadTable returns the visible state of the table of schema as the sink
// writes it; see [Client.ReadTable].
func (s *Sink) ReadTable(ctx context.Context, schema *cdc.TableSchema) ([]cdc.Row, error) {
	return s.client.ReadTable(ctx, schema, s.cfg.TableOptions)
}

// Close stops the timer, flushes the buffered rows and closes the sink; it
// returns the flush's error, if any (those rows are not written, and the
// source has stored no offset past them). HandleEvents and Flush return
// ErrClosed from the moment Close is called. When ctx ends first, Close
// returns ctx's error with the rows not written, and a later Close tries
// the flush again. Once closed, Close returns what the Close that closed
// the sink returned: a failed flush's error stays, so that no caller reads
// a later nil as "written". It does not close the client.
func (s *Sink) Close(ctx context.Context) (err error) {
	s.startClosing()
	s.timerOnce.Do(func() {}) // a timer not started by now never starts
	if s.timerRunning {
		select {
		case <-s.timerDone:
		case <-ctx.Done():
			return fmt.Errorf("clickhouse: sink: close: waiting for the timer's flush to stop: %w", ctx.Err())
		}
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer func() { err = s.releaseAfter(err) }()
	if s.closed {
		return s.closeErr
	}
	err = s.flushLocked(ctx)
	// A flush cut short by ctx (an insert it stopped waiting for, or one
	// that gave up when ctx ended) leaves its rows for the next Close.
	if !isHandOff(err) && ctx.Err() == nil {
		s.closed, s.closeErr = true, err
		// Rows of failed inserts in the file are dropped with the
		// others (the source stored no offset past them).
		if cerr := s.spill.close(); cerr != nil && err == nil {
			s.log.Warn("clickhouse sink: closing the spill file", "err", cerr)
		}
	}
	return err
}
