package mysql

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// XA transactions reach the binlog in two parts. XA PREPARE writes the
// transaction's rows: MySQL ends them with an XA_PREPARE_LOG_EVENT,
// MariaDB with an "XA PREPARE xid" statement. XA COMMIT xid or XA
// ROLLBACK xid follows later, often from another session, as a
// transaction of its own with no rows. The source delivers the rows at
// XA PREPARE, where they are in the binlog; the transaction holds its row
// locks until it ends, so no other transaction changes those rows in
// between. An XA ROLLBACK then undoes exactly what was delivered: the
// source delivers each change's inverse, newest first, at the rollback's
// position (an insert's delete, an update back to its before image, a
// delete's row again).
//
// Until an XA transaction ends, the checkpoint's offset stays where it
// began, so that a run resuming from it reads the prepared rows again and
// can still undo them (events after it are delivered again, as after any
// restart from a checkpoint).

// xaState follows the XA transactions of a binlog stream.
type xaState struct {
	// active is set while an XA transaction is read; start is the offset
	// it began at, events its changes so far.
	active bool
	start  Offset
	events []cdc.Event
	// pending are the prepared XA transactions not yet ended, by XID (see
	// [xidKey]).
	pending map[string]*preparedXA
}

// preparedXA is a prepared XA transaction: where it began and what it
// changed.
type preparedXA struct {
	start  Offset
	events []cdc.Event
}

// mariaDBPreparedXA is the flag of a MariaDB GTID event that begins an XA
// transaction to be prepared (FL_PREPARED_XA).
const mariaDBPreparedXA = 64

// xaStatement splits an XA statement into its verb (START, END, PREPARE,
// COMMIT, ROLLBACK) and its XID as the server logged it; onePhase is set
// for XA COMMIT … ONE PHASE.
func xaStatement(q string) (verb, xid string, onePhase bool) {
	rest := strings.TrimSpace(q[len("XA"):])
	i := strings.IndexAny(rest, " \t\n\r")
	if i < 0 {
		return strings.ToUpper(rest), "", false
	}
	verb, xid = strings.ToUpper(rest[:i]), strings.TrimSpace(rest[i:])
	upper := strings.ToUpper(xid)
	if strings.HasSuffix(upper, "ONE PHASE") {
		onePhase = true
		xid = strings.TrimSpace(xid[:len(xid)-len("ONE PHASE")])
	}
	if verb == "START" || verb == "BEGIN" {
		// XA START may end in JOIN or RESUME; neither is part of the XID.
		for _, suffix := range []string{" JOIN", " RESUME"} {
			if strings.HasSuffix(strings.ToUpper(xid), suffix) {
				xid = strings.TrimSpace(xid[:len(xid)-len(suffix)])
			}
		}
	}
	return verb, xid, onePhase
}

// xidKey is the key of an XID: its gtrid and bqual in hex and its format
// ID, the same whichever way a statement spelled it.
func xidKey(gtrid, bqual []byte, formatID uint32) string {
	return hex.EncodeToString(gtrid) + "." + hex.EncodeToString(bqual) + "." + strconv.FormatUint(uint64(formatID), 10)
}

// parseXID reads an XID as statements spell it: gtrid[, bqual[,
// formatID]], each string a quoted string or X'hex' (as servers log them).
func parseXID(s string) (string, bool) {
	var parts [][]byte
	formatID := uint64(1)
	rest := strings.TrimSpace(s)
	for i := 0; rest != ""; i++ {
		switch {
		case i == 2:
			n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 32)
			if err != nil {
				return "", false
			}
			formatID, rest = n, ""
			continue
		case len(rest) > 1 && (rest[0] == 'X' || rest[0] == 'x') && rest[1] == '\'':
			end := strings.IndexByte(rest[2:], '\'')
			if end < 0 {
				return "", false
			}
			b, err := hex.DecodeString(rest[2 : 2+end])
			if err != nil {
				return "", false
			}
			parts, rest = append(parts, b), rest[3+end:]
		case rest[0] == '\'' || rest[0] == '"':
			end := strings.IndexByte(rest[1:], rest[0])
			if end < 0 {
				return "", false
			}
			parts, rest = append(parts, []byte(rest[1:1+end])), rest[2+end:]
		default:
			return "", false
		}
		rest = strings.TrimSpace(rest)
		if rest != "" {
			if rest[0] != ',' {
				return "", false
			}
			rest = strings.TrimSpace(rest[1:])
		}
	}
	for len(parts) < 2 {
		parts = append(parts, nil)
	}
	return xidKey(parts[0], parts[1], uint32(formatID)), true
}

// preparedXID reads the XID of an XA_PREPARE_LOG_EVENT: one_phase (1
// byte), formatID, gtrid length and bqual length (4 bytes each, little
// endian), then gtrid and bqual.
func preparedXID(data []byte) (string, bool) {
	if len(data) < 13 {
		return "", false
	}
	formatID := binary.LittleEndian.Uint32(data[1:])
	gl, bl := int(binary.LittleEndian.Uint32(data[5:])), int(binary.LittleEndian.Uint32(data[9:]))
	if gl < 0 || bl < 0 || 13+gl+bl > len(data) {
		return "", false
	}
	return xidKey(data[13:13+gl], data[13+gl:13+gl+bl], formatID), true
}

// begin starts following an XA transaction, which began at start.
func (x *xaState) begin(start Offset) {
	x.active, x.start, x.events = true, start, nil
}

// record keeps a change of the XA transaction being read.
func (x *xaState) record(e cdc.Event) {
	if x.active {
		x.events = append(x.events, e)
	}
}

// prepare ends the XA transaction being read: it is prepared as xid.
func (x *xaState) prepare(xid string) {
	if !x.active {
		return
	}
	if x.pending == nil {
		x.pending = map[string]*preparedXA{}
	}
	x.pending[xid] = &preparedXA{start: x.start, events: x.events}
	x.active, x.events = false, nil
}

// drop stops following the transaction being read: it ended without a
// prepare (XA COMMIT … ONE PHASE), or was no XA transaction.
func (x *xaState) drop() { x.active, x.events = false, nil }

// end removes the prepared transaction xid and returns it (nil if the
// stream did not see it prepared).
func (x *xaState) end(xid string) *preparedXA {
	p := x.pending[xid]
	delete(x.pending, xid)
	return p
}

// oldestStart is the offset the oldest prepared XA transaction began at
// (zero if none is pending): the checkpoint's offset may not pass it.
func (x *xaState) oldestStart() Offset {
	var oldest Offset
	for _, p := range x.pending {
		if oldest.IsZero() || p.start.Compare(oldest) < 0 {
			oldest = p.start
		}
	}
	return oldest
}

// inverse returns the change that undoes e, at src.
func inverse(e cdc.Event, src cdc.Source) cdc.Event {
	inv := e
	inv.Source = src
	inv.Source.Database, inv.Source.Table = e.Source.Database, e.Source.Table
	switch e.Op {
	case cdc.OpCreate:
		inv.Op, inv.Before, inv.After = cdc.OpDelete, e.After, nil
	case cdc.OpDelete:
		inv.Op, inv.Before, inv.After = cdc.OpCreate, nil, e.Before
	case cdc.OpUpdate:
		inv.Before, inv.After = e.After, e.Before
	}
	inv.Encoded = nil
	return inv
}
