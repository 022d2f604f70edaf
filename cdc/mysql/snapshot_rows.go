package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strconv"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// queryRows runs a text-protocol query on conn and calls fn with each row's
// values as go-sql-driver returns them: nil for NULL, int64, uint64,
// float32 or float64 for numeric columns, and []byte, valid only during the
// call, for the rest. It talks to the driver directly: database/sql's Scan
// would turn the driver's numbers back into text for sql.RawBytes and copy
// every value once more, which costs a snapshot a third of its time.
func queryRows(ctx context.Context, conn *sql.Conn, query string, args []any, fn func([]driver.Value) error) error {
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("the SQL driver cannot run queries on a connection")
		}
		named := make([]driver.NamedValue, len(args))
		checker, _ := dc.(driver.NamedValueChecker)
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
			err := driver.ErrSkip
			if checker != nil {
				err = checker.CheckNamedValue(&named[i])
			}
			if errors.Is(err, driver.ErrSkip) {
				named[i].Value, err = driver.DefaultParameterConverter.ConvertValue(a)
			}
			if err != nil {
				return err
			}
		}
		rows, err := q.QueryContext(ctx, query, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			if err := fn(dest); err != nil {
				return err
			}
		}
	})
}

// decodeDriverValue returns the canonical value of a column from what
// go-sql-driver's text protocol returned for it (see queryRows): the same
// value decodeText returns for the column's text. Numbers the driver has
// parsed already are kept (an int64 of a signed integer column is returned
// as the very interface the driver made); text goes through strs when it
// is not nil.
func decodeDriverValue(col *cdc.Column, v driver.Value, strs *stringArena, slot *any) error {
	k := col.Type.Kind
	switch x := v.(type) {
	case nil:
		*slot = nil
		return nil
	case []byte:
		if strs != nil {
			switch {
			case k.IsText() || k == cdc.KindEnum || k == cdc.KindSet:
				strs.add(x, slot)
				return nil
			case k == cdc.KindDateTime || k == cdc.KindDate:
				// The same value as decodeDateTimeText, boxed in a slab.
				if dt, ok := parseDateTime(x); ok && dt.valid() {
					*slot = strs.times.box(dt.time(time.UTC))
					return nil
				}
			case k == cdc.KindDecimal:
				if d, ok := parseShortDecimal(x); ok {
					*slot = strs.decimals.box(d)
					return nil
				}
			}
		}
		d, err := decodeText(col, x, time.UTC)
		*slot = d
		return err
	case int64:
		switch {
		case (k.IsInteger() || k == cdc.KindYear) && !col.Type.Unsigned:
			*slot = v
			return nil
		case k.IsInteger() && x >= 0:
			*slot = uint64(x)
			return nil
		}
	case uint64:
		if k.IsInteger() && col.Type.Unsigned {
			*slot = v
			return nil
		}
	case float64:
		switch k {
		case cdc.KindDouble:
			*slot = v
			return nil
		case cdc.KindFloat:
			*slot = float32(x)
			return nil
		}
	case float32:
		if k == cdc.KindFloat {
			*slot = v
			return nil
		}
	}
	// Anything else goes through its text, as decodeText would see it.
	var buf [64]byte
	var raw []byte
	switch x := v.(type) {
	case int64:
		raw = strconv.AppendInt(buf[:0], x, 10)
	case uint64:
		raw = strconv.AppendUint(buf[:0], x, 10)
	case float64:
		raw = strconv.AppendFloat(buf[:0], x, 'g', -1, 64)
	case float32:
		raw = strconv.AppendFloat(buf[:0], float64(x), 'g', -1, 32)
	case string:
		raw = []byte(x)
	case time.Time:
		raw = x.AppendFormat(buf[:0], "2006-01-02 15:04:05.999999")
	default:
		return valueError(col, v, "unexpected Go type %T from the SQL driver", v)
	}
	d, err := decodeText(col, raw, time.UTC)
	*slot = d
	return err
}

// stringArena turns many short byte strings into Go strings with one
// allocation: it collects them, then converts them all in one string and
// hands out substrings. Until flush, the slots hold nothing.
//
// A kept substring keeps its whole block (at most stringArenaBlock bytes)
// alive; strings longer than stringArenaMax get their own allocation.
//
// It also boxes the strings, and the snapshot's DATETIME and DECIMAL values,
// in slabs (see [valueSlab]): a row's values cost no allocation each.
type stringArena struct {
	buf      []byte
	pending  []arenaSlot
	strings  valueSlab[string]
	times    valueSlab[time.Time]
	decimals valueSlab[decimal.Decimal]
}

// valueSlab puts values of type T into interfaces without an allocation per
// value: where `var x any = v` copies v to memory of its own, box copies it
// into the next element of a slab of valueSlabLen and makes the interface
// point there, as the runtime's own conversion would point to the memory
// it allocated. The values are never written again, so an interface sees
// what an ordinary conversion would give it; a kept value keeps its slab
// alive, as a kept string keeps its arena block (a few KiB at most).
//
// T is limited to types the runtime holds in an interface by pointer
// (structs of more than one word), which TestValueSlab checks.
type valueSlab[T string | time.Time | decimal.Decimal] struct {
	buf []T
	// typ is the type word of an interface holding a T.
	typ unsafe.Pointer
}

const valueSlabLen = 256

// eface is the layout of an interface{} value in Go's runtime: its type
// word and a pointer to its value.
type eface struct {
	typ, data unsafe.Pointer
}

// box returns v in an interface whose value lives in s's slab.
func (s *valueSlab[T]) box(v T) any {
	if s.typ == nil {
		var x any = v
		s.typ = (*eface)(unsafe.Pointer(&x)).typ
	}
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, valueSlabLen)
	}
	s.buf = append(s.buf, v)
	var out any
	*(*eface)(unsafe.Pointer(&out)) = eface{typ: s.typ, data: unsafe.Pointer(&s.buf[len(s.buf)-1])}
	return out
}

type arenaSlot struct {
	slot *any
	end  int
}

const (
	stringArenaBlock = 16 << 10
	stringArenaMax   = 512
)

// add queues raw to become the string in *slot at the next flush.
func (a *stringArena) add(raw []byte, slot *any) {
	if len(raw) > stringArenaMax {
		*slot = string(raw)
		return
	}
	if len(a.buf)+len(raw) > stringArenaBlock {
		a.flush()
	}
	if a.buf == nil {
		a.buf = make([]byte, 0, stringArenaBlock)
	}
	a.buf = append(a.buf, raw...)
	a.pending = append(a.pending, arenaSlot{slot, len(a.buf)})
}

// flush fills the queued slots.
func (a *stringArena) flush() {
	if len(a.pending) == 0 {
		return
	}
	s := string(a.buf)
	start := 0
	for _, p := range a.pending {
		*p.slot = a.strings.box(s[start:p.end])
		start = p.end
	}
	a.buf = a.buf[:0]
	clear(a.pending)
	a.pending = a.pending[:0]
}
