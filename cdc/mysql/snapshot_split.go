package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// tableState is a captured table during a snapshot and while the binlog
// still passes through its chunks' high watermarks.
type tableState struct {
	id     cdc.TableID
	schema *cdc.TableSchema
	keyIdx int // index of the chunk key column in schema.Columns
	snap   *tableSnapshot
	// delivered is each chunk's DeliveredFrom as the run found it: the
	// chunks an earlier run may have handed over (see [snapshotChunk]).
	delivered []Offset
	// starts[i] is the canonical value of chunk i's Start (nil for chunk 0),
	// for finding the chunk of a binlog row.
	starts []any
	maxHW  Offset
	// ddl follows the DDL statements on the table while it is snapshotted.
	ddl snapshotSchemas
}

func (t *tableState) keyCol() *cdc.Column { return &t.schema.Columns[t.keyIdx] }

// quoteIdent quotes a MySQL identifier with backquotes.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteTable(t cdc.TableID) string { return quoteIdent(t.Database) + "." + quoteIdent(t.Table) }

// chooseKey picks the table's chunk key column.
func (r *runner) chooseKey(schema *cdc.TableSchema) (int, error) {
	name, chosen := r.cfg.chunkKeys[schema.Table]
	if !chosen {
		if len(schema.PrimaryKey) == 0 {
			return -1, sourceErr("snapshot", ErrNoChunkKey, nil,
				fmt.Sprintf("add a primary key, or set ChunkKeyColumn(%q, \"<indexed column>\")", schema.Table.String()),
				"table %s has no primary key to split its snapshot by", schema.Table)
		}
		name = schema.PrimaryKey[0]
	}
	i := schema.ColumnIndex(name)
	if i < 0 {
		return -1, sourceErr("snapshot", ErrNoChunkKey, nil, "name an existing, preferably indexed, column in ChunkKeyColumn",
			"ChunkKeyColumn %q is not a column of %s", name, schema.Table)
	}
	return i, nil
}

// boundArg is a chunk bound as a query argument.
func boundArg(b *chunkBound) any {
	switch {
	case b.Int != nil:
		return *b.Int
	case b.Uint != nil:
		return *b.Uint
	}
	return string(b.Bytes)
}

// boundValue is a chunk bound as the canonical value of the key column.
func boundValue(col *cdc.Column, b *chunkBound) (any, error) {
	switch {
	case b == nil:
		return nil, nil
	case b.Int != nil:
		return *b.Int, nil
	case b.Uint != nil:
		return *b.Uint, nil
	}
	return decodeText(col, b.Bytes, nil)
}

// makeBound turns a key value read through the text protocol into a bound.
func makeBound(col *cdc.Column, raw []byte) (*chunkBound, error) {
	b := &chunkBound{}
	if col.Type.Kind.IsInteger() {
		if col.Type.Unsigned {
			u, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return nil, err
			}
			b.Uint = &u
		} else {
			i, err := strconv.ParseInt(string(raw), 10, 64)
			if err != nil {
				return nil, err
			}
			b.Int = &i
		}
		return b, nil
	}
	b.Bytes = append([]byte{}, raw...)
	return b, nil
}

// split divides a table into chunks of about SplitSize rows: evenly sized
// key ranges for an integer key whose values are spread evenly enough,
// else ranges found by querying the key's values.
func (r *runner) split(ctx context.Context, conn *sql.Conn, t *tableState) ([]snapshotChunk, int64, error) {
	col := t.keyCol()
	key := quoteIdent(col.Name)
	tbl := quoteTable(t.id)
	var lo, hi sql.RawBytes
	row := conn.QueryRowContext(ctx, "SELECT MIN("+key+"), MAX("+key+") FROM "+tbl)
	var loS, hiS sql.NullString
	if err := row.Scan(&loS, &hiS); err != nil {
		return nil, 0, sourceErr("snapshot", nil, err, r.grantFix(privSelect), "split %s", t.id)
	}
	var estimate int64
	_ = conn.QueryRowContext(ctx, "SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		t.id.Database, t.id.Table).Scan(&estimate)
	if !loS.Valid { // empty table, or only NULL keys
		return []snapshotChunk{{}}, estimate, nil
	}
	lo, hi = sql.RawBytes(loS.String), sql.RawBytes(hiS.String)
	if col.Type.Kind.IsInteger() {
		if estimate <= 0 {
			_ = conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&estimate)
		}
		if chunks, ok := r.splitEvenly(col, lo, hi, estimate); ok {
			return chunks, estimate, nil
		}
	}
	chunks, err := r.splitByQuery(ctx, conn, t, lo)
	return chunks, estimate, err
}

// maxChunksPerTable bounds the chunks an even split may produce.
const maxChunksPerTable = 1 << 20

// splitEvenly cuts [min, max] of an integer key into ranges of equal width
// when the distribution factor (max-min+1)/rows lies within bounds.
func (r *runner) splitEvenly(col *cdc.Column, lo, hi []byte, rows int64) ([]snapshotChunk, bool) {
	var span uint64 // max - min, computed without overflow
	var minI int64
	var minU uint64
	if col.Type.Unsigned {
		a, err1 := strconv.ParseUint(string(lo), 10, 64)
		b, err2 := strconv.ParseUint(string(hi), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		minU, span = a, b-a
	} else {
		a, err1 := strconv.ParseInt(string(lo), 10, 64)
		b, err2 := strconv.ParseInt(string(hi), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		minI, span = a, uint64(b)-uint64(a)
	}
	if rows <= 0 {
		rows = 1
	}
	factor := (float64(span) + 1) / float64(rows)
	if factor < r.cfg.DistributionFactorLower || factor > r.cfg.DistributionFactorUpper {
		return nil, false
	}
	step := uint64(factor * float64(r.cfg.SplitSize))
	if step < 1 {
		step = 1
	}
	if span/step > maxChunksPerTable {
		return nil, false // a wrong row estimate; splitting by queries is safe
	}
	var chunks []snapshotChunk
	var prev *chunkBound
	for off := step; off <= span && off >= step; off += step { // off >= step stops on overflow
		b := &chunkBound{}
		if col.Type.Unsigned {
			v := minU + off
			b.Uint = &v
		} else {
			v := int64(uint64(minI) + off)
			b.Int = &v
		}
		chunks = append(chunks, snapshotChunk{Start: prev, End: b})
		prev = b
	}
	chunks = append(chunks, snapshotChunk{Start: prev})
	return chunks, true
}

// splitByQuery walks the key's values in SplitSize steps.
func (r *runner) splitByQuery(ctx context.Context, conn *sql.Conn, t *tableState, min []byte) ([]snapshotChunk, error) {
	col := t.keyCol()
	key := quoteIdent(col.Name)
	tbl := quoteTable(t.id)
	stepQ := "SELECT MAX(" + key + ") FROM (SELECT " + key + " FROM " + tbl + " WHERE " + key + " >= ? ORDER BY " + key + " LIMIT ?) AS chunk_keys"
	nextQ := "SELECT MIN(" + key + ") FROM " + tbl + " WHERE " + key + " > ?"
	start, err := makeBound(col, min)
	if err != nil {
		return nil, err
	}
	var chunks []snapshotChunk
	var prev *chunkBound
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var last, next sql.NullString
		if err := conn.QueryRowContext(ctx, stepQ, boundArg(start), r.cfg.SplitSize).Scan(&last); err != nil {
			return nil, sourceErr("snapshot", nil, err, "", "split %s", t.id)
		}
		if !last.Valid {
			break
		}
		lastB, err := makeBound(col, []byte(last.String))
		if err != nil {
			return nil, err
		}
		if err := conn.QueryRowContext(ctx, nextQ, boundArg(lastB)).Scan(&next); err != nil {
			return nil, sourceErr("snapshot", nil, err, "", "split %s", t.id)
		}
		if !next.Valid {
			break
		}
		nb, err := makeBound(col, []byte(next.String))
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, snapshotChunk{Start: prev, End: nb})
		prev, start = nb, nb
	}
	chunks = append(chunks, snapshotChunk{Start: prev})
	return chunks, nil
}

// chunkWhere is the WHERE clause and arguments selecting a chunk's rows.
func chunkWhere(key string, c *snapshotChunk) (string, []any) {
	switch {
	case c.Start == nil && c.End == nil:
		return "", nil
	case c.Start == nil:
		return " WHERE (" + key + " < ? OR " + key + " IS NULL)", []any{boundArg(c.End)}
	case c.End == nil:
		return " WHERE " + key + " >= ?", []any{boundArg(c.Start)}
	}
	return " WHERE " + key + " >= ? AND " + key + " < ?", []any{boundArg(c.Start), boundArg(c.End)}
}

// prepareFilter fills starts and maxHW from the table's chunks.
func (t *tableState) prepareFilter() error {
	t.starts = make([]any, len(t.snap.Chunks))
	t.maxHW = Offset{}
	for i := range t.snap.Chunks {
		c := &t.snap.Chunks[i]
		if i > 0 {
			v, err := boundValue(t.keyCol(), c.Start)
			if err != nil {
				return err
			}
			t.starts[i] = v
		}
		if c.HighWatermark.Compare(t.maxHW) > 0 {
			t.maxHW = c.HighWatermark
		}
	}
	return nil
}

// chunkOf returns the index of the chunk holding a key value (nil keys are
// in chunk 0).
func (t *tableState) chunkOf(v any) int {
	if v == nil {
		return 0
	}
	lo, hi := 1, len(t.starts) // find the last chunk whose start <= v
	for lo < hi {
		m := (lo + hi) / 2
		if compareValues(t.starts[m], v) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}
