package flinksql_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The Flink runtime imports the pipeline, the MySQL source and the Flink
// clients, and no sink package: it renders sinks, it does not run them.
func TestImportsNoSinkPackage(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to list dependencies with")
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/rtdw/rtdw/cdc/pipeline/flinksql").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		for _, bad := range []string{"github.com/rtdw/rtdw/clickhouse", "github.com/rtdw/rtdw/phoenix", "github.com/rtdw/rtdw/deploy", "github.com/ClickHouse/"} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("cdc/pipeline/flinksql depends on %s", dep)
			}
		}
	}
}
