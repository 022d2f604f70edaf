package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The SIGKILL tests of schema changes with hand-built events: a child
// process (this test binary) writes the rows of a checkpoint, then the
// schema change and some rows after it, and kills itself with SIGKILL
// before it flushes them. A new sink then replays from the checkpoint, as a
// restarted source does, and another from the very beginning (an older
// checkpoint): ClickHouse must show exactly the rows MySQL would hold.

const schemaCrashEnv = "RTDW_SCHEMA_CRASH_CHILD"

// crashHistory is one kind's history: rows, a checkpoint, rows, the change,
// rows. It returns the script and the index of the checkpoint and of the
// change's event.
func crashHistory(kind cdc.SchemaChangeKind) (s *script, checkpoint, change int) {
	s = &script{h: &ddlHistory{}}
	note := func(id int64) any { return fmt.Sprintf("n%d", id) }
	row := func(id, qty int64) cdc.Row {
		r := make(cdc.Row, len(s.h.cur.Columns))
		for i, c := range s.h.cur.Columns {
			switch c.Name {
			case "id":
				r[i] = id
			case "qty":
				r[i] = qty
			case "note", "memo":
				r[i] = note(id)
			case "price":
				r[i] = mustDecimal(fmt.Sprintf("%d.25", id))
			}
		}
		return r
	}
	create := func() {
		s.ddl("CREATE TABLE orders (id BIGINT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(20))", s.h.createTable(ordersSchema()))
	}
	if kind != cdc.ChangeCreateTable {
		create()
	}
	for id := int64(1); id <= 5; id++ {
		if kind != cdc.ChangeCreateTable {
			s.insert(row(id, id*10))
		}
	}
	checkpoint = len(s.all)
	if kind == cdc.ChangeCreateTable {
		change = len(s.all)
		create()
	} else {
		s.insert(row(6, 60))
		s.update(row(1, 10), row(1, 11))
		s.delete(row(3, 30))
		change = len(s.all)
		switch kind {
		case cdc.ChangeAddColumn:
			s.ddl("ALTER TABLE orders ADD price DECIMAL(10,2) NOT NULL DEFAULT 1.5 AFTER qty", s.h.addColumn(cdc.Column{Name: "price",
				Type: cdc.ColumnType{Kind: cdc.KindDecimal, Precision: 10, Scale: 2}, Default: &cdc.ColumnDefault{Value: mustDecimal("1.5")}}, "qty"))
		case cdc.ChangeDropColumn:
			s.ddl("ALTER TABLE orders DROP qty", s.h.dropColumn("qty"))
		case cdc.ChangeAlterColumnType:
			s.ddl("ALTER TABLE orders MODIFY qty BIGINT NOT NULL", s.h.alterType("qty", cdc.ColumnType{Kind: cdc.KindBigInt}, false))
		case cdc.ChangeRenameColumn:
			s.ddl("ALTER TABLE orders RENAME COLUMN note TO memo", s.h.renameColumn("note", "memo"))
		case cdc.ChangeRenameTable:
			s.ddl("RENAME TABLE orders TO orders_renamed", s.h.renameTable(cdc.TableID{Database: "shop", Table: "orders_renamed"}))
		case cdc.ChangeDropTable:
			s.ddl("DROP TABLE orders", s.h.dropTable())
			create()
		case cdc.ChangeTruncateTable:
			s.ddl("TRUNCATE orders", s.h.truncate())
		}
	}
	qty := int64(70)
	if kind == cdc.ChangeAlterColumnType {
		qty = 1 << 40 // beyond the old INT
	}
	s.insert(row(7, qty))
	s.update(row(2, 20), row(2, 21))
	s.insert(row(8, 80))
	s.delete(row(7, qty))
	s.insert(row(9, 90))
	return s, checkpoint, change
}

// TestSchemaChangeCrashHelper is the child process of
// TestSchemaChangeSIGKILLBetweenChangeAndFlush; without its environment
// it does nothing.
func TestSchemaChangeCrashHelper(t *testing.T) {
	if os.Getenv(schemaCrashEnv) == "" {
		return
	}
	ctx := context.Background()
	c := testClient(t, os.Getenv("RTDW_SCHEMA_CRASH_CLICKHOUSE"))
	sink, err := NewSink(c, SinkConfig{TableOptions: TableOptions{Database: os.Getenv("RTDW_SCHEMA_CRASH_DATABASE")},
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	s, checkpoint, change := crashHistory(cdc.SchemaChangeKind(os.Getenv(schemaCrashEnv)))
	// The rows up to the checkpoint are written (the source stored it
	// after this flush); the change is applied, a row after it buffered.
	if err := sink.HandleEvents(ctx, s.all[:checkpoint]); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.HandleEvents(ctx, s.all[checkpoint:change+2]); err != nil {
		t.Fatal(err)
	}
	fmt.Println("killing myself with", sink.Stats().RowsBuffered, "rows buffered")
	os.Stdout.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func TestSchemaChangeSIGKILLBetweenChangeAndFlush(t *testing.T) {
	t.Parallel()
	for _, kind := range cdc.SchemaChangeKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			ch := testenv.NewClickHouse(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestSchemaChangeCrashHelper$", "-test.v")
			cmd.Env = append(os.Environ(), schemaCrashEnv+"="+string(kind),
				"RTDW_SCHEMA_CRASH_CLICKHOUSE="+ch.Addr, "RTDW_SCHEMA_CRASH_DATABASE="+ch.Database)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed (%v):\n%s", err, out)
			}
			s, checkpoint, _ := crashHistory(kind)
			c := testClient(t, ch.Addr)
			evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
			for _, from := range []int{checkpoint, 0} {
				sink := newTestSink(t, c, ch.Database, evolve)
				runScript(t, sink, s.all[from:])
				got, err := c.ReadTable(ctxT(t), s.h.cur, TableOptions{Database: ch.Database})
				if err != nil {
					t.Fatal(err)
				}
				equalRows(t, s.h.cur, got, s.want())
				t.Logf("replayed from event %d: %+v", from, sink.Stats())
				if kind == cdc.ChangeRenameTable {
					if rows := visible(t, c, ch.Database, "orders"); rows != nil {
						t.Errorf("the old name is back: %q", rows)
					}
				}
			}
			if n := strconv.Itoa(len(s.want())); n == "0" {
				t.Fatal("the history leaves no row to compare")
			}
		})
	}
}
