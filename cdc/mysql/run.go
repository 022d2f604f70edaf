package mysql

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// run is one Run, a list of steps: connect, preflight, loadCheckpoint,
// chooseTables, recordWatermarks, loadSchemas, startPosition, snapshot,
// saveStart and stream.
func (r *runner) run(ctx context.Context) error {
	if err := r.runSteps(ctx); err != errRunEnded {
		return err
	}
	return nil
}

// errRunEnded is how a step ends the run with a nil result: [runner.stop]
// found that ctx had ended and made the final save.
var errRunEnded = errors.New("run ended")

// stop is [runner.stopped] for a step that ends the run with err: its
// result, or errRunEnded for a normal stop.
func (r *runner) stop(ctx context.Context, err error) error {
	if err = r.stopped(ctx, err); err == nil {
		return errRunEnded
	}
	return err
}

// runSteps runs the steps of run in order; a step that ends the run
// returns its result (errRunEnded for nil).
func (r *runner) runSteps(ctx context.Context) error {
	if err := r.connect(ctx); err != nil {
		return err
	}
	// Binlog positions from now on, in case a snapshot runs: without an
	// exact low watermark, its first must be commitVisibilityMargin old,
	// and the preflight and the checkpoint take up part of that wait (see
	// recordWatermarks).
	early := r.recordEarlyWatermarks(ctx)
	p, err := r.preflight(ctx)
	if err != nil {
		early()
		return err
	}
	if err := r.loadCheckpoint(ctx, p); err != nil {
		early()
		return err
	}
	r.chooseTables(p)
	stopWatermarks, err := r.recordWatermarks(ctx, p, early)
	defer stopWatermarks()
	if err != nil {
		return err
	}
	if err := r.loadSchemas(ctx, p); err != nil {
		return err
	}
	if err := r.startPosition(ctx, p); err != nil {
		return err
	}
	if err := r.snapshot(ctx, p, stopWatermarks); err != nil {
		return err
	}
	if done, err := r.saveStart(ctx, p); done {
		return err
	}
	return r.stream(ctx, p)
}

// runPlan is what the steps of one Run find out and hand on.
type runPlan struct {
	// tables are the tables the filters match on the server now.
	tables []cdc.TableID
	// startStatus is the server's binlog position when the run began.
	startStatus Offset
	// resumed is set when a stored checkpoint is used.
	resumed bool
	// snapTables are the tables to snapshot: all of them on a first run,
	// those of an unfinished snapshot and newly added ones on a resumed one.
	snapTables []cdc.TableID
	// schemas are the captured tables' schemas.
	schemas map[cdc.TableID]*cdc.TableSchema
	// history is the schema history streaming starts with.
	history *schemaHistory
	// mode is the startup mode in effect.
	mode StartupOptions
	// start is the binlog position streaming starts from, zero until known.
	start Offset
	// filterTables are the snapshot's tables, whose chunks filter the
	// binlog events streamed after it.
	filterTables []*tableState
}

// connect opens the SQL pool and learns which server it reached.
func (r *runner) connect(ctx context.Context) error {
	if err := r.open(ctx); err != nil {
		return r.stop(ctx, err)
	}
	if err := r.detectServer(ctx); err != nil {
		return r.stop(ctx, err)
	}
	if err := r.detectServerIdentity(ctx); err != nil {
		return r.stop(ctx, err)
	}
	return nil
}

// preflight checks the server's binlog settings and the user's grants,
// finds the tables to capture and reads the binlog position.
func (r *runner) preflight(ctx context.Context) (*runPlan, error) {
	if err := r.checkBinlogSettings(ctx); err != nil {
		return nil, err
	}
	// A user without SELECT cannot see the databases: say so rather than
	// "unknown database".
	if err := r.checkGrants(ctx, literalNames(r.cfg.DatabaseList)); err != nil {
		return nil, err
	}
	tables, dbs, err := r.discoverTables(ctx)
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	if err := r.checkGrants(ctx, dbs); err != nil {
		return nil, err
	}
	// SHOW MASTER STATUS / SHOW BINARY LOGS need REPLICATION CLIENT even when
	// SHOW GRANTS could not be read: find out now, not mid-snapshot.
	startStatus, err := r.binlogStatus(ctx, sqlStrings{r.db})
	if err != nil {
		return nil, r.stop(ctx, err)
	}
	return &runPlan{tables: tables, startStatus: startStatus}, nil
}

// loadCheckpoint loads the stored checkpoint, if any, and makes it the
// run's (r.cp): a new one when none is stored or the stored positions give
// way to a new snapshot.
func (r *runner) loadCheckpoint(ctx context.Context, p *runPlan) error {
	stored, err := r.cfg.OffsetStore.Load(ctx)
	if err != nil {
		return checkpointLoadError(r.cfg.OffsetStore, err)
	}
	var cp *checkpointState
	if stored != nil {
		// Another source's checkpoint, or one this version cannot read, is
		// neither reused nor overwritten.
		if cp, err = checkResumable(r.cfg.OffsetStore, stored, r.cfg.Name, r.server.flavor); err != nil {
			return err
		}
	}
	resumed := cp != nil
	if cp == nil {
		cp = newCheckpointState()
	}
	// Positions of another server are moved to this one by their GTID set.
	if err := r.followServer(ctx, cp); err != nil {
		return err
	}
	if resumed {
		// With SnapshotWhenNeeded, positions whose binlog is gone give way
		// to a new snapshot.
		if cp, err = r.discardIfPurged(ctx, cp); err != nil {
			return r.stop(ctx, err)
		}
		resumed = !r.resnapshot
	}
	r.cp = cp
	r.checkpointLoaded(resumed)
	p.resumed = resumed
	return nil
}

// chooseTables decides which tables are captured: the checkpoint's, plus
// newly added ones when ScanNewlyAddedTables (they are snapshotted before
// streaming).
func (r *runner) chooseTables(p *runPlan) {
	cp := r.cp
	switch {
	case !p.resumed:
		cp.Tables = p.tables
		if r.cfg.StartupOptions.needsSnapshot() || r.resnapshot {
			p.snapTables = p.tables
		}
	default:
		var added []cdc.TableID
		for _, t := range p.tables {
			if !slices.Contains(cp.Tables, t) {
				added = append(added, t)
			}
		}
		if cp.Snapshot != nil && !cp.Snapshot.Done {
			for _, ts := range cp.Snapshot.Tables {
				p.snapTables = append(p.snapTables, ts.Table)
			}
		}
		if len(added) > 0 && r.cfg.ScanNewlyAddedTables {
			cp.Tables = append(cp.Tables, added...)
			p.snapTables = append(p.snapTables, added...)
			if cp.Snapshot == nil {
				cp.Snapshot = &snapshotState{}
			}
			cp.Snapshot.Done = false
		}
	}
}

// snapshotPending reports whether a snapshot runs: of new tables, or the
// rest of one the checkpoint holds.
func (r *runner) snapshotPending(p *runPlan) bool {
	return len(p.snapTables) > 0 || (r.cp.Snapshot != nil && len(r.cp.Snapshot.Tables) > 0)
}

// recordWatermarks records binlog positions from now on when a snapshot
// will run: without an exact low watermark (see [watermarkMode]), its
// first must be commitVisibilityMargin old, and loading schemas and
// splitting tables take up most of that wait. It
// returns the function that stops recording, to call once and defer.
//
// early stops the recording recordEarlyWatermarks started, if it did: that
// recording is kept when a snapshot will run, and stopped and dropped
// otherwise.
func (r *runner) recordWatermarks(ctx context.Context, p *runPlan, early func()) (stop func(), err error) {
	if !r.snapshotPending(p) {
		early()
		r.watermarks = nil
		return func() {}, nil
	}
	if r.watermarks != nil {
		return early, nil
	}
	wctx, cancel := context.WithCancel(ctx)
	if err := r.startWatermarks(wctx); err != nil {
		return cancel, r.stop(ctx, err)
	}
	return cancel, nil
}

// recordEarlyWatermarks starts recording binlog positions right after
// connecting, before it is known whether a snapshot will run, and returns
// the function that stops it (recordWatermarks keeps or drops it). A
// failure to start is left to recordWatermarks, which tries again when a
// snapshot needs the positions.
func (r *runner) recordEarlyWatermarks(ctx context.Context) (stop func()) {
	wctx, cancel := context.WithCancel(ctx)
	if err := r.startWatermarks(wctx); err != nil {
		cancel()
		r.watermarks = nil
		return func() {}
	}
	return cancel
}

// loadSchemas loads the captured tables' schemas: from the checkpoint's
// schema history when it has one (the schemas as of its offset), else, and
// for tables the history lacks, from the server. It checks that every
// table to snapshot has a chunk key.
func (r *runner) loadSchemas(ctx context.Context, p *runPlan) error {
	hist, err := r.cp.schemaHistory()
	if err != nil {
		return r.stop(ctx, sourceErr("checkpoint", ErrInvalidCheckpoint, err, restartFix,
			"the schema history in %s does not decode", describeStore(r.cfg.OffsetStore)))
	}
	if !p.resumed {
		hist = nil
	}
	p.schemas = map[cdc.TableID]*cdc.TableSchema{}
	var missing []cdc.TableID
	for _, id := range r.cp.Tables {
		if s := hist.schema(id); s != nil {
			p.schemas[id] = s
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		schemas, err := LoadTableSchemas(ctx, r.db, missing)
		if err != nil {
			var nf *TableNotFoundError
			if errors.As(err, &nf) && p.resumed {
				// A captured table was dropped while stopped: capture the rest.
				var present []cdc.TableID
				for _, id := range missing {
					if !slices.Contains(nf.Tables, id) {
						present = append(present, id)
					}
				}
				schemas, err = LoadTableSchemas(ctx, r.db, present)
			}
			if err != nil {
				return r.stop(ctx, sourceErr("preflight", nil, err, "", "load table schemas"))
			}
		}
		for id, s := range schemas {
			p.schemas[id] = s
		}
	}
	if hist == nil {
		hist = newSchemaHistory(nil)
	}
	for id, s := range p.schemas {
		if hist.schema(id) != s {
			hist = hist.with(id, historyTable{schema: s, charset: tableCharsetGuess(s)})
		}
	}
	p.history = hist
	r.cp.setHistory(hist)
	for _, id := range p.snapTables {
		if s := p.schemas[id]; s != nil && !r.snapshotHasTable(id) {
			if _, err := r.chooseKey(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// startPosition finds the binlog position streaming starts from, by the
// checkpoint or the startup mode; it stays zero when the snapshot decides
// it.
func (r *runner) startPosition(ctx context.Context, p *runPlan) error {
	cp := r.cp
	p.mode = r.cfg.StartupOptions
	if r.resnapshot && p.mode.mode != startupSnapshotOnly {
		p.mode = Initial() // stream from where the new snapshot is consistent
	}
	mode := p.mode
	switch {
	case p.resumed && !cp.Offset.IsZero():
		p.start = cp.Offset
		if err := r.checkNotPurged(ctx, p.start, "the stored checkpoint"); err != nil {
			return err
		}
	case p.resumed:
		// The snapshot had not finished; the binlog starts after it.
	case mode.mode == startupEarliest:
		files, err := r.binaryLogs(ctx)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return sourceErr("start", ErrServerConfig, nil, "start the server with --log-bin", "the server has no binlog files")
		}
		p.start = Offset{File: files[0], Pos: 4}
	case mode.mode == startupLatest:
		p.start = p.startStatus
	case mode.mode == startupSpecificOffset:
		p.start = Offset{File: mode.file, Pos: mode.pos}
		if err := r.checkNotPurged(ctx, p.start, "SpecificOffset"); err != nil {
			return err
		}
	case mode.mode == startupSpecificGTID:
		p.start = Offset{GTIDSet: mode.gtid}
		if flavor, _ := detectGTIDFlavor(mode.gtid); flavor != r.server.flavor {
			return sourceErr("start", ErrInvalidConfig, nil, "give a GTID set in the server's flavour: uuid:1-5 on MySQL, 0-1-5 on MariaDB",
				"SpecificGTID %q is a %s GTID set but the server is %s", mode.gtid, flavor, r.server.flavor)
		}
	case mode.mode == startupTimestamp:
		start, err := r.findTimestampStart(ctx, mode.tsMs)
		if err != nil {
			return err
		}
		p.start = start
	}
	return nil
}

// snapshot runs the snapshot, when one is pending, and stops recording
// watermarks after it. Without a start position yet, streaming starts from
// the lowest high watermark: every change after it is either in a chunk
// already or must be streamed.
func (r *runner) snapshot(ctx context.Context, p *runPlan, stopWatermarks func()) error {
	cp := r.cp
	if !r.snapshotPending(p) {
		return nil
	}
	all := p.snapTables
	if cp.Snapshot != nil {
		for _, ts := range cp.Snapshot.Tables {
			if !slices.Contains(all, ts.Table) {
				all = append(all, ts.Table)
			}
		}
	}
	states, err := r.prepareSnapshot(ctx, all, p.schemas)
	if err != nil {
		return r.stop(ctx, err)
	}
	err = r.runSnapshot(ctx, states)
	stopWatermarks()
	if err != nil {
		return r.stop(ctx, err)
	}
	cp.Snapshot.Done = true
	p.filterTables = states
	if p.start.IsZero() {
		for _, t := range states {
			for _, c := range t.snap.Chunks {
				if p.start.IsZero() || c.HighWatermark.Compare(p.start) < 0 {
					p.start = c.HighWatermark
				}
			}
		}
	}
	// Streaming starts with each table's schema as of its start: a DDL
	// statement the snapshot's binlog windows read before that position
	// is not read again.
	if !p.start.IsZero() && p.start.File != "" {
		hist := p.history
		for _, t := range states {
			if s := t.versionAt(p.start).schema; s != nil && hist.schema(t.id) != nil && s != hist.schema(t.id) {
				hist = hist.with(t.id, historyTable{schema: s, charset: tableCharsetGuess(s)})
			}
		}
		if hist != p.history {
			p.history = hist
			cp.setHistory(hist)
		}
	}
	return nil
}

// saveStart records where streaming starts in the checkpoint and saves it.
// It reports done, with Run's result, when the run ends here (SnapshotOnly,
// or a failed save).
func (r *runner) saveStart(ctx context.Context, p *runPlan) (done bool, err error) {
	cp := r.cp
	if p.start.IsZero() {
		p.start = p.startStatus
	}
	if cp.Offset.IsZero() || p.start.Compare(cp.Offset) < 0 {
		cp.Offset = p.start
	}
	r.dirty = true
	if p.mode.mode == startupSnapshotOnly && !p.resumed {
		return true, r.commit(ctx, true)
	}
	if err := r.commit(ctx, true); err != nil {
		return true, r.stopped(ctx, err)
	}
	return p.mode.mode == startupSnapshotOnly, nil
}

// stream reads the binlog from the checkpoint's position until ctx ends or
// an error stops it, watching the binlog's retention meanwhile.
func (r *runner) stream(ctx context.Context, p *runPlan) error {
	defer r.watchRetention(ctx)()
	br := newBinlogReader(r, p.history, p.filterTables)
	if p.mode.mode == startupTimestamp && !p.resumed {
		br.waitUntilSec = uint32(p.mode.tsMs / 1000)
	}
	return r.stopped(ctx, br.run(ctx, r.cp.Offset))
}

// literalNames returns the patterns that are plain names, not expressions.
func literalNames(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if regexp.QuoteMeta(p) == p {
			out = append(out, p)
		}
	}
	return out
}

func (r *runner) snapshotHasTable(id cdc.TableID) bool {
	if r.cp == nil || r.cp.Snapshot == nil {
		return false
	}
	for _, t := range r.cp.Snapshot.Tables {
		if t.Table == id {
			return true
		}
	}
	return false
}

// stopped turns the end of Run into its result: when ctx ended, whatever
// Run was doing (connecting, checking the server, loading the checkpoint or
// schemas, the snapshot, the binlog), it is a normal stop: stopped saves the
// last checkpoint when anything was delivered since the last save (flushing
// the handler first, within ShutdownTimeout) and returns nil, or the error
// of that save. Otherwise it returns err. Run applies it to every result,
// so the inner calls of it by the phases and the outer one make one save.
func (r *runner) stopped(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if r.stopHandled {
		// A phase already made the final save; err is its result.
		return err
	}
	r.stopHandled = true
	if r.cp != nil && r.dirty {
		sctx, cancel := withTimeout(context.WithoutCancel(ctx), r.cfg.ShutdownTimeout)
		defer cancel()
		if cerr := r.commit(sctx, true); cerr != nil {
			return cerr
		}
	}
	return nil
}

// deliver encodes and hands events to the handler.
func (r *runner) deliver(ctx context.Context, events []cdc.Event) error {
	for i := range events {
		if events[i].Source.Name == "" {
			events[i].Source.Name = r.cfg.Name
		}
	}
	if err := r.numberEvents(ctx, events); err != nil {
		return err
	}
	if d := r.cfg.Deserializer; d != nil {
		for i := range events {
			b, err := d.AppendEvent(nil, &events[i])
			if err != nil {
				return sourceErr("encode", nil, err, "", "deserializer failed on %s", events[i].Table)
			}
			events[i].Encoded = b
		}
	}
	if err := r.sink.HandleEvents(ctx, events); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &cdc.HandlerError{Err: err}
	}
	return nil
}

// commit flushes the handler and saves the checkpoint, when something
// changed and OffsetCommitInterval has passed since the last save (or
// force).
func (r *runner) commit(ctx context.Context, force bool) error {
	if !r.dirty {
		return nil
	}
	if !force && time.Now().Before(r.nextSave()) {
		return nil
	}
	if err := r.flushSink(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &cdc.HandlerError{Err: err}
	}
	saveStart := time.Now()
	if err := r.save(ctx, r.cp); err != nil {
		return err
	}
	r.saved = r.cp.clone()
	r.lastSave = time.Now()
	r.saveTook = r.lastSave.Sub(saveStart)
	r.dirty = false
	off := r.cp.Offset
	r.src.progress.update(false, func(p *Progress) { p.Offset = off })
	r.checkpointStored(off, time.Since(saveStart))
	return nil
}

// nextSave is when the next checkpoint save is due: OffsetCommitInterval
// after the last, or, when the last took longer than a twentieth of that,
// twenty times as long as it took. A checkpoint holds every chunk of a
// snapshot, so saving a large table's takes long, and the spacing keeps
// saves to about a twentieth of the time whatever the table's size. An
// OffsetCommitInterval of 0 saves at every boundary, however long it takes.
func (r *runner) nextSave() time.Time {
	if r.cfg.OffsetCommitInterval == 0 {
		return r.lastSave
	}
	return r.lastSave.Add(max(r.cfg.OffsetCommitInterval, 20*r.saveTook))
}

// save stores st as the source's checkpoint.
func (r *runner) save(ctx context.Context, st *checkpointState) error {
	cp, err := st.checkpoint(r.cfg.Name)
	if err == nil {
		err = r.cfg.OffsetStore.Save(ctx, cp)
	}
	if err != nil {
		return sourceErr("checkpoint", nil, err, "check the offset store (disk space, permissions)", "save the checkpoint")
	}
	return nil
}
