package clickhouse

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// tableState is what the sink keeps about one source table across restarts,
// in the state table of its ClickHouse database ([StateTable]): how far its
// schema changes have been applied, and where its rows go when a change was
// not applied as the source made it.
type tableState struct {
	// Version and Step locate the last schema change the sink applied (or
	// decided not to apply) to the table: the row version of its DDL
	// event and its index among the event's changes. A change at or
	// before them is a replay and is skipped; so is every row with a
	// version below Version, which the sink had flushed before it applied
	// the change (the fence that keeps a truncated table truncated).
	Version uint64 `json:"version"`
	Step    int    `json:"step"`
	// ServerID is the server_id of the server the change came from (0
	// when the source did not say).
	ServerID uint32 `json:"server_id,omitempty"`
	// Database and Table name the ClickHouse table the rows go to when it
	// is not the one the mapping names (a rename the sink did not apply);
	// empty otherwise.
	Database string `json:"database,omitempty"`
	Table    string `json:"table,omitempty"`
	// Columns maps a source column to the ClickHouse column its values go
	// to when that is another one (a rename not applied), or to "" when
	// they are not written at all (an added column ignored, a new type the
	// kept column cannot hold). Columns it does not name go to the column
	// of their own name.
	Columns map[string]string `json:"columns,omitempty"`
	// Pending, when set, is the change at Version and Step whose state was
	// stored before its statements ran: a crash may have stopped it
	// anywhere among them. The sink finishes it, as planned, before it
	// uses the state (see [Sink.state]); the rest of the state is what the
	// change leaves, and Version fences the rows before it from the start.
	Pending *pendingChange `json:"pending,omitempty"`
}

// pendingChange is a schema change stored before its statements ran.
type pendingChange struct {
	// Change describes the change, for the log.
	Change string `json:"change"`
	// Steps are the plan's statements, each skipped when ClickHouse shows
	// it done.
	Steps []savedStep `json:"steps,omitempty"`
	// NewTable and Renamed are, for rename.table, the new name and its
	// state after the change.
	NewTable *cdc.TableID `json:"new_table,omitempty"`
	Renamed  *tableState  `json:"renamed,omitempty"`
}

// savedStep is a [changeStep] as the state table keeps it.
type savedStep struct {
	SQL           string   `json:"sql,omitempty"`
	WaitMutations bool     `json:"wait_mutations,omitempty"`
	TruncateBelow uint64   `json:"truncate_below,omitempty"`
	Database      string   `json:"database,omitempty"`
	Table         string   `json:"table,omitempty"`
	Done          stepDone `json:"done,omitzero"`
}

func saveSteps(steps []changeStep) []savedStep {
	out := make([]savedStep, len(steps))
	for i, st := range steps {
		out[i] = savedStep{SQL: st.sql, WaitMutations: st.waitMutations, TruncateBelow: st.truncateBelow, Database: st.database, Table: st.table, Done: st.done}
	}
	return out
}

func loadSteps(saved []savedStep) []changeStep {
	out := make([]changeStep, len(saved))
	for i, st := range saved {
		out[i] = changeStep{sql: st.SQL, waitMutations: st.WaitMutations, truncateBelow: st.TruncateBelow, database: st.Database, table: st.Table, done: st.Done}
	}
	return out
}

// stepDone tells from the ClickHouse table a step works on whether the
// step ran already, so that a change finished after a crash runs each step
// at most once. The zero value says nothing: the step is run again, which
// it must then bear (CREATE ... IF NOT EXISTS, MODIFY COLUMN, a truncate).
type stepDone struct {
	// ColumnAdded: the step is done when the table has this column.
	ColumnAdded string `json:"column_added,omitempty"`
	// ColumnGone: the step is done when the table does not have this
	// column (or does not exist).
	ColumnGone string `json:"column_gone,omitempty"`
	// TableGone: the step is done when the table does not exist.
	TableGone bool `json:"table_gone,omitempty"`
}

// ran reports whether a step with these conditions is done in a table
// whose columns are t (nil when it does not exist).
func (d stepDone) ran(t chTable) bool {
	switch {
	case d.ColumnAdded != "":
		return t.find(d.ColumnAdded) != nil
	case d.ColumnGone != "":
		return t.find(d.ColumnGone) == nil
	case d.TableGone:
		return t == nil
	}
	return false
}

// replays reports whether the step-th change of an event at version v was
// applied or decided already.
func (st *tableState) replays(v uint64, step int) bool {
	return v < st.Version || (v == st.Version && step <= st.Step)
}

// column returns the ClickHouse column of a source column, "" when it is
// not written.
func (st *tableState) column(name string) string {
	if c, ok := st.Columns[name]; ok {
		return c
	}
	return name
}

// mapColumn records that the source column name goes to ClickHouse column
// to ("" for nowhere).
func (st *tableState) mapColumn(name, to string) {
	if to == name {
		delete(st.Columns, name)
		return
	}
	if st.Columns == nil {
		st.Columns = map[string]string{}
	}
	st.Columns[name] = to
}

func (st *tableState) clone() *tableState {
	c := *st
	c.Columns, c.Pending = nil, nil
	if len(st.Columns) > 0 {
		c.Columns = make(map[string]string, len(st.Columns))
		for k, v := range st.Columns {
			c.Columns[k] = v
		}
	}
	return &c
}

// StateTable is the table the sink keeps its schema change state in, one in
// each ClickHouse database it writes: for each source table, the position
// of the last schema change it applied (its fence against replays) and how
// the table's columns map when a change was not applied as made. A table
// two named sources write (cdc.Source.Name) has a state for each, since
// their positions count different binlogs; a state stored under the table
// alone is read for a source that has none of its own. The sink creates it
// at the first schema change of a database.
const StateTable = "_rtdw_schema_state"

func stateTableSQL(database string) string {
	return "CREATE TABLE IF NOT EXISTS " + QuoteIdent(database) + "." + QuoteIdent(StateTable) +
		" (`source` String, `version` UInt64, `step` UInt32, `state` String) ENGINE = MergeTree ORDER BY (`source`, `version`, `step`)"
}

// chColumn is a column of an existing ClickHouse table.
type chColumn struct {
	name, typ string
	// key is set for a column of the sorting key, which ClickHouse neither
	// drops, renames nor retypes (beyond metadata).
	key bool
}

// chTable is an existing ClickHouse table's columns, in table order; nil
// when the table does not exist.
type chTable []chColumn

func (t chTable) find(name string) *chColumn {
	for i := range t {
		if t[i].name == name {
			return &t[i]
		}
	}
	return nil
}

// changeMode is how the sink treats one change.
type changeMode int

const (
	// modeApply makes the change (EVOLVE and TRY_EVOLVE).
	modeApply changeMode = iota
	// modeLenient makes the lossless form of the change (LENIENT).
	modeLenient
	// modeKeep leaves the table as it is and maps the rows onto it
	// (IGNORE, and TRY_EVOLVE when the change cannot be applied).
	modeKeep
)

// changeStep is one statement of a plan.
type changeStep struct {
	sql string
	// waitMutations waits, after sql, for the mutations of the table to
	// finish (ALTER TABLE ... UPDATE runs in the background).
	waitMutations bool
	// truncateBelow, when set, deletes the table's rows whose version is
	// below it, instead of running sql (see [Sink.truncateBelow]).
	truncateBelow uint64
	// database and table name the table the step works on.
	database, table string
	// done tells whether the step ran already.
	done stepDone
}

// changePlan is what the sink runs for one schema change, and the state it
// leaves.
type changePlan struct {
	steps []changeStep
	// state is the table's state after the change; renamed, for
	// rename.table, the new name's.
	state, renamed *tableState
	// note says how the change was taken when not as made, for the log.
	note string
}

// cannotApplyError is why a change cannot be applied to the ClickHouse
// table as it is.
type cannotApplyError struct{ reason string }

func (e *cannotApplyError) Error() string { return e.reason }

func cannotApply(format string, args ...any) error {
	return &cannotApplyError{reason: fmt.Sprintf(format, args...)}
}

// changeEnv is what planning a change needs to know besides the change.
type changeEnv struct {
	features Features
	opts     TableOptions
	// version is the row version of the change's DDL event.
	version uint64
	// target is the ClickHouse table of the change's table (as state
	// says), and newTarget that of NewTable for rename.table; nil when
	// they do not exist.
	target, newTarget chTable
}

// targetOf returns the ClickHouse database and table of a source table.
func targetOf(id cdc.TableID, st *tableState, opts TableOptions) (string, string) {
	if st != nil && st.Table != "" {
		return st.Database, st.Table
	}
	db := opts.Database
	if db == "" {
		db = id.Database
	}
	return db, id.Table
}

func qualified(db, table string) string { return QuoteIdent(db) + "." + QuoteIdent(table) }

// planChange returns the plan of change c in mode m for a table whose state
// is st. A change that cannot be applied in modeApply is a
// *cannotApplyError; the caller decides (EVOLVE stops, TRY_EVOLVE plans it
// again in modeKeep).
func planChange(c cdc.SchemaChange, m changeMode, st *tableState, env changeEnv) (changePlan, error) {
	db, table := targetOf(c.Table, st, env.opts)
	pl := &planner{c: c, m: m, st: st, env: env, db: db, table: table, target: qualified(db, table), plan: changePlan{state: st.clone()}}
	kinds := map[cdc.SchemaChangeKind]func() error{
		cdc.ChangeCreateTable:     pl.createTable,
		cdc.ChangeAddColumn:       pl.addColumn,
		cdc.ChangeDropColumn:      pl.dropColumn,
		cdc.ChangeAlterColumnType: pl.alterColumnType,
		cdc.ChangeRenameColumn:    pl.renameColumn,
		cdc.ChangeRenameTable:     pl.renameTable,
		cdc.ChangeDropTable:       pl.dropTable,
		cdc.ChangeTruncateTable:   pl.truncateTable,
	}
	plan, ok := kinds[c.Kind]
	if !ok {
		return pl.plan, fmt.Errorf("clickhouse: %s: unknown kind of schema change %q", c, c.Kind)
	}
	err := plan()
	return pl.plan, err
}

// planner plans one change: each kind has a method, which fills plan.
type planner struct {
	c   cdc.SchemaChange
	m   changeMode
	st  *tableState
	env changeEnv
	// db, table and target (quoted) name the change's ClickHouse table.
	db, table, target string
	plan              changePlan
}

// step returns a step running sql on the change's table.
func (pl *planner) step(sql string) changeStep {
	return changeStep{sql: sql, database: pl.db, table: pl.table}
}

// createTable creates the table, unless it exists.
func (pl *planner) createTable() error {
	c, m, env, p := pl.c, pl.m, pl.env, &pl.plan
	if m == modeKeep || env.target != nil {
		return nil
	}
	if c.After == nil {
		return fmt.Errorf("clickhouse: %s: the change has no schema after it", c)
	}
	l, err := newLayout(c.After, env.opts.Database, env.features, env.opts.MappingOptions)
	if err != nil {
		return cannotApply("%v", err)
	}
	p.state.Database, p.state.Table, p.state.Columns = "", "", nil
	p.steps = append(p.steps, changeStep{sql: CreateDatabaseSQL(l.database)}, changeStep{sql: l.createSQL(), database: l.database, table: l.table})
	return nil
}

// addColumn adds the column where MySQL has it (Nullable under LENIENT), or
// maps it to nowhere.
func (pl *planner) addColumn() error {
	c, m, env, target, step, p := pl.c, pl.m, pl.env, pl.target, pl.step, &pl.plan
	col, i, err := changedColumn(c, c.Column)
	if err != nil {
		return err
	}
	if env.target == nil {
		return nil // the table is created with the column by its next row
	}
	if env.target.find(col.Name) != nil {
		p.state.mapColumn(col.Name, col.Name)
		return nil
	}
	if m == modeKeep {
		p.state.mapColumn(col.Name, "")
		p.note = "column not added; its values are not written"
		return nil
	}
	if m == modeLenient && nullableKind(col) {
		col.Nullable = true
	}
	cd, err := newCodec(c.Table, col, env.features, env.opts.MappingOptions)
	if err != nil {
		return cannotApply("%v", err)
	}
	p.state.mapColumn(col.Name, col.Name)
	clause := "ADD COLUMN " + QuoteIdent(col.Name) + " " + cd.chType
	if def := defaultSQL(col, parseCHType(cd.chType)); def != "" {
		clause += " DEFAULT " + def
	}
	clause += addPosition(c.After, i, p.state, env)
	add := step("ALTER TABLE " + target + " " + clause)
	add.done.ColumnAdded = col.Name
	p.steps = append(p.steps, add)
	return nil
}

// dropColumn drops the column, or keeps it (Nullable under LENIENT).
func (pl *planner) dropColumn() error {
	c, m, env, target, step, p := pl.c, pl.m, pl.env, pl.target, pl.step, &pl.plan
	name := p.state.column(c.Column)
	delete(p.state.Columns, c.Column)
	ex := env.target.find(name)
	if ex == nil || name == "" {
		return nil
	}
	switch {
	case m == modeKeep:
		p.note = "column kept; rows leave it to its default"
	case m == modeLenient:
		p.note = "column kept, made Nullable; rows leave it NULL"
		if t := parseCHType(ex.typ); !t.nullable && !ex.key && nullableType(t) {
			t.nullable = true
			p.steps = append(p.steps, step("ALTER TABLE "+target+" MODIFY COLUMN "+QuoteIdent(name)+" "+t.String()))
		}
	case ex.key:
		return cannotApply("column %s is in the sorting key of %s, which ClickHouse cannot drop it from", QuoteIdent(name), target)
	default:
		drop := step("ALTER TABLE " + target + " DROP COLUMN " + QuoteIdent(name))
		drop.done.ColumnGone = name
		p.steps = append(p.steps, drop)
	}
	return nil
}

// alterColumnType retypes the column when the new type holds every old value,
// else keeps it.
func (pl *planner) alterColumnType() error {
	c, m, env, target, step, p := pl.c, pl.m, pl.env, pl.target, pl.step, &pl.plan
	col, _, err := changedColumn(c, c.Column)
	if err != nil {
		return err
	}
	name := p.state.column(c.Column)
	ex := env.target.find(name)
	if ex == nil || name == "" {
		return nil
	}
	old := parseCHType(ex.typ)
	if m == modeLenient && old.nullable && nullableKind(col) {
		col.Nullable = true
	}
	cd, err := newCodec(c.Table, col, env.features, env.opts.MappingOptions)
	if err != nil {
		if m == modeApply {
			return cannotApply("%v", err)
		}
		return keepColumn(p, c, col, name, old, ex)
	}
	if cd.chType == ex.typ {
		return nil
	}
	want := parseCHType(cd.chType)
	switch {
	case widens(old, want) && !ex.key && m != modeKeep:
		p.steps = append(p.steps, step("ALTER TABLE "+target+" MODIFY COLUMN "+QuoteIdent(name)+" "+cd.chType))
		return nil
	case m == modeApply && ex.key:
		return cannotApply("column %s is in the sorting key of %s, whose type ClickHouse cannot change from %s to %s", QuoteIdent(name), target, ex.typ, cd.chType)
	case m == modeApply:
		return cannotApply("%s cannot hold every value of the column's old type %s (the ClickHouse column is %s)", cd.chType, typeText(beforeType(c)), ex.typ)
	}
	return keepColumn(p, c, col, name, old, ex)
}

// renameColumn renames the column (by add, copy and drop before 20.4), or keeps
// it and maps the new name to it (beside a new Nullable column under LENIENT).
func (pl *planner) renameColumn() error {
	c, m, env, target, step, p := pl.c, pl.m, pl.env, pl.target, pl.step, &pl.plan
	col, _, err := changedColumn(c, c.NewColumn)
	if err != nil {
		return err
	}
	name := p.state.column(c.Column)
	delete(p.state.Columns, c.Column)
	ex := env.target.find(name)
	if m == modeKeep {
		if ex != nil && name != "" {
			p.state.mapColumn(c.NewColumn, name)
			p.note = "column keeps its name; the renamed column's values go to it"
		} else {
			p.state.mapColumn(c.NewColumn, "")
			p.note = "the renamed column's values are not written"
		}
		return nil
	}
	p.state.mapColumn(c.NewColumn, c.NewColumn)
	if ex == nil || name == "" {
		return nil // nothing to rename (a replay finds it renamed)
	}
	exists := env.target.find(c.NewColumn) != nil
	if m == modeLenient {
		p.note = "old column kept, made Nullable; a new Nullable column takes the values"
		t := parseCHType(ex.typ)
		if !t.nullable && !ex.key && nullableType(t) {
			t.nullable = true
			p.steps = append(p.steps, step("ALTER TABLE "+target+" MODIFY COLUMN "+QuoteIdent(name)+" "+t.String()))
		}
		if !exists {
			if nullableKind(col) {
				col.Nullable = true
			}
			cd, err := newCodec(c.Table, col, env.features, env.opts.MappingOptions)
			if err != nil {
				return cannotApply("%v", err)
			}
			add := step("ALTER TABLE " + target + " ADD COLUMN " + QuoteIdent(c.NewColumn) + " " + cd.chType + " AFTER " + QuoteIdent(name))
			add.done.ColumnAdded = c.NewColumn
			p.steps = append(p.steps, add)
		}
		return nil
	}
	if ex.key {
		return cannotApply("column %s is in the sorting key of %s, which ClickHouse cannot rename", QuoteIdent(name), target)
	}
	if exists && name != c.NewColumn {
		// Only the copy of an interrupted rename leaves both.
		p.steps = append(p.steps, copyColumn(step, target, name, c.NewColumn)...)
		return nil
	}
	if env.features.RenameColumn {
		rename := step("ALTER TABLE " + target + " RENAME COLUMN " + QuoteIdent(name) + " TO " + QuoteIdent(c.NewColumn))
		rename.done.ColumnGone = name
		p.steps = append(p.steps, rename)
		return nil
	}
	// Before 20.4: add the new column beside the old, copy, drop the old.
	add := step("ALTER TABLE " + target + " ADD COLUMN " + QuoteIdent(c.NewColumn) + " " + ex.typ + " AFTER " + QuoteIdent(name))
	add.done.ColumnAdded = c.NewColumn
	p.steps = append(p.steps, add)
	p.steps = append(p.steps, copyColumn(step, target, name, c.NewColumn)...)
	return nil
}

// renameTable renames the table, or keeps it and sends the new name's rows to
// it.
func (pl *planner) renameTable() error {
	c, m, env, st, db, table, target, step, p := pl.c, pl.m, pl.env, pl.st, pl.db, pl.table, pl.target, pl.step, &pl.plan
	p.state.Database, p.state.Table, p.state.Columns = "", "", nil
	newDB, newTable := targetOf(c.NewTable, nil, env.opts)
	renamed := st.clone()
	renamed.Version, renamed.Step = env.version, 0
	p.renamed = renamed
	if m == modeKeep {
		if db != newDB || table != newTable {
			renamed.Database, renamed.Table = db, table
		}
		p.note = "ClickHouse table keeps its name; the renamed table's rows go to it"
		return nil
	}
	renamed.Database, renamed.Table = "", ""
	switch {
	case env.target != nil && env.newTarget == nil:
		if newDB != db {
			p.steps = append(p.steps, changeStep{sql: CreateDatabaseSQL(newDB)})
		}
		rename := step("RENAME TABLE " + target + " TO " + qualified(newDB, newTable))
		rename.done.TableGone = true
		p.steps = append(p.steps, rename)
	case env.target != nil && env.newTarget != nil:
		return cannotApply("a ClickHouse table %s exists already", qualified(newDB, newTable))
	}
	return nil
}

// dropTable drops the table under EVOLVE and TRY_EVOLVE.
func (pl *planner) dropTable() error {
	m, env, target, step, p := pl.m, pl.env, pl.target, pl.step, &pl.plan
	if m != modeApply {
		p.note = "table kept"
		return nil
	}
	p.state.Database, p.state.Table, p.state.Columns = "", "", nil
	if env.target != nil {
		p.steps = append(p.steps, step("DROP TABLE IF EXISTS "+target))
	}
	return nil
}

// truncateTable removes the rows before the change under EVOLVE and TRY_EVOLVE.
func (pl *planner) truncateTable() error {
	m, env, step, p := pl.m, pl.env, pl.step, &pl.plan
	if m != modeApply {
		p.note = "rows kept"
		return nil
	}
	if env.target != nil {
		s := step("")
		s.truncateBelow = env.version
		p.steps = append(p.steps, s)
	}
	return nil
}

// keepColumn completes the plan of a type change the table does not take:
// the column keeps its type when that can hold the new type's values, each
// checked as it is written; otherwise the column's values are not written.
func keepColumn(p *changePlan, c cdc.SchemaChange, col cdc.Column, name string, old chType, ex *chColumn) error {
	if _, ok := codecFor(c.Table, col, old); ok {
		p.note = "column keeps its type " + ex.typ + "; each value is checked against it"
		return nil
	}
	if ex.key {
		return cannotApply("column %s is in the sorting key, and its type %s cannot hold the column's new type %s", QuoteIdent(name), ex.typ, typeText(col.Type))
	}
	p.state.mapColumn(c.Column, "")
	p.note = "column keeps its type " + ex.typ + ", which cannot hold the new type " + typeText(col.Type) + ": its values are not written"
	return nil
}

// copyColumn returns the steps that copy column from into to and drop
// from: the end of a rename on servers without RENAME COLUMN.
func copyColumn(step func(string) changeStep, target, from, to string) []changeStep {
	update := step("ALTER TABLE " + target + " UPDATE " + QuoteIdent(to) + " = " + QuoteIdent(from) + " WHERE 1")
	update.waitMutations = true
	update.done.ColumnGone = from
	drop := step("ALTER TABLE " + target + " DROP COLUMN " + QuoteIdent(from))
	drop.done.ColumnGone = from
	return []changeStep{update, drop}
}

// changedColumn returns the column name of c.After and its index.
func changedColumn(c cdc.SchemaChange, name string) (cdc.Column, int, error) {
	if c.After != nil {
		if i := c.After.ColumnIndex(name); i >= 0 {
			return c.After.Columns[i], i, nil
		}
	}
	return cdc.Column{}, -1, fmt.Errorf("clickhouse: %s: column %q is not in the table's schema after the change", c, name)
}

func beforeType(c cdc.SchemaChange) cdc.ColumnType {
	if c.Before != nil {
		if i := c.Before.ColumnIndex(c.Column); i >= 0 {
			return c.Before.Columns[i].Type
		}
	}
	return cdc.ColumnType{}
}

// addPosition returns the AFTER or FIRST clause that puts the i-th column
// of after where MySQL has it: after the nearest column before it that the
// ClickHouse table has, or FIRST where the server knows it (20.7); before
// that, a first column is added last.
func addPosition(after *cdc.TableSchema, i int, st *tableState, env changeEnv) string {
	for j := i - 1; j >= 0; j-- {
		name := st.column(after.Columns[j].Name)
		if name != "" && env.target.find(name) != nil {
			return " AFTER " + QuoteIdent(name)
		}
	}
	if env.features.AddColumnFirst {
		return " FIRST"
	}
	return ""
}

// nullableKind reports whether a column of col's kind can be made Nullable
// (an Array cannot).
func nullableKind(col cdc.Column) bool { return col.Type.Kind != cdc.KindVector }

func nullableType(t chType) bool { return !strings.HasPrefix(t.base, "Array(") }

// widens reports whether a ClickHouse column of type from can be changed to
// type to with every value kept exactly: a wider integer, Float32 to
// Float64, a Decimal with at least as many digits on both sides of the
// point, integers to String (as their decimal text, which is also how MySQL
// converts them), DateTime to DateTime64 in the same time zone, and
// Nullable added. LowCardinality is an encoding and does not matter.
func widens(from, to chType) bool {
	if from.nullable && !to.nullable {
		return false
	}
	from.nullable, to.nullable, from.lowCardinality, to.lowCardinality = false, false, false, false
	if from == to {
		return true
	}
	fromBits, fromSigned, fromInt := integerBits(from.base)
	toBits, toSigned, toInt := integerBits(to.base)
	switch {
	case fromInt && toInt:
		if fromSigned == toSigned {
			return toBits >= fromBits
		}
		return !fromSigned && toSigned && toBits > fromBits
	case fromInt && to.base == "String":
		return true
	case from.base == "Float32" && to.base == "Float64":
		return true
	case from.base == "Decimal" && to.base == "Decimal":
		return to.scale >= from.scale && to.precision-to.scale >= from.precision-from.scale
	case from.base == "DateTime" && to.base == "DateTime64":
		return from.timeZone == to.timeZone
	case from.base == "DateTime64" && to.base == "DateTime64":
		return to.precision >= from.precision && from.timeZone == to.timeZone
	}
	return false
}

func integerBits(base string) (bits int, signed, ok bool) {
	rest, unsigned := strings.CutPrefix(base, "U")
	n, found := strings.CutPrefix(rest, "Int")
	if !found {
		return 0, false, false
	}
	b, err := strconv.Atoi(n)
	if err != nil {
		return 0, false, false
	}
	return b, !unsigned, true
}

// defaultSQL returns the ClickHouse DEFAULT expression for col's literal
// default in a column of type t, so that the rows the table had before the
// column was added read MySQL's default, as they do in MySQL; "" when
// the column has none, or an expression default (CURRENT_TIMESTAMP), or
// one this mapping does not render.
func defaultSQL(col cdc.Column, t chType) string {
	if col.Default == nil || col.Default.Expression != "" || col.Default.Value == nil {
		return ""
	}
	_, _, isInt := integerBits(t.base)
	switch v := col.Default.Value.(type) {
	case int64:
		if isInt || t.base == "Decimal" || strings.HasPrefix(t.base, "Float") {
			return strconv.FormatInt(v, 10)
		}
	case uint64:
		if isInt || t.base == "Decimal" || strings.HasPrefix(t.base, "Float") {
			return strconv.FormatUint(v, 10)
		}
	case float32:
		if strings.HasPrefix(t.base, "Float") {
			return strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
	case float64:
		if strings.HasPrefix(t.base, "Float") {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
	case decimal.Decimal:
		if t.base == "Decimal" {
			return quoteString(v.StringFixed(int32(t.scale)))
		}
	case string:
		if t.base == "String" && (col.Type.Kind.IsText() || col.Type.Kind == cdc.KindEnum || col.Type.Kind == cdc.KindSet) {
			return quoteString(v)
		}
	case time.Time:
		switch t.base {
		case "Date":
			return quoteString(v.UTC().Format("2006-01-02"))
		case "DateTime":
			if v.Nanosecond() == 0 {
				return quoteString(v.UTC().Format("2006-01-02 15:04:05"))
			}
		}
	}
	return ""
}

// quoteString returns s as a ClickHouse string literal.
func quoteString(s string) string { return quoteWith('\'', s) }
