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

// clientChunkConn is a chunkConn over go-mysql's client, which connects and
// runs statements; selectRows reads its rows on the connection itself (see
// [textResult]) and decodes each field's text in place with
// decodeTextInto, without go-mysql's copies and []FieldValue rows, nor
// database/sql's boxed driver.Value rows (see BenchmarkSelectChunk).
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
	used time.Time
	idle time.Duration
	// caps are the capabilities the session negotiated; options, more
	// options for go-mysql's client when it connects (tests set them).
	caps    uint32
	options []client.Option
	// packets reads the rows of selectRows's queries, result is the one
	// being read, and cmd the buffer its query is sent from.
	packets packetReader
	result  textResult
	cmd     []byte
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
	opts = append(opts, c.options...)
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
	c.caps = negotiatedCapabilities(conn)
	c.status(res.Status)
	return nil
}

// negotiatedCapabilities returns the capability flags conn's session
// negotiated, which go-mysql shows only by their names (HasCapability
// reports the client's requests).
func negotiatedCapabilities(conn *client.Conn) uint32 {
	var caps uint32
	for name := range strings.SplitSeq(conn.CapabilityString(), "|") {
		for flag, n := range gomysql.CapNames {
			if n == name {
				caps |= flag
			}
		}
	}
	return caps
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
	c.packets = packetReader{}
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
	var rows []cdc.Row
	err := c.call(ctx, func() error {
		q, err := interpolate(query, args, c.noBackslashEscapes)
		if err != nil {
			return err
		}
		res, err := c.query(q)
		if err != nil {
			return err
		}
		if rows, err = readTextRows(res, cols, sizeHint); err != nil {
			return err
		}
		c.status(res.status)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// readTextRows reads the rows of res, a SELECT of cols, as canonical
// values; sizeHint is the number of rows expected. An error other than the
// server's (a *gomysql.MyError) leaves rows unread.
func readTextRows(res *textResult, cols []cdc.Column, sizeHint int) ([]cdc.Row, error) {
	n := len(cols)
	if res.columns != n {
		return nil, fmt.Errorf("query returned %d columns, want %d", res.columns, n)
	}
	rows := make([]cdc.Row, 0, sizeHint)
	var slab []any
	var strs stringArena
	for {
		p, err := res.next()
		if err != nil {
			return nil, err
		}
		if p == nil {
			return rows, nil
		}
		// Rows are cut from slabs of 256: one allocation instead of 256.
		if len(slab) < n {
			slab = make([]any, n*256)
		}
		row := cdc.Row(slab[:n:n])
		slab = slab[n:]
		if err := decodeTextRow(cols, p, &strs, row); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// query sends a query, and reads its response up to the first row of its
// result set (see [textResult]). An error other than the server's leaves
// the connection in an unknown state: call drops it, as it drops it when a
// caller stops reading the rows before their end.
func (c *clientChunkConn) query(q string) (*textResult, error) {
	pc := c.conn.Conn
	if pc.Compression != gomysql.MYSQL_COMPRESS_NONE {
		return nil, errors.New("mysql: internal error: a snapshot reader's connection is compressed")
	}
	// COM_QUERY, with an empty set of query attributes when the session
	// has CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23 and later).
	cmd := append(c.cmd[:0], 0, 0, 0, 0, gomysql.COM_QUERY)
	if c.caps&gomysql.CLIENT_QUERY_ATTRIBUTES != 0 {
		cmd = append(cmd, 0, 1) // no parameters, one parameter set
	}
	cmd = append(cmd, q...)
	c.cmd = cmd[:0]
	pc.ResetSequence()
	if err := pc.WritePacket(cmd); err != nil {
		return nil, err
	}
	if c.packets.conn != pc.Conn {
		c.packets = packetReader{conn: pc.Conn, buf: make([]byte, packetReaderBuffer)}
	}
	c.packets.start, c.packets.end, c.packets.seq = 0, 0, pc.Sequence
	res := &c.result
	*res = textResult{r: &c.packets, deprecateEOF: c.caps&gomysql.CLIENT_DEPRECATE_EOF != 0}
	if err := res.start(); err != nil {
		return nil, err
	}
	return res, nil
}

// decodeTextRow decodes a text-protocol row's payload, its fields one
// after the other, each NULL (0xFB) or a length-encoded string, into row,
// with decodeTextInto.
func decodeTextRow(cols []cdc.Column, p []byte, strs *stringArena, row cdc.Row) error {
	at := 0
	for i := range cols {
		if at < len(p) && p[at] == 0xFB {
			row[i] = nil
			at++
			continue
		}
		size, w := lengthEncoded(p[at:])
		if w == 0 || size > uint64(len(p)-at-w) {
			return fmt.Errorf("mysql protocol: row field %d of %d is cut short", i+1, len(cols))
		}
		at += w
		end := at + int(size)
		if err := decodeTextInto(&cols[i], p[at:end:end], strs, &row[i]); err != nil {
			return err
		}
		at = end
	}
	if at != len(p) {
		return fmt.Errorf("mysql protocol: row of %d bytes has %d after its %d fields", len(p), len(p)-at, len(cols))
	}
	return nil
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
