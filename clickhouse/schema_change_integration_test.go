package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// These tests drive the sink with the structured schema changes a parsing
// source delivers, built by hand (ddlHistory), against the real ClickHouse.

// script builds events in binlog order: rows of the table's current schema
// and schema changes.
type script struct {
	h *ddlHistory
	// all holds every event, from taken on those not yet taken.
	all   []cdc.Event
	taken int
	// pos is the binlog position of the latest event.
	pos uint64
	// rows is what MySQL holds after the events so far, by id, in the
	// table's current schema; gone is set once the table is dropped.
	rows map[int64]cdc.Row
	gone bool
}

// take returns the events made since the last take.
func (s *script) take() []cdc.Event {
	evs := s.all[s.taken:]
	s.taken = len(s.all)
	return evs
}

func (s *script) src() cdc.Source {
	s.pos += 100
	return cdc.Source{File: "mysql-bin.000003", Pos: 1000 + s.pos, Snapshot: cdc.SnapshotFalse}
}

func (s *script) insert(rows ...cdc.Row) {
	for _, r := range rows {
		s.all = append(s.all, cdc.Event{Op: cdc.OpCreate, Table: s.h.cur.Table, Schema: s.h.cur, After: r, Source: s.src()})
		s.model()[r[0].(int64)] = r
	}
}

func (s *script) update(before, after cdc.Row) {
	s.all = append(s.all, cdc.Event{Op: cdc.OpUpdate, Table: s.h.cur.Table, Schema: s.h.cur, Before: before, After: after, Source: s.src()})
	delete(s.model(), before[0].(int64))
	s.model()[after[0].(int64)] = after
}

func (s *script) delete(before cdc.Row) {
	s.all = append(s.all, cdc.Event{Op: cdc.OpDelete, Table: s.h.cur.Table, Schema: s.h.cur, Before: before, Source: s.src()})
	delete(s.model(), before[0].(int64))
}

func (s *script) model() map[int64]cdc.Row {
	if s.rows == nil {
		s.rows = map[int64]cdc.Row{}
	}
	return s.rows
}

func (s *script) ddl(text string, changes ...cdc.SchemaChange) {
	s.all = append(s.all, cdc.Event{Op: cdc.OpSchemaChange, Table: changes[0].Table, Schema: changes[len(changes)-1].After,
		DDL: text, Changes: changes, Source: s.src()})
	for _, c := range changes {
		s.evolveModel(c)
	}
}

// evolveModel changes the rows of the model as MySQL does for c.
func (s *script) evolveModel(c cdc.SchemaChange) {
	switch c.Kind {
	case cdc.ChangeCreateTable:
		s.rows, s.gone = map[int64]cdc.Row{}, false
		return
	case cdc.ChangeTruncateTable:
		s.rows = map[int64]cdc.Row{}
		return
	case cdc.ChangeDropTable:
		s.rows, s.gone = map[int64]cdc.Row{}, true
		return
	}
	for id, r := range s.model() {
		out := make(cdc.Row, len(c.After.Columns))
		for i, col := range c.After.Columns {
			name := col.Name
			if c.Kind == cdc.ChangeRenameColumn && name == c.NewColumn {
				name = c.Column
			}
			if j := c.Before.ColumnIndex(name); j >= 0 {
				out[i] = r[j]
			} else if col.Default != nil {
				out[i] = col.Default.Value
			}
		}
		s.rows[id] = out
	}
}

// want returns the model's rows in id order.
func (s *script) want() []cdc.Row {
	var out []cdc.Row
	for _, id := range slices.Sorted(maps.Keys(s.model())) {
		out = append(out, s.rows[id])
	}
	return out
}

// visible returns ClickHouse's visible rows of a table (FINAL, deleted
// rows left out), ordered by id, each as "column=value ..." over every
// column but the sink's own.
func visible(t *testing.T, c *Client, db, table string) []string {
	t.Helper()
	ctx := ctxT(t)
	cols, err := (&Sink{client: c, cfg: SinkConfig{Retry: RetryPolicy{MaxAttempts: 1, Retryable: IsTransient}}}).tableColumns(ctx, db, table)
	if err != nil {
		t.Fatal(err)
	}
	if cols == nil {
		return nil
	}
	var names []string
	for _, col := range cols {
		if col.name != VersionColumn && col.name != DeletedColumn {
			names = append(names, QuoteIdent(col.name))
		}
	}
	list := strings.Join(names, ", ")
	rows, err := c.Conn().Query(ctx, fmt.Sprintf("SELECT %s FROM (SELECT %s, %s FROM %s FINAL) WHERE %s = 0 ORDER BY id",
		list, list, QuoteIdent(DeletedColumn), qualified(db, table), QuoteIdent(DeletedColumn)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		dest := make([]any, len(names))
		for i, ct := range rows.ColumnTypes() {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, d := range dest {
			v := reflect.ValueOf(d).Elem()
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					break
				}
				v = v.Elem()
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Trim(names[i], "`") + "=")
			if v.Kind() == reflect.Pointer && v.IsNil() {
				b.WriteString("NULL")
			} else {
				fmt.Fprint(&b, v.Interface())
			}
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func expectRows(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func runScript(t *testing.T, sink *Sink, events []cdc.Event) {
	t.Helper()
	ctx := ctxT(t)
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func newTestSink(t *testing.T, c *Client, db string, p cdc.SchemaChangePolicy) *Sink {
	t.Helper()
	s, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: db}, SchemaChanges: p, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func dec(s string) any { return mustDecimal(s) }

// TestEvolveEveryKindOn1816 applies each kind of change under EVOLVE on
// the real 18.16, then replays the whole history twice, into the same sink
// and into a new one (a restart from the first checkpoint), and the
// visible state must not move: no row from before the truncate comes back,
// and no dropped or renamed table or column reappears.
func TestEvolveEveryKindOn1816(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	evolveEveryKind(t, testClient(t, ch.Addr), ch.Database)
}

// evolveEveryKind is TestEvolveEveryKindOn1816 on the server of c, in
// database db.
func evolveEveryKind(t *testing.T, c *Client, db string) {
	evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	s := &script{h: &ddlHistory{}}
	s.ddl("CREATE TABLE orders ...", s.h.createTable(ordersSchema()))
	s.insert(cdc.Row{int64(1), int64(10), "a"}, cdc.Row{int64(2), int64(20), nil}, cdc.Row{int64(3), int64(30), "c"})
	price := cdc.Column{Name: "price", Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}, Default: &cdc.ColumnDefault{Value: mustDecimal("1.5")}}
	s.ddl("ALTER TABLE orders ADD price DECIMAL(10,2) NOT NULL DEFAULT 1.5 AFTER qty", s.h.addColumn(price, "qty"))
	s.insert(cdc.Row{int64(4), int64(40), dec("9.99"), "d"})
	s.ddl("ALTER TABLE orders MODIFY qty BIGINT NOT NULL", s.h.alterType("qty", cdc.ColumnType{Kind: cdc.KindBigInt}, false))
	s.insert(cdc.Row{int64(5), int64(1) << 40, dec("5"), "e"})
	s.ddl("ALTER TABLE orders RENAME COLUMN note TO memo", s.h.renameColumn("note", "memo"))
	s.update(cdc.Row{int64(1), int64(10), dec("1.5"), "a"}, cdc.Row{int64(1), int64(11), dec("1.5"), "a2"})
	sink := newTestSink(t, c, db, evolve)
	runScript(t, sink, s.take())
	expectRows(t, "after add, modify and rename", visible(t, c, db, "orders"),
		"id=1 qty=11 price=1.5 memo=a2", "id=2 qty=20 price=1.5 memo=NULL", "id=3 qty=30 price=1.5 memo=c",
		"id=4 qty=40 price=9.99 memo=d", "id=5 qty=1099511627776 price=5 memo=e")
	cols, _ := sink.tableColumns(ctxT(t), db, "orders")
	if want := (chTable{{"id", "Int64", true}, {"qty", "Int64", false}, {"price", "Decimal(10, 2)", false}, {"memo", "Nullable(String)", false},
		{VersionColumn, "UInt64", false}, {DeletedColumn, "UInt8", false}}); !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}

	s.ddl("ALTER TABLE orders DROP price, ADD note2 TEXT", s.h.dropColumn("price"), s.h.addColumn(cdc.Column{Name: "note2", Type: cdc.ColumnType{Kind: cdc.KindText}, Nullable: true}, "memo"))
	s.insert(cdc.Row{int64(6), int64(60), "f", "x"})
	s.ddl("TRUNCATE orders", s.h.truncate())
	s.insert(cdc.Row{int64(2), int64(21), "b", nil}, cdc.Row{int64(7), int64(70), "g", "y"})
	runScript(t, sink, s.take())
	truncated := []string{"id=2 qty=21 memo=b note2=NULL", "id=7 qty=70 memo=g note2=y"}
	expectRows(t, "after drop, add and truncate", visible(t, c, db, "orders"), truncated...)

	s.ddl("RENAME TABLE orders TO orders_v2", s.h.renameTable(cdc.TableID{Database: "shop", Table: "orders_v2"}))
	s.insert(cdc.Row{int64(8), int64(80), "h", nil})
	runScript(t, sink, s.take())
	expectRows(t, "renamed table", visible(t, c, db, "orders_v2"), append(truncated, "id=8 qty=80 memo=h note2=NULL")...)
	expectRows(t, "old name", visible(t, c, db, "orders"))

	s.ddl("DROP TABLE orders_v2", s.h.dropTable())
	runScript(t, sink, s.take())
	if got := visible(t, c, db, "orders_v2"); got != nil {
		t.Errorf("orders_v2 not dropped: %q", got)
	}
	// Replays: the whole history again, into this sink and into a new one.
	replay := s.all
	for _, into := range []*Sink{sink, newTestSink(t, c, db, evolve)} {
		runScript(t, into, replay)
		var tables []string
		rows, err := c.Conn().Query(ctxT(t), "SELECT name FROM system.tables WHERE database = ? ORDER BY name", db)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		expectRows(t, "tables after the replay", tables, StateTable)
		if st := into.Stats(); st.RowsFenced == 0 {
			t.Errorf("the replay fenced no row: %+v", st)
		}
	}
}

// TestLenientKeepsEverything is Flink CDC's LENIENT, the default: an added
// column is Nullable, a dropped one stays (Nullable, NULL in new rows), a
// renamed one stays beside a new Nullable one, a narrowed type keeps the
// wider column, and truncate and drop table change nothing.
func TestLenientKeepsEverything(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	sink := newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{})
	s := &script{h: &ddlHistory{}}
	s.ddl("CREATE TABLE orders ...", s.h.createTable(ordersSchema()))
	s.insert(cdc.Row{int64(1), int64(10), "a"})
	s.ddl("ALTER TABLE orders ADD flag INT NOT NULL DEFAULT 7", s.h.addColumn(cdc.Column{Name: "flag", Type: cdc.ColumnType{Kind: cdc.KindInt}, Default: &cdc.ColumnDefault{Value: int64(7)}}, "note"))
	s.insert(cdc.Row{int64(2), int64(20), "b", int64(8)})
	s.ddl("ALTER TABLE orders DROP qty", s.h.dropColumn("qty"))
	s.insert(cdc.Row{int64(3), "c", int64(9)})
	s.ddl("ALTER TABLE orders RENAME COLUMN note TO memo", s.h.renameColumn("note", "memo"))
	s.insert(cdc.Row{int64(4), "d", int64(10)})
	s.ddl("ALTER TABLE orders MODIFY flag SMALLINT NOT NULL", s.h.alterType("flag", cdc.ColumnType{Kind: cdc.KindSmallInt}, false))
	s.insert(cdc.Row{int64(5), "e", int64(-3)})
	s.ddl("TRUNCATE orders", s.h.truncate())
	s.insert(cdc.Row{int64(6), "f", int64(11)})
	s.ddl("DROP TABLE orders", s.h.dropTable())
	runScript(t, sink, s.take())
	want := []string{
		"id=1 qty=10 note=a memo=NULL flag=7",
		"id=2 qty=20 note=b memo=NULL flag=8",
		"id=3 qty=NULL note=c memo=NULL flag=9",
		"id=4 qty=NULL note=NULL memo=d flag=10",
		"id=5 qty=NULL note=NULL memo=e flag=-3",
		"id=6 qty=NULL note=NULL memo=f flag=11",
	}
	expectRows(t, "LENIENT", visible(t, c, ch.Database, "orders"), want...)
	cols, _ := sink.tableColumns(ctxT(t), ch.Database, "orders")
	if want := (chTable{{"id", "Int64", true}, {"qty", "Nullable(Int32)", false}, {"note", "Nullable(String)", false},
		{"memo", "Nullable(String)", false}, {"flag", "Nullable(Int32)", false}, {VersionColumn, "UInt64", false}, {DeletedColumn, "UInt8", false}}); !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	runScript(t, newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{}), s.all)
	expectRows(t, "LENIENT replayed", visible(t, c, ch.Database, "orders"), want...)
}

// TestIgnoreWritesTheColumnsTheTableHas: under IGNORE the table keeps its
// schema; an added column is not written, a renamed column's values go to
// the old column, a renamed table's rows to the old table, across a
// restart too.
func TestIgnoreWritesTheColumnsTheTableHas(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	ignore := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorIgnore}
	sink := newTestSink(t, c, ch.Database, ignore)
	s := &script{h: &ddlHistory{cur: ordersSchema()}}
	s.insert(cdc.Row{int64(1), int64(10), "a"})
	s.ddl("ALTER TABLE orders ADD extra TEXT", s.h.addColumn(cdc.Column{Name: "extra", Type: cdc.ColumnType{Kind: cdc.KindText}}, "qty"))
	s.insert(cdc.Row{int64(2), int64(20), "x", "b"})
	s.ddl("ALTER TABLE orders RENAME COLUMN note TO memo", s.h.renameColumn("note", "memo"))
	s.insert(cdc.Row{int64(3), int64(30), "y", "c"})
	runScript(t, sink, s.take())
	want := []string{"id=1 qty=10 note=a", "id=2 qty=20 note=b", "id=3 qty=30 note=c"}
	expectRows(t, "IGNORE", visible(t, c, ch.Database, "orders"), want...)

	// A new sink (a restart) reads the state and goes on the same way.
	sink = newTestSink(t, c, ch.Database, ignore)
	s.ddl("RENAME TABLE orders TO orders2", s.h.renameTable(cdc.TableID{Database: "shop", Table: "orders2"}))
	s.insert(cdc.Row{int64(4), int64(40), "z", "d"})
	s.ddl("TRUNCATE orders2", s.h.truncate())
	s.insert(cdc.Row{int64(5), int64(50), "w", "e"})
	runScript(t, sink, s.take())
	want = append(want, "id=4 qty=40 note=d", "id=5 qty=50 note=e")
	expectRows(t, "IGNORE after a restart", visible(t, c, ch.Database, "orders"), want...)
	if got := visible(t, c, ch.Database, "orders2"); got != nil {
		t.Errorf("IGNORE created orders2: %q", got)
	}
}

// TestExceptionAndEvolveStop: EXCEPTION stops at a change, EVOLVE at one
// the table cannot take, each with a SchemaChangeError naming the change
// and the statement; TRY_EVOLVE keeps the old column and goes on.
func TestExceptionAndEvolveStop(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	ctx := ctxT(t)
	h := &ddlHistory{cur: ordersSchema()}
	rows := &script{h: h}
	rows.insert(cdc.Row{int64(1), int64(10), "a"})
	narrow := &script{h: h, pos: rows.pos}
	narrow.ddl("ALTER TABLE orders MODIFY qty TINYINT NOT NULL", h.alterType("qty", cdc.ColumnType{Kind: cdc.KindTinyInt}, false))
	narrow.insert(cdc.Row{int64(2), int64(-5), "b"})
	for _, tc := range []struct {
		policy  cdc.SchemaChangePolicy
		wantErr string
	}{
		{cdc.SchemaChangePolicy{PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{cdc.ChangeAlterColumnType: cdc.BehaviorException}},
			`alter.column.type shop.orders.qty ("ALTER TABLE orders MODIFY qty TINYINT NOT NULL") refused: the sink's schema change behavior for alter.column.type is EXCEPTION`},
		{cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve},
			"could not be applied under EVOLVE: Int8 cannot hold every value of the column's old type INT (the ClickHouse column is Int32)"},
		{cdc.SchemaChangePolicy{Behavior: cdc.BehaviorTryEvolve}, ""},
	} {
		sink := newTestSink(t, c, ch.Database, tc.policy)
		runScript(t, sink, rows.all)
		err := sink.HandleEvents(ctx, narrow.all)
		var sce *cdc.SchemaChangeError
		if tc.wantErr == "" {
			if err != nil {
				t.Fatalf("%s: %v", tc.policy.Behavior, err)
			}
			runScript(t, sink, nil)
			expectRows(t, "TRY_EVOLVE", visible(t, c, ch.Database, "orders"), "id=1 qty=10 note=a", "id=2 qty=-5 note=b")
			continue
		}
		if !errors.As(err, &sce) || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%+v: got %v, want a SchemaChangeError saying %q", tc.policy, err, tc.wantErr)
		}
	}
}

// TestTruncateKeepsRowsReadAfterIt: rows with versions after the truncate
// that reached ClickHouse before it (a snapshot chunk read after the
// truncate) stay; only the older ones go, by ALTER TABLE ... DELETE.
func TestTruncateKeepsRowsReadAfterIt(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	sink := newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve})
	s := &script{h: &ddlHistory{cur: ordersSchema()}}
	s.insert(cdc.Row{int64(1), int64(10), "old"}, cdc.Row{int64(2), int64(20), "old"})
	s.ddl("TRUNCATE orders", s.h.truncate())
	ddl := s.all[len(s.all)-1]
	s.insert(cdc.Row{int64(3), int64(30), "new"})
	later := s.all[len(s.all)-1]
	// The snapshot row, read after the truncate, arrives first.
	runScript(t, sink, []cdc.Event{s.all[0], s.all[1], later})
	runScript(t, sink, []cdc.Event{ddl, s.all[0], later})
	expectRows(t, "after the truncate", visible(t, c, ch.Database, "orders"), "id=3 qty=30 note=new")
}

// TestRenameInterruptedOn1816Completes: a crash inside the rename of
// 18.16 (after its ADD COLUMN) leaves both columns; the replayed change
// copies and drops what is left.
func TestRenameInterruptedOn1816Completes(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	if f, err := c.Features(ctxT(t)); err != nil || f.RenameColumn {
		t.Skipf("the fallback runs on servers without RENAME COLUMN; this one is %v (%v)", f.Version, err)
	}
	sink := newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve})
	s := &script{h: &ddlHistory{cur: ordersSchema()}}
	s.insert(cdc.Row{int64(1), int64(10), "a"}, cdc.Row{int64(2), int64(20), nil})
	runScript(t, sink, s.take())
	if err := c.Conn().Exec(ctxT(t), "ALTER TABLE "+qualified(ch.Database, "orders")+" ADD COLUMN memo Nullable(String) AFTER note"); err != nil {
		t.Fatal(err)
	}
	s.ddl("ALTER TABLE orders RENAME COLUMN note TO memo", s.h.renameColumn("note", "memo"))
	s.insert(cdc.Row{int64(3), int64(30), "c"})
	runScript(t, sink, s.take())
	expectRows(t, "renamed", visible(t, c, ch.Database, "orders"), "id=1 qty=10 memo=a", "id=2 qty=20 memo=NULL", "id=3 qty=30 memo=c")
}

// TestTryEvolveKeepsGoingWithTheOldSchema: the changes ClickHouse cannot
// make (a key column renamed or dropped, a table renamed onto one that
// exists) leave the table as it was under TRY_EVOLVE, and the rows after
// them go into the columns and table it has; EVOLVE stops at each.
func TestTryEvolveKeepsGoingWithTheOldSchema(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	ctx := ctxT(t)
	if err := c.Conn().Exec(ctx, "CREATE TABLE "+qualified(ch.Database, "taken")+" (x Int8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	s := &script{h: &ddlHistory{cur: ordersSchema()}}
	s.insert(cdc.Row{int64(1), int64(10), "a"})
	s.ddl("ALTER TABLE orders RENAME COLUMN id TO order_id", s.h.renameColumn("id", "order_id"))
	s.insert(cdc.Row{int64(2), int64(20), "b"})
	s.ddl("RENAME TABLE orders TO taken", s.h.renameTable(cdc.TableID{Database: "shop", Table: "taken"}))
	s.insert(cdc.Row{int64(3), int64(30), "c"})
	events := s.take()

	for _, ev := range []int{1, 3} {
		// EVOLVE for the kind of the change, in a database of its own.
		other := testenv.NewClickHouse(t)
		if err := c.Conn().Exec(ctx, "CREATE TABLE "+qualified(other.Database, "taken")+" (x Int8) ENGINE = Memory"); err != nil {
			t.Fatal(err)
		}
		kind := events[ev].Changes[0].Kind
		policy := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorTryEvolve, PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{kind: cdc.BehaviorEvolve}}
		err := newTestSink(t, c, other.Database, policy).HandleEvents(ctx, events[:ev+1])
		var sce *cdc.SchemaChangeError
		if !errors.As(err, &sce) || sce.Change.Kind != kind || sce.Err == nil {
			t.Errorf("EVOLVE at %q: got %v, want a SchemaChangeError", events[ev].DDL, err)
		}
	}
	for _, sink := range []*Sink{newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{Behavior: cdc.BehaviorTryEvolve}),
		newTestSink(t, c, ch.Database, cdc.SchemaChangePolicy{Behavior: cdc.BehaviorTryEvolve})} {
		// The second sink replays everything after a restart.
		runScript(t, sink, events)
		expectRows(t, "TRY_EVOLVE", visible(t, c, ch.Database, "orders"), "id=1 qty=10 note=a", "id=2 qty=20 note=b", "id=3 qty=30 note=c")
	}
}
