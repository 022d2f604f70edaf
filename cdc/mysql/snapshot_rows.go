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
				*slot = strs.times.box(dt.utc())
				return nil
			}
		case k == cdc.KindDecimal:
			if n, exp, ok := shortDecimal(raw); ok {
				*slot = strs.decimals.box(n, exp)
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

// stringArena turns the values a snapshot row holds most into interfaces
// without an allocation each, and with no pointer the garbage collector has
// to follow (see [cell]):
//   - strings up to stringArenaMax bytes: each string's header and bytes
//     are copied into blocks of stringArenaBlock bytes, append-only, and
//     the interface points at the header, which points at the bytes;
//   - DATETIME, DATE and TIMESTAMP values, times in UTC, in [timeCells];
//   - short DECIMAL values, in [decimalCells];
//   - integers and doubles, in valueSlabs of their types, which hold no
//     pointers either.
//
// Longer strings get their own allocation, boxed in a valueSlab.
type stringArena struct {
	buf      []byte
	strings  valueSlab[string]
	times    timeCells
	decimals decimalCells
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
// alive (a few KiB at most).
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
		s.typ = typeWord[T]()
	}
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, valueSlabLen)
	}
	s.buf = append(s.buf, v)
	return boxAt(s.typ, unsafe.Pointer(&s.buf[len(s.buf)-1]))
}

// typeWord returns the type word of an interface holding a T.
func typeWord[T any]() unsafe.Pointer {
	var x any = *new(T)
	return (*eface)(unsafe.Pointer(&x)).typ
}

// boxAt returns the interface of type word typ whose value is at data.
func boxAt(typ, data unsafe.Pointer) any {
	var out any
	*(*eface)(unsafe.Pointer(&out)) = eface{typ: typ, data: data}
	return out
}

// The snapshot's strings, times and decimals are boxed in cells: memory
// allocated without pointers (a []byte block, or a slab of a struct of
// integers) that holds a value of a type with pointers, laid out as that
// type, the value's pointers written as integers. The garbage collector
// neither scans such a slab nor needs write barriers to fill it, which
// costs a snapshot row less than slabs of the values' own types: a third
// of the rows' memory no longer scanned, and no write barrier per value.
//
// That is sound because every pointer a cell hides points into the same
// allocation as the cell: a string's header at its bytes, a decimal at its
// big.Int and the big.Int at its word, in the same block or slab element;
// and a time in UTC has no pointer at all (its location is nil). The
// interface points into the allocation and keeps it alive; a value copied
// out of it (a string, a decimal.Decimal, a *big.Int) is typed, its
// pointers are seen, and they keep the allocation alive too; Go's heap
// objects never move. Cells are written once, before their interface
// exists, and never again.
//
// The layouts are those of the Go release and the decimal package built
// with: layoutMatches checks them once, and where one does not match, the
// value is boxed as usual.

const (
	stringArenaBlock = 16 << 10
	stringArenaMax   = 512
)

// stringHeader is a string's layout: its bytes' address and length.
type stringHeader struct {
	data uintptr
	len  int
}

// stringType is the type word of an interface holding a string.
var stringType = typeWord[string]()

// add sets *slot to raw, copied, as a string.
func (a *stringArena) add(raw []byte, slot *any) {
	if len(raw) > stringArenaMax {
		*slot = a.strings.box(string(raw))
		return
	}
	// The header is aligned to a word, the block (allocated by size
	// class) too.
	const headerSize = int(unsafe.Sizeof(stringHeader{}))
	at := (len(a.buf) + 7) &^ 7
	if at+headerSize+len(raw) > cap(a.buf) {
		a.buf, at = make([]byte, 0, stringArenaBlock), 0
	}
	a.buf = a.buf[:at+headerSize+len(raw)]
	h := (*stringHeader)(unsafe.Pointer(&a.buf[at]))
	if len(raw) > 0 {
		copy(a.buf[at+headerSize:], raw)
		h.data, h.len = uintptr(unsafe.Pointer(&a.buf[at+headerSize])), len(raw)
	}
	*slot = boxAt(stringType, unsafe.Pointer(h))
}

// timeCell is time.Time's layout for a time whose location is nil (UTC).
type timeCell struct {
	wall uint64
	ext  int64
	loc  uintptr
}

// timeCells boxes times in UTC in slabs of timeCell.
type timeCells struct {
	cells []timeCell
}

var (
	timeType          = typeWord[time.Time]()
	timeLayoutMatches = layoutMatches[time.Time, timeCell]()
)

// box returns t in an interface; t is in UTC.
func (s *timeCells) box(t time.Time) any {
	c := (*timeCell)(unsafe.Pointer(&t))
	if !timeLayoutMatches || c.loc != 0 {
		return t
	}
	if len(s.cells) == cap(s.cells) {
		s.cells = make([]timeCell, 0, valueSlabLen)
	}
	s.cells = append(s.cells, *c)
	return boxAt(timeType, unsafe.Pointer(&s.cells[len(s.cells)-1]))
}

// decimalFields is decimal.Decimal's layout.
type decimalFields struct {
	value *big.Int
	exp   int32
}

// decimalCell is a decimal.Decimal whose value is its int, a big.Int whose
// magnitude is word (none when the decimal is zero), as decimal.New makes
// a decimal of an int64: see [decimalCells].
type decimalCell struct {
	decimal decimalCellFields
	int     bigIntCellFields
	word    uint64
}

// decimalCellFields is decimal.Decimal's layout, its pointer an integer.
type decimalCellFields struct {
	value uintptr
	exp   int32
}

// bigIntCellFields is big.Int's layout, its pointer an integer: a sign and
// a slice of words.
type bigIntCellFields struct {
	neg bool
	abs struct {
		data     uintptr
		len, cap int
	}
}

// decimalCells makes the decimal.Decimal of a short DECIMAL (see
// shortDecimal) in slabs of decimalCell, without decimal.New's two
// allocations, its big.Int and the Int's one word. The value is the one
// decimal.New returns, field for field (TestDecimalCellsMatchDecimalNew).
type decimalCells struct {
	cells []decimalCell
}

var (
	decimalType           = typeWord[decimal.Decimal]()
	decimalLayoutMatches  = layoutMatches[decimal.Decimal, decimalFields]()
	decimalCellLayoutFits = decimalLayoutMatches && bits.UintSize == 64 &&
		layoutMatches[decimal.Decimal, decimalCellFields]() && layoutMatches[big.Int, bigIntCellFields]() &&
		unsafe.Sizeof(big.Word(0)) == unsafe.Sizeof(uint64(0))
)

// box returns decimal.New(n, exp) in an interface.
func (s *decimalCells) box(n int64, exp int32) any {
	if !decimalCellLayoutFits {
		return decimal.New(n, exp)
	}
	if len(s.cells) == cap(s.cells) {
		s.cells = make([]decimalCell, 0, valueSlabLen)
	}
	s.cells = s.cells[:len(s.cells)+1]
	c := &s.cells[len(s.cells)-1]
	c.decimal.value, c.decimal.exp = uintptr(unsafe.Pointer(&c.int)), exp
	if n != 0 {
		// As big.NewInt: one word holding the magnitude; zero has none.
		u := uint64(n)
		if n < 0 {
			u, c.int.neg = -u, true
		}
		c.word = u
		c.int.abs.data, c.int.abs.len, c.int.abs.cap = uintptr(unsafe.Pointer(&c.word)), 1, 1
	}
	return boxAt(decimalType, unsafe.Pointer(&c.decimal))
}

// layoutMatches reports whether T and Cell have fields of the same names,
// offsets and sizes, and the same size: Cell is T's layout, some of its
// pointers integers.
func layoutMatches[T, Cell any]() bool {
	t, c := reflect.TypeFor[T](), reflect.TypeFor[Cell]()
	if t.Kind() != reflect.Struct || c.Kind() != reflect.Struct || t.Size() != c.Size() || t.NumField() != c.NumField() {
		return false
	}
	for i := range t.NumField() {
		tf, cf := t.Field(i), c.Field(i)
		if tf.Name != cf.Name || tf.Offset != cf.Offset || tf.Type.Size() != cf.Type.Size() {
			return false
		}
	}
	return true
}
