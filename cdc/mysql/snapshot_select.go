package mysql

import (
	"context"
	"errors"
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
