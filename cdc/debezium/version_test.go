package debezium

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// objectKeys returns the keys of the JSON object raw, in order.
func objectKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// schemaFields returns the field names of a rendered Connect struct schema,
// in order, and each field's schema by name.
func schemaFields(t *testing.T, raw []byte) ([]string, map[string]map[string]any) {
	t.Helper()
	var s struct {
		Fields []map[string]any
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]map[string]any{}
	for _, f := range s.Fields {
		name, _ := f["field"].(string)
		names = append(names, name)
		byName[name] = f
	}
	return names, byName
}

// TestVersionShapes checks what each supported Debezium version changes:
// 2.0 the "first" snapshot marker; 2.1.2 (and 2.2) ZonedTimestamp fractions
// padded to the column's precision; 2.6 ts_us and ts_ns in the envelope and in
// source; 2.7 the transaction block before op. The schema, when included,
// lists the fields in the payload's order.
func TestVersionShapes(t *testing.T) {
	schema := &cdc.TableSchema{Table: cdc.TableID{Database: "shop", Table: "orders"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{
			{Name: "id", Type: mustType(t, "int", "")},
			{Name: "ts0", Type: mustType(t, "timestamp", ""), Nullable: true},
			{Name: "ts3", Type: mustType(t, "timestamp(3)", ""), Nullable: true},
			{Name: "ts6", Type: mustType(t, "timestamp(6)", ""), Nullable: true},
			{Name: "ts6z", Type: mustType(t, "timestamp(6)", "")},
		}}
	row := cdc.Row{int64(1),
		time.Date(2024, 6, 1, 12, 34, 56, 0, time.UTC),
		time.Date(2024, 6, 1, 12, 34, 56, 500_000_000, time.UTC),
		time.Date(2024, 6, 1, 12, 34, 56, 0, time.UTC),
		cdc.ZeroTime("0000-00-00 00:00:00.000000")}
	ev := binlogEvent(schema, cdc.OpRead, nil, row)
	ev.Source.Snapshot = cdc.SnapshotFirst

	v1Envelope := []string{"before", "after", "source", "op", "ts_ms", "transaction"}
	v26Envelope := []string{"before", "after", "source", "op", "ts_ms", "ts_us", "ts_ns", "transaction"}
	v27Envelope := []string{"before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"}
	v1Source := []string{"version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "table", "server_id", "gtid", "file", "pos", "row", "thread", "query"}
	v26Source := []string{"version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "ts_us", "ts_ns", "table", "server_id", "gtid", "file", "pos", "row", "thread", "query"}
	unpadded := map[string]string{"ts0": "2024-06-01T12:34:56Z", "ts3": "2024-06-01T12:34:56.5Z", "ts6": "2024-06-01T12:34:56Z", "ts6z": "1970-01-01T00:00:00Z"}
	padded := map[string]string{"ts0": "2024-06-01T12:34:56Z", "ts3": "2024-06-01T12:34:56.500Z", "ts6": "2024-06-01T12:34:56.000000Z", "ts6z": "1970-01-01T00:00:00Z"}

	for _, tc := range []struct {
		version            string
		envelope, source   []string
		snapshot           string
		timestamps         map[string]string
		sourceTsUsOptional bool
	}{
		{"1.9.7.Final", v1Envelope, v1Source, "true", unpadded, false},
		{"2.0.1.Final", v1Envelope, v1Source, "first", unpadded, false},
		{"2.1.1.Final", v1Envelope, v1Source, "first", unpadded, false},
		{"2.1.2.Final", v1Envelope, v1Source, "first", padded, false},
		{"2.2.0.Final", v1Envelope, v1Source, "first", padded, false},
		{"2.5.4.Final", v1Envelope, v1Source, "first", padded, false},
		{"2.6.0.Final", v26Envelope, v26Source, "first", padded, false},
		{"2.6.2.Final", v26Envelope, v26Source, "first", padded, true},
		{"2.7.3.Final", v27Envelope, v26Source, "first", padded, true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			out, err := JSON(Version(tc.version), IncludeSchema(true)).AppendEvent(nil, ev)
			if err != nil {
				t.Fatal(err)
			}
			var msg struct {
				Schema  json.RawMessage
				Payload json.RawMessage
			}
			if err := json.Unmarshal(out, &msg); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := objectKeys(t, msg.Payload); !slices.Equal(got, tc.envelope) {
				t.Errorf("envelope fields %v, want %v", got, tc.envelope)
			}
			var payload map[string]json.RawMessage
			json.Unmarshal(msg.Payload, &payload)
			if got := objectKeys(t, payload["source"]); !slices.Equal(got, tc.source) {
				t.Errorf("source fields %v, want %v", got, tc.source)
			}
			// The schema lists the payload's fields in the payload's order.
			envFields, envSchemas := schemaFields(t, msg.Schema)
			if !slices.Equal(envFields, tc.envelope) {
				t.Errorf("envelope schema fields %v, want %v", envFields, tc.envelope)
			}
			srcSchema, _ := json.Marshal(envSchemas["source"])
			srcFields, srcSchemas := schemaFields(t, srcSchema)
			if !slices.Equal(srcFields, tc.source) {
				t.Errorf("source schema fields %v, want %v", srcFields, tc.source)
			}
			if f := srcSchemas["ts_us"]; f != nil && f["optional"] != tc.sourceTsUsOptional {
				t.Errorf("source ts_us optional = %v, want %v", f["optional"], tc.sourceTsUsOptional)
			}

			var values struct {
				TsMs   int64  `json:"ts_ms"`
				TsUs   *int64 `json:"ts_us"`
				TsNs   *int64 `json:"ts_ns"`
				After  map[string]any
				Source struct {
					TsMs     int64  `json:"ts_ms"`
					TsUs     *int64 `json:"ts_us"`
					TsNs     *int64 `json:"ts_ns"`
					Snapshot string
				}
			}
			if err := json.Unmarshal(msg.Payload, &values); err != nil {
				t.Fatal(err)
			}
			if values.Source.Snapshot != tc.snapshot {
				t.Errorf("source.snapshot = %q, want %q", values.Source.Snapshot, tc.snapshot)
			}
			if slices.Contains(tc.envelope, "ts_us") {
				if values.TsUs == nil || *values.TsUs != values.TsMs*1000 || values.TsNs == nil || *values.TsNs != values.TsMs*1_000_000 {
					t.Errorf("envelope ts_ms %d, ts_us %v, ts_ns %v: want the same instant", values.TsMs, values.TsUs, values.TsNs)
				}
				if s := values.Source; s.TsUs == nil || *s.TsUs != s.TsMs*1000 || s.TsNs == nil || *s.TsNs != s.TsMs*1_000_000 {
					t.Errorf("source ts_ms %d, ts_us %v, ts_ns %v: want the same instant", s.TsMs, s.TsUs, s.TsNs)
				}
			}
			for col, want := range tc.timestamps {
				if got := values.After[col]; got != want {
					t.Errorf("%s = %v, want %q", col, got, want)
				}
			}
		})
	}
}

// TestVersionRefused: the encoder produces Debezium 1.9 and 2.0 to 2.7, and
// refuses other versions rather than write a shape it does not know.
func TestVersionRefused(t *testing.T) {
	_, schema := everyType(t)
	good := make(cdc.Row, len(schema.Columns))
	ev := binlogEvent(schema, cdc.OpCreate, nil, good)
	for _, v := range []string{"banana", "2", "2.7", "3.0.0.Final", "1.6.4.Final", "2.8.0.Final", "2.x", "2.7.3.Final junk"} {
		_, err := JSON(Version(v)).AppendEvent(nil, ev)
		if !errors.Is(err, ErrEncode) || !strings.Contains(err.Error(), "Version") || !strings.Contains(err.Error(), `"`+v+`"`) {
			t.Errorf("Version(%q): err = %v, want one naming Version and the value", v, err)
		}
	}
	for _, v := range []string{"1.9.7.Final", "1.9.8.Final", "2.0.0.Final", "2.3.4.Final", "2.7.0.Beta1", "2.7.4.Final"} {
		if _, err := JSON(Version(v)).AppendEvent(nil, ev); err != nil {
			t.Errorf("Version(%q): %v", v, err)
		}
	}
}

// TestQueryNullByDefault: Debezium writes source.query only with
// include.query; by default it is null even when the server logged the
// statement, which may hold literal values.
func TestQueryNullByDefault(t *testing.T) {
	_, schema := everyType(t)
	ev := binlogEvent(schema, cdc.OpCreate, nil, make(cdc.Row, len(schema.Columns)))
	out, err := JSON().AppendEvent(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Source map[string]any
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if q, ok := got.Source["query"]; !ok || q != nil {
		t.Errorf("source.query = %#v, want null", q)
	}
}

// TestIncludeQuery: with IncludeQuery the statement the server logged is
// source.query, and null when it logged none.
func TestIncludeQuery(t *testing.T) {
	_, schema := everyType(t)
	ev := binlogEvent(schema, cdc.OpCreate, nil, make(cdc.Row, len(schema.Columns)))
	for _, tc := range []struct {
		query string
		want  any
	}{
		{"INSERT INTO every_type VALUES (…)", "INSERT INTO every_type VALUES (…)"},
		{"", nil},
	} {
		ev.Source.Query = tc.query
		out, err := JSON(IncludeQuery(true)).AppendEvent(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Source map[string]any
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if q, ok := got.Source["query"]; !ok || q != tc.want {
			t.Errorf("logged %q: source.query = %#v, want %#v", tc.query, q, tc.want)
		}
	}
}

// TestServerNameFromEvent: source.name and the schema names come from the
// event's source name, unless ServerName sets them; an event without one
// says DefaultServerName.
func TestServerNameFromEvent(t *testing.T) {
	schema := &cdc.TableSchema{Table: cdc.TableID{Database: "shop", Table: "orders"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{{Name: "id", Type: mustType(t, "int", "")}}}
	enc := JSON(IncludeSchema(true))
	for _, tc := range []struct {
		enc        cdc.Deserializer
		sourceName string
		want       string
	}{
		{enc, "orders_cdc", "orders_cdc"},
		{enc, "", DefaultServerName},
		{enc, "other", "other"}, // the same encoder, and schema, under another name
		{JSON(IncludeSchema(true), ServerName("dbserver1")), "orders_cdc", "dbserver1"},
	} {
		ev := binlogEvent(schema, cdc.OpCreate, nil, cdc.Row{int64(1)})
		ev.Source.Name = tc.sourceName
		out, err := tc.enc.AppendEvent(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Schema struct {
				Name string
			}
			Payload struct {
				Source struct {
					Name string
				}
			}
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Payload.Source.Name != tc.want || got.Schema.Name != tc.want+".shop.orders.Envelope" {
			t.Errorf("source name %q: source.name %q, schema %q; want %q", tc.sourceName, got.Payload.Source.Name, got.Schema.Name, tc.want)
		}
	}
}

// TestValidate: Validate reports what AppendEvent would, before any event.
func TestValidate(t *testing.T) {
	if err := NewEncoder(Config{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	err := NewEncoder(Config{Version: "banana", Binary: 9}).Validate()
	for _, want := range []string{`Version = "banana"`, "1.9.x", "2.0.x to 2.7.x", "Binary = 9", "BinaryHex"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
	var _ cdc.ConfigValidator = NewEncoder(Config{})
}

// TestSchemaChangeV2 checks Debezium 2's schema change record: ts_ms is
// required, the schemas carry versions, and each column has
// defaultValueExpression and enumValues.
func TestSchemaChangeV2(t *testing.T) {
	schema := &cdc.TableSchema{Table: cdc.TableID{Database: "shop", Table: "orders"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{
			{Name: "id", Type: mustType(t, "int", "")},
			{Name: "state", Type: mustType(t, "enum('new','it''s,done')", "utf8mb4"), Nullable: true},
		}}
	ev := binlogEvent(schema, cdc.OpSchemaChange, nil, nil)
	ev.DDL = "ALTER TABLE orders ADD COLUMN state ENUM('new','it''s,done')"
	out, err := JSON(Version("2.7.3.Final"), IncludeSchema(true)).AppendEvent(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Schema struct {
			Name    string
			Version int
			Fields  []map[string]any
		}
		Payload struct {
			TableChanges []struct {
				Table struct {
					Columns []map[string]any
				}
			}
		}
	}
	if err := json.Unmarshal(out, &msg); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if msg.Schema.Version != 1 {
		t.Errorf("SchemaChangeValue version %d, want 1", msg.Schema.Version)
	}
	for _, f := range msg.Schema.Fields {
		if f["field"] == "ts_ms" && f["optional"] != false {
			t.Errorf("ts_ms optional = %v, want false", f["optional"])
		}
	}
	cols := msg.Payload.TableChanges[0].Table.Columns
	if v, ok := cols[0]["enumValues"]; !ok || v != nil {
		t.Errorf("id enumValues = %#v, want null", v)
	}
	if v, ok := cols[0]["defaultValueExpression"]; !ok || v != nil {
		t.Errorf("id defaultValueExpression = %#v, want null", v)
	}
	if v := cols[1]["enumValues"]; !slices.Equal(toStrings(v), []string{"'new'", "'it''s,done'"}) {
		t.Errorf("state enumValues = %#v", v)
	}
	// Debezium 1.9 has neither field.
	out, err = JSON().AppendEvent(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("enumValues")) || bytes.Contains(out, []byte("defaultValueExpression")) {
		t.Errorf("1.9 schema change has 2.x column fields: %s", out)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
