package clickhouse

import (
	"errors"
	"fmt"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

var errInterrupted = errors.New("the process died here")

// TestSchemaChangeInterruptedAmongStatements stops each kind's schema
// change at every point of its application, as a crash would: before its
// state is stored, before each of its statements, and after the last one
// but before the state that says it is done. A new sink then replays from
// the checkpoint (and another from the very beginning), as the restarted
// source does: ClickHouse must end with exactly the rows MySQL holds, the
// rows before the change fenced off rather than written into the table as
// it was (a rename.column copy would copy their re-added old column over
// every row; a rename.table would find both names).
func TestSchemaChangeInterruptedAmongStatements(t *testing.T) {
	t.Parallel()
	for _, kind := range cdc.SchemaChangeKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			for point := -1; ; point++ {
				interrupted, skipped := false, false
				t.Run(fmt.Sprintf("at_%d", point), func(t *testing.T) {
					defer func() { skipped = t.Skipped() }()
					interrupted = interruptChange(t, kind, point)
				})
				if skipped {
					t.Skip("no ClickHouse server: the interruption points were skipped")
				}
				if !interrupted || t.Failed() {
					if point < 1 {
						t.Fatalf("the change of kind %s was never interrupted after its pending state", kind)
					}
					break
				}
			}
		})
	}
}

// interruptChange runs kind's history up to its change, stops the change
// at point (see [Sink.changeHook]) and replays; it reports whether the
// change reached point.
func interruptChange(t *testing.T, kind cdc.SchemaChangeKind, point int) bool {
	ch := testenv.NewClickHouse(t)
	c := testClient(t, ch.Addr)
	evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	s, checkpoint, change := crashHistory(kind)
	ctx := ctxT(t)

	dying := newTestSink(t, c, ch.Database, evolve)
	runScript(t, dying, s.all[:change])
	reached := false
	dying.changeHook = func(step int) error {
		if step == point {
			reached = true
			return errInterrupted
		}
		return nil
	}
	err := dying.HandleEvents(ctx, s.all[change:change+1])
	if !reached {
		if err != nil {
			t.Fatalf("the change without interruption: %v", err)
		}
		return false
	}
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("the interrupted change returned %v, want the interruption", err)
	}
	for _, from := range []int{checkpoint, 0} {
		sink := newTestSink(t, c, ch.Database, evolve)
		runScript(t, sink, s.all[from:])
		got, err := c.ReadTable(ctx, s.h.cur, TableOptions{Database: ch.Database})
		if err != nil {
			t.Fatal(err)
		}
		equalRows(t, s.h.cur, got, s.want())
		if kind == cdc.ChangeRenameTable {
			if rows := visible(t, c, ch.Database, "orders"); rows != nil {
				t.Errorf("replayed from event %d: the old name is back: %q", from, rows)
			}
		}
	}
	return true
}
