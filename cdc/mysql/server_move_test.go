package mysql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The checkpoint names the server it was written against: @@server_uuid on
// MySQL, @@server_id and @@gtid_domain_id on MariaDB.
func TestCheckpointNamesItsServer(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		_, st, events := stoppedAtCheckpoint(t, db)
		if st.Server == nil {
			t.Fatalf("stored state %+v names no server", st)
		}
		if want := serverIdentity(t, db); st.Server.ID != want {
			t.Errorf("checkpoint names %q, want %q", st.Server.ID, want)
		}
		// Until a move, a file's sequence number is its own number.
		if ev := events[0]; ev.Source.BinlogSeq == 0 || fmt.Sprintf(".%06d", ev.Source.BinlogSeq) != ev.Source.File[strings.LastIndexByte(ev.Source.File, '.'):] {
			t.Errorf("snapshot row of %s has BinlogSeq %d, want the file's own number", ev.Source.File, ev.Source.BinlogSeq)
		}
	})
}

// serverIdentity reads what identifies db's server, as the checkpoint
// names it.
func serverIdentity(t *testing.T, db *testenv.Source) string {
	t.Helper()
	if db.Flavor == testenv.MariaDB {
		var id, domain int
		if err := db.DB.QueryRow("SELECT @@server_id, @@gtid_domain_id").Scan(&id, &domain); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("server_id %d, gtid_domain_id %d", id, domain)
	}
	var uuid string
	if err := db.DB.QueryRow("SELECT @@server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	return "server_uuid " + uuid
}

// stoppedAtCheckpoint runs a source on table t of db until it streams and
// stops it, returning its configuration, stored state and the events it
// delivered.
func stoppedAtCheckpoint(t *testing.T, db *testenv.Source) (Config, *checkpointState, []cdc.Event) {
	t.Helper()
	cfg := testConfig(db, "t")
	cfg.OffsetStore = cdc.NewMemoryOffsetStore()
	h := &collector{}
	r := start(t, cfg, h)
	h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
	waitPhase(t, r.src, PhaseBinlog)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	st, err := loadState(t, cfg.OffsetStore)
	if err != nil || st == nil || st.Offset.File == "" {
		t.Fatalf("stored state %+v, %v", st, err)
	}
	return cfg, st, h.snapshot()
}

// otherServer names a server that is not db's, as a checkpoint written
// against another server of the topology would.
func otherServer(db *testenv.Source) string {
	if db.Flavor == testenv.MariaDB {
		return "server_id 4242, gtid_domain_id 0"
	}
	return "server_uuid 3e11fa47-71ca-11e1-9e33-c80aa9429562"
}

// A checkpoint written against another server whose position has no GTID
// set cannot be resumed: its file and position mean nothing here. Run
// refuses it with ErrServerChanged, naming both servers and the fix,
// instead of reading this server's binlog from the old server's position.
func TestServerMoveWithoutGTIDSetIsRefused(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		cfg, st, _ := stoppedAtCheckpoint(t, db)
		old := otherServer(db)
		st.Server = &binlogServer{ID: old, LastFile: 3}
		st.Offset.GTIDSet = ""
		saveState(t, cfg.OffsetStore, cfg.Name, st)

		err := runUntilStartError(t, cfg)
		if !errors.Is(err, ErrServerChanged) {
			t.Fatalf("want ErrServerChanged, got %v", err)
		}
		for _, want := range []string{st.Offset.String(), old, serverIdentity(t, db), "needs a GTID set", "enable GTIDs"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if after, _ := loadState(t, cfg.OffsetStore); after == nil || after.Server == nil || after.Server.ID != old {
			t.Errorf("the refused checkpoint was replaced: %+v", after)
		}
	})
}

// A checkpoint written against another server resumes from its GTID set,
// never from its file and position (which here name a file this server
// never had); the changes after it arrive once, their BinlogSeq continues
// after the last file read on the old server, and the next checkpoint
// names this server and remembers the old one.
func TestServerMoveResumesFromGTIDSet(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		cfg, st, _ := stoppedAtCheckpoint(t, db)
		old := otherServer(db)
		const oldLastFile = 40
		st.Server = &binlogServer{ID: old, LastFile: oldLastFile}
		st.Offset.File, st.Offset.Pos = "elsewhere-bin.000040", 123456 // the old server's position
		saveState(t, cfg.OffsetStore, cfg.Name, st)
		db.Exec(t, "INSERT INTO t VALUES (2)", "UPDATE t SET id = 3 WHERE id = 1")

		h := &collector{}
		r := start(t, cfg, h)
		ev := r.waitFor(t, h, "the changes after the moved checkpoint", func(ev []cdc.Event) bool { return len(ev) >= 2 })
		time.Sleep(300 * time.Millisecond) // anything repeated would come now
		ev = h.snapshot()
		var got []string
		for _, e := range ev {
			got = append(got, fmt.Sprintf("%s%d", e.Op, rowID(e)))
		}
		if strings.Join(got, " ") != "c2 u3" {
			t.Fatalf("events after the move: %v, want c2 u3%s", got, describe(ev))
		}
		files := binaryLogs(t, db)
		oldest, _ := binlogFileNumber(files[0])
		for _, e := range ev {
			n, _ := binlogFileNumber(e.Source.File)
			if want := oldLastFile + 1 + n - oldest; e.Source.BinlogSeq != want {
				t.Errorf("%s at %s:%d has BinlogSeq %d, want %d (after file %d of the old server, counting from this server's oldest file %s)",
					e.Op, e.Source.File, e.Source.Pos, e.Source.BinlogSeq, want, oldLastFile, files[0])
			}
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		after, err := loadState(t, cfg.OffsetStore)
		if err != nil || after.Server == nil {
			t.Fatalf("stored state %+v, %v", after, err)
		}
		if after.Server.ID != serverIdentity(t, db) || strings.Join(after.Server.Previous, ",") != old {
			t.Errorf("checkpoint names server %q after %v, want %q after [%s]", after.Server.ID, after.Server.Previous, serverIdentity(t, db), old)
		}
		if after.Offset.File == "" || strings.HasPrefix(after.Offset.File, "elsewhere") || after.Offset.GTIDSet == "" {
			t.Errorf("checkpoint offset %s: want this server's file and a GTID set", after.Offset)
		}
	})
}

// binaryLogs lists db's server's binlog files, oldest first.
func binaryLogs(t *testing.T, db *testenv.Source) []string {
	t.Helper()
	return listBinlogs(t, db.DB)
}
