package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// The snapshot's chunk read through database/sql and go-sql-driver's text
// rows, which chunkConn replaced: kept as the baseline BenchmarkSelectChunk
// measures it against.

// selectChunkSQL reads a chunk's rows through database/sql, as the snapshot
// did before its readers had connections of their own (chunkConn): the
// baseline of BenchmarkSelectChunk, and a second opinion for tests.
func (r *runner) selectChunkSQL(ctx context.Context, conn *sql.Conn, t *tableState, schema *cdc.TableSchema, chunk *snapshotChunk) ([]cdc.Row, error) {
	cols := schema.Columns
	query, args := chunkQuery(t, schema, chunk)
	n := len(cols)
	rows := make([]cdc.Row, 0, r.cfg.SplitSize)
	var slab []any
	var strs typedArena
	var decodeErr error
	err := queryRows(ctx, conn, query, args, func(vals []driver.Value) error {
		if len(vals) != n {
			return fmt.Errorf("query returned %d columns, want %d", len(vals), n)
		}
		// Rows are cut from slabs of 256: one allocation instead of 256.
		if len(slab) < n {
			slab = make([]any, n*256)
		}
		row := cdc.Row(slab[:n:n])
		slab = slab[n:]
		for i := range cols {
			if err := decodeDriverValue(&cols[i], vals[i], &strs, &row[i]); err != nil {
				decodeErr = err
				return err
			}
		}
		rows = append(rows, row)
		return nil
	})
	if decodeErr != nil {
		return nil, sourceErr("snapshot", nil, decodeErr, "", "decode %s", t.id)
	}
	if err != nil {
		if isAccessDenied(err) {
			return nil, sourceErr("snapshot", ErrMissingPrivilege, err, r.grantFix(privSelect), "read %s", t.id)
		}
		return nil, sourceErr("snapshot", nil, err, "", "read %s", t.id)
	}
	return rows, nil
}

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
func decodeDriverValue(col *cdc.Column, v driver.Value, strs *typedArena, slot *any) error {
	k := col.Type.Kind
	switch x := v.(type) {
	case nil:
		*slot = nil
		return nil
	case []byte:
		return decodeTextIntoTyped(col, x, strs, slot)
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
