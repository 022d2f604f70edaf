package phoenix

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rtdw/rtdw/cdc"
)

// What Phoenix cannot do, for the errors of changes it is asked to evolve.
var (
	errNoTypeChange = errors.New("Phoenix cannot change a column's type (use LayoutAllVarchar, where every type change is a no-op)")
	errNoRename     = errors.New("Phoenix cannot rename a column or a table")
)

// applySchemaChange handles an OpSchemaChange event, after every buffered
// row has been committed: each change under the policy for its kind (see
// [SinkConfig.SchemaChanges]). An event without structured changes only
// makes the next row of the table use its new schema.
func (s *Sink) applySchemaChange(ctx context.Context, e *cdc.Event) error {
	for _, ch := range e.Changes {
		behavior := s.cfg.SchemaChanges.For(ch.Kind)
		if behavior == cdc.BehaviorException {
			return &cdc.SchemaChangeError{Change: ch, DDL: e.DDL, Behavior: behavior}
		}
		if behavior == cdc.BehaviorIgnore || s.cfg.ManualTables {
			continue
		}
		err := s.applyChange(ctx, ch, behavior)
		if err == nil {
			continue
		}
		var pe *Error
		if behavior == cdc.BehaviorTryEvolve && (errors.Is(err, errNoTypeChange) || errors.Is(err, errNoRename) || errors.As(err, &pe)) {
			s.log.Warn("schema change not applied; the table keeps its schema", "change", ch.String(), "err", err)
			continue
		}
		return &cdc.SchemaChangeError{Change: ch, DDL: e.DDL, Behavior: behavior, Err: err}
	}
	return nil
}

// applyChange applies one change under LENIENT, TRY_EVOLVE or EVOLVE.
func (s *Sink) applyChange(ctx context.Context, ch cdc.SchemaChange, b cdc.SchemaChangeBehavior) error {
	evolve := b == cdc.BehaviorEvolve || b == cdc.BehaviorTryEvolve
	switch ch.Kind {
	case cdc.ChangeCreateTable:
		if ch.After == nil {
			return nil
		}
		_, err := s.layout(ctx, ch.After)
		return err
	case cdc.ChangeAddColumn:
		return s.addColumn(ctx, ch.After, ch.Column)
	case cdc.ChangeRenameColumn:
		// Lenient: the new name is a new column beside the old one.
		if b == cdc.BehaviorEvolve {
			return errNoRename
		}
		return s.addColumn(ctx, ch.After, ch.NewColumn)
	case cdc.ChangeDropColumn:
		if !evolve {
			return nil // kept: new rows leave it NULL
		}
		return s.dropColumn(ctx, ch.Before, ch.Column)
	case cdc.ChangeAlterColumnType:
		return s.alterColumnType(ch)
	case cdc.ChangeRenameTable:
		// The rows of the new name go to the table of that name, made with
		// its first row; the old table stays.
		if b == cdc.BehaviorEvolve {
			return errNoRename
		}
		return nil
	case cdc.ChangeDropTable, cdc.ChangeTruncateTable:
		if !evolve || ch.Before == nil {
			return nil
		}
		ref := s.cfg.tableRef(ch.Table)
		if ch.Kind == cdc.ChangeDropTable {
			if err := s.client.Exec(ctx, "drop table "+ref.String(), "DROP TABLE IF EXISTS "+ref.String()); err != nil {
				return err
			}
			delete(s.created, ref)
			delete(s.columns, ref)
			delete(s.layouts, ch.Table)
			return nil
		}
		// Phoenix has no TRUNCATE: a DELETE without WHERE empties the table.
		return s.client.Exec(ctx, "truncate "+ref.String(), "DELETE FROM "+ref.String())
	}
	return nil
}

// addColumn adds column of schema after to its Phoenix table, unless the
// table is still to be made (it will have every column).
func (s *Sink) addColumn(ctx context.Context, after *cdc.TableSchema, column string) error {
	if after == nil {
		return nil
	}
	l, err := newTableLayout(after, &s.cfg.TableOptions)
	if err != nil {
		return err
	}
	i := after.ColumnIndex(column)
	if !s.created[l.table] || i < 0 {
		return nil
	}
	stmt := "ALTER TABLE " + l.table.String() + " ADD IF NOT EXISTS " + l.columnSQL(i) + " " + l.columns[i].SQLType
	if err := s.client.Exec(ctx, "add column "+column+" to "+l.table.String(), stmt); err != nil {
		return err
	}
	s.columns[l.table][column] = l.columns[i].SQLType
	s.log.Info("column added", "table", l.table.String(), "column", column)
	return nil
}

func (s *Sink) dropColumn(ctx context.Context, before *cdc.TableSchema, column string) error {
	if before == nil {
		return nil
	}
	ref := s.cfg.tableRef(before.Table)
	if !s.created[ref] {
		return nil
	}
	if slices.Contains(before.PrimaryKey, column) {
		return fmt.Errorf("column %s is part of the primary key, the HBase row key", column)
	}
	l, err := newTableLayout(before, &s.cfg.TableOptions)
	if err != nil {
		return err
	}
	i := before.ColumnIndex(column)
	if i < 0 {
		return nil
	}
	stmt := "ALTER TABLE " + ref.String() + " DROP COLUMN IF EXISTS " + l.columnSQL(i)
	if err := s.client.Exec(ctx, "drop column "+column+" of "+ref.String(), stmt); err != nil {
		return err
	}
	delete(s.columns[ref], column)
	s.log.Info("column dropped", "table", ref.String(), "column", column)
	return nil
}

// alterColumnType succeeds when the column keeps its Phoenix type (always
// in the all-VARCHAR layout, and for VARCHAR(10) to VARCHAR(20)); Phoenix
// cannot change a type, so otherwise the table keeps the old one.
func (s *Sink) alterColumnType(ch cdc.SchemaChange) error {
	if ch.After == nil {
		return nil
	}
	ref := s.cfg.tableRef(ch.Table)
	i := ch.After.ColumnIndex(ch.Column)
	if !s.created[ref] || i < 0 {
		return nil
	}
	m, err := mapColumn(ch.Table, ch.After.Columns[i], s.cfg.Layout)
	if err != nil {
		return err
	}
	if old, ok := s.columns[ref][ch.Column]; ok && old != m.SQLType {
		return fmt.Errorf("%s stays %s, not %s: %w", ch.Column, old, m.SQLType, errNoTypeChange)
	}
	return nil
}

// restrict returns schema with only the columns the Phoenix table has, when
// the sink knows them (it made the table): a change left unapplied (an
// ignored ADD COLUMN, a kept type) must not make rows name a column the
// table lacks.
func (s *Sink) restrict(schema *cdc.TableSchema) (*cdc.TableSchema, error) {
	ref := s.cfg.tableRef(schema.Table)
	known, ok := s.columns[ref]
	if !ok {
		return schema, nil
	}
	out := &cdc.TableSchema{Table: schema.Table, PrimaryKey: schema.PrimaryKey}
	for _, c := range schema.Columns {
		if _, ok := known[c.Name]; ok {
			out.Columns = append(out.Columns, c)
		}
	}
	for _, k := range schema.PrimaryKey {
		if out.ColumnIndex(k) < 0 {
			return nil, fmt.Errorf("phoenix: %s: key column %s is not in the Phoenix table %s", schema.Table, k, ref)
		}
	}
	if len(out.Columns) == len(schema.Columns) {
		return schema, nil
	}
	return out, nil
}
