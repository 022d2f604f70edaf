package mysql

import (
	"context"
	"errors"
	"slices"
)

// With Config.SnapshotWhenNeeded, a checkpoint whose binlog the server has
// purged gives way to a new snapshot, as Debezium's snapshot.mode
// when_needed does, instead of stopping Run with ErrBinlogPurged. Run
// finds the purge at its start (a stored position names a binlog file the
// server no longer lists) or when the server refuses to send the binlog
// from a stored position (a GTID set whose transactions were purged, or a
// file purged after the check); in both cases it starts over with a
// snapshot of every captured table and keeps the checkpoint's numbering of
// binlog files, so that the new rows' versions are above the old ones.

// discardIfPurged returns st, or, when the binlog one of st's positions
// needs is gone and SnapshotWhenNeeded is set (or r.resnapshot says a
// previous attempt found it gone), a new state keeping only st's server and
// its numbering of binlog files, and sets r.resnapshot.
func (r *runner) discardIfPurged(ctx context.Context, st *checkpointState) (*checkpointState, error) {
	if !r.resnapshot {
		if !r.cfg.SnapshotWhenNeeded {
			return st, nil
		}
		missing, oldest, err := r.purgedFile(ctx, st)
		if err != nil || missing == "" {
			return st, err
		}
		r.resnapshot = true
		r.warnResnapshot("the stored checkpoint needs binlog file "+missing+", which the server no longer has", oldest)
	}
	fresh := newCheckpointState()
	fresh.Server = st.Server
	return fresh, nil
}

// purgedFile returns the first binlog file one of st's positions needs that
// the server no longer lists, and the oldest file it lists; "" when every
// file is there.
func (r *runner) purgedFile(ctx context.Context, st *checkpointState) (missing, oldest string, err error) {
	var need []string
	forEachStateOffset(st, func(o *Offset) {
		if o.File != "" && !slices.Contains(need, o.File) {
			need = append(need, o.File)
		}
	})
	if len(need) == 0 {
		return "", "", nil
	}
	files, err := r.binaryLogs(ctx)
	if err != nil {
		return "", "", err
	}
	oldest = "none"
	if len(files) > 0 {
		oldest = files[0]
	}
	for _, f := range need {
		if !slices.Contains(files, f) {
			return f, oldest, nil
		}
	}
	return "", oldest, nil
}

// snapshotNeeded reports whether a Run that ended with err should run
// again with a new snapshot: the server refused to send a binlog the
// checkpoint needs and SnapshotWhenNeeded is set. It logs the warning.
func (r *runner) snapshotNeeded(ctx context.Context, err error) bool {
	if !r.cfg.SnapshotWhenNeeded || r.resnapshot || ctx.Err() != nil || !errors.Is(err, ErrBinlogPurged) {
		return false
	}
	why := err.Error()
	var se *SourceError
	if errors.As(err, &se) {
		why = se.Msg // without the fix, which the new snapshot makes moot
		if se.Err != nil {
			why += ": " + se.Err.Error()
		}
	}
	r.warnResnapshot(why, "")
	return true
}

// warnResnapshot logs that the source takes a new snapshot because the
// binlog it needs is gone, with the caveat for sinks that keep rows.
func (r *runner) warnResnapshot(why, oldest string) {
	args := []any{"reason", redact(errors.New(why), r.cfg.Password).Error()}
	if oldest != "" {
		args = append(args, "oldest_binlog", oldest)
	}
	args = append(args, "caveat", "rows deleted on the server while their binlog was unread stay in sinks that keep rows; "+
		"remove the rows the new snapshot does not deliver (for the ClickHouse sink: rows whose _version is below the new snapshot's), or recreate the sink's tables")
	r.src.obs.log.Warn("mysql source: the binlog the checkpoint needs was purged; taking a new snapshot (SnapshotWhenNeeded)", args...)
}
