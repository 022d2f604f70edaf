package mysql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/rtdw/rtdw/cdc"
)

// alterTable applies ALTER TABLE's specifications in order. Those that
// change no column (indexes, engine, partitions) change nothing; ADD and
// DROP PRIMARY KEY change the key without a change of their own.
func (a *ddlApplier) alterTable(n *ast.AlterTableStmt) error {
	id := a.id(n.Table)
	if _, ok := a.tables[id]; !ok {
		// Not followed; only a rename can bring it into capture.
		for _, spec := range n.Specs {
			if spec.Tp == ast.AlterTableRenameTable {
				to := a.id(spec.NewTable)
				if err := a.renameTable(id, to); err != nil {
					return err
				}
				id = to
			}
		}
		return nil
	}
	for _, spec := range n.Specs {
		if _, ok := a.tables[id]; !ok {
			return nil // renamed out of what the history follows
		}
		var err error
		switch spec.Tp {
		case ast.AlterTableAddColumns:
			err = a.addColumns(id, spec)
		case ast.AlterTableDropColumn:
			err = a.dropColumn(id, spec)
		case ast.AlterTableModifyColumn:
			err = a.modifyColumn(id, spec.NewColumns[0].Name.Name.O, spec)
		case ast.AlterTableChangeColumn:
			err = a.modifyColumn(id, spec.OldColumnName.Name.O, spec)
		case ast.AlterTableRenameColumn:
			err = a.renameColumn(id, spec.OldColumnName.Name.O, spec.NewColumnName.Name.O, spec.IfExists)
		case ast.AlterTableAlterColumn:
			err = a.alterColumnDefault(id, spec)
		case ast.AlterTableAddConstraint:
			if spec.Constraint != nil && spec.Constraint.Tp == ast.ConstraintPrimaryKey {
				err = a.change(id, "", "", func(s *cdc.TableSchema) error { setPrimaryKey(s, spec.Constraint); return nil })
			}
		case ast.AlterTableDropPrimaryKey:
			err = a.change(id, "", "", func(s *cdc.TableSchema) error { s.PrimaryKey = nil; return nil })
		case ast.AlterTableOption:
			err = a.tableOptions(id, spec.Options)
		case ast.AlterTableRenameTable:
			to := a.id(spec.NewTable)
			err = a.renameTable(id, to)
			id = to
		}
		if err != nil {
			return fmt.Errorf("ALTER TABLE %s: %w", id, err)
		}
	}
	return nil
}

// change applies mutate to a copy of table id's schema and, when kind is
// set and the table is captured, emits the change about column col.
func (a *ddlApplier) change(id cdc.TableID, kind cdc.SchemaChangeKind, col string, mutate func(s *cdc.TableSchema) error) error {
	return a.changeColumn(id, cdc.SchemaChange{Kind: kind, Column: col}, mutate)
}

func (a *ddlApplier) changeColumn(id cdc.TableID, c cdc.SchemaChange, mutate func(s *cdc.TableSchema) error) error {
	t := a.tables[id]
	s := &cdc.TableSchema{Table: id, Columns: slices.Clone(t.schema.Columns), PrimaryKey: slices.Clone(t.schema.PrimaryKey)}
	if err := mutate(s); err != nil {
		return err
	}
	c.Table, c.Before, c.After = id, t.schema, s
	t.schema = s
	a.tables[id] = t
	if !t.shadow && c.Kind != "" {
		a.emit(c)
	}
	return nil
}

// position returns where a column goes: FIRST, AFTER another, or at def
// (the end for ADD, its old place for MODIFY and CHANGE).
func position(s *cdc.TableSchema, pos *ast.ColumnPosition, def int) (int, error) {
	if pos == nil {
		return def, nil
	}
	switch pos.Tp {
	case ast.ColumnPositionFirst:
		return 0, nil
	case ast.ColumnPositionAfter:
		j := columnIndexFold(s, pos.RelativeColumn.Name.O)
		if j < 0 {
			return 0, fmt.Errorf("AFTER %s: no such column in %s", pos.RelativeColumn.Name.O, s.Table)
		}
		return j + 1, nil
	}
	return def, nil
}

func (a *ddlApplier) addColumns(id cdc.TableID, spec *ast.AlterTableSpec) error {
	for _, def := range spec.NewColumns {
		charset := a.tableCharset(id, a.tables[id])
		c, err := columnFromDef(def, charset)
		if err != nil {
			return err
		}
		if columnIndexFold(a.tables[id].schema, c.col.Name) >= 0 {
			if spec.IfNotExists {
				continue
			}
			return fmt.Errorf("ADD COLUMN %s: the column exists", c.col.Name)
		}
		err = a.change(id, cdc.ChangeAddColumn, c.col.Name, func(s *cdc.TableSchema) error {
			at, err := position(s, spec.Position, len(s.Columns))
			if err != nil {
				return err
			}
			s.Columns = slices.Insert(s.Columns, at, c.col)
			if c.primaryKey {
				s.PrimaryKey = []string{c.col.Name}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, con := range spec.NewConstraints {
		if con.Tp == ast.ConstraintPrimaryKey {
			if err := a.change(id, "", "", func(s *cdc.TableSchema) error { setPrimaryKey(s, con); return nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *ddlApplier) dropColumn(id cdc.TableID, spec *ast.AlterTableSpec) error {
	name := spec.OldColumnName.Name.O
	i := columnIndexFold(a.tables[id].schema, name)
	if i < 0 {
		if spec.IfExists {
			return nil
		}
		return fmt.Errorf("DROP COLUMN %s: no such column", name)
	}
	name = a.tables[id].schema.Columns[i].Name
	return a.change(id, cdc.ChangeDropColumn, name, func(s *cdc.TableSchema) error {
		s.Columns = slices.Delete(s.Columns, i, i+1)
		s.PrimaryKey = slices.DeleteFunc(s.PrimaryKey, func(k string) bool { return strings.EqualFold(k, name) })
		return nil
	})
}

// modifyColumn applies MODIFY (old is the new definition's name) and
// CHANGE: a rename first when the name changes, then the new definition
// and position when they differ from the old.
func (a *ddlApplier) modifyColumn(id cdc.TableID, old string, spec *ast.AlterTableSpec) error {
	def := spec.NewColumns[0]
	i := columnIndexFold(a.tables[id].schema, old)
	if i < 0 {
		if spec.IfExists {
			return nil
		}
		return fmt.Errorf("%s: no such column", old)
	}
	c, err := columnFromDef(def, a.tableCharset(id, a.tables[id]))
	if err != nil {
		return err
	}
	if cur := a.tables[id].schema.Columns[i].Name; cur != c.col.Name {
		if err := a.renameColumn(id, cur, c.col.Name, false); err != nil {
			return err
		}
	}
	s := a.tables[id].schema
	at, err := position(&cdc.TableSchema{Table: id, Columns: slices.Delete(slices.Clone(s.Columns), i, i+1)}, spec.Position, i)
	if err != nil {
		return err
	}
	if at == i && sameColumn(s.Columns[i], c.col) && !c.primaryKey {
		return nil
	}
	return a.change(id, cdc.ChangeAlterColumnType, c.col.Name, func(s *cdc.TableSchema) error {
		s.Columns = slices.Insert(slices.Delete(s.Columns, i, i+1), at, c.col)
		if c.primaryKey {
			s.PrimaryKey = []string{c.col.Name}
		}
		return nil
	})
}

func (a *ddlApplier) renameColumn(id cdc.TableID, from, to string, ifExists bool) error {
	i := columnIndexFold(a.tables[id].schema, from)
	if i < 0 {
		if ifExists {
			return nil
		}
		return fmt.Errorf("RENAME COLUMN %s: no such column", from)
	}
	if j := columnIndexFold(a.tables[id].schema, to); j >= 0 && j != i {
		return fmt.Errorf("RENAME COLUMN %s TO %s: the column exists", from, to)
	}
	from = a.tables[id].schema.Columns[i].Name
	return a.changeColumn(id, cdc.SchemaChange{Kind: cdc.ChangeRenameColumn, Column: from, NewColumn: to}, func(s *cdc.TableSchema) error {
		s.Columns[i].Name = to
		for k, p := range s.PrimaryKey {
			if p == from {
				s.PrimaryKey[k] = to
			}
		}
		return nil
	})
}

// alterColumnDefault applies ALTER COLUMN … SET DEFAULT and DROP DEFAULT.
func (a *ddlApplier) alterColumnDefault(id cdc.TableID, spec *ast.AlterTableSpec) error {
	def := spec.NewColumns[0]
	i := columnIndexFold(a.tables[id].schema, def.Name.Name.O)
	if i < 0 {
		return fmt.Errorf("ALTER COLUMN %s: no such column", def.Name.Name.O)
	}
	col := a.tables[id].schema.Columns[i]
	var dflt *cdc.ColumnDefault
	for _, o := range def.Options {
		// SET DEFAULT's value is an option of no type.
		if (o.Tp == ast.ColumnOptionDefaultValue || o.Tp == ast.ColumnOptionNoOption) && o.Expr != nil {
			if text, ok := literalText(o.Expr); ok && text != nil && *text == visibilityMarker {
				return nil // SET [IN]VISIBLE (see parseDDL)
			}
			dflt = columnDefault(&col, o.Expr)
		}
	}
	if len(def.Options) > 0 && dflt == nil {
		return nil // SET VISIBLE / INVISIBLE and the like
	}
	col.Default = dflt
	if sameColumn(col, a.tables[id].schema.Columns[i]) {
		return nil
	}
	return a.change(id, cdc.ChangeAlterColumnType, col.Name, func(s *cdc.TableSchema) error {
		s.Columns[i] = col
		return nil
	})
}

// tableOptions applies a table's new default character set and CONVERT
// TO CHARACTER SET, which changes every text column's.
func (a *ddlApplier) tableOptions(id cdc.TableID, opts []*ast.TableOption) error {
	cs := tableOptionsCharset(opts)
	if cs == "" {
		return nil
	}
	t := a.tables[id]
	t.charset = cs
	a.tables[id] = t
	convert := false
	for _, o := range opts {
		if o.Tp == ast.TableOptionCharset && o.UintValue == ast.TableOptionCharsetWithConvertTo {
			convert = true
		}
	}
	if !convert {
		return nil
	}
	for i, c := range t.schema.Columns {
		k := c.Type.Kind
		if !(k.IsText() || k == cdc.KindEnum || k == cdc.KindSet) || strings.EqualFold(c.Type.Charset, cs) || strings.EqualFold(c.Type.Charset, "binary") {
			continue
		}
		if err := a.change(id, cdc.ChangeAlterColumnType, c.Name, func(s *cdc.TableSchema) error {
			s.Columns[i].Type.Charset = cs
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
