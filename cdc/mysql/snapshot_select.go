package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// chunkQuery is the SELECT of a chunk's rows, with the arguments of its ?
// placeholders.
func chunkQuery(t *tableState, schema *cdc.TableSchema, chunk *snapshotChunk) (string, []any) {
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
	return sel.String(), args
}

// selectChunkOn reads a chunk's rows on a reader's connection.
func (r *runner) selectChunkOn(ctx context.Context, conn chunkConn, t *tableState, schema *cdc.TableSchema, chunk *snapshotChunk) ([]cdc.Row, error) {
	query, args := chunkQuery(t, schema, chunk)
	rows, err := conn.selectRows(ctx, query, args, schema.Columns, r.cfg.SplitSize)
	var ve *ValueError
	switch {
	case err == nil:
		return rows, nil
	case errors.As(err, &ve):
		return nil, sourceErr("snapshot", nil, err, "", "decode %s", t.id)
	case isAccessDenied(err):
		return nil, sourceErr("snapshot", ErrMissingPrivilege, err, r.grantFix(privSelect), "read %s", t.id)
	}
	return nil, sourceErr("snapshot", nil, err, "", "read %s", t.id)
}

// selectChunk reads a chunk's rows through database/sql.
func (r *runner) selectChunk(ctx context.Context, conn *sql.Conn, t *tableState, schema *cdc.TableSchema, chunk *snapshotChunk) ([]cdc.Row, error) {
	cols := schema.Columns
	query, args := chunkQuery(t, schema, chunk)
	n := len(cols)
	rows := make([]cdc.Row, 0, r.cfg.SplitSize)
	var slab []any
	var strs stringArena
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
