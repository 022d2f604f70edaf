package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// Rows changed while the snapshot reads them: replaying every delivered
// event (r, c, u as upserts, d as deletes) must give exactly the table.
func TestSnapshotConsistentWithConcurrentWrites(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))")
		var b strings.Builder
		const n = 4000
		for i := 1; i <= n; i++ {
			if b.Len() > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "(%d, %d, 's%d')", i, i, i)
			if i%1000 == 0 {
				db.Exec(t, "INSERT INTO t VALUES "+b.String())
				b.Reset()
			}
		}
		ctx, stopWriters := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var writes atomic.Int64
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 7))
				for ctx.Err() == nil {
					id := rng.IntN(n+500) + 1
					var q string
					switch rng.IntN(3) {
					case 0:
						q = fmt.Sprintf("INSERT INTO t VALUES (%d, %d, 'ins') ON DUPLICATE KEY UPDATE v = v + 1", id, id)
					case 1:
						q = fmt.Sprintf("UPDATE t SET v = v + 7, s = 'upd' WHERE id = %d", id)
					default:
						q = fmt.Sprintf("DELETE FROM t WHERE id = %d", id)
					}
					if _, err := db.DB.Exec(q); err == nil {
						writes.Add(1)
					}
				}
			}(uint64(w))
		}
		time.Sleep(100 * time.Millisecond)

		cfg := testConfig(db, "t")
		cfg.SplitSize = 150
		cfg.ServerID = idRange(3)
		cfg.SnapshotParallelism = 3
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "the snapshot", func(ev []cdc.Event) bool {
			for _, e := range ev {
				if e.Source.Snapshot == cdc.SnapshotLast {
					return true
				}
			}
			return false
		})
		time.Sleep(200 * time.Millisecond)
		stopWriters()
		wg.Wait()
		db.Exec(t, "INSERT INTO t VALUES (999999, 0, 'end')")
		h.waitFor(t, "the end marker", func(ev []cdc.Event) bool {
			return len(ev) > 0 && rowID(ev[len(ev)-1]) == 999999
		})
		r.stop(t)

		if bad, first := replayDiff(t, h.snapshot(), db.DB, "t"); bad > 0 {
			t.Fatalf("%d rows differ after %d concurrent writes:\n%s", bad, writes.Load(), strings.Join(first, "\n"))
		}
		if writes.Load() < 100 {
			t.Fatalf("only %d concurrent writes: the test did not exercise the watermarks", writes.Load())
		}
		t.Logf("rows consistent after %d concurrent writes", writes.Load())
	})
}

// replayDiff replays events (r, c, u as upserts, d as deletes) and compares
// the result with table (id, v, s) of db: it returns how many rows differ
// and a description of the first ten.
func replayDiff(t *testing.T, events []cdc.Event, db *sql.DB, table string) (int, []string) {
	t.Helper()
	state := map[int64]string{}
	for _, e := range events {
		switch e.Op {
		case cdc.OpRead, cdc.OpCreate, cdc.OpUpdate:
			if e.Op == cdc.OpUpdate {
				delete(state, rowID(cdc.Event{Schema: e.Schema, After: e.Before}))
			}
			state[rowID(e)] = fmt.Sprint(e.After)
		case cdc.OpDelete:
			delete(state, rowID(e))
		}
	}
	rows, err := db.Query("SELECT id, v, s FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[int64]string{}
	for rows.Next() {
		var id, v int64
		var s string
		if err := rows.Scan(&id, &v, &s); err != nil {
			t.Fatal(err)
		}
		want[id] = fmt.Sprint(cdc.Row{id, v, s})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	bad := 0
	var first []string
	for id, w := range want {
		if state[id] != w {
			if bad++; bad <= 10 {
				first = append(first, fmt.Sprintf("id %d: replayed %q, table %q", id, state[id], w))
			}
		}
	}
	for id := range state {
		if _, ok := want[id]; !ok {
			if bad++; bad <= 10 {
				first = append(first, fmt.Sprintf("id %d: replayed %q, not in the table", id, state[id]))
			}
		}
	}
	return bad, first
}

func TestSchemaChangeEventsAndDeserializer(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)")
		cfg := testConfig(db, "t")
		cfg.IncludeSchemaChanges = true
		cfg.Deserializer = opNameEncoder{}
		h := &collector{}
		r := start(t, cfg, h)
		// The ALTER must come after the position streaming starts from,
		// and after the schema the source loads when it starts.
		waitPhase(t, r.src, PhaseBinlog)
		db.Exec(t, "ALTER TABLE t ADD COLUMN b VARCHAR(10)", "INSERT INTO t VALUES (1, 2, 'x')")
		ev := h.waitFor(t, "DDL and insert", func(ev []cdc.Event) bool { return len(ev) >= 2 })
		ddl, ins := ev[0], ev[1]
		if ddl.Op != cdc.OpSchemaChange || !strings.Contains(ddl.DDL, "ADD COLUMN b") || ddl.Schema == nil || len(ddl.Schema.Columns) != 3 {
			t.Fatalf("DDL event: %+v", ddl)
		}
		if ins.Op != cdc.OpCreate || len(ins.After) != 3 || ins.After[2] != "x" {
			t.Fatalf("insert after DDL: %+v", ins)
		}
		if string(ins.Encoded) != "c:"+db.Database+".t" || string(ddl.Encoded) != "ddl:"+db.Database+".t" {
			t.Fatalf("Encoded = %q, %q", ins.Encoded, ddl.Encoded)
		}
		if err := r.src.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.src.Close(); err != nil {
			t.Fatal("second Close:", err)
		}
		if err := r.src.Run(context.Background(), h); err != ErrSourceClosed {
			t.Fatalf("Run after Close: %v", err)
		}
	})
}

type opNameEncoder struct{}

func (opNameEncoder) AppendEvent(dst []byte, e *cdc.Event) ([]byte, error) {
	return append(dst, string(e.Op)+":"+e.Table.String()...), nil
}
