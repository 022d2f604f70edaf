package clickhouse

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// shardScript is one shard's history of shop.orders, as a source named
// name reading binlog file file delivers it: the table, a row, ADD COLUMN
// price, and a row after it.
func shardScript(name, file string, before, after int64) *script {
	s := &script{h: &ddlHistory{}}
	row := func(id int64) cdc.Row {
		r := make(cdc.Row, len(s.h.cur.Columns))
		for i, c := range s.h.cur.Columns {
			switch c.Name {
			case "id":
				r[i] = id
			case "qty":
				r[i] = id * 10
			case "note":
				r[i] = fmt.Sprintf("n%d", id)
			case "price":
				r[i] = mustDecimal(fmt.Sprintf("%d.25", id))
			}
		}
		return r
	}
	s.ddl("CREATE TABLE orders (id BIGINT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(20))", s.h.createTable(ordersSchema()))
	s.insert(row(before))
	s.ddl("ALTER TABLE orders ADD price DECIMAL(10,2) NOT NULL DEFAULT 1.5 AFTER qty", s.h.addColumn(cdc.Column{Name: "price",
		Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}, Default: &cdc.ColumnDefault{Value: mustDecimal("1.5")}}, "qty"))
	s.insert(row(after))
	for i := range s.all {
		s.all[i].Source.Name, s.all[i].Source.File = name, file
	}
	return s
}

// TestSchemaStatePerSource routes two sources into one ClickHouse table, as
// shards of one table on two servers are merged: each source's row
// versions count its own server's binlog (file 5 on one, file 3 on the
// other). The same ALTER runs on both, the server further on last. Its
// state must not fence the other server's later rows, whose versions are
// all below it: every row of both shards reaches ClickHouse, and a replay
// of both from the start leaves them as they are.
func TestSchemaStatePerSource(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	ahead := shardScript("mysql-shard", "mysql-bin.000005", 1, 11)
	behind := shardScript("mariadb-shard", "mariadb-bin.000003", 2, 12)
	// Events: both tables and first rows, the ALTER behind, then ahead,
	// then the rows after it, ahead's first.
	var events []cdc.Event
	events = append(events, ahead.all[:2]...)
	events = append(events, behind.all[:2]...)
	events = append(events, behind.all[2], ahead.all[2], ahead.all[3], behind.all[3])

	want := append(slices.Clone(ahead.want()), behind.want()...)
	slices.SortFunc(want, func(a, b cdc.Row) int { return int(a[0].(int64) - b[0].(int64)) })
	for run := range 2 {
		sink := newTestSink(t, c, ch.Database, evolve)
		runScript(t, sink, events)
		got, err := c.ReadTable(ctxT(t), ahead.h.cur, TableOptions{Database: ch.Database})
		if err != nil {
			t.Fatal(err)
		}
		equalRows(t, ahead.h.cur, got, want)
		if st := sink.Stats(); run == 0 && st.RowsFenced != 0 {
			t.Errorf("first run: %d rows fenced, want none (%+v)", st.RowsFenced, st)
		}
	}
}

// TestSchemaStateBeforeSourceNames: a state stored under the table alone
// (before states were kept per source, or by a source without a name)
// still fences the replay of a source that now has a name.
func TestSchemaStateBeforeSourceNames(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	s, _, _ := crashHistory(cdc.ChangeRenameColumn)
	runScript(t, newTestSink(t, c, ch.Database, evolve), s.all)
	named := slices.Clone(s.all)
	for i := range named {
		named[i].Source.Name = "mysql"
	}
	sink := newTestSink(t, c, ch.Database, evolve)
	runScript(t, sink, named)
	got, err := c.ReadTable(ctxT(t), s.h.cur, TableOptions{Database: ch.Database})
	if err != nil {
		t.Fatal(err)
	}
	equalRows(t, s.h.cur, got, s.want())
	if sink.Stats().RowsFenced == 0 {
		t.Errorf("the replay fenced no row: %+v", sink.Stats())
	}
}

// TestSchemaStateOtherServerUnderOneNameWarns: two servers' sources under
// one name share a state, which the sink cannot tell from one source that
// moved to another server. The rows the fence drops are not dropped
// silently: the sink warns, naming the table and both servers.
func TestSchemaStateOtherServerUnderOneNameWarns(t *testing.T) {
	t.Parallel()
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	ahead := shardScript("", "mysql-bin.000005", 1, 11)
	behind := shardScript("", "mariadb-bin.000003", 2, 12)
	for i := range ahead.all {
		ahead.all[i].Source.ServerID = 1
	}
	for i := range behind.all {
		behind.all[i].Source.ServerID = 2
	}
	var events []cdc.Event
	events = append(events, ahead.all[:2]...)
	events = append(events, behind.all[:2]...)
	events = append(events, behind.all[2], ahead.all[2], ahead.all[3], behind.all[3])
	var logs bytes.Buffer
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: ch.Database}, FlushInterval: -1,
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close(context.Background()) })
	runScript(t, sink, events)
	if sink.Stats().RowsFenced == 0 {
		t.Fatalf("no row fenced: the test does not share a state between servers (%+v)", sink.Stats())
	}
	out := logs.String()
	for _, want := range []string{"level=WARN", "give each its own name", "table=shop.orders", "row_server_id=2", "change_server_id=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the logs do not say %q:\n%s", want, out)
		}
	}
}
