package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
)

// chunkTask is one chunk to read.
type chunkTask struct {
	table *tableState
	index int
	// pos is the chunk's position in the snapshot's tasks, the order its
	// rows are handed over in.
	pos int
}

// snapshotTestHooks are called by the snapshot's readers, for tests that
// need chunks to finish in a given order; a Source has none outside tests.
type snapshotTestHooks struct {
	// reading is called as a reader starts a chunk.
	reading func(task chunkTask)
	// read is called as a reader has read a chunk, before it hands it over.
	read func(res chunkResult)
}

// chunkResult is a read chunk: its rows consistent with the binlog at hw.
type chunkResult struct {
	task chunkTask
	rows []cdc.Row
	// schema is the schema rows were read with.
	schema *cdc.TableSchema
	// deletes are the rows deleted from the chunk since its DeliveredFrom,
	// delivered before rows (see [snapshotChunk.DeliveredFrom]).
	deletes []chunkDelete
	hw      Offset
	tsMs    int64
	err     error
}

// prepareSnapshot builds the snapshot's table states: from the checkpoint's
// chunks when resuming, else by splitting each table.
func (r *runner) prepareSnapshot(ctx context.Context, tables []cdc.TableID, schemas map[cdc.TableID]*cdc.TableSchema) ([]*tableState, error) {
	if r.cp.Snapshot == nil {
		r.cp.Snapshot = &snapshotState{}
	}
	have := map[cdc.TableID]*tableSnapshot{}
	for i := range r.cp.Snapshot.Tables {
		have[r.cp.Snapshot.Tables[i].Table] = &r.cp.Snapshot.Tables[i]
	}
	var conn *sql.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var states []*tableState
	var estimate int64
	for _, id := range tables {
		schema := schemas[id]
		if schema == nil {
			continue
		}
		t := &tableState{id: id, schema: schema}
		if ts := have[id]; ts != nil {
			t.keyIdx = schema.ColumnIndex(ts.KeyColumn)
			if t.keyIdx < 0 {
				return nil, sourceErr("snapshot", nil, nil, "delete the checkpoint to start the snapshot over",
					"chunk key %s of %s is gone from the table", ts.KeyColumn, id)
			}
		} else {
			k, err := r.chooseKey(schema)
			if err != nil {
				return nil, err
			}
			t.keyIdx = k
			if conn == nil {
				c, err := r.db.Conn(ctx)
				if err != nil {
					return nil, err
				}
				conn = c
				if r.server.flavor == gomysql.MySQLFlavor {
					_, _ = conn.ExecContext(ctx, "SET SESSION information_schema_stats_expiry = 0")
				}
			}
			chunks, est, err := r.split(ctx, conn, t)
			if err != nil {
				return nil, err
			}
			estimate += est
			r.cp.Snapshot.Tables = append(r.cp.Snapshot.Tables, tableSnapshot{Table: id, KeyColumn: schema.Columns[k].Name, Chunks: chunks})
			// Re-point every state: append may have moved the slice.
			for i := range r.cp.Snapshot.Tables {
				have[r.cp.Snapshot.Tables[i].Table] = &r.cp.Snapshot.Tables[i]
			}
		}
		states = append(states, t)
	}
	for _, t := range states {
		t.snap = have[t.id]
		// Which chunks an earlier run may have delivered, as the
		// checkpoint says; this run's own DeliveredFrom marks (see
		// [runner.recordDelivery]) do not make its chunks redeliveries.
		t.delivered = make([]Offset, len(t.snap.Chunks))
		for i := range t.snap.Chunks {
			t.delivered[i] = t.snap.Chunks[i].DeliveredFrom
		}
		if err := t.prepareFilter(); err != nil {
			return nil, err
		}
	}
	r.src.progress.update(true, func(p *Progress) { p.RowsEstimate += estimate })
	return states, nil
}

// readAheadWindow is how many chunks the snapshot may have in hand ahead of
// the next chunk it hands over (that one included): queued for a reader,
// being read, or read and waiting. Chunks are handed over in key order, so
// that a table's rows reach the sink sorted by its key (ClickHouse skips
// sorting a part whose rows come sorted: its CPU per row on
// BenchmarkSnapshotToClickHouse/bench went from 200 to 145 ns), but they
// finish in any order: a chunk read ahead waits, rows and all, until those
// before it are handed over. One chunk per reader and one more keeps as
// many chunks in hand as reading in completion order did (each reader
// holding the chunk it hands over); two per reader added 18 MiB to the
// peak RSS of BenchmarkSnapshotToClickHouse/wide at no gain in rows/s, the
// sink being the slower side.
func readAheadWindow(parallelism int) int { return parallelism + 1 }

// runSnapshot reads every chunk not yet done with parallel readers and
// delivers the rows in chunk order: a table's rows in its key's order.
// Readers run at most readAheadWindow chunks ahead of the next chunk to
// hand over.
func (r *runner) runSnapshot(ctx context.Context, states []*tableState) error {
	var tasks []chunkTask
	total, done := 0, 0
	tablesDone := 0
	pending := map[*tableState]int{}
	firstRow := true
	for _, t := range states {
		for i := range t.snap.Chunks {
			total++
			if t.snap.Chunks[i].Done {
				done++
				firstRow = false
				continue
			}
			tasks = append(tasks, chunkTask{t, i, len(tasks)})
			pending[t]++
		}
		if pending[t] == 0 {
			tablesDone++
		}
	}
	r.src.progress.update(true, func(p *Progress) {
		p.Phase = PhaseSnapshot
		p.TablesTotal, p.TablesDone = len(states), tablesDone
		p.ChunksTotal, p.ChunksDone = total, done
	})
	sr := r.snapshotStarted(len(states), len(tasks), done)
	if len(tasks) == 0 {
		r.snapshotFinished(sr)
		return nil
	}
	// The chunks must be durable before any row is delivered: a sink may
	// make rows durable before the next checkpoint, and a restart must find
	// the chunks those rows came from (see [snapshotChunk.DeliveredFrom]).
	r.dirty = true
	if err := r.commit(ctx, true); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if r.watermarks == nil {
		if err := r.startWatermarks(ctx); err != nil {
			return err
		}
	}
	if err := r.awaitWatermarks(ctx); err != nil {
		return err
	}
	for _, t := range states {
		t.initVersions(r.watermarks.first)
	}
	window := readAheadWindow(r.cfg.parallelism)
	// Both channels hold a whole window, so that readers take chunks and
	// hand them over while this goroutine hands rows to the sink; the
	// window, not the channels, bounds what is held.
	taskCh := make(chan chunkTask, window)
	results := make(chan chunkResult, window)
	hooks := r.src.testHooks
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.parallelism; w++ {
		serverID := r.cfg.serverIDs[w%len(r.cfg.serverIDs)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The reader's one connection, for all its chunks.
			conn := r.newChunkConn()
			defer conn.close()
			for {
				var task chunkTask
				select {
				case t, ok := <-taskCh:
					if !ok {
						return
					}
					task = t
				case <-ctx.Done():
					return
				}
				if hooks != nil && hooks.reading != nil {
					hooks.reading(task)
				}
				res := r.readChunk(ctx, conn, task, serverID)
				if hooks != nil && hooks.read != nil {
					hooks.read(res)
				}
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	// On the way out, error or not, the readers stop first: one blocked
	// handing over a chunk nobody will take would keep wg.Wait from
	// returning.
	defer func() { cancel(); wg.Wait() }()

	// The chunks between next, the position in tasks of the chunk to hand
	// over next, and dispatched, the first not yet given to a reader, are
	// the window: each is queued for a reader, being read, or read and
	// waiting in its slot of ahead (position modulo window).
	ahead := newReadAhead(window)
	next, dispatched := 0, 0
	// newest is the newest high watermark of the chunks read so far, at
	// first the snapshot's first position: a chunk a reader takes after
	// it is read has one at least as new.
	newest := r.watermarks.first
	dispatch := func() {
		for dispatched < len(tasks) && dispatched < next+window {
			// The channel holds a window, so this never blocks.
			ahead.dispatched(dispatched, newest)
			taskCh <- tasks[dispatched]
			dispatched++
			if dispatched == len(tasks) {
				close(taskCh)
			}
		}
	}
	dispatch()
	for next < len(tasks) {
		var got chunkResult
		select {
		case got = <-results:
		case <-ctx.Done():
			return ctx.Err()
		}
		// The first error seen stops the snapshot, whether or not its
		// chunk is the next to hand over.
		if got.err != nil {
			return got.err
		}
		if got.hw.Compare(newest) > 0 {
			newest = got.hw
		}
		if err := ahead.read(next, got); err != nil {
			return err
		}
		for {
			res, ok := ahead.take(next)
			if !ok {
				break
			}
			last := next == len(tasks)-1
			if err := r.recordDelivery(ctx, res, ahead.oldest(res.hw)); err != nil {
				return err
			}
			if err := r.emitChunk(ctx, res, &firstRow, last); err != nil {
				return err
			}
			next++
			dispatch()
			t := res.task.table
			c := &t.snap.Chunks[res.task.index]
			c.Done, c.HighWatermark, c.Rows = true, res.hw, int64(len(res.rows))
			if res.hw.Compare(t.maxHW) > 0 {
				t.maxHW = res.hw
			}
			pending[t]--
			r.dirty = true
			n := int64(len(res.rows))
			r.src.progress.update(last, func(p *Progress) {
				p.ChunksDone++
				p.SnapshotRows += n
				if pending[t] == 0 {
					p.TablesDone++
				}
			})
			if err := r.commit(ctx, last); err != nil {
				return err
			}
			r.chunkDelivered(sr, res, total)
		}
	}
	r.snapshotFinished(sr)
	return nil
}

// readAhead holds the chunks of runSnapshot's window, each in the slot of
// its position in the snapshot's tasks modulo the window: the positions in
// the window are consecutive, so no two share a slot.
type readAhead struct {
	slots []readAheadSlot
}

// readAheadSlot is one chunk of the window.
type readAheadSlot struct {
	// pos is the chunk's position in the snapshot's tasks.
	pos int
	// floor is the newest high watermark read before the chunk went to a
	// reader, which its own is at least as new as (zero: none yet).
	floor Offset
	// res is the chunk once read.
	res  chunkResult
	done bool
}

// newReadAhead returns an empty window of size chunks.
func newReadAhead(size int) *readAhead {
	a := &readAhead{slots: make([]readAheadSlot, size)}
	for i := range a.slots {
		a.slots[i].pos = -1
	}
	return a
}

// dispatched records that the chunk at pos went to the readers when the
// newest high watermark read was floor.
func (a *readAhead) dispatched(pos int, floor Offset) {
	a.slots[pos%len(a.slots)] = readAheadSlot{pos: pos, floor: floor}
}

// read stores a read chunk; next is the position of the chunk to hand over
// next, for the check that res lies in the window.
func (a *readAhead) read(next int, res chunkResult) error {
	pos := res.task.pos
	s := &a.slots[pos%len(a.slots)]
	if pos < next || s.pos != pos || s.done {
		return fmt.Errorf("mysql: internal error: chunk %d of %s (position %d) read outside the window from position %d",
			res.task.index, res.task.table.id, pos, next)
	}
	s.res, s.done = res, true
	return nil
}

// take removes and returns the chunk at pos once it is read.
func (a *readAhead) take(pos int) (chunkResult, bool) {
	s := &a.slots[pos%len(a.slots)]
	if s.pos != pos || !s.done {
		return chunkResult{}, false
	}
	res := s.res
	// The rows leave with the caller: the slot must not keep them alive.
	*s = readAheadSlot{pos: -1}
	return res, true
}

// oldest returns the oldest of hw and the high watermarks of the chunks in
// the window: those read, and for those not yet read, the floor theirs
// will be at least as new as. Every chunk not yet handed over has a high
// watermark at least as new: those after the window are taken by a reader
// after the newest of them was read. A zero floor, unknown, is left out; a
// chunk whose high watermark turns out older only costs a save of its own
// (see [runner.recordDelivery]).
func (a *readAhead) oldest(hw Offset) Offset {
	oldest := hw
	for i := range a.slots {
		s := &a.slots[i]
		o := s.floor
		if s.done {
			o = s.res.hw
		}
		if s.pos >= 0 && !o.IsZero() && o.Compare(oldest) < 0 {
			oldest = o
		}
	}
	return oldest
}

// recordDelivery stores, before a chunk's rows are handed to the handler,
// that they are about to be: it sets the chunk's DeliveredFrom to its high
// watermark unless an earlier run handed it over at an older one, and saves
// the last saved checkpoint with only that change, so that nothing
// delivered but not yet flushed is recorded as done.
//
// A save writes every chunk of the snapshot, so one per chunk would grow
// with the square of a table's size. The save also gives the next chunks
// without a DeliveredFrom (see [deliveryBatch]) the mark aheadFrom, which
// the caller makes no newer than the high watermark of any chunk it has
// not handed over yet (see [readAhead.oldest]): such a chunk finds its
// DeliveredFrom at or before its high watermark and needs no save of its
// own. A mark newer than a chunk's high watermark is still sound, only
// dearer: that chunk saves its own. Those chunks count as delivered if the
// run stops before they are: a run that reads them again also delivers
// deletes for the rows their binlog window, from the mark on, replaced,
// which is harmless; an older mark only makes that window longer.
func (r *runner) recordDelivery(ctx context.Context, res chunkResult, aheadFrom Offset) error {
	t := res.task.table
	c := &t.snap.Chunks[res.task.index]
	if !c.DeliveredFrom.IsZero() && c.DeliveredFrom.Compare(res.hw) <= 0 {
		return nil
	}
	saved := r.saved
	if saved == nil || saved.Snapshot == nil {
		return fmt.Errorf("mysql: internal error: no saved snapshot checkpoint before delivering a chunk of %s", t.id)
	}
	savedChunks := map[cdc.TableID][]snapshotChunk{}
	for i := range saved.Snapshot.Tables {
		savedChunks[saved.Snapshot.Tables[i].Table] = saved.Snapshot.Tables[i].Chunks
	}
	sc := savedChunks[t.id]
	if res.task.index >= len(sc) {
		return fmt.Errorf("mysql: internal error: the saved checkpoint lacks chunk %d of %s", res.task.index, t.id)
	}
	c.DeliveredFrom, sc[res.task.index].DeliveredFrom = res.hw, res.hw
	total := 0
	for i := range r.cp.Snapshot.Tables {
		total += len(r.cp.Snapshot.Tables[i].Chunks)
	}
	batch := max(deliveryBatch*r.cfg.parallelism, total/deliverySaves)
	ahead := 0
	for i := range r.cp.Snapshot.Tables {
		ts := &r.cp.Snapshot.Tables[i]
		sc := savedChunks[ts.Table]
		for j := range ts.Chunks {
			if ahead == batch {
				break
			}
			if ch := &ts.Chunks[j]; !ch.Done && ch.DeliveredFrom.IsZero() && j < len(sc) {
				ch.DeliveredFrom, sc[j].DeliveredFrom = aheadFrom, aheadFrom
				ahead++
			}
		}
	}
	return r.save(ctx, saved)
}

// A recordDelivery save covers deliveryBatch chunks ahead per reader, or
// more in a snapshot of many chunks, so that it saves about deliverySaves
// times: each save writes every chunk. A run that stops before it
// delivers the chunks ahead reads their binlog from the mark, so the
// marks stay near: a few chunks per reader, or a thirty-second of the
// snapshot.
const (
	deliveryBatch = 4
	deliverySaves = 32
)

// emitChunk hands a chunk's tombstones, then its rows, to the handler in
// FetchSize batches. The batches reuse one slice, r.batch, from chunk to
// chunk: a handler's slice is only valid during its call (see
// [cdc.Handler]), and the events are copied into it, which the handler may
// keep.
func (r *runner) emitChunk(ctx context.Context, res chunkResult, firstRow *bool, lastChunk bool) error {
	t := res.task.table
	now := time.Now().UnixMilli()
	if cap(r.batch) < r.cfg.FetchSize {
		r.batch = make([]cdc.Event, 0, r.cfg.FetchSize)
	}
	batch := r.batch[:0]
	for _, d := range res.deletes {
		batch = append(batch, cdc.Event{Op: cdc.OpDelete, Table: t.id, Schema: res.schema, Before: d.row, TsMs: now, Source: d.source})
		if len(batch) == r.cfg.FetchSize {
			if err := r.deliver(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	// Every event of the chunk's rows has the same source block but for
	// its snapshot marker.
	source := cdc.Source{Name: r.cfg.Name, TsMs: res.tsMs, Snapshot: cdc.SnapshotTrue, Database: t.id.Database, Table: t.id.Table,
		File: res.hw.File, Pos: res.hw.Pos}
	for i, row := range res.rows {
		batch = append(batch, cdc.Event{Op: cdc.OpRead, Table: t.id, Schema: res.schema, After: row, TsMs: now, Source: source})
		if *firstRow {
			batch[len(batch)-1].Source.Snapshot, *firstRow = cdc.SnapshotFirst, false
		}
		if lastChunk && i == len(res.rows)-1 {
			batch[len(batch)-1].Source.Snapshot = cdc.SnapshotLast
		}
		if len(batch) == r.cfg.FetchSize {
			if err := r.deliver(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return r.deliver(ctx, batch)
	}
	return nil
}

// readChunk reads one chunk between a low and a high watermark on a
// reader's connection and merges the binlog changes made between them
// into its rows.
func (r *runner) readChunk(ctx context.Context, conn chunkConn, task chunkTask, serverID uint32) chunkResult {
	res := chunkResult{task: task}
	t := task.table
	if err := conn.connect(ctx); err != nil {
		res.err = sourceErr("snapshot", nil, err, "", "connect to read %s", t.id)
		return res
	}
	// A DDL statement on the table in the chunk's binlog window, after the
	// schema the rows were read with, has the chunk read again with the new
	// schema: the rows and the changes merged into them share one schema,
	// and streaming never counts a change as covered by a chunk read with
	// another schema than the change's.
	for attempt := 0; ; attempt++ {
		res = r.readChunkOnce(ctx, conn, task, serverID)
		if !errors.Is(res.err, errChunkSchemaChanged) {
			return res
		}
		if attempt == maxChunkRereads {
			res.err = sourceErr("snapshot", ErrSchemaMismatch, res.err, "retry when the table's definition stops changing",
				"chunk %d of %s was read %d times and its table's schema changed each time", task.index, t.id, attempt+1)
			return res
		}
		r.src.obs.log.Info("mysql source: a DDL statement changed a table while its chunk was read; reading the chunk again with the new schema",
			"table", t.id.String(), "chunk", task.index)
	}
}

// readChunkOnce reads one chunk with the newest schema its table is known
// to have.
func (r *runner) readChunkOnce(ctx context.Context, conn chunkConn, task chunkTask, serverID uint32) chunkResult {
	res := chunkResult{task: task}
	t := task.table
	chunk := &t.snap.Chunks[task.index]
	sel := t.latestVersion()
	res.schema = sel.schema
	low, endTx, err := r.chunkLowWatermark(ctx, conn, serverID)
	if err != nil {
		res.err = err
		return res
	}
	if log := r.src.obs.log; log.Enabled(ctx, slog.LevelDebug) {
		log.Debug("mysql source: chunk low watermark", "table", t.id.String(), "chunk", task.index, "low", low.String())
	}
	res.tsMs = time.Now().UnixMilli()
	rows, err := r.selectChunkOn(ctx, conn, t, sel.schema, chunk)
	endTx()
	if err != nil {
		if isTableDefChanged(err) {
			// MariaDB: a DDL statement changed the table after the chunk's
			// snapshot began; read it again.
			res.err = errChunkSchemaChanged
			return res
		}
		if isUnknownColumn(err) {
			res.err = r.followToNow(ctx, conn, serverID, t, task.index, sel, low, err)
			return res
		}
		res.err = err
		return res
	}
	high, err := r.binlogStatus(ctx, conn)
	if err != nil {
		res.err = err
		return res
	}
	// A chunk an earlier run delivered is replayed from that delivery, for
	// the deletes since (see [snapshotChunk.DeliveredFrom]); replaying changes the
	// SELECT already saw is harmless. The window starts no later than the
	// end of the table's windows read so far, so that every DDL statement
	// on the table is seen (see [snapshotSchemas]).
	delivered := t.delivered[task.index]
	from, redelivery := low, !delivered.IsZero()
	if redelivery && delivered.Compare(from) < 0 {
		from = delivered
		if from.File == "" && low.File != "" {
			// A GTID set from another server: when high's Executed_Gtid_Set
			// holds nothing new, read from low instead (it lags the binlog:
			// a transaction before high may still be committing).
			if _, done, err := r.gtidWindow(from, high); err == nil && done {
				from = low
			}
		}
	}
	if f := t.followedFrom(); !f.IsZero() && f.File != "" && from.File != "" && f.Compare(from) < 0 {
		from = f
	}
	if from.File != high.File || from.Pos != high.Pos {
		rows, res.deletes, err = r.backfill(ctx, serverID, t, task.index, rows, sel, from, high, redelivery)
		if err != nil {
			res.err = err
			return res
		}
	}
	t.markFollowed(high)
	if t.versionAt(high).schema != sel.schema {
		res.err = errChunkSchemaChanged
		return res
	}
	res.rows, res.hw = rows, high
	return res
}

// backfillReadTimeout bounds the wait for each event of a chunk's binlog
// window.
const backfillReadTimeout = 90 * time.Second

// chunkDelete is a row deleted from a chunk, with where the binlog deleted it.
type chunkDelete struct {
	row    cdc.Row
	source cdc.Source
}

// backfill reads the binlog from low to high and applies the changes of
// rows inside the chunk to the chunk's rows, so they hold the table's state
// at high (Flink CDC's watermark backfill). With wantDeletes (a chunk an
// earlier run delivered) it also returns, as tombstones, every image of the
// chunk's rows that a change in the range replaced or deleted, each with
// the coordinates of that change: the sink may hold any of them from the
// earlier delivery, and a row still in the chunk at high must not stay
// visible through a filter downstream that drops its image at high (a
// status moved to one the filter excludes). The tombstones order before
// the rows at high, whose version is high's.
//
// Each rows event is decoded with the table's schema at its position (see
// [snapshotSchemas]); DDL statements on the table in the window add
// versions. A change made under an older schema than sel, the schema the
// rows were read with, is in the rows already (the statement waited for it
// to commit): it only records a delete. A change under a newer one fails
// with errChunkSchemaChanged, for the chunk to be read again.
func (r *runner) backfill(ctx context.Context, serverID uint32, t *tableState, chunk int, rows []cdc.Row, sel schemaVersion, low, high Offset, wantDeletes bool) ([]cdc.Row, []chunkDelete, error) {
	schema := sel.schema
	keyIdx, err := t.keyIndex(schema)
	if err != nil {
		return nil, nil, err
	}
	pk := pkIndexes(schema)
	// With wantDeletes, every image a change in the window replaced, in
	// binlog order (see [runner.backfill]).
	var deleted []chunkDelete
	// The rows by key, built at the window's first change of the table: on
	// a server busy with other tables, most windows have none.
	var index map[string][]int
	var kb []byte
	buildIndex := func() {
		if index != nil {
			return
		}
		index = make(map[string][]int, len(rows))
		for i, row := range rows {
			kb = rowKey(kb[:0], schema, pk, row)
			index[string(kb)] = append(index[string(kb)], i)
		}
	}
	inChunk := func(row cdc.Row) bool { return t.chunkOf(row[keyIdx]) == chunk }
	remove := func(row cdc.Row) {
		kb = rowKey(kb[:0], schema, pk, row)
		idx := index[string(kb)]
		if len(idx) == 0 {
			return
		}
		rows[idx[len(idx)-1]] = nil
		if len(idx) == 1 {
			delete(index, string(kb))
		} else {
			index[string(kb)] = idx[:len(idx)-1]
		}
	}
	upsert := func(row cdc.Row) {
		if len(pk) > 0 {
			remove(row)
		}
		kb = rowKey(kb[:0], schema, pk, row)
		index[string(kb)] = append(index[string(kb)], len(rows))
		rows = append(rows, row)
	}

	cfg := r.syncerConfig(serverID, "snapshot-backfill")
	cfg.RowsEventDecodeFunc = rowsOnlyFor(func(id cdc.TableID) bool { return id == t.id })
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	var stream *replication.BinlogStreamer
	if low.File == "" {
		// A DeliveredFrom stored on another server (see followServer):
		// only its GTID set means something here.
		set, done, perr := r.gtidWindow(low, high)
		if perr != nil || done {
			return rows, nil, perr
		}
		stream, err = syncer.StartSyncGTID(set)
	} else {
		stream, err = syncer.StartSync(gomysql.Position{Name: low.File, Pos: uint32(low.Pos)})
	}
	if err != nil {
		return nil, nil, r.binlogErrAs(err, low, serverID)
	}
	file := low.File
	// The GTID of the window's last transaction, for the high watermark to
	// serve as a low one (see [watermarkGTID]); only a window read from a
	// file position sees every transaction after its start.
	var lastGTID *replication.GTIDEvent
	// The window ends at a position the server had already written, so a
	// wait of backfillReadTimeout for the next event means a stuck
	// connection; the window itself may take longer.
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := time.AfterFunc(backfillReadTimeout, cancel)
	defer idle.Stop()
	for {
		ev, err := stream.GetEvent(readCtx)
		idle.Reset(backfillReadTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if readCtx.Err() != nil {
				return nil, nil, sourceErr("snapshot", nil, err, "check the server and the network",
					"no binlog event for %s while reading %s's changes from %s to %s", backfillReadTimeout, t.id, low, high)
			}
			return nil, nil, r.binlogErrAs(err, low, serverID)
		}
		if rot, ok := ev.Event.(*replication.RotateEvent); ok {
			file = string(rot.NextLogName)
			if (Offset{File: file, Pos: rot.Position}).Compare(high) >= 0 {
				break
			}
			continue
		}
		switch ge := ev.Event.(type) {
		case *replication.GTIDEvent:
			lastGTID = ge
			continue
		case *replication.GtidTaggedLogEvent:
			lastGTID = &ge.GTIDEvent
			continue
		}
		for _, inner := range flattenEvent(ev) {
			if qe, ok := inner.Event.(*replication.QueryEvent); ok {
				end := Offset{File: file, Pos: uint64(ev.Header.LogPos)}
				if _, err := r.followDDL(ctx, t, qe, end); err != nil {
					return nil, nil, err
				}
				continue
			}
			re, ok := inner.Event.(*replication.RowsEvent)
			if !ok || string(re.Table.Table) != t.id.Table || string(re.Table.Schema) != t.id.Database {
				continue
			}
			if err := checkFullImage(re, t.id); err != nil {
				return nil, nil, err
			}
			at := Offset{File: file, Pos: uint64(ev.Header.LogPos) - uint64(ev.Header.EventSize)}
			v := t.versionAt(at)
			if v.schema == nil {
				// Before a statement the loaded schema already had: the
				// rows hold the change.
				continue
			}
			if v.schema != schema && v.from.Compare(sel.from) > 0 {
				return nil, nil, errChunkSchemaChanged
			}
			if why := tableMapMismatch(v.schema, re.Table); why != "" {
				return nil, nil, rowsMismatchError(t.id, at, why)
			}
			changes, err := decodeChanges(v.schema, re)
			if err != nil {
				return nil, nil, fmt.Errorf("%w (a change of %s at %s)", err, t.id, at)
			}
			older := v.schema != schema
			vKey := keyIdx
			if older {
				if vKey, err = t.keyIndex(v.schema); err != nil {
					return nil, nil, err
				}
			}
			buildIndex()
			for i, c := range changes {
				if older {
					// In the rows already; kept only for the deletes.
					if wantDeletes && c.before != nil && t.chunkOf(c.before[vKey]) == chunk {
						deleted = append(deleted, chunkDelete{row: convertRow(c.before, v.schema, schema), source: cdc.Source{
							ServerID: ev.Header.ServerID, TsMs: int64(ev.Header.Timestamp) * 1000, Snapshot: cdc.SnapshotFalse,
							Database: t.id.Database, Table: t.id.Table, File: file, Pos: at.Pos, Row: i,
						}})
					}
					continue
				}
				if c.before != nil && inChunk(c.before) {
					remove(c.before)
					if wantDeletes {
						deleted = append(deleted, chunkDelete{row: c.before, source: cdc.Source{
							ServerID: ev.Header.ServerID, TsMs: int64(ev.Header.Timestamp) * 1000, Snapshot: cdc.SnapshotFalse,
							Database: t.id.Database, Table: t.id.Table, File: file, Pos: at.Pos, Row: i,
						}})
					}
				}
				if c.after != nil && inChunk(c.after) {
					upsert(c.after)
				}
			}
		}
		if ev.Header.LogPos > 0 && (Offset{File: file, Pos: uint64(ev.Header.LogPos)}).Compare(high) >= 0 {
			break
		}
	}
	if low.File != "" && lastGTID != nil {
		// The window saw every transaction up to high: high is settled
		// once the last one shows in gtid_executed. A window with events
		// but no GTID event it knows records nothing.
		need, err := lastGTID.GTIDNext()
		if err != nil {
			return nil, nil, fmt.Errorf("mysql: a GTID event of %s before %s: %w", t.id, high, err)
		}
		r.watermarks.addAnchor(high, need)
	}
	out := rows[:0]
	for _, row := range rows {
		if row != nil {
			out = append(out, row)
		}
	}
	return out, deleted, nil
}

// flattenEvent returns the events a binlog event carries: itself, or the
// events inside a MySQL compressed transaction payload.
func flattenEvent(ev *replication.BinlogEvent) []*replication.BinlogEvent {
	if p, ok := ev.Event.(*replication.TransactionPayloadEvent); ok {
		return p.Events
	}
	return []*replication.BinlogEvent{ev}
}

// change is one row change of a rows event.
type change struct {
	op            cdc.Op
	before, after cdc.Row
}

// decodeChanges decodes a rows event's row images into canonical rows.
func decodeChanges(schema *cdc.TableSchema, re *replication.RowsEvent) ([]change, error) {
	var out []change
	// The event's rows are cut from one slab.
	slab := make([]any, len(re.Rows)*len(schema.Columns))
	decodeRow := func(schema *cdc.TableSchema, raw []any) (cdc.Row, error) {
		row := cdc.Row(slab[:len(schema.Columns):len(schema.Columns)])
		slab = slab[len(schema.Columns):]
		return row, decodeRowInto(schema, raw, row)
	}
	switch re.Type() {
	case replication.EnumRowsEventTypeInsert:
		out = make([]change, 0, len(re.Rows))
		for _, raw := range re.Rows {
			row, err := decodeRow(schema, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, change{op: cdc.OpCreate, after: row})
		}
	case replication.EnumRowsEventTypeDelete:
		out = make([]change, 0, len(re.Rows))
		for _, raw := range re.Rows {
			row, err := decodeRow(schema, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, change{op: cdc.OpDelete, before: row})
		}
	case replication.EnumRowsEventTypeUpdate:
		out = make([]change, 0, len(re.Rows)/2)
		for i := 0; i+1 < len(re.Rows); i += 2 {
			before, err := decodeRow(schema, re.Rows[i])
			if err != nil {
				return nil, err
			}
			after, err := decodeRow(schema, re.Rows[i+1])
			if err != nil {
				return nil, err
			}
			out = append(out, change{op: cdc.OpUpdate, before: before, after: after})
		}
	}
	return out, nil
}

// errSchemaMismatch: a rows event's column count differs from the schema.
var errSchemaMismatch = errors.New("binlog row does not match the table schema")

// decodeRowInto decodes one binlog row image into row.
func decodeRowInto(schema *cdc.TableSchema, raw []any, row cdc.Row) error {
	if len(raw) != len(schema.Columns) {
		return fmt.Errorf("%w %s: the row has %d columns, the schema %d", errSchemaMismatch, schema.Table, len(raw), len(schema.Columns))
	}
	for i, v := range raw {
		d, err := decodeBinlog(&schema.Columns[i], v, nil)
		if err != nil {
			return sourceErr("binlog", nil, err, "", "decode %s", schema.Table)
		}
		row[i] = d
	}
	return nil
}

// checkFullImage fails when a rows event was logged with a partial image
// (binlog_row_image MINIMAL or NOBLOB in the writing session).
func checkFullImage(re *replication.RowsEvent, t cdc.TableID) error {
	for _, skipped := range re.SkippedColumns {
		if len(skipped) > 0 {
			return sourceErr("binlog", ErrServerConfig, nil,
				"SET GLOBAL binlog_row_image = 'FULL' and make sure no session sets binlog_row_image to MINIMAL or NOBLOB",
				"a change of %s was logged without all its columns (binlog_row_image not FULL)", t)
		}
	}
	return nil
}
