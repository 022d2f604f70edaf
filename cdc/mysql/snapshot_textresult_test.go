package mysql

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// These tests hold textResult to the text protocol's result sets as the
// MySQL documentation describes them (COM_QUERY response, Text Resultset,
// OK, EOF and ERR packets, packets of 16 MiB and more), written byte by byte
// and read through a connection that hands them over a few bytes at a time.
// TestChunkConnReadsEveryShape and TestDecodeTextAndBinlogAgree read real
// servers' results.

// wire writes the packets of a server's response.
type wire struct {
	b   []byte
	seq uint8
}

// packet writes p as one payload, split into packets of maxPacketPayload
// bytes followed by a shorter one, possibly empty.
func (w *wire) packet(p []byte) {
	for {
		n := min(len(p), maxPacketPayload)
		w.b = append(w.b, byte(n), byte(n>>8), byte(n>>16), w.seq)
		w.b = append(w.b, p[:n]...)
		w.seq++
		p = p[n:]
		if n < maxPacketPayload {
			return
		}
	}
}

// lenenc appends n as a length-encoded integer.
func lenenc(b []byte, n uint64) []byte {
	switch {
	case n < 0xFB:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 0xFC, byte(n), byte(n>>8))
	case n < 1<<24:
		return append(b, 0xFD, byte(n), byte(n>>8), byte(n>>16))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xFE), n)
}

// row is a text row's payload: each field its text, or NULL for a nil one.
func row(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		if f == nil {
			b = append(b, 0xFB)
			continue
		}
		b = append(lenenc(b, uint64(len(f))), f...)
	}
	return b
}

// header writes a result's column count and column definitions, and the
// EOF after them without CLIENT_DEPRECATE_EOF.
func (w *wire) header(columns int, deprecateEOF bool) {
	w.packet(lenenc(nil, uint64(columns)))
	for i := range columns {
		// A column definition (catalog "def", schema, table, names, ...):
		// textResult skips it.
		def := row([]byte("def"), []byte("db"), []byte("t"), []byte("t"), fmt.Appendf(nil, "c%d", i), fmt.Appendf(nil, "c%d", i))
		w.packet(append(def, 0x0C, 0x2D, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFD, 0, 0, 0, 0, 0))
	}
	if !deprecateEOF {
		w.eof(deprecateEOF, 0)
	}
}

// eof writes the packet that ends a result, with the status flags.
func (w *wire) eof(deprecateEOF bool, status uint16) {
	if deprecateEOF {
		// OK packet flagged 0xFE: affected rows, insert id, status, warnings.
		w.packet(binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16([]byte{0xFE, 0, 0}, status), 0))
		return
	}
	w.packet(binary.LittleEndian.AppendUint16([]byte{0xFE, 0, 0}, status))
}

// errPacket writes an ERR packet.
func (w *wire) errPacket(code uint16, state, msg string) {
	p := binary.LittleEndian.AppendUint16([]byte{0xFF}, code)
	w.packet(append(append(append(p, '#'), state...), msg...))
}

// trickleConn is a connection whose Read returns at most step bytes of
// data, then io.EOF.
type trickleConn struct {
	net.Conn
	data []byte
	step int
}

func (c *trickleConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.step)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// readWire reads w's bytes as the result of a SELECT of cols.
func readWire(w *wire, cols []cdc.Column, deprecateEOF bool, step int) (*textResult, []cdc.Row, error) {
	r := &packetReader{conn: &trickleConn{data: w.b, step: step}, buf: make([]byte, packetReaderBuffer), seq: 1}
	res := &textResult{r: r, deprecateEOF: deprecateEOF}
	if err := res.start(); err != nil {
		return res, nil, err
	}
	rows, err := readTextRows(res, cols, 0)
	return res, rows, err
}

// columnsOf returns columns of the given MySQL types.
func columnsOf(t testing.TB, types ...string) []cdc.Column {
	t.Helper()
	cols := make([]cdc.Column, len(types))
	for i, s := range types {
		typ, err := cdc.ParseColumnType(s, "utf8mb4")
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		cols[i] = cdc.Column{Name: fmt.Sprint("c", i), Type: typ}
	}
	return cols
}

// Every kind's text, NULL and empty values, read in pieces of every size
// around the packets' edges, with and without CLIENT_DEPRECATE_EOF, gives
// decodeText's values, and the status flags of the result's last packet.
func TestTextResultRows(t *testing.T) {
	types := []string{"int", "bigint unsigned", "tinyint", "year", "double", "float", "decimal(12,2)", "decimal(65,30)",
		"varchar(20)", "varbinary(8)", "datetime", "datetime(3)", "date", "timestamp(6)", "time", "bit(9)",
		"json", "enum('a','b')", "set('a','b')", "text", "blob"}
	cols := columnsOf(t, types...)
	texts := [][]string{
		{"-42", "18446744073709551615", "-128", "2024", "3.141592653589793", "3.1415927410125732", "-1234.50",
			"12345678901234567890123456789012345.123456789012345678901234567890",
			"héllo", "\x00\x01\xfb", "2024-02-29 23:59:59", "2024-06-15 06:56:07.123", "2023-02-29", "1970-01-01 00:00:01.000001",
			"-838:59:59", "\x01\xff", `{"a": [1, 2.0]}`, "b", "a,b", strings.Repeat("t", 300), strings.Repeat("\xfe", 70000)},
		{"9223372036854775807", "0", "0", "0", "-5e-324", "16777216", "0.00", "-0.5", "", "", "0000-00-00 00:00:00",
			"1000-01-01 00:00:00.000", "0000-00-00", "2038-01-19 03:14:07.999999", "00:00:00", "\x00\x00", "null", "", "", "", ""},
		{"-9223372036854775808", "12345678901234567890", "127", "1901", "1e308", "-0", "99999999999999999999.99", "1",
			strings.Repeat("ü", 20), "\xff", "9999-12-31 23:59:59", "2024-01-01 00:00:00.5", "9999-12-31", "2024-01-01 00:00:00",
			"838:59:59.000001", "\x01\x00", "[]", "a", "a", "x", "\x00"},
	}
	var nulls []string // every column NULL
	for range types {
		nulls = append(nulls, "\x00NULL")
	}
	texts = append(texts, nulls)
	for _, deprecateEOF := range []bool{true, false} {
		var w wire
		w.seq = 1
		w.header(len(cols), deprecateEOF)
		for _, r := range texts {
			fields := make([][]byte, len(r))
			for i, s := range r {
				if s != "\x00NULL" {
					fields[i] = []byte(s)
				}
			}
			w.packet(row(fields...))
		}
		w.eof(deprecateEOF, gomysql.SERVER_STATUS_AUTOCOMMIT|gomysql.SERVER_STATUS_NO_BACKSLASH_ESCAPED)
		for _, step := range []int{1, 3, 4, 5, 1000, len(w.b)} {
			res, rows, err := readWire(&w, cols, deprecateEOF, step)
			if err != nil {
				t.Fatalf("deprecateEOF %v, step %d: %v", deprecateEOF, step, err)
			}
			if len(rows) != len(texts) {
				t.Fatalf("deprecateEOF %v, step %d: %d rows, want %d", deprecateEOF, step, len(rows), len(texts))
			}
			if want := uint16(gomysql.SERVER_STATUS_AUTOCOMMIT | gomysql.SERVER_STATUS_NO_BACKSLASH_ESCAPED); res.status != want {
				t.Errorf("deprecateEOF %v: status %#x, want %#x", deprecateEOF, res.status, want)
			}
			for r := range texts {
				for i := range cols {
					var want any
					if texts[r][i] != "\x00NULL" {
						if want, err = decodeText(&cols[i], []byte(texts[r][i]), time.UTC); err != nil {
							t.Fatalf("%s %q: %v", types[i], texts[r][i], err)
						}
					}
					got := rows[r][i]
					if !reflect.DeepEqual(got, want) || reflect.TypeOf(got) != reflect.TypeOf(want) {
						t.Errorf("deprecateEOF %v, step %d, row %d, %s %q: %#v, want %#v", deprecateEOF, step, r, types[i], texts[r][i], got, want)
					}
				}
			}
		}
	}
}

// Rows longer than the reader's buffer, and rows of 16 MiB and more that
// the server splits into several packets (a payload of exactly 16 MiB - 1
// bytes ends with an empty packet), come back whole, and the rows after
// them too. A first field of 16 MiB or more starts the row with 0xFE, as an
// EOF packet does: the row is longer than any EOF.
func TestTextResultLongRows(t *testing.T) {
	cols := columnsOf(t, "longblob", "int")
	fill := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	// A row of one field of n bytes and "7" is n + 2 + 4 bytes long below
	// 16 MiB, n + 2 + 9 above.
	rows := [][]byte{
		fill(packetReaderBuffer-6, 'a'), // exactly the buffer
		fill(packetReaderBuffer, 'b'),
		fill(maxPacketPayload-6, 'c'), // exactly one full packet and an empty one
		fill(maxPacketPayload-7, 'd'), // one byte short of it
		fill(maxPacketPayload, 'e'),   // 0xFE first
		fill(2*maxPacketPayload+5, 'f'),
		[]byte{},
		fill(10, 'g'),
	}
	for _, deprecateEOF := range []bool{true, false} {
		var w wire
		w.seq = 1
		w.header(2, deprecateEOF)
		for _, r := range rows {
			w.packet(row(r, []byte("7")))
		}
		w.eof(deprecateEOF, 2)
		for _, step := range []int{7, 1 << 20} {
			res, got, err := readWire(&w, cols, deprecateEOF, step)
			if err != nil {
				t.Fatalf("deprecateEOF %v, step %d: %v", deprecateEOF, step, err)
			}
			if len(got) != len(rows) || res.status != 2 {
				t.Fatalf("deprecateEOF %v, step %d: %d rows, status %d; want %d rows, status 2", deprecateEOF, step, len(got), res.status, len(rows))
			}
			for i := range rows {
				if b, ok := got[i][0].([]byte); !ok || !bytes.Equal(b, rows[i]) || got[i][1] != int64(7) {
					t.Errorf("deprecateEOF %v, step %d: row %d of %d bytes read as %T of %d bytes, %#v", deprecateEOF, step, i, len(rows[i]), got[i][0], len(b), got[i][1])
				}
			}
			if cap(res.r.long) > packetReaderKeep {
				t.Errorf("the reader keeps a buffer of %d bytes after the result", cap(res.r.long))
			}
		}
	}
}

// A server error, first or after some rows, is the server's: a
// *gomysql.MyError with its number, which serverErrorIs matches.
func TestTextResultServerErrors(t *testing.T) {
	cols := columnsOf(t, "int")
	for _, deprecateEOF := range []bool{true, false} {
		var w wire
		w.seq = 1
		w.errPacket(1054, "42S22", "Unknown column 'gone' in 'SELECT'")
		_, _, err := readWire(&w, cols, deprecateEOF, 3)
		if !isUnknownColumn(err) {
			t.Errorf("ERR first: %v, want isUnknownColumn", err)
		}
		var me *gomysql.MyError
		if !errors.As(err, &me) || me.State != "42S22" || me.Message != "Unknown column 'gone' in 'SELECT'" {
			t.Errorf("ERR first: %#v", me)
		}

		w = wire{seq: 1}
		w.header(1, deprecateEOF)
		for i := range 3000 {
			w.packet(row(fmt.Append(nil, i)))
		}
		w.errPacket(1242, "21000", "Subquery returns more than 1 row")
		_, rows, err := readWire(&w, cols, deprecateEOF, 1000)
		if !serverErrorIs(err, 1242) || rows != nil {
			t.Errorf("ERR after 3000 rows: %d rows, %v; want no rows and error 1242", len(rows), err)
		}
	}
}

// A response that breaks the protocol is an error, never rows: packets out
// of order, a stream that ends early, rows with too few or too many
// fields, bytes after the result.
func TestTextResultMalformed(t *testing.T) {
	cols := columnsOf(t, "int", "varchar(4)")
	good := func() *wire {
		w := &wire{seq: 1}
		w.header(2, true)
		w.packet(row([]byte("1"), []byte("a")))
		return w
	}
	cases := map[string]func() *wire{
		"sequence": func() *wire { w := good(); w.seq++; w.eof(true, 0); return w },
		"cut short": func() *wire {
			w := good()
			w.eof(true, 0)
			w.b = w.b[:len(w.b)-3]
			return w
		},
		"no end": good,
		"too few fields": func() *wire {
			w := good()
			w.packet(row([]byte("2")))
			w.eof(true, 0)
			return w
		},
		"field longer than the row": func() *wire {
			w := good()
			w.packet(append(row([]byte("2")), 5, 'a'))
			w.eof(true, 0)
			return w
		},
		"too many fields": func() *wire {
			w := good()
			w.packet(row([]byte("2"), []byte("b"), []byte("c")))
			w.eof(true, 0)
			return w
		},
		"more results": func() *wire {
			w := good()
			w.eof(true, gomysql.SERVER_MORE_RESULTS_EXISTS)
			return w
		},
		"bytes after an ERR": func() *wire {
			w := &wire{seq: 1}
			w.errPacket(1054, "42S22", "Unknown column")
			w.packet([]byte{0})
			return w
		},
		"bytes after the end": func() *wire {
			w := good()
			w.eof(true, 0)
			w.packet([]byte{0})
			return w
		},
		"columns": func() *wire {
			w := &wire{seq: 1}
			w.header(3, true)
			w.eof(true, 0)
			return w
		},
		"no result set": func() *wire {
			w := &wire{seq: 1}
			w.packet([]byte{0, 0, 0, 2, 0, 0, 0})
			return w
		},
		"bad value": func() *wire {
			w := &wire{seq: 1}
			w.header(2, true)
			w.packet(row([]byte("x1"), []byte("a")))
			w.eof(true, 0)
			return w
		},
	}
	for name, c := range cases {
		// Bytes after the end are seen when they arrive with it.
		step := 2
		if strings.HasPrefix(name, "bytes after") {
			step = 1 << 30
		}
		_, rows, err := readWire(c(), cols, true, step)
		if err == nil || rows != nil {
			t.Errorf("%s: %d rows, %v; want an error", name, len(rows), err)
			continue
		}
		var me *gomysql.MyError
		if errors.As(err, &me) {
			t.Errorf("%s: %v is a server error: the connection would be kept", name, err)
		}
		if name == "bad value" && !errors.Is(err, ErrBadValue) {
			t.Errorf("%s: %v, want ErrBadValue", name, err)
		}
	}
}
