package mysql

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// run is one Run: connect, check, plan, snapshot, stream.
func (r *runner) run(ctx context.Context) error {
	if err := r.open(ctx); err != nil {
		return r.stopped(ctx, err)
	}
	if err := r.detectServer(ctx); err != nil {
		return r.stopped(ctx, err)
	}
	if err := r.detectServerIdentity(ctx); err != nil {
		return r.stopped(ctx, err)
	}
	if err := r.checkBinlogSettings(ctx); err != nil {
		return err
	}
	// A user without SELECT cannot see the databases: say so rather than
	// "unknown database".
	if err := r.checkGrants(ctx, literalNames(r.cfg.DatabaseList)); err != nil {
		return err
	}
	tables, dbs, err := r.discoverTables(ctx)
	if err != nil {
		return r.stopped(ctx, err)
	}
	if err := r.checkGrants(ctx, dbs); err != nil {
		return err
	}
	// SHOW MASTER STATUS / SHOW BINARY LOGS need REPLICATION CLIENT even when
	// SHOW GRANTS could not be read: find out now, not mid-snapshot.
	startStatus, err := r.binlogStatus(ctx, r.db)
	if err != nil {
		return r.stopped(ctx, err)
	}

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
			return r.stopped(ctx, err)
		}
		resumed = !r.resnapshot
	}
	r.cp = cp
	r.checkpointLoaded(resumed)

	// Which tables are captured: the checkpoint's, plus newly added ones
	// when ScanNewlyAddedTables (they are snapshotted before streaming).
	var snapTables []cdc.TableID
	switch {
	case !resumed:
		cp.Tables = tables
		if r.cfg.StartupOptions.needsSnapshot() || r.resnapshot {
			snapTables = tables
		}
	default:
		var added []cdc.TableID
		for _, t := range tables {
			if !slices.Contains(cp.Tables, t) {
				added = append(added, t)
			}
		}
		if cp.Snapshot != nil && !cp.Snapshot.Done {
			for _, ts := range cp.Snapshot.Tables {
				snapTables = append(snapTables, ts.Table)
			}
		}
		if len(added) > 0 && r.cfg.ScanNewlyAddedTables {
			cp.Tables = append(cp.Tables, added...)
			snapTables = append(snapTables, added...)
			if cp.Snapshot == nil {
				cp.Snapshot = &snapshotState{}
			}
			cp.Snapshot.Done = false
		}
	}
	captured := cp.Tables

	// Record binlog positions from now on when a snapshot will run: its first
	// low watermark must be commitVisibilityMargin old, and loading schemas
	// and splitting tables take up most of that wait.
	stopWatermarks := func() {}
	if len(snapTables) > 0 || (cp.Snapshot != nil && len(cp.Snapshot.Tables) > 0) {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stopWatermarks = cancel
		if err := r.startWatermarks(wctx); err != nil {
			return r.stopped(ctx, err)
		}
	}

	// Every table to snapshot needs a chunk key.
	var schemas map[cdc.TableID]*cdc.TableSchema
	if len(captured) > 0 {
		schemas, err = LoadTableSchemas(ctx, r.db, captured)
		if err != nil {
			var nf *TableNotFoundError
			if errors.As(err, &nf) && resumed {
				// A captured table was dropped while stopped: capture the rest.
				schemas, err = LoadTableSchemas(ctx, r.db, tables)
			}
			if err != nil {
				return r.stopped(ctx, sourceErr("preflight", nil, err, "", "load table schemas"))
			}
		}
	}
	if len(snapTables) > 0 {
		for _, id := range snapTables {
			if s := schemas[id]; s != nil && !r.snapshotHasTable(id) {
				if _, err := r.chooseKey(s); err != nil {
					return err
				}
			}
		}
	}

	// The binlog position streaming starts from.
	var start Offset
	mode := r.cfg.StartupOptions
	if r.resnapshot && mode.mode != startupSnapshotOnly {
		mode = Initial() // stream from where the new snapshot is consistent
	}
	switch {
	case resumed && !cp.Offset.IsZero():
		start = cp.Offset
		if err := r.checkNotPurged(ctx, start, "the stored checkpoint"); err != nil {
			return err
		}
	case resumed:
		// The snapshot had not finished; the binlog starts after it.
	case mode.mode == startupEarliest:
		files, err := r.binaryLogs(ctx)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return sourceErr("start", ErrServerConfig, nil, "start the server with --log-bin", "the server has no binlog files")
		}
		start = Offset{File: files[0], Pos: 4}
	case mode.mode == startupLatest:
		start = startStatus
	case mode.mode == startupSpecificOffset:
		start = Offset{File: mode.file, Pos: mode.pos}
		if err := r.checkNotPurged(ctx, start, "SpecificOffset"); err != nil {
			return err
		}
	case mode.mode == startupSpecificGTID:
		start = Offset{GTIDSet: mode.gtid}
		if flavor, _ := detectGTIDFlavor(mode.gtid); flavor != r.server.flavor {
			return sourceErr("start", ErrInvalidConfig, nil, "give a GTID set in the server's flavour: uuid:1-5 on MySQL, 0-1-5 on MariaDB",
				"SpecificGTID %q is a %s GTID set but the server is %s", mode.gtid, flavor, r.server.flavor)
		}
	case mode.mode == startupTimestamp:
		start, err = r.findTimestampStart(ctx, mode.tsMs)
		if err != nil {
			return err
		}
	}

	// Snapshot.
	var filterTables []*tableState
	if len(snapTables) > 0 || (cp.Snapshot != nil && len(cp.Snapshot.Tables) > 0) {
		all := snapTables
		if cp.Snapshot != nil {
			for _, ts := range cp.Snapshot.Tables {
				if !slices.Contains(all, ts.Table) {
					all = append(all, ts.Table)
				}
			}
		}
		states, err := r.prepareSnapshot(ctx, all, schemas)
		if err != nil {
			return r.stopped(ctx, err)
		}
		err = r.runSnapshot(ctx, states)
		stopWatermarks()
		if err != nil {
			return r.stopped(ctx, err)
		}
		cp.Snapshot.Done = true
		filterTables = states
		if start.IsZero() {
			// Stream from the lowest high watermark: every change after it
			// is either in a chunk already or must be streamed.
			for _, t := range states {
				for _, c := range t.snap.Chunks {
					if start.IsZero() || c.HighWatermark.Compare(start) < 0 {
						start = c.HighWatermark
					}
				}
			}
		}
	}
	if start.IsZero() {
		start = startStatus
	}
	if cp.Offset.IsZero() || start.Compare(cp.Offset) < 0 {
		cp.Offset = start
	}
	r.dirty = true
	if mode.mode == startupSnapshotOnly && !resumed {
		if err := r.commit(ctx, true); err != nil {
			return err
		}
		return nil
	}
	if err := r.commit(ctx, true); err != nil {
		return r.stopped(ctx, err)
	}
	if mode.mode == startupSnapshotOnly {
		return nil
	}

	defer r.watchRetention(ctx)()
	br := newBinlogReader(r, schemas, filterTables)
	if mode.mode == startupTimestamp && !resumed {
		br.waitUntilSec = uint32(mode.tsMs / 1000)
	}
	return r.stopped(ctx, br.run(ctx, cp.Offset))
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
	if !force && time.Since(r.lastSave) < r.cfg.OffsetCommitInterval {
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
	r.dirty = false
	off := r.cp.Offset
	r.src.progress.update(false, func(p *Progress) { p.Offset = off })
	r.checkpointStored(off, time.Since(saveStart))
	return nil
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
