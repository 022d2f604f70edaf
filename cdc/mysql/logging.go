package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	sqldriver "github.com/go-sql-driver/mysql"

	secrets "github.com/rtdw/rtdw/internal/redact"
)

// observer is where a source reports what it does: its logger, the loggers
// it gives its drivers, and its hooks.
type observer struct {
	// log takes the source's own records; a discarding logger when
	// Config.Logger is nil.
	log *slog.Logger
	// goMySQL is the Logger of every go-mysql BinlogSyncerConfig the source
	// makes (see [newGoMySQLLogger]).
	goMySQL *slog.Logger
	// driver is the Logger of the go-sql-driver connections.
	driver sqldriver.Logger
	hooks  hookSet
	// password is redacted from every record.
	password string
}

func newObserver(cfg Config) *observer {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &observer{
		log:      log,
		goMySQL:  newGoMySQLLogger(log.Handler(), cfg.Password),
		driver:   driverLogger{log: log.With("component", "go-sql-driver"), secret: cfg.Password},
		hooks:    newHookSet(cfg.Hooks),
		password: cfg.Password,
	}
}

// redact removes the password from an error's text.
func (o *observer) redact(err error) error { return redact(err, o.password) }

// newGoMySQLLogger returns the logger for go-mysql's BinlogSyncer: its
// records go to h with component=go-mysql, one level lower than go-mysql
// gives them and never below Debug. go-mysql logs at Info each connection it
// makes and closes (the snapshot makes one per chunk), and at Error every
// lost connection, which the source may well re-establish: the source
// itself logs a lost connection at Warn and, at Error, only what ends Run.
func newGoMySQLLogger(h slog.Handler, secret string) *slog.Logger {
	h = h.WithAttrs([]slog.Attr{slog.String("component", "go-mysql")})
	return slog.New(&lowerLevelHandler{inner: h, secret: secret})
}

// lowerLevelHandler passes records to inner one level lower (Error as Warn,
// Warn as Info, Info as Debug), with a secret redacted from their text.
type lowerLevelHandler struct {
	inner  slog.Handler
	secret string
}

func lowerLevel(l slog.Level) slog.Level {
	switch {
	case l >= slog.LevelError:
		return slog.LevelWarn
	case l >= slog.LevelWarn:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

func (h *lowerLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, lowerLevel(l))
}

func (h *lowerLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, lowerLevel(r.Level), h.redactString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redactAttr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *lowerLevelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.redactAttr(a)
	}
	return &lowerLevelHandler{inner: h.inner.WithAttrs(red), secret: h.secret}
}

func (h *lowerLevelHandler) WithGroup(name string) slog.Handler {
	return &lowerLevelHandler{inner: h.inner.WithGroup(name), secret: h.secret}
}

func (h *lowerLevelHandler) redactString(s string) string { return secrets.String(s, h.secret) }

// redactAttr replaces a value whose text holds the secret by that text
// redacted; other values are left as they are.
func (h *lowerLevelHandler) redactAttr(a slog.Attr) slog.Attr {
	if h.secret == "" {
		return a
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); strings.Contains(s, h.secret) {
			return slog.String(a.Key, h.redactString(s))
		}
	case slog.KindAny:
		if s := fmt.Sprintf("%+v", v.Any()); strings.Contains(s, h.secret) {
			return slog.String(a.Key, h.redactString(s))
		}
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = h.redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// driverLogger takes go-sql-driver's messages (it has no levels; it reports
// connection errors it mostly recovers from) at Warn.
type driverLogger struct {
	log    *slog.Logger
	secret string
}

// Print logs one message of go-sql-driver.
func (d driverLogger) Print(v ...any) {
	d.log.Warn(secrets.String(strings.TrimSpace(fmt.Sprint(v...)), d.secret))
}

// phaseChanged logs a change of phase and calls the hooks; err is Run's
// result when the source stopped.
func (o *observer) phaseChanged(from Phase, p Progress, err error) {
	switch {
	case p.Phase == PhaseStopped && err != nil:
		o.log.Error("mysql source: stopped by an error", "from", from, "err", o.redact(err),
			"snapshot_rows", p.SnapshotRows, "binlog_events", p.BinlogEvents, "offset", p.Offset.String())
	case p.Phase == PhaseStopped:
		o.log.Info("mysql source: stopped", "from", from,
			"snapshot_rows", p.SnapshotRows, "binlog_events", p.BinlogEvents, "offset", p.Offset.String())
	case p.Phase == PhaseBinlog:
		o.log.Info("mysql source: streaming the binlog", "from", from, "offset", p.Offset.String())
	default:
		o.log.Info("mysql source: phase "+string(p.Phase), "from", from)
	}
	e := PhaseChange{From: from, To: p.Phase, Err: err}
	for _, h := range o.hooks.phase {
		h.OnPhaseChange(e)
	}
}

// runStarting logs the start of a Run and puts the source in PhaseStarting
// (a second Run starts from PhaseStopped).
func (s *Source) runStarting() {
	s.obs.log.Info("mysql source: starting", "name", s.cfg.Name,
		"server", net.JoinHostPort(s.cfg.Hostname, strconv.Itoa(s.cfg.Port)), "startup", s.cfg.StartupOptions.String())
	s.progress.setPhase(PhaseStarting, nil)
}

// serverDetected logs what the source learned about the server.
func (r *runner) serverDetected() {
	r.src.obs.log.Info("mysql source: connected", "flavor", r.server.flavor, "version", r.server.version)
}

// checkpointLoaded logs where the run resumes, or that it starts afresh.
func (r *runner) checkpointLoaded(resumed bool) {
	switch {
	case !resumed:
		r.src.obs.log.Info("mysql source: no stored checkpoint; starting afresh", "startup", r.cfg.StartupOptions.String())
	case r.cp.Snapshot != nil && !r.cp.Snapshot.Done:
		r.src.obs.log.Info("mysql source: resuming the snapshot from the stored checkpoint", "offset", r.cp.Offset.String())
	default:
		r.src.obs.log.Info("mysql source: resuming from the stored checkpoint", "offset", r.cp.Offset.String())
	}
}

// snapshotRun follows one Run's snapshot, for its logs and hooks.
type snapshotRun struct {
	began   time.Time
	tables  int
	resumed int // chunks delivered by earlier runs
	chunks  int // chunks delivered by this run
	rows    int64
}

// snapshotStarted logs the start of the snapshot phase.
func (r *runner) snapshotStarted(tables, chunks, resumed int) *snapshotRun {
	p := r.src.progress.get()
	r.src.obs.log.Info("mysql source: snapshot starting", "tables", tables, "chunks", chunks,
		"chunks_resumed", resumed, "rows_estimate", p.RowsEstimate)
	return &snapshotRun{began: time.Now(), tables: tables, resumed: resumed}
}

// chunkDelivered logs a chunk whose rows the sink has.
func (r *runner) chunkDelivered(sr *snapshotRun, res chunkResult, total int) {
	sr.chunks++
	sr.rows += int64(len(res.rows))
	r.src.obs.log.Debug("mysql source: snapshot chunk delivered", "table", res.task.table.id.String(), "chunk", res.task.index,
		"rows", len(res.rows), "deletes", len(res.deletes), "high_watermark", res.hw.String(),
		"chunks_done", sr.resumed+sr.chunks, "chunks_total", total)
}

// snapshotFinished logs the end of the snapshot and calls the hooks.
func (r *runner) snapshotFinished(sr *snapshotRun) {
	e := SnapshotDone{Tables: sr.tables, Chunks: sr.chunks, ChunksResumed: sr.resumed, Rows: sr.rows, Duration: time.Since(sr.began)}
	r.src.obs.log.Info("mysql source: snapshot done", "tables", e.Tables, "chunks", e.Chunks,
		"chunks_resumed", e.ChunksResumed, "rows", e.Rows, "took", e.Duration)
	for _, h := range r.src.obs.hooks.snapshot {
		h.OnSnapshotDone(e)
	}
}

// binlogConnectFailed logs a lost (or failed first) binlog connection that
// the source will try to make again at from for up to budget.
func (b *binlogReader) binlogConnectFailed(cause error, from Offset, budget time.Duration) {
	b.r.src.obs.log.Warn("mysql source: binlog connection failed; reconnecting", "err", b.r.src.obs.redact(cause),
		"offset", from.String(), "max_reconnect_duration", budget)
}

// binlogAttemptFailed logs one failed attempt to reconnect.
func (b *binlogReader) binlogAttemptFailed(attempt int, err error, wait time.Duration) {
	b.r.src.obs.log.Debug("mysql source: binlog reconnect attempt failed", "attempt", attempt,
		"err", b.r.src.obs.redact(err), "next_in", wait)
}

// binlogReconnected logs a binlog connection made again and calls the
// hooks; the caller has counted it in Progress.Reconnects.
func (b *binlogReader) binlogReconnected(cause error, from Offset, attempts int, lostAt time.Time) {
	o := b.r.src.obs
	e := Reconnect{Attempts: attempts, Cause: o.redact(cause), Downtime: time.Since(lostAt), Offset: from,
		Reconnects: b.r.src.progress.get().Reconnects}
	o.log.Info("mysql source: binlog connection re-established", "attempts", e.Attempts, "downtime", e.Downtime,
		"offset", from.String(), "reconnects", e.Reconnects)
	for _, h := range o.hooks.reconnect {
		h.OnReconnect(e)
	}
}

// addMariaDBGTID moves set's position in gtid's domain to gtid, as go-mysql's
// MariadbGTIDSet.AddSet does, without the warning AddSet writes through
// slog's default logger (to stderr, past the source's Logger) when gtid is
// not after the position. That happens when a replay starts before the
// GTID set read with it (a snapshot's high watermark reads the file
// position and the GTID position one after the other), and the position
// then follows the binlog as AddSet makes it. It reports whether gtid was
// not after the set's position.
func addMariaDBGTID(set *gomysql.MariadbGTIDSet, gtid *gomysql.MariadbGTID) (outOfOrder bool) {
	if gtid == nil {
		return false
	}
	cur, ok := set.Sets[gtid.DomainID]
	if !ok {
		set.Sets[gtid.DomainID] = gtid.Clone()
		return false
	}
	outOfOrder = gtid.SequenceNumber <= cur.SequenceNumber
	cur.ServerID, cur.SequenceNumber = gtid.ServerID, gtid.SequenceNumber
	return outOfOrder
}
