package mysql

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
)

// handleDDL applies a statement of a query event to the schema history
// and, when asked, emits its changes to captured tables as one
// OpSchemaChange event. A statement the parser cannot read stops Run with
// [ErrSchemaMismatch] when it may change a captured table, and is ignored
// otherwise.
func (b *binlogReader) handleDDL(ctx context.Context, h *replication.EventHeader, e *replication.QueryEvent, q string, endPos uint64) error {
	db := string(e.Schema)
	start := endPos - uint64(h.EventSize)
	stmts, err := parseDDL(q)
	if err != nil {
		if !b.mayChangeCaptured(db, q) {
			b.r.src.obs.log.Debug("mysql source: a statement the DDL parser cannot read, touching no captured table, ignored",
				"statement", trimForError(q), "error", err)
			return nil
		}
		at := Offset{File: b.file, Pos: start}
		return sourceErr("binlog", ErrSchemaMismatch, &DDLError{Statement: q, Database: db, Offset: at, Err: err},
			"apply the change to the captured tables' definitions in a form the parser reads, or restart the source from a snapshot (delete the checkpoint) after the statement",
			"the schema history cannot follow a DDL statement")
	}
	env := b.ddlEnv(ctx, db)
	var changes []cdc.SchemaChange
	for _, st := range stmts {
		res, err := b.hist.apply(st, env)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if res, err = b.resync(ctx, st, env, err); err != nil {
				return err
			}
		}
		b.hist = res.history
		b.updateCaptured(res)
		changes = append(changes, res.changes...)
	}
	if len(changes) == 0 {
		return nil
	}
	clear(b.byID) // tables bound before the statement may have changed
	if !b.r.cfg.IncludeSchemaChanges || b.waitUntilSec > 0 {
		return nil
	}
	first := changes[0]
	b.batch = append(b.batch, cdc.Event{
		Op: cdc.OpSchemaChange, Table: first.Table, Schema: statementSchema(changes), DDL: q, Changes: changes,
		TsMs: time.Now().UnixMilli(),
		Source: cdc.Source{ServerID: h.ServerID, TsMs: b.txnTsMs, Snapshot: cdc.SnapshotFalse, Database: first.Table.Database,
			Table: first.Table.Table, GTID: b.txnGTID, File: b.file, Pos: start, Thread: int64(e.SlaveProxyID), Query: q},
	})
	return nil
}

// statementSchema is an OpSchemaChange event's Schema: the schema after
// the statement when it changed one table (followed through renames), else
// nil.
func statementSchema(changes []cdc.SchemaChange) *cdc.TableSchema {
	table := changes[0].Table
	for _, c := range changes {
		if c.Table != table {
			return nil
		}
		if c.Kind == cdc.ChangeRenameTable {
			table = c.NewTable
		}
	}
	return changes[len(changes)-1].After
}

// updateCaptured records the tables a statement brought into and took
// out of capture.
func (b *binlogReader) updateCaptured(res ddlResult) {
	for _, id := range res.removed {
		delete(b.captured, id)
		b.r.cp.Tables = slices.DeleteFunc(b.r.cp.Tables, func(t cdc.TableID) bool { return t == id })
	}
	for _, id := range res.added {
		if !b.captured[id] {
			b.captured[id] = true
			if !slices.Contains(b.r.cp.Tables, id) {
				b.r.cp.Tables = append(b.r.cp.Tables, id)
			}
		}
	}
}

// resync handles a statement the history cannot apply (a column it adds
// exists, one it drops does not): the history disagrees with the binlog,
// which happens when it began from the server's present definitions (a
// checkpoint of an older rtdw, a start position before the schemas were
// read) and the binlog replays a statement they already include. The
// tables the statement names are read from the server again, with a
// warning, and the statement applied to that.
func (b *binlogReader) resync(ctx context.Context, st ddlStatement, env ddlEnv, cause error) (ddlResult, error) {
	hist := b.hist
	for _, id := range statementTables(st, env.defaultDB) {
		if !b.captured[id] {
			continue
		}
		t, err := env.load(id)
		switch {
		case errors.Is(err, ErrTableNotFound):
			continue
		case err != nil:
			return ddlResult{}, sourceErr("binlog", nil, err, "", "read the definition of %s again", id)
		}
		hist = hist.with(id, t)
	}
	b.r.src.obs.log.Warn("mysql source: a DDL statement does not apply to the schema history; the tables it names were read from the server again",
		"statement", trimForError(restoreSQL(st.node)), "error", cause)
	res, err := hist.apply(st, env)
	if err != nil {
		// The server's definition already has the change.
		return ddlResult{history: hist}, nil
	}
	return res, nil
}

// ddlEnv is the environment statements with default database db are
// applied in.
func (b *binlogReader) ddlEnv(ctx context.Context, db string) ddlEnv {
	return ddlEnv{
		defaultDB: db,
		captured:  func(id cdc.TableID) bool { return b.captured[id] },
		matches:   b.r.cfg.matchTable,
		load: func(id cdc.TableID) (historyTable, error) {
			b.awaitDDLCommit(ctx, id)
			m, err := LoadTableSchemas(ctx, b.r.db, []cdc.TableID{id})
			if err != nil {
				return historyTable{}, err
			}
			cs, _ := tableDefaultCharset(ctx, b.r.db, id)
			return historyTable{schema: m[id], charset: cs}, nil
		},
		databaseCharset: func(db string) string {
			if cs, ok := b.dbCharsets[db]; ok {
				return cs
			}
			cs, err := databaseDefaultCharset(ctx, b.r.db, db)
			if err != nil {
				b.r.src.obs.log.Warn("mysql source: cannot read a database's default character set", "database", db, "error", err)
				return ""
			}
			if b.dbCharsets == nil {
				b.dbCharsets = map[string]string{}
			}
			b.dbCharsets[db] = cs
			return cs
		},
	}
}

// databaseDefaultCharset reads a database's default character set.
func databaseDefaultCharset(ctx context.Context, db *sql.DB, name string) (string, error) {
	var cs string
	err := db.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&cs)
	return strings.ToLower(cs), err
}

// tableDefaultCharset reads a table's default character set.
func tableDefaultCharset(ctx context.Context, db *sql.DB, id cdc.TableID) (string, error) {
	var collation sql.NullString
	err := db.QueryRowContext(ctx, "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		id.Database, id.Table).Scan(&collation)
	return charsetOfCollation(collation.String), err
}

// mayChangeCaptured reports whether a statement the parser cannot read
// may change a captured table: it is table DDL (CREATE, ALTER, DROP,
// RENAME or TRUNCATE of a TABLE, or DROP DATABASE) naming a captured
// table or one the filters match, or whose table cannot be told and whose
// text mentions a captured table.
func (b *binlogReader) mayChangeCaptured(db, q string) bool {
	toks := headTokens(q, 8)
	word := func(i int) string {
		if i < len(toks) {
			return strings.ToUpper(toks[i].text)
		}
		return ""
	}
	if len(toks) == 0 {
		return false
	}
	switch word(0) {
	case "CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE":
	default:
		return false
	}
	if word(0) == "DROP" && (word(1) == "DATABASE" || word(1) == "SCHEMA") {
		i := 2
		if word(i) == "IF" {
			i += 2
		}
		if i < len(toks) {
			name := unquoteName(toks[i].text)
			for id := range b.captured {
				if id.Database == name {
					return true
				}
			}
			return false
		}
		return true
	}
	// The word TABLE, then the name (after IF [NOT] EXISTS).
	i := slices.IndexFunc(toks, func(t headToken) bool { return strings.EqualFold(t.text, "TABLE") })
	if i < 0 {
		if word(0) != "TRUNCATE" {
			return false // CREATE USER, DROP VIEW, ALTER DATABASE…
		}
		i = 0
	}
	i++
	for word(i) == "IF" || word(i) == "NOT" || word(i) == "EXISTS" {
		i++
	}
	if i < len(toks) && toks[i].text != "." {
		id := cdc.TableID{Database: db, Table: unquoteName(toks[i].text)}
		if i+2 < len(toks) && toks[i+1].text == "." {
			id = cdc.TableID{Database: unquoteName(toks[i].text), Table: unquoteName(toks[i+2].text)}
		}
		if b.captured[id] || b.hist.schema(id) != nil || b.r.cfg.matchTable(id) {
			return true
		}
		// RENAME TABLE names more tables after the first.
		if word(0) != "RENAME" {
			return false
		}
	}
	// The statement's tables cannot be told: any captured table named in
	// it, as a word, counts.
	lq := strings.ToLower(q)
	for id := range b.captured {
		if containsWord(lq, strings.ToLower(id.Table)) {
			return true
		}
	}
	return false
}

// containsWord reports whether s holds w not inside a longer name.
func containsWord(s, w string) bool {
	isName := func(c byte) bool {
		return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if (i == 0 || !isName(s[i-1])) && (end == len(s) || !isName(s[end])) {
			return true
		}
		from = i + 1
	}
}

// unquoteName removes a name's backquotes.
func unquoteName(s string) string {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}
