package mysql

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// While the source streams, it measures how long the server will keep the
// binlog file its last checkpoint needs: a server purges a binlog file once
// binlog_expire_logs_seconds (expire_logs_days on older MariaDB) have
// passed since the file was last written, that is since the next file was
// opened, at its next log rotation, FLUSH BINARY LOGS or restart. A source
// that falls that far behind loses its place ([ErrBinlogPurged]), so
// Progress.BinlogRetentionLeft shows the time left and a warning is logged
// once less than a quarter of the retention is left.

// defaultRetentionCheckInterval is how often the binlog phase measures
// the retention left.
const defaultRetentionCheckInterval = 10 * time.Second

// retentionCheckNanos, when not 0, replaces defaultRetentionCheckInterval:
// tests shorten it.
var retentionCheckNanos atomic.Int64

// retentionWarnEvery bounds how often the retention warning is repeated for
// one file.
const retentionWarnEvery = 10 * time.Minute

// retentionMonitor measures how long the server keeps the checkpoint's
// binlog file.
type retentionMonitor struct {
	r *runner
	// expire is the server's binlog retention; 0 when it purges no binlog
	// by age.
	expire time.Duration
	// probeID is the server id of the connection that reads a file's first
	// event, one the binlog reader does not use (MariaDB drops a
	// connection whose id another takes); 0 when there is none.
	probeID uint32
	// file is the checkpoint's binlog file last measured, and closed when
	// the server closed it (the next file's first event); zero while file
	// was the newest file.
	file     string
	closed   time.Time
	warned   string
	lastWarn time.Time
}

// watchRetention starts measuring the retention left while ctx lives, and
// returns the function that stops it. It measures nothing, and leaves
// BinlogRetentionLeft 0, when the server does not expire binlogs or its
// settings cannot be read.
func (r *runner) watchRetention(ctx context.Context) (stop func()) {
	expire, err := r.binlogExpiry(ctx)
	if err != nil || expire <= 0 {
		r.src.progress.update(false, func(p *Progress) { p.BinlogRetentionLeft = 0 })
		return func() {}
	}
	m := &retentionMonitor{r: r, expire: expire}
	switch ids := r.cfg.serverIDs; {
	case len(ids) > 1:
		m.probeID = ids[len(ids)-1]
	case r.server.flavor == gomysql.MySQLFlavor:
		// MySQL tells go-mysql's connections apart by the random replica
		// UUID each sends, so the reader's id is safe to share.
		m.probeID = ids[0]
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		every := defaultRetentionCheckInterval
		if n := retentionCheckNanos.Load(); n > 0 {
			every = time.Duration(n)
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m.check(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
		// Not measured any more: a stale figure would mislead.
		r.src.progress.update(false, func(p *Progress) { p.BinlogRetentionLeft = 0 })
	}
}

// binlogExpiry reads the server's binlog retention: 0 when it does not
// purge binlogs by age.
func (r *runner) binlogExpiry(ctx context.Context) (time.Duration, error) {
	rows, err := r.db.QueryContext(ctx, `SHOW GLOBAL VARIABLES WHERE Variable_name IN
('binlog_expire_logs_seconds', 'expire_logs_days', 'binlog_expire_logs_auto_purge')`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vars := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return 0, err
		}
		vars[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return binlogExpiryOf(vars), nil
}

// binlogExpiryOf is the retention the server variables vars give.
func binlogExpiryOf(vars map[string]string) time.Duration {
	if strings.EqualFold(vars["binlog_expire_logs_auto_purge"], "OFF") {
		return 0
	}
	if s, err := strconv.ParseFloat(vars["binlog_expire_logs_seconds"], 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if d, err := strconv.ParseFloat(vars["expire_logs_days"], 64); err == nil && d > 0 {
		return time.Duration(d * 24 * float64(time.Hour))
	}
	return 0
}

// check measures the retention left for the checkpoint's file once.
func (m *retentionMonitor) check(ctx context.Context) {
	r := m.r
	off := r.src.progress.get().Offset
	if off.File == "" {
		return // a position with only a GTID set, until the first transaction after a move
	}
	files, err := r.binaryLogs(ctx)
	if err != nil {
		return
	}
	i := slices.Index(files, off.File)
	switch {
	case i < 0:
		m.warn(off.File, 0, "the server no longer has the binlog file the checkpoint needs; the next connection fails with ErrBinlogPurged")
		return
	case i == len(files)-1:
		m.file, m.closed = off.File, time.Time{}
	case off.File != m.file || m.closed.IsZero():
		m.file, m.closed = off.File, time.Now()
		if m.probeID != 0 {
			if ts, err := r.firstEventTimeAs(ctx, files[i+1], m.probeID, "binlog-retention"); err == nil {
				m.closed = time.Unix(int64(ts), 0)
			}
		}
	}
	left := m.expire
	if !m.closed.IsZero() {
		left -= time.Since(m.closed)
	}
	r.src.progress.update(false, func(p *Progress) { p.BinlogRetentionLeft = left })
	if left < m.expire/4 {
		m.warn(off.File, left, "the source is far behind: the server will soon purge the binlog file the checkpoint needs, and the source would lose its place (ErrBinlogPurged); speed up the sink, or raise binlog_expire_logs_seconds")
	}
}

// warn logs msg about file, at most every retentionWarnEvery for one file.
func (m *retentionMonitor) warn(file string, left time.Duration, msg string) {
	if file == m.warned && time.Since(m.lastWarn) < retentionWarnEvery {
		return
	}
	m.warned, m.lastWarn = file, time.Now()
	m.r.src.obs.log.Warn("mysql source: "+msg, "binlog_file", file, "retention_left", left.Round(time.Second), "retention", m.expire)
}
