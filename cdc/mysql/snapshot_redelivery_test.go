package mysql

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// A chunk an earlier run delivered and did not finish is delivered again
// with a tombstone for every image of its rows that a change since
// replaced, ordered before the rows: a sink may hold the image the first
// delivery wrote, and a filter downstream that drops the row's image now
// (its status moved to one the filter excludes) must not leave that image
// visible, as the crash test of cdc/pipeline found.
func TestSnapshotRedeliveryTombstonesReplacedImages(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(8))", "INSERT INTO t VALUES (1, 'ok'), (2, 'ok')")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		// The first run's handler refuses the chunk's rows: the chunk was
		// handed over (a sink may have written them) but is not done.
		h := &collector{failAt: 1}
		r := start(t, cfg, h)
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
		db.Exec(t, "UPDATE t SET s = 'void' WHERE id = 1")
		h2 := &collector{}
		r = start(t, cfg, h2)
		ev := r.waitFor(t, h2, "the chunk again", func(ev []cdc.Event) bool {
			for _, e := range ev {
				if e.Op == cdc.OpRead && e.After[0] == int64(1) {
					return true
				}
			}
			return false
		})
		var tomb, read *cdc.Event
		for i, e := range ev {
			switch {
			case e.Op == cdc.OpDelete && rowText(e) == "d t[1 ok]":
				tomb = &ev[i]
			case e.Op == cdc.OpRead && e.After[0] == int64(1):
				read = &ev[i]
			}
		}
		if tomb == nil {
			t.Fatalf("no tombstone of the image the first run delivered (1 ok) among %s", describe(ev))
		}
		if read.After[1] != "void" {
			t.Fatalf("read %s, want the row at the chunk's high watermark", rowText(*read))
		}
		if (Offset{File: tomb.Source.File, Pos: tomb.Source.Pos}).Compare(Offset{File: read.Source.File, Pos: read.Source.Pos}) >= 0 {
			t.Fatalf("tombstone at %s:%d does not order before the read at %s:%d", tomb.Source.File, tomb.Source.Pos, read.Source.File, read.Source.Pos)
		}
	})
}
