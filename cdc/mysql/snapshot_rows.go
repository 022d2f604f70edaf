package mysql

import (
	"math/big"
	"math/bits"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// decodeTextInto sets *slot to decodeText's value of raw, a column's text
// (not retained). With strs, the values a snapshot row holds most (text,
// integers, doubles, DATETIME, DATE and short DECIMAL) are boxed in strs's
// slabs, without an allocation each.
func decodeTextInto(col *cdc.Column, raw []byte, strs *stringArena, slot *any) error {
	if strs != nil && raw != nil {
		switch k := col.Type.Kind; {
		case k.IsText() || k == cdc.KindEnum || k == cdc.KindSet:
			strs.add(raw, slot)
			return nil
		case k.IsInteger() && col.Type.Unsigned:
			if n, ok := shortUnsigned(raw); ok {
				*slot = strs.uints.box(n)
				return nil
			}
		case k.IsInteger() || k == cdc.KindYear:
			if n, ok := shortSigned(raw); ok {
				*slot = strs.ints.box(n)
				return nil
			}
		case k == cdc.KindDouble || k == cdc.KindFloat:
			// The text is a DOUBLE's, FLOAT columns too (see
			// selectExpression); strconv copies the text only into an
			// error, which decodeText then reports.
			f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
			if err != nil {
				break
			}
			if k == cdc.KindFloat {
				*slot = strs.float32s.box(float32(f))
			} else {
				*slot = strs.floats.box(f)
			}
			return nil
		case k == cdc.KindDateTime || k == cdc.KindDate || k == cdc.KindTimestamp:
			// The same value as decodeDateTimeText, boxed in a slab: the
			// snapshot's session time zone is UTC.
			if dt, ok := parseDateTime(raw); ok && dt.valid() {
				*slot = strs.times.box(dt.time(time.UTC))
				return nil
			}
		case k == cdc.KindDecimal:
			if n, exp, ok := shortDecimal(raw); ok {
				*slot = strs.decimals.box(strs.bigs.decimal(n, exp))
				return nil
			}
		}
	}
	d, err := decodeText(col, raw, time.UTC)
	*slot = d
	return err
}

// shortUnsigned parses decimal digits, at most 19 of them (less than
// 2^64), to the value strconv.ParseUint returns; ok is false for any other
// text, which decodeText then parses.
func shortUnsigned(raw []byte) (n uint64, ok bool) {
	if len(raw) == 0 || len(raw) > 19 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// shortSigned parses an optional minus and decimal digits, at most 18 of
// them (less than 2^63), to the value strconv.ParseInt returns; ok is false
// for any other text, which decodeText then parses.
func shortSigned(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	if len(raw) > 18 {
		return 0, false
	}
	n, ok := shortUnsigned(raw)
	if neg {
		return -int64(n), ok
	}
	return int64(n), ok
}

// stringArena turns many short byte strings into Go strings without an
// allocation each: it copies them into blocks of stringArenaBlock bytes,
// append-only, and makes each string point at its copy, which is never
// written again (as strings.Builder does).
//
// A kept string keeps its whole block (at most stringArenaBlock bytes)
// alive; strings longer than stringArenaMax get their own allocation.
//
// It also boxes the strings, and the snapshot's DATETIME, DECIMAL and
// numeric values, in slabs (see [valueSlab]): a row's values cost no
// allocation each.
type stringArena struct {
	buf      []byte
	strings  valueSlab[string]
	times    valueSlab[time.Time]
	decimals valueSlab[decimal.Decimal]
	bigs     bigIntSlab
	ints     valueSlab[int64]
	uints    valueSlab[uint64]
	floats   valueSlab[float64]
	float32s valueSlab[float32]
}

// valueSlab puts values of type T into interfaces without an allocation per
// value: where `var x any = v` copies v to memory of its own, box copies it
// into the next element of a slab of valueSlabLen and makes the interface
// point there, as the runtime's own conversion would point to the memory
// it allocated. The values are never written again, so an interface sees
// what an ordinary conversion would give it; a kept value keeps its slab
// alive, as a kept string keeps its arena block (a few KiB at most).
//
// T is limited to types the runtime holds in an interface by pointer (all
// but pointer-shaped ones), which TestValueSlab checks.
type valueSlab[T string | time.Time | decimal.Decimal | int64 | uint64 | float64 | float32] struct {
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

const (
	stringArenaBlock = 16 << 10
	stringArenaMax   = 512
)

// add sets *slot to raw, copied, as a string.
func (a *stringArena) add(raw []byte, slot *any) {
	*slot = a.strings.box(a.string(raw))
}

// string returns a copy of raw as a string.
func (a *stringArena) string(raw []byte) string {
	switch {
	case len(raw) == 0:
		return ""
	case len(raw) > stringArenaMax:
		return string(raw)
	case len(a.buf)+len(raw) > cap(a.buf):
		a.buf = make([]byte, 0, stringArenaBlock)
	}
	start := len(a.buf)
	a.buf = append(a.buf, raw...)
	return unsafe.String(&a.buf[start], len(raw))
}

// bigIntSlab makes the decimal.Decimal of a short DECIMAL (see
// shortDecimal) without decimal.New's two allocations, its big.Int and the
// Int's one word: both come from slabs. The value is the one decimal.New
// returns, field for field (TestBigIntSlabMatchesDecimalNew); a kept value
// keeps its slabs alive, a few KiB.
//
// decimal.Decimal's fields are unexported: the value is assembled in
// decimalFields, its layout, which decimalLayoutMatches checks once; where
// it does not match (another version of the package) or a word is 32 bits,
// decimal falls back to decimal.New.
type bigIntSlab struct {
	ints  []big.Int
	words []big.Word
}

// decimalFields is decimal.Decimal's layout.
type decimalFields struct {
	value *big.Int
	exp   int32
}

// decimalLayoutMatches reports whether decimal.Decimal is laid out as
// decimalFields, and a big.Word holds an int64's magnitude.
var decimalLayoutMatches = func() bool {
	d, f := reflect.TypeFor[decimal.Decimal](), reflect.TypeFor[decimalFields]()
	if d.Size() != f.Size() || d.NumField() != f.NumField() || bits.UintSize != 64 {
		return false
	}
	for i := range f.NumField() {
		df, ff := d.Field(i), f.Field(i)
		if df.Name != ff.Name || df.Type != ff.Type || df.Offset != ff.Offset {
			return false
		}
	}
	return true
}()

// decimal returns decimal.New(n, exp).
func (s *bigIntSlab) decimal(n int64, exp int32) decimal.Decimal {
	if !decimalLayoutMatches {
		return decimal.New(n, exp)
	}
	if len(s.ints) == cap(s.ints) {
		s.ints = make([]big.Int, 0, valueSlabLen)
	}
	s.ints = s.ints[:len(s.ints)+1]
	v := &s.ints[len(s.ints)-1]
	if n != 0 {
		// As big.NewInt: one word holding the magnitude; zero has none.
		if len(s.words) == cap(s.words) {
			s.words = make([]big.Word, 0, valueSlabLen)
		}
		u := uint64(n)
		if n < 0 {
			u = -u
		}
		s.words = append(s.words, big.Word(u))
		v.SetBits(s.words[len(s.words)-1 : len(s.words) : len(s.words)])
		if n < 0 {
			v.Neg(v)
		}
	}
	f := decimalFields{value: v, exp: exp}
	return *(*decimal.Decimal)(unsafe.Pointer(&f))
}
