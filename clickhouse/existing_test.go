package clickhouse

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestSinkWritesIntoTablesOfAnOlderServer: the tables were created on
// ClickHouse 18.16, then the server was upgraded. The mapping now wants
// DateTime64 for DATETIME(6), LowCardinality for ENUM, Bool for BIT(1) and
// Decimal(65, 30) for DECIMAL(65,30), where the tables have String, String,
// UInt64 and String; the sink writes the types the tables have, and every
// value reads back.
func TestSinkWritesIntoTablesOfAnOlderServer(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	schema := allTypesSchema("src")
	rows := allTypesRows()
	opts := TableOptions{Database: ch.Database}

	old := testClient(t, ch.Addr)
	oldSink, err := NewSink(old, SinkConfig{TableOptions: opts, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, writeAndRead(ctx, t, oldSink, schema, insertEvents(schema, rows[:1])), rows[:1])
	if err := oldSink.Close(ctx); err != nil {
		t.Fatal(err)
	}

	upgraded := testClient(t, ch.Addr)
	upgraded.SetFeatures(FeaturesFor(ServerVersion{24, 8, 4}))
	if err := upgraded.SyncTable(ctx, schema, opts); err != nil {
		t.Fatalf("SyncTable after the upgrade: %v", err)
	}
	sink, err := NewSink(upgraded, SinkConfig{TableOptions: opts, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	equalRows(t, schema, writeAndRead(ctx, t, sink, schema, insertEvents(schema, rows[1:])), rows)
}

// measuresSchema is a source table for a ClickHouse table created by hand
// with other types than the mapping's (measuresTable).
func measuresSchema() *cdc.TableSchema {
	col := func(name string, k cdc.Kind, nullable bool, mod func(*cdc.ColumnType)) cdc.Column {
		c := cdc.Column{Name: name, Type: cdc.ColumnType{Kind: k}, Nullable: nullable}
		if mod != nil {
			mod(&c.Type)
		}
		return c
	}
	return &cdc.TableSchema{
		Table: cdc.TableID{Database: "src", Table: "measures"},
		Columns: []cdc.Column{
			col("id", cdc.KindInt, false, nil),
			col("qty", cdc.KindInt, true, nil),
			col("cnt", cdc.KindInt, false, func(t *cdc.ColumnType) { t.Unsigned = true }),
			col("y", cdc.KindYear, false, nil),
			col("flag", cdc.KindBit, false, func(t *cdc.ColumnType) { t.Length = 1 }),
			col("note", cdc.KindVarChar, false, nil),
			col("tag", cdc.KindVarChar, true, nil),
			col("at", cdc.KindDateTime, false, func(t *cdc.ColumnType) { t.FSP = 3 }),
			col("day", cdc.KindDate, false, nil),
			col("price", cdc.KindDecimal, false, func(t *cdc.ColumnType) { t.Precision, t.Scale = 10, 2 }),
			col("small", cdc.KindDecimal, false, func(t *cdc.ColumnType) { t.Precision, t.Scale = 10, 2 }),
			col("ts", cdc.KindDateTime, true, nil),
			col("ratio", cdc.KindFloat, false, nil),
			col("dbl", cdc.KindDouble, false, nil),
			col("big", cdc.KindBigInt, false, nil),
		},
		PrimaryKey: []string{"id"},
	}
}

// measuresTable is the hand-made ClickHouse table of measuresSchema: wider
// and narrower integers, Nullable where the source is NOT NULL and the other
// way round, DateTime for a DATETIME(3) and a DATE, decimals of other
// precision and scale, text for a DATETIME and a BIGINT, swapped floats.
const measuresTable = `(
	id Int64, qty Nullable(Int16), cnt Int64, y Int32, flag UInt8, note Nullable(String), tag String,
	at DateTime, day DateTime, price Decimal(18, 4), small Decimal(5, 1), ts Nullable(String),
	ratio Float64, dbl Float32, big String, _version UInt64, _is_deleted UInt8
) ENGINE = ReplacingMergeTree(_version) ORDER BY id`

// TestSinkWritesIntoColumnsOfOtherTypes: a table created by hand
// (ManualTables) whose columns differ from the mapping takes the rows in its
// own types; values its types cannot hold exactly are refused, naming the
// column, before the row is buffered.
func TestSinkWritesIntoColumnsOfOtherTypes(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := measuresSchema()
	if err := c.Conn().Exec(ctx, "CREATE TABLE "+QuoteIdent(ch.Database)+"."+QuoteIdent(schema.Table.Table)+" "+measuresTable); err != nil {
		t.Fatal(err)
	}
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1, ManualTables: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	rows := []cdc.Row{
		{int64(1), int64(-32768), uint64(math.MaxUint32), int64(2155), uint64(1), "a", "t", at, day,
			mustDecimal("12345678.91"), mustDecimal("9999.9"), at, float32(1.5), 0.25, int64(math.MinInt64)},
		{int64(2), nil, uint64(0), int64(1901), uint64(0), "", "", dateTimeMin, dateTimeMin,
			mustDecimal("-0.01"), mustDecimal("-9999.9"), nil, float32(-2), 3.0, int64(math.MaxInt64)},
	}
	equalRows(t, schema, writeAndRead(ctx, t, sink, schema, insertEvents(schema, rows)), rows)

	refused := []struct {
		column string
		value  any
	}{
		{"qty", int64(40000)},                  // outside Int16
		{"tag", nil},                           // NULL, the column is not Nullable
		{"at", at.Add(123 * time.Millisecond)}, // DateTime has no fraction
		{"small", mustDecimal("1.25")},         // Decimal(5, 1) has one digit after the point
		{"small", mustDecimal("10000")},        // and four before it
		{"dbl", 0.1},                           // not exact in Float32
		{"cnt", uint64(math.MaxUint64)},        // outside Int64
	}
	for _, r := range refused {
		row := append(cdc.Row{}, rows[0]...)
		row[0] = int64(3)
		row[schema.ColumnIndex(r.column)] = r.value
		err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{row}))
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Column != r.column || !errors.Is(err, ErrUnrepresentable) {
			t.Errorf("%s = %v: want ErrUnrepresentable naming the column, got %v", r.column, r.value, err)
			continue
		}
		t.Logf("refused: %v", err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := sink.ReadTable(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, schema, got, rows)
}

// TestIncompatibleColumnRefusedBeforeAnyRow: an existing column whose type
// cannot hold the source column's values is an error of the first
// HandleEvents of the table, and of SyncTable, naming the table, the column,
// both types and the fix; no row of the table is buffered.
func TestIncompatibleColumnRefusedBeforeAnyRow(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	target := QuoteIdent(ch.Database) + "." + QuoteIdent(schema.Table.Table)
	if err := c.Conn().Exec(ctx, "CREATE TABLE "+target+
		" (`tenant id` Int32, line UInt64, qty Nullable(Int32), note DateTime, _version UInt64, _is_deleted UInt8)"+
		" ENGINE = ReplacingMergeTree(_version) ORDER BY (`tenant id`, line)"); err != nil {
		t.Fatal(err)
	}
	opts := TableOptions{Database: ch.Database}
	sink, err := NewSink(c, SinkConfig{TableOptions: opts, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	err = sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{{int64(1), uint64(1), int64(1), "not a date"}}))
	checkMismatch(t, err, schema.Table, target)
	if st := sink.Stats(); st.RowsBuffered != 0 {
		t.Errorf("%d rows buffered for a table that cannot take them", st.RowsBuffered)
	}
	checkMismatch(t, c.SyncTable(ctx, schema, opts), schema.Table, target)
}

func checkMismatch(t *testing.T, err error, table cdc.TableID, target string) {
	t.Helper()
	if err == nil {
		t.Fatal("a VARCHAR column into an existing DateTime column: no error")
	}
	var me *TableMismatchError
	if !errors.Is(err, ErrTableMismatch) || !errors.As(err, &me) {
		t.Fatalf("want a *TableMismatchError, got %T %v", err, err)
	}
	if me.Table != table || me.Target != target || me.Column != "note" || me.Existing != "DateTime" || me.Wanted != "String" {
		t.Errorf("mismatch %+v", me)
	}
	for _, want := range []string{table.String(), `"note"`, "DateTime", "String", "ALTER TABLE " + target + " MODIFY COLUMN `note` String"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	t.Logf("refused: %v", err)
}

// TestManualTablesMustExist: with ManualTables the sink creates and alters
// nothing; a missing table, a missing column and wrong _version and
// _is_deleted columns are errors of the first HandleEvents, each with its
// fix, and no row is buffered.
func TestManualTablesMustExist(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	ctx := ctxT(t)
	c := testClient(t, ch.Addr)
	schema := kvSchema("shop")
	target := QuoteIdent(ch.Database) + "." + QuoteIdent(schema.Table.Table)
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1, ManualTables: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	events := insertEvents(schema, []cdc.Row{{int64(1), uint64(1), int64(1), "x"}})
	for _, step := range []struct {
		sql  string // run before the events
		want []string
	}{
		{"", []string{"does not exist", "ManualTables"}},
		{"CREATE TABLE " + target + " (`tenant id` Int32, line UInt64, qty Nullable(Int32), _version UInt32) ENGINE = ReplacingMergeTree(_version) ORDER BY (`tenant id`, line)",
			[]string{"ALTER TABLE " + target + " ADD COLUMN `note` String", "`_version` UInt64", "`_is_deleted`"}},
	} {
		if step.sql != "" {
			if err := c.Conn().Exec(ctx, step.sql); err != nil {
				t.Fatal(err)
			}
		}
		err := sink.HandleEvents(ctx, events)
		if !errors.Is(err, ErrTableMismatch) {
			t.Fatalf("want ErrTableMismatch, got %v", err)
		}
		for _, want := range step.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %s: %v", want, err)
			}
		}
		if st := sink.Stats(); st.RowsBuffered != 0 {
			t.Errorf("%d rows buffered", st.RowsBuffered)
		}
		t.Logf("refused: %v", err)
	}
	if err := c.Conn().Exec(ctx, "ALTER TABLE "+target+" ADD COLUMN note Nullable(String), MODIFY COLUMN _version UInt64, ADD COLUMN _is_deleted UInt8"); err != nil {
		t.Fatal(err)
	}
	got := writeAndRead(ctx, t, sink, schema, events)
	equalRows(t, schema, got, []cdc.Row{{int64(1), uint64(1), int64(1), "x"}})
}

// TestParseCHType takes apart the types system.columns lists and renders
// them back.
func TestParseCHType(t *testing.T) {
	for text, want := range map[string]chType{
		"Int32":                            {base: "Int32"},
		"Nullable(Decimal(10, 2))":         {base: "Decimal", precision: 10, scale: 2, nullable: true},
		"Decimal(9, 3)":                    {base: "Decimal", precision: 9, scale: 3},
		"LowCardinality(Nullable(String))": {base: "String", nullable: true, lowCardinality: true},
		"DateTime('UTC')":                  {base: "DateTime", timeZone: "UTC"},
		"DateTime":                         {base: "DateTime"},
		"Nullable(DateTime64(6, 'UTC'))":   {base: "DateTime64", precision: 6, timeZone: "UTC", nullable: true},
		"DateTime64(3)":                    {base: "DateTime64", precision: 3},
		"Array(Float32)":                   {base: "Array(Float32)"},
		"FixedString(3)":                   {base: "FixedString(3)"},
		"Enum8('a' = 1)":                   {base: "Enum8('a' = 1)"},
	} {
		got := parseCHType(text)
		if got != want {
			t.Errorf("parseCHType(%q) = %+v, want %+v", text, got, want)
		}
		if got.String() != text {
			t.Errorf("parseCHType(%q).String() = %q", text, got.String())
		}
	}
	if got := parseCHType("Decimal32(3)"); got != (chType{base: "Decimal", precision: 9, scale: 3}) {
		t.Errorf("Decimal32(3) parses to %+v", got)
	}
}

// TestCodecsForOtherTypes needs no server: for column kinds and existing
// ClickHouse types the mapping would not pair, the codec's buffer takes the
// canonical values and hands them to clickhouse-go's column of that type,
// and kinds a type cannot hold have no codec.
func TestCodecsForOtherTypes(t *testing.T) {
	table := cdc.TableID{Database: "db", Table: "t"}
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123000000, time.UTC)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	col := func(k cdc.Kind, mod func(*cdc.ColumnType)) cdc.Column {
		c := cdc.Column{Name: "c", Type: cdc.ColumnType{Kind: k}, Nullable: true}
		if mod != nil {
			mod(&c.Type)
		}
		return c
	}
	unsigned := func(t *cdc.ColumnType) { t.Unsigned = true }
	for _, c := range []struct {
		col    cdc.Column
		chType string
		vals   []any
	}{
		{col(cdc.KindVarChar, nil), "LowCardinality(Nullable(String))", []any{"a", nil}},
		{col(cdc.KindJSON, nil), "LowCardinality(String)", []any{cdc.JSON(`{"a":1}`)}},
		{col(cdc.KindBlob, nil), "LowCardinality(Nullable(String))", []any{[]byte{0, 1}, nil}},
		{col(cdc.KindBlob, nil), "String", []any{[]byte{0, 1}}},
		{col(cdc.KindDecimal, func(t *cdc.ColumnType) { t.Precision, t.Scale = 10, 2 }), "Nullable(String)", []any{mustDecimal("-1.5"), nil}},
		{col(cdc.KindDecimal, func(t *cdc.ColumnType) { t.Precision, t.Scale = 65, 30 }), "Decimal(38, 30)", []any{mustDecimal("12345678.123456789012345678901234567890")}},
		{col(cdc.KindDate, nil), "DateTime64(3, 'UTC')", []any{day}},
		{col(cdc.KindDate, nil), "Nullable(Date)", []any{day, nil}},
		{col(cdc.KindDateTime, func(t *cdc.ColumnType) { t.FSP = 6 }), "DateTime64(3)", []any{ts}},
		{col(cdc.KindTimestamp, nil), "Nullable(String)", []any{ts.Truncate(time.Second), cdc.ZeroTime("0000-00-00 00:00:00")}},
		{col(cdc.KindTinyInt, nil), "Bool", []any{int64(1), int64(0)}},
		{col(cdc.KindBit, func(t *cdc.ColumnType) { t.Length = 1 }), "UInt8", []any{uint64(1)}},
		{col(cdc.KindBit, func(t *cdc.ColumnType) { t.Length = 64 }), "String", []any{uint64(math.MaxUint64)}},
		{col(cdc.KindBigInt, unsigned), "Nullable(String)", []any{uint64(math.MaxUint64), nil}},
		{col(cdc.KindSmallInt, unsigned), "Int16", []any{uint64(math.MaxInt16)}},
		{col(cdc.KindYear, nil), "String", []any{int64(2024)}},
		{col(cdc.KindTime, nil), "Int32", []any{-time.Second}}, // -1h is outside Int32 in microseconds
		{col(cdc.KindFloat, nil), "Nullable(Float64)", []any{float32(1.25), nil}},
		{col(cdc.KindFloat, nil), "String", []any{float32(0.1)}},
		{col(cdc.KindDouble, nil), "String", []any{0.1}},
	} {
		cd, ok := codecFor(table, c.col, parseCHType(c.chType))
		if !ok {
			t.Errorf("%s into %s: no codec", c.col.Type.Kind, c.chType)
			continue
		}
		buf := cd.newBuffer(0)
		for _, v := range c.vals {
			if _, err := buf.add(v); err != nil {
				t.Errorf("%s into %s: add %v: %v", c.col.Type.Kind, c.chType, v, err)
			}
		}
		got := newCHColumn(t, c.chType)
		if err := buf.appendRange(batchColumn{got}, 0, buf.len()); err != nil || got.Rows() != buf.len() {
			t.Errorf("%s into %s: %d of %d rows appended: %v", c.col.Type.Kind, c.chType, got.Rows(), buf.len(), err)
		}
	}
	for _, c := range []struct {
		col    cdc.Column
		chType string
	}{
		{col(cdc.KindVarChar, nil), "Int32"},
		{col(cdc.KindVarChar, nil), "FixedString(3)"},
		{col(cdc.KindEnum, nil), "Enum8('a' = 1)"},
		{col(cdc.KindVector, func(t *cdc.ColumnType) { t.Length = 2 }), "String"},
		{col(cdc.KindTime, nil), "Bool"},
		{col(cdc.KindTime, nil), "String"},
		{col(cdc.KindDate, nil), "Int32"},
		{col(cdc.KindDateTime, nil), "Date"},
		{col(cdc.KindDouble, nil), "Decimal(20, 10)"},
		{col(cdc.KindInt, nil), "LowCardinality(Int32)"},
		{col(cdc.KindJSON, nil), "DateTime"},
	} {
		if _, ok := codecFor(table, c.col, parseCHType(c.chType)); ok {
			t.Errorf("%s into %s: a codec, want none", c.col.Type.Kind, c.chType)
		}
	}
}
