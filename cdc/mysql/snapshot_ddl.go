package mysql

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
)

// snapshotSchemas is what a snapshot knows of a table's schema over the
// binlog: the schema loaded when the run began, and one version more for
// every DDL statement on the table its chunks' binlog windows read. Chunk
// readers share it; each chunk's window is started no later than the end
// of the windows read so far (followed), so no statement falls between
// two windows unseen.
type snapshotSchemas struct {
	mu sync.Mutex
	// versions are sorted by from; the first is the loaded schema, from
	// the zero offset unless a statement read before it was found to be in
	// it already (then from the end of that statement, and rows before
	// that position have no known schema).
	versions []schemaVersion
	// followed is the position up to which every statement on the table
	// is in versions.
	followed Offset
}

// schemaVersion is a table's schema from a binlog position on.
type schemaVersion struct {
	from   Offset
	schema *cdc.TableSchema
}

// initVersions starts the table's versions with the schema it was loaded
// with, known to hold from the binlog position since.
func (t *tableState) initVersions(since Offset) {
	t.ddl.versions = []schemaVersion{{schema: t.schema}}
	t.ddl.followed = since
}

// latestVersion returns the newest schema known and where it starts.
func (t *tableState) latestVersion() schemaVersion {
	t.ddl.mu.Lock()
	defer t.ddl.mu.Unlock()
	if len(t.ddl.versions) == 0 {
		return schemaVersion{schema: t.schema}
	}
	return t.ddl.versions[len(t.ddl.versions)-1]
}

// versionAt returns the schema the table had at pos; nil when pos lies
// before the oldest known version.
func (t *tableState) versionAt(pos Offset) schemaVersion {
	t.ddl.mu.Lock()
	defer t.ddl.mu.Unlock()
	if len(t.ddl.versions) == 0 {
		return schemaVersion{schema: t.schema}
	}
	var v schemaVersion
	for _, x := range t.ddl.versions {
		if x.from.Compare(pos) <= 0 {
			v = x
		}
	}
	return v
}

// followedFrom is where a chunk's binlog window must start, at the latest,
// for the table's statements to be seen without a gap.
func (t *tableState) followedFrom() Offset {
	t.ddl.mu.Lock()
	defer t.ddl.mu.Unlock()
	return t.ddl.followed
}

// markFollowed records that the table's statements up to pos are known.
func (t *tableState) markFollowed(pos Offset) {
	t.ddl.mu.Lock()
	defer t.ddl.mu.Unlock()
	if t.ddl.followed.IsZero() || pos.Compare(t.ddl.followed) > 0 {
		t.ddl.followed = pos
	}
}

// addVersion records that the table has schema s from pos on (a statement
// read again by another chunk's window changes nothing). With rebase, s
// replaces every version before pos: the loaded schema already had the
// statement ending at pos.
func (t *tableState) addVersion(pos Offset, s *cdc.TableSchema, rebase bool) {
	t.ddl.mu.Lock()
	defer t.ddl.mu.Unlock()
	if rebase {
		if len(t.ddl.versions) > 0 && t.ddl.versions[0].from.Compare(pos) >= 0 {
			return
		}
		kept := []schemaVersion{{from: pos, schema: s}}
		for _, v := range t.ddl.versions {
			if v.from.Compare(pos) > 0 {
				kept = append(kept, v)
			}
		}
		t.ddl.versions = kept
		return
	}
	for _, v := range t.ddl.versions {
		if v.from == pos {
			return
		}
	}
	t.ddl.versions = append(t.ddl.versions, schemaVersion{from: pos, schema: s})
	slices.SortStableFunc(t.ddl.versions, func(a, b schemaVersion) int { return a.from.Compare(b.from) })
}

// errChunkSchemaChanged: a chunk's binlog window holds a statement that
// changed the table after the schema its rows were read with; the chunk
// is read again with the new one.
var errChunkSchemaChanged = errors.New("the table's schema changed while its chunk was read")

// maxChunkRereads bounds how often one chunk is read again because its
// table's schema changed meanwhile.
const maxChunkRereads = 20

// followDDL applies a query event of a chunk's binlog window to its
// table's schema versions. It reports whether the statement changed the
// table.
func (r *runner) followDDL(ctx context.Context, t *tableState, e *replication.QueryEvent, end Offset) (bool, error) {
	q := strings.TrimSpace(string(e.Query))
	switch strings.ToUpper(firstWord(q)) {
	case "BEGIN", "COMMIT", "SAVEPOINT", "ROLLBACK", "XA", "INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD":
		return false, nil
	}
	db := string(e.Schema)
	lq := strings.ToLower(q)
	if !strings.Contains(lq, strings.ToLower(t.id.Table)) {
		return false, nil
	}
	reload := func(rebase bool) (bool, error) {
		// What the parser cannot read (the server's present definition,
		// from the statement's end on, when it differs), or a statement
		// the loaded schema already has (rebase: the present definition
		// replaces every version before the statement's end).
		(&binlogReader{r: r}).awaitDDLCommit(ctx, t.id)
		m, err := LoadTableSchemas(ctx, r.db, []cdc.TableID{t.id})
		if err != nil {
			return false, sourceErr("snapshot", ErrSchemaMismatch, err, "restart the source from a snapshot (delete the checkpoint)",
				"read the definition of %s again after a DDL statement at %s during its snapshot", t.id, end)
		}
		s := m[t.id]
		if !rebase {
			if old := t.versionAt(end).schema; old != nil && reflect.DeepEqual(old.Columns, s.Columns) && slices.Equal(old.PrimaryKey, s.PrimaryKey) {
				return false, nil
			}
		}
		t.addVersion(end, s, rebase)
		return true, nil
	}
	stmts, err := parseDDL(q)
	if err != nil {
		return reload(false)
	}
	changed := false
	for _, st := range stmts {
		if !slices.Contains(statementTables(st, db), t.id) {
			continue
		}
		before := t.versionAt(end).schema
		if before == nil {
			return reload(true)
		}
		h := newSchemaHistory(nil).with(t.id, historyTable{schema: before, charset: tableCharsetGuess(before)})
		env := ddlEnv{
			defaultDB: db,
			captured:  func(id cdc.TableID) bool { return id == t.id },
			matches:   func(cdc.TableID) bool { return false },
			load: func(id cdc.TableID) (historyTable, error) {
				m, err := LoadTableSchemas(ctx, r.db, []cdc.TableID{id})
				if err != nil {
					return historyTable{}, err
				}
				return historyTable{schema: m[id], charset: tableCharsetGuess(m[id])}, nil
			},
			databaseCharset: func(db string) string { cs, _ := databaseDefaultCharset(ctx, r.db, db); return cs },
		}
		res, err := h.apply(st, env)
		if err != nil {
			return reload(true)
		}
		after := res.history.schema(t.id)
		if after == nil {
			return false, sourceErr("snapshot", ErrSchemaMismatch, nil, "restart the source from a snapshot (delete the checkpoint) once the table is back",
				"%s was dropped or renamed at %s while its snapshot ran", t.id, end)
		}
		if after != before {
			t.addVersion(end, after, false)
			changed = true
		}
	}
	return changed, nil
}

// keyIndex is the index of the table's chunk key column in schema s.
func (t *tableState) keyIndex(s *cdc.TableSchema) (int, error) {
	if s == t.schema {
		return t.keyIdx, nil
	}
	name := t.keyCol().Name
	if i := s.ColumnIndex(name); i >= 0 {
		return i, nil
	}
	return -1, sourceErr("snapshot", ErrSchemaMismatch, nil, "restart the source from a snapshot (delete the checkpoint)",
		"the chunk key column %s of %s was dropped or renamed while its snapshot ran", name, t.id)
}

// convertRow returns row, of schema from, in the layout of schema to:
// columns matched by name, those to has and from lacks NULL.
func convertRow(row cdc.Row, from, to *cdc.TableSchema) cdc.Row {
	if from == to {
		return row
	}
	out := make(cdc.Row, len(to.Columns))
	for i, c := range to.Columns {
		if j := from.ColumnIndex(c.Name); j >= 0 {
			out[i] = row[j]
		}
	}
	return out
}

// rowsMismatchError is the error for a rows event of a table in a chunk's
// binlog window that does not fit the table's schema at its position.
func rowsMismatchError(id cdc.TableID, at Offset, why string) error {
	return sourceErr("snapshot", ErrSchemaMismatch, nil,
		"restart the source from a snapshot (delete the checkpoint); a DDL statement on the table that the snapshot did not see (made while the source was stopped mid-snapshot) leaves rows it cannot decode",
		"a change of %s at %s does not fit the table's schema: %s", id, at, why)
}

// isUnknownColumn reports whether err is MySQL's ER_BAD_FIELD_ERROR: a
// chunk's SELECT named a column a DDL statement dropped or renamed.
func isUnknownColumn(err error) bool { return serverErrorIs(err, 1054) }

// followToNow reads the table's binlog from where its statements are
// followed to now, after a chunk's SELECT named a column the table no
// longer has. It returns errChunkSchemaChanged, for the chunk to be read
// again, when that found a newer schema, and cause otherwise.
func (r *runner) followToNow(ctx context.Context, conn chunkConn, serverID uint32, t *tableState, chunk int, sel schemaVersion, low Offset, cause error) error {
	high, err := r.binlogStatus(ctx, conn)
	if err != nil {
		return err
	}
	from := low
	if f := t.followedFrom(); f.File != "" && from.File != "" && f.Compare(from) < 0 {
		from = f
	}
	if from.File != high.File || from.Pos != high.Pos {
		_, _, err = r.backfill(ctx, serverID, t, chunk, nil, sel, from, high, false)
		switch {
		case errors.Is(err, errChunkSchemaChanged):
		case err != nil:
			return err
		default:
			t.markFollowed(high)
		}
	}
	if t.latestVersion().schema != sel.schema {
		return errChunkSchemaChanged
	}
	return cause
}
