package mysql

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// ReadTable reads every row of a table as canonical values, in primary key
// order: the rows a snapshot of the table would emit now. It exists to compare
// a sink's state with the source's, in tests and in consistency checks.
//
// The session runs with time_zone '+00:00', as the source's own connections
// do, so TIMESTAMP values agree with captured ones. Tables without a primary
// key are read in the server's order.
func ReadTable(ctx context.Context, db *sql.DB, schema *cdc.TableSchema) ([]cdc.Row, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET time_zone = '+00:00'"); err != nil {
		return nil, err
	}
	exprs := make([]string, len(schema.Columns))
	for i := range schema.Columns {
		exprs[i] = selectExpression(&schema.Columns[i])
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + quoteTable(schema.Table)
	if len(schema.PrimaryKey) > 0 {
		keys := make([]string, len(schema.PrimaryKey))
		for i, k := range schema.PrimaryKey {
			keys[i] = quoteIdent(k)
		}
		q += " ORDER BY " + strings.Join(keys, ", ")
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(exprs))
	dest := make([]any, len(exprs))
	for i := range raw {
		dest[i] = &raw[i]
	}
	var out []cdc.Row
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := make(cdc.Row, len(raw))
		for i, b := range raw {
			if b == nil {
				continue
			}
			if row[i], err = decodeText(&schema.Columns[i], b, time.UTC); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
