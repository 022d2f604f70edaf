package clickhouse

import (
	"slices"

	"github.com/rtdw/rtdw/cdc"
)

// ddlHistory builds the structured changes a parsing source would deliver for
// one table, each with the schema before and after it, so that the sink can
// be driven without the source.
type ddlHistory struct{ cur *cdc.TableSchema }

func (h *ddlHistory) next(c cdc.SchemaChange, after *cdc.TableSchema) cdc.SchemaChange {
	c.Before, c.After = h.cur, after
	if c.Table == (cdc.TableID{}) {
		c.Table = h.cur.Table
	}
	if after != nil {
		h.cur = after
	}
	return c
}

func (h *ddlHistory) copySchema() *cdc.TableSchema {
	s := *h.cur
	s.Columns = slices.Clone(h.cur.Columns)
	s.PrimaryKey = slices.Clone(h.cur.PrimaryKey)
	return &s
}

// addColumn adds col after the column named after; "" puts it first.
func (h *ddlHistory) addColumn(col cdc.Column, after string) cdc.SchemaChange {
	s := h.copySchema()
	i := 0
	if after != "" {
		i = s.ColumnIndex(after) + 1
	}
	s.Columns = slices.Insert(s.Columns, i, col)
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeAddColumn, Column: col.Name}, s)
}

func (h *ddlHistory) dropColumn(name string) cdc.SchemaChange {
	s := h.copySchema()
	s.Columns = slices.Delete(s.Columns, s.ColumnIndex(name), s.ColumnIndex(name)+1)
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeDropColumn, Column: name}, s)
}

func (h *ddlHistory) alterType(name string, t cdc.ColumnType, nullable bool) cdc.SchemaChange {
	s := h.copySchema()
	i := s.ColumnIndex(name)
	s.Columns[i].Type, s.Columns[i].Nullable = t, nullable
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeAlterColumnType, Column: name}, s)
}

func (h *ddlHistory) renameColumn(old, renamed string) cdc.SchemaChange {
	s := h.copySchema()
	s.Columns[s.ColumnIndex(old)].Name = renamed
	for i, k := range s.PrimaryKey {
		if k == old {
			s.PrimaryKey[i] = renamed
		}
	}
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeRenameColumn, Column: old, NewColumn: renamed}, s)
}

func (h *ddlHistory) renameTable(to cdc.TableID) cdc.SchemaChange {
	s := h.copySchema()
	s.Table = to
	from := h.cur.Table
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeRenameTable, Table: from, NewTable: to}, s)
}

func (h *ddlHistory) truncate() cdc.SchemaChange {
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeTruncateTable}, h.cur)
}

func (h *ddlHistory) dropTable() cdc.SchemaChange {
	return h.next(cdc.SchemaChange{Kind: cdc.ChangeDropTable}, nil)
}

func (h *ddlHistory) createTable(s *cdc.TableSchema) cdc.SchemaChange {
	c := cdc.SchemaChange{Kind: cdc.ChangeCreateTable, Table: s.Table, After: s}
	h.cur = s
	return c
}
