package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/retry"
)

// A chunk's low watermark is a binlog position before which every
// transaction is visible to the chunk's SELECT: the backfill replays the
// binlog from there, and a transaction before it that the SELECT did not
// see would be lost. A server writes a transaction to the binlog before it
// commits it in the storage engine, so the position a status query returns
// just before the SELECT is not one: it can include a transaction still
// committing. How the source finds a low watermark depends on the server
// (see [watermarkMode]).

// watermarkMode is how a chunk's low watermark is found.
type watermarkMode int

const (
	// watermarkMargin: a position read commitVisibilityMargin before the
	// SELECT, on the assumption that a transaction in the binlog commits
	// within that time. MySQL without GTIDs (or with binlog_order_commits
	// OFF) offers nothing exact that needs no write access.
	watermarkMargin watermarkMode = iota
	// watermarkGTID: MySQL with gtid_mode ON and binlog_order_commits ON.
	// The server commits transactions in binlog order and adds a group's
	// GTIDs to gtid_executed after committing it in the engine, so
	// gtid_executed is always the GTIDs of a prefix of the binlog: a
	// position whose last transaction's GTID is in the gtid_executed read
	// before a SELECT has every transaction before it visible to the SELECT
	// (see [watermarkHistory.settle]).
	watermarkGTID
	// watermarkSnapshot: MariaDB. The chunk is read inside START
	// TRANSACTION WITH CONSISTENT SNAPSHOT, whose binlog position the
	// server reports in the binlog_snapshot_file and
	// binlog_snapshot_position status variables, exactly.
	watermarkSnapshot
)

// String names the mode in logs.
func (m watermarkMode) String() string {
	switch m {
	case watermarkGTID:
		return "exact (gtid_executed)"
	case watermarkSnapshot:
		return "exact (consistent snapshot)"
	}
	return "time margin"
}

// commitVisibilityMargin is, in watermarkMargin mode, how long before a
// chunk's SELECT its low watermark was read. Reading the binlog from a
// slightly older position replays changes the SELECT already has, which is
// harmless: replayed in order up to the high watermark, every touched row
// ends in its state at the high watermark.
const commitVisibilityMargin = 100 * time.Millisecond

// settleWaitLog is how long a chunk waits for the transactions before the
// newest settled position to commit before the wait is logged.
const settleWaitLog = 5 * time.Second

// watermarkHistory holds what a snapshot's chunks take their low
// watermarks from.
type watermarkHistory struct {
	mode watermarkMode
	why  string // why the mode is watermarkMargin, for the log

	mu sync.Mutex
	// entries, in watermarkMargin mode: recent binlog positions with when
	// they were read.
	entries []watermarkEntry
	started time.Time // when the first position was read
	// first is the first position read: the schemas loaded after it hold
	// from it on, or from a DDL statement after it (see [snapshotSchemas]).
	first Offset

	// In watermarkGTID mode: settled is the newest position known to have
	// every transaction before it committed (zero until the first is
	// known); pending are positions waiting for their last transaction to
	// show in gtid_executed. scanned tells whether first has been looked up
	// (see [runner.awaitWatermarks]).
	settled Offset
	pending []gtidAnchor
	scanned bool
	// scanClaimed is set once a reader reads the binlog for a first low
	// watermark (see [firstAnchorPatience]).
	scanClaimed bool
}

type watermarkEntry struct {
	at  time.Time
	off Offset
}

// gtidAnchor is a binlog position with the GTIDs that must be in
// gtid_executed for every transaction before it to be committed: the GTID
// of the last transaction before it, or for a position with no transaction
// before it in its file, the file's Previous_gtids.
type gtidAnchor struct {
	off  Offset
	need gomysql.GTIDSet
}

// settle promotes the pending positions whose needed GTIDs executed holds,
// and returns the newest settled position (zero if none is).
func (h *watermarkHistory) settle(executed gomysql.GTIDSet) Offset {
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := h.pending[:0]
	for _, a := range h.pending {
		if executed.Contain(a.need) {
			if h.settled.IsZero() || a.off.Compare(h.settled) > 0 {
				h.settled = a.off
			}
			continue
		}
		kept = append(kept, a)
	}
	// A pending position at or before the settled one adds nothing.
	out := kept[:0]
	for _, a := range kept {
		if h.settled.IsZero() || a.off.Compare(h.settled) > 0 {
			out = append(out, a)
		}
	}
	h.pending = out
	return h.settled
}

// claimScan reports whether the caller is the one to read the binlog for
// a first low watermark (see [firstAnchorPatience]); it is true once.
func (h *watermarkHistory) claimScan() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.scanClaimed {
		return false
	}
	h.scanClaimed = true
	return true
}

// addAnchor records a position in watermarkGTID mode; with need nil it is
// settled already.
func (h *watermarkHistory) addAnchor(off Offset, need gomysql.GTIDSet) {
	if h == nil || h.mode != watermarkGTID || off.File == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.settled.IsZero() && off.Compare(h.settled) <= 0 {
		return
	}
	if need == nil {
		h.settled = off
		return
	}
	h.pending = append(h.pending, gtidAnchor{off: off, need: need})
}

// watermarkModeOverride maps a server port to the mode a test forces on
// sources reading that server.
var watermarkModeOverride sync.Map

// watermarkModeOf chooses how the server's chunks find low watermarks.
func (r *runner) watermarkModeOf(ctx context.Context) (watermarkMode, string) {
	if m, ok := watermarkModeOverride.Load(r.cfg.Port); ok {
		return m.(watermarkMode), "a test chose it"
	}
	if r.server.flavor == gomysql.MariaDBFlavor {
		return watermarkSnapshot, ""
	}
	var mode, order sql.NullString
	err := r.db.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_mode, @@GLOBAL.binlog_order_commits").Scan(&mode, &order)
	switch {
	case err != nil:
		return watermarkMargin, "reading gtid_mode failed: " + err.Error()
	case !strings.EqualFold(mode.String, "ON"):
		return watermarkMargin, "gtid_mode is " + mode.String + "; SET GLOBAL gtid_mode = ON (with enforce_gtid_consistency) for exact snapshot watermarks"
	case order.String != "1" && !strings.EqualFold(order.String, "ON"):
		return watermarkMargin, "binlog_order_commits is OFF; SET GLOBAL binlog_order_commits = ON for exact snapshot watermarks"
	}
	return watermarkGTID, ""
}

// startWatermarks reads the first binlog position of a snapshot and, in
// watermarkMargin mode, records positions every 25ms while ctx lives. Run
// starts it before loading schemas and splitting tables, so that by the
// time the first chunk is read its low watermark is usually old enough
// already (see [runner.awaitWatermarks]).
func (r *runner) startWatermarks(ctx context.Context) error {
	mode, why := r.watermarkModeOf(ctx)
	h := &watermarkHistory{mode: mode, why: why, started: time.Now()}
	off, err := r.binlogStatus(ctx, sqlStrings{r.db})
	if err != nil {
		return err
	}
	h.first = off
	h.entries = []watermarkEntry{{h.started, off}}
	r.watermarks = h
	if mode != watermarkMargin {
		return nil
	}
	record := func() error {
		off, err := r.binlogStatus(ctx, sqlStrings{r.db})
		if err != nil {
			return err
		}
		h.mu.Lock()
		now := time.Now()
		h.entries = append(h.entries, watermarkEntry{now, off})
		// Keep the newest entry older than the margin, and the ones after it.
		keep := 0
		for i, e := range h.entries {
			if now.Sub(e.at) > commitVisibilityMargin {
				keep = i
			}
		}
		h.entries = h.entries[keep:]
		h.mu.Unlock()
		return nil
	}
	go func() {
		t := time.NewTicker(25 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = record()
			}
		}
	}()
	return nil
}

// awaitWatermarks makes the first low watermark available before the
// first chunk is read, after the XA transactions prepared before the
// snapshot began have ended (see [runner.awaitPreparedXA]). In watermarkMargin mode it waits until the first
// recorded position is commitVisibilityMargin old. In watermarkGTID mode it
// records the first position with the GTIDs gtid_owned lists: the first
// chunk's low watermark once they have committed (see [runner.settledBefore]).
func (r *runner) awaitWatermarks(ctx context.Context) error {
	h := r.watermarks
	if err := r.awaitPreparedXA(ctx); err != nil {
		return err
	}
	if h.why != "" {
		r.src.obs.log.Info("mysql source: snapshot chunks take their low watermarks from positions read 100ms before their SELECT, assuming a transaction commits within that time",
			"method", h.mode.String(), "reason", h.why)
	} else {
		r.src.obs.log.Info("mysql source: snapshot watermarks", "method", h.mode.String())
	}
	switch h.mode {
	case watermarkMargin:
		wait := time.Until(h.started.Add(commitVisibilityMargin))
		if wait <= 0 {
			return nil
		}
		return retry.Sleep(ctx, wait)
	case watermarkGTID:
		h.mu.Lock()
		scanned := h.scanned
		h.mu.Unlock()
		if scanned {
			return nil
		}
		// Every transaction before first is committed or owned by the
		// session committing it: automatic GTIDs are owned from the
		// binlog's flush until gtid_executed takes them. Reading
		// gtid_owned before gtid_executed misses none of them.
		owned, err := r.gtidOwned(ctx)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.scanned = true
		h.pending = append(h.pending, gtidAnchor{off: h.first, need: owned})
		h.mu.Unlock()
	}
	return nil
}

// preparedXAWarnEvery is how often a snapshot waiting for prepared XA
// transactions says so.
const preparedXAWarnEvery = 30 * time.Second

// awaitPreparedXA waits until the XA transactions prepared before the
// snapshot's first position have ended. Such a transaction's rows are in
// the binlog before the snapshot's windows and invisible to its SELECTs
// until XA COMMIT, which carries no rows: the snapshot would miss them. XA
// RECOVER lists the prepared transactions; one listed now that is gone
// later has ended. When XA RECOVER fails (MySQL needs XA_RECOVER_ADMIN),
// the source logs a warning and goes on; on MariaDB a user without SUPER
// sees only its own XA transactions.
func (r *runner) awaitPreparedXA(ctx context.Context) error {
	before, err := r.preparedXA(ctx)
	if err != nil {
		// Without XA_RECOVER_ADMIN, MySQL 9.7 answers XA RECOVER with
		// error 1401 (XAER_RMERR), older versions with access denied.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.src.obs.log.Warn("mysql source: cannot list prepared XA transactions (XA RECOVER); one prepared before the snapshot and committed during it would be missed",
			"err", r.src.obs.redact(err), "fix", fmt.Sprintf("GRANT XA_RECOVER_ADMIN ON *.* TO the source's user (%q)", r.cfg.Username))
		return nil
	}
	if len(before) == 0 {
		return nil
	}
	began, warned := time.Now(), time.Time{}
	for {
		now, err := r.preparedXA(ctx)
		if err != nil {
			return sourceErr("snapshot", nil, err, "", "XA RECOVER")
		}
		var left []string
		for xid := range before {
			if now[xid] {
				left = append(left, xid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Since(warned) >= preparedXAWarnEvery {
			warned = time.Now()
			r.src.obs.log.Warn("mysql source: the snapshot waits for XA transactions prepared before it to be committed or rolled back",
				"xids", strings.Join(left, " "), "waited", time.Since(began).Round(time.Second).String())
		}
		if err := retry.Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// preparedXA lists the prepared XA transactions (XA RECOVER), each as its
// format ID, lengths and data.
func (r *runner) preparedXA(ctx context.Context) (map[string]bool, error) {
	rows, err := r.db.QueryContext(ctx, "XA RECOVER")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = string(v)
		}
		out[strings.Join(parts, ":")] = true
	}
	return out, rows.Err()
}

// gtidOwned reads gtid_owned ("uuid:5#22,uuid:7#30": GTIDs with the
// threads owning them) as a GTID set.
func (r *runner) gtidOwned(ctx context.Context) (gomysql.GTIDSet, error) {
	var s string
	if err := r.db.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_owned").Scan(&s); err != nil {
		return nil, sourceErr("snapshot", nil, err, "", "read gtid_owned")
	}
	set, err := gomysql.ParseMysqlGTIDSet(ownerSuffix.ReplaceAllString(strings.ReplaceAll(s, "\n", ""), ""))
	if err != nil {
		return nil, sourceErr("snapshot", nil, err, "", "parse gtid_owned %q", s)
	}
	return set, nil
}

// ownerSuffix is the "#thread" after each GTID of gtid_owned.
var ownerSuffix = regexp.MustCompile(`#[0-9]+`)

// firstAnchorPatience is how long a chunk waits for the transactions
// gtid_owned listed to commit before it reads the binlog for another first
// low watermark: a session that set gtid_next explicitly owns its GTID
// until it commits, however long that takes.
const firstAnchorPatience = 2 * time.Second

// scanAnchor finds a position with the GTID of its last transaction by
// reading the binlog with serverID: the current position, when
// transactions were written since first (a short read), else first, from
// its file's start.
func (r *runner) scanAnchor(ctx context.Context, first Offset, serverID uint32) (gtidAnchor, error) {
	cur, err := r.binlogStatus(ctx, sqlStrings{r.db})
	if err != nil {
		return gtidAnchor{}, err
	}
	if cur.Compare(first) > 0 {
		last, _, err := r.scanGTIDs(ctx, first, cur, serverID)
		if err != nil {
			return gtidAnchor{}, err
		}
		if last != nil {
			r.src.obs.log.Debug("mysql source: first snapshot watermark found", "read_from", first.String(), "position", cur.String())
			return gtidAnchor{off: cur, need: last}, nil
		}
	}
	r.src.obs.log.Debug("mysql source: first snapshot watermark found", "read_from", first.File+":4", "position", first.String())
	last, prev, err := r.scanGTIDs(ctx, Offset{File: first.File, Pos: 4}, first, serverID)
	if err != nil {
		return gtidAnchor{}, err
	}
	switch {
	case last != nil:
		return gtidAnchor{off: first, need: last}, nil
	case prev != nil:
		return gtidAnchor{off: first, need: prev}, nil
	}
	// No Previous_gtids event (a file written before GTIDs were on):
	// nothing gtid_executed could show.
	empty, err := gomysql.ParseMysqlGTIDSet("")
	return gtidAnchor{off: first, need: empty}, err
}

// scanGTIDs reads the binlog from start to end and returns the GTID of
// the last transaction in between (nil if none) and the last
// Previous_gtids event seen (nil if none).
func (r *runner) scanGTIDs(ctx context.Context, start, end Offset, serverID uint32) (last, prev gomysql.GTIDSet, err error) {
	cfg := r.syncerConfig(serverID, "snapshot-watermark")
	cfg.RowsEventDecodeFunc = rowsOnlyFor(func(cdc.TableID) bool { return false })
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	stream, err := syncer.StartSync(gomysql.Position{Name: start.File, Pos: uint32(start.Pos)})
	if err != nil {
		return nil, nil, r.binlogErrAs(err, start, serverID)
	}
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := time.AfterFunc(backfillReadTimeout, cancel)
	defer idle.Stop()
	file := start.File
	for {
		ev, err := stream.GetEvent(readCtx)
		idle.Reset(backfillReadTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if readCtx.Err() != nil {
				return nil, nil, sourceErr("snapshot", nil, err, "check the server and the network",
					"no binlog event for %s while reading the binlog from %s to %s", backfillReadTimeout, start, end)
			}
			return nil, nil, r.binlogErrAs(err, start, serverID)
		}
		switch e := ev.Event.(type) {
		case *replication.RotateEvent:
			file = string(e.NextLogName)
			if (Offset{File: file, Pos: e.Position}).Compare(end) >= 0 {
				return last, prev, nil
			}
			continue
		case *replication.PreviousGTIDsEvent:
			if prev, err = gomysql.ParseMysqlGTIDSet(e.GTIDSets); err != nil {
				return nil, nil, fmt.Errorf("mysql: Previous_gtids of %s: %w", file, err)
			}
		case *replication.GTIDEvent, *replication.GtidTaggedLogEvent:
			if ev.Header.LogPos > 0 && (Offset{File: file, Pos: uint64(ev.Header.LogPos)}).Compare(end) > 0 {
				return last, prev, nil
			}
			ge, _ := e.(*replication.GTIDEvent)
			if tg, ok := e.(*replication.GtidTaggedLogEvent); ok {
				ge = &tg.GTIDEvent
			}
			if last, err = ge.GTIDNext(); err != nil {
				return nil, nil, fmt.Errorf("mysql: a GTID event of %s: %w", file, err)
			}
		}
		if ev.Header.LogPos > 0 && (Offset{File: file, Pos: uint64(ev.Header.LogPos)}).Compare(end) >= 0 {
			return last, prev, nil
		}
	}
}

// chunkLowWatermark returns the low watermark for a chunk about to be
// read on conn. In watermarkSnapshot mode it opens the consistent-snapshot
// transaction the SELECT must run in; end, never nil, ends it (call it
// once the SELECT has run, and on every path out).
func (r *runner) chunkLowWatermark(ctx context.Context, conn chunkConn, serverID uint32) (low Offset, end func(), err error) {
	h := r.watermarks
	end = func() {}
	switch h.mode {
	case watermarkSnapshot:
		return r.openSnapshotTransaction(ctx, conn)
	case watermarkGTID:
		low, err = r.settledBefore(ctx, conn, serverID)
		return low, end, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cut := time.Now().Add(-commitVisibilityMargin)
	best := h.entries[0].off
	for _, e := range h.entries {
		if e.at.Before(cut) {
			best = e.off
		}
	}
	return best, end, nil
}

// settledBefore reads gtid_executed on conn and returns the newest
// position every transaction before which it holds: every transaction
// before it is visible to a SELECT that starts after this call. It waits
// while no position is settled yet (a transaction before the first one
// still committing); after firstAnchorPatience it reads the binlog with
// serverID for another first position (see [runner.scanAnchor]).
func (r *runner) settledBefore(ctx context.Context, conn chunkConn, serverID uint32) (Offset, error) {
	start := time.Now()
	logged := false
	for {
		rows, _, err := conn.queryStrings(ctx, "SELECT @@GLOBAL.gtid_executed")
		if err == nil && (len(rows) != 1 || len(rows[0]) != 1) {
			err = fmt.Errorf("%d rows", len(rows))
		}
		if err != nil {
			return Offset{}, sourceErr("snapshot", nil, err, "", "read gtid_executed")
		}
		s := rows[0][0]
		executed, err := gomysql.ParseMysqlGTIDSet(strings.ReplaceAll(s, "\n", ""))
		if err != nil {
			return Offset{}, sourceErr("snapshot", nil, err, "", "parse gtid_executed %q", s)
		}
		if low := r.watermarks.settle(executed); !low.IsZero() {
			return low, nil
		}
		if time.Since(start) > firstAnchorPatience && r.watermarks.claimScan() {
			// Nothing settled yet: a GTID gtid_owned listed is still owned.
			anchor, err := r.scanAnchor(ctx, r.watermarks.first, serverID)
			if err != nil {
				return Offset{}, err
			}
			r.watermarks.mu.Lock()
			r.watermarks.pending = append(r.watermarks.pending, anchor)
			r.watermarks.mu.Unlock()
			continue
		}
		if !logged && time.Since(start) > settleWaitLog {
			logged = true
			r.src.obs.log.Warn("mysql source: a snapshot chunk waits for a transaction in the binlog to commit", "waited", time.Since(start).Round(time.Millisecond).String())
		}
		if err := retry.Sleep(ctx, 2*time.Millisecond); err != nil {
			return Offset{}, err
		}
	}
}

// openSnapshotTransaction starts a consistent-snapshot transaction on conn
// (MariaDB) and returns the binlog position it is consistent with.
func (r *runner) openSnapshotTransaction(ctx context.Context, conn chunkConn) (Offset, func(), error) {
	end := func() {}
	if err := conn.exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return Offset{}, end, sourceErr("snapshot", nil, err, "", "set the chunk transaction's isolation level")
	}
	if err := conn.exec(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return Offset{}, end, sourceErr("snapshot", nil, err, "", "start a consistent-snapshot transaction")
	}
	end = func() {
		// A read-only transaction: ending it cannot lose anything, and a
		// failure closes the connection (the reader's next call opens
		// another).
		if err := conn.exec(context.WithoutCancel(ctx), "COMMIT"); err != nil {
			conn.close()
		}
	}
	rows, _, err := conn.queryStrings(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		end()
		return Offset{}, func() {}, sourceErr("snapshot", nil, err, "", "read binlog_snapshot_file and binlog_snapshot_position")
	}
	var low Offset
	var havePos bool
	for _, row := range rows {
		if len(row) != 2 {
			continue
		}
		name, value := row[0], row[1]
		switch strings.ToLower(name) {
		case "binlog_snapshot_file":
			low.File = value
		case "binlog_snapshot_position":
			low.Pos, err = strconv.ParseUint(value, 10, 64)
			havePos = err == nil
		}
	}
	if low.File == "" || !havePos {
		err := errors.New("the server reports no binlog_snapshot_file and binlog_snapshot_position")
		end()
		return Offset{}, func() {}, sourceErr("snapshot", ErrServerConfig, err, "start the server with log_bin (--log-bin)", "read the consistent snapshot's binlog position")
	}
	return low, end, nil
}

// isTableDefChanged reports whether err is MariaDB's "Table definition has
// changed, please retry transaction": a DDL statement changed the table
// after the chunk's consistent snapshot began.
func isTableDefChanged(err error) bool { return serverErrorIs(err, 1412) }
