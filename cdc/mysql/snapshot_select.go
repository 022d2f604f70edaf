package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// selectChunk reads a chunk's rows.
func (r *runner) selectChunk(ctx context.Context, conn *sql.Conn, t *tableState, schema *cdc.TableSchema, chunk *snapshotChunk) ([]cdc.Row, error) {
	cols := schema.Columns
	var sel strings.Builder
	sel.WriteString("SELECT ")
	for i := range cols {
		if i > 0 {
			sel.WriteString(", ")
		}
		sel.WriteString(selectExpression(&cols[i]))
	}
	sel.WriteString(" FROM ")
	sel.WriteString(quoteTable(t.id))
	where, args := chunkWhere(quoteIdent(t.keyCol().Name), chunk)
	sel.WriteString(where)
	n := len(cols)
	rows := make([]cdc.Row, 0, r.cfg.SplitSize)
	var slab []any
	var strs stringArena
	var decodeErr error
	err := queryRows(ctx, conn, sel.String(), args, func(vals []driver.Value) error {
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
	strs.flush()
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
