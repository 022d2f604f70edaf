package mysql

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/google/uuid"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/retry"
)

// binlogReader streams the binlog from an offset to the handler.
type binlogReader struct {
	// xa follows XA transactions (see [xaState]).
	xa     xaState
	r      *runner
	syncer *replication.BinlogSyncer
	stream *replication.BinlogStreamer

	// file is the binlog file being read; boundary the last transaction
	// boundary read (events before it are delivered or in batch).
	file     string
	boundary Offset
	gtids    gomysql.GTIDSet // executed set at the current point; nil when unknown

	// The current transaction.
	inTxn        bool
	explicitTxn  bool // BEGIN seen (or a MariaDB GTID of a multi-statement transaction)
	txnGTID      string
	txnMySQLSID  []byte
	txnMySQLTag  gomysql.Tag
	txnMySQLGNO  int64
	txnMariaGTID *gomysql.MariadbGTID
	txnTsMs      int64
	thread       int64
	query        string
	txnRowEvents int64
	skipEvents   int64
	skipRows     int64
	// waitUntilSec, for Timestamp startup, drops transactions older than it.
	waitUntilSec uint32

	// hist is the schema history as of the last event read.
	hist     *schemaHistory
	captured map[cdc.TableID]bool
	// dbCharsets caches databases' default character sets, which new text
	// columns take when neither they nor their table name one.
	dbCharsets map[string]string
	byID       map[uint64]*boundTable
	filter     map[cdc.TableID]*tableState

	batch      []cdc.Event
	delivered  int64
	lastEvent  time.Time
	reconnects int
}

// boundTable caches what a binlog table id refers to.
type boundTable struct {
	id       cdc.TableID
	schema   []byte
	table    []byte
	captured bool
	// fitMap and fitSchema are the last table map checked against a schema
	// and that schema: a new table map (one per transaction) or schema is
	// checked again.
	fitMap    *replication.TableMapEvent
	fitSchema *cdc.TableSchema
}

func newBinlogReader(r *runner, hist *schemaHistory, filter []*tableState) *binlogReader {
	if hist == nil {
		hist = newSchemaHistory(nil)
	}
	b := &binlogReader{r: r, hist: hist, captured: map[cdc.TableID]bool{},
		byID: map[uint64]*boundTable{}, filter: map[cdc.TableID]*tableState{}}
	for _, t := range r.cp.Tables {
		b.captured[t] = true
	}
	for _, t := range filter {
		b.filter[t.id] = t
	}
	return b
}

// run streams from start until ctx ends or a fatal error.
func (b *binlogReader) run(ctx context.Context, start Offset) error {
	b.r.src.progress.update(true, func(p *Progress) { p.Phase = PhaseBinlog; p.Offset = start })
	b.skipEvents, b.skipRows = start.Events, start.Rows
	start.Events, start.Rows = 0, 0
	b.boundary = start
	if start.GTIDSet != "" {
		if set, err := gomysql.ParseGTIDSet(b.r.server.flavor, start.GTIDSet); err == nil {
			b.gtids = set
		}
	} else if start.Pos == 4 || start.File == "" {
		b.gtids = nil // learnt from the file's previous-GTIDs event
	}
	if err := b.connect(start); err != nil {
		// The first connection is retried as a lost one is (the server
		// may be restarting), keeping the rows to skip of start.
		if isPermanent(err) {
			return err
		}
		if err := b.retryConnect(ctx, start, err); err != nil {
			if ctx.Err() != nil {
				return b.shutdown(ctx)
			}
			return err
		}
	}
	defer func() {
		if b.syncer != nil {
			b.syncer.Close()
		}
	}()
	var pending []*replication.BinlogEvent
	for {
		if len(pending) == 0 {
			pending = b.stream.DumpEvents()
		}
		if len(pending) == 0 {
			// Idle: deliver what is complete, then wait for more.
			if !b.inTxn && len(b.batch) > 0 {
				if err := b.flushBatch(ctx, true); err != nil {
					return err
				}
			}
			if err := b.r.commit(ctx, false); err != nil {
				return err
			}
			ev, err := b.next(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return b.shutdown(ctx)
				}
				if rerr := b.reconnect(ctx, err); rerr != nil {
					if ctx.Err() != nil {
						return b.shutdown(ctx)
					}
					return rerr
				}
				continue
			}
			pending = append(pending, ev)
		}
		for i, ev := range pending {
			if err := b.handle(ctx, ev); err != nil {
				pending = pending[i+1:]
				if ctx.Err() != nil {
					return b.shutdown(ctx)
				}
				return err
			}
		}
		pending = pending[:0]
		if ctx.Err() != nil {
			return b.shutdown(ctx)
		}
	}
}

// next waits for an event, waking up in time for a pending checkpoint save.
func (b *binlogReader) next(ctx context.Context) (*replication.BinlogEvent, error) {
	for {
		wait := ctx
		var cancel context.CancelFunc
		if b.r.dirty {
			wait, cancel = context.WithDeadline(ctx, b.r.nextSave())
		}
		ev, err := b.stream.GetEvent(wait)
		if cancel != nil {
			cancel()
		}
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			if err := b.r.commit(ctx, false); err != nil {
				return nil, err
			}
			continue
		}
		return ev, err
	}
}

// shutdown delivers the complete transactions and saves the checkpoint.
func (b *binlogReader) shutdown(ctx context.Context) error {
	sctx, cancel := withTimeout(context.WithoutCancel(ctx), b.r.cfg.ShutdownTimeout)
	defer cancel()
	if !b.inTxn && len(b.batch) > 0 {
		if err := b.flushBatch(sctx, true); err != nil {
			return err
		}
	}
	return b.r.commit(sctx, true)
}

// connect starts a syncer at off (file/pos, or GTID set without a file).
func (b *binlogReader) connect(off Offset) error {
	cfg := b.r.syncerConfig(b.r.cfg.serverIDs[0], "binlog")
	// Rows of tables neither captured now nor matching the filters (which a
	// CREATE TABLE may add) are not decoded.
	captured, match := maps.Clone(b.captured), b.r.cfg.matchTable
	cfg.RowsEventDecodeFunc = rowsOnlyFor(func(id cdc.TableID) bool { return captured[id] || match(id) })
	b.syncer = replication.NewBinlogSyncer(cfg)
	var err error
	if off.File != "" {
		b.file = off.File
		b.stream, err = b.syncer.StartSync(gomysql.Position{Name: off.File, Pos: uint32(off.Pos)})
	} else {
		set, perr := gomysql.ParseGTIDSet(b.r.server.flavor, off.GTIDSet)
		if perr != nil {
			return sourceErr("binlog", ErrInvalidConfig, perr, "give a GTID set in the server's flavour", "GTID set %q", off.GTIDSet)
		}
		b.gtids = set.Clone()
		b.stream, err = b.syncer.StartSyncGTID(set)
	}
	if err != nil {
		b.syncer.Close()
		b.syncer = nil
		return b.r.binlogErr(err, off)
	}
	b.byID = map[uint64]*boundTable{}
	return nil
}

// reconnect re-opens the binlog at the last boundary after a lost
// connection, with exponential backoff, for up to MaxReconnectDuration.
func (b *binlogReader) reconnect(ctx context.Context, cause error) error {
	if perr := b.r.binlogErr(cause, b.boundary); isPermanent(perr) {
		return perr
	}
	if b.syncer != nil {
		b.syncer.Close()
		b.syncer = nil
	}
	// Resume at the start of the current transaction, skipping the row
	// events of it already read.
	b.skipEvents, b.skipRows = b.txnRowEvents, 0
	b.txnRowEvents = 0
	b.inTxn, b.explicitTxn = false, false
	from := b.boundary
	if from.File == "" && b.gtids != nil {
		from.GTIDSet = b.gtids.String()
	}
	return b.retryConnect(ctx, from, cause)
}

// retryConnect connects at from after a failed or lost connection (cause),
// with exponential backoff, for up to MaxReconnectDuration (0: not at
// all, the cause is returned); an error that
// reconnecting cannot cure ends it at once.
func (b *binlogReader) retryConnect(ctx context.Context, from Offset, cause error) error {
	budget := b.r.cfg.MaxReconnectDuration
	if budget <= 0 {
		return sourceErr("binlog", nil, cause, "raise MaxReconnectDuration to reconnect after a lost connection",
			"binlog connection lost (MaxReconnectDuration is 0: no reconnecting)")
	}
	lostAt := time.Now()
	b.binlogConnectFailed(cause, from, budget)
	// The cause counts as the first attempt: reconnect attempt n is attempt
	// n+1 of the policy.
	attempts, last := retry.Policy{
		Backoff:   retry.Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second},
		Budget:    budget,
		Retryable: func(err error) bool { return !isPermanent(err) },
		OnRetry: func(attempt int, err error, wait time.Duration) {
			if attempt > 1 {
				b.binlogAttemptFailed(attempt-1, err, wait)
			}
		},
	}.After(ctx, cause, func() error { return b.connect(from) })
	switch {
	case last == nil:
		b.reconnects++
		// Progress counts over the source's life, not this Run's.
		b.r.src.progress.update(true, func(p *Progress) { p.Reconnects++ })
		b.binlogReconnected(cause, from, attempts-1, lostAt)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case isPermanent(last):
		return last
	}
	return sourceErr("binlog", nil, last, "check that the server is up; raise MaxReconnectDuration to wait longer",
		"binlog connection lost and not re-established within %s", budget)
}

// isPermanent reports whether a binlog error is not cured by reconnecting.
func isPermanent(err error) bool {
	return errors.Is(err, ErrBinlogPurged) || errors.Is(err, ErrMissingPrivilege) || errors.Is(err, ErrServerConfig) ||
		errors.Is(err, ErrInvalidConfig) || errors.Is(err, ErrSchemaMismatch) || errors.Is(err, ErrServerIDConflict) ||
		errors.Is(err, ErrServerChanged)
}

// binlogErr classifies an error of the replication protocol on the
// source's binlog connection, which uses the first id of the ServerID range.
func (r *runner) binlogErr(err error, at Offset) error {
	return r.binlogErrAs(err, at, r.cfg.serverIDs[0])
}

// binlogErrAs classifies an error of the replication protocol on a binlog
// connection made with serverID.
func (r *runner) binlogErrAs(err error, at Offset, serverID uint32) error {
	if isServerIDConflict(err) {
		return r.serverIDConflictErr(err, serverID)
	}
	var me *gomysql.MyError
	if errors.As(err, &me) {
		switch me.Code {
		case gomysql.ER_MASTER_FATAL_ERROR_READING_BINLOG:
			msg := strings.ToLower(me.Message)
			if strings.Contains(msg, "purged") || strings.Contains(msg, "could not find") || strings.Contains(msg, "first log file") {
				return sourceErr("binlog", ErrBinlogPurged, err,
					"delete the checkpoint to take a new snapshot (StartupOptions Initial), and keep binlogs longer",
					"the server no longer has the binlog at %s", at)
			}
			return sourceErr("binlog", nil, err, "", "the server cannot send the binlog from %s", at)
		case gomysql.ER_ACCESS_DENIED_ERROR, gomysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, gomysql.ER_DBACCESS_DENIED_ERROR:
			return sourceErr("binlog", ErrMissingPrivilege, err, r.grantFix(privReplSlave),
				"user %q may not read the binlog: it needs the REPLICATION SLAVE privilege", r.cfg.Username)
		}
	}
	return sourceErr("binlog", nil, err, "", "read the binlog from %s", at)
}

// handle processes one binlog event.
func (b *binlogReader) handle(ctx context.Context, ev *replication.BinlogEvent) error {
	h := ev.Header
	endPos := uint64(h.LogPos)
	switch e := ev.Event.(type) {
	case *replication.RotateEvent:
		b.file = string(e.NextLogName)
		if h.Timestamp == 0 && b.boundary.File == "" {
			// A stream started from a GTID set begins with a made-up rotate
			// naming the file the server reads from, whose start is not
			// where the set ends: the transactions the set holds are
			// skipped by the server. The boundary stays the GTID set until
			// the first transaction read ends.
			return nil
		}
		if !b.inTxn {
			b.boundary = Offset{File: b.file, Pos: e.Position}
			return b.atBoundary(ctx)
		}
		return nil
	case *replication.FormatDescriptionEvent, *replication.HeartbeatEvent:
		b.lastEvent = time.Now()
		return nil
	case *replication.PreviousGTIDsEvent:
		if b.gtids == nil {
			if set, err := gomysql.ParseMysqlGTIDSet(e.GTIDSets); err == nil {
				b.gtids = set
			}
		}
		return nil
	case *replication.MariadbGTIDListEvent:
		if b.gtids == nil {
			set := &gomysql.MariadbGTIDSet{Sets: map[uint32]*gomysql.MariadbGTID{}}
			for i := range e.GTIDs {
				addMariaDBGTID(set, &e.GTIDs[i])
			}
			b.gtids = set
		}
		return nil
	case *replication.GTIDEvent:
		b.beginTxn(h)
		b.txnMySQLSID, b.txnMySQLTag, b.txnMySQLGNO = e.SID, gomysql.Tag{}, e.GNO
		b.txnGTID = formatMySQLGTID(e.SID, "", e.GNO)
		if e.ImmediateCommitTimestamp > 0 {
			b.txnTsMs = int64(e.ImmediateCommitTimestamp / 1000)
		}
		b.inTxn = true
		return nil
	case *replication.GtidTaggedLogEvent:
		b.beginTxn(h)
		b.txnMySQLSID, b.txnMySQLTag, b.txnMySQLGNO = e.SID, e.Tag, e.GNO
		b.txnGTID = formatMySQLGTID(e.SID, e.Tag.String(), e.GNO)
		b.inTxn = true
		return nil
	case *replication.MariadbGTIDEvent:
		b.beginTxn(h)
		g := e.GTID
		b.txnMariaGTID = &g
		b.txnGTID = g.String()
		b.inTxn = true
		b.explicitTxn = e.Flags&replication.BINLOG_MARIADB_FL_STANDALONE == 0
		if e.Flags&mariaDBPreparedXA != 0 {
			b.xa.begin(b.txnStart())
		}
		return nil
	case *replication.QueryEvent:
		return b.handleQuery(ctx, h, e, endPos)
	case *replication.XIDEvent:
		return b.endTxn(ctx, endPos)
	case *replication.RowsQueryEvent:
		b.query = string(e.Query)
		return nil
	case *replication.MariadbAnnotateRowsEvent:
		b.query = string(e.Query)
		return nil
	case *replication.TableMapEvent:
		return nil
	case *replication.GenericEvent:
		if h.EventType == replication.XA_PREPARE_LOG_EVENT {
			// XA PREPARE: the end of the prepared transaction.
			xid, ok := preparedXID(e.Data)
			if !ok {
				return sourceErr("binlog", nil, nil, "", "an XA_PREPARE event in %s at %d does not decode", b.file, endPos)
			}
			b.xa.prepare(xid)
			return b.endTxn(ctx, endPos)
		}
		return nil
	case *replication.RowsEvent:
		return b.handleRows(ctx, h, e)
	case *replication.TransactionPayloadEvent:
		for _, inner := range e.Events {
			if inner.Header.LogPos == 0 {
				inner.Header.LogPos = h.LogPos
			}
			if err := b.handle(ctx, inner); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

func (b *binlogReader) beginTxn(h *replication.EventHeader) {
	b.txnGTID, b.txnMariaGTID, b.txnMySQLSID = "", nil, nil
	b.txnTsMs = int64(h.Timestamp) * 1000
	b.thread, b.query = 0, ""
	b.txnRowEvents = 0
	b.explicitTxn = false
	if b.waitUntilSec > 0 && h.Timestamp >= b.waitUntilSec {
		b.waitUntilSec = 0
	}
}

// handleQuery handles BEGIN, COMMIT and DDL statements.
func (b *binlogReader) handleQuery(ctx context.Context, h *replication.EventHeader, e *replication.QueryEvent, endPos uint64) error {
	q := strings.TrimSpace(string(e.Query))
	upper := strings.ToUpper(firstWord(q))
	switch upper {
	case "BEGIN":
		if !b.inTxn || b.txnGTID == "" {
			b.beginTxn(h)
		}
		b.inTxn, b.explicitTxn = true, true
		b.thread = int64(e.SlaveProxyID)
		return nil
	case "COMMIT":
		return b.endTxn(ctx, endPos)
	case "SAVEPOINT", "ROLLBACK":
		if upper == "ROLLBACK" && !strings.Contains(strings.ToUpper(q), " TO ") {
			return b.endTxn(ctx, endPos)
		}
		return nil
	case "XA":
		return b.handleXA(ctx, h, q, endPos)
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD":
		if b.waitUntilSec == 0 && b.touchesCaptured(string(e.Schema), q) {
			return sourceErr("binlog", ErrServerConfig, nil,
				"SET GLOBAL binlog_format = 'ROW' and make sure no session sets binlog_format to STATEMENT or MIXED",
				"a change to a captured table was logged as a statement (binlog_format not ROW): %s", trimForError(q))
		}
		if !b.explicitTxn {
			return b.endTxn(ctx, endPos)
		}
		return nil
	}
	if b.thread == 0 {
		b.thread = int64(e.SlaveProxyID)
	}
	if err := b.handleDDL(ctx, h, e, q, endPos); err != nil {
		return err
	}
	switch {
	case b.explicitTxn:
		// MariaDB's CREATE TABLE … SELECT, logged inside the transaction
		// of its rows: the transaction's end is its boundary.
	case startTransactionRE.MatchString(q):
		// MySQL's atomic CREATE TABLE … SELECT (8.0.21+): the statement
		// starts the transaction its rows and XID end.
		b.inTxn, b.explicitTxn = true, true
	default:
		// A DDL statement is its own transaction.
		return b.endTxn(ctx, endPos)
	}
	return nil
}

func firstWord(q string) string {
	for i, c := range q {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ';' {
			return q[:i]
		}
	}
	return q
}

// touchesCaptured guesses whether a statement-logged DML touches a
// captured table.
func (b *binlogReader) touchesCaptured(db, q string) bool {
	lq := strings.ToLower(q)
	for t := range b.captured {
		if strings.Contains(lq, strings.ToLower(t.Table)) && (t.Database == db || strings.Contains(lq, strings.ToLower(t.Database))) {
			return true
		}
	}
	return false
}

// schema returns the schema of a captured table from the history. A
// captured table the history lacks (its definition could not be read when
// the run began) is read from the server.
func (b *binlogReader) schema(ctx context.Context, id cdc.TableID) (*cdc.TableSchema, error) {
	if s := b.hist.schema(id); s != nil {
		return s, nil
	}
	m, err := LoadTableSchemas(ctx, b.r.db, []cdc.TableID{id})
	if err != nil {
		return nil, err
	}
	b.hist = b.hist.with(id, historyTable{schema: m[id], charset: tableCharsetGuess(m[id])})
	return m[id], nil
}

// handleRows turns a rows event into change events.
func (b *binlogReader) handleRows(ctx context.Context, h *replication.EventHeader, e *replication.RowsEvent) error {
	if e.Table == nil {
		return nil
	}
	bt := b.byID[e.TableID]
	if bt == nil || string(e.Table.Table) != string(bt.table) || string(e.Table.Schema) != string(bt.schema) {
		id := cdc.TableID{Database: string(e.Table.Schema), Table: string(e.Table.Table)}
		bt = &boundTable{id: id, schema: e.Table.Schema, table: e.Table.Table, captured: b.captured[id]}
		b.byID[e.TableID] = bt
	}
	b.txnRowEvents++
	if !bt.captured || b.waitUntilSec > 0 {
		return nil
	}
	if b.txnRowEvents <= b.skipEvents {
		return nil
	}
	skipRows := 0
	if b.skipRows > 0 {
		skipRows, b.skipRows = int(b.skipRows), 0
	}
	b.skipEvents = 0
	if err := checkFullImage(e, bt.id); err != nil {
		return err
	}
	schema, err := b.schema(ctx, bt.id)
	if err != nil {
		return sourceErr("binlog", nil, err, "", "load the schema of %s", bt.id)
	}
	if schema == nil {
		return nil
	}
	start := uint64(h.LogPos) - uint64(h.EventSize)
	pos := Offset{File: b.file, Pos: start}
	if e.Table != bt.fitMap || schema != bt.fitSchema {
		if err := b.checkRowsFit(bt.id, e.Table, schema, pos); err != nil {
			return err
		}
		bt.fitMap, bt.fitSchema = e.Table, schema
	}
	changes, err := decodeChanges(schema, e)
	if err != nil {
		return fmt.Errorf("%w (a change of %s at %s)", err, bt.id, pos)
	}
	filter := b.filter[bt.id]
	if filter != nil && pos.Compare(filter.maxHW) >= 0 {
		delete(b.filter, bt.id)
		filter = nil
	}
	now := time.Now()
	b.lastEvent = now
	nowMs := now.UnixMilli()
	keyIdx := -1
	if filter != nil {
		// The chunk key's place in the schema of the change, which a DDL
		// statement during the snapshot may have moved.
		if keyIdx, err = filter.keyIndex(schema); err != nil {
			return err
		}
	}
	for i, c := range changes {
		if i < skipRows {
			continue
		}
		ev := cdc.Event{
			Op: c.op, Table: bt.id, Schema: schema, Before: c.before, After: c.after, TsMs: nowMs,
			Source: cdc.Source{ServerID: h.ServerID, TsMs: b.txnTsMs, Snapshot: cdc.SnapshotFalse, Database: bt.id.Database, Table: bt.id.Table,
				GTID: b.txnGTID, File: b.file, Pos: start, Row: i, Thread: b.thread, Query: b.query},
		}
		// A change of an XA transaction is kept to be undone at XA
		// ROLLBACK, also when the snapshot has it already.
		b.xa.record(ev)
		if filter != nil && b.coveredBySnapshot(filter, keyIdx, c, pos) {
			continue
		}
		b.batch = append(b.batch, ev)
	}
	if !b.inTxn {
		// Rows outside a transaction (non-transactional engines without
		// BEGIN): the event is its own boundary.
		return b.endTxn(ctx, uint64(h.LogPos))
	}
	if len(b.batch) >= 4*b.r.cfg.FetchSize {
		return b.flushBatch(ctx, false)
	}
	return nil
}

// handleXA handles the statements of XA transactions (see [xaState]).
func (b *binlogReader) handleXA(ctx context.Context, h *replication.EventHeader, q string, endPos uint64) error {
	verb, text, onePhase := xaStatement(q)
	switch verb {
	case "START", "BEGIN":
		// MySQL (MariaDB flags its GTID event instead).
		b.xa.begin(b.txnStart())
		return nil
	case "COMMIT", "ROLLBACK":
	default:
		return nil
	}
	xid, ok := parseXID(text)
	if !ok && !onePhase {
		return sourceErr("binlog", nil, nil, "", "the XID of %q in %s at %d does not parse", trimForError(q), b.file, endPos)
	}
	switch {
	case onePhase:
		b.xa.drop()
		return b.endTxn(ctx, endPos)
	case verb == "COMMIT":
		b.xa.end(xid)
		return b.endTxn(ctx, endPos)
	default:
		p := b.xa.end(xid)
		if p == nil {
			if b.waitUntilSec == 0 {
				b.r.src.obs.log.Warn("mysql source: XA ROLLBACK of a transaction prepared before the stream's start; any of its rows delivered before stay delivered",
					"xid", xid, "file", b.file, "pos", endPos)
			}
			return b.endTxn(ctx, endPos)
		}
		at := uint64(h.LogPos) - uint64(h.EventSize)
		for i := len(p.events) - 1; i >= 0; i-- {
			src := cdc.Source{ServerID: h.ServerID, TsMs: b.txnTsMs, Snapshot: cdc.SnapshotFalse,
				GTID: b.txnGTID, File: b.file, Pos: at, Row: len(p.events) - 1 - i, Thread: b.thread, Query: q}
			b.batch = append(b.batch, inverse(p.events[i], src))
		}
		return b.endTxn(ctx, endPos)
	}
}

// txnStart is the offset the transaction being read began at.
func (b *binlogReader) txnStart() Offset {
	start := Offset{File: b.boundary.File, Pos: b.boundary.Pos}
	if b.gtids != nil {
		start.GTIDSet = b.gtids.String()
	}
	return start
}

// coveredBySnapshot reports whether a change happened before the high
// watermark of the chunk holding its row, so the snapshot already has it.
func (b *binlogReader) coveredBySnapshot(t *tableState, keyIdx int, c change, pos Offset) bool {
	row := c.after
	if row == nil {
		row = c.before
	}
	i := t.chunkOf(row[keyIdx])
	if pos.Compare(t.snap.Chunks[i].HighWatermark) >= 0 {
		return false
	}
	if c.op == cdc.OpUpdate && c.before != nil {
		// An update moving a row across chunks is covered only when both
		// chunks were read after it.
		j := t.chunkOf(c.before[keyIdx])
		return pos.Compare(t.snap.Chunks[j].HighWatermark) < 0
	}
	return true
}

// endTxn closes the current transaction at a boundary.
func (b *binlogReader) endTxn(ctx context.Context, endPos uint64) error {
	if b.gtids != nil {
		switch {
		case b.txnMySQLSID != nil:
			if set, ok := b.gtids.(*gomysql.MysqlGTIDSet); ok {
				if u, err := uuid.FromBytes(b.txnMySQLSID); err == nil {
					set.AddGTIDWithTag(u, b.txnMySQLTag, b.txnMySQLGNO)
				}
			}
		case b.txnMariaGTID != nil:
			if set, ok := b.gtids.(*gomysql.MariadbGTIDSet); ok && addMariaDBGTID(set, b.txnMariaGTID) {
				b.r.src.obs.log.Debug("mysql source: MariaDB GTID not after the position (a replay)", "gtid", b.txnMariaGTID.String(), "file", b.file)
			}
		}
	}
	b.inTxn, b.explicitTxn = false, false
	b.txnMySQLSID, b.txnMariaGTID = nil, nil
	b.xa.drop()
	b.txnRowEvents, b.skipEvents, b.skipRows = 0, 0, 0
	if endPos > 0 {
		b.boundary = Offset{File: b.file, Pos: endPos}
	}
	return b.atBoundary(ctx)
}

// atBoundary delivers the batch when it is big enough and marks the
// boundary as the checkpoint once nothing before it is undelivered. When
// OffsetCommitInterval has passed since the last save it delivers the batch
// whatever its size and saves the checkpoint: a stream that is never idle,
// such as a long catch-up, still stores its progress on the interval.
func (b *binlogReader) atBoundary(ctx context.Context) error {
	if b.waitUntilSec > 0 {
		return nil
	}
	due := !time.Now().Before(b.r.nextSave())
	if len(b.batch) >= b.r.cfg.FetchSize || (due && len(b.batch) > 0) {
		if err := b.flushBatch(ctx, true); err != nil {
			return err
		}
	} else if len(b.batch) == 0 {
		b.markCommitted()
	}
	if due {
		return b.r.commit(ctx, false)
	}
	return nil
}

// flushBatch hands the batch to the handler; at a boundary, the boundary
// becomes the checkpoint's offset.
func (b *binlogReader) flushBatch(ctx context.Context, atBoundary bool) error {
	if len(b.batch) > 0 {
		if err := b.r.deliver(ctx, b.batch); err != nil {
			return err
		}
		n := int64(len(b.batch))
		b.delivered += n
		lag := int64(0)
		if last := b.batch[len(b.batch)-1].Source.TsMs; last > 0 {
			lag = max(time.Now().UnixMilli()-last, 0)
		}
		clear(b.batch)
		b.batch = b.batch[:0]
		b.r.src.progress.update(false, func(p *Progress) { p.BinlogEvents += n; p.LagMs = lag })
	}
	if atBoundary {
		b.markCommitted()
	}
	return nil
}

// markCommitted makes the current boundary the checkpoint's offset, or
// where the oldest XA transaction not yet ended began (see [xaState]).
func (b *binlogReader) markCommitted() {
	off := Offset{File: b.boundary.File, Pos: b.boundary.Pos}
	if off.File == "" {
		return
	}
	if b.gtids != nil {
		off.GTIDSet = b.gtids.String()
	}
	if held := b.xa.oldestStart(); !held.IsZero() && held.Compare(off) < 0 {
		off = held
	}
	if off == b.r.cp.Offset {
		return
	}
	b.r.cp.Offset = off
	b.r.cp.setHistory(b.hist)
	if b.r.cp.Snapshot != nil && len(b.filter) == 0 {
		b.r.cp.Snapshot = nil
	} else if b.r.cp.Snapshot != nil {
		for id, t := range b.filter {
			if off.Compare(t.maxHW) >= 0 {
				delete(b.filter, id)
			}
		}
		if len(b.filter) == 0 {
			b.r.cp.Snapshot = nil
		}
	}
	b.r.dirty = true
}

// formatMySQLGTID renders uuid[:tag]:gno.
func formatMySQLGTID(sid []byte, tag string, gno int64) string {
	u, err := uuid.FromBytes(sid)
	if err != nil {
		return ""
	}
	if tag != "" {
		return fmt.Sprintf("%s:%s:%d", u, tag, gno)
	}
	return fmt.Sprintf("%s:%d", u, gno)
}

// findTimestampStart finds the binlog file holding the first transaction at
// or after ms: the newest file opened before ms's second. It reads only the
// first events of O(log n) of the server's n files, whatever their size.
func (r *runner) findTimestampStart(ctx context.Context, ms int64) (Offset, error) {
	files, err := r.binaryLogs(ctx)
	if err != nil {
		return Offset{}, err
	}
	if len(files) == 0 {
		return Offset{}, sourceErr("start", ErrServerConfig, nil, "start the server with --log-bin", "the server has no binlog files")
	}
	file, err := searchFirstFile(files, uint32(ms/1000), func(file string) (uint32, error) {
		return r.firstEventTime(ctx, file)
	})
	if err != nil {
		return Offset{}, err
	}
	return Offset{File: file, Pos: 4}, nil
}

// searchFirstFile returns the newest of files (oldest first) whose first
// event, as firstTime reads it, is older than target, or the oldest file
// when none is. Every transaction at or after target is in that file or a
// later one: a file's events are no newer than the next file's first event,
// so a file opened in target's second may follow one whose last
// transactions are of that second too. Files are opened in time order, so
// their first events' times do not decrease, and a binary search asks
// firstTime about at most ⌈log₂ n⌉ files.
func searchFirstFile(files []string, target uint32, firstTime func(file string) (uint32, error)) (string, error) {
	// Invariant: files[1:lo] start before target, files[hi:] do not;
	// files[0] is the answer when no other file qualifies.
	lo, hi := 1, len(files)
	for lo < hi {
		mid := lo + (hi-lo)/2
		ts, err := firstTime(files[mid])
		if err != nil {
			return "", err
		}
		if ts < target {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return files[lo-1], nil
}

// firstEventTime returns the timestamp of a binlog file's format
// description event, written when the file was opened, for Timestamp
// startup's search (see [runner.firstEventTimeAs]).
func (r *runner) firstEventTime(ctx context.Context, file string) (uint32, error) {
	return r.firstEventTimeAs(ctx, file, r.cfg.serverIDs[0], "binlog-search")
}

// firstEventTimeAs returns the timestamp of a binlog file's format
// description event on a connection with serverID, named purpose in its
// logs. It reads that event and closes the connection: the syncer holds at
// most a few events and decodes no rows, so a large file costs no more
// than a small one.
func (r *runner) firstEventTimeAs(ctx context.Context, file string, serverID uint32, purpose string) (uint32, error) {
	cfg := r.syncerConfig(serverID, purpose)
	cfg.EventCacheCount = 2
	cfg.RowsEventDecodeFunc = func(*replication.RowsEvent, []byte) error { return nil }
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	stream, err := syncer.StartSync(gomysql.Position{Name: file, Pos: 4})
	if err != nil {
		return 0, r.binlogErrAs(err, Offset{File: file, Pos: 4}, serverID)
	}
	ctx, cancel := withTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	for {
		ev, err := stream.GetEvent(ctx)
		if err != nil {
			return 0, r.binlogErrAs(err, Offset{File: file, Pos: 4}, serverID)
		}
		if _, ok := ev.Event.(*replication.FormatDescriptionEvent); ok && ev.Header.Timestamp > 0 {
			return ev.Header.Timestamp, nil
		}
	}
}
