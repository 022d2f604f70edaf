package clickhouse

import (
	"errors"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
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
	// appendTo appends the buffered values to a batch column.
	appendTo(col driver.BatchColumn) error
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
	// ptrs is reused by appendTo for a nullable column's []*T.
	ptrs []*T
}

// columnSpec describes the typed buffer of a column; its newBuffer makes one.
type columnSpec[T any] struct {
	conv    func(v any) (T, error)
	zero    T
	width   int
	size    func(T) int
	rowWise bool
}

// setColumn sets the buffer constructor of c for values of type T.
func setColumn[T any](c *codec, spec columnSpec[T]) {
	nullable := c.nullable
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

func (b *typedColumn[T]) appendTo(col driver.BatchColumn) error {
	return b.appendRange(col, 0, len(b.vals))
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
	ptrs := b.ptrs[:0]
	for i := range vals {
		if nulls[i] {
			ptrs = append(ptrs, nil)
		} else {
			ptrs = append(ptrs, &vals[i])
		}
	}
	err := col.Append(ptrs)
	clear(ptrs)
	b.ptrs = ptrs[:0]
	return err
}

func (b *typedColumn[T]) reset() { b.truncate(0) }
