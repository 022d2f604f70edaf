package mysql

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// columnNames renders a schema's columns as "name:KIND" items.
func columnNames(s *cdc.TableSchema) string {
	if s == nil {
		return "<nil>"
	}
	var parts []string
	for _, c := range s.Columns {
		parts = append(parts, c.Name+":"+c.Type.Kind.String())
	}
	return s.Table.Table + "(" + strings.Join(parts, ",") + ")"
}

// schemaEvents returns the OpSchemaChange events.
func schemaEvents(ev []cdc.Event) []cdc.Event {
	var out []cdc.Event
	for _, e := range ev {
		if e.Op == cdc.OpSchemaChange {
			out = append(out, e)
		}
	}
	return out
}

// rowText renders a row event's table and after image, or before image
// for a delete.
func rowText(e cdc.Event) string {
	row := e.After
	if row == nil {
		row = e.Before
	}
	parts := make([]string, len(row))
	for i, v := range row {
		parts[i] = fmt.Sprint(v)
	}
	return fmt.Sprintf("%s %s[%s]", e.Op, e.Table.Table, strings.Join(parts, " "))
}

// Every kind of change, run on the server and read from its binlog, is one
// OpSchemaChange event with the structured changes and the schemas before
// and after each; the rows written after each are decoded with the new
// schema.
func TestSchemaChangeEvents(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))", "INSERT INTO t VALUES (1, 1, 'one')")
		cfg := testConfig(db) // every table of the database, so created ones too
		cfg.IncludeSchemaChanges = true
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		steps := []struct {
			stmts   []string
			changes string // the DDL event's changes
			before  string // the first change's Before
			after   string // the last change's After
			row     string // the row after it, decoded
		}{
			{[]string{"ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 5 AFTER a", "INSERT INTO t VALUES (2, 2, 7, 'two')"},
				"add.column " + db.Database + ".t.c", "t(id:INT,a:INT,b:VARCHAR)", "t(id:INT,a:INT,c:INT,b:VARCHAR)", "c t[2 2 7 two]"},
			{[]string{"ALTER TABLE t MODIFY COLUMN a BIGINT NULL FIRST", "INSERT INTO t VALUES (3, 3, 7, 'three')"},
				"alter.column.type " + db.Database + ".t.a", "t(id:INT,a:INT,c:INT,b:VARCHAR)", "t(a:BIGINT,id:INT,c:INT,b:VARCHAR)", "c t[3 3 7 three]"},
			{[]string{"ALTER TABLE t CHANGE COLUMN b b2 VARCHAR(20) CHARACTER SET latin1", "INSERT INTO t VALUES (4, 4, 7, 'quatre')"},
				"rename.column " + db.Database + ".t.b to b2; alter.column.type " + db.Database + ".t.b2", "t(a:BIGINT,id:INT,c:INT,b:VARCHAR)", "t(a:BIGINT,id:INT,c:INT,b2:VARCHAR)", "c t[4 4 7 quatre]"},
			{[]string{"ALTER TABLE t RENAME COLUMN b2 TO b3", "INSERT INTO t VALUES (5, 5, 7, 'five')"},
				"rename.column " + db.Database + ".t.b2 to b3", "t(a:BIGINT,id:INT,c:INT,b2:VARCHAR)", "t(a:BIGINT,id:INT,c:INT,b3:VARCHAR)", "c t[5 5 7 five]"},
			{[]string{"ALTER TABLE t DROP COLUMN c, ADD COLUMN d DATE", "INSERT INTO t VALUES (6, 6, 'six', '2024-02-29')"},
				"drop.column " + db.Database + ".t.c; add.column " + db.Database + ".t.d", "t(a:BIGINT,id:INT,c:INT,b3:VARCHAR)", "t(a:BIGINT,id:INT,b3:VARCHAR,d:DATE)", "c t[6 6 six 2024-02-29 00:00:00 +0000 UTC]"},
			{[]string{"TRUNCATE t", "INSERT INTO t VALUES (7, 7, 'seven', NULL)"},
				"truncate.table " + db.Database + ".t", "t(a:BIGINT,id:INT,b3:VARCHAR,d:DATE)", "t(a:BIGINT,id:INT,b3:VARCHAR,d:DATE)", "c t[7 7 seven <nil>]"},
			{[]string{"CREATE TABLE t2 LIKE t", "INSERT INTO t2 VALUES (8, 8, 'eight', NULL)"},
				"create.table " + db.Database + ".t2", "<nil>", "t2(a:BIGINT,id:INT,b3:VARCHAR,d:DATE)", "c t2[8 8 eight <nil>]"},
			{[]string{"ALTER TABLE t2 ADD COLUMN e JSON", "RENAME TABLE t TO t_old, t2 TO t", "INSERT INTO t VALUES (9, 9, 'nine', NULL, '[1]')"},
				"", "", "", ""}, // checked below
			{[]string{"DROP TABLE t_old, t", "CREATE TABLE t3 (id INT PRIMARY KEY, ts DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))", "INSERT INTO t3 (id) VALUES (10)"},
				"", "", "", ""},
			{[]string{"CREATE TABLE t4 AS SELECT id, id * 2 AS twice FROM t3", "INSERT INTO t4 VALUES (11, 22)"},
				"create.table " + db.Database + ".t4", "<nil>", "t4(id:INT,twice:BIGINT)", "c t4[11 22]"},
		}
		seen := 1
		for _, st := range steps {
			db.Exec(t, st.stmts...)
			last := st.stmts[len(st.stmts)-1]
			want := st.row
			switch {
			case strings.HasPrefix(st.stmts[0], "ALTER TABLE t2"):
				want = "c t[9 9 nine <nil> [1]]"
			case strings.HasPrefix(st.stmts[0], "DROP TABLE"):
				want = "c t3[10"
			}
			ev := r.waitFor(t, h, last, func(ev []cdc.Event) bool {
				return len(ev) > seen && strings.HasPrefix(rowText(ev[len(ev)-1]), want)
			})
			news := ev[seen:]
			seen = len(ev)
			if st.changes == "" {
				checkSpecialSteps(t, db.Database, st.stmts, news)
				continue
			}
			if strings.Contains(st.stmts[0], "AS SELECT") {
				// CREATE TABLE … SELECT writes its rows too.
				if got := rowText(news[1]); len(news) != 3 || got != "c t4[10 20]" {
					t.Errorf("CREATE TABLE … SELECT: %s", describe(news))
				}
				// One transaction: the statement and its rows.
				if g := news[0].Source.GTID; g == "" || news[1].Source.GTID != g {
					t.Errorf("CREATE TABLE … SELECT: GTID %q, its row's %q", g, news[1].Source.GTID)
				}
			}
			ddl := schemaEvents(news)
			if len(ddl) != 1 {
				t.Fatalf("after %q: %d schema change events: %s", st.stmts[0], len(ddl), describe(news))
			}
			e := ddl[0]
			if got := describeChanges(e.Changes); got != st.changes {
				t.Errorf("%q: changes %s, want %s", st.stmts[0], got, st.changes)
			}
			if got := columnNames(e.Changes[0].Before); got != st.before {
				t.Errorf("%q: before %s, want %s", st.stmts[0], got, st.before)
			}
			if got := columnNames(e.Changes[len(e.Changes)-1].After); got != st.after {
				t.Errorf("%q: after %s, want %s", st.stmts[0], got, st.after)
			}
			if e.DDL == "" || e.Table != e.Changes[0].Table || e.Source.File == "" || e.Source.BinlogSeq == 0 {
				t.Errorf("%q: event %+v", st.stmts[0], e)
			}
			if got := rowText(news[len(news)-1]); got != st.row {
				t.Errorf("%q: row %s, want %s", st.stmts[0], got, st.row)
			}
			if row := news[len(news)-1]; row.Schema != e.Changes[len(e.Changes)-1].After {
				t.Errorf("%q: the row's schema is not the change's After", st.stmts[0])
			}
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}

func checkSpecialSteps(t *testing.T, database string, stmts []string, news []cdc.Event) {
	t.Helper()
	ddl := schemaEvents(news)
	var got []string
	for _, e := range ddl {
		got = append(got, describeChanges(e.Changes))
	}
	var want []string
	switch {
	case strings.HasPrefix(stmts[0], "ALTER TABLE t2 ADD COLUMN e JSON"):
		want = []string{"add.column " + database + ".t2.e",
			"rename.table " + database + ".t to " + database + ".t_old; rename.table " + database + ".t2 to " + database + ".t"}
		rename := ddl[len(ddl)-1]
		if got := columnNames(rename.Changes[1].After); got != "t(a:BIGINT,id:INT,b3:VARCHAR,d:DATE,e:JSON)" {
			t.Errorf("renamed t2's schema %s", got)
		}
		if rename.Schema != nil {
			t.Errorf("a statement changing two tables has Schema %s", columnNames(rename.Schema))
		}
		if got := rowText(news[len(news)-1]); got != "c t[9 9 nine <nil> [1]]" {
			t.Errorf("row after the rename: %s", got)
		}
	case strings.HasPrefix(stmts[0], "DROP TABLE"):
		want = []string{"drop.table " + database + ".t_old; drop.table " + database + ".t", "create.table " + database + ".t3"}
		create := ddl[1]
		ts := create.Changes[0].After.Columns[1]
		if ts.Default == nil || !strings.Contains(strings.ToUpper(ts.Default.Expression), "CURRENT_TIMESTAMP") || ts.Nullable || ts.Type.FSP != 3 {
			t.Errorf("t3.ts: %+v default %+v", ts, ts.Default)
		}
		if create.Schema != create.Changes[0].After {
			t.Error("create's Schema is not its After")
		}
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("after %q: changes\n%s\nwant\n%s", stmts, strings.Join(got, " | "), strings.Join(want, " | "))
	}
}

// A source stopped across two ALTERs of one table, with rows written
// before, between and after them, decodes every row with the schema it
// was written with when it resumes: the checkpoint holds the schema
// history as of its offset.
func TestSchemaHistoryAcrossRestart(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		cfg := testConfig(db, "t")
		store := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		cfg.OffsetStore = store
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		db.Exec(t,
			"INSERT INTO t VALUES (2, 2)",
			"ALTER TABLE t ADD COLUMN b VARCHAR(10) NOT NULL DEFAULT 'dflt'",
			"INSERT INTO t VALUES (3, 3, 'three')",
			"UPDATE t SET a = 20 WHERE id = 2",
			"ALTER TABLE t DROP COLUMN a, MODIFY b VARCHAR(20) FIRST",
			"INSERT INTO t VALUES ('four', 4)",
			"DELETE FROM t WHERE id = 3",
		)
		h2 := &collector{}
		r = start(t, cfg, h2)
		ev := r.waitFor(t, h2, "the rows written while stopped", func(ev []cdc.Event) bool { return len(ev) == 5 })
		var got []string
		for _, e := range ev {
			got = append(got, rowText(e)+" "+columnNames(e.Schema))
		}
		want := []string{
			"c t[2 2] t(id:INT,a:INT)",
			"c t[3 3 three] t(id:INT,a:INT,b:VARCHAR)",
			"u t[2 20 dflt] t(id:INT,a:INT,b:VARCHAR)",
			"c t[four 4] t(b:VARCHAR,id:INT)",
			"d t[three 3] t(b:VARCHAR,id:INT)",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("rows after the restart:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		cp, err := store.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		info, err := InspectCheckpoint(cp)
		if err != nil {
			t.Fatal(err)
		}
		// MODIFY replaced b's definition: its NOT NULL and default are gone.
		if len(info.Schemas) != 1 || columnNames(info.Schemas[0]) != "t(b:VARCHAR,id:INT)" || info.Schemas[0].Columns[0].Default != nil ||
			!info.Schemas[0].Columns[0].Nullable || info.Schemas[0].Columns[0].Type.Length != 20 {
			t.Fatalf("the checkpoint's schemas: %v", info.Schemas)
		}
		// A third run reads nothing new and agrees.
		db.Exec(t, "ALTER TABLE t ADD COLUMN c INT FIRST", "INSERT INTO t VALUES (5, 'five', 5)")
		h3 := &collector{}
		r = start(t, cfg, h3)
		ev = r.waitFor(t, h3, "the row after a third ALTER", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if got := rowText(ev[0]) + " " + columnNames(ev[0].Schema); got != "c t[5 five 5] t(c:INT,b:VARCHAR,id:INT)" {
			t.Fatalf("row: %s", got)
		}
	})
}

// A checkpoint written before rtdw kept a schema history (state version
// 2) still resumes, with the tables' present definitions.
func TestSchemaHistoryOldCheckpoint(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		cfg := testConfig(db, "t")
		store := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		cfg.OffsetStore = store
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(t, store)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Schemas) != 1 {
			t.Fatalf("the checkpoint holds %d schemas", len(st.Schemas))
		}
		st.Version, st.Schemas = 2, nil
		saveState(t, store, cfg.Name, st)
		db.Exec(t, "INSERT INTO t VALUES (2, 2)")
		h2 := &collector{}
		r = start(t, cfg, h2)
		ev := r.waitFor(t, h2, "the row", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if got := rowText(ev[0]); got != "c t[2 2]" {
			t.Fatalf("row %s", got)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if st, err = loadState(t, store); err != nil || len(st.Schemas) != 1 {
			t.Fatalf("the next save holds %v (%v)", st, err)
		}
	})
}

// A DDL statement the parser cannot read, on a captured table, stops Run
// with ErrSchemaMismatch carrying the statement; one on another table is
// ignored.
func TestUnparsableDDLStops(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "CREATE TABLE other (id INT PRIMARY KEY, a INT)")
		// Statements the servers accept and the TiDB parser does not.
		stmt := func(table string) string {
			if db.Flavor == testenv.MariaDB {
				return "ALTER TABLE " + table + " ADD COLUMN u UUID"
			}
			return "ALTER TABLE " + table + " ADD COLUMN c INT NOT SECONDARY"
		}
		cfg := testConfig(db, "t")
		h := &collector{}
		r := start(t, cfg, h)
		waitPhase(t, r.src, PhaseBinlog)
		db.Exec(t, stmt("other"), "INSERT INTO t VALUES (1, 1)")
		r.waitFor(t, h, "the insert after an unparsable statement on another table", func(ev []cdc.Event) bool { return len(ev) == 1 })
		db.Exec(t, stmt("t"), "INSERT INTO t (id) VALUES (2)")
		var err error
		select {
		case err = <-r.done:
			r.done <- err
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not stop")
		}
		var ddlErr *DDLError
		if !errors.Is(err, ErrSchemaMismatch) || !errors.As(err, &ddlErr) || ddlErr.Statement != stmt("t") || !strings.Contains(err.Error(), stmt("t")) {
			t.Fatalf("Run: %v", err)
		}
		if ddlErr.Database != db.Database || ddlErr.Offset.File == "" {
			t.Errorf("DDLError %+v", ddlErr)
		}
		if n := len(h.snapshot()); n != 1 {
			t.Errorf("%d events delivered, want the first insert only", n)
		}
	})
}

// The swap of gh-ost and pt-online-schema-change, run by hand as the tools
// run it: a shadow table created LIKE the captured one, altered, filled,
// and renamed over it. Capture goes on with the shadow's schema, delivered
// as column changes; the shadow's own rows are not captured.
func TestOnlineSchemaChangeSwap(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))", "INSERT INTO t VALUES (1, 1, 'one')")
		cfg := testConfig(db) // the whole database: the tools' tables match too
		cfg.IncludeSchemaChanges = true
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		for k, tool := range []struct{ shadow, old, changelog string }{{"_t_gho", "_t_del", "_t_ghc"}, {"_t_new", "_t_old", ""}} {
			two, three := 10*k+2, 10*k+3
			stmts := []string{
				"CREATE TABLE " + tool.shadow + " LIKE t",
				"ALTER TABLE " + tool.shadow + " ADD COLUMN c INT NOT NULL DEFAULT 0, DROP COLUMN b",
				"INSERT INTO " + tool.shadow + " (id, a) SELECT id, a FROM t",
				fmt.Sprintf("INSERT INTO t VALUES (%d, 2, 'two')", two),
				fmt.Sprintf("INSERT INTO %s (id, a) VALUES (%d, 2)", tool.shadow, two),
				"RENAME TABLE t TO " + tool.old + ", " + tool.shadow + " TO t",
				"DROP TABLE " + tool.old,
				fmt.Sprintf("INSERT INTO t VALUES (%d, 3, 3)", three),
			}
			if tool.changelog != "" {
				stmts = append([]string{"CREATE TABLE " + tool.changelog + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, hint VARCHAR(64))",
					"INSERT INTO " + tool.changelog + " (hint) VALUES ('state')"}, stmts...)
				stmts = append(stmts, "DROP TABLE "+tool.changelog)
			}
			seen := len(h.snapshot())
			db.Exec(t, stmts...)
			ev := r.waitFor(t, h, "the insert after the swap", func(ev []cdc.Event) bool {
				return len(ev) > seen && rowText(ev[len(ev)-1]) == fmt.Sprintf("c t[%d 3 3]", three)
			})[seen:]
			var got []string
			for _, e := range ev {
				if e.Op == cdc.OpSchemaChange {
					got = append(got, describeChanges(e.Changes))
				} else {
					got = append(got, rowText(e))
				}
			}
			d := db.Database
			want := []string{fmt.Sprintf("c t[%d 2 two]", two), "drop.column " + d + ".t.b; add.column " + d + ".t.c", fmt.Sprintf("c t[%d 3 3]", three)}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: events\n%s\nwant\n%s", tool.shadow, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if s := ev[len(ev)-1].Schema; columnNames(s) != "t(id:INT,a:INT,c:INT)" {
				t.Fatalf("schema after the swap %s", columnNames(s))
			}
			// Back to the original shape for the next tool.
			seen = len(h.snapshot())
			db.Exec(t, "ALTER TABLE t DROP COLUMN c, ADD COLUMN b VARCHAR(10)", fmt.Sprintf("DELETE FROM t WHERE id = %d", three))
			r.waitFor(t, h, "the reset", func(ev []cdc.Event) bool { return len(ev) >= seen+2 })
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}

// A run that dies between a DDL statement and the next flush (here its
// handler fails on the batch holding it) left its checkpoint, and the
// schema history in it, before the statement: the next run delivers the
// statement again and decodes the rows on either side of it with their
// own schemas.
func TestSchemaChangeReplayAfterFailedDelivery(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		cfg := testConfig(db, "t")
		cfg.IncludeSchemaChanges = true
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		h := &collector{}
		r := start(t, cfg, h)
		r.waitFor(t, h, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		h.mu.Lock()
		h.failAt = 2 // every later delivery fails
		h.mu.Unlock()
		db.Exec(t, "INSERT INTO t VALUES (2, 2)", "ALTER TABLE t ADD COLUMN b INT DEFAULT 9", "INSERT INTO t VALUES (3, 3, 3)")
		select {
		case err := <-r.done:
			r.done <- err
			var he *cdc.HandlerError
			if !errors.As(err, &he) {
				t.Fatalf("Run: %v, want the handler's error", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not stop at the failing handler")
		}
		h2 := &collector{}
		r = start(t, cfg, h2)
		ev := r.waitFor(t, h2, "the replay", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowText(ev[len(ev)-1]) == "c t[3 3 3]"
		})
		var got []string
		for _, e := range ev {
			if e.Op == cdc.OpSchemaChange {
				got = append(got, describeChanges(e.Changes)+" "+columnNames(e.Changes[0].Before)+" -> "+columnNames(e.Changes[0].After))
				continue
			}
			got = append(got, rowText(e)+" "+columnNames(e.Schema))
		}
		want := []string{
			"c t[2 2] t(id:INT,a:INT)",
			"add.column " + db.Database + ".t.b t(id:INT,a:INT) -> t(id:INT,a:INT,b:INT)",
			"c t[3 3 3] t(id:INT,a:INT,b:INT)",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("replayed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// comparable renders what decoding depends on of a schema's columns, for
// comparing a schema the history built from DDL with the server's.
func comparable(s *cdc.TableSchema) string {
	var parts []string
	for _, c := range s.Columns {
		t := c.Type
		if t.Kind.IsInteger() {
			t.Length = 0 // a display width
		}
		cs := ""
		if t.Kind.IsText() || t.Kind == cdc.KindEnum || t.Kind == cdc.KindSet {
			cs = t.Charset
		}
		parts = append(parts, fmt.Sprintf("%s %s u=%v len=%d p=%d s=%d fsp=%d el=%q cs=%s null=%v",
			c.Name, t.Kind, t.Unsigned, t.Length, t.Precision, t.Scale, t.FSP, t.Elements, cs, c.Nullable))
	}
	return strings.Join(parts, "\n") + "\nkey " + strings.Join(s.PrimaryKey, ",")
}

// The schema the history builds from a server's own CREATE TABLE text
// (SHOW CREATE TABLE, as pt-online-schema-change copies it) and from
// ALTERs equals what information_schema says of the table, column for
// column, on both servers.
func TestParsedSchemaMatchesServer(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		cols := []string{
			"id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT", "ti TINYINT", "b1 TINYINT(1) NOT NULL DEFAULT 0", "si SMALLINT UNSIGNED",
			"mi MEDIUMINT", "i INT(8) ZEROFILL", "de DECIMAL(12,4) DEFAULT '1.5000'", "f FLOAT", "dbl DOUBLE", "bt BIT(3)",
			"d DATE", "tm TIME(3)", "dt DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)", "ts TIMESTAMP NULL DEFAULT NULL", "y YEAR",
			"c CHAR(3) CHARACTER SET latin1", "vc VARCHAR(40) NOT NULL DEFAULT 'x'", "tt TINYTEXT", "tx TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
			"mt MEDIUMTEXT", "lt LONGTEXT", "bn BINARY(4)", "vb VARBINARY(9)", "bl BLOB", "lb LONGBLOB",
			"e ENUM('a','it''s') DEFAULT 'a'", "st SET('x','y')", "j JSON", "g GEOMETRY", "p POINT",
		}
		db.Exec(t, "CREATE TABLE wide ("+strings.Join(cols, ", ")+", PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4")
		ctx := context.Background()
		var name, create string
		if err := db.DB.QueryRowContext(ctx, "SHOW CREATE TABLE wide").Scan(&name, &create); err != nil {
			t.Fatal(err)
		}
		server := func(table string) *cdc.TableSchema {
			t.Helper()
			m, err := LoadTableSchemas(ctx, db.DB, []cdc.TableID{{Database: db.Database, Table: table}})
			if err != nil {
				t.Fatal(err)
			}
			return m[cdc.TableID{Database: db.Database, Table: table}]
		}
		env := ddlEnv{
			defaultDB:       db.Database,
			captured:        func(cdc.TableID) bool { return false },
			matches:         func(cdc.TableID) bool { return true },
			load:            func(id cdc.TableID) (historyTable, error) { return historyTable{schema: server(id.Table)}, nil },
			databaseCharset: func(string) string { return "utf8mb4" },
		}
		res := applyAll(t, newSchemaHistory(nil), env, create)
		id := cdc.TableID{Database: db.Database, Table: "wide"}
		if got, want := comparable(res.history.schema(id)), comparable(server("wide")); got != want {
			t.Errorf("from SHOW CREATE TABLE:\n%s\n\nthe server:\n%s\n\n%s", got, want, create)
		}
		alters := []string{
			"ALTER TABLE wide ADD COLUMN n1 INT UNSIGNED NOT NULL DEFAULT 3 AFTER ti, DROP COLUMN mi",
			"ALTER TABLE wide MODIFY c VARCHAR(7) CHARACTER SET latin1 NOT NULL FIRST, CHANGE si si2 INT",
			"ALTER TABLE wide RENAME COLUMN tt TO tt2, ADD COLUMN e2 ENUM('p','q') NOT NULL",
			"ALTER TABLE wide CONVERT TO CHARACTER SET latin1",
		}
		h := res.history
		env.captured = func(cdc.TableID) bool { return true }
		for _, q := range alters {
			db.Exec(t, q)
			h = applyAll(t, h, env, q).history
			if got, want := comparable(h.schema(id)), comparable(server("wide")); got != want {
				t.Errorf("after %s:\n%s\n\nthe server:\n%s", q, got, want)
			}
		}
	})
}

// Each server's own DDL forms, as it writes them into its binlog, become
// the right changes, and the row after each decodes with the new schema.
func TestServerSpecificDDLForms(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)")
		cfg := testConfig(db)
		cfg.IncludeSchemaChanges = true
		h := &collector{}
		r := start(t, cfg, h)
		waitPhase(t, r.src, PhaseBinlog)
		d := db.Database
		type step struct{ ddl, insert, changes, after string }
		steps := []step{
			{"/* ApplicationName=DBeaver 24.1.0 - SQLEditor <Script-1.sql> */ ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 1",
				"INSERT INTO t VALUES (1, 1, 2)", "add.column " + d + ".t.b", "t(id:INT,a:INT,b:INT)"},
			{"CREATE TABLE t2 LIKE t", "INSERT INTO t2 VALUES (2, 2, 2)", "create.table " + d + ".t2", "t2(id:INT,a:INT,b:INT)"},
		}
		if db.Flavor == testenv.MariaDB {
			steps = append(steps,
				step{"ALTER TABLE t ADD COLUMN IF NOT EXISTS c VARCHAR(5), ADD COLUMN IF NOT EXISTS a INT, ALGORITHM=NOCOPY", "INSERT INTO t VALUES (3, 3, 3, 'c')",
					"add.column " + d + ".t.c", "t(id:INT,a:INT,b:INT,c:VARCHAR)"},
				step{"ALTER ONLINE TABLE t DROP COLUMN IF EXISTS zz, DROP COLUMN IF EXISTS b", "INSERT INTO t VALUES (4, 4, 'c')",
					"drop.column " + d + ".t.b", "t(id:INT,a:INT,c:VARCHAR)"},
				step{"ALTER TABLE t WAIT 5 MODIFY COLUMN IF EXISTS c VARCHAR(9) FIRST", "INSERT INTO t VALUES ('c', 5, 5)",
					"alter.column.type " + d + ".t.c", "t(c:VARCHAR,id:INT,a:INT)"},
				step{"CREATE OR REPLACE TABLE t2 (k BIGINT PRIMARY KEY, v JSON)", `INSERT INTO t2 VALUES (6, '{"a":1}')`,
					"drop.table " + d + ".t2; create.table " + d + ".t2", "t2(k:BIGINT,v:JSON)"},
			)
		} else {
			steps = append(steps,
				step{"ALTER TABLE t ADD COLUMN c VARCHAR(5) DEFAULT (concat('x', 'y')), ALGORITHM=COPY", "INSERT INTO t (id, a, b) VALUES (3, 3, 3)",
					"add.column " + d + ".t.c", "t(id:INT,a:INT,b:INT,c:VARCHAR)"},
				step{"ALTER TABLE t ALTER COLUMN c SET INVISIBLE, ADD COLUMN e INT DEFAULT (a + 1) AFTER a", "INSERT INTO t (id, a, b, c) VALUES (4, 4, 4, 'c')",
					"add.column " + d + ".t.e", "t(id:INT,a:INT,e:INT,b:INT,c:VARCHAR)"},
				step{"ALTER TABLE t RENAME COLUMN e TO e2, MODIFY b BIGINT", "INSERT INTO t (id, a, e2, b) VALUES (5, 5, 5, 5)",
					"rename.column " + d + ".t.e to e2; alter.column.type " + d + ".t.b", "t(id:INT,a:INT,e2:INT,b:BIGINT,c:VARCHAR)"},
			)
		}
		for _, st := range steps {
			seen := len(h.snapshot())
			db.Exec(t, st.ddl, st.insert)
			ev := r.waitFor(t, h, st.ddl, func(ev []cdc.Event) bool { return len(ev) >= seen+2 })[seen:]
			if len(ev) != 2 || ev[0].Op != cdc.OpSchemaChange || ev[1].Op != cdc.OpCreate {
				t.Fatalf("%s: events %s", st.ddl, describe(ev))
			}
			if got := describeChanges(ev[0].Changes); got != st.changes {
				t.Errorf("%s: changes %s, want %s", st.ddl, got, st.changes)
			}
			if got := columnNames(ev[1].Schema); got != st.after || len(ev[1].After) != len(ev[1].Schema.Columns) {
				t.Errorf("%s: the row's schema %s (row %v), want %s", st.ddl, got, ev[1].After, st.after)
			}
			if ev[0].DDL != st.ddl && !strings.Contains(ev[0].DDL, "ApplicationName") {
				t.Logf("%s logged as %q", db.Flavor, ev[0].DDL)
			}
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}
