package mysql

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// compareValues orders two canonical values of one column as the server
// orders the column's values: numbers, times and durations by value,
// strings and bytes by their bytes. Text keys with a case- or
// accent-insensitive collation are ordered by bytes too, which can differ
// from the server's order; choose an integer or binary chunk key for such
// tables when the snapshot runs under heavy concurrent writes.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return 0
		}
		return -1
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case uint64:
			if x < 0 {
				return -1
			}
			return cmp.Compare(uint64(x), y)
		}
	case uint64:
		switch y := b.(type) {
		case uint64:
			return cmp.Compare(x, y)
		case int64:
			if y < 0 {
				return 1
			}
			return cmp.Compare(x, uint64(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case cdc.JSON:
		if y, ok := b.(cdc.JSON); ok {
			return strings.Compare(string(x), string(y))
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	case decimal.Decimal:
		if y, ok := b.(decimal.Decimal); ok {
			return x.Cmp(y)
		}
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			return x.Compare(y)
		case cdc.ZeroTime:
			return 1
		}
	case cdc.ZeroTime:
		switch y := b.(type) {
		case cdc.ZeroTime:
			return strings.Compare(string(x), string(y))
		case time.Time:
			return -1
		}
	case time.Duration:
		if y, ok := b.(time.Duration); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case float32:
		if y, ok := b.(float32); ok {
			return cmp.Compare(x, y)
		}
	}
	if b == nil {
		return 1
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// appendKey appends an unambiguous encoding of a canonical value, for
// identifying rows by key while merging binlog changes into a chunk.
func appendKey(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 0)
	case int64:
		dst = append(dst, 1)
		return binary.BigEndian.AppendUint64(dst, uint64(x))
	case uint64:
		dst = append(dst, 2)
		return binary.BigEndian.AppendUint64(dst, x)
	case string:
		dst = append(dst, 3)
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...)
	case []byte:
		dst = append(dst, 4)
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...)
	case time.Time:
		dst = append(dst, 5)
		return binary.BigEndian.AppendUint64(dst, uint64(x.UnixNano()))
	case time.Duration:
		dst = append(dst, 6)
		return binary.BigEndian.AppendUint64(dst, uint64(x))
	case float64:
		dst = append(dst, 7)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(x))
	case float32:
		dst = append(dst, 8)
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(x))
	}
	s := fmt.Sprint(v)
	dst = append(dst, 9)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// rowKey encodes the primary key of row, or every column when the table has
// no primary key.
func rowKey(dst []byte, s *cdc.TableSchema, pk []int, row cdc.Row) []byte {
	if len(pk) == 0 {
		for _, v := range row {
			dst = appendKey(dst, v)
		}
		return dst
	}
	for _, i := range pk {
		dst = appendKey(dst, row[i])
	}
	return dst
}

// pkIndexes returns the column indexes of s's primary key.
func pkIndexes(s *cdc.TableSchema) []int {
	out := make([]int, 0, len(s.PrimaryKey))
	for _, name := range s.PrimaryKey {
		if i := s.ColumnIndex(name); i >= 0 {
			out = append(out, i)
		}
	}
	return out
}
