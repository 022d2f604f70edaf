package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/retry"
)

// Source captures changes from a MySQL or MariaDB server: a chunked,
// lock-free snapshot of the captured tables followed by their binlog, as
// Flink CDC's MySqlSource does. Build one with [NewSource] or
// [NewSourceFromConfig]; [Source.Run] captures until its context ends,
// storing checkpoints in the configured [cdc.OffsetStore] so that the next
// Run resumes where this one stopped.
type Source struct {
	cfg      *resolvedConfig
	progress progressTracker
	obs      *observer // logs and hooks
	// testHooks are the snapshot readers' hooks for tests; nil otherwise.
	testHooks *snapshotTestHooks

	mu      sync.Mutex
	running bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewSourceFromConfig validates cfg and returns a source. It does no I/O
// and does not modify cfg; the error, a *[ConfigError], lists every invalid
// field.
func NewSourceFromConfig(cfg Config) (*Source, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: r, obs: newObserver(r.Config)}
	s.progress.fn = r.Progress
	s.progress.phaseChanged = s.obs.phaseChanged
	s.progress.p.Phase = PhaseStarting
	return s, nil
}

// Config returns the configuration the source runs with: every field where
// zero means the default holds the value in effect (the default port and
// sizes, the ServerID range picked at random, the SnapshotParallelism
// derived from it, the in-memory OffsetStore), not the zero it was given;
// fields where zero is a setting keep it. Passing it to
// [NewSourceFromConfig] makes a source that behaves the same, sharing
// its OffsetStore. The slices and map in it are copies.
func (s *Source) Config() Config { return s.cfg.Config.clone() }

// Progress returns the source's current progress.
func (s *Source) Progress() Progress { return s.progress.get() }

// Run captures changes and hands them to sink until ctx ends or an error it
// cannot recover from, then returns. A checkpoint is stored only after
// sink's Flush returned: a crash at any moment loses nothing the checkpoint
// claims.
//
// When ctx ends, in whatever phase (connecting, checking the server,
// loading the checkpoint or the schemas, the snapshot, the binlog), Run
// stops normally: it delivers the transactions it has read in full, flushes
// the sink, saves the checkpoint when anything was
// delivered since the last save, and returns nil; only a failure of that
// final flush or save, bounded by ShutdownTimeout, is returned. A stop
// before anything was delivered saves nothing, so the next Run starts as
// this one did.
//
// Otherwise Run returns an error when the server cannot be used (each error
// says how to fix it), when the stored checkpoint cannot be used
// ([ErrInvalidCheckpoint]), when the sink returns one, or when the binlog
// connection stays lost for MaxReconnectDuration. With [SnapshotOnly] it
// returns nil once the snapshot is delivered.
//
// Run resumes from the checkpoint in the OffsetStore, if any: changes of
// transactions the previous run had checkpointed are not delivered again.
// Only one Run may be in progress at a time.
func (s *Source) Run(ctx context.Context, sink cdc.Sink) (err error) {
	if sink == nil {
		return errors.New("mysql: Run needs a sink (wrap a handler that buffers nothing with cdc.Unbuffered)")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSourceClosed
	}
	if s.running {
		s.mu.Unlock()
		return ErrAlreadyRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	s.running, s.cancel, s.done = true, cancel, make(chan struct{})
	done := s.done
	s.mu.Unlock()
	s.runStarting()
	defer func() {
		cancel()
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
		s.progress.setPhase(PhaseStopped, err)
		close(done)
	}()
	r := &runner{src: s, cfg: s.cfg, sink: sink}
	// Every phase's result goes through stopped, so a ctx that ends in any
	// of them is the same normal stop.
	err = r.stopped(ctx, r.run(ctx))
	r.closeDB()
	if r.snapshotNeeded(ctx, err) {
		r = &runner{src: s, cfg: s.cfg, sink: sink, resnapshot: true}
		err = r.stopped(ctx, r.run(ctx))
		r.closeDB()
	}
	return redact(err, s.cfg.Password)
}

// Close stops a running Run, waits for it to return, and makes later Run
// calls fail with [ErrSourceClosed]. It is safe to call more than once.
func (s *Source) Close() error {
	s.mu.Lock()
	s.closed = true
	cancel, done, running := s.cancel, s.done, s.running
	s.mu.Unlock()
	if running {
		cancel()
		<-done
	}
	return nil
}

// String describes the source without its password.
func (s *Source) String() string {
	return fmt.Sprintf("mysql.Source{%s@%s:%d %v}", s.cfg.Username, s.cfg.Hostname, s.cfg.Port, s.cfg.StartupOptions)
}

// serverInfo is what the source learned about the server.
type serverInfo struct {
	flavor  string // gomysql.MySQLFlavor or gomysql.MariaDBFlavor
	version string
	major   int
	minor   int
	// statusQuery is SHOW BINARY LOG STATUS (MySQL 8.2+) or SHOW MASTER STATUS.
	statusQuery string
	gtidMode    bool
}

// runner is one Run.
type runner struct {
	src    *Source
	cfg    *resolvedConfig
	sink   cdc.Sink
	db     *sql.DB
	server serverInfo

	watermarks *watermarkHistory

	cp       *checkpointState // the state delivered so far
	saved    *checkpointState // a copy of the checkpoint last saved, nil before the first save
	lastSave time.Time
	// saveTook is how long the last checkpoint save took (see
	// [runner.nextSave]).
	saveTook time.Duration
	dirty    bool
	// stopHandled is set once stopped has made the final save of a run
	// whose ctx ended.
	stopHandled bool

	// serverID identifies the server (see [binlogServer.ID]).
	serverID string
	// seqFile, seqFileNum and seqValue cache the number and the sequence
	// number (cdc.Source.BinlogSeq) of the binlog file of the last event.
	seqFile              string
	seqFileNum, seqValue uint64
	// resnapshot discards the checkpoint's positions and takes a new
	// snapshot: the binlog they need was purged and SnapshotWhenNeeded is
	// set.
	resnapshot bool
	// batch is the slice the snapshot's events are handed over in (see
	// [runner.emitChunk]).
	batch []cdc.Event
}

func (r *runner) closeDB() {
	if r.db != nil {
		r.db.Close()
	}
}

// sqlConfig is the go-sql-driver configuration of the source's connections.
func (r *runner) sqlConfig() *sqldriver.Config {
	c := sqldriver.NewConfig()
	c.User, c.Passwd = r.cfg.Username, r.cfg.Password
	c.Net, c.Addr = "tcp", net.JoinHostPort(r.cfg.Hostname, strconv.Itoa(r.cfg.Port))
	c.Timeout = r.cfg.ConnectTimeout // 0: none
	c.TLS = r.cfg.TLS
	c.Logger = r.src.obs.driver
	// Placeholders are interpolated so that every query uses the text
	// protocol (one round trip, and rows arrive as the text decodeText reads).
	c.InterpolateParams = true
	c.Params = map[string]string{"time_zone": "'+00:00'"}
	return c
}

// open connects the SQL pool: one attempt, bounded by ConnectTimeout, and
// ConnectMaxRetries more after failures.
func (r *runner) open(ctx context.Context) error {
	conn, err := sqldriver.NewConnector(r.sqlConfig())
	if err != nil {
		return sourceErr("connect", nil, err, "check Hostname and Port", "invalid connection settings")
	}
	r.db = sql.OpenDB(conn)
	r.db.SetMaxOpenConns(r.cfg.ConnectionPoolSize)
	r.db.SetMaxIdleConns(min(r.cfg.ConnectionPoolSize, r.cfg.parallelism+2))
	attempts := r.cfg.ConnectMaxRetries + 1
	_, last := retry.Policy{
		Backoff:     retry.Backoff{Initial: time.Second, Max: 30 * time.Second},
		MaxAttempts: attempts,
		// A refused login stays refused; a ctx that ended is a stop.
		Retryable: func(err error) bool { return ctx.Err() == nil && !isAccessDenied(err) },
	}.Do(ctx, func() error {
		pctx, cancel := withTimeout(ctx, r.cfg.ConnectTimeout)
		defer cancel()
		return r.db.PingContext(pctx)
	})
	switch {
	case last == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	addr := net.JoinHostPort(r.cfg.Hostname, strconv.Itoa(r.cfg.Port))
	if isAccessDenied(last) {
		return sourceErr("connect", ErrMissingPrivilege, last, "check Username and Password, and that the user may log in from this host",
			"login to %s as %q refused", addr, r.cfg.Username)
	}
	plural := "s"
	if attempts == 1 {
		plural = ""
	}
	return sourceErr("connect", nil, last, "check that the server runs and Hostname/Port reach it; raise ConnectTimeout or ConnectMaxRetries for a slow network",
		"cannot reach %s after %d attempt%s (ConnectMaxRetries %d)", addr, attempts, plural, r.cfg.ConnectMaxRetries)
}

// withTimeout is context.WithTimeout where a zero d, a setting of "no
// timeout", adds no deadline.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

func isAccessDenied(err error) bool {
	return serverErrorIs(err, 1045, 1044, 1227, 1142)
}

// serverErrorIs reports whether err is a server error, from go-sql-driver
// or from go-mysql's client, with one of the numbers.
func serverErrorIs(err error, numbers ...uint16) bool {
	var me *sqldriver.MySQLError
	if errors.As(err, &me) {
		return slices.Contains(numbers, me.Number)
	}
	var ge *gomysql.MyError
	return errors.As(err, &ge) && slices.Contains(numbers, ge.Code)
}

// binlogStatus reads the binlog status (file, position and executed GTID
// set) on q: a snapshot reader's connection, or the pool through
// sqlStrings.
func (r *runner) binlogStatus(ctx context.Context, q stringQuerier) (Offset, error) {
	rows, cols, err := q.queryStrings(ctx, r.server.statusQuery)
	if err != nil {
		if isAccessDenied(err) {
			return Offset{}, sourceErr("binlog status", ErrMissingPrivilege, err, r.grantFix(privReplClient),
				"%s needs the %s privilege", r.server.statusQuery, privReplClient.name(r.server.flavor))
		}
		return Offset{}, sourceErr("binlog status", nil, err, "", "%s failed", r.server.statusQuery)
	}
	if len(rows) == 0 || len(rows[0]) < 2 {
		return Offset{}, sourceErr("binlog status", ErrServerConfig, nil, "start the server with log_bin (--log-bin)", "the binary log is off")
	}
	vals := rows[0]
	off := Offset{File: vals[0]}
	off.Pos, _ = strconv.ParseUint(vals[1], 10, 64)
	for i, c := range cols {
		if strings.EqualFold(c, "Executed_Gtid_Set") && i < len(vals) {
			off.GTIDSet = strings.ReplaceAll(strings.TrimSpace(vals[i]), "\n", "")
		}
	}
	if r.server.flavor == gomysql.MariaDBFlavor {
		if g, _, err := q.queryStrings(ctx, "SELECT @@GLOBAL.gtid_binlog_pos"); err == nil && len(g) == 1 && len(g[0]) == 1 {
			off.GTIDSet = g[0][0]
		}
	}
	return off, nil
}

// stringQuerier runs a query and returns its rows as text, NULL as "",
// and its column names: a chunkConn, or database/sql through sqlStrings.
type stringQuerier interface {
	queryStrings(ctx context.Context, query string) (rows [][]string, columns []string, err error)
}

// sqlStrings is a stringQuerier over a database/sql pool or connection.
type sqlStrings struct {
	q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}
}

func (s sqlStrings) queryStrings(ctx context.Context, query string) ([][]string, []string, error) {
	rows, err := s.q.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out [][]string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, cols, rows.Err()
}

// syncerConfig is the go-mysql replication configuration for one server id;
// purpose names the syncer in its logs (syncer=purpose).
func (r *runner) syncerConfig(serverID uint32, purpose string) replication.BinlogSyncerConfig {
	c := replication.BinlogSyncerConfig{
		ServerID:         serverID,
		Flavor:           r.server.flavor,
		Host:             r.cfg.Hostname,
		Port:             uint16(r.cfg.Port),
		User:             r.cfg.Username,
		Password:         r.cfg.Password,
		TLSConfig:        r.cfg.TLS,
		DisableRetrySync: true,
		DiscardGTIDSet:   true,
		// The read-ahead while the handler is busy: FetchSize events, not
		// go-mysql's 10240, so that a slow sink holds memory in proportion
		// to the configured batch, not to whatever the server streams.
		EventCacheCount: max(r.cfg.FetchSize, 16),
		Logger:          r.src.obs.goMySQL.With("syncer", purpose, "server_id", serverID),
		Dialer:          (&net.Dialer{Timeout: r.cfg.ConnectTimeout}).DialContext, // 0: none
	}
	if r.cfg.HeartbeatInterval > 0 {
		c.HeartbeatPeriod = r.cfg.HeartbeatInterval
		c.ReadTimeout = 3*r.cfg.HeartbeatInterval + 5*time.Second
	}
	if r.server.flavor == gomysql.MariaDBFlavor {
		c.DumpCommandFlag = replication.BINLOG_SEND_ANNOTATE_ROWS_EVENT
	}
	configureBinlogSyncer(&c)
	return c
}
