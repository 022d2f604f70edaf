package mysql

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/rtdw/rtdw/cdc"
)

// The schema history is the schema of every captured table as of the
// binlog position the source has read to. It starts from the tables'
// definitions on the server when capture starts, evolves by the DDL
// statements read from the binlog (never by reading the server again,
// which shows the present, not the binlog's past), and is stored with
// every checkpoint, so a restarted source decodes each row with the schema
// it was written with.
//
// It also follows the shadow tables of online schema change tools
// (gh-ost's _t_gho, pt-online-schema-change's _t_new), whose rows are not
// captured: when a shadow is renamed over a captured table, the table
// takes the shadow's schema, delivered as the changes between the two.

// historyTable is one table the history follows.
type historyTable struct {
	// schema is the table's schema; never modified.
	schema *cdc.TableSchema
	// charset is the table's default character set, which new text columns
	// take; "" when unknown (the database's is used).
	charset string
	// shadow is set for a shadow table of an online schema change tool,
	// followed but not captured.
	shadow bool
}

// schemaHistory maps tables to their schemas. A value is never modified
// once built: applying a statement builds a new one, so a checkpoint can
// keep the history as of its offset.
type schemaHistory struct {
	tables map[cdc.TableID]historyTable
}

// newSchemaHistory returns a history of the captured tables' schemas.
func newSchemaHistory(schemas map[cdc.TableID]*cdc.TableSchema) *schemaHistory {
	h := &schemaHistory{tables: make(map[cdc.TableID]historyTable, len(schemas))}
	for id, s := range schemas {
		if s != nil {
			h.tables[id] = historyTable{schema: s, charset: tableCharsetGuess(s)}
		}
	}
	return h
}

// tableCharsetGuess guesses a table's default character set from its text
// columns, for a table loaded from the server.
func tableCharsetGuess(s *cdc.TableSchema) string {
	for i := range s.Columns {
		if s.Columns[i].Type.Kind.IsText() && s.Columns[i].Type.Charset != "" {
			return s.Columns[i].Type.Charset
		}
	}
	return ""
}

// schema returns the schema of a followed table, or nil.
func (h *schemaHistory) schema(id cdc.TableID) *cdc.TableSchema {
	if h == nil {
		return nil
	}
	return h.tables[id].schema
}

// with returns a history with one more table.
func (h *schemaHistory) with(id cdc.TableID, t historyTable) *schemaHistory {
	n := &schemaHistory{tables: maps.Clone(h.tables)}
	if n.tables == nil {
		n.tables = map[cdc.TableID]historyTable{}
	}
	n.tables[id] = t
	return n
}

// ddlEnv is what applying a DDL statement needs from the source.
type ddlEnv struct {
	// defaultDB is the statement's default database (the query event's).
	defaultDB string
	// captured reports whether a table is captured now.
	captured func(cdc.TableID) bool
	// matches reports whether the source's table filters match a name: a
	// table created or renamed to it is captured from then on.
	matches func(cdc.TableID) bool
	// load reads a table's definition from the server, for a table the
	// history does not follow that a statement brings into capture (CREATE
	// TABLE … LIKE of an uncaptured table, RENAME of one to a captured
	// name). It is the present definition, the best there is.
	load func(cdc.TableID) (historyTable, error)
	// databaseCharset returns a database's default character set.
	databaseCharset func(db string) string
}

// ddlResult is what one statement did.
type ddlResult struct {
	// history is the history after the statement.
	history *schemaHistory
	// changes are the structured changes to captured tables, in order.
	changes []cdc.SchemaChange
	// added and removed are the tables that entered and left capture.
	added, removed []cdc.TableID
}

// ddlApplier applies one statement to a copy of the history.
type ddlApplier struct {
	env     ddlEnv
	tables  map[cdc.TableID]historyTable
	res     ddlResult
	removed map[cdc.TableID]bool
}

// apply applies a parsed statement to h. Statements other than table DDL
// change nothing. An error names what could not be applied.
func (h *schemaHistory) apply(st ddlStatement, env ddlEnv) (res ddlResult, err error) {
	defer func() {
		// The parser's literal values panic on some numbers (see
		// parseWithCharsets).
		if r := recover(); r != nil {
			res, err = ddlResult{}, fmt.Errorf("%w: a value of the statement: %v", errDDLSyntax, r)
		}
	}()
	return h.applyStatement(st, env)
}

func (h *schemaHistory) applyStatement(st ddlStatement, env ddlEnv) (ddlResult, error) {
	a := &ddlApplier{env: env, tables: maps.Clone(h.tables), removed: map[cdc.TableID]bool{}}
	if a.tables == nil {
		a.tables = map[cdc.TableID]historyTable{}
	}
	var err error
	switch n := st.node.(type) {
	case *ast.CreateTableStmt:
		err = a.createTable(n, st.orReplace)
	case *ast.AlterTableStmt:
		err = a.alterTable(n)
	case *ast.RenameTableStmt:
		err = a.renameTables(n.TableToTables)
	case *ast.DropTableStmt:
		if !n.IsView && n.TemporaryKeyword == ast.TemporaryNone {
			for _, t := range n.Tables {
				a.dropTable(a.id(t))
			}
		}
	case *ast.TruncateTableStmt:
		a.truncateTable(a.id(n.Table))
	case *ast.DropDatabaseStmt:
		a.dropDatabase(n.Name.O)
	default:
		return ddlResult{history: h}, nil
	}
	if err != nil {
		return ddlResult{}, err
	}
	if len(a.res.changes) == 0 && len(a.res.added) == 0 && len(a.res.removed) == 0 && maps.EqualFunc(a.tables, h.tables, sameHistoryTable) {
		a.res.history = h
	} else {
		a.res.history = &schemaHistory{tables: a.tables}
	}
	return a.res, nil
}

func sameHistoryTable(a, b historyTable) bool { return a == b }

// id resolves a table name against the default database.
func (a *ddlApplier) id(t *ast.TableName) cdc.TableID {
	db := t.Schema.O
	if db == "" {
		db = a.env.defaultDB
	}
	return cdc.TableID{Database: db, Table: t.Name.O}
}

// isCaptured reports whether the statement's changes so far leave id
// captured.
func (a *ddlApplier) isCaptured(id cdc.TableID) bool {
	t, ok := a.tables[id]
	if ok {
		return !t.shadow
	}
	return !a.removed[id] && a.env.captured(id)
}

func (a *ddlApplier) emit(c cdc.SchemaChange) { a.res.changes = append(a.res.changes, c) }

func (a *ddlApplier) capture(id cdc.TableID) {
	if !a.env.captured(id) || a.removed[id] {
		a.res.added = append(a.res.added, id)
	}
	delete(a.removed, id)
	a.res.removed = slices.DeleteFunc(a.res.removed, func(t cdc.TableID) bool { return t == id })
}

func (a *ddlApplier) uncapture(id cdc.TableID) {
	if slices.Contains(a.res.added, id) {
		a.res.added = slices.DeleteFunc(a.res.added, func(t cdc.TableID) bool { return t == id })
	} else if a.env.captured(id) && !a.removed[id] {
		a.res.removed = append(a.res.removed, id)
	}
	a.removed[id] = true
}

// Shadow tables of online schema change tools, named after the table they
// replace: gh-ost's _t_gho and pt-online-schema-change's _t_new (with more
// leading underscores when the name is taken); the original is renamed to
// _t_del or _t_old as the shadow takes its place.
var (
	shadowNewRE = regexp.MustCompile(`^_+(.+)_(gho|new)$`)
	shadowOldRE = regexp.MustCompile(`^_+(.+)_(del|old)$`)
	toolTableRE = regexp.MustCompile(`^_+(.+)_(ghc|del|old)$`)
)

// shadowOf returns the table id is a new shadow of, when it is named as one
// and that table is captured or matches the filters.
func (a *ddlApplier) shadowOf(id cdc.TableID, re *regexp.Regexp) (cdc.TableID, bool) {
	m := re.FindStringSubmatch(id.Table)
	if m == nil {
		return cdc.TableID{}, false
	}
	orig := cdc.TableID{Database: id.Database, Table: m[1]}
	return orig, a.isCaptured(orig) || a.env.matches(orig)
}

// tableCharset returns the default character set for new text columns of a
// table: its own, or its database's.
func (a *ddlApplier) tableCharset(id cdc.TableID, t historyTable) string {
	if t.charset != "" {
		return t.charset
	}
	if a.env.databaseCharset != nil {
		return a.env.databaseCharset(id.Database)
	}
	return ""
}

// createTable applies CREATE TABLE (also LIKE, AS SELECT, OR REPLACE).
func (a *ddlApplier) createTable(n *ast.CreateTableStmt, orReplace bool) error {
	if n.TemporaryKeyword != ast.TemporaryNone {
		return nil
	}
	id := a.id(n.Table)
	// A tool's table is never captured, whatever the filters say: the
	// shadow is followed, the others (gh-ost's changelog _t_ghc and its
	// cut-over sentry _t_del) ignored.
	_, shadow := a.shadowOf(id, shadowNewRE)
	_, toolTable := a.shadowOf(id, toolTableRE)
	captured := !shadow && !toolTable && (a.isCaptured(id) || a.env.matches(id))
	if !captured && !shadow {
		return nil
	}
	if old, exists := a.tables[id]; exists {
		if n.IfNotExists && !orReplace {
			return nil
		}
		if !old.shadow {
			a.emit(cdc.SchemaChange{Kind: cdc.ChangeDropTable, Table: id, Before: old.schema})
		}
		delete(a.tables, id)
	}
	t, err := a.newTable(n, id)
	if err != nil {
		return err
	}
	t.shadow = !captured
	a.tables[id] = t
	if captured {
		a.capture(id)
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeCreateTable, Table: id, After: t.schema})
	}
	return nil
}

// newTable builds the table a CREATE TABLE statement makes.
func (a *ddlApplier) newTable(n *ast.CreateTableStmt, id cdc.TableID) (historyTable, error) {
	if n.ReferTable != nil { // CREATE TABLE … LIKE
		src := a.id(n.ReferTable)
		t, ok := a.tables[src]
		if !ok {
			var err error
			if t, err = a.env.load(src); err != nil {
				return historyTable{}, fmt.Errorf("CREATE TABLE %s LIKE %s: %w", id, src, err)
			}
		}
		s := *t.schema
		s.Table = id
		return historyTable{schema: &s, charset: t.charset}, nil
	}
	if n.Select != nil && len(n.Cols) == 0 {
		// CREATE TABLE … SELECT as a statement (the servers log it with
		// its columns in row format): the columns come from the query.
		t, err := a.env.load(id)
		if err != nil {
			return historyTable{}, fmt.Errorf("CREATE TABLE %s … SELECT: %w", id, err)
		}
		return t, nil
	}
	t := historyTable{charset: tableOptionsCharset(n.Options)}
	charset := a.tableCharset(id, t)
	s := &cdc.TableSchema{Table: id}
	for _, def := range n.Cols {
		c, err := columnFromDef(def, charset)
		if err != nil {
			return historyTable{}, fmt.Errorf("CREATE TABLE %s: %w", id, err)
		}
		if columnIndexFold(s, c.col.Name) >= 0 {
			return historyTable{}, fmt.Errorf("CREATE TABLE %s: column %s twice", id, c.col.Name)
		}
		s.Columns = append(s.Columns, c.col)
		if c.primaryKey {
			s.PrimaryKey = []string{c.col.Name}
		}
	}
	for _, c := range n.Constraints {
		if c.Tp == ast.ConstraintPrimaryKey {
			setPrimaryKey(s, c)
		}
	}
	if n.Select != nil {
		// Columns of the query after the declared ones: only the server
		// knows them.
		loaded, err := a.env.load(id)
		if err != nil {
			return historyTable{}, fmt.Errorf("CREATE TABLE %s … SELECT: %w", id, err)
		}
		return loaded, nil
	}
	t.schema = s
	return t, nil
}

// tableOptionsCharset returns the character set table options name
// (DEFAULT CHARSET=…, or only a COLLATE), or "".
func tableOptionsCharset(opts []*ast.TableOption) string {
	cs := ""
	for _, o := range opts {
		switch o.Tp {
		case ast.TableOptionCharset:
			cs = strings.ToLower(o.StrValue)
		case ast.TableOptionCollate:
			if cs == "" {
				cs = charsetOfCollation(o.StrValue)
			}
		}
	}
	return cs
}

// setPrimaryKey makes a PRIMARY KEY constraint the schema's key; its
// columns become NOT NULL.
func setPrimaryKey(s *cdc.TableSchema, c *ast.Constraint) {
	s.PrimaryKey = nil
	cols := slices.Clone(s.Columns)
	for _, k := range c.Keys {
		if k.Column == nil {
			continue
		}
		i := columnIndexFold(s, k.Column.Name.O)
		if i < 0 {
			continue
		}
		s.PrimaryKey = append(s.PrimaryKey, cols[i].Name)
		cols[i].Nullable = false
	}
	s.Columns = cols
}

// columnIndexFold finds a column by name, as MySQL does: without regard to
// case.
func columnIndexFold(s *cdc.TableSchema, name string) int {
	for i := range s.Columns {
		if strings.EqualFold(s.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// dropTable applies DROP TABLE of one table.
func (a *ddlApplier) dropTable(id cdc.TableID) {
	t, ok := a.tables[id]
	if !ok {
		return
	}
	delete(a.tables, id)
	if !t.shadow {
		a.uncapture(id)
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeDropTable, Table: id, Before: t.schema})
	}
}

// dropDatabase applies DROP DATABASE: every followed table in it is gone.
func (a *ddlApplier) dropDatabase(db string) {
	ids := slices.Collect(maps.Keys(a.tables))
	slices.SortFunc(ids, func(x, y cdc.TableID) int { return strings.Compare(x.Table, y.Table) })
	for _, id := range ids {
		if id.Database == db {
			a.dropTable(id)
		}
	}
}

// truncateTable applies TRUNCATE TABLE.
func (a *ddlApplier) truncateTable(id cdc.TableID) {
	if t, ok := a.tables[id]; ok && !t.shadow {
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeTruncateTable, Table: id, Before: t.schema, After: t.schema})
	}
}

// renameTables applies RENAME TABLE's pairs in order, recognising the swap
// of online schema change tools: a shadow renamed over the table it
// shadows gives that table the shadow's schema.
func (a *ddlApplier) renameTables(pairs []*ast.TableToTable) error {
	for _, p := range pairs {
		if err := a.renameTable(a.id(p.OldTable), a.id(p.NewTable)); err != nil {
			return err
		}
	}
	return nil
}

// renameTable applies one rename.
func (a *ddlApplier) renameTable(from, to cdc.TableID) error {
	t, followed := a.tables[from]
	switch {
	case followed && t.shadow:
		delete(a.tables, from)
		if orig, ok := a.shadowOf(from, shadowNewRE); ok && orig == to {
			return a.swapIn(to, t, nil)
		}
		if orig, ok := a.shadowOf(from, shadowOldRE); ok && orig == to {
			// The old table back under its name (a swap undone): it is
			// what it was.
			s := *t.schema
			s.Table = to
			return a.swapIn(to, t, &s)
		}
		if _, ok := a.shadowOf(to, shadowOldRE); ok {
			a.tables[to] = t // the old table, renamed once more
		}
		return nil
	case followed:
		delete(a.tables, from)
		if orig, ok := a.shadowOf(to, shadowOldRE); ok && orig == from {
			// The table makes way for its shadow (gh-ost, pt-osc): follow
			// it as the old table, the schema the swap starts from.
			t.shadow = true
			a.tables[to] = t
			a.uncapture(from)
			return nil
		}
		before := t.schema
		s := *t.schema
		s.Table = to
		t.schema = &s
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeRenameTable, Table: from, NewTable: to, Before: before, After: t.schema})
		a.uncapture(from)
		if a.env.matches(to) || a.env.captured(to) {
			a.tables[to] = t
			a.capture(to)
		}
		return nil
	case a.env.matches(to):
		// An uncaptured table renamed to a captured name: it is created, as
		// far as capture goes, with its definition on the server.
		loaded, err := a.env.load(to)
		if errors.Is(err, ErrTableNotFound) {
			return nil // renamed again or dropped since: a later statement says
		}
		if err != nil {
			return fmt.Errorf("RENAME TABLE %s TO %s: %w", from, to, err)
		}
		a.tables[to] = loaded
		a.capture(to)
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeCreateTable, Table: to, After: loaded.schema})
	}
	return nil
}

// swapIn gives table id the schema of its shadow: the changes from the
// table's last schema (before when given, else as the shadow's old table,
// or still under its name) to the shadow's are emitted as column changes.
func (a *ddlApplier) swapIn(id cdc.TableID, shadow historyTable, before *cdc.TableSchema) error {
	if before == nil {
		before = a.takeOldTable(id)
	}
	if cur, ok := a.tables[id]; ok && !cur.shadow {
		before = cur.schema
	}
	after := *shadow.schema
	after.Table = id
	shadow.schema, shadow.shadow = &after, false
	a.tables[id] = shadow
	a.capture(id)
	if before == nil {
		a.emit(cdc.SchemaChange{Kind: cdc.ChangeCreateTable, Table: id, After: &after})
		return nil
	}
	for _, c := range diffSchemas(before, &after) {
		a.emit(c)
	}
	return nil
}

// takeOldTable returns the schema of table id renamed out of the way of a
// shadow (_t_del, _t_old), as named id, and stops following it; nil when
// there is none.
func (a *ddlApplier) takeOldTable(id cdc.TableID) *cdc.TableSchema {
	for oid, t := range a.tables {
		if m := shadowOldRE.FindStringSubmatch(oid.Table); m != nil && oid.Database == id.Database && m[1] == id.Table && t.shadow {
			s := *t.schema
			s.Table = id
			delete(a.tables, oid)
			return &s
		}
	}
	return nil
}

// diffSchemas returns the column changes that turn before into after: the
// dropped columns, then the added and altered ones in after's order. Each
// change carries the schema before and after it; the last one's After is
// after. A renamed column shows as a drop and an add: a shadow table's
// definition does not say which column became which.
func diffSchemas(before, after *cdc.TableSchema) []cdc.SchemaChange {
	var out []cdc.SchemaChange
	cur := before
	step := func(kind cdc.SchemaChangeKind, col string, cols []cdc.Column) {
		next := &cdc.TableSchema{Table: cur.Table, Columns: cols, PrimaryKey: cur.PrimaryKey}
		out = append(out, cdc.SchemaChange{Kind: kind, Table: cur.Table, Column: col, Before: cur, After: next})
		cur = next
	}
	for _, c := range before.Columns {
		if columnIndexFold(after, c.Name) < 0 {
			i := columnIndexFold(cur, c.Name)
			step(cdc.ChangeDropColumn, c.Name, slices.Delete(slices.Clone(cur.Columns), i, i+1))
		}
	}
	for i, c := range after.Columns {
		j := columnIndexFold(cur, c.Name)
		switch {
		case j < 0:
			step(cdc.ChangeAddColumn, c.Name, slices.Insert(slices.Clone(cur.Columns), i, c))
		case j != i || !sameColumn(cur.Columns[j], c):
			cols := slices.Delete(slices.Clone(cur.Columns), j, j+1)
			step(cdc.ChangeAlterColumnType, c.Name, slices.Insert(cols, i, c))
		}
	}
	if len(out) > 0 {
		out[len(out)-1].After = after // with after's primary key
	}
	return out
}

// sameColumn reports whether two columns have the same definition.
func sameColumn(a, b cdc.Column) bool {
	if a.Name != b.Name || a.Nullable != b.Nullable || !sameType(a.Type, b.Type) {
		return false
	}
	da, db := effectiveDefault(a), effectiveDefault(b)
	if (da == nil) != (db == nil) {
		return false
	}
	return da == nil || (da.Expression == db.Expression && fmt.Sprint(da.Value) == fmt.Sprint(db.Value))
}

// effectiveDefault is a column's default with DEFAULT NULL on a nullable
// column, which is what a nullable column without a DEFAULT clause has,
// as none (a definition from information_schema and one from SHOW CREATE
// TABLE's text then compare equal).
func effectiveDefault(c cdc.Column) *cdc.ColumnDefault {
	if d := c.Default; d != nil && c.Nullable && d.Value == nil && d.Expression == "" {
		return nil
	}
	return c.Default
}

// sameType reports whether two column types are the same, whatever their
// Raw text says (int(11) and int are one type).
func sameType(a, b cdc.ColumnType) bool {
	if a.Kind.IsInteger() {
		a.Length, b.Length = 0, 0
	}
	a.Raw, b.Raw = "", ""
	return a.Kind == b.Kind && a.Unsigned == b.Unsigned && a.Length == b.Length && a.Precision == b.Precision &&
		a.Scale == b.Scale && a.FSP == b.FSP && slices.Equal(a.Elements, b.Elements) && strings.EqualFold(a.Charset, b.Charset)
}

// statementTables returns the tables a statement names.
func statementTables(st ddlStatement, defaultDB string) []cdc.TableID {
	id := func(t *ast.TableName) cdc.TableID {
		db := t.Schema.O
		if db == "" {
			db = defaultDB
		}
		return cdc.TableID{Database: db, Table: t.Name.O}
	}
	var out []cdc.TableID
	switch n := st.node.(type) {
	case *ast.CreateTableStmt:
		out = append(out, id(n.Table))
	case *ast.AlterTableStmt:
		out = append(out, id(n.Table))
	case *ast.RenameTableStmt:
		for _, p := range n.TableToTables {
			out = append(out, id(p.OldTable), id(p.NewTable))
		}
	case *ast.DropTableStmt:
		for _, t := range n.Tables {
			out = append(out, id(t))
		}
	case *ast.TruncateTableStmt:
		out = append(out, id(n.Table))
	}
	return out
}
