package clickhouse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// QuoteIdent quotes a database, table or column name for ClickHouse SQL:
// backquotes, with backslashes and backquotes inside escaped by a backslash,
// which every ClickHouse version reads back as the original name.
func QuoteIdent(name string) string { return quoteWith('`', name) }

// quoteWith encloses s in q, escaping q and backslashes inside with a
// backslash: the one escaping rule ClickHouse reads for both identifiers
// (backquotes) and string literals (single quotes).
func quoteWith(q byte, s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		if s[i] == q || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte(q)
	return b.String()
}

// CreateDatabaseSQL returns CREATE DATABASE IF NOT EXISTS for name.
func CreateDatabaseSQL(name string) string {
	return "CREATE DATABASE IF NOT EXISTS " + QuoteIdent(name)
}

// tableLayout is a table's mapping: one codec per source column, the
// target's quoted name and its primary key.
type tableLayout struct {
	schema   *cdc.TableSchema
	database string
	table    string
	codecs   []*codec
	// src, when set, says which source column each codec writes: a
	// schema change the sink did not apply can leave a source column
	// unwritten or written into a ClickHouse column of another name (see
	// [tableState]). Nil means codec i writes source column i.
	src []int
	// pk holds the indexes of the primary key's source columns.
	pk       []int
	features Features
}

// source returns the index of the source column that codec i writes.
func (l *tableLayout) source(i int) int {
	if l.src == nil {
		return i
	}
	return l.src[i]
}

// keyCodec returns the codec of the source column with index k, which the
// layout always writes when it is a key column.
func (l *tableLayout) keyCodec(k int) *codec {
	if l.src == nil {
		return l.codecs[k]
	}
	for i, j := range l.src {
		if j == k {
			return l.codecs[i]
		}
	}
	panic("clickhouse: layout does not write a key column")
}

// project returns the layout that writes l's rows into the ClickHouse table
// st says: the target table's name, and each source column into the
// ClickHouse column st.Columns maps it to, or not at all. Key columns are
// always written.
func (l *tableLayout) project(st *tableState) *tableLayout {
	if st == nil || (st.Table == "" && len(st.Columns) == 0) {
		return l
	}
	p := *l
	if st.Table != "" {
		p.database, p.table = st.Database, st.Table
	}
	if len(st.Columns) == 0 {
		return &p
	}
	p.codecs, p.src = nil, nil
	for i, c := range l.codecs {
		target, mapped := st.Columns[c.name]
		switch {
		case !mapped || target == c.name || (target == "" && slices.Contains(l.pk, i)):
			p.codecs = append(p.codecs, c)
		case target == "":
			continue
		default:
			renamed := *c
			renamed.name = target
			p.codecs = append(p.codecs, &renamed)
		}
		p.src = append(p.src, i)
	}
	return &p
}

func (l *tableLayout) qualified() string { return QuoteIdent(l.database) + "." + QuoteIdent(l.table) }

// newLayout maps schema for a server with features f. database is the target
// database; "" means the source table's own.
func newLayout(schema *cdc.TableSchema, database string, f Features, opts MappingOptions) (*tableLayout, error) {
	if database == "" {
		database = schema.Table.Database
	}
	l := &tableLayout{schema: schema, database: database, table: schema.Table.Table, features: f}
	var errs []error
	for _, col := range schema.Columns {
		c, err := newCodec(schema.Table, col, f, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.codecs = append(l.codecs, c)
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	if len(errs) > 1 {
		return nil, joinErrors(errs)
	}
	if len(schema.PrimaryKey) == 0 {
		return nil, &MappingError{Table: schema.Table, Reason: "no primary key: ReplacingMergeTree needs one to keep the latest version of each row; add a primary key to the MySQL table", Err: ErrNoPrimaryKey}
	}
	for _, k := range schema.PrimaryKey {
		i := schema.ColumnIndex(k)
		if i < 0 {
			return nil, &MappingError{Table: schema.Table, Column: k, Reason: "primary key column is not among the table's columns", Err: ErrNoPrimaryKey}
		}
		l.pk = append(l.pk, i)
	}
	return l, nil
}

// joinErrors joins several mapping errors into one that still matches each
// sentinel with errors.Is.
type multiError []error

func joinErrors(errs []error) error { return multiError(errs) }

// Error joins the errors' texts with "; ".
func (m multiError) Error() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the errors.
func (m multiError) Unwrap() []error { return m }

// columnDefs returns the column definitions of the CREATE TABLE statement.
func (l *tableLayout) createSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(l.qualified())
	b.WriteString("\n(\n")
	for _, c := range l.codecs {
		fmt.Fprintf(&b, "    %s %s,\n", QuoteIdent(c.name), c.chType)
	}
	fmt.Fprintf(&b, "    %s UInt64,\n    %s UInt8\n)\n", QuoteIdent(VersionColumn), QuoteIdent(DeletedColumn))
	if l.features.IsDeleted {
		fmt.Fprintf(&b, "ENGINE = ReplacingMergeTree(%s, %s)\n", QuoteIdent(VersionColumn), QuoteIdent(DeletedColumn))
	} else {
		fmt.Fprintf(&b, "ENGINE = ReplacingMergeTree(%s)\n", QuoteIdent(VersionColumn))
	}
	b.WriteString("ORDER BY (")
	for i, k := range l.pk {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(l.keyCodec(k).name))
	}
	b.WriteString(")")
	return b.String()
}

// CreateTableSQL returns the CREATE TABLE IF NOT EXISTS statement for the
// ClickHouse counterpart of a MySQL table on a server with features f:
// the source columns mapped as the package documentation lists, then
// _version UInt64 and _is_deleted UInt8, a ReplacingMergeTree engine
// versioned by _version (and told about _is_deleted when the server knows
// the parameter), ordered by the primary key. database is the target
// database; "" means the source table's own. Every identifier is quoted.
func CreateTableSQL(schema *cdc.TableSchema, database string, f Features, opts MappingOptions) (string, error) {
	l, err := newLayout(schema, database, f, opts)
	if err != nil {
		return "", err
	}
	return l.createSQL(), nil
}

// addColumnsSQL returns ALTER TABLE ... ADD COLUMN for the codecs whose names
// are not in existing, each placed after its predecessor in the source.
func (l *tableLayout) addColumnsSQL(existing map[string]string) string {
	var adds []string
	for i, c := range l.codecs {
		if _, ok := existing[c.name]; ok {
			continue
		}
		clause := "ADD COLUMN " + QuoteIdent(c.name) + " " + c.chType
		if i > 0 {
			clause += " AFTER " + QuoteIdent(l.codecs[i-1].name)
		}
		adds = append(adds, clause)
	}
	if len(adds) == 0 {
		return ""
	}
	return "ALTER TABLE " + l.qualified() + " " + strings.Join(adds, ", ")
}

// insertSQL returns the INSERT statement of a batch, with its column list
// (ClickHouse 18.16 needs one). The list follows the table name without a
// space and holds none between names: clickhouse-go then leaves the column
// order to the server, which answers in the order of the list, instead of
// re-parsing the names itself, which it does by deleting every backquote and
// so fails for names that contain one.
func (l *tableLayout) insertSQL() string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(l.qualified())
	b.WriteString("(")
	for _, c := range l.codecs {
		b.WriteString(QuoteIdent(c.name))
		b.WriteString(",")
	}
	b.WriteString(QuoteIdent(VersionColumn))
	b.WriteString(",")
	b.WriteString(QuoteIdent(DeletedColumn))
	b.WriteString(")")
	return b.String()
}

// selectSQL returns the query of the visible state: the latest version of
// every row (FINAL), delete markers dropped, in primary key order. The
// filter sits outside the FINAL subquery so that no server moves it into
// PREWHERE, before versions are collapsed.
func (l *tableLayout) selectSQL() string {
	cols := make([]string, len(l.codecs))
	for i, c := range l.codecs {
		cols[i] = QuoteIdent(c.name)
	}
	list := strings.Join(cols, ", ")
	order := make([]string, len(l.pk))
	for i, k := range l.pk {
		order[i] = QuoteIdent(l.keyCodec(k).name)
	}
	return fmt.Sprintf("SELECT %s FROM (SELECT %s, %s FROM %s FINAL) WHERE %s = 0 ORDER BY %s",
		list, list, QuoteIdent(DeletedColumn), l.qualified(), QuoteIdent(DeletedColumn), strings.Join(order, ", "))
}

// bind returns the layout that writes l's rows into an existing table whose
// columns have the types in existing (name to type, as system.columns
// spells them): each source column's codec writes the type its ClickHouse
// column has, when that type can hold the column's values (see
// [codecFor]). The columns missing from existing keep the mapping's codecs
// and are returned, with or without an error. The error is a
// *[TableMismatchError] for each column whose type cannot hold its source
// column, and for _version and _is_deleted when they are missing or not
// UInt64 and UInt8.
func (l *tableLayout) bind(existing map[string]string) (bound *tableLayout, missing []*codec, err error) {
	b := *l
	b.codecs = make([]*codec, len(l.codecs))
	var errs []error
	for i, c := range l.codecs {
		typ, ok := existing[c.name]
		switch {
		case !ok:
			b.codecs[i] = c
			missing = append(missing, c)
		case typ == c.chType:
			b.codecs[i] = c
		default:
			t := parseCHType(typ)
			bc, ok := codecFor(l.schema.Table, c.col, t)
			if !ok {
				errs = append(errs, l.typeMismatch(i, typ))
				continue
			}
			bc.retypeHint = fmt.Sprintf("the ClickHouse column is %s (the mapping is %s); %s", typ, c.chType, l.retypeFix(i))
			if c.col.Nullable && !t.nullable {
				t.nullable = true
				bc.nullRefusal = fmt.Sprintf("the ClickHouse column is %s, which cannot hold NULL; make it Nullable with ALTER TABLE %s MODIFY COLUMN %s %s",
					typ, l.qualified(), QuoteIdent(c.name), t)
			}
			b.codecs[i] = bc
		}
	}
	errs = append(errs, l.versionMismatches(existing)...)
	if len(errs) > 0 {
		return nil, missing, joinMismatches(errs)
	}
	return &b, missing, nil
}

// versionMismatches returns the errors of the columns the sink adds,
// _version UInt64 and _is_deleted UInt8, when existing lacks them or has
// them with other types.
func (l *tableLayout) versionMismatches(existing map[string]string) []error {
	var errs []error
	for _, col := range []struct{ name, want string }{{VersionColumn, "UInt64"}, {DeletedColumn, "UInt8"}} {
		if typ := existing[col.name]; typ != col.want {
			errs = append(errs, &TableMismatchError{Table: l.schema.Table, Target: l.qualified(), Column: col.name, Existing: typ, Wanted: col.want,
				Fix: fmt.Sprintf("the sink writes %s UInt64 and %s UInt8 into a ReplacingMergeTree(%s) table: create the table as CreateTableSQL does (or drop it for the sink to create it, and snapshot the source again)",
					QuoteIdent(VersionColumn), QuoteIdent(DeletedColumn), QuoteIdent(VersionColumn))})
		}
	}
	return errs
}

// typeMismatch is the error of the i-th column, whose existing ClickHouse
// type typ cannot hold it.
func (l *tableLayout) typeMismatch(i int, typ string) error {
	c := l.codecs[i]
	return &TableMismatchError{Table: l.schema.Table, Target: l.qualified(), Column: c.name, SourceType: typeText(c.col.Type),
		Existing: typ, Wanted: c.chType, Fix: l.retypeFix(i)}
}

// retypeFix says how to give the i-th column the mapping's type.
func (l *tableLayout) retypeFix(i int) string {
	for _, k := range l.pk {
		if k == l.source(i) {
			return "ClickHouse cannot change the type of a column of the ORDER BY key: drop the table for the sink to create it, and snapshot the source again"
		}
	}
	return fmt.Sprintf("change it with ALTER TABLE %s MODIFY COLUMN %s %s, or drop the table for the sink to create it, and snapshot the source again",
		l.qualified(), QuoteIdent(l.codecs[i].name), l.codecs[i].chType)
}

// missingTable is the error of a table that must exist (ManualTables) but
// does not.
func (l *tableLayout) missingTable() error {
	return &TableMismatchError{Table: l.schema.Table, Target: l.qualified(),
		Fix: "create it (Client.CreateTable, CreateTableSQL), or unset SinkConfig.ManualTables for the sink to create it"}
}

// missingColumns returns the errors of columns that must exist
// (ManualTables) but do not, after bindErr, the error of bind, if any.
func (l *tableLayout) missingColumns(bindErr error, missing []*codec) error {
	var errs []error
	if bindErr != nil {
		errs = append(errs, bindErr)
	}
	for _, c := range missing {
		errs = append(errs, &TableMismatchError{Table: l.schema.Table, Target: l.qualified(), Column: c.name, SourceType: typeText(c.col.Type), Wanted: c.chType,
			Fix: fmt.Sprintf("add it with ALTER TABLE %s ADD COLUMN %s %s, or unset SinkConfig.ManualTables for the sink to add it",
				l.qualified(), QuoteIdent(c.name), c.chType)})
	}
	return joinMismatches(errs)
}

func joinMismatches(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return joinErrors(errs)
}
