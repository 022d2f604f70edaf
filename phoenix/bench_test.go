package phoenix_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// BenchmarkSinkBatch writes batches of 1000 upserts through avatica-go to
// the in-process PQS, one ExecuteRequest per row (the baseline) against one
// ExecuteBatchRequest per batch. The fake answers in microseconds; against
// a real PQS each saved round trip is worth more.
func BenchmarkSinkBatch(b *testing.B) {
	for _, bc := range []struct {
		name     string
		batching bool
	}{{"per-row", false}, {"batching", true}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := avaticatest.NewServer(b, avaticatest.Config{})
			cfg := phoenix.DefaultConfig(srv.URL())
			cfg.Batching = bc.batching
			client, err := phoenix.Open(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer client.Close()
			ctx := context.Background()
			s := userInfo(b)
			sink, err := phoenix.NewSink(client, phoenix.SinkConfig{MaxRows: 100_000})
			if err != nil {
				b.Fatal(err)
			}
			const rows = 1000
			events := make([]cdc.Event, rows)
			for i := range events {
				events[i] = event(cdc.OpCreate, s, nil, userRow(int64(i), fmt.Sprint("user", i)))
			}
			for b.Loop() {
				if err := sink.HandleEvents(ctx, events); err != nil {
					b.Fatal(err)
				}
				if err := sink.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
