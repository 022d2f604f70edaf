package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// chunkConn is the connection one snapshot reader reads its chunks on, and
// runs the statements around each chunk's SELECT on (a consistent-snapshot
// transaction, binlog positions): they must share the SELECT's session.
// A reader opens one, reuses it for all its chunks, and closes it when the
// snapshot ends. It is not safe for concurrent use.
type chunkConn interface {
	// connect opens the connection unless it is open. The other methods
	// connect too when they need to.
	connect(ctx context.Context) error
	// exec runs a statement that returns no rows. A COMMIT or ROLLBACK
	// after a call closed or broke the connection does nothing: that ended
	// the transaction.
	exec(ctx context.Context, query string) error
	// queryStrings runs a query and returns its rows as text (NULL as "")
	// and its column names.
	queryStrings(ctx context.Context, query string) (rows [][]string, columns []string, err error)
	// selectRows runs a SELECT of cols, with args in place of its ?
	// placeholders, and returns the rows as canonical values (see
	// [decodeText]). sizeHint is the number of rows expected.
	selectRows(ctx context.Context, query string, args []any, cols []cdc.Column, sizeHint int) ([]cdc.Row, error)
	// close closes the connection; a later call opens another.
	close() error
}

// clientChunkConn is a chunkConn over go-mysql's client: rows arrive as
// []gomysql.FieldValue parsed from one reused packet buffer, and are
// decoded by decodeFieldValue without boxing every value twice, as
// database/sql's driver.Value rows would (see BenchmarkSelectChunk).
//
// Its session is the one the source's database/sql pool sets up (see
// [runner.sqlConfig]): the same address, user, TLS configuration,
// collation (go-sql-driver's default, utf8mb4_general_ci) and time_zone
// '+00:00'.
type clientChunkConn struct {
	cfg *resolvedConfig
	// conn is the client, raw the network connection under it (TLS or
	// not), whose deadline interrupts a call when its context ends.
	conn *client.Conn
	raw  net.Conn
	// broken is set when a call left the connection in an unknown state
	// (its context ended, rows were left unread): the next call reconnects.
	broken bool
	// noBackslashEscapes is the session's NO_BACKSLASH_ESCAPES, which
	// decides how a string literal is escaped.
	noBackslashEscapes bool
	// used is when the connection last answered; connect checks it when
	// it has been idle for longer than idle.
	used   time.Time
	idle   time.Duration
	result gomysql.Result
}

// chunkConnCollation is the collation go-sql-driver asks for when
// connecting (its defaultCollationID, 45), which the database/sql pool
// uses: MariaDB does not know go-mysql's default, utf8mb4_0900_ai_ci.
const chunkConnCollation = "utf8mb4_general_ci"

// newChunkConn returns a chunkConn that connects on first use.
func (r *runner) newChunkConn() chunkConn {
	return &clientChunkConn{cfg: r.cfg, idle: chunkConnIdle}
}

func (c *clientChunkConn) connect(ctx context.Context) error {
	if c.conn != nil && !c.broken && time.Since(c.used) > c.idle {
		// The server may have closed a connection idle for a while
		// (wait_timeout, a restart, a proxy): find out before a chunk
		// starts on it, as database/sql checks a pooled one.
		if err := c.call(ctx, c.conn.Ping); err != nil {
			c.broken = true
		}
	}
	if c.conn != nil && !c.broken {
		return nil
	}
	return c.dial(ctx)
}

// chunkConnIdle is how long a reader's connection may stay unused before
// connect checks that it still works.
const chunkConnIdle = time.Second

// dial opens the connection and sets up its session. Its errors carry the
// server's, never the password.
func (c *clientChunkConn) dial(ctx context.Context) error {
	c.drop()
	addr := net.JoinHostPort(c.cfg.Hostname, strconv.Itoa(c.cfg.Port))
	ctx, cancel := withTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	// raw is set by the dialer and read by the AfterFunc that interrupts
	// the handshake when ctx ends.
	var mu sync.Mutex
	var raw net.Conn
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		// The handshake and the session's setup are bounded by ctx too.
		if d, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(d)
		}
		mu.Lock()
		raw = conn
		mu.Unlock()
		return conn, nil
	}
	opts := []client.Option{func(cc *client.Conn) error { return cc.SetCollation(chunkConnCollation) }}
	if tc := c.cfg.TLS; tc != nil {
		// As go-sql-driver does: verify the certificate against the host
		// name unless the configuration names a server or skips checks.
		if tc.ServerName == "" && !tc.InsecureSkipVerify {
			tc = tc.Clone()
			tc.ServerName = c.cfg.Hostname
		}
		opts = append(opts, func(cc *client.Conn) error { cc.SetTLSConfig(tc); return nil })
	}
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if raw != nil {
			_ = raw.SetDeadline(time.Unix(1, 0))
		}
	})
	conn, err := client.ConnectWithDialer(ctx, "tcp", addr, c.cfg.Username, c.cfg.Password, "", dial, opts...)
	var res *gomysql.Result
	if err == nil {
		res, err = conn.Execute("SET time_zone = '+00:00'")
	}
	if !stop() || ctx.Err() != nil {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return err
	}
	_ = raw.SetDeadline(time.Time{})
	c.conn, c.raw, c.used = conn, raw, time.Now()
	c.status(res.Status)
	return nil
}

// status notes the session's state from a result's status flags.
func (c *clientChunkConn) status(flags uint16) {
	c.noBackslashEscapes = flags&gomysql.SERVER_STATUS_NO_BACKSLASH_ESCAPED != 0
}

// drop closes the connection, if any.
func (c *clientChunkConn) drop() {
	if c.conn != nil {
		c.conn.Close()
	}
	c.conn, c.raw, c.broken = nil, nil, false
}

func (c *clientChunkConn) close() error {
	c.drop()
	return nil
}

// call runs fn on the connection, connecting first if it has none or the
// last call broke it. When ctx ends, the connection's deadline stops fn's
// I/O, and the connection is dropped.
func (c *clientChunkConn) call(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.conn == nil || c.broken {
		if err := c.dial(ctx); err != nil {
			return err
		}
	}
	raw := c.raw
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	err := fn()
	c.used = time.Now()
	if !stop() {
		c.broken = true
		return errors.Join(ctx.Err(), err)
	}
	var me *gomysql.MyError
	if err != nil && !errors.As(err, &me) {
		// Not the server's answer to the statement: the connection may
		// have lost its place in the protocol.
		c.broken = true
	}
	return err
}

func (c *clientChunkConn) exec(ctx context.Context, query string) error {
	if (c.conn == nil || c.broken) && (strings.EqualFold(query, "COMMIT") || strings.EqualFold(query, "ROLLBACK")) {
		// Closing the connection ended its transaction: nothing to end,
		// and no reason to connect.
		c.drop()
		return nil
	}
	return c.call(ctx, func() error {
		res, err := c.conn.Execute(query)
		if err == nil {
			c.status(res.Status)
			res.Close()
		}
		return err
	})
}

func (c *clientChunkConn) queryStrings(ctx context.Context, query string) (rows [][]string, columns []string, err error) {
	err = c.call(ctx, func() error {
		res, err := c.conn.Execute(query)
		if err != nil {
			return err
		}
		defer res.Close()
		c.status(res.Status)
		if res.Resultset == nil {
			return nil
		}
		for _, f := range res.Fields {
			columns = append(columns, string(f.Name))
		}
		for _, vals := range res.Values {
			row := make([]string, len(vals))
			for i := range vals {
				row[i] = fieldText(&vals[i])
			}
			rows = append(rows, row)
		}
		return nil
	})
	return rows, columns, err
}

// fieldText is a value's text as the server sent it; "" for NULL.
func fieldText(v *gomysql.FieldValue) string {
	switch v.Type {
	case gomysql.FieldValueTypeNull:
		return ""
	case gomysql.FieldValueTypeString:
		return string(v.AsString())
	}
	return v.String()
}

func (c *clientChunkConn) selectRows(ctx context.Context, query string, args []any, cols []cdc.Column, sizeHint int) ([]cdc.Row, error) {
	n := len(cols)
	rows := make([]cdc.Row, 0, sizeHint)
	var slab []any
	var strs stringArena
	var decodeErr error
	err := c.call(ctx, func() error {
		q, err := interpolate(query, args, c.noBackslashEscapes)
		if err != nil {
			return err
		}
		onResult := func(res *gomysql.Result) error {
			if len(res.Fields) != n {
				return fmt.Errorf("query returned %d columns, want %d", len(res.Fields), n)
			}
			return nil
		}
		onRow := func(vals []gomysql.FieldValue) error {
			// Rows are cut from slabs of 256: one allocation instead of 256.
			if len(slab) < n {
				slab = make([]any, n*256)
			}
			row := cdc.Row(slab[:n:n])
			slab = slab[n:]
			for i := range cols {
				if err := decodeFieldValue(&cols[i], &vals[i], &strs, &row[i]); err != nil {
					decodeErr = err
					return err
				}
			}
			rows = append(rows, row)
			return nil
		}
		// A callback's error leaves rows unread; call drops the
		// connection for any error but the server's.
		if err := c.conn.ExecuteSelectStreaming(q, &c.result, onRow, onResult); err != nil {
			return err
		}
		c.status(c.result.Status)
		return nil
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// interpolate puts args, integers or strings, in place of the ? of query
// outside backquoted identifiers, as go-sql-driver's InterpolateParams
// does: a string becomes a quoted literal in the connection's character
// set, escaped for the session's NO_BACKSLASH_ESCAPES.
func interpolate(query string, args []any, noBackslashEscapes bool) (string, error) {
	if len(args) == 0 {
		return query, nil
	}
	var b strings.Builder
	b.Grow(len(query) + 32*len(args))
	next, quoted := 0, false
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '`':
			quoted = !quoted // a doubled `` inside toggles twice
		case ch == '?' && !quoted:
			if next == len(args) {
				return "", fmt.Errorf("query has more placeholders than its %d arguments", len(args))
			}
			switch v := args[next].(type) {
			case int64:
				b.WriteString(strconv.FormatInt(v, 10))
			case uint64:
				b.WriteString(strconv.FormatUint(v, 10))
			case string:
				b.WriteByte('\'')
				if noBackslashEscapes {
					b.WriteString(strings.ReplaceAll(v, "'", "''"))
				} else {
					b.WriteString(gomysql.Escape(v))
				}
				b.WriteByte('\'')
			default:
				return "", fmt.Errorf("query argument %d: unsupported type %T", next+1, v)
			}
			next++
			continue
		}
		b.WriteByte(ch)
	}
	if next != len(args) {
		return "", fmt.Errorf("query has %d placeholders for %d arguments", next, len(args))
	}
	return b.String(), nil
}
