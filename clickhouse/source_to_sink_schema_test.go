package clickhouse_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The schema change tests run each kind of DDL on MySQL 9.7 and MariaDB
// 10.11 while rows are written, through the real source (which parses it)
// into the sink under EVOLVE, and compare every column of ClickHouse's
// visible state with MySQL's, and ClickHouse's columns with MySQL's. Each
// is repeated with the source in a child process killed with SIGKILL at
// its first flush after the change, then resumed from its checkpoint.

const schemaItemsDDL = "CREATE TABLE %s (id BIGINT PRIMARY KEY, v BIGINT NOT NULL, qty INT NOT NULL DEFAULT 0, note VARCHAR(20))"

// schemaCase is one kind of change: the statements to run, the statements
// that follow them (using what they made), and the table to compare after.
type schemaCase struct {
	kind cdc.SchemaChangeKind
	// name names a case that is not one kind of change.
	name string
	// quiet runs the DDL with the writer paused (a tool's table swap,
	// whose shadow table holds the rows of the moment it is swapped in).
	quiet bool
	ddl   []string
	after []string
	// table is the table the writer writes and the test compares after the
	// DDL; gone lists tables ClickHouse must no longer have.
	table string
	gone  []string
}

func schemaCases() []schemaCase {
	return []schemaCase{
		{kind: cdc.ChangeCreateTable, ddl: []string{fmt.Sprintf(schemaItemsDDL, "items2")},
			after: []string{"INSERT INTO items2 (id, v, note) VALUES (1000, 1, 'new table')"}, table: "items2"},
		{kind: cdc.ChangeAddColumn, ddl: []string{"ALTER TABLE items ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 1.50 AFTER qty"},
			after: []string{"UPDATE items SET price = 9.99 WHERE id % 7 = 0"}, table: "items"},
		{kind: cdc.ChangeDropColumn, ddl: []string{"ALTER TABLE items DROP COLUMN qty"}, table: "items"},
		{kind: cdc.ChangeAlterColumnType, ddl: []string{"ALTER TABLE items MODIFY COLUMN qty BIGINT NOT NULL DEFAULT 0"},
			after: []string{"UPDATE items SET qty = 1099511627776 WHERE id % 5 = 0"}, table: "items"},
		{kind: cdc.ChangeRenameColumn, ddl: []string{"ALTER TABLE items RENAME COLUMN note TO memo"},
			after: []string{"UPDATE items SET memo = 'renamed' WHERE id % 3 = 0"}, table: "items"},
		{kind: cdc.ChangeRenameTable, ddl: []string{"RENAME TABLE items TO items_renamed"}, table: "items_renamed", gone: []string{"items"}},
		{kind: cdc.ChangeDropTable, ddl: []string{"DROP TABLE items", fmt.Sprintf(schemaItemsDDL, "items")},
			after: []string{"INSERT INTO items (id, v, note) VALUES (1000, 1, 'after the drop')"}, table: "items"},
		{kind: cdc.ChangeTruncateTable, ddl: []string{"TRUNCATE items"}, table: "items"},
		// gh-ost's cut-over: a shadow table altered and filled, then
		// swapped in by one RENAME TABLE; the source sees the swap as the
		// column changes between the two tables.
		{name: "gh-ost swap", quiet: true, ddl: []string{
			"CREATE TABLE _items_gho LIKE items",
			"ALTER TABLE _items_gho ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 1.50 AFTER qty, DROP COLUMN note",
			"INSERT INTO _items_gho (id, v, qty) SELECT id, v, qty FROM items",
			"RENAME TABLE items TO _items_del, _items_gho TO items",
			"DROP TABLE _items_del",
		}, after: []string{"UPDATE items SET price = 2.25 WHERE id % 4 = 0"}, table: "items"},
	}
}

func (c schemaCase) String() string {
	if c.name != "" {
		return c.name
	}
	return string(c.kind)
}

// schemaSetup creates items with rows on db and a ClickHouse database.
func schemaSetup(t *testing.T, db *testenv.Source) *testenv.ClickHouse {
	t.Helper()
	ch := testenv.NewClickHouse(t)
	db.Exec(t, fmt.Sprintf(schemaItemsDDL, "items"))
	var values []string
	for i := 1; i <= 300; i++ {
		values = append(values, fmt.Sprintf("(%d, %d, %d, 'n%d')", i, i, i%10, i))
	}
	db.Exec(t, "INSERT INTO items (id, v, qty, note) VALUES "+strings.Join(values, ","))
	return ch
}

// schemaWriter inserts, updates and deletes rows of the table *table names,
// touching only id and v, until ctx ends. A table that does not exist for a
// moment (dropped, renamed) is no error.
func schemaWriter(ctx context.Context, t *testing.T, db *sql.DB, table *atomic.Pointer[string], count *atomic.Int64, done chan<- int) {
	r := rand.New(rand.NewPCG(rand.Uint64(), 1))
	n := 0
	defer func() { done <- n }()
	for ctx.Err() == nil {
		k := 1 + r.IntN(330)
		name := "`" + *table.Load() + "`"
		var q string
		switch op := r.IntN(10); {
		case op < 4:
			q = fmt.Sprintf("UPDATE %s SET v = v + 1 WHERE id = %d", name, k)
		case op < 6:
			q = fmt.Sprintf("DELETE FROM %s WHERE id = %d", name, k)
		default:
			q = fmt.Sprintf("INSERT INTO %s (id, v) VALUES (%d, %d) ON DUPLICATE KEY UPDATE v = v + 1", name, k, r.IntN(100))
		}
		_, err := db.ExecContext(ctx, q)
		var me *mysql.MySQLError
		switch {
		case err == nil:
			n++
			count.Add(1)
		case ctx.Err() != nil:
			return
		case errors.As(err, &me) && me.Number == 1146: // the table is gone for now
		default:
			t.Errorf("writer: %s: %v", q, err)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// runDDLWhileWriting starts the writer on items, runs the case's DDL and
// the statements after it while it writes, and stops it.
func runDDLWhileWriting(t *testing.T, db *testenv.Source, tc schemaCase, between func()) {
	t.Helper()
	var table atomic.Pointer[string]
	items := "items"
	table.Store(&items)
	writes := 0
	done := make(chan int, 1)
	var count atomic.Int64
	// written waits until the writer has made n more writes.
	written := func(n int64) {
		t.Helper()
		want := count.Load() + n
		for deadline := time.Now().Add(30 * time.Second); count.Load() < want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the writer made %d of %d writes in 30s", count.Load()-want+n, n)
			}
		}
	}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		go schemaWriter(ctx, t, db.DB, &table, &count, done)
		stopped := false
		return func() {
			if !stopped {
				stopped = true
				cancel()
				writes += <-done
			}
		}
	}
	stop := start()
	// The writer stops before the test ends, even when a statement fails it.
	defer func() { stop() }()
	written(50)
	if tc.quiet {
		stop()
	}
	db.Exec(t, tc.ddl...)
	table.Store(&tc.table)
	if tc.quiet {
		stop = start()
	}
	if between != nil {
		between()
	}
	written(50)
	db.Exec(t, tc.after...)
	written(30)
	stop()
	t.Logf("%d writes around %q", writes, tc.ddl)
}

// checkSchemaConverged waits until ClickHouse shows MySQL's rows of the
// case's table, then checks that ClickHouse's columns are MySQL's (and the
// sink's two) and that the tables the change removed are gone.
func checkSchemaConverged(t *testing.T, p *pipeline, db *testenv.Source, c *clickhouse.Client, ch *testenv.ClickHouse, tc schemaCase) {
	t.Helper()
	opts := clickhouse.TableOptions{Database: ch.Database}
	id := cdc.TableID{Database: db.Database, Table: tc.table}
	waitConverged(t, p, db.DB, c, opts, id, time.Minute)
	ctx := context.Background()
	_, schema, err := mysqlTable(ctx, db.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, col := range schema.Columns {
		want = append(want, col.Name)
	}
	want = append(want, clickhouse.VersionColumn, clickhouse.DeletedColumn)
	got := chNames(t, c, "SELECT name FROM system.columns WHERE database = ? AND table = ?", ch.Database, tc.table)
	if !slices.Equal(got, want) {
		t.Errorf("ClickHouse columns %v, MySQL's %v", got, want)
	}
	tables := chNames(t, c, "SELECT name FROM system.tables WHERE database = ?", ch.Database)
	for _, g := range tc.gone {
		if slices.Contains(tables, g) {
			t.Errorf("ClickHouse still has table %s: %v", g, tables)
		}
	}
}

func chNames(t *testing.T, c *clickhouse.Client, query string, args ...any) []string {
	t.Helper()
	rows, err := c.Conn().Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func evolveSink(t *testing.T, c *clickhouse.Client, ch *testenv.ClickHouse) *clickhouse.Sink {
	t.Helper()
	sink, err := clickhouse.NewSink(c, clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: ch.Database},
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}, FlushInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return sink
}

func TestSourceToSinkSchemaChanges(t *testing.T) {
	for _, tc := range schemaCases() {
		t.Run(tc.String(), func(t *testing.T) {
			testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
				ch := schemaSetup(t, db)
				c := newClient(t, ch.Addr)
				sink := evolveSink(t, c, ch)
				p := startPipeline(t, db, sink, pipelineOptions{ddl: true, patterns: []string{strings.ReplaceAll(db.Database, ".", `\.`) + `\.items.*`}})
				p.waitStreaming(t, time.Minute)
				runDDLWhileWriting(t, db, tc, nil)
				checkSchemaConverged(t, p, db, c, ch, tc)
				if st := sink.Stats(); st.SchemaChanges == 0 {
					t.Errorf("the sink handled no schema change: %+v", st)
				}
			})
		})
	}
}

func TestSourceToSinkSchemaChangesSIGKILL(t *testing.T) {
	for _, tc := range schemaCases() {
		t.Run(tc.String(), func(t *testing.T) {
			testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
				ch := schemaSetup(t, db)
				child := crashChild{
					Host: db.Host, Port: db.Port, User: db.User, Password: db.Password,
					Database: db.Database, Table: "items",
					ClickHouse: ch.Addr, CHDatabase: ch.Database,
					Store:     filepath.Join(t.TempDir(), "checkpoint.json"),
					ServerIDs: serverIDRange(3), Schema: true,
				}
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = child.environ()
				stderr := &syncBuffer{}
				cmd.Stderr = stderr
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				lines := make(chan string, 16)
				go func() {
					defer close(lines)
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						lines <- sc.Text()
					}
				}()
				waitLine(t, lines, "phase binlog", stderr)
				killed := make(chan error, 1)
				runDDLWhileWriting(t, db, tc, func() {
					go func() {
						waitLine(t, lines, "killed at flush after a schema change", stderr)
						killed <- cmd.Wait()
					}()
				})
				select {
				case err := <-killed:
					var exit *exec.ExitError
					if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("the child was not killed: %v\n%s", err, stderr.String())
					}
				case <-time.After(time.Minute):
					cmd.Process.Kill()
					t.Fatalf("the child was not killed after the schema change in a minute:\n%s", stderr.String())
				}

				c := newClient(t, ch.Addr)
				sink := evolveSink(t, c, ch)
				p := startPipeline(t, db, sink, pipelineOptions{ddl: true, store: cdc.NewFileOffsetStore(child.Store),
					patterns: []string{strings.ReplaceAll(db.Database, ".", `\.`) + `\.items.*`}})
				p.waitStreaming(t, time.Minute)
				checkSchemaConverged(t, p, db, c, ch, tc)
				t.Logf("resumed: %+v", sink.Stats())
			})
		})
	}
}

// waitLine waits for a line of the child's output.
func waitLine(t *testing.T, lines <-chan string, want string, stderr *syncBuffer) {
	timeout := time.After(time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Errorf("the child ended before %q: %s", want, stderr.String())
				return
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Errorf("no %q from the child in a minute: %s", want, stderr.String())
			return
		}
	}
}

// TestSourceToSinkStoppedAcrossTwoAlters stops the capture, changes the
// table twice with rows written between and after the changes, and
// resumes: the rows before each change are decoded with the schema they
// were written with, and ClickHouse ends with MySQL's rows and columns.
func TestSourceToSinkStoppedAcrossTwoAlters(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		ch := schemaSetup(t, db)
		c := newClient(t, ch.Addr)
		store := cdc.NewMemoryOffsetStore()
		o := pipelineOptions{ddl: true, store: store}
		p := startPipeline(t, db, evolveSink(t, c, ch), o, "items")
		p.waitStreaming(t, time.Minute)
		tc := schemaCase{table: "items"}
		checkSchemaConverged(t, p, db, c, ch, tc)
		if err := p.stop(); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		db.Exec(t,
			"UPDATE items SET note = 'before the first' WHERE id % 3 = 0",
			"ALTER TABLE items ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 1.50 AFTER qty",
			"UPDATE items SET price = 7.25, note = 'between' WHERE id % 4 = 0",
			"INSERT INTO items (id, v, price, note) VALUES (1001, 1, 3.50, 'between')",
			"ALTER TABLE items MODIFY COLUMN qty BIGINT NOT NULL DEFAULT 0, DROP COLUMN note",
			"UPDATE items SET qty = 1099511627776 WHERE id % 5 = 0",
			"DELETE FROM items WHERE id % 6 = 0",
		)
		sink := evolveSink(t, c, ch)
		p = startPipeline(t, db, sink, o, "items")
		p.waitStreaming(t, time.Minute)
		checkSchemaConverged(t, p, db, c, ch, tc)
		if st := sink.Stats(); st.SchemaChanges < 3 {
			t.Errorf("the resumed sink handled %d schema changes, want the 3 of the two ALTERs: %+v", st.SchemaChanges, st)
		}
	})
}

// TestSourceToSinkLenientByDefault runs the default policy, LENIENT,
// through the parsing source: an added column (with MySQL's default for
// the old rows), a dropped one and a widened one, while rows are written.
// ClickHouse shows MySQL's rows in MySQL's columns, and keeps the dropped
// column, Nullable, NULL in the rows written after the drop.
func TestSourceToSinkLenientByDefault(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		ch := schemaSetup(t, db)
		c := newClient(t, ch.Addr)
		sink, err := clickhouse.NewSink(c, clickhouse.SinkConfig{TableOptions: clickhouse.TableOptions{Database: ch.Database}, FlushInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		p := startPipeline(t, db, sink, pipelineOptions{ddl: true}, "items")
		p.waitStreaming(t, time.Minute)
		runDDLWhileWriting(t, db, schemaCase{table: "items", ddl: []string{
			"ALTER TABLE items ADD COLUMN price DECIMAL(10,2) NOT NULL DEFAULT 1.50 AFTER qty",
			"ALTER TABLE items DROP COLUMN note",
			"ALTER TABLE items MODIFY COLUMN qty BIGINT NOT NULL DEFAULT 0",
		}, after: []string{"UPDATE items SET qty = 1099511627776, price = 2.50 WHERE id % 5 = 0", "INSERT INTO items (id, v) VALUES (1000, 1)"}}, nil)
		id := cdc.TableID{Database: db.Database, Table: "items"}
		waitConverged(t, p, db.DB, c, clickhouse.TableOptions{Database: ch.Database}, id, time.Minute)
		types := chNames(t, c, "SELECT concat(name, ' ', type) FROM system.columns WHERE database = ? AND table = 'items'", ch.Database)
		want := []string{"id Int64", "v Int64", "qty Int64", "price Nullable(Decimal(10, 2))", "note Nullable(String)", "_version UInt64", "_is_deleted UInt8"}
		if !slices.Equal(types, want) {
			t.Errorf("ClickHouse columns %q, want %q", types, want)
		}
		var nulls uint64
		if err := c.Conn().QueryRow(context.Background(), "SELECT count() FROM "+testenv.QuoteIdent(ch.Database)+".items FINAL WHERE id = 1000 AND note IS NULL").Scan(&nulls); err != nil || nulls != 1 {
			t.Errorf("the row inserted after the drop: %d rows with note NULL (%v), want 1", nulls, err)
		}
	})
}
