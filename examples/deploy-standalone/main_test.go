package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/plan.golden")

func TestDryRunMatchesGolden(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/plan.golden", out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/plan.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("dry run differs from testdata/plan.golden (go test -update rewrites it):\n%s", out.String())
	}
}

// The default is the tutorials' Flink 1.13: flink-conf.yaml with the names 1.13 reads. -flink picks another
// release, and one whose keys are unknown is refused before anything is printed.
func TestFlinkReleaseFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"conf/flink-conf.yaml", "| high-availability: zookeeper", "| state.backend: hashmap"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the 1.13 plan lacks %q", want)
		}
	}
	out.Reset()
	if err := run(context.Background(), &out, []string{"-flink", "1.20"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "conf/config.yaml") || strings.Contains(out.String(), "flink-conf.yaml") {
		t.Errorf("-flink 1.20 did not write config.yaml:\n%s", out.String())
	}
	out.Reset()
	err := run(context.Background(), &out, []string{"-flink", "1.11"})
	if err == nil || !strings.Contains(err.Error(), "1.11") || out.Len() > 0 {
		t.Errorf("-flink 1.11: %v, printed %d bytes", err, out.Len())
	}
}
