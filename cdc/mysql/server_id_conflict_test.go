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

// Two sources with the same ServerID against one server. MariaDB keeps one
// binlog connection per server id and drops the older one (error 4052):
// that source must stop at once with ErrServerIDConflict, naming the id
// and the fix, instead of reconnecting, which would drop the other source's
// connection in turn, for as long as both run. MySQL tells go-mysql's
// connections apart by the random replica UUID each sends, so there both
// sources stream.
func TestServerIDConflict(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		id := fmt.Sprint(10000 + nextServerID())
		first := testConfig(db, "t")
		first.ServerID = id
		first.MaxReconnectDuration = time.Minute // a conflict must not wait for it
		h1 := &collector{}
		r1 := start(t, first, h1)
		h1.waitFor(t, "the first source's snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		waitPhase(t, r1.src, PhaseBinlog)

		second := testConfig(db, "t")
		second.ServerID = id
		h2 := &collector{}
		r2 := start(t, second, h2)
		h2.waitFor(t, "the second source's snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		waitPhase(t, r2.src, PhaseBinlog)

		if db.Flavor == testenv.MySQL {
			db.Exec(t, "INSERT INTO t VALUES (2)")
			r1.waitFor(t, h1, "the insert, on the first source", func(ev []cdc.Event) bool { return len(ev) == 2 })
			r2.waitFor(t, h2, "the insert, on the second source", func(ev []cdc.Event) bool { return len(ev) == 2 })
			return
		}
		var err error
		select {
		case err = <-r1.done:
			r1.done <- err // for stop
		case <-time.After(20 * time.Second):
			t.Fatalf("the source whose binlog connection another with server id %s took over still runs after 20s (reconnects: %d)",
				id, r1.src.Progress().Reconnects)
		}
		if !errors.Is(err, ErrServerIDConflict) {
			t.Fatalf("want ErrServerIDConflict, got %v", err)
		}
		t.Logf("the first source stopped: %v", err)
		for _, want := range []string{"server id " + id, "ServerID", "no replica of the server and no other source uses"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		// The other source goes on.
		db.Exec(t, "INSERT INTO t VALUES (2)")
		r2.waitFor(t, h2, "the insert, on the source that stayed", func(ev []cdc.Event) bool { return len(ev) == 2 })
		if err := r2.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}
