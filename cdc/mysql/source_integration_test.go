package mysql

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func TestSourceInitialSnapshotThenBinlog(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t_user (id INT PRIMARY KEY, name VARCHAR(20), score DECIMAL(10,2))")
		for i := 1; i <= 50; i++ {
			db.Exec(t, fmt.Sprintf("INSERT INTO t_user VALUES (%d, 'u%d', %d.5)", i, i, i))
		}
		cfg := testConfig(db, "t_user")
		cfg.SplitSize = 7
		cfg.ServerID = idRange(3)
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "50 snapshot rows", func(ev []cdc.Event) bool { return countOps(ev, cdc.OpRead) == 50 })
		db.Exec(t, "INSERT INTO t_user VALUES (100, 'new', 1)",
			"UPDATE t_user SET name = 'changed' WHERE id = 1",
			"DELETE FROM t_user WHERE id = 2")
		ev := h.waitFor(t, "c, u, d", func(ev []cdc.Event) bool { return len(ev) == 53 })
		snap := ev[:50]
		seen := map[int64]bool{}
		for i, e := range snap {
			if !e.Source.IsSnapshot() || e.Source.File == "" {
				t.Fatalf("snapshot event %d: source %+v", i, e.Source)
			}
			seen[rowID(e)] = true
		}
		if len(seen) != 50 {
			t.Fatalf("snapshot has %d distinct ids, want 50", len(seen))
		}
		if snap[0].Source.Snapshot != cdc.SnapshotFirst || snap[49].Source.Snapshot != cdc.SnapshotLast {
			t.Errorf("markers: first %q last %q", snap[0].Source.Snapshot, snap[49].Source.Snapshot)
		}
		c, u, d := ev[50], ev[51], ev[52]
		if c.Op != cdc.OpCreate || rowID(c) != 100 || u.Op != cdc.OpUpdate || rowID(u) != 1 || d.Op != cdc.OpDelete || rowID(d) != 2 {
			t.Fatalf("binlog events: %s", describe(ev[50:]))
		}
		if name, _ := u.Schema.Value(u.After, "name"); name != "changed" {
			t.Errorf("update after name = %v", name)
		}
		if name, _ := u.Schema.Value(u.Before, "name"); name != "u1" {
			t.Errorf("update before name = %v", name)
		}
		for _, e := range ev[50:] {
			if e.Source.IsSnapshot() || e.Source.File == "" || e.Source.Pos == 0 || e.Source.ServerID == 0 || e.Source.TsMs == 0 {
				t.Errorf("binlog source block incomplete: %+v", e.Source)
			}
			if e.Source.GTID == "" {
				t.Errorf("binlog event without GTID: %+v", e.Source)
			}
		}
		if err := r.stop(t); err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	})
}

func TestSourceResumeLosesAndRepeatsNothing(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 2)")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "offset.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 2 })
		db.Exec(t, "INSERT INTO t VALUES (3, 3)")
		h.waitFor(t, "insert 3", func(ev []cdc.Event) bool { return len(ev) == 3 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		// Changes while stopped.
		db.Exec(t, "INSERT INTO t VALUES (4, 4)", "UPDATE t SET v = 10 WHERE id = 1", "DELETE FROM t WHERE id = 3")
		h2 := &collector{}
		r2 := start(t, cfg, h2)
		ev := h2.waitFor(t, "3 changes made while stopped", func(ev []cdc.Event) bool { return len(ev) >= 3 })
		db.Exec(t, "INSERT INTO t VALUES (5, 5)")
		ev = h2.waitFor(t, "insert 5", func(ev []cdc.Event) bool { return len(ev) >= 4 })
		time.Sleep(200 * time.Millisecond)
		ev = h2.snapshot()
		got := []string{}
		for _, e := range ev {
			got = append(got, fmt.Sprintf("%s%d", e.Op, rowID(e)))
		}
		if strings.Join(got, " ") != "c4 u1 d3 c5" {
			t.Fatalf("second run delivered %v, want [c4 u1 d3 c5]", got)
		}
		if err := r2.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSourceStartupModes covers the startup options that start from a
// known position; Earliest and Timestamp read the server's history, and
// TestSourceStartupFromHistory runs them on throwaway servers.
func TestSourceStartupModes(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1)")
		probe := &runner{cfg: &resolvedConfig{}, src: &Source{obs: newObserver(Config{})}}
		probe.db = db.DB
		ctx := context.Background()
		if err := probe.detectServer(ctx); err != nil {
			t.Fatal(err)
		}
		before, err := probe.binlogStatus(ctx, sqlStrings{db.DB})
		if err != nil {
			t.Fatal(err)
		}
		db.Exec(t, "INSERT INTO t VALUES (2, 2)")
		ids := func(ev []cdc.Event) string {
			var s []string
			for _, e := range ev {
				s = append(s, fmt.Sprintf("%s%d", e.Op, rowID(e)))
			}
			return strings.Join(s, " ")
		}
		check := func(name string, opt StartupOptions, afterStart string, want string) {
			t.Run(name, func(t *testing.T) {
				cfg := testConfig(db, "t")
				cfg.StartupOptions = opt
				h := &collector{}
				r := start(t, cfg, h)
				// Latest starts where the binlog is when Run has checked
				// the server: write only once it streams.
				waitPhase(t, r.src, PhaseBinlog)
				if afterStart != "" {
					db.Exec(t, afterStart)
				}
				n := len(strings.Fields(want))
				h.waitFor(t, want, func(ev []cdc.Event) bool { return len(ev) >= n })
				time.Sleep(300 * time.Millisecond)
				if got := ids(h.snapshot()); got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
				r.stop(t)
			})
		}
		check("specific-offset", SpecificOffset(before.File, before.Pos), "", "c2")
		check("specific-gtid", SpecificGTID(before.GTIDSet), "", "c2")
		check("latest", Latest(), "INSERT INTO t VALUES (3, 3)", "c3")
		t.Run("snapshot-only", func(t *testing.T) {
			cfg := testConfig(db, "t")
			cfg.StartupOptions = SnapshotOnly()
			src, err := NewSourceFromConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			h := &collector{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := src.Run(ctx, h); err != nil {
				t.Fatal(err)
			}
			if got := ids(h.snapshot()); got != "r1 r2 r3" {
				t.Fatalf("snapshot-only got %q", got)
			}
		})
	})
}

func TestSourcePreflightErrors(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE nopk (a INT, b INT)")
		cfg := testConfig(db, "missing_table")
		err := runUntilError(t, cfg)
		if !errors.Is(err, ErrUnknownTable) {
			t.Errorf("unknown table: %v", err)
		}
		cfg = testConfig(db)
		cfg.DatabaseList = []string{"rtdw_no_such_db_x"}
		if err := runUntilError(t, cfg); !errors.Is(err, ErrUnknownDatabase) {
			t.Errorf("unknown database: %v", err)
		}
		cfg = testConfig(db, "nopk")
		err = runUntilError(t, cfg)
		if !errors.Is(err, ErrNoChunkKey) || !strings.Contains(err.Error(), "ChunkKeyColumn") {
			t.Errorf("no primary key: %v", err)
		}
		cfg = testConfig(db, "nopk")
		cfg.Password = "wrong-password-xyz"
		err = runUntilError(t, cfg)
		if strings.Contains(err.Error(), "wrong-password-xyz") {
			t.Errorf("password in error: %v", err)
		}
		// A chunk key column makes the table usable.
		db.Exec(t, "INSERT INTO nopk VALUES (1, 1), (1, 1), (2, 2)")
		cfg = testConfig(db, "nopk")
		cfg.ChunkKeyColumn = map[string]string{db.Database + ".nopk": "a"}
		cfg.StartupOptions = SnapshotOnly()
		src, err := NewSourceFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := &collector{}
		if err := src.Run(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		if n := len(h.snapshot()); n != 3 {
			t.Fatalf("no-pk snapshot: %d rows, want 3", n)
		}
	})
}
