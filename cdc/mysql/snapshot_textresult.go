package mysql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// A snapshot reader reads its chunks' rows with textResult: the result of
// a COM_QUERY in MySQL's text protocol, read straight from the reader's
// connection into one reused buffer, each row's fields cut from its packet
// in place. go-mysql's client, which still connects, authenticates and runs
// every other statement, would copy each packet twice through pooled
// buffers and parse every row into []FieldValue first (see
// BenchmarkSelectChunk, which keeps that path as its baseline).
//
// The protocol is request and response: after go-mysql has read a response
// to its end, nothing is left in its buffer, so the rows of the next query
// can be read from the connection under it; and after the last packet of
// the result, nothing is left in textResult's buffer, which end checks.

// maxPacketPayload is the largest payload of one packet: a payload of that
// size or more continues in the next packet, up to one shorter than it
// (possibly empty).
const maxPacketPayload = 1<<24 - 1

// packetReaderBuffer is the size of a packetReader's buffer. Packets that
// do not fit are read into a buffer of their own.
const packetReaderBuffer = 64 << 10

// packetReaderKeep is the most a packetReader keeps of a buffer it grew for
// a long payload once the result is read.
const packetReaderKeep = 1 << 20

// packetReader reads the packets of one response from conn.
type packetReader struct {
	conn net.Conn
	// buf[start:end] is what was read from conn and not yet consumed.
	buf        []byte
	start, end int
	// seq is the sequence number of the next packet.
	seq uint8
	// long holds a payload longer than buf, or split over several
	// packets.
	long []byte
}

// next returns the next packet's payload, joined with the packets it
// continues in. It is valid until the next call.
func (r *packetReader) next() ([]byte, error) {
	n, err := r.header()
	if err != nil {
		return nil, err
	}
	if n < maxPacketPayload && n <= len(r.buf) {
		if err := r.fill(n); err != nil {
			return nil, err
		}
		p := r.buf[r.start : r.start+n : r.start+n]
		r.start += n
		return p, nil
	}
	r.long = r.long[:0]
	for {
		if err := r.readLong(n); err != nil {
			return nil, err
		}
		if n < maxPacketPayload {
			return r.long, nil
		}
		if n, err = r.header(); err != nil {
			return nil, err
		}
	}
}

// header consumes a packet's header and returns the length of its payload.
func (r *packetReader) header() (int, error) {
	if err := r.fill(4); err != nil {
		return 0, err
	}
	h := r.buf[r.start : r.start+4]
	if h[3] != r.seq {
		return 0, fmt.Errorf("mysql protocol: packet number %d, want %d", h[3], r.seq)
	}
	r.seq++
	r.start += 4
	return int(h[0]) | int(h[1])<<8 | int(h[2])<<16, nil
}

// fill reads from conn until buf holds n unread bytes; n is at most
// len(buf).
func (r *packetReader) fill(n int) error {
	if r.end-r.start >= n {
		return nil
	}
	if r.start+n > len(r.buf) {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	for r.end-r.start < n {
		m, err := r.conn.Read(r.buf[r.end:])
		r.end += m
		if err != nil && r.end-r.start < n {
			return readErr(err)
		}
	}
	return nil
}

// readLong appends the n bytes of a payload to long: what buf holds of
// them, then the rest straight from conn.
func (r *packetReader) readLong(n int) error {
	have := min(n, r.end-r.start)
	r.long = append(r.long, r.buf[r.start:r.start+have]...)
	r.start += have
	at := len(r.long)
	r.long = slices.Grow(r.long, n-have)[:at+n-have]
	if _, err := io.ReadFull(r.conn, r.long[at:]); err != nil {
		return readErr(err)
	}
	return nil
}

// readErr is the error of a read that ended early.
func readErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("mysql protocol: reading a result: %w", err)
}

// textResult is the result set of one query being read: its rows come
// from rows, one payload each.
type textResult struct {
	r *packetReader
	// columns is the number of columns in a row.
	columns int
	// deprecateEOF is the session's CLIENT_DEPRECATE_EOF: the result ends
	// with an OK packet (flagged 0xFE) rather than an EOF packet, and no EOF
	// follows the column definitions.
	deprecateEOF bool
	// status holds the server's status flags once the result ended.
	status uint16
}

// start reads a query's response up to its first row: the column count
// and the column definitions, which it skips. A server error comes back as
// the *gomysql.MyError go-mysql returns, with the server's error number.
func (t *textResult) start() error {
	p, err := t.r.next()
	if err != nil {
		return err
	}
	switch {
	case len(p) == 0:
		return errors.New("mysql protocol: empty response to a query")
	case p[0] == gomysql.ERR_HEADER:
		if err := t.checkDrained(); err != nil {
			return err
		}
		return serverError(p)
	case p[0] == gomysql.OK_HEADER:
		return errors.New("mysql protocol: the query returned no result set")
	case p[0] == gomysql.LocalInFile_HEADER:
		return errors.New("mysql protocol: the server asked for a LOCAL INFILE")
	}
	count, w := lengthEncoded(p)
	if w == 0 || w != len(p) || count > 1<<16 {
		return fmt.Errorf("mysql protocol: bad column count packet % x", p[:min(len(p), 16)])
	}
	t.columns = int(count)
	for range t.columns {
		if _, err := t.r.next(); err != nil {
			return err
		}
	}
	if !t.deprecateEOF {
		p, err := t.r.next()
		if err != nil {
			return err
		}
		if !isEOF(p) {
			return fmt.Errorf("mysql protocol: no EOF packet after the column definitions (% x)", p[:min(len(p), 16)])
		}
	}
	return nil
}

// next returns the next row's payload, valid until the next call, or nil
// after the last row. A server error in the middle of the rows (a query
// interrupted, a table changed) comes back as a *gomysql.MyError.
func (t *textResult) next() ([]byte, error) {
	p, err := t.r.next()
	if err != nil {
		return nil, err
	}
	switch {
	case len(p) == 0:
		return nil, errors.New("mysql protocol: empty row packet")
	case isEOF(p):
		if err := t.end(p); err != nil {
			return nil, err
		}
		return nil, nil
	case p[0] == gomysql.ERR_HEADER:
		if err := t.checkDrained(); err != nil {
			return nil, err
		}
		return nil, serverError(p)
	}
	return p, nil
}

// end reads the status flags of the packet that ends the result.
func (t *textResult) end(p []byte) error {
	if t.deprecateEOF {
		// An OK packet: affected rows, last insert id, status flags,
		// warnings.
		_, w1 := lengthEncoded(p[1:])
		_, w2 := lengthEncoded(p[1+w1:])
		at := 1 + w1 + w2
		if w1 == 0 || w2 == 0 || len(p) < at+2 {
			return fmt.Errorf("mysql protocol: bad OK packet at the end of a result (% x)", p[:min(len(p), 16)])
		}
		t.status = binary.LittleEndian.Uint16(p[at:])
	} else {
		// An EOF packet: warnings, status flags.
		if len(p) < 5 {
			return fmt.Errorf("mysql protocol: bad EOF packet at the end of a result (% x)", p)
		}
		t.status = binary.LittleEndian.Uint16(p[3:])
	}
	if t.status&gomysql.SERVER_MORE_RESULTS_EXISTS != 0 {
		// A statement of several results (a CALL, several statements):
		// not a chunk's SELECT, and the results after it would be lost.
		return errors.New("mysql protocol: the query returned more than one result set")
	}
	return t.checkDrained()
}

// checkDrained checks that the response ended with its last packet, as
// the protocol has it: bytes after it would be lost to the next command.
func (t *textResult) checkDrained() error {
	if n := t.r.end - t.r.start; n > 0 {
		return fmt.Errorf("mysql protocol: %d bytes after the end of a result", n)
	}
	if cap(t.r.long) > packetReaderKeep {
		t.r.long = nil
	}
	return nil
}

// isEOF reports whether p ends a result set: an EOF packet, or the OK
// packet that replaces it with CLIENT_DEPRECATE_EOF. A row can start with
// 0xFE too, but only with a field of 16 MiB or more, in a longer payload.
func isEOF(p []byte) bool {
	return len(p) > 0 && p[0] == gomysql.EOF_HEADER && len(p) < maxPacketPayload
}

// serverError turns an ERR packet into the *gomysql.MyError go-mysql's
// client returns for it, so that serverErrorIs sees its number.
func serverError(p []byte) error {
	if len(p) < 3 {
		return fmt.Errorf("mysql protocol: short ERR packet (% x)", p)
	}
	e := &gomysql.MyError{Code: binary.LittleEndian.Uint16(p[1:3])}
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		e.State, msg = string(msg[1:6]), msg[6:]
	}
	e.Message = string(msg)
	return e
}

// lengthEncoded reads a length-encoded integer from the start of p and
// returns it with its width in bytes: 0 when p does not start with one
// (empty, truncated, or 0xFB, NULL in a row, or 0xFF).
func lengthEncoded(p []byte) (uint64, int) {
	if len(p) == 0 {
		return 0, 0
	}
	switch b := p[0]; {
	case b < 0xFB:
		return uint64(b), 1
	case b == 0xFC && len(p) >= 3:
		return uint64(p[1]) | uint64(p[2])<<8, 3
	case b == 0xFD && len(p) >= 4:
		return uint64(p[1]) | uint64(p[2])<<8 | uint64(p[3])<<16, 4
	case b == 0xFE && len(p) >= 9:
		return binary.LittleEndian.Uint64(p[1:]), 9
	}
	return 0, 0
}
