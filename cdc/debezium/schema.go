package debezium

import (
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// This file renders Kafka Connect schemas as Kafka's JsonConverter writes
// them, key order included: type, items or fields, optional, name, version,
// doc, parameters, default, field.

type fieldSchema struct {
	typ        string // int16, int32, int64, float, double, boolean, string, bytes, array, struct
	items      string // array element schema, rendered
	fields     []string
	name       string // logical type name
	version    bool   // writes "version":1
	doc        string
	parameters [][2]string
	dflt       string // rendered default value
}

func (f fieldSchema) append(dst []byte, optional bool, field string) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, f.typ...)
	dst = append(dst, '"')
	if f.items != "" {
		dst = append(dst, `,"items":`...)
		dst = append(dst, f.items...)
	}
	if f.typ == "struct" {
		dst = append(dst, `,"fields":[`...)
		for i, s := range f.fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, s...)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"optional":`...)
	dst = strconv.AppendBool(dst, optional)
	if f.name != "" {
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, f.name)
	}
	if f.version {
		dst = append(dst, `,"version":1`...)
	}
	if f.doc != "" {
		dst = append(dst, `,"doc":`...)
		dst = appendJSONString(dst, f.doc)
	}
	if len(f.parameters) > 0 {
		dst = append(dst, `,"parameters":{`...)
		for i, p := range f.parameters {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, p[0])
			dst = append(dst, ':')
			dst = appendJSONString(dst, p[1])
		}
		dst = append(dst, '}')
	}
	if f.dflt != "" {
		dst = append(dst, `,"default":`...)
		dst = append(dst, f.dflt...)
	}
	if field != "" {
		dst = append(dst, `,"field":`...)
		dst = appendJSONString(dst, field)
	}
	return append(dst, '}')
}

func simple(typ string, optional bool, field string) string {
	return string(fieldSchema{typ: typ}.append(nil, optional, field))
}

// columnSchema returns the Connect schema of a column's values, as
// Debezium's MySQL connector maps the type under cfg's modes.
func (c *settings) columnSchema(col *cdc.Column) fieldSchema {
	t := &col.Type
	switch k := t.Kind; {
	case k == cdc.KindTinyInt:
		return fieldSchema{typ: "int16"}
	case k == cdc.KindSmallInt:
		if t.Unsigned {
			return fieldSchema{typ: "int32"}
		}
		return fieldSchema{typ: "int16"}
	case k == cdc.KindMediumInt:
		return fieldSchema{typ: "int32"}
	case k == cdc.KindInt:
		if t.Unsigned {
			return fieldSchema{typ: "int64"}
		}
		return fieldSchema{typ: "int32"}
	case k == cdc.KindBigInt:
		if t.Unsigned && c.BigIntUnsigned == BigIntUnsignedPrecise {
			return decimalSchema(0, -1)
		}
		return fieldSchema{typ: "int64"}
	case k == cdc.KindDecimal:
		switch c.DecimalHandling {
		case DecimalDouble:
			return fieldSchema{typ: "double"}
		case DecimalString:
			return fieldSchema{typ: "string"}
		}
		return decimalSchema(t.Scale, t.Precision)
	case k == cdc.KindFloat:
		if isFloat32(t) {
			return fieldSchema{typ: "float"}
		}
		return fieldSchema{typ: "double"}
	case k == cdc.KindDouble:
		return fieldSchema{typ: "double"}
	case k == cdc.KindBit:
		if t.Length <= 1 {
			return fieldSchema{typ: "boolean"}
		}
		return fieldSchema{typ: "bytes", name: "io.debezium.data.Bits", version: true,
			parameters: [][2]string{{"length", strconv.Itoa(t.Length)}}}
	case k == cdc.KindYear:
		return fieldSchema{typ: "int32", name: "io.debezium.time.Year", version: true}
	case k == cdc.KindDate:
		if c.TimePrecision == TimeConnect {
			return fieldSchema{typ: "int32", name: "org.apache.kafka.connect.data.Date", version: true}
		}
		return fieldSchema{typ: "int32", name: "io.debezium.time.Date", version: true}
	case k == cdc.KindTime:
		switch {
		case c.TimePrecision == TimeConnect:
			return fieldSchema{typ: "int32", name: "org.apache.kafka.connect.data.Time", version: true}
		case c.TimePrecision == TimeAdaptive && t.FSP <= 3:
			return fieldSchema{typ: "int32", name: "io.debezium.time.Time", version: true}
		}
		return fieldSchema{typ: "int64", name: "io.debezium.time.MicroTime", version: true}
	case k == cdc.KindDateTime:
		switch {
		case c.TimePrecision == TimeConnect:
			return fieldSchema{typ: "int64", name: "org.apache.kafka.connect.data.Timestamp", version: true}
		case t.FSP <= 3:
			return fieldSchema{typ: "int64", name: "io.debezium.time.Timestamp", version: true}
		}
		return fieldSchema{typ: "int64", name: "io.debezium.time.MicroTimestamp", version: true}
	case k == cdc.KindTimestamp:
		return fieldSchema{typ: "string", name: "io.debezium.time.ZonedTimestamp", version: true}
	case k.IsText():
		return fieldSchema{typ: "string"}
	case k == cdc.KindEnum:
		return fieldSchema{typ: "string", name: "io.debezium.data.Enum", version: true,
			parameters: [][2]string{{"allowed", allowedList(t.Elements)}}}
	case k == cdc.KindSet:
		return fieldSchema{typ: "string", name: "io.debezium.data.EnumSet", version: true,
			parameters: [][2]string{{"allowed", allowedList(t.Elements)}}}
	case k.IsBinary():
		if c.Binary == BinaryBytes {
			return fieldSchema{typ: "bytes"}
		}
		return fieldSchema{typ: "string"}
	case k == cdc.KindJSON:
		return fieldSchema{typ: "string", name: "io.debezium.data.Json", version: true}
	case k == cdc.KindGeometry:
		if isPoint(t) {
			return fieldSchema{typ: "struct", name: "io.debezium.data.geometry.Point", version: true, doc: "Geometry (POINT)",
				fields: []string{simple("double", false, "x"), simple("double", false, "y"),
					simple("bytes", true, "wkb"), simple("int32", true, "srid")}}
		}
		return fieldSchema{typ: "struct", name: "io.debezium.data.geometry.Geometry", version: true, doc: "Geometry",
			fields: []string{simple("bytes", false, "wkb"), simple("int32", true, "srid")}}
	case k == cdc.KindVector:
		return fieldSchema{typ: "array", items: simple("float", false, ""), name: "io.debezium.data.FloatVector", version: true}
	}
	return fieldSchema{typ: "string"}
}

func decimalSchema(scale, precision int) fieldSchema {
	f := fieldSchema{typ: "bytes", name: "org.apache.kafka.connect.data.Decimal", version: true,
		parameters: [][2]string{{"scale", strconv.Itoa(scale)}}}
	if precision >= 0 {
		f.parameters = append(f.parameters, [2]string{"connect.decimal.precision", strconv.Itoa(precision)})
	}
	return f
}

// isFloat32 reports whether Debezium maps a FLOAT column to FLOAT32: FLOAT
// and FLOAT(p) with p up to 23 do, FLOAT(M,D) does not.
func isFloat32(t *cdc.ColumnType) bool {
	return t.Kind == cdc.KindFloat && t.Scale == 0 && (t.Precision == 0 || t.Precision <= 23) &&
		!strings.Contains(t.Raw, ",")
}

func isPoint(t *cdc.ColumnType) bool {
	return strings.EqualFold(strings.TrimSpace(t.Raw), "point")
}

// allowedList joins ENUM or SET members as Debezium's "allowed" parameter
// does: separated by commas, a comma inside a member escaped as \,.
func allowedList(members []string) string {
	var b strings.Builder
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(m, ",", `\,`))
	}
	return b.String()
}

// renderSourceSchema renders the schema of the source block,
// io.debezium.connector.mysql.Source: Debezium 1.9's, with ts_us and ts_ns
// after sequence from 2.6. The snapshot enum lists the markers of 1.9 even
// in Debezium 2, which writes "first" all the same.
func (c *settings) renderSourceSchema() string {
	fields := []string{
		simple("string", false, "version"),
		simple("string", false, "connector"),
		simple("string", false, "name"),
		simple("int64", false, "ts_ms"),
		string(fieldSchema{typ: "string", name: "io.debezium.data.Enum", version: true,
			parameters: [][2]string{{"allowed", "true,last,false,incremental"}}, dflt: `"false"`}.append(nil, true, "snapshot")),
		simple("string", false, "db"),
		simple("string", true, "sequence"),
	}
	if c.microTimestamps {
		fields = append(fields, simple("int64", c.optionalSourceMicros, "ts_us"), simple("int64", c.optionalSourceMicros, "ts_ns"))
	}
	fields = append(fields,
		simple("string", true, "table"),
		simple("int64", false, "server_id"),
		simple("string", true, "gtid"),
		simple("string", false, "file"),
		simple("int64", false, "pos"),
		simple("int32", false, "row"),
		simple("int64", true, "thread"),
		simple("string", true, "query"),
	)
	return string(fieldSchema{typ: "struct", name: "io.debezium.connector.mysql.Source", fields: fields}.append(nil, false, "source"))
}

// transactionSchema is the schema of the transaction block.
func (c *settings) transactionSchema() string {
	f := fieldSchema{typ: "struct", fields: []string{
		simple("string", false, "id"),
		simple("int64", false, "total_order"),
		simple("int64", false, "data_collection_order"),
	}}
	if c.v2 {
		f.name, f.version = "event.block", true
	}
	return string(f.append(nil, true, "transaction"))
}

// envelopeSchema renders the schema of a table's change events, its fields
// in the order AppendEvent writes them.
func (c *settings) envelopeSchema(s *cdc.TableSchema, serverName string) []byte {
	prefix := serverName + "." + s.Table.Database + "." + s.Table.Table
	cols := make([]string, len(s.Columns))
	for i := range s.Columns {
		col := &s.Columns[i]
		cols[i] = string(c.columnSchema(col).append(nil, col.Nullable, col.Name))
	}
	value := fieldSchema{typ: "struct", fields: cols, name: prefix + ".Value"}
	fields := []string{
		string(value.append(nil, true, "before")),
		string(value.append(nil, true, "after")),
		c.sourceSchema,
	}
	if c.transactionFirst {
		fields = append(fields, c.transactionSchema())
	}
	fields = append(fields, simple("string", false, "op"), simple("int64", true, "ts_ms"))
	if c.microTimestamps {
		fields = append(fields, simple("int64", true, "ts_us"), simple("int64", true, "ts_ns"))
	}
	if !c.transactionFirst {
		fields = append(fields, c.transactionSchema())
	}
	env := fieldSchema{typ: "struct", name: prefix + ".Envelope", version: c.v2, fields: fields}
	return env.append(nil, false, "")
}
