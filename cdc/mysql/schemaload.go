package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// ErrTableNotFound is matched, with errors.Is, by the error of
// [LoadTableSchemas] when a requested table does not exist.
var ErrTableNotFound = errors.New("table not found")

// TableNotFoundError lists the requested tables that do not exist, or are
// views rather than base tables.
type TableNotFoundError struct {
	Tables []cdc.TableID
}

func (e *TableNotFoundError) Error() string {
	names := make([]string, len(e.Tables))
	for i, t := range e.Tables {
		names[i] = t.String()
	}
	return fmt.Sprintf("mysql: table %s not found on the server: check the database and table names "+
		"(names are case-sensitive on most servers) and that the user may see them (SELECT privilege)",
		strings.Join(names, ", "))
}

// Is reports whether target is ErrTableNotFound.
func (e *TableNotFoundError) Is(target error) bool { return target == ErrTableNotFound }

// SchemaLoadError reports a failed query or an unparsable column while
// loading table schemas.
type SchemaLoadError struct {
	// Table is the table being loaded; zero when the query covered several.
	Table cdc.TableID
	// Column names the column whose type failed to parse, if any.
	Column string
	// Err is the underlying error.
	Err error
}

func (e *SchemaLoadError) Error() string {
	var b strings.Builder
	b.WriteString("mysql: load schema")
	if e.Table != (cdc.TableID{}) {
		b.WriteString(" of ")
		b.WriteString(e.Table.String())
	}
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns Err.
func (e *SchemaLoadError) Unwrap() error { return e.Err }

// schemaBatch bounds the number of tables named in one information_schema
// query, and so the number of bound parameters.
const schemaBatch = 256

// LoadTableSchemas reads the schemas of tables from information_schema: the
// columns in ordinal order with their types, character sets and nullability,
// and the primary key in key order. A MariaDB JSON column, which the server
// stores as LONGTEXT with a json_valid check, gets [cdc.KindJSON].
//
// Every table must exist as a base table; otherwise the error is a
// [*TableNotFoundError] (matching [ErrTableNotFound]) naming each missing
// one. A column type without a canonical value fails with an error naming
// the column and matching [cdc.ErrUnsupportedType].
//
// db needs no privilege beyond SELECT on the tables. The result maps every
// requested table to a new schema; duplicates in tables are loaded once.
func LoadTableSchemas(ctx context.Context, db *sql.DB, tables []cdc.TableID) (map[cdc.TableID]*cdc.TableSchema, error) {
	out := make(map[cdc.TableID]*cdc.TableSchema, len(tables))
	var unique []cdc.TableID
	seen := make(map[cdc.TableID]bool, len(tables))
	for _, t := range tables {
		if !seen[t] {
			seen[t] = true
			unique = append(unique, t)
		}
	}
	longtext := make(map[cdc.TableID][]int) // LONGTEXT columns that may be MariaDB JSON
	for start := 0; start < len(unique); start += schemaBatch {
		batch := unique[start:min(start+schemaBatch, len(unique))]
		if err := loadColumns(ctx, db, batch, out, longtext); err != nil {
			return nil, err
		}
	}
	var missing []cdc.TableID
	for _, t := range unique {
		if _, ok := out[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return nil, &TableNotFoundError{Tables: missing}
	}
	for start := 0; start < len(unique); start += schemaBatch {
		batch := unique[start:min(start+schemaBatch, len(unique))]
		if err := loadPrimaryKeys(ctx, db, batch, out); err != nil {
			return nil, err
		}
	}
	if len(longtext) > 0 {
		if err := markMariaDBJSON(ctx, db, out, longtext); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tablePairs returns "(?,?),(?,?)..." and the bound values for tables.
func tablePairs(tables []cdc.TableID) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(tables))
	for i, t := range tables {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?)")
		args = append(args, t.Database, t.Table)
	}
	return b.String(), args
}

func loadColumns(ctx context.Context, db *sql.DB, tables []cdc.TableID, out map[cdc.TableID]*cdc.TableSchema, longtext map[cdc.TableID][]int) error {
	pairs, args := tablePairs(tables)
	// Views have columns too; join TABLES to keep base tables only.
	q := `SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.CHARACTER_SET_NAME, c.IS_NULLABLE
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE = 'BASE TABLE' AND (c.TABLE_SCHEMA, c.TABLE_NAME) IN (` + pairs + `)
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return &SchemaLoadError{Err: fmt.Errorf("query information_schema.COLUMNS: %w", err)}
	}
	defer rows.Close()
	want := make(map[cdc.TableID]bool, len(tables))
	for _, t := range tables {
		want[t] = true
	}
	for rows.Next() {
		var (
			id                        cdc.TableID
			name, columnType, notNull string
			charset                   sql.NullString
		)
		if err := rows.Scan(&id.Database, &id.Table, &name, &columnType, &charset, &notNull); err != nil {
			return &SchemaLoadError{Err: fmt.Errorf("read information_schema.COLUMNS: %w", err)}
		}
		// The IN comparison may be case-insensitive (lower_case_table_names);
		// keep only exact names, as the binlog reports them.
		if !want[id] {
			continue
		}
		ct, err := cdc.ParseColumnType(columnType, charset.String)
		if err != nil {
			return &SchemaLoadError{Table: id, Column: name, Err: err}
		}
		s := out[id]
		if s == nil {
			s = &cdc.TableSchema{Table: id}
			out[id] = s
		}
		if ct.Kind == cdc.KindLongText {
			longtext[id] = append(longtext[id], len(s.Columns))
		}
		s.Columns = append(s.Columns, cdc.Column{Name: name, Type: ct, Nullable: notNull == "YES"})
	}
	if err := rows.Err(); err != nil {
		return &SchemaLoadError{Err: fmt.Errorf("read information_schema.COLUMNS: %w", err)}
	}
	return nil
}

func loadPrimaryKeys(ctx context.Context, db *sql.DB, tables []cdc.TableID, out map[cdc.TableID]*cdc.TableSchema) error {
	pairs, args := tablePairs(tables)
	q := `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE INDEX_NAME = 'PRIMARY' AND (TABLE_SCHEMA, TABLE_NAME) IN (` + pairs + `)
ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return &SchemaLoadError{Err: fmt.Errorf("query information_schema.STATISTICS: %w", err)}
	}
	defer rows.Close()
	for rows.Next() {
		var id cdc.TableID
		var col string
		if err := rows.Scan(&id.Database, &id.Table, &col); err != nil {
			return &SchemaLoadError{Err: fmt.Errorf("read information_schema.STATISTICS: %w", err)}
		}
		if s := out[id]; s != nil {
			s.PrimaryKey = append(s.PrimaryKey, col)
		}
	}
	if err := rows.Err(); err != nil {
		return &SchemaLoadError{Err: fmt.Errorf("read information_schema.STATISTICS: %w", err)}
	}
	return nil
}

// markMariaDBJSON turns the LONGTEXT columns that MariaDB created for JSON
// (a column-level CHECK (json_valid(`col`))) into KindJSON. MySQL has a real
// JSON type, and its CHECK_CONSTRAINTS has no TABLE_NAME, so this runs on
// MariaDB only.
func markMariaDBJSON(ctx context.Context, db *sql.DB, out map[cdc.TableID]*cdc.TableSchema, longtext map[cdc.TableID][]int) error {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return &SchemaLoadError{Err: fmt.Errorf("query server version: %w", err)}
	}
	if !strings.Contains(strings.ToLower(version), "mariadb") {
		return nil
	}
	tables := make([]cdc.TableID, 0, len(longtext))
	for t := range longtext {
		tables = append(tables, t)
	}
	slices.SortFunc(tables, func(a, b cdc.TableID) int { return strings.Compare(a.String(), b.String()) })
	for start := 0; start < len(tables); start += schemaBatch {
		batch := tables[start:min(start+schemaBatch, len(tables))]
		pairs, args := tablePairs(batch)
		q := `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS
WHERE (CONSTRAINT_SCHEMA, TABLE_NAME) IN (` + pairs + `)`
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return &SchemaLoadError{Err: fmt.Errorf("query information_schema.CHECK_CONSTRAINTS: %w", err)}
		}
		for rows.Next() {
			var id cdc.TableID
			var clause string
			if err := rows.Scan(&id.Database, &id.Table, &clause); err != nil {
				rows.Close()
				return &SchemaLoadError{Err: fmt.Errorf("read information_schema.CHECK_CONSTRAINTS: %w", err)}
			}
			s := out[id]
			if s == nil {
				continue
			}
			for _, i := range longtext[id] {
				if isJSONValidCheck(clause, s.Columns[i].Name) {
					s.Columns[i].Type.Kind = cdc.KindJSON
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return &SchemaLoadError{Err: fmt.Errorf("read information_schema.CHECK_CONSTRAINTS: %w", err)}
		}
	}
	return nil
}

// isJSONValidCheck reports whether clause is MariaDB's check for a JSON
// column named col: json_valid(`col`).
func isJSONValidCheck(clause, col string) bool {
	clause = strings.TrimSpace(clause)
	for len(clause) > 1 && clause[0] == '(' && clause[len(clause)-1] == ')' {
		clause = strings.TrimSpace(clause[1 : len(clause)-1])
	}
	want := "json_valid(`" + strings.ReplaceAll(col, "`", "``") + "`)"
	return strings.EqualFold(clause, want)
}

// ListTables returns the base tables (not views) of the named databases,
// sorted by database and name, for matching table patterns against.
// Databases that do not exist contribute no tables.
func ListTables(ctx context.Context, db *sql.DB, databases []string) ([]cdc.TableID, error) {
	if len(databases) == 0 {
		return nil, nil
	}
	placeholders := strings.TrimSuffix(strings.Repeat("?,", len(databases)), ",")
	args := make([]any, len(databases))
	for i, d := range databases {
		args[i] = d
	}
	q := `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (` + placeholders + `)
ORDER BY TABLE_SCHEMA, TABLE_NAME`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, &SchemaLoadError{Err: fmt.Errorf("list tables from information_schema.TABLES: %w", err)}
	}
	defer rows.Close()
	var out []cdc.TableID
	for rows.Next() {
		var id cdc.TableID
		if err := rows.Scan(&id.Database, &id.Table); err != nil {
			return nil, &SchemaLoadError{Err: fmt.Errorf("list tables: %w", err)}
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, &SchemaLoadError{Err: fmt.Errorf("list tables: %w", err)}
	}
	return out, nil
}
