package mysql

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// The snapshot's chunk read through go-mysql's ExecuteSelectStreaming, its
// rows parsed into []FieldValue and decoded by decodeFieldValue, which
// clientChunkConn.selectRows replaced with its own reading of the rows
// (see [textResult]): kept as the baseline BenchmarkSelectChunk measures it
// against, and a second opinion for tests.

// selectRowsStreaming is selectRows through go-mysql's
// ExecuteSelectStreaming.
func (c *clientChunkConn) selectRowsStreaming(ctx context.Context, query string, args []any, cols []cdc.Column, sizeHint int) ([]cdc.Row, error) {
	n := len(cols)
	rows := make([]cdc.Row, 0, sizeHint)
	var slab []any
	var strs typedArena
	var decodeErr error
	var result gomysql.Result
	err := c.call(ctx, func() error {
		q, err := interpolate(query, args, c.noBackslashEscapes)
		if err != nil {
			return err
		}
		onResult := func(res *gomysql.Result) error {
			if len(res.Fields) != n {
				return fmt.Errorf("query returned %d columns, want %d", len(res.Fields), n)
			}
			return nil
		}
		onRow := func(vals []gomysql.FieldValue) error {
			if len(slab) < n {
				slab = make([]any, n*256)
			}
			row := cdc.Row(slab[:n:n])
			slab = slab[n:]
			for i := range cols {
				if err := decodeFieldValue(&cols[i], &vals[i], &strs, &row[i]); err != nil {
					decodeErr = err
					return err
				}
			}
			rows = append(rows, row)
			return nil
		}
		if err := c.conn.ExecuteSelectStreaming(q, &result, onRow, onResult); err != nil {
			return err
		}
		c.status(result.Status)
		return nil
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// decodeFieldValue is decodeDriverValue for a value go-mysql's client
// parsed from a text-protocol row (see selectRowsStreaming): integers and
// doubles arrive parsed, and are boxed in strs's slabs; the rest arrives as
// text, valid only until the next row, and goes through
// decodeTextIntoTyped.
// strs must not be nil.
func decodeFieldValue(col *cdc.Column, v *gomysql.FieldValue, strs *typedArena, slot *any) error {
	k := col.Type.Kind
	switch v.Type {
	case gomysql.FieldValueTypeNull:
		*slot = nil
		return nil
	case gomysql.FieldValueTypeString:
		raw := v.AsString()
		if raw == nil {
			// go-mysql leaves an empty value nil until a longer one gives
			// it a buffer; nil is NULL to decodeText.
			raw = []byte{}
		}
		return decodeTextIntoTyped(col, raw, strs, slot)
	case gomysql.FieldValueTypeSigned:
		x := v.AsInt64()
		switch {
		case (k.IsInteger() || k == cdc.KindYear) && !col.Type.Unsigned:
			*slot = strs.ints.box(x)
			return nil
		case k.IsInteger() && x >= 0:
			*slot = strs.uints.box(uint64(x))
			return nil
		}
	case gomysql.FieldValueTypeUnsigned:
		// YEAR columns come flagged UNSIGNED; their value is an int64.
		x := v.AsUint64()
		switch {
		case k.IsInteger() && col.Type.Unsigned:
			*slot = strs.uints.box(x)
			return nil
		case (k.IsInteger() || k == cdc.KindYear) && x <= math.MaxInt64:
			*slot = strs.ints.box(int64(x))
			return nil
		}
	case gomysql.FieldValueTypeFloat:
		switch k {
		case cdc.KindDouble:
			*slot = strs.floats.box(v.AsFloat64())
			return nil
		case cdc.KindFloat:
			*slot = strs.float32s.box(float32(v.AsFloat64()))
			return nil
		}
	default:
		return valueError(col, v.Value(), "unexpected value type %d from go-mysql", v.Type)
	}
	return decodeNumberText(col, v, slot)
}

// decodeNumberText decodes a number go-mysql parsed for a column of
// another kind through its text, as decodeText would see it.
func decodeNumberText(col *cdc.Column, v *gomysql.FieldValue, slot *any) error {
	var raw []byte
	switch v.Type {
	case gomysql.FieldValueTypeSigned:
		raw = strconv.AppendInt(nil, v.AsInt64(), 10)
	case gomysql.FieldValueTypeUnsigned:
		raw = strconv.AppendUint(nil, v.AsUint64(), 10)
	default:
		raw = strconv.AppendFloat(nil, v.AsFloat64(), 'g', -1, 64)
	}
	d, err := decodeText(col, raw, time.UTC)
	*slot = d
	return err
}
