package phoenix_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// fillUsers writes users 1..n through a sink of its own (which knows no
// lookup).
func fillUsers(t testing.TB, ctx context.Context, client *phoenix.Client, rows ...cdc.Row) {
	t.Helper()
	s := userInfo(t)
	sink, err := phoenix.NewSink(client, phoenix.SinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var events []cdc.Event
	for _, r := range rows {
		events = append(events, event(cdc.OpCreate, s, nil, r))
	}
	if err := sink.HandleEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func newLookup(t testing.TB, client *phoenix.Client, cfg phoenix.LookupConfig) *phoenix.Lookup {
	t.Helper()
	if cfg.Schema == nil {
		cfg.Schema = userInfo(t)
	}
	l, err := phoenix.NewLookup(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLookupReadsThroughTheCache(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	fillUsers(t, ctx, client, userRow(1, "ann"), userRow(2, "bob"))
	var infos []phoenix.LookupInfo
	l := newLookup(t, client, phoenix.LookupConfig{OnLookup: func(i phoenix.LookupInfo) { infos = append(infos, i) }})
	selects := func() int {
		n := 0
		for _, c := range srv.Calls() {
			if c.Request == "ExecuteRequest" && strings.HasPrefix(c.SQL, "SELECT") {
				n++
			}
		}
		return n
	}
	for range 3 {
		row, found, err := l.Get(ctx, int64(1))
		if err != nil || !found {
			t.Fatalf("Get(1) = %v, %v, %v", row, found, err)
		}
		if row["login_name"] != "ann" || row["id"] != int64(1) || row["score"] != 4.5 {
			t.Fatalf("row = %v", row)
		}
		if bd, ok := row["birthday"].(time.Time); !ok || !bd.Equal(time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("birthday = %v", row["birthday"])
		}
	}
	if _, found, err := l.Get(ctx, int64(99)); err != nil || found {
		t.Fatalf("Get(99) found %v, %v", found, err)
	}
	if _, found, _ := l.Get(ctx, int64(99)); found {
		t.Fatal("the cached absence turned into a row")
	}
	if n := selects(); n != 2 {
		t.Fatalf("%d SELECTs for 5 Gets of 2 keys, want 2", n)
	}
	st := l.Stats()
	if st.Hits != 3 || st.Misses != 2 || st.HitRate() != 0.6 || st.Entries != 2 || st.MeanLoadTime() <= 0 {
		t.Fatalf("stats = %+v, hit rate %v", st, st.HitRate())
	}
	if len(infos) != 5 || infos[0].Hit || !infos[1].Hit || infos[0].Duration <= 0 {
		t.Fatalf("OnLookup saw %+v", infos)
	}
	if _, _, err := l.Get(ctx, int64(1), "extra"); err == nil || !strings.Contains(err.Error(), "key has 1 column") {
		t.Fatalf("Get with two key values = %v", err)
	}
}

func TestLookupInvalidatedBySinkCommitAndByEvents(t *testing.T) {
	t.Parallel()
	_, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	s := userInfo(t)
	fillUsers(t, ctx, client, userRow(1, "ann"))
	l := newLookup(t, client, phoenix.LookupConfig{})
	name := func() any {
		row, _, err := l.Get(ctx, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		return row["login_name"]
	}
	if got := name(); got != "ann" {
		t.Fatalf("name = %v", got)
	}
	// A sink that knows the lookup invalidates after its commit.
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{Lookups: []*phoenix.Lookup{l}})
	if err := sink.HandleEvents(ctx, []cdc.Event{event(cdc.OpUpdate, s, userRow(1, "ann"), userRow(1, "anna"))}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "ann" {
		t.Fatalf("before the commit the row is %v; the old row is still the committed one", got)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "anna" {
		t.Fatalf("after the commit the lookup serves %v, want anna", got)
	}
	// A writer that does not know the lookup: the lookup, as a cdc.Sink of
	// the same change stream, drops the key.
	up := event(cdc.OpUpdate, s, userRow(1, "anna"), userRow(1, "anne"))
	fillUsers(t, ctx, client, up.After)
	if got := name(); got != "anna" {
		t.Fatalf("unexpected %v: the cache should still hold anna", got)
	}
	var sinkIface cdc.Sink = l
	if err := sinkIface.HandleEvents(ctx, []cdc.Event{up}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "anne" {
		t.Fatalf("after the change event the lookup serves %v, want anne", got)
	}
}

func TestLookupTTLAndBound(t *testing.T) {
	t.Parallel()
	_, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	fillUsers(t, ctx, client, userRow(1, "ann"), userRow(2, "bob"), userRow(3, "cy"))
	l := newLookup(t, client, phoenix.LookupConfig{MaxEntries: 2, TTL: 100 * time.Millisecond})
	for _, id := range []int64{1, 2, 3} {
		if _, _, err := l.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Stats().Entries; n != 2 {
		t.Fatalf("%d entries, bound 2", n)
	}
	fillUsers(t, ctx, client, userRow(3, "cyd"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		row, _, err := l.Get(ctx, int64(3))
		if err != nil {
			t.Fatal(err)
		}
		if row["login_name"] == "cyd" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the TTL never expired the cached row")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A row read while its key is invalidated (a commit landed during the
// query) is returned but not cached.
func TestLookupNeverCachesARowReadDuringAnInvalidation(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t, avaticatest.Config{})
	ctx := ctxT(t)
	fillUsers(t, ctx, client, userRow(1, "ann"))
	l := newLookup(t, client, phoenix.LookupConfig{})
	srv.OnCall(func(c avaticatest.Call) *avaticatest.Exception {
		if c.Request == "ExecuteRequest" && strings.HasPrefix(c.SQL, "SELECT") {
			if err := l.Invalidate(int64(1)); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	for range 2 {
		if _, _, err := l.Get(ctx, int64(1)); err != nil {
			t.Fatal(err)
		}
	}
	if st := l.Stats(); st.Hits != 0 || st.Misses != 2 {
		t.Fatalf("stats = %+v: the row read during an invalidation was cached", st)
	}
}

func TestLookupConfigErrors(t *testing.T) {
	t.Parallel()
	_, err := phoenix.NewLookup(nil, phoenix.LookupConfig{MaxEntries: -1, TTL: -time.Second})
	for _, f := range []string{"client", "Schema", "MaxEntries", "TTL"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error lacks %s: %v", f, err)
		}
	}
}

// BenchmarkLookup compares a cached Get with the query every uncached Get
// makes through avatica-go to the in-process PQS (the baseline: a
// loopback round trip without Phoenix's own work, so a real PQS widens the
// gap).
func BenchmarkLookup(b *testing.B) {
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"uncached", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := avaticatest.NewServer(b, avaticatest.Config{})
			client, err := phoenix.Open(phoenix.DefaultConfig(srv.URL()))
			if err != nil {
				b.Fatal(err)
			}
			defer client.Close()
			ctx := context.Background()
			var rows []cdc.Row
			for i := range int64(100) {
				rows = append(rows, userRow(i, fmt.Sprint("user", i)))
			}
			fillUsers(b, ctx, client, rows...)
			l := newLookup(b, client, phoenix.LookupConfig{})
			if bc.cached { // warm: every Get in the loop is a hit
				for i := range int64(100) {
					l.Get(ctx, i)
				}
			}
			for i := 0; b.Loop(); i++ {
				key := int64(i % 100)
				if !bc.cached {
					l.Invalidate(key)
				}
				if _, found, err := l.Get(ctx, key); err != nil || !found {
					b.Fatal(found, err)
				}
			}
			st := l.Stats()
			b.ReportMetric(st.HitRate(), "hit-rate")
		})
	}
}
