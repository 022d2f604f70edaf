package clickhouse

import (
	"errors"
	"fmt"
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnsupportedType is returned when a column's MySQL type has no
	// ClickHouse mapping; the error is a *[MappingError].
	ErrUnsupportedType = errors.New("clickhouse: column type cannot be mapped")
	// ErrNoPrimaryKey is returned for a table without a primary key: the
	// ReplacingMergeTree table the sink writes needs one to collapse versions.
	ErrNoPrimaryKey = errors.New("clickhouse: table has no primary key")
	// ErrReservedColumn is returned when a source column is named like one of
	// the columns the sink adds (_version, _is_deleted).
	ErrReservedColumn = errors.New("clickhouse: column name is reserved")
	// ErrUnrepresentable is returned when a value cannot be stored exactly in
	// its ClickHouse column, such as a date outside the range of Date; the
	// error is a *[ValueError].
	ErrUnrepresentable = errors.New("clickhouse: value cannot be stored exactly")
	// ErrVersionOverflow is returned by [RowVersion] when a binlog position
	// does not fit the bits of the version.
	ErrVersionOverflow = errors.New("clickhouse: binlog position does not fit a row version")
	// ErrTableMismatch is returned when an existing ClickHouse table cannot
	// take a source table's rows: a column's type cannot hold the source
	// column's values, or, with [SinkConfig.ManualTables], the table or a
	// column is missing. The error is a *[TableMismatchError] (several,
	// joined, when several columns differ).
	ErrTableMismatch = errors.New("clickhouse: existing table does not fit the source table")
	// ErrClosed is returned by a [Sink] or [Client] after Close.
	ErrClosed = errors.New("clickhouse: closed")
	// ErrInvalidConfig is matched by every *[ConfigError] of this package.
	ErrInvalidConfig = errors.New("clickhouse: invalid configuration")
)

// MappingError says which column of which table could not be mapped to a
// ClickHouse type, and why.
type MappingError struct {
	Table  cdc.TableID
	Column string
	// Type is the column's MySQL type as the source reported it.
	Type string
	// Reason explains the failure.
	Reason string
	// Err is the sentinel: ErrUnsupportedType, ErrReservedColumn or
	// ErrNoPrimaryKey.
	Err error
}

// Error names the table, the column and its type, and says why.
func (e *MappingError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("clickhouse: table %s: %s", e.Table, e.Reason)
	}
	return fmt.Sprintf("clickhouse: table %s column %q type %s: %s", e.Table, e.Column, e.Type, e.Reason)
}

// Unwrap returns the sentinel.
func (e *MappingError) Unwrap() error { return e.Err }

// ValueError says which value of which column could not be converted.
type ValueError struct {
	Table  cdc.TableID
	Column string
	// Value is the offending value, formatted with %v (values are table data,
	// never credentials).
	Value string
	// Reason explains the failure and, where there is one, the fix.
	Reason string
	// Err is ErrUnrepresentable, or nil for a value of the wrong Go type.
	Err error
}

// Error names the table, the column and the value, and says why.
func (e *ValueError) Error() string {
	return fmt.Sprintf("clickhouse: table %s column %q value %s: %s", e.Table, e.Column, e.Value, e.Reason)
}

// Unwrap returns the sentinel, if any.
func (e *ValueError) Unwrap() error { return e.Err }

// TableMismatchError says which column of an existing ClickHouse table
// cannot take a source column, its type and the type the mapping wants, and
// how to fix the table. The sink returns it before it buffers any row of
// the table.
type TableMismatchError struct {
	// Table is the source table.
	Table cdc.TableID
	// Target is the ClickHouse table, quoted: `db`.`table`.
	Target string
	// Column is the column, "" when the whole table is missing.
	Column string
	// SourceType is the column's MySQL type ("" for the columns the sink
	// adds, _version and _is_deleted).
	SourceType string
	// Existing is the ClickHouse column's type, "" when it is missing.
	Existing string
	// Wanted is the type the sink maps the column to.
	Wanted string
	// Fix says how to make the table fit, such as the ALTER TABLE
	// statement to run.
	Fix string
}

// Error names the table, the column and both types, and gives the fix.
func (e *TableMismatchError) Error() string {
	switch {
	case e.Column == "":
		return fmt.Sprintf("clickhouse: table %s: the ClickHouse table %s does not exist; %s", e.Table, e.Target, e.Fix)
	case e.Existing == "":
		return fmt.Sprintf("clickhouse: table %s column %q%s: the ClickHouse table %s has no such column; %s",
			e.Table, e.Column, e.sourceType(), e.Target, e.Fix)
	}
	return fmt.Sprintf("clickhouse: table %s column %q%s: the ClickHouse column %s.%s is %s, which cannot hold the column's values (the mapping is %s); %s",
		e.Table, e.Column, e.sourceType(), e.Target, QuoteIdent(e.Column), e.Existing, e.Wanted, e.Fix)
}

func (e *TableMismatchError) sourceType() string {
	if e.SourceType == "" {
		return ""
	}
	return " (MySQL " + e.SourceType + ")"
}

// Unwrap returns ErrTableMismatch.
func (e *TableMismatchError) Unwrap() error { return ErrTableMismatch }

// InsertError reports a batch insert that did not succeed: none of its rows
// are acknowledged, and the sink keeps them to try again on the next flush.
// A refusal by the server wraps ClickHouse's *proto.Exception (its Code and
// Message), found with errors.As.
type InsertError struct {
	Table cdc.TableID
	// Rows is the number of rows in the batch.
	Rows int
	// Attempts is how many times the insert was tried.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Error names the table and the rows kept, and gives the last attempt's error.
func (e *InsertError) Error() string {
	return fmt.Sprintf("clickhouse: insert %d rows into %s failed after %d attempt(s), rows kept for the next flush: %v",
		e.Rows, e.Table, e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *InsertError) Unwrap() error { return e.Err }

// ConfigError lists every invalid field of a [SinkConfig] (or of the
// options given to [New]) at once: each problem's Field, Value and Fix.
// Match it with errors.As, or with errors.Is(err, [ErrInvalidConfig]).
type ConfigError = problems.Error

// newConfigError starts the list of problems of a configuration.
func newConfigError(what string) *ConfigError {
	return problems.New("clickhouse", what, ErrInvalidConfig)
}
