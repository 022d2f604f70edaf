package mysql

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// Tagged GTIDs (MySQL 8.4+, SET gtid_next = 'AUTOMATIC:<tag>') are written
// as Gtid_tagged_log_event, which go-mysql decodes as
// *replication.GtidTaggedLogEvent, not *replication.GTIDEvent. A snapshot
// window whose transactions are all tagged must still wait for its last
// one to commit before its high watermark serves as a low one. With 300ms
// commits and every writer tagged, a window that records no GTID is
// settled at once, the next chunk's SELECT misses the transactions still
// committing, and its backfill starts after them: rows are lost.
func TestSnapshotExactWatermarksTaggedGTIDs(t *testing.T) {
	// sync_binlog=0: dump threads read a group as soon as it is written,
	// 300ms before the engine commits it (with sync_binlog=1 they see it
	// only after the delay, and the race is microseconds wide).
	srv := startThrowawayMySQL(t, append(slices.Clone(mysqlFullRowBinlog), "--binlog-group-commit-sync-delay=300000", "--sync-binlog=0")...)
	// The untagged run is the control: the same race with GTIDs the
	// watermarks see.
	for i, next := range []string{"AUTOMATIC", "AUTOMATIC:rtdw_review"} {
		t.Run(next, func(t *testing.T) {
			bad, first, writes := snapshotUnderSlowCommits(t, srv, fmt.Sprintf("tagged_%d", i), 300+10*i, next)
			var executed string
			if err := srv.DB.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&executed); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(next, ":") != strings.Contains(executed, "rtdw_review") {
				t.Fatalf("gtid_next %s, yet gtid_executed is %q", next, executed)
			}
			if bad > 0 {
				t.Fatalf("%d rows differ after %d concurrent writes with gtid_next %s:\n%s", bad, writes, next, strings.Join(first, "\n"))
			}
			if writes < 40 {
				t.Fatalf("only %d concurrent writes: the test did not exercise the watermarks", writes)
			}
			t.Logf("%d writes with gtid_next %s and 300ms commits, every row consistent", writes, next)
		})
	}
}

// firingHandler is a slog handler that runs fire once, synchronously,
// when a record's message contains at.
type firingHandler struct {
	slog.Handler
	at   string
	once *sync.Once
	fire func()
}

func (f firingHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, f.at) {
		f.once.Do(f.fire)
	}
	return f.Handler.Handle(ctx, r)
}

func (f firingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return firingHandler{f.Handler.WithAttrs(as), f.at, f.once, f.fire}
}

func (f firingHandler) WithGroup(g string) slog.Handler {
	return firingHandler{f.Handler.WithGroup(g), f.at, f.once, f.fire}
}

// After a server move a redelivered chunk's DeliveredFrom has only a GTID
// set, and its window is skipped ("done") when the high watermark's GTID
// set, the server's Executed_Gtid_Set, holds nothing the stored set lacks.
// Executed_Gtid_Set lags the binlog position: a transaction in the binlog
// before high but still committing is neither in it nor visible to the
// chunk's SELECT, so the chunk misses it, and streaming, which starts at
// high, never reads it. The control subtest resumes on the same server,
// whose DeliveredFrom keeps its file position.
func TestSnapshotRedeliveryAfterServerMoveMissesCommittingTransaction(t *testing.T) {
	srv := startThrowawayMySQL(t, append(slices.Clone(mysqlFullRowBinlog), "--binlog-group-commit-sync-delay=300000", "--sync-binlog=0")...)
	for i, moved := range []bool{false, true} {
		t.Run(map[bool]string{false: "same_server", true: "moved"}[moved], func(t *testing.T) {
			dbName := fmt.Sprintf("moved_%d", i)
			srv.exec("CREATE DATABASE "+dbName,
				"CREATE TABLE "+dbName+".t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))",
				"INSERT INTO "+dbName+".t VALUES (1, 1, 'a'), (2, 2, 'b')")
			cfg := srv.config(dbName, "t")
			cfg.OffsetStore = cdc.NewMemoryOffsetStore()
			// The first run hands the chunk over and fails: the chunk has a
			// DeliveredFrom and is not done.
			r := start(t, cfg, &collector{failAt: 1})
			select {
			case err := <-r.done:
				r.done <- err
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not stop at the failing handler")
			}
			st, err := loadState(t, cfg.OffsetStore)
			if err != nil || st == nil || st.Snapshot == nil || st.Snapshot.Tables[0].Chunks[0].DeliveredFrom.GTIDSet == "" {
				t.Fatalf("stored state %+v, %v: want a chunk delivered with a GTID set", st, err)
			}
			if moved {
				st.Server = &binlogServer{ID: "server_uuid 3e11fa47-71ca-11e1-9e33-c80aa9429562", LastFile: 1}
				saveState(t, cfg.OffsetStore, cfg.Name, st)
			}
			// Right after the second run's chunk has its low watermark,
			// before its SELECT, a write reaches the binlog and takes 300ms
			// to commit.
			var committed sync.WaitGroup
			committed.Add(1)
			fire := func() {
				go func() {
					defer committed.Done()
					if _, err := srv.DB.Exec("UPDATE " + dbName + ".t SET v = 100, s = 'late' WHERE id = 1"); err != nil {
						t.Error(err)
					}
				}()
				time.Sleep(50 * time.Millisecond)
			}
			cfg.Logger = slog.New(firingHandler{Handler: slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}),
				at: "mysql source: chunk low watermark", once: &sync.Once{}, fire: fire})
			h := &collector{}
			r = start(t, cfg, h)
			h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
				return slices.ContainsFunc(ev, func(e cdc.Event) bool { return e.Source.Snapshot == cdc.SnapshotLast })
			})
			waited := make(chan struct{})
			go func() { committed.Wait(); close(waited) }()
			select {
			case <-waited:
			case <-time.After(30 * time.Second):
				t.Fatal("the write after the first watermark never ran: the log line that fires it was not written")
			}
			srv.exec("INSERT INTO " + dbName + ".t VALUES (999999, 0, 'end')")
			h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
				return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
			})
			r.stop(t)
			if bad, first := replayDiff(t, h.snapshot(), srv.DB, dbName+".t"); bad > 0 {
				t.Fatalf("%d rows differ after the chunk was delivered again:\n%s", bad, strings.Join(first, "\n"))
			}
		})
	}
}

// hookCollector runs fn once, without waiting for it, at the first events.
type hookCollector struct {
	*collector
	once sync.Once
	fn   func()
}

func (h *hookCollector) HandleEvents(ctx context.Context, events []cdc.Event) error {
	h.once.Do(func() { go h.fn() })
	return h.collector.HandleEvents(ctx, events)
}

// MariaDB: a chunk whose consistent snapshot began before a table rebuild
// fails its SELECT with error 1412 (table definition changed) and is read
// again; the snapshot still ends with every row as the table holds it. The
// rebuild is made to land between a chunk's START TRANSACTION WITH
// CONSISTENT SNAPSHOT and its SELECT by holding LOCK TABLES ... WRITE
// while the chunk reader starts its transaction.
func TestSnapshotMariaDBTableRebuiltDuringChunk(t *testing.T) {
	srv := startThrowawayMariaDB(t, fullRowBinlog...)
	srv.exec("CREATE DATABASE rebuilt", "CREATE TABLE rebuilt.t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))")
	const n = 3000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "(%d, %d, 's%d')", i, i, i)
	}
	srv.exec("INSERT INTO rebuilt.t VALUES " + b.String())
	var logs syncBuffer
	cfg := srv.config("rebuilt", "t")
	cfg.SplitSize = 100
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	rebuilt := make(chan error, 1)
	h := &hookCollector{collector: &collector{}, fn: func() {
		rebuilt <- func() error {
			conn, err := srv.DB.Conn(context.Background())
			if err != nil {
				return err
			}
			defer conn.Close()
			for _, q := range []string{"LOCK TABLES rebuilt.t WRITE", "DO SLEEP(0.5)",
				"UPDATE rebuilt.t SET v = -v, s = 'locked' WHERE id % 7 = 0", "ALTER TABLE rebuilt.t FORCE", "UNLOCK TABLES"} {
				if _, err := conn.ExecContext(context.Background(), q); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
			return nil
		}()
	}}
	r := start(t, cfg, h)
	h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
		return slices.ContainsFunc(ev, func(e cdc.Event) bool { return e.Source.Snapshot == cdc.SnapshotLast })
	})
	if err := <-rebuilt; err != nil {
		t.Fatal(err)
	}
	srv.exec("INSERT INTO rebuilt.t VALUES (999999, 0, 'end')")
	h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
		return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
	})
	r.stop(t)
	if bad, first := replayDiff(t, h.snapshot(), srv.DB, "rebuilt.t"); bad > 0 {
		t.Fatalf("%d rows differ after a rebuild during the snapshot:\n%s", bad, strings.Join(first, "\n"))
	}
	if !strings.Contains(logs.String(), "reading the chunk again") {
		t.Fatalf("no chunk was read again: the rebuild did not land inside a chunk's transaction:\n%s", logs.String())
	}
}
