package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// TestSeedFlow runs the seed's whole flow (upload, run, list, savepoint,
// cancel, run from the savepoint) against the fake of every Flink version:
// run fails if a step fails or if any request or answer left Flink's spec.
func TestSeedFlow(t *testing.T) {
	for _, v := range flinktest.JobManagerVersions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			jar := filepath.Join(t.TempDir(), "FlinkTutorial-1.0-SNAPSHOT.jar")
			if err := run(ctx, "", jar, "com.atguigu.wc.StreamWordCount", 2, "file:///tmp/savepoints", v); err != nil {
				t.Fatal(err)
			}
		})
	}
}
