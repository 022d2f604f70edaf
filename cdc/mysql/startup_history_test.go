package mysql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// searchFirstFile picks the newest file opened before the target's second
// (a file opened in that second may follow transactions of it) and asks
// about O(log n) files, never reading one twice.
func TestSearchFirstFile(t *testing.T) {
	// Files opened 10 s apart, and files opened three to a second.
	for _, layout := range []struct{ per, gap int }{{1, 10}, {3, 1}} {
		for _, n := range []int{1, 2, 3, 7, 8, 100, 1000} {
			files := make([]string, n)
			starts := map[string]uint32{}
			for i := range files {
				files[i] = fmt.Sprintf("mysql-bin.%06d", i+1)
				starts[files[i]] = uint32(1000 + layout.gap*(i/layout.per))
			}
			budget := 0
			for 1<<budget < n {
				budget++
			}
			last := starts[files[n-1]]
			for _, target := range []uint32{0, 999, 1000, 1001, 1002, 1009, 1010, last - 1, last, last + 1} {
				asked := map[string]int{}
				got, err := searchFirstFile(files, target, func(f string) (uint32, error) {
					asked[f]++
					if asked[f] > 1 {
						t.Errorf("n=%d target=%d: %s read twice", n, target, f)
					}
					return starts[f], nil
				})
				if err != nil {
					t.Fatal(err)
				}
				want := files[0]
				for _, f := range files {
					if starts[f] < target {
						want = f
					}
				}
				if got != want {
					t.Errorf("%+v n=%d target=%d: got %s, want %s", layout, n, target, got, want)
				}
				if len(asked) > budget {
					t.Errorf("n=%d target=%d: read the first event of %d files, want at most %d", n, target, len(asked), budget)
				}
			}
		}
	}
	boom := errors.New("boom")
	if _, err := searchFirstFile([]string{"a", "b"}, 5, func(string) (uint32, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("error not returned: %v", err)
	}
}

// Earliest and Timestamp start from the server's binlog history, so they run
// on throwaway servers whose history is small and known: on the shared
// servers every test run and benchmark adds gigabytes to it.
func TestSourceStartupFromHistory(t *testing.T) {
	throwawayFlavors(t, func(t *testing.T, m *throwawayServer) {
		// Six files: 1 and 2 in the first three, then, from a later second,
		// 4 and 5 in the last three.
		m.exec("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v INT)", "CREATE TABLE app.other (id INT PRIMARY KEY)", "CREATE TABLE app.s (id INT PRIMARY KEY)",
			"INSERT INTO app.t VALUES (1, 1)", "FLUSH BINARY LOGS", "INSERT INTO app.other VALUES (1)",
			"FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (2, 2)", "FLUSH BINARY LOGS")
		// Binlog timestamps are whole seconds: wait for the next one.
		from := time.Now().Truncate(time.Second).Add(time.Second)
		time.Sleep(time.Until(from))
		m.exec("INSERT INTO app.t VALUES (4, 4)", "FLUSH BINARY LOGS", "UPDATE app.t SET v = 5 WHERE id = 4",
			"FLUSH BINARY LOGS", "INSERT INTO app.t VALUES (5, 5)")

		check := func(name string, opt StartupOptions, want string) {
			t.Run(name, func(t *testing.T) {
				cfg := m.config("app", "t", "s")
				cfg.StartupOptions = opt
				h := &collector{}
				r := start(t, cfg, h)
				r.waitFor(t, h, want, func(ev []cdc.Event) bool { return len(ev) >= len(strings.Fields(want)) })
				// Nothing else of t: a row of s written now arrives after
				// everything before it. (Earlier subtests' rows of s are in
				// the history too; they are not counted.)
				sentinel := int64(len(name))
				m.exec(fmt.Sprintf("INSERT INTO app.s VALUES (%d)", sentinel))
				ev := r.waitFor(t, h, "the sentinel", func(ev []cdc.Event) bool {
					return len(ev) > 0 && ev[len(ev)-1].Table.Table == "s" && rowID(ev[len(ev)-1]) == sentinel
				})
				var got []string
				for _, e := range ev {
					if e.Table.Table == "t" {
						got = append(got, fmt.Sprintf("%s%d", e.Op, rowID(e)))
					}
				}
				if strings.Join(got, " ") != want {
					t.Fatalf("%s delivered %q, want %q", opt, strings.Join(got, " "), want)
				}
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
			})
		}
		check("earliest", Earliest(), "c1 c2 c4 u4 c5")
		check("timestamp", Timestamp(from.UnixMilli()), "c4 u4 c5")
	})
}
