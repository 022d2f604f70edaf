package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestXAStatement(t *testing.T) {
	for _, c := range []struct {
		q, verb, xid string
		onePhase     bool
	}{
		{"XA START X'72746477',X'',1", "START", "X'72746477',X'',1", false},
		{"XA END X'72746477',X'',1", "END", "X'72746477',X'',1", false},
		{"XA COMMIT X'72746477',X'',1", "COMMIT", "X'72746477',X'',1", false},
		{"XA COMMIT X'72746477',X'',1 ONE PHASE", "COMMIT", "X'72746477',X'',1", true},
		{"xa rollback 'rb'", "ROLLBACK", "'rb'", false},
		{"XA PREPARE 'x','y',3", "PREPARE", "'x','y',3", false},
		{"XA START 'x' JOIN", "START", "'x'", false},
		{"XA RECOVER", "RECOVER", "", false},
	} {
		verb, xid, onePhase := xaStatement(c.q)
		if verb != c.verb || xid != c.xid || onePhase != c.onePhase {
			t.Errorf("xaStatement(%q) = %q, %q, %v; want %q, %q, %v", c.q, verb, xid, onePhase, c.verb, c.xid, c.onePhase)
		}
	}
}

// A statement's XID and a prepare event's XID meet under one key, however
// the statement spelled it.
func TestXIDKeys(t *testing.T) {
	// XA_PREPARE_LOG_EVENT data for gtrid "p1", bqual "b", format 7.
	data := []byte{0, 7, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 'p', '1', 'b'}
	prepared, ok := preparedXID(data)
	if !ok {
		t.Fatal("the prepare event's XID does not decode")
	}
	for _, s := range []string{"X'7031',X'62',7", "'p1','b',7", "x'7031' , 'b' , 7"} {
		if got, ok := parseXID(s); !ok || got != prepared {
			t.Errorf("parseXID(%q) = %q, %v; want %q", s, got, ok, prepared)
		}
	}
	// Defaults: empty bqual, format 1.
	a, _ := parseXID("'p1'")
	b, _ := parseXID("X'7031',X'',1")
	if a != b {
		t.Errorf("'p1' gives %q, X'7031',X'',1 gives %q", a, b)
	}
	for _, bad := range []string{"p1", "X'zz'", "'p1',X''", "'p1','',one"} {
		if _, ok := parseXID(bad); ok && bad != "'p1',X''" {
			t.Errorf("parseXID(%q) accepted", bad)
		}
	}
	if _, ok := preparedXID(data[:14]); ok {
		t.Error("a truncated prepare event decoded")
	}
}

func TestInverseUndoesEachChange(t *testing.T) {
	schema := &cdc.TableSchema{Columns: []cdc.Column{{Name: "id"}, {Name: "v"}}}
	at := cdc.Source{File: "binlog.000003", Pos: 900, Row: 0}
	for _, c := range []struct {
		e    cdc.Event
		want cdc.Event
	}{
		{cdc.Event{Op: cdc.OpCreate, Schema: schema, After: cdc.Row{int64(1), int64(2)}},
			cdc.Event{Op: cdc.OpDelete, Schema: schema, Before: cdc.Row{int64(1), int64(2)}, Source: at}},
		{cdc.Event{Op: cdc.OpUpdate, Schema: schema, Before: cdc.Row{int64(1), int64(2)}, After: cdc.Row{int64(1), int64(3)}},
			cdc.Event{Op: cdc.OpUpdate, Schema: schema, Before: cdc.Row{int64(1), int64(3)}, After: cdc.Row{int64(1), int64(2)}, Source: at}},
		{cdc.Event{Op: cdc.OpDelete, Schema: schema, Before: cdc.Row{int64(1), int64(2)}},
			cdc.Event{Op: cdc.OpCreate, Schema: schema, After: cdc.Row{int64(1), int64(2)}, Source: at}},
	} {
		got := inverse(c.e, at)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("inverse(%v) = %v, want %v", c.e, got, c.want)
		}
	}
}

// An XA transaction's rows are delivered at XA PREPARE; XA ROLLBACK
// delivers their inverses, XA COMMIT nothing more. Replaying the stream
// gives the table, also when the source stops while the transaction is
// prepared and resumes from its checkpoint after the rollback.
func TestStreamXATransactions(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
			"INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "offset.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			return slices.ContainsFunc(ev, func(e cdc.Event) bool { return e.Source.Snapshot == cdc.SnapshotLast })
		})
		xid := func(name string) string { return fmt.Sprintf("'%s_%s'", name, db.Database) }
		prepare := func(name string, stmts ...string) {
			t.Helper()
			conn, err := db.DB.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// MariaDB keeps a prepared XA transaction on its session until
			// the session ends: close the connection, not just return it.
			defer func() {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				conn.Close()
			}()
			all := append([]string{"XA START " + xid(name)}, stmts...)
			all = append(all, "XA END "+xid(name), "XA PREPARE "+xid(name))
			for _, q := range all {
				if _, err := conn.ExecContext(context.Background(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		t.Cleanup(func() {
			for _, n := range []string{"rb", "ok", "restart"} {
				_, _ = endXA(db.DB, "XA ROLLBACK "+xid(n), xid(n))
			}
		})
		// Rolled back: an insert, an update and a delete undone.
		prepare("rb", "INSERT INTO t VALUES (100, 100, 'xa')", "UPDATE t SET v = 10, s = 'xa' WHERE id = 1", "DELETE FROM t WHERE id = 2")
		mustEndXA(t, db.DB, "XA ROLLBACK "+xid("rb"), xid("rb"))
		// Committed in two phases, and in one.
		prepare("ok", "INSERT INTO t VALUES (200, 200, 'xa')", "UPDATE t SET v = 30 WHERE id = 3")
		mustEndXA(t, db.DB, "XA COMMIT "+xid("ok"), xid("ok"))
		db.Exec(t, "XA START "+xid("one"), "INSERT INTO t VALUES (300, 300, 'one')", "XA END "+xid("one"), "XA COMMIT "+xid("one")+" ONE PHASE")
		// Prepared while the source runs, rolled back while it is stopped.
		prepare("restart", "INSERT INTO t VALUES (400, 400, 'xa')", "UPDATE t SET v = 11 WHERE id = 1")
		db.Exec(t, "INSERT INTO t VALUES (500, 500, 'after')")
		h.waitFor(t, "the row after the prepared transaction", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowID(ev[len(ev)-1]) == 500
		})
		if err := r.stop(t); err != nil && err != context.Canceled {
			t.Fatal(err)
		}
		mustEndXA(t, db.DB, "XA ROLLBACK "+xid("restart"), xid("restart"))
		db.Exec(t, "INSERT INTO t VALUES (999999, 0, 'end')")
		r = start(t, cfg, h)
		h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
		})
		r.stop(t)
		if bad, first := replayDiff(t, h.snapshot(), db.DB, "t"); bad > 0 {
			t.Fatalf("%d rows differ from the table after XA transactions:\n%s", bad, strings.Join(first, "\n"))
		}
	})
}

// An XA transaction prepared before the snapshot began has its rows in the
// binlog before every chunk's window, invisible to the chunks' SELECTs
// until XA COMMIT, which carries no rows. The snapshot waits for it to end.
func TestSnapshotWaitsForXAPreparedBeforeIt(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
			"INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b')")
		xid := fmt.Sprintf("'before_%s'", db.Database)
		conn, err := db.DB.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"XA START " + xid, "INSERT INTO t VALUES (100, 100, 'xa')",
			"UPDATE t SET v = 10, s = 'xa' WHERE id = 1", "XA END " + xid, "XA PREPARE " + xid} {
			if _, err := conn.ExecContext(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		t.Cleanup(func() { _, _ = endXA(db.DB, "XA ROLLBACK "+xid, xid) })

		var logs syncBuffer
		cfg := testConfig(db, "t")
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		h := &collector{}
		r := start(t, cfg, h)
		time.Sleep(time.Second)
		if n := len(h.snapshot()); n > 0 {
			t.Fatalf("the snapshot delivered %d rows while an XA transaction prepared before it was pending", n)
		}
		mustEndXA(t, db.DB, "XA COMMIT "+xid, xid)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			return slices.ContainsFunc(ev, func(e cdc.Event) bool { return e.Source.Snapshot == cdc.SnapshotLast })
		})
		db.Exec(t, "INSERT INTO t VALUES (999999, 0, 'end')")
		h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
		})
		r.stop(t)
		if !strings.Contains(logs.String(), "waits for XA transactions prepared before it") {
			t.Errorf("the wait was not logged:\n%s", logs.String())
		}
		if bad, first := replayDiff(t, h.snapshot(), db.DB, "t"); bad > 0 {
			t.Fatalf("%d rows differ from the table:\n%s", bad, strings.Join(first, "\n"))
		}
	})
}

// endXA is [testenv.EndXA].
func endXA(db *sql.DB, stmt, xid string) (bool, error) {
	return testenv.EndXA(context.Background(), db, stmt, xid)
}

// mustEndXA is endXA for a transaction the test prepared.
func mustEndXA(t *testing.T, db *sql.DB, stmt, xid string) {
	t.Helper()
	ok, err := endXA(db, stmt, xid)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("%s: XA transaction %s is not prepared", stmt, xid)
	}
}
