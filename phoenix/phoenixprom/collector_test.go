package phoenixprom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
	"github.com/rtdw/rtdw/phoenix/phoenixprom"
)

// The metrics follow what a sink and a lookup did against the in-process
// PQS.
func TestMetricsFollowTheSinkAndTheLookup(t *testing.T) {
	t.Parallel()
	srv := avaticatest.NewServer(t, avaticatest.Config{})
	client, err := phoenix.Open(phoenix.DefaultConfig(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ct, _ := cdc.ParseColumnType("bigint", "")
	vt, _ := cdc.ParseColumnType("varchar(10)", "utf8mb4")
	s := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "p"},
		Columns: []cdc.Column{{Name: "id", Type: ct}, {Name: "name", Type: vt, Nullable: true}}, PrimaryKey: []string{"id"}}
	latency := phoenixprom.NewLookupLatency(nil)
	lookup, _ := phoenix.NewLookup(client, phoenix.LookupConfig{Schema: s, OnLookup: latency.Observe})
	sink, _ := phoenix.NewSink(client, phoenix.SinkConfig{Lookups: []*phoenix.Lookup{lookup}})
	ev := func(id int64) cdc.Event {
		return cdc.Event{Op: cdc.OpCreate, Table: s.Table, Schema: s, After: cdc.Row{id, "x"}}
	}
	if err := sink.HandleEvents(ctx, []cdc.Event{ev(1), ev(2)}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := lookup.Get(ctx, int64(1)); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(phoenixprom.NewSinkCollector(sink, nil), phoenixprom.NewLookupCollector(lookup, nil), latency)
	want := `
# HELP rtdw_phoenix_lookup_hits_total DIM lookups the cache answered.
# TYPE rtdw_phoenix_lookup_hits_total counter
rtdw_phoenix_lookup_hits_total{table="p"} 2
# HELP rtdw_phoenix_lookup_misses_total DIM lookups that queried Phoenix.
# TYPE rtdw_phoenix_lookup_misses_total counter
rtdw_phoenix_lookup_misses_total{table="p"} 1
# HELP rtdw_phoenix_sink_commits_total Batches the Phoenix sink committed, one Phoenix transaction each.
# TYPE rtdw_phoenix_sink_commits_total counter
rtdw_phoenix_sink_commits_total 1
# HELP rtdw_phoenix_sink_rows_upserted_total Rows the Phoenix sink upserted in committed batches.
# TYPE rtdw_phoenix_sink_rows_upserted_total counter
rtdw_phoenix_sink_rows_upserted_total 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"rtdw_phoenix_lookup_hits_total", "rtdw_phoenix_lookup_misses_total",
		"rtdw_phoenix_sink_commits_total", "rtdw_phoenix_sink_rows_upserted_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(latency); n != 2 { // hit="true" and hit="false"
		t.Fatalf("%d latency series, want 2", n)
	}
}
