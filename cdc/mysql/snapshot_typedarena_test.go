package mysql

import (
	"math/big"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// The snapshot's decoding before its values went into pointer-free cells
// (see [stringArena]): strings, times and decimals boxed in slabs of their
// own types, a decimal's big.Int and word in slabs of theirs. Kept as the
// baseline of BenchmarkSelectChunk's older paths and
// BenchmarkDecodeSnapshotRow, and a second opinion for tests.

// decodeTextIntoTyped is decodeTextInto as it was before pointer-free
// cells: text, DATETIME, DATE and short DECIMAL boxed in typedArena's slabs.
func decodeTextIntoTyped(col *cdc.Column, raw []byte, strs *typedArena, slot *any) error {
	if strs != nil {
		switch k := col.Type.Kind; {
		case k.IsText() || k == cdc.KindEnum || k == cdc.KindSet:
			strs.add(raw, slot)
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

// typedArena is typedArena as it was before its pointer-free cells: it
// turns many short byte strings into Go strings without an allocation each: it copies them into blocks of stringArenaBlock bytes,
// append-only, and makes each string point at its copy, which is never
// written again (as strings.Builder does).
//
// A kept string keeps its whole block (at most stringArenaBlock bytes)
// alive; strings longer than stringArenaMax get their own allocation.
//
// It also boxes the strings, and the snapshot's DATETIME, DECIMAL and
// numeric values, in slabs (see [valueSlab]): a row's values cost no
// allocation each.
type typedArena struct {
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

// add sets *slot to raw, copied, as a string.
func (a *typedArena) add(raw []byte, slot *any) {
	*slot = a.strings.box(a.string(raw))
}

// string returns a copy of raw as a string.
func (a *typedArena) string(raw []byte) string {
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
