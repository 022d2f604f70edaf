package mysql

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// testHistory is db.t (id INT PRIMARY KEY, a INT, b VARCHAR(10)), captured,
// with db.other uncaptured on the "server".
func testHistory(t *testing.T) (*schemaHistory, ddlEnv) {
	t.Helper()
	h := newSchemaHistory(nil)
	apply := func(q string) {
		res := applyAll(t, h, testEnv(nil), q)
		h = res.history
	}
	apply("CREATE TABLE db.t (id INT PRIMARY KEY, a INT, b VARCHAR(10))")
	captured := map[cdc.TableID]bool{{Database: "db", Table: "t"}: true}
	return h, testEnv(captured)
}

func testEnv(captured map[cdc.TableID]bool) ddlEnv {
	server := map[cdc.TableID]*cdc.TableSchema{
		{Database: "db", Table: "other"}: {Table: cdc.TableID{Database: "db", Table: "other"},
			Columns: []cdc.Column{{Name: "x", Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}}}, PrimaryKey: []string{"x"}},
	}
	return ddlEnv{
		defaultDB: "db",
		captured:  func(id cdc.TableID) bool { return captured[id] },
		matches:   func(id cdc.TableID) bool { return id.Database == "db" },
		load: func(id cdc.TableID) (historyTable, error) {
			// The server has db.other, and any table a test renames it to.
			if strings.HasPrefix(id.Table, "missing") {
				return historyTable{}, &TableNotFoundError{Tables: []cdc.TableID{id}}
			}
			s := *server[cdc.TableID{Database: "db", Table: "other"}]
			s.Table = id
			return historyTable{schema: &s}, nil
		},
		databaseCharset: func(string) string { return "utf8mb4" },
	}
}

// applyAll parses q and applies its statements, failing the test on an
// error.
func applyAll(t *testing.T, h *schemaHistory, env ddlEnv, q string) ddlResult {
	t.Helper()
	stmts, err := parseDDL(q)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	var all ddlResult
	for _, st := range stmts {
		res, err := h.apply(st, env)
		if err != nil {
			t.Fatalf("apply %q: %v", q, err)
		}
		h = res.history
		all.changes = append(all.changes, res.changes...)
		all.added = append(all.added, res.added...)
		all.removed = append(all.removed, res.removed...)
	}
	all.history = h
	return all
}

// describeChanges renders changes as "kind table.column[>new]" lines.
func describeChanges(cs []cdc.SchemaChange) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, "; ")
}

// columns renders a schema as "name type [not null] [=default]" items and
// its key.
func columns(s *cdc.TableSchema) string {
	if s == nil {
		return "<nil>"
	}
	var parts []string
	for _, c := range s.Columns {
		p := c.Name + " " + c.Type.Raw
		if c.Type.Kind == cdc.KindJSON {
			p = c.Name + " JSON"
		}
		if !c.Nullable {
			p += " not null"
		}
		if c.Default != nil {
			if c.Default.Expression != "" {
				p += " =" + c.Default.Expression
			} else {
				p += fmt.Sprintf(" =%v", c.Default.Value)
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ") + " key(" + strings.Join(s.PrimaryKey, ",") + ")"
}

func TestDDLChanges(t *testing.T) {
	t1 := cdc.TableID{Database: "db", Table: "t"}
	for _, tc := range []struct {
		q       string
		changes string
		after   string // the schema of db.t after; "" when gone
	}{
		// ADD COLUMN, with positions, defaults and nullability.
		{"ALTER TABLE t ADD COLUMN c INT", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t ADD c BIGINT UNSIGNED NOT NULL DEFAULT 7 FIRST", "add.column db.t.c", "c bigint unsigned not null =7, id int not null, a int, b varchar(10) key(id)"},
		{"alter table `db`.`t` add column `c` decimal(10,2) default '1.50' after a", "add.column db.t.c", "id int not null, a int, c decimal(10,2) =1.5, b varchar(10) key(id)"},
		{"ALTER TABLE t ADD COLUMN (c INT, d VARCHAR(3) NULL DEFAULT NULL)", "add.column db.t.c; add.column db.t.d", "id int not null, a int, b varchar(10), c int, d varchar(3) =<nil> key(id)"},
		{"ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t ADD COLUMN c DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)", "add.column db.t.c", "id int not null, a int, b varchar(10), c datetime(3) not null =CURRENT_TIMESTAMP(3) key(id)"},
		{"/* ApplicationName=DBeaver 24.1.0 - SQLEditor <Script-3.sql> */ ALTER TABLE t ADD COLUMN c INT", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER ONLINE TABLE t ADD COLUMN c INT", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t WAIT 5 ADD COLUMN c INT", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t NOWAIT ADD COLUMN c INT", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t ADD COLUMN c INT, ALGORITHM = NOCOPY, LOCK=NONE", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t ADD COLUMN c INT INVISIBLE", "add.column db.t.c", "id int not null, a int, b varchar(10), c int key(id)"},
		{"ALTER TABLE t ADD COLUMN g POINT NOT NULL SRID 4326", "add.column db.t.g", "id int not null, a int, b varchar(10), g point not null key(id)"},
		{"ALTER TABLE t ADD COLUMN j JSON, ADD COLUMN e ENUM('x','it''s') DEFAULT 'x'", "add.column db.t.j; add.column db.t.e", "id int not null, a int, b varchar(10), j JSON, e enum('x','it''s') =x key(id)"},
		{"ALTER TABLE t ADD COLUMN n INT DEFAULT -3", "add.column db.t.n", "id int not null, a int, b varchar(10), n int =-3 key(id)"},
		{"ALTER TABLE t ADD COLUMN n INT DEFAULT (a + 1), ADD COLUMN m VARCHAR(40) DEFAULT (concat('it''s', ')')) NOT NULL", "add.column db.t.n; add.column db.t.m",
			"id int not null, a int, b varchar(10), n int =a + 1, m varchar(40) not null =CONCAT('it''s', ')') key(id)"},
		// DROP COLUMN.
		{"ALTER TABLE t DROP COLUMN a", "drop.column db.t.a", "id int not null, b varchar(10) key(id)"},
		{"ALTER TABLE t DROP a, DROP COLUMN b", "drop.column db.t.a; drop.column db.t.b", "id int not null key(id)"},
		{"ALTER TABLE t DROP COLUMN IF EXISTS zz", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t DROP COLUMN A", "drop.column db.t.a", "id int not null, b varchar(10) key(id)"},
		// MODIFY and CHANGE.
		{"ALTER TABLE t MODIFY a BIGINT NOT NULL", "alter.column.type db.t.a", "id int not null, a bigint not null, b varchar(10) key(id)"},
		{"ALTER TABLE t MODIFY COLUMN b VARCHAR(10) FIRST", "alter.column.type db.t.b", "b varchar(10), id int not null, a int key(id)"},
		{"ALTER TABLE t MODIFY COLUMN a INT AFTER b", "alter.column.type db.t.a", "id int not null, b varchar(10), a int key(id)"},
		{"ALTER TABLE t MODIFY COLUMN a INT", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t MODIFY COLUMN IF EXISTS zz INT", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t CHANGE a a2 INT", "rename.column db.t.a to a2", "id int not null, a2 int, b varchar(10) key(id)"},
		{"ALTER TABLE t CHANGE COLUMN a a2 BIGINT DEFAULT 0 FIRST", "rename.column db.t.a to a2; alter.column.type db.t.a2", "a2 bigint =0, id int not null, b varchar(10) key(id)"},
		{"ALTER TABLE t CHANGE COLUMN b b VARCHAR(20)", "alter.column.type db.t.b", "id int not null, a int, b varchar(20) key(id)"},
		{"ALTER TABLE t CHANGE id id2 INT NOT NULL", "rename.column db.t.id to id2", "id2 int not null, a int, b varchar(10) key(id2)"},
		{"ALTER TABLE t ALTER COLUMN a SET DEFAULT 5", "alter.column.type db.t.a", "id int not null, a int =5, b varchar(10) key(id)"},
		{"ALTER TABLE t ALTER COLUMN a SET INVISIBLE", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t ALTER COLUMN a SET VISIBLE, ADD SPATIAL INDEX sp (b)", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t ADD COLUMN g INT AS (a + 1) PERSISTENT", "add.column db.t.g", "id int not null, a int, b varchar(10), g int key(id)"},
		// RENAME COLUMN.
		{"ALTER TABLE t RENAME COLUMN a TO a2", "rename.column db.t.a to a2", "id int not null, a2 int, b varchar(10) key(id)"},
		{"ALTER TABLE t RENAME COLUMN a TO x, RENAME COLUMN b TO a", "rename.column db.t.a to x; rename.column db.t.b to a", "id int not null, x int, a varchar(10) key(id)"},
		// No column change.
		{"ALTER TABLE t ADD INDEX ia (a)", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t ENGINE=InnoDB", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE other ADD COLUMN z INT", "", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, a)", "", "id int not null, a int not null, b varchar(10) key(id,a)"},
		{"ALTER TABLE t CONVERT TO CHARACTER SET latin1", "alter.column.type db.t.b", "id int not null, a int, b varchar(10) key(id)"},
		// TRUNCATE.
		{"TRUNCATE t", "truncate.table db.t", "id int not null, a int, b varchar(10) key(id)"},
		{"TRUNCATE TABLE `db`.`t`", "truncate.table db.t", "id int not null, a int, b varchar(10) key(id)"},
		{"TRUNCATE TABLE other", "", "id int not null, a int, b varchar(10) key(id)"},
		// DROP TABLE.
		{"DROP TABLE `t` /* generated by server */", "drop.table db.t", ""},
		{"DROP TABLE IF EXISTS `db`.`nope`, `t` /* generated by server */", "drop.table db.t", ""},
		{"DROP TABLE other, t", "drop.table db.t", ""},
		{"DROP TEMPORARY TABLE IF EXISTS t", "", "id int not null, a int, b varchar(10) key(id)"},
		{"DROP DATABASE db", "drop.table db.t", ""},
		// RENAME TABLE and ALTER TABLE … RENAME.
		{"RENAME TABLE t TO t2", "rename.table db.t to db.t2", ""},
		{"RENAME TABLE x TO missing2, t TO t2, t2 TO t3", "rename.table db.t to db.t2; rename.table db.t2 to db.t3", ""},
		{"RENAME TABLE other TO o2", "create.table db.o2", "id int not null, a int, b varchar(10) key(id)"},
		{"ALTER TABLE t RENAME TO t2", "rename.table db.t to db.t2", ""},
		{"ALTER TABLE t ADD COLUMN c INT, RENAME TO t2", "add.column db.t.c; rename.table db.t to db.t2", ""},
		{"RENAME TABLE t TO tmp, other TO t", "rename.table db.t to db.tmp; create.table db.t", "x bigint not null key(x)"},
		// CREATE TABLE of a captured name.
		{"CREATE TABLE IF NOT EXISTS t (x INT)", "", "id int not null, a int, b varchar(10) key(id)"},
		{"CREATE OR REPLACE TABLE t (x INT PRIMARY KEY)", "drop.table db.t; create.table db.t", "x int not null key(x)"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			h, env := testHistory(t)
			res := applyAll(t, h, env, tc.q)
			if got := describeChanges(res.changes); got != tc.changes {
				t.Errorf("changes: %s\nwant     %s", got, tc.changes)
			}
			if got := res.history.schema(t1); (got == nil) != (tc.after == "") || got != nil && columns(got) != tc.after {
				t.Errorf("db.t after: %s\nwant        %s", columns(got), tc.after)
			}
			// Each change's Before is the previous one's After.
			before := h.schema(t1)
			for i, c := range res.changes {
				if c.Kind != cdc.ChangeCreateTable && c.Before != before && i > 0 {
					t.Errorf("change %d (%s): Before is not the previous change's After", i, c)
				}
				if c.Kind != cdc.ChangeDropTable && c.After == nil {
					t.Errorf("change %d (%s): no After", i, c)
				}
				before = c.After
			}
		})
	}
}

func TestDDLCreateTable(t *testing.T) {
	for _, tc := range []struct {
		q, table, after string
	}{
		{"CREATE TABLE n (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, s VARCHAR(20) CHARACTER SET latin1 NOT NULL DEFAULT 'x', d DATE DEFAULT '2024-02-29')",
			"n", "id bigint unsigned not null, s varchar(20) not null =x, d date =2024-02-29 00:00:00 +0000 UTC key(id)"},
		{"CREATE TABLE `db`.`n` (\n  `a` int(11) NOT NULL,\n  `b` varchar(10) DEFAULT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci",
			"n", "a int(11) not null, b varchar(10) =<nil> key(a)"},
		{"CREATE TABLE `n` (\n  `a` int NOT NULL,\n  `b` int DEFAULT NULL\n) START TRANSACTION", "n", "a int not null, b int =<nil> key()"},
		{"CREATE TABLE `n` (`j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`j`)))", "n", "j JSON =<nil> key()"},
		{"CREATE TABLE n LIKE t", "n", "id int not null, a int, b varchar(10) key(id)"},
		{"CREATE TABLE n LIKE other", "n", "x bigint not null key(x)"},
		{"CREATE TABLE IF NOT EXISTS n (a INT, b TEXT(100), c BLOB(70000), PRIMARY KEY (a))", "n", "a int not null, b text, c mediumblob key(a)"},
		{"CREATE TABLE n (a SERIAL, g GEOMETRY, p POINT SRID 0, y YEAR, v VECTOR(3), bt BIT(5), t TIME(6), x BOOL)",
			"n", "a bigint unsigned not null, g geometry, p point, y year, v vector(3), bt bit(5), t time(6), x tinyint(1) key()"},
		{"CREATE TABLE n (id INT, name VARCHAR(10), CONSTRAINT pk PRIMARY KEY (name, id))", "n", "id int not null, name varchar(10) not null key(name,id)"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			h, env := testHistory(t)
			res := applyAll(t, h, env, tc.q)
			id := cdc.TableID{Database: "db", Table: tc.table}
			if got := describeChanges(res.changes); got != "create.table "+id.String() {
				t.Errorf("changes: %s", got)
			}
			if got := columns(res.history.schema(id)); got != tc.after {
				t.Errorf("schema: %s\nwant    %s", got, tc.after)
			}
			if len(res.added) != 1 || res.added[0] != id {
				t.Errorf("added %v, want %v", res.added, id)
			}
		})
	}
}

func TestDDLCharsets(t *testing.T) {
	h, env := testHistory(t)
	res := applyAll(t, h, env, "CREATE TABLE n (a VARCHAR(5), b VARCHAR(5) CHARACTER SET latin1, c CHAR(2) COLLATE latin1_german1_ci, d BINARY(3)) DEFAULT CHARSET=cp1251")
	s := res.history.schema(cdc.TableID{Database: "db", Table: "n"})
	var got []string
	for _, c := range s.Columns {
		got = append(got, c.Type.Charset)
	}
	if strings.Join(got, ",") != "cp1251,latin1,latin1," {
		t.Errorf("charsets %q", got)
	}
	// A column added later takes the table's default character set; one
	// of a table without one takes the database's.
	res = applyAll(t, res.history, testEnvWith(env, "n"), "ALTER TABLE n ADD COLUMN e TEXT")
	if cs := res.changes[0].After.Columns[4].Type.Charset; cs != "cp1251" {
		t.Errorf("added column's charset %q", cs)
	}
	res = applyAll(t, h, env, "ALTER TABLE t ADD COLUMN e TEXT")
	if cs := res.changes[0].After.Columns[3].Type.Charset; cs != "utf8mb4" {
		t.Errorf("added column's charset %q", cs)
	}
}

func testEnvWith(env ddlEnv, table string) ddlEnv {
	captured := env.captured
	env.captured = func(id cdc.TableID) bool { return captured(id) || id == cdc.TableID{Database: "db", Table: table} }
	return env
}

// gh-ost and pt-online-schema-change: a shadow table created LIKE the
// original, altered, then swapped in by a RENAME; the table takes the
// shadow's schema as column changes, and the shadow's own statements
// change nothing captured.
func TestDDLOnlineSchemaChangeSwap(t *testing.T) {
	for _, tool := range []struct {
		name, shadow, old string
		steps             []string
	}{
		{"gh-ost atomic", "_t_gho", "_t_del", []string{
			"CREATE TABLE `db`.`_t_ghc` (id bigint auto_increment, last_update timestamp not null, hint varchar(64), value varchar(4096), primary key(id))",
			"CREATE TABLE `db`.`_t_gho` LIKE `db`.`t`",
			"ALTER TABLE `db`.`_t_gho` ADD COLUMN c INT NOT NULL DEFAULT 0, DROP COLUMN b, MODIFY a BIGINT",
			"CREATE TABLE `db`.`_t_del` (id int auto_increment primary key) engine=InnoDB comment='ghost-cut-over-sentry'",
			"DROP TABLE IF EXISTS `db`.`_t_del` /* generated by server */",
			"RENAME TABLE `db`.`t` TO `db`.`_t_del`, `db`.`_t_gho` TO `db`.`t`",
			"DROP TABLE IF EXISTS `_t_ghc` /* generated by server */",
			"DROP TABLE IF EXISTS `_t_del` /* generated by server */",
		}},
		{"gh-ost two-step", "_t_gho", "_t_del", []string{
			"CREATE TABLE `db`.`_t_gho` LIKE `db`.`t`",
			"ALTER TABLE `db`.`_t_gho` ADD COLUMN c INT NOT NULL DEFAULT 0, DROP COLUMN b, MODIFY a BIGINT",
			"ALTER TABLE `db`.`t` RENAME `db`.`_t_del`",
			"ALTER TABLE `db`.`_t_gho` RENAME `db`.`t`",
			"DROP TABLE IF EXISTS `_t_del` /* generated by server */",
		}},
		{"pt-online-schema-change", "_t_new", "_t_old", []string{
			"CREATE TABLE `db`.`_t_new` (\n  `id` int NOT NULL,\n  `a` int DEFAULT NULL,\n  `b` varchar(10) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
			"ALTER TABLE `db`.`_t_new` ADD COLUMN c INT NOT NULL DEFAULT 0, DROP COLUMN b, MODIFY a BIGINT",
			"RENAME TABLE `db`.`t` TO `db`.`_t_old`, `db`.`_t_new` TO `db`.`t`",
			"DROP TABLE IF EXISTS `db`.`_t_old` /* generated by server */",
		}},
	} {
		t.Run(tool.name, func(t *testing.T) {
			h, env := testHistory(t)
			captured := map[cdc.TableID]bool{{Database: "db", Table: "t"}: true}
			env.captured = func(id cdc.TableID) bool { return captured[id] }
			var all []cdc.SchemaChange
			for _, q := range tool.steps {
				res := applyAll(t, h, env, q)
				h = res.history
				for _, id := range res.removed {
					delete(captured, id)
				}
				for _, id := range res.added {
					captured[id] = true
				}
				all = append(all, res.changes...)
			}
			if got, want := describeChanges(all), "drop.column db.t.b; alter.column.type db.t.a; add.column db.t.c"; got != want {
				t.Errorf("changes: %s\nwant     %s", got, want)
			}
			tid := cdc.TableID{Database: "db", Table: "t"}
			if got, want := columns(h.schema(tid)), "id int not null, a bigint, c int not null =0 key(id)"; got != want {
				t.Errorf("db.t: %s\nwant  %s", got, want)
			}
			if !captured[tid] || len(captured) != 1 {
				t.Errorf("captured %v", captured)
			}
			if len(h.tables) != 1 {
				t.Errorf("history follows %v", h.tables)
			}
			if last := all[len(all)-1]; columns(last.After) != columns(h.schema(tid)) || last.After.Table != tid {
				t.Errorf("the last change's After %s", columns(last.After))
			}
		})
	}
}

// A swap undone (gh-ost's cut-over rolled back: the old table renamed
// back before the shadow came in) changes nothing and keeps the table
// captured.
func TestDDLSwapUndone(t *testing.T) {
	h, env := testHistory(t)
	captured := map[cdc.TableID]bool{{Database: "db", Table: "t"}: true}
	env.captured = func(id cdc.TableID) bool { return captured[id] }
	tid := cdc.TableID{Database: "db", Table: "t"}
	before := columns(h.schema(tid))
	var all []cdc.SchemaChange
	for _, q := range []string{"CREATE TABLE _t_gho LIKE t", "ALTER TABLE t RENAME _t_del", "ALTER TABLE _t_del RENAME t", "DROP TABLE _t_gho"} {
		res := applyAll(t, h, env, q)
		h = res.history
		for _, id := range res.removed {
			delete(captured, id)
		}
		for _, id := range res.added {
			captured[id] = true
		}
		all = append(all, res.changes...)
	}
	if len(all) != 0 || !captured[tid] || columns(h.schema(tid)) != before || len(h.tables) != 1 {
		t.Fatalf("changes %s, captured %v, schema %s, history %v", describeChanges(all), captured, columns(h.schema(tid)), h.tables)
	}
}

func TestDDLNotTableDDL(t *testing.T) {
	for _, q := range []string{
		"CREATE DATABASE x", "GRANT SELECT ON *.* TO u", "CREATE VIEW v AS SELECT 1", "CREATE USER 'u'@'%' IDENTIFIED BY 'p'",
		"ANALYZE TABLE t", "FLUSH TABLES", "CREATE INDEX i ON t (a)", "DROP VIEW IF EXISTS v", "ALTER DATABASE db CHARACTER SET utf8mb4",
		"CREATE TABLE other2 (a INT)", "CREATE TEMPORARY TABLE t (a INT)",
	} {
		h, env := testHistory(t)
		env.matches = func(cdc.TableID) bool { return false }
		stmts, err := parseDDL(q)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		for _, st := range stmts {
			res, err := h.apply(st, env)
			if err != nil || len(res.changes) != 0 || res.history != h {
				t.Errorf("%q: %v %v", q, describeChanges(res.changes), err)
			}
		}
	}
}

func TestDDLUnparsable(t *testing.T) {
	for _, q := range []string{
		"ALTER TABLE t ADD COLUMN u UUID",
		"CREATE TABLE t8 (a int) WITH SYSTEM VERSIONING",
		"ALTER TABLE t ADD COLUMN c INT BANANA",
	} {
		if _, err := parseDDL(q); !errors.Is(err, errDDLSyntax) {
			t.Errorf("%q: %v, want a syntax error", q, err)
		}
	}
}

func TestDDLApplyErrors(t *testing.T) {
	for _, q := range []string{
		"ALTER TABLE t ADD COLUMN a INT",
		"ALTER TABLE t DROP COLUMN zz",
		"ALTER TABLE t MODIFY zz INT",
		"ALTER TABLE t ADD COLUMN c INT AFTER zz",
		"ALTER TABLE t RENAME COLUMN zz TO y",
	} {
		h, env := testHistory(t)
		stmts, err := parseDDL(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.apply(stmts[0], env); err == nil || !strings.Contains(err.Error(), "db.t") {
			t.Errorf("%q: %v, want an error naming the table", q, err)
		}
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	h, env := testHistory(t)
	res := applyAll(t, h, env, "ALTER TABLE t ADD COLUMN c DECIMAL(6,2) NOT NULL DEFAULT '2.50', ADD COLUMN d DATETIME(3) DEFAULT '2024-01-02 03:04:05.678', "+
		"ADD COLUMN e TIME DEFAULT '-01:02:03', ADD COLUMN f DOUBLE DEFAULT 1.5, ADD COLUMN g TIMESTAMP DEFAULT CURRENT_TIMESTAMP, ADD COLUMN j JSON, ADD COLUMN s VARCHAR(3) CHARACTER SET latin1 DEFAULT 'é'")
	h = res.history
	got, err := decodeHistory(encodeHistory(h))
	if err != nil {
		t.Fatal(err)
	}
	id := cdc.TableID{Database: "db", Table: "t"}
	if a, b := columns(h.schema(id)), columns(got.schema(id)); a != b {
		t.Fatalf("round trip:\n%s\n%s", a, b)
	}
	for i, c := range h.schema(id).Columns {
		g := got.schema(id).Columns[i]
		if !sameColumn(c, g) || c.Type.Raw != g.Type.Raw {
			t.Errorf("column %s: %+v, want %+v", c.Name, g, c)
		}
	}
	if v := got.schema(id).Columns[3].Default.Value; !v.(decimal.Decimal).Equal(decimal.RequireFromString("2.5")) {
		t.Errorf("decimal default %v", v)
	}
}

// FuzzDDL parses any text as a binlog statement and applies what parses
// to a history: neither may panic, and a change's After never has two
// columns of one name.
func FuzzDDL(f *testing.F) {
	for _, q := range []string{
		"ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 5 AFTER a",
		"ALTER ONLINE TABLE t WAIT 3 CHANGE a b BIGINT FIRST, DROP COLUMN IF EXISTS zz",
		"CREATE OR REPLACE TABLE t (g POINT SRID 4326, x INT INVISIBLE) DEFAULT CHARSET=koi8r",
		"CREATE TABLE `n` (`a` int NOT NULL) START TRANSACTION",
		"RENAME TABLE t TO _t_del, _t_gho TO t",
		"DROP TABLE IF EXISTS `t`, `other` /* generated by server */",
		"TRUNCATE t", "CREATE TABLE n LIKE t", "ALTER TABLE t RENAME COLUMN a TO b, RENAME TO u",
		"/* ApplicationName=x */ ALTER TABLE t CONVERT TO CHARACTER SET latin1",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		stmts, err := parseDDL(q)
		if err != nil {
			return
		}
		h, env := testHistory(t)
		for _, st := range stmts {
			res, err := h.apply(st, env)
			if err != nil {
				continue
			}
			for _, c := range res.changes {
				if c.After == nil {
					continue
				}
				seen := map[string]bool{}
				for _, col := range c.After.Columns {
					if seen[strings.ToLower(col.Name)] {
						t.Fatalf("%q: %s has column %s twice", q, c, col.Name)
					}
					seen[strings.ToLower(col.Name)] = true
				}
			}
			h = res.history
		}
	})
}

// BenchmarkDDL parses an ALTER TABLE and applies it to a history holding
// a 50-column table: the work the binlog reader does per DDL statement.
func BenchmarkDDL(b *testing.B) {
	cols := make([]string, 50)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d VARCHAR(20) NOT NULL DEFAULT 'x'", i)
	}
	h := newSchemaHistory(nil)
	env := testEnv(nil)
	stmts, err := parseDDL("CREATE TABLE db.t (id BIGINT PRIMARY KEY, " + strings.Join(cols, ", ") + ")")
	if err != nil {
		b.Fatal(err)
	}
	res, err := h.apply(stmts[0], env)
	if err != nil {
		b.Fatal(err)
	}
	h = res.history
	env = testEnv(map[cdc.TableID]bool{{Database: "db", Table: "t"}: true})
	const q = "/* app */ ALTER TABLE `db`.`t` ADD COLUMN n DECIMAL(12,2) NOT NULL DEFAULT '0.00' AFTER c10, MODIFY c20 VARCHAR(40)"
	b.ReportAllocs()
	for b.Loop() {
		stmts, err := parseDDL(q)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.apply(stmts[0], env); err != nil {
			b.Fatal(err)
		}
	}
}
