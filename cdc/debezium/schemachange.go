package debezium

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// appendSchemaChange writes an OpSchemaChange event as the value of
// Debezium's MySQL schema change record (io.debezium.connector.mysql.
// SchemaChangeValue): the source block, databaseName, schemaName (always
// null on MySQL), ddl, and tableChanges describing the table after the
// statement, as Debezium's ConnectTableChangeSerializer lays it out (with
// Debezium 2's additions from 2.0).
func (e *Encoder) appendSchemaChange(dst []byte, ev *cdc.Event) ([]byte, error) {
	if e.s.IncludeSchema {
		dst = append(dst, `{"schema":`...)
		dst = append(dst, e.s.schemaChangeSchema...)
		dst = append(dst, `,"payload":`...)
	}
	dst = append(dst, `{"source":`...)
	dst = e.appendSource(dst, ev, e.serverName(ev))
	if e.s.v2 {
		dst = append(dst, `,"ts_ms":`...)
		dst = strconv.AppendInt(dst, ev.TsMs, 10)
	}
	dst = append(dst, `,"databaseName":`...)
	dst = appendJSONString(dst, ev.Table.Database)
	dst = append(dst, `,"schemaName":null,"ddl":`...)
	dst = appendJSONString(dst, ev.DDL)
	dst = append(dst, `,"tableChanges":[`...)
	if len(ev.Changes) > 0 {
		for i, c := range tableChanges(ev.Changes) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTableChange(dst, c.typ, c.table, e.s.v2)
		}
	} else if s := ev.Schema; s != nil {
		dst = appendTableChange(dst, changeType(ev.DDL), s, e.s.v2)
	}
	dst = append(dst, "]}"...)
	if e.s.IncludeSchema {
		dst = append(dst, '}')
	}
	return dst, nil
}

// tableChange is one entry of a schema change record's tableChanges.
type tableChange struct {
	typ   string // CREATE, ALTER or DROP
	table *cdc.TableSchema
}

// tableChanges turns a statement's structured changes into Debezium's
// tableChanges: one entry per table the statement left changed, in the
// order first changed, each with the table as the statement left it.
// CREATE for a table it created (even if it then altered it), DROP with
// the table as it was for one it dropped, ALTER for the others; a renamed
// table is an ALTER under its new name, as Debezium's MySQL connector
// records a rename. TRUNCATE changes no table's definition and has no
// entry, as in Debezium.
func tableChanges(changes []cdc.SchemaChange) []tableChange {
	var out []tableChange
	at := map[cdc.TableID]int{}
	set := func(id cdc.TableID, typ string, s *cdc.TableSchema) {
		if i, ok := at[id]; ok {
			if out[i].typ == "CREATE" && typ == "ALTER" {
				typ = "CREATE"
			}
			out[i] = tableChange{typ: typ, table: s}
			return
		}
		at[id] = len(out)
		out = append(out, tableChange{typ: typ, table: s})
	}
	for _, c := range changes {
		switch c.Kind {
		case cdc.ChangeTruncateTable:
		case cdc.ChangeCreateTable:
			set(c.Table, "CREATE", c.After)
		case cdc.ChangeDropTable:
			set(c.Table, "DROP", c.Before)
		case cdc.ChangeRenameTable:
			if i, ok := at[c.Table]; ok {
				// Renamed after another change in the statement: the entry
				// follows the table to its new name.
				delete(at, c.Table)
				at[c.NewTable] = i
				out[i].table = c.After
				continue
			}
			set(c.NewTable, "ALTER", c.After)
		default:
			if c.After != nil {
				set(c.Table, "ALTER", c.After)
			}
		}
	}
	return slices.DeleteFunc(out, func(c tableChange) bool { return c.table == nil })
}

// changeType classifies a DDL statement as Debezium's TableChangeType, for
// an event without structured changes.
func changeType(ddl string) string {
	words := strings.Fields(strings.ToUpper(ddl))
	if len(words) > 0 {
		switch words[0] {
		case "CREATE":
			return "CREATE"
		case "DROP":
			return "DROP"
		}
	}
	return "ALTER"
}

func appendTableChange(dst []byte, typ string, s *cdc.TableSchema, v2 bool) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","id":`...)
	dst = appendJSONString(dst, `"`+s.Table.Database+`"."`+s.Table.Table+`"`)
	dst = append(dst, `,"table":{"defaultCharsetName":`...)
	dst = appendOptionalString(dst, defaultCharset(s))
	dst = append(dst, `,"primaryKeyColumnNames":[`...)
	for i, pk := range s.PrimaryKey {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, pk)
	}
	dst = append(dst, `],"columns":[`...)
	for i := range s.Columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendColumnChange(dst, &s.Columns[i], i+1, v2)
	}
	return append(dst, `],"comment":null}}`...)
}

// defaultCharset guesses the table's default character set from its text
// columns; empty when it has none.
func defaultCharset(s *cdc.TableSchema) string {
	for i := range s.Columns {
		if cs := s.Columns[i].Type.Charset; cs != "" {
			return cs
		}
	}
	return ""
}

// appendColumnChange writes one column of a table change; v2 adds Debezium
// 2's defaultValueExpression (unknown to rtdw, so null) and enumValues (the
// members of an ENUM or SET as SQL literals, as Debezium's DDL parser keeps
// them).
func appendColumnChange(dst []byte, col *cdc.Column, position int, v2 bool) []byte {
	t := &col.Type
	dst = append(dst, `{"name":`...)
	dst = appendJSONString(dst, col.Name)
	dst = append(dst, `,"jdbcType":`...)
	dst = strconv.AppendInt(dst, int64(jdbcType(t)), 10)
	dst = append(dst, `,"nativeType":null,"typeName":`...)
	name := t.Kind.String()
	if t.Kind == cdc.KindGeometry || t.Kind == cdc.KindJSON {
		name = strings.ToUpper(strings.TrimSpace(t.Raw))
	}
	if t.Unsigned {
		name += " UNSIGNED"
	}
	dst = appendJSONString(dst, name)
	dst = append(dst, `,"typeExpression":`...)
	dst = appendJSONString(dst, name)
	dst = append(dst, `,"charsetName":`...)
	dst = appendOptionalString(dst, t.Charset)
	length, scale := -1, -1
	switch {
	case t.Kind == cdc.KindDecimal:
		length, scale = t.Precision, t.Scale
	case t.Kind == cdc.KindFloat || t.Kind == cdc.KindDouble:
		if t.Precision > 0 {
			length = t.Precision
			if t.Scale > 0 || strings.Contains(t.Raw, ",") {
				scale = t.Scale
			}
		}
	case t.Kind == cdc.KindTime || t.Kind == cdc.KindDateTime || t.Kind == cdc.KindTimestamp:
		if t.FSP > 0 {
			length = t.FSP
		}
	case t.Length > 0:
		length = t.Length
	}
	dst = append(dst, `,"length":`...)
	dst = appendOptionalInt(dst, length)
	dst = append(dst, `,"scale":`...)
	dst = appendOptionalInt(dst, scale)
	dst = append(dst, `,"position":`...)
	dst = strconv.AppendInt(dst, int64(position), 10)
	dst = append(dst, `,"optional":`...)
	dst = strconv.AppendBool(dst, col.Nullable)
	dst = append(dst, `,"autoIncremented":false,"generated":false,"comment":null`...)
	if v2 {
		dst = append(dst, `,"defaultValueExpression":`...)
		if d, ok := defaultExpression(col.Default); ok {
			dst = appendJSONString(dst, d)
		} else {
			dst = append(dst, "null"...)
		}
		dst = append(dst, `,"enumValues":`...)
		if (t.Kind == cdc.KindEnum || t.Kind == cdc.KindSet) && len(t.Elements) > 0 {
			dst = append(dst, '[')
			for i, m := range t.Elements {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendJSONString(dst, "'"+strings.ReplaceAll(m, "'", "''")+"'")
			}
			dst = append(dst, ']')
		} else {
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}')
}

// defaultExpression renders a column default as Debezium's
// defaultValueExpression: an expression's text, or a literal's value as
// its DDL text would have it without quotes; false for no default, DEFAULT
// NULL and values without a plain text form.
func defaultExpression(d *cdc.ColumnDefault) (string, bool) {
	switch {
	case d == nil:
		return "", false
	case d.Expression != "":
		return d.Expression, true
	}
	switch v := d.Value.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05.999999"), true
	case fmt.Stringer: // decimal.Decimal
		return v.String(), true
	}
	return "", false
}

func appendOptionalInt(dst []byte, n int) []byte {
	if n < 0 {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(n), 10)
}

// jdbcType returns the java.sql.Types code Debezium's MySQL DDL parser
// gives the type.
func jdbcType(t *cdc.ColumnType) int {
	switch t.Kind {
	case cdc.KindTinyInt:
		return -6 // TINYINT
	case cdc.KindSmallInt:
		return 5 // SMALLINT
	case cdc.KindMediumInt, cdc.KindInt, cdc.KindYear:
		return 4 // INTEGER
	case cdc.KindBigInt:
		return -5 // BIGINT
	case cdc.KindDecimal:
		return 3 // DECIMAL
	case cdc.KindFloat:
		return 6 // FLOAT
	case cdc.KindDouble:
		return 8 // DOUBLE
	case cdc.KindBit:
		return -7 // BIT
	case cdc.KindDate:
		return 91 // DATE
	case cdc.KindTime:
		return 92 // TIME
	case cdc.KindDateTime:
		return 93 // TIMESTAMP
	case cdc.KindTimestamp:
		return 2014 // TIMESTAMP_WITH_TIMEZONE
	case cdc.KindChar, cdc.KindEnum, cdc.KindSet:
		return 1 // CHAR
	case cdc.KindVarChar, cdc.KindTinyText, cdc.KindText, cdc.KindMediumText, cdc.KindLongText:
		return 12 // VARCHAR
	case cdc.KindBinary:
		return -2 // BINARY
	case cdc.KindVarBinary:
		return -3 // VARBINARY
	case cdc.KindTinyBlob, cdc.KindBlob, cdc.KindMediumBlob, cdc.KindLongBlob:
		return 2004 // BLOB
	}
	return 1111 // OTHER: JSON, spatial, VECTOR
}

// renderSchemaChangeSchema renders the Connect schema of a schema change
// value, with Debezium 2's versions, ts_ms and column fields from 2.0.
func (c *settings) renderSchemaChangeSchema() string {
	columnFields := []string{
		simple("string", false, "name"),
		simple("int32", false, "jdbcType"),
		simple("int32", true, "nativeType"),
		simple("string", false, "typeName"),
		simple("string", true, "typeExpression"),
		simple("string", true, "charsetName"),
		simple("int32", true, "length"),
		simple("int32", true, "scale"),
		simple("int32", false, "position"),
		simple("boolean", true, "optional"),
		simple("boolean", true, "autoIncremented"),
		simple("boolean", true, "generated"),
		simple("string", true, "comment"),
	}
	if c.v2 {
		columnFields = append(columnFields,
			simple("string", true, "defaultValueExpression"),
			string(fieldSchema{typ: "array", items: simple("string", false, "")}.append(nil, true, "enumValues")))
	}
	column := fieldSchema{typ: "struct", name: "io.debezium.connector.schema.Column", version: c.v2, fields: columnFields}
	table := fieldSchema{typ: "struct", name: "io.debezium.connector.schema.Table", version: c.v2, fields: []string{
		simple("string", true, "defaultCharsetName"),
		string(fieldSchema{typ: "array", items: simple("string", false, "")}.append(nil, true, "primaryKeyColumnNames")),
		string(fieldSchema{typ: "array", items: string(column.append(nil, false, ""))}.append(nil, false, "columns")),
		simple("string", true, "comment"),
	}}
	change := fieldSchema{typ: "struct", name: "io.debezium.connector.schema.Change", version: c.v2, fields: []string{
		simple("string", false, "type"),
		simple("string", false, "id"),
		string(table.append(nil, c.optionalChangeTable, "table")),
	}}
	fields := []string{c.sourceSchema}
	if c.v2 {
		fields = append(fields, simple("int64", false, "ts_ms"))
	}
	fields = append(fields,
		simple("string", true, "databaseName"),
		simple("string", true, "schemaName"),
		simple("string", true, "ddl"),
		string(fieldSchema{typ: "array", items: string(change.append(nil, false, ""))}.append(nil, false, "tableChanges")),
	)
	return string(fieldSchema{typ: "struct", name: "io.debezium.connector.mysql.SchemaChangeValue", version: c.v2, fields: fields}.append(nil, false, ""))
}
