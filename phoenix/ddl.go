package phoenix

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// TableOptions say where a cdc table goes in Phoenix and how its Phoenix
// table is declared. The zero value writes each source table, typed, under
// its own name into Phoenix's default schema, with no table options.
type TableOptions struct {
	// Schema is the Phoenix schema of the tables; with namespace mapping on
	// it is also the HBase namespace (create it with [Client.CreateSchema]).
	// Empty means Phoenix's default schema.
	Schema string
	// TableName names the Phoenix table of a source table; nil keeps the
	// source table's name (case preserved: Phoenix gets it quoted).
	TableName func(cdc.TableID) string
	// Layout chooses the column types (default [LayoutTyped]).
	Layout Layout
	// ColumnFamily is the HBase column family of the non-key columns,
	// declared as "family"."column"; empty leaves them in Phoenix's default
	// family "0".
	ColumnFamily string
	// SaltBuckets pre-splits the table into this many salted regions
	// (Phoenix's SALT_BUCKETS, 1-256; 0 for none). The package
	// documentation describes the salted row key.
	SaltBuckets int
	// Compression is the HBase compression of the table's families, such as
	// "SNAPPY", "GZ", "LZ4" or "ZSTD" ("" for HBase's default, none).
	Compression string
	// TTL expires cells this long after they were written (HBase's TTL,
	// whole seconds; 0 keeps them forever).
	TTL time.Duration
	// Versions is how many versions of a cell HBase keeps (0 for HBase's
	// default).
	Versions int
	// ImmutableRows declares the table IMMUTABLE_ROWS=true: rows are only
	// inserted, never updated, which makes secondary indexes cheaper.
	ImmutableRows bool
	// UpdateCacheFrequency lets Phoenix clients cache the table's metadata
	// this long (UPDATE_CACHE_FREQUENCY; 0 for Phoenix's default, which
	// checks on every statement).
	UpdateCacheFrequency time.Duration
	// Properties are further table options, written NAME=value after the
	// others: a value that is an integer or TRUE/FALSE is written bare,
	// anything else as a quoted string (DATA_BLOCK_ENCODING='FAST_DIFF',
	// BLOOMFILTER='ROW', DISABLE_WAL=true).
	Properties map[string]string
}

// tableName returns the Phoenix table a source table goes to.
func (o *TableOptions) tableRef(id cdc.TableID) TableRef {
	name := id.Table
	if o.TableName != nil {
		name = o.TableName(id)
	}
	return TableRef{Schema: o.Schema, Table: name}
}

var compressions = []string{"NONE", "SNAPPY", "GZ", "LZ4", "LZO", "ZSTD", "BZIP2", "LZMA"}

// validate adds every problem of o to ps, fields prefixed with prefix.
func (o *TableOptions) validate(ps *ConfigError, prefix string) {
	if o.Schema != "" {
		if err := CheckTableName(o.Schema); err != nil {
			ps.Add(prefix+"Schema", o.Schema, "%v", err)
		}
	}
	if o.Layout != LayoutTyped && o.Layout != LayoutAllVarchar {
		ps.Add(prefix+"Layout", int(o.Layout), "use LayoutTyped or LayoutAllVarchar")
	}
	if o.ColumnFamily != "" {
		if strings.ContainsAny(o.ColumnFamily, "\":\x00") || strings.HasPrefix(o.ColumnFamily, ".") {
			ps.Add(prefix+"ColumnFamily", o.ColumnFamily, "HBase family names cannot hold ':', '\"' or NUL nor start with '.'; use a short name such as info")
		}
	}
	if o.SaltBuckets < 0 || o.SaltBuckets > 256 {
		ps.Add(prefix+"SaltBuckets", o.SaltBuckets, "Phoenix allows 1 to 256 salt buckets; use 0 for an unsalted table")
	}
	if o.Compression != "" && !slices.Contains(compressions, strings.ToUpper(o.Compression)) {
		ps.Add(prefix+"Compression", o.Compression, "use one of %s, or leave it empty", strings.Join(compressions, ", "))
	}
	if o.TTL < 0 || o.TTL%time.Second != 0 {
		ps.Add(prefix+"TTL", o.TTL, "HBase's TTL is whole seconds: use a positive multiple of 1s, or 0 to keep cells forever")
	}
	if o.Versions < 0 {
		ps.Add(prefix+"Versions", o.Versions, "use a positive count, or 0 for HBase's default")
	}
	if o.UpdateCacheFrequency < 0 {
		ps.Add(prefix+"UpdateCacheFrequency", o.UpdateCacheFrequency, "use a positive duration, or 0 for Phoenix's default")
	}
	for _, k := range slices.Sorted(maps.Keys(o.Properties)) {
		if !isOptionName(k) {
			ps.Add(prefix+"Properties", k, "an option name is letters, digits and '_', such as DATA_BLOCK_ENCODING")
		}
		if reservedOption(k) {
			ps.Add(prefix+"Properties", k, "set it with its own field of TableOptions")
		}
	}
}

func isOptionName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func reservedOption(k string) bool {
	switch strings.ToUpper(k) {
	case "SALT_BUCKETS", "COMPRESSION", "TTL", "VERSIONS", "IMMUTABLE_ROWS", "UPDATE_CACHE_FREQUENCY":
		return true
	}
	return false
}

// tableLayout is how one source table is written into one Phoenix table.
type tableLayout struct {
	source  cdc.TableID
	table   TableRef
	family  string
	columns []columnMapping
	// rowIndex is, for each column, its index in the rows of the source
	// schema (which can have columns the Phoenix table lacks).
	rowIndex []int
	// key holds the indexes in columns of the primary key, in key order.
	key []int
	// ddl is the CREATE TABLE statement.
	ddl string
	// upsert, delete and selectByKey are the statements, with a ? per value.
	upsert, delete, selectByKey string
}

// newTableLayout maps schema to its Phoenix table under opts, and writes
// the statements. It does no I/O.
func newTableLayout(schema *cdc.TableSchema, opts *TableOptions) (*tableLayout, error) {
	l := &tableLayout{source: schema.Table, table: opts.tableRef(schema.Table), family: opts.ColumnFamily}
	if err := l.table.check(); err != nil {
		return nil, fmt.Errorf("phoenix: table for %s: %w; choose another name with TableOptions.TableName", schema.Table, err)
	}
	if len(schema.PrimaryKey) == 0 {
		return nil, fmt.Errorf("phoenix: table %s has no primary key: a Phoenix table needs one (its HBase row key); add one upstream or leave the table out", schema.Table)
	}
	for _, col := range schema.Columns {
		m, err := mapColumn(schema.Table, col, opts.Layout)
		if err != nil {
			return nil, err
		}
		l.columns = append(l.columns, m)
		l.rowIndex = append(l.rowIndex, len(l.rowIndex))
	}
	for _, name := range schema.PrimaryKey {
		i := schema.ColumnIndex(name)
		if i < 0 {
			return nil, fmt.Errorf("phoenix: table %s: primary key column %q is not among its columns", schema.Table, name)
		}
		l.key = append(l.key, i)
	}
	for n, i := range l.key {
		if l.columns[i].SQLType == "VARBINARY" && n != len(l.key)-1 {
			return nil, &UnmappableTypeError{Table: schema.Table, Column: l.columns[i].Name, Type: schema.Columns[i].Type,
				Reason: "Phoenix allows VARBINARY only as the last column of a primary key; reorder the key or use LayoutAllVarchar"}
		}
	}
	l.ddl = l.createTableSQL(opts)
	l.upsert = l.upsertSQL()
	l.delete = l.deleteSQL()
	l.selectByKey = l.selectSQL()
	return l, nil
}

// readRowsOf makes l read rows of source, a schema with the same columns
// and maybe more.
func (l *tableLayout) readRowsOf(source *cdc.TableSchema) {
	for i, c := range l.columns {
		l.rowIndex[i] = source.ColumnIndex(c.Name)
	}
}

func (l *tableLayout) isKey(i int) bool { return slices.Contains(l.key, i) }

// columnSQL is a column as DDL and DML name it: "family"."name" for a
// non-key column in a declared family.
func (l *tableLayout) columnSQL(i int) string {
	if l.family != "" && !l.isKey(i) {
		return QuoteIdentifier(l.family) + "." + QuoteIdentifier(l.columns[i].Name)
	}
	return QuoteIdentifier(l.columns[i].Name)
}

func (l *tableLayout) createTableSQL(opts *TableOptions) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(l.table.String())
	b.WriteString(" (")
	for i, c := range l.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.columnSQL(i))
		b.WriteByte(' ')
		b.WriteString(c.SQLType)
		if l.isKey(i) {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString(", CONSTRAINT ")
	b.WriteString(QuoteIdentifier("pk"))
	b.WriteString(" PRIMARY KEY (")
	for n, i := range l.key {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdentifier(l.columns[i].Name))
	}
	b.WriteString("))")
	if o := tableOptionsSQL(opts); o != "" {
		b.WriteByte(' ')
		b.WriteString(o)
	}
	return b.String()
}

// tableOptionsSQL writes the options after CREATE TABLE's column list.
func tableOptionsSQL(o *TableOptions) string {
	var opts []string
	if o.SaltBuckets > 0 {
		opts = append(opts, "SALT_BUCKETS="+strconv.Itoa(o.SaltBuckets))
	}
	if o.Compression != "" {
		opts = append(opts, "COMPRESSION="+quoteString(strings.ToUpper(o.Compression)))
	}
	if o.TTL > 0 {
		opts = append(opts, "TTL="+strconv.FormatInt(int64(o.TTL/time.Second), 10))
	}
	if o.Versions > 0 {
		opts = append(opts, "VERSIONS="+strconv.Itoa(o.Versions))
	}
	if o.ImmutableRows {
		opts = append(opts, "IMMUTABLE_ROWS=true")
	}
	if o.UpdateCacheFrequency > 0 {
		opts = append(opts, "UPDATE_CACHE_FREQUENCY="+strconv.FormatInt(o.UpdateCacheFrequency.Milliseconds(), 10))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Properties)) {
		opts = append(opts, k+"="+optionValue(o.Properties[k]))
	}
	return strings.Join(opts, ", ")
}

func optionValue(v string) string {
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v
	}
	switch strings.ToUpper(v) {
	case "TRUE", "FALSE":
		return strings.ToLower(v)
	}
	return quoteString(v)
}

// quoteString writes an SQL string literal; only table options, never
// values, are written this way.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (l *tableLayout) upsertSQL() string {
	var b strings.Builder
	b.WriteString("UPSERT INTO ")
	b.WriteString(l.table.String())
	b.WriteString(" (")
	for i := range l.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.columnSQL(i))
	}
	b.WriteString(") VALUES (")
	b.WriteString(placeholders(len(l.columns)))
	b.WriteString(")")
	return b.String()
}

func (l *tableLayout) keyCondition() string {
	var b strings.Builder
	for n, i := range l.key {
		if n > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(QuoteIdentifier(l.columns[i].Name))
		b.WriteString(" = ?")
	}
	return b.String()
}

func (l *tableLayout) deleteSQL() string {
	return "DELETE FROM " + l.table.String() + " WHERE " + l.keyCondition()
}

func (l *tableLayout) selectSQL() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i := range l.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.columnSQL(i))
	}
	b.WriteString(" FROM ")
	b.WriteString(l.table.String())
	b.WriteString(" WHERE ")
	b.WriteString(l.keyCondition())
	return b.String()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// CreateSchemaSQL returns the statement that creates schema name, which
// Phoenix allows only with namespace mapping on (the schema is an HBase
// namespace).
func CreateSchemaSQL(name string) (string, error) {
	if err := CheckTableName(name); err != nil {
		return "", fmt.Errorf("phoenix: schema: %w", err)
	}
	return "CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(name), nil
}

// CreateTableSQL returns the CREATE TABLE IF NOT EXISTS statement of the
// Phoenix table schema maps to under opts: its columns in the source's
// order with the types of the package documentation's table, the primary
// key as a constraint (its columns NOT NULL), and the table options. It
// fails, before any I/O, on a column that cannot be mapped, a table without
// a primary key, and bad options.
func CreateTableSQL(schema *cdc.TableSchema, opts TableOptions) (string, error) {
	ps := newConfigError("table options")
	opts.validate(ps, "")
	if err := ps.Err(); err != nil {
		return "", err
	}
	l, err := newTableLayout(schema, &opts)
	if err != nil {
		return "", err
	}
	return l.ddl, nil
}
