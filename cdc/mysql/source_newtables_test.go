package mysql

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// opsOf describes events as table:op+id, such as "t_new:r1".
func opsOf(ev []cdc.Event) string {
	var s []string
	for _, e := range ev {
		s = append(s, fmt.Sprintf("%s:%s%d", e.Table.Table, e.Op, rowID(e)))
	}
	return strings.Join(s, " ")
}

// settled waits for n events, then a little longer so that anything
// delivered twice or too much shows, and returns them.
func settled(t *testing.T, h *collector, what string, n int) string {
	t.Helper()
	h.waitFor(t, what, func(ev []cdc.Event) bool { return len(ev) >= n })
	time.Sleep(700 * time.Millisecond)
	return opsOf(h.snapshot())
}

// TestScanNewlyAddedTables: a source captures the tables matching t_.*, is
// stopped, and t_new is created and filled meanwhile. Restarted from its
// stored offset with ScanNewlyAddedTables, it snapshots t_new and streams
// its later changes, with none of its rows twice; without, t_new is not
// snapshotted, and its rows arrive only as the binlog replays the inserts
// made after the stored offset (as Flink CDC does for tables created after
// its binlog offset).
func TestScanNewlyAddedTables(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		for _, scan := range []bool{true, false} {
			t.Run(fmt.Sprintf("scan=%v", scan), func(t *testing.T) {
				// Each case has its own tables; the pattern keeps the other's out.
				p := map[bool]string{true: "t_", false: "u_"}[scan]
				user, added := p+"user", p+"new"
				db.Exec(t, "CREATE TABLE "+user+" (id INT PRIMARY KEY, v INT)", "INSERT INTO "+user+" VALUES (1, 1), (2, 2)")
				cfg := testConfig(db)
				cfg.TableList = []string{db.Database + `\.` + p + `.*`}
				cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "offset.json"))
				h := &collector{}
				r := start(t, cfg, h)
				if got := settled(t, h, "snapshot", 2); got != user+":r1 "+user+":r2" {
					t.Fatalf("first run: %s", got)
				}
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}

				db.Exec(t, "CREATE TABLE "+added+" (id INT PRIMARY KEY, v INT)",
					"INSERT INTO "+added+" VALUES (1, 1), (2, 2), (3, 3)")
				cfg.ScanNewlyAddedTables = scan
				h = &collector{}
				r = start(t, cfg, h)
				var want string
				if scan {
					// The snapshot of t_new, then nothing of it from the binlog
					// before the snapshot's high watermark.
					want = added + ":r1 " + added + ":r2 " + added + ":r3"
				} else {
					want = added + ":c1 " + added + ":c2 " + added + ":c3"
				}
				if got := settled(t, h, added+"'s rows", 3); got != want {
					t.Fatalf("second run, before any change: %s, want %s", got, want)
				}
				db.Exec(t, "INSERT INTO "+added+" VALUES (4, 4)", "UPDATE "+added+" SET v = 10 WHERE id = 1",
					"INSERT INTO "+user+" VALUES (3, 3)")
				want += " " + added + ":c4 " + added + ":u1 " + user + ":c3"
				if got := settled(t, h, "changes", 6); got != want {
					t.Fatalf("second run: %s, want %s", got, want)
				}
				if p := r.src.Progress(); scan && p.SnapshotRows != 3 || !scan && p.SnapshotRows != 0 {
					t.Errorf("second run's progress: %d snapshot rows", p.SnapshotRows)
				}
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
				cp, err := loadState(t, cfg.OffsetStore)
				if err != nil || !slices.Contains(cp.Tables, cdc.TableID{Database: db.Database, Table: added}) {
					t.Fatalf("checkpoint's tables %v, %v: want %s among them", cp.Tables, err, added)
				}

				// A third run takes no snapshot again and streams both tables.
				db.Exec(t, "DELETE FROM "+added+" WHERE id = 2", "UPDATE "+user+" SET v = 7 WHERE id = 2")
				h = &collector{}
				r = start(t, cfg, h)
				if got := settled(t, h, "changes of the third run", 2); got != added+":d2 "+user+":u2" {
					t.Fatalf("third run: %s", got)
				}
				r.stop(t)
			})
		}
	})
}

// TestScanNewlyAddedTablesFilterWidened: a table that existed before the
// stored offset and becomes captured because TableList grew on restart is
// snapshotted with ScanNewlyAddedTables and streamed after; without it, it
// is ignored, its later changes included.
func TestScanNewlyAddedTablesFilterWidened(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		for _, scan := range []bool{true, false} {
			t.Run(fmt.Sprintf("scan=%v", scan), func(t *testing.T) {
				p := map[bool]string{true: "a_", false: "b_"}[scan]
				user, old := p+"user", p+"old"
				db.Exec(t, "CREATE TABLE "+user+" (id INT PRIMARY KEY, v INT)", "INSERT INTO "+user+" VALUES (1, 1)",
					"CREATE TABLE "+old+" (id INT PRIMARY KEY, v INT)", "INSERT INTO "+old+" VALUES (1, 1), (2, 2)")
				cfg := testConfig(db, user)
				cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "offset.json"))
				h := &collector{}
				r := start(t, cfg, h)
				if got := settled(t, h, "snapshot", 1); got != user+":r1" {
					t.Fatalf("first run: %s", got)
				}
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}

				db.Exec(t, "INSERT INTO "+old+" VALUES (3, 3)") // while stopped
				cfg.TableList = []string{db.Database + `\.` + user, db.Database + `\.` + old}
				cfg.ScanNewlyAddedTables = scan
				h = &collector{}
				r = start(t, cfg, h)
				// The update must follow the snapshot of old, or the
				// snapshot holds it already.
				waitPhase(t, r.src, PhaseBinlog)
				db.Exec(t, "UPDATE "+old+" SET v = 10 WHERE id = 1", "INSERT INTO "+user+" VALUES (2, 2)")
				want := user + ":c2"
				if scan {
					want = old + ":r1 " + old + ":r2 " + old + ":r3 " + old + ":u1 " + want
				}
				if got := settled(t, h, "the second run's events", len(strings.Fields(want))); got != want {
					t.Fatalf("second run: %s, want %s", got, want)
				}
				r.stop(t)
			})
		}
	})
}
