package cdc

import (
	"fmt"
	"sort"
	"strings"
)

// SchemaChangeKind is the kind of a [SchemaChange]. The values are the names
// Flink CDC gives its schema change event types (the values its sinks'
// include.schema.changes and exclude.schema.changes options take), plus
// rename.table, which Flink CDC lacks.
type SchemaChangeKind string

// The kinds of schema change.
const (
	// ChangeCreateTable is CREATE TABLE (also LIKE and AS SELECT) of a
	// captured table. After holds the new table's schema.
	ChangeCreateTable SchemaChangeKind = "create.table"
	// ChangeAddColumn is ALTER TABLE … ADD COLUMN. Column names the new
	// column; its position is its index in After.
	ChangeAddColumn SchemaChangeKind = "add.column"
	// ChangeDropColumn is ALTER TABLE … DROP COLUMN. Column names the
	// dropped column.
	ChangeDropColumn SchemaChangeKind = "drop.column"
	// ChangeAlterColumnType is ALTER TABLE … MODIFY or CHANGE of a column's
	// type, nullability, default or position. Column names the column (by its
	// name after the change when a CHANGE also renamed it: the rename is a
	// ChangeRenameColumn before it).
	ChangeAlterColumnType SchemaChangeKind = "alter.column.type"
	// ChangeRenameColumn is ALTER TABLE … RENAME COLUMN, or the rename part
	// of a CHANGE COLUMN. Column is the old name and NewColumn the new one.
	ChangeRenameColumn SchemaChangeKind = "rename.column"
	// ChangeRenameTable is RENAME TABLE or ALTER TABLE … RENAME TO. Table is
	// the old name and NewTable the new one.
	ChangeRenameTable SchemaChangeKind = "rename.table"
	// ChangeDropTable is DROP TABLE. After is nil.
	ChangeDropTable SchemaChangeKind = "drop.table"
	// ChangeTruncateTable is TRUNCATE [TABLE]: every row of the table is
	// gone, the schema is unchanged.
	ChangeTruncateTable SchemaChangeKind = "truncate.table"
)

// SchemaChangeKinds lists every kind, in the order above.
var SchemaChangeKinds = []SchemaChangeKind{
	ChangeCreateTable, ChangeAddColumn, ChangeDropColumn, ChangeAlterColumnType,
	ChangeRenameColumn, ChangeRenameTable, ChangeDropTable, ChangeTruncateTable,
}

// Valid reports whether k is one of the kinds above.
func (k SchemaChangeKind) Valid() bool {
	for _, v := range SchemaChangeKinds {
		if k == v {
			return true
		}
	}
	return false
}

// SchemaChange is one structured change to one table, parsed from a DDL
// statement. One statement can make several (ALTER TABLE t ADD a INT, DROP b;
// RENAME TABLE a TO b, c TO d); an [OpSchemaChange] event carries all of a
// statement's changes in order, each with the table's schema before and
// after it, so a sink can apply them one by one.
//
// Values are shared by the events that carry them and must not be modified.
type SchemaChange struct {
	// Kind is what changed.
	Kind SchemaChangeKind
	// Table is the table as named before the change.
	Table TableID
	// NewTable is the table's new name, for ChangeRenameTable.
	NewTable TableID
	// Column is the column the change is about (see each kind); empty for
	// changes of a whole table.
	Column string
	// NewColumn is the column's new name, for ChangeRenameColumn.
	NewColumn string
	// Before is the table's schema before the change; nil for
	// ChangeCreateTable.
	Before *TableSchema
	// After is the table's schema after the change; nil for ChangeDropTable.
	After *TableSchema
}

// String describes the change in a few words, for logs and errors, such as
// "add.column gmall.orders.state".
func (c SchemaChange) String() string {
	var b strings.Builder
	b.WriteString(string(c.Kind))
	b.WriteByte(' ')
	b.WriteString(c.Table.String())
	if c.Column != "" {
		b.WriteByte('.')
		b.WriteString(c.Column)
	}
	switch {
	case c.NewColumn != "":
		b.WriteString(" to ")
		b.WriteString(c.NewColumn)
	case c.NewTable != (TableID{}):
		b.WriteString(" to ")
		b.WriteString(c.NewTable.String())
	}
	return b.String()
}

// ColumnDefault is a column's DEFAULT clause.
type ColumnDefault struct {
	// Value is a literal default as a canonical value (the form a [Row]
	// holds); nil for DEFAULT NULL and for an expression default.
	Value any
	// Expression is the text of a default that is an expression rather than
	// a literal, such as CURRENT_TIMESTAMP(3); empty for a literal.
	Expression string
}

// SchemaChangeBehavior is what a sink does with schema changes, with the
// values and meanings of Flink CDC's schema.change.behavior option.
type SchemaChangeBehavior string

// The behaviors. The zero value means BehaviorLenient, Flink CDC's default.
const (
	// BehaviorIgnore drops every schema change: the sink's tables keep their
	// schema and rows are written into the columns they still have.
	BehaviorIgnore SchemaChangeBehavior = "IGNORE"
	// BehaviorLenient turns each change into one that loses no data and
	// applies that: a dropped column is kept (new rows write its default or
	// NULL), a renamed column becomes an added column beside the old one, a
	// type change widens, and truncate and drop table are not applied.
	BehaviorLenient SchemaChangeBehavior = "LENIENT"
	// BehaviorTryEvolve applies every change; when the sink cannot apply
	// one, it keeps its old schema and goes on, writing rows into the
	// columns it has.
	BehaviorTryEvolve SchemaChangeBehavior = "TRY_EVOLVE"
	// BehaviorEvolve applies every change; when the sink cannot apply one,
	// it stops with an error.
	BehaviorEvolve SchemaChangeBehavior = "EVOLVE"
	// BehaviorException stops at the first schema change with an error.
	BehaviorException SchemaChangeBehavior = "EXCEPTION"
)

// SchemaChangeBehaviors lists every behavior, from most to least permissive.
var SchemaChangeBehaviors = []SchemaChangeBehavior{
	BehaviorIgnore, BehaviorLenient, BehaviorTryEvolve, BehaviorEvolve, BehaviorException,
}

// ParseSchemaChangeBehavior parses a behavior name as Flink CDC's
// schema.change.behavior option spells it, in any case ("lenient",
// "TRY_EVOLVE"). The empty string is BehaviorLenient.
func ParseSchemaChangeBehavior(s string) (SchemaChangeBehavior, error) {
	if s == "" {
		return BehaviorLenient, nil
	}
	b := SchemaChangeBehavior(strings.ToUpper(strings.TrimSpace(s)))
	for _, v := range SchemaChangeBehaviors {
		if b == v {
			return b, nil
		}
	}
	return "", fmt.Errorf("cdc: schema change behavior %q: want one of %s", s, joinBehaviors())
}

func joinBehaviors() string {
	names := make([]string, len(SchemaChangeBehaviors))
	for i, b := range SchemaChangeBehaviors {
		names[i] = string(b)
	}
	return strings.Join(names, ", ")
}

// SchemaChangePolicy chooses a sink's behavior for each kind of schema
// change: Behavior for every kind, unless PerKind names another for it. The
// zero value is LENIENT for every kind.
type SchemaChangePolicy struct {
	// Behavior applies to every kind PerKind does not name; empty means
	// BehaviorLenient.
	Behavior SchemaChangeBehavior
	// PerKind overrides Behavior for some kinds, such as
	// {ChangeTruncateTable: BehaviorEvolve} to apply truncates under an
	// otherwise lenient policy.
	PerKind map[SchemaChangeKind]SchemaChangeBehavior
}

// For returns the behavior for changes of kind k.
func (p SchemaChangePolicy) For(k SchemaChangeKind) SchemaChangeBehavior {
	if b, ok := p.PerKind[k]; ok && b != "" {
		return b
	}
	if p.Behavior == "" {
		return BehaviorLenient
	}
	return p.Behavior
}

// Validate returns an error naming every unknown behavior and kind in p, or
// nil. Sinks call it with the rest of their configuration, before any I/O.
func (p SchemaChangePolicy) Validate() error {
	var problems []string
	if p.Behavior != "" {
		if _, err := ParseSchemaChangeBehavior(string(p.Behavior)); err != nil || strings.ToUpper(string(p.Behavior)) != string(p.Behavior) {
			problems = append(problems, fmt.Sprintf("Behavior %q: want one of %s", p.Behavior, joinBehaviors()))
		}
	}
	kinds := make([]string, 0, len(p.PerKind))
	for k := range p.PerKind {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		kind := SchemaChangeKind(k)
		if !kind.Valid() {
			problems = append(problems, fmt.Sprintf("PerKind[%q]: unknown kind of schema change; want one of %s", k, joinKinds()))
			continue
		}
		b := p.PerKind[kind]
		if _, err := ParseSchemaChangeBehavior(string(b)); err != nil || b == "" || strings.ToUpper(string(b)) != string(b) {
			problems = append(problems, fmt.Sprintf("PerKind[%q] = %q: want one of %s", k, b, joinBehaviors()))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("cdc: schema change policy: %s", strings.Join(problems, "; "))
}

func joinKinds() string {
	names := make([]string, len(SchemaChangeKinds))
	for i, k := range SchemaChangeKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// SchemaChangeError is returned by a sink that stops at a schema change:
// under BehaviorException, or under BehaviorEvolve when the change could not
// be applied. It names the change and the statement.
type SchemaChangeError struct {
	// Change is the change the sink stopped at.
	Change SchemaChange
	// DDL is the statement that made it.
	DDL string
	// Behavior is the behavior in force for the change's kind.
	Behavior SchemaChangeBehavior
	// Err is why the sink could not apply it; nil under BehaviorException.
	Err error
}

// Error describes the change, the behavior and the fix.
func (e *SchemaChangeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("cdc: schema change %s (%q) refused: the sink's schema change behavior for %s is %s; choose another behavior for that kind to let it through",
			e.Change, e.DDL, e.Change.Kind, e.Behavior)
	}
	return fmt.Sprintf("cdc: schema change %s (%q) could not be applied under %s: %v; apply it by hand and restart, or choose %s or %s for %s",
		e.Change, e.DDL, e.Behavior, e.Err, BehaviorTryEvolve, BehaviorLenient, e.Change.Kind)
}

// Unwrap returns Err.
func (e *SchemaChangeError) Unwrap() error { return e.Err }
