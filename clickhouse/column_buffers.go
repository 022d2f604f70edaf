package clickhouse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"
)

// columnBuffer holds the values of one column of a batch in the Go type
// clickhouse-go appends to the column's ClickHouse type, in one typed slice:
// the sink converts each canonical cdc value once, when it buffers the row,
// and hands the whole slice to the batch column at flush time
// (driver.BatchColumn.Append), instead of boxing every value in an any and
// appending row by row.
type columnBuffer interface {
	// add converts v, a canonical value or nil for NULL, and appends it. It
	// returns the bytes the value adds to the batch (an estimate); on error
	// nothing is appended.
	add(v any) (int, error)
	// addZero appends the column's zero value (NULL when nullable): the
	// value of a delete marker whose before image lacks the column.
	addZero() int
	// len is the number of values buffered.
	len() int
	// truncate drops the values after the first n.
	truncate(n int)
	// appendRange appends the buffered values of rows lo to hi-1.
	appendRange(col driver.BatchColumn, lo, hi int) error
	// reset empties the buffer, keeping its capacity and dropping references
	// to the values so that they can be collected.
	reset()
}

var errNullInNotNull = errors.New("NULL in NOT NULL column")

// typedColumn is the columnBuffer of values of Go type T.
type typedColumn[T any] struct {
	vals []T
	// nulls marks the NULLs of a nullable column (nil otherwise); vals holds
	// T's zero value at those rows.
	nulls    []bool
	nullable bool
	// conv converts a non-nil canonical value.
	conv func(v any) (T, error)
	zero T
	// width is the estimated size of a value; size, when set, estimates the
	// size of variable-length values instead.
	width int
	size  func(T) int
	// rowWise appends value by value (AppendRow), for ClickHouse types whose
	// clickhouse-go column has no fast path for a slice of T.
	rowWise bool
}

// columnSpec describes the typed buffer of a column; its newBuffer makes one.
type columnSpec[T any] struct {
	conv    func(v any) (T, error)
	zero    T
	width   int
	size    func(T) int
	rowWise bool
	// appendText, for a string column, appends the text of a non-nil
	// canonical value to dst without a string of its own (conv is used
	// when it is nil).
	appendText func(dst []byte, v any) ([]byte, error)
}

// setColumn sets the buffer constructor of c for values of type T: a
// [textColumn] for strings appended as a slice, else a [typedColumn].
func setColumn[T any](c *codec, spec columnSpec[T]) {
	nullable := c.nullable
	if text, ok := any(spec).(columnSpec[string]); ok && !text.rowWise {
		c.newBuffer = func(capacity int) columnBuffer {
			b := &textColumn{ends: make([]int, 0, capacity), nullable: nullable, conv: text.conv, appendText: text.appendText,
				zero: text.zero}
			if nullable {
				b.nulls = make([]bool, 0, capacity)
			}
			return b
		}
		return
	}
	c.newBuffer = func(capacity int) columnBuffer {
		b := &typedColumn[T]{vals: make([]T, 0, capacity), nullable: nullable, conv: spec.conv, zero: spec.zero,
			width: spec.width, size: spec.size, rowWise: spec.rowWise}
		if nullable {
			b.nulls = make([]bool, 0, capacity)
		}
		return b
	}
}

func (b *typedColumn[T]) add(v any) (int, error) {
	if v == nil {
		if !b.nullable {
			return 0, errNullInNotNull
		}
		var z T
		b.vals = append(b.vals, z)
		b.nulls = append(b.nulls, true)
		return 1, nil
	}
	x, err := b.conv(v)
	if err != nil {
		return 0, err
	}
	b.vals = append(b.vals, x)
	if b.nullable {
		b.nulls = append(b.nulls, false)
	}
	if b.size != nil {
		return b.size(x), nil
	}
	return b.width, nil
}

func (b *typedColumn[T]) addZero() int {
	if b.nullable {
		var z T
		b.vals = append(b.vals, z)
		b.nulls = append(b.nulls, true)
		return 1
	}
	b.vals = append(b.vals, b.zero)
	return b.width
}

func (b *typedColumn[T]) len() int { return len(b.vals) }

func (b *typedColumn[T]) truncate(n int) {
	clear(b.vals[n:])
	b.vals = b.vals[:n]
	if b.nullable {
		b.nulls = b.nulls[:n]
	}
}

func (b *typedColumn[T]) appendRange(col driver.BatchColumn, lo, hi int) error {
	vals := b.vals[lo:hi]
	if b.rowWise {
		for i, v := range vals {
			var x any = v
			if b.nullable && b.nulls[lo+i] {
				x = nil
			}
			if err := col.AppendRow(x); err != nil {
				return err
			}
		}
		return nil
	}
	if !b.nullable {
		return col.Append(vals)
	}
	nulls := b.nulls[lo:hi]
	pool := ptrPool[T]()
	pp := pool.Get().(*[]*T)
	defer pool.Put(pp)
	ptrs := (*pp)[:0]
	for i := range vals {
		if nulls[i] {
			ptrs = append(ptrs, nil)
		} else {
			ptrs = append(ptrs, &vals[i])
		}
	}
	err := col.Append(ptrs)
	clear(ptrs)
	*pp = ptrs[:0]
	return err
}

// ptrPools holds, per type T, a sync.Pool of the []*T a nullable
// typedColumn[T] hands clickhouse-go: reused from call to call, rather
// than kept by every block.
var ptrPools sync.Map

func ptrPool[T any]() *sync.Pool {
	t := reflect.TypeFor[T]()
	if p, ok := ptrPools.Load(t); ok {
		return p.(*sync.Pool)
	}
	p, _ := ptrPools.LoadOrStore(t, &sync.Pool{New: func() any { return new([]*T) }})
	return p.(*sync.Pool)
}

func (b *typedColumn[T]) reset() { b.truncate(0) }

// textColumn is the columnBuffer of a String column: the values' bytes one
// after the other in one slice, and where each ends. Unlike a []string it
// holds no pointer per value, so the garbage collector has nothing to scan
// in it, a value costs its bytes and a word, and the source's strings can
// be collected as soon as the row is buffered.
type textColumn struct {
	text []byte
	// ends[i] is where value i ends in text; it starts where value i-1
	// ends.
	ends []int
	// nulls marks the NULLs of a nullable column (nil otherwise), whose
	// text is empty.
	nulls      []bool
	nullable   bool
	conv       func(v any) (string, error)
	appendText func(dst []byte, v any) ([]byte, error)
	zero       string
}

func (b *textColumn) add(v any) (int, error) {
	if v == nil {
		if !b.nullable {
			return 0, errNullInNotNull
		}
		b.ends = append(b.ends, len(b.text))
		b.nulls = append(b.nulls, true)
		return 1, nil
	}
	start := len(b.text)
	if b.appendText != nil {
		text, err := b.appendText(b.text, v)
		if err != nil {
			b.text = b.text[:start]
			return 0, err
		}
		b.text = text
	} else {
		s, err := b.conv(v)
		if err != nil {
			return 0, err
		}
		b.text = append(b.text, s...)
	}
	b.ends = append(b.ends, len(b.text))
	if b.nullable {
		b.nulls = append(b.nulls, false)
	}
	return len(b.text) - start + 2, nil
}

func (b *textColumn) addZero() int {
	if b.nullable {
		b.ends = append(b.ends, len(b.text))
		b.nulls = append(b.nulls, true)
		return 1
	}
	b.text = append(b.text, b.zero...)
	b.ends = append(b.ends, len(b.text))
	return len(b.zero) + 2
}

func (b *textColumn) len() int { return len(b.ends) }

// start returns where value i starts in text.
func (b *textColumn) start(i int) int {
	if i == 0 {
		return 0
	}
	return b.ends[i-1]
}

func (b *textColumn) truncate(n int) {
	b.text = b.text[:b.start(n)]
	b.ends = b.ends[:n]
	if b.nullable {
		b.nulls = b.nulls[:n]
	}
}

// appendRange hands the values of rows lo to hi-1 to col as a []string (or
// []*string) whose strings are views of b's text, not copies: clickhouse-go
// copies a String column's values into its own buffer as it appends them
// (ch-go's ColStr.Append), and the views are dropped before appendRange
// returns, so that none outlives the call, nor sees text change.
func (b *textColumn) appendRange(col driver.BatchColumn, lo, hi int) error {
	vp := textViews.Get().(*[]string)
	defer textViews.Put(vp)
	views := (*vp)[:0]
	start := b.start(lo)
	for _, end := range b.ends[lo:hi] {
		if end == start {
			views = append(views, "")
		} else {
			views = append(views, unsafe.String(&b.text[start], end-start))
		}
		start = end
	}
	defer func() { clear(views); *vp = views[:0] }()
	if !b.nullable {
		return col.Append(views)
	}
	pp := textPtrs.Get().(*[]*string)
	defer textPtrs.Put(pp)
	ptrs := (*pp)[:0]
	for i, null := range b.nulls[lo:hi] {
		if null {
			ptrs = append(ptrs, nil)
		} else {
			ptrs = append(ptrs, &views[i])
		}
	}
	err := col.Append(ptrs)
	clear(ptrs)
	*pp = ptrs[:0]
	return err
}

// textViews and textPtrs hold the slices textColumn.appendRange hands
// clickhouse-go, reused from call to call: one per insert running, not one
// per column of every block a sink keeps (64 KiB each for 4096 rows).
var (
	textViews = sync.Pool{New: func() any { return new([]string) }}
	textPtrs  = sync.Pool{New: func() any { return new([]*string) }}
)

func (b *textColumn) reset() { b.truncate(0) }

// decimalColumn is the columnBuffer of a Decimal column of at most 18
// digits (Decimal32 or Decimal64): each value as the int64 count of units
// of its scale, 1234.5 as 123450 at scale 2. A decimal.Decimal holds a
// pointer to a big.Int of the source's; the count holds nothing for the
// garbage collector to scan and lets the source's big.Int go once the row
// is buffered. The insert hands the units to the batch's column as they
// are, in ClickHouse's native encoding (appendNative); appendRange, for a
// column of another type than expected, makes the decimal.Decimal values
// clickhouse-go's Append takes, one block at a time.
type decimalColumn struct {
	units []int64
	// nulls marks the NULLs of a nullable column (nil otherwise), whose
	// units are 0.
	nulls    []bool
	nullable bool
	scale    int32
	// conv checks a non-nil canonical value against the column's type.
	conv func(v any) (decimal.Decimal, error)
	// decimals and ptrs are reused by appendRange.
	decimals []decimal.Decimal
	ptrs     []*decimal.Decimal
}

// newDecimalColumn returns a decimalColumn for a Decimal column of scale
// digits after the point whose values conv checks.
func newDecimalColumn(capacity int, nullable bool, scale int, conv func(v any) (decimal.Decimal, error)) *decimalColumn {
	b := &decimalColumn{units: make([]int64, 0, capacity), nullable: nullable, scale: int32(scale), conv: conv}
	if nullable {
		b.nulls = make([]bool, 0, capacity)
	}
	return b
}

// pow10 holds the powers of ten an int64 holds.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// units returns d, which conv has found to fit the column, in units of
// the column's scale. A coefficient of at most 18 digits at the column's
// scale or fewer digits after the point, the common case, takes no
// big-number arithmetic.
func (b *decimalColumn) unitsOf(d decimal.Decimal) int64 {
	if shift := int(d.Exponent() + b.scale); shift >= 0 && shift < len(pow10) && d.NumDigits() <= 18 {
		return d.CoefficientInt64() * pow10[shift]
	}
	return d.Shift(b.scale).IntPart()
}

func (b *decimalColumn) add(v any) (int, error) {
	if v == nil {
		if !b.nullable {
			return 0, errNullInNotNull
		}
		b.units = append(b.units, 0)
		b.nulls = append(b.nulls, true)
		return 1, nil
	}
	d, err := b.conv(v)
	if err != nil {
		return 0, err
	}
	b.units = append(b.units, b.unitsOf(d))
	if b.nullable {
		b.nulls = append(b.nulls, false)
	}
	return 8, nil
}

func (b *decimalColumn) addZero() int {
	b.units = append(b.units, 0)
	if b.nullable {
		b.nulls = append(b.nulls, true)
		return 1
	}
	return 8
}

func (b *decimalColumn) len() int { return len(b.units) }

func (b *decimalColumn) truncate(n int) {
	b.units = b.units[:n]
	if b.nullable {
		b.nulls = b.nulls[:n]
	}
}

// appendNative appends the values of rows lo to hi-1 to raw, the batch's
// Decimal32/64 column (or Nullable of one), in ClickHouse's native
// encoding (see [nativeBlock]): the null map of a nullable column, one byte
// per row, then each value as a little-endian integer of units, 4 or 8
// bytes. clickhouse-go's Append, the only other way in, takes
// decimal.Decimal values and rescales each through big.Int: 130 ns per
// value, a sixth of the sink's CPU per row of
// BenchmarkSnapshotToClickHouse/bench. It reports false, having appended
// nothing, when raw is not a column of b's scale and nullability whose
// values take 4 or 8 bytes.
func (b *decimalColumn) appendNative(nb *nativeBlock, raw column.Interface, lo, hi int) (bool, error) {
	base := raw
	if n, ok := raw.(*column.Nullable); ok {
		if !b.nullable {
			return false, nil
		}
		base = n.Base()
	} else if b.nullable {
		return false, nil
	}
	d, ok := base.(*column.Decimal)
	if !ok || d.Scale() != int64(b.scale) || d.Precision() > 18 {
		return false, nil
	}
	enc := nb.buf[:0]
	if b.nullable {
		for _, null := range b.nulls[lo:hi] {
			enc = append(enc, boolByte(null))
		}
	}
	if d.Precision() <= 9 {
		for _, u := range b.units[lo:hi] {
			enc = binary.LittleEndian.AppendUint32(enc, uint32(int32(u)))
		}
	} else {
		for _, u := range b.units[lo:hi] {
			enc = binary.LittleEndian.AppendUint64(enc, uint64(u))
		}
	}
	nb.buf = enc
	return true, nb.decode(raw, hi-lo)
}

func (b *decimalColumn) appendRange(col driver.BatchColumn, lo, hi int) error {
	decimals := b.decimals[:0]
	for _, u := range b.units[lo:hi] {
		decimals = append(decimals, decimal.New(u, -b.scale))
	}
	// The decimals' big.Ints are garbage once clickhouse-go has them.
	defer func() { clear(decimals); b.decimals = decimals[:0] }()
	if !b.nullable {
		return col.Append(decimals)
	}
	ptrs := b.ptrs[:0]
	for i, null := range b.nulls[lo:hi] {
		if null {
			ptrs = append(ptrs, nil)
		} else {
			ptrs = append(ptrs, &decimals[i])
		}
	}
	err := col.Append(ptrs)
	clear(ptrs)
	b.ptrs = ptrs[:0]
	return err
}

func (b *decimalColumn) reset() { b.truncate(0) }

// nativeBlock appends a block's values to a clickhouse-go batch column in
// ClickHouse's native encoding: the column decodes them
// (column.Interface.Decode, the method clickhouse-go reads a block from the
// server with), which copies fixed-width values into its ch-go column as
// they are, with no conversion per value. A sink's insert goroutine owns
// one and reuses its buffer and reader from block to block.
type nativeBlock struct {
	// buf holds the encoded values of one column of one block.
	buf []byte
	src bytes.Reader
	// r reads src; it is made once (it holds a 128 KiB read buffer) and
	// dropped after an error, which could leave bytes in it.
	r *proto.Reader
}

// decode appends the rows encoded in nb.buf to col.
func (nb *nativeBlock) decode(col column.Interface, rows int) error {
	nb.src.Reset(nb.buf)
	if nb.r == nil {
		nb.r = proto.NewReader(&nb.src)
	}
	if err := decodeColumn(nb.r, col, rows); err != nil {
		nb.r = nil
		return fmt.Errorf("clickhouse: appending %d encoded rows: %w", rows, err)
	}
	return nil
}

// decodeColumn appends rows rows, as clickhouse-go encodes a column (its
// state prefix first, for a column that has one), from r to col, and
// checks that col took them all.
func decodeColumn(r *proto.Reader, col column.Interface, rows int) error {
	before := col.Rows()
	if cs, ok := col.(column.CustomSerialization); ok {
		if err := cs.ReadStatePrefix(r); err != nil {
			return fmt.Errorf("column %s: %w", col.Name(), err)
		}
	}
	if err := col.Decode(r, rows); err != nil {
		return fmt.Errorf("column %s: %w", col.Name(), err)
	}
	if col.Rows() != before+rows {
		return fmt.Errorf("column %s took %d rows of %d", col.Name(), col.Rows()-before, rows)
	}
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
