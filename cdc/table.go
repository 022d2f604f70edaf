package cdc

import (
	"fmt"
	"strings"
)

// TableID names a table by database and table name.
type TableID struct {
	Database string
	Table    string
}

// String returns "database.table", the form Flink CDC's tableList uses.
func (t TableID) String() string { return t.Database + "." + t.Table }

// ParseTableID parses "database.table". The database name must not contain a
// dot; the table name may.
func ParseTableID(s string) (TableID, error) {
	db, table, ok := strings.Cut(s, ".")
	if !ok || db == "" || table == "" {
		return TableID{}, fmt.Errorf("cdc: table %q: want database.table, for example gmall_config.t_user", s)
	}
	return TableID{Database: db, Table: table}, nil
}

// Column is one column of a table.
type Column struct {
	// Name is the column name as the server reports it.
	Name string
	// Type is the column's MySQL type.
	Type ColumnType
	// Nullable is set when the column accepts NULL.
	Nullable bool
	// Default is the column's DEFAULT clause; nil when the column has none or
	// the source does not report defaults.
	Default *ColumnDefault
}

// TableSchema describes a captured table. Values of it are shared by many
// events and must not be modified; a schema change produces a new value.
type TableSchema struct {
	// Table names the table.
	Table TableID
	// Columns are the table's columns in ordinal order; a [Row] holds one value
	// per column in the same order.
	Columns []Column
	// PrimaryKey names the primary key columns in key order; empty when the
	// table has none.
	PrimaryKey []string
}

// ColumnIndex returns the index of the named column in Columns, or -1.
func (s *TableSchema) ColumnIndex(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Value returns the value of the named column in row, and whether the column
// exists.
func (s *TableSchema) Value(row Row, name string) (any, bool) {
	i := s.ColumnIndex(name)
	if i < 0 || i >= len(row) {
		return nil, false
	}
	return row[i], true
}
