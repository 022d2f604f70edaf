package mysql

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func gtidSet(t *testing.T, s string) gomysql.GTIDSet {
	t.Helper()
	set, err := gomysql.ParseMysqlGTIDSet(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A position is a low watermark only once the GTID of its last transaction
// is in gtid_executed; the newest such position wins, and positions at or
// before it are dropped.
func TestWatermarkHistorySettle(t *testing.T) {
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	h := &watermarkHistory{mode: watermarkGTID}
	at := func(pos uint64) Offset { return Offset{File: "binlog.000002", Pos: pos} }
	h.addAnchor(at(100), gtidSet(t, u+":5"))
	h.addAnchor(at(300), gtidSet(t, u+":9"))
	h.addAnchor(at(200), gtidSet(t, u+":7"))

	if got := h.settle(gtidSet(t, u+":1-4")); !got.IsZero() {
		t.Fatalf("settled %s with transaction 5 still committing", got)
	}
	if got := h.settle(gtidSet(t, u+":1-7")); got != at(200) {
		t.Fatalf("settled %s, want %s (its last transaction, 7, has committed; 9 has not)", got, at(200))
	}
	if len(h.pending) != 1 || h.pending[0].off != at(300) {
		t.Fatalf("pending %v, want only the position at 300", h.pending)
	}
	// An anchor at or before the settled position adds nothing; one with no
	// transaction to wait for (nil) is settled at once.
	h.addAnchor(at(150), gtidSet(t, u+":6"))
	if len(h.pending) != 1 {
		t.Fatalf("an anchor before the settled position was kept: %v", h.pending)
	}
	h.addAnchor(at(250), nil)
	if got := h.settle(gtidSet(t, u+":1-8")); got != at(250) {
		t.Fatalf("settled %s, want %s", got, at(250))
	}
	if got := h.settle(gtidSet(t, u+":1-9")); got != at(300) {
		t.Fatalf("settled %s, want %s", got, at(300))
	}
	// A gap in gtid_executed (transaction 12 of another server) does not
	// settle a position that needs it.
	h.addAnchor(at(400), gtidSet(t, "4e11fa47-71ca-11e1-9e33-c80aa9429562:12"))
	if got := h.settle(gtidSet(t, u+":1-20,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-11")); got != at(300) {
		t.Fatalf("settled %s, want still %s", got, at(300))
	}
	// Other modes record nothing.
	m := &watermarkHistory{mode: watermarkSnapshot}
	m.addAnchor(at(10), nil)
	if !m.settled.IsZero() || len(m.pending) > 0 {
		t.Fatal("a snapshot-mode history recorded an anchor")
	}
}

// Each server gets an exact low watermark: gtid_executed on MySQL (whose
// test server runs with GTIDs), the consistent snapshot's position on
// MariaDB.
func TestSnapshotWatermarkMethod(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
			"INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')")
		var logs syncBuffer
		cfg := testConfig(db, "t")
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			return len(ev) > 0 && ev[len(ev)-1].Source.Snapshot == cdc.SnapshotLast
		})
		r.stop(t)
		want := `method="exact (gtid_executed)"`
		if db.Flavor == testenv.MariaDB {
			want = `method="exact (consistent snapshot)"`
		}
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("the log does not say %s:\n%s", want, logs.String())
		}
	})
}

// syncBuffer is a bytes.Buffer for a logger that goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With binlog_group_commit_sync_delay at 300ms, every transaction sits in
// the binlog for 300ms before the engine commits it: a position read 100ms
// before a chunk's SELECT (the old time margin) includes transactions the
// SELECT does not see, and the margin subtest shows that loses changes.
// The gtid_executed watermarks lose none.
func TestSnapshotExactWatermarksUnderSlowCommits(t *testing.T) {
	// sync_binlog=0: dump threads read a group as soon as it is written,
	// 300ms before the engine commits it.
	srv := startThrowawayMySQL(t, append(slices.Clone(mysqlFullRowBinlog), "--binlog-group-commit-sync-delay=300000", "--sync-binlog=0")...)
	t.Run("idle", func(t *testing.T) {
		// Nothing written or committing since the snapshot's first
		// position: gtid_owned is empty, and the first watermark needs no
		// binlog read.
		srv.exec("CREATE DATABASE idle", "CREATE TABLE idle.t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
			"INSERT INTO idle.t VALUES (1, 1, 'a'), (2, 2, 'b')")
		var logs syncBuffer
		cfg := srv.config("idle", "t")
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			return len(ev) == 2 && ev[1].Source.Snapshot == cdc.SnapshotLast
		})
		r.stop(t)
		if strings.Contains(logs.String(), "read_from=") {
			t.Fatalf("the first watermark was read from the binlog on an idle server:\n%s", logs.String())
		}
		if bad, first := replayDiff(t, h.snapshot(), srv.DB, "idle.t"); bad > 0 {
			t.Fatalf("%d rows differ:\n%s", bad, strings.Join(first, "\n"))
		}
	})
	t.Run("owned", func(t *testing.T) {
		// A session that set gtid_next owns its GTID until it commits: the
		// first watermark cannot wait for it, and is read from the binlog
		// after firstAnchorPatience.
		srv.exec("CREATE DATABASE owned", "CREATE TABLE owned.t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
			"INSERT INTO owned.t VALUES (1, 1, 'a'), (2, 2, 'b')")
		conn, err := srv.DB.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(context.Background(), "SET gtid_next = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:1'"); err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		cfg := srv.config("owned", "t")
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		h := &collector{}
		began := time.Now()
		r := start(t, cfg, h)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			return len(ev) == 2 && ev[1].Source.Snapshot == cdc.SnapshotLast
		})
		took := time.Since(began)
		r.stop(t)
		if !strings.Contains(logs.String(), "read_from=") {
			t.Fatalf("the first watermark was not read from the binlog while a GTID stayed owned:\n%s", logs.String())
		}
		if took < firstAnchorPatience {
			t.Fatalf("the snapshot took %s, less than the %s it waits for owned GTIDs", took, firstAnchorPatience)
		}
		// The GTID is used by an empty transaction, and the connection
		// goes back to the pool as it came.
		for _, q := range []string{"BEGIN", "COMMIT", "SET gtid_next = 'AUTOMATIC'"} {
			if _, err := conn.ExecContext(context.Background(), q); err != nil {
				t.Fatal(q, err)
			}
		}
		if bad, first := replayDiff(t, h.snapshot(), srv.DB, "owned.t"); bad > 0 {
			t.Fatalf("%d rows differ:\n%s", bad, strings.Join(first, "\n"))
		}
	})
	for _, mode := range []watermarkMode{watermarkGTID, watermarkMargin} {
		t.Run(mode.String(), func(t *testing.T) {
			if mode == watermarkMargin {
				watermarkModeOverride.Store(srv.port, watermarkMargin)
				defer watermarkModeOverride.Delete(srv.port)
			}
			bad, first, writes := snapshotUnderSlowCommits(t, srv, fmt.Sprintf("slowcommit_%d", mode), 200+10*int(mode), "AUTOMATIC")
			if mode == watermarkMargin {
				// Shows that the setting makes positions run ahead of what a
				// SELECT sees: without that, the test above proves nothing.
				if bad == 0 {
					t.Fatalf("the time margin lost nothing after %d writes with 300ms commits: the test does not reach the race", writes)
				}
				t.Logf("the time margin lost %d rows after %d writes, as expected; first: %s", bad, writes, first[0])
				return
			}
			if bad > 0 {
				t.Fatalf("%d rows differ after %d concurrent writes:\n%s", bad, writes, strings.Join(first, "\n"))
			}
			// The margin subtest loses rows with about 50 writes.
			if writes < 40 {
				t.Fatalf("only %d concurrent writes: the test did not exercise the watermarks", writes)
			}
			t.Logf("%d writes with 300ms commits, every row consistent", writes)
		})
	}
}

// snapshotUnderSlowCommits fills table t of a new database dbName on srv
// with 3000 rows, snapshots it (in chunks of 100, two readers with server
// IDs from idBase) while 24 sessions with gtid_next set to next update
// random rows, streams until the writes end, and compares the replayed
// events with the table: it returns how many rows differ, the first
// differences and how many updates committed.
func snapshotUnderSlowCommits(t *testing.T, srv *throwawayServer, dbName string, idBase int, next string) (int, []string, int64) {
	t.Helper()
	srv.exec("CREATE DATABASE "+dbName,
		"CREATE TABLE "+dbName+".t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))")
	const n = 3000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "(%d, %d, 's%d')", i, i, i)
	}
	srv.exec("INSERT INTO " + dbName + ".t VALUES " + b.String())

	// Enough writers that some transaction is always committing.
	ctx, stopWriters := context.WithCancel(context.Background())
	defer stopWriters()
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range 24 {
		conn, err := srv.DB.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "SET gtid_next = '"+next+"'"); err != nil {
			t.Fatalf("SET gtid_next = '%s': %v", next, err)
		}
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			// The session's gtid_next goes with it.
			defer func() {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				conn.Close()
			}()
			rng := rand.New(rand.NewPCG(seed, 11))
			for ctx.Err() == nil {
				id := rng.IntN(n) + 1
				q := fmt.Sprintf("UPDATE %s.t SET v = v + %d, s = 'upd' WHERE id = %d", dbName, rng.IntN(1000)+1, id)
				if _, err := conn.ExecContext(context.Background(), q); err == nil {
					writes.Add(1)
				}
			}
		}(uint64(w))
	}
	time.Sleep(400 * time.Millisecond)

	cfg := srv.config(dbName, "t")
	cfg.SplitSize = 100
	cfg.ServerID = fmt.Sprintf("%d-%d", idBase, idBase+3)
	cfg.SnapshotParallelism = 2
	h := &collector{}
	r := start(t, cfg, h)
	h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
		return slices.ContainsFunc(ev, func(e cdc.Event) bool { return e.Source.Snapshot == cdc.SnapshotLast })
	})
	stopWriters()
	wg.Wait()
	srv.exec("INSERT INTO " + dbName + ".t VALUES (999999, 0, 'end')")
	h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
		return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
	})
	r.stop(t)
	bad, first := replayDiff(t, h.snapshot(), srv.DB, dbName+".t")
	return bad, first, writes.Load()
}
