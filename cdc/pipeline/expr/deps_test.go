package expr_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The expression package stands on the model alone: it imports package cdc
// and libraries, no connector, no sink, no Flink client.
func TestDependencies(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to list dependencies with")
	}
	const mod = "github.com/rtdw/rtdw"
	out, err := exec.Command(goBin, "list", "-deps", mod+"/cdc/pipeline/expr").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{mod + "/cdc": true, mod + "/cdc/pipeline/expr": true}
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dep, mod+"/") && !allowed[dep] {
			t.Errorf("cdc/pipeline/expr depends on %s", dep)
		}
		for _, bad := range []string{"github.com/go-mysql-org/", "github.com/go-sql-driver/", "github.com/pingcap/", "github.com/ClickHouse/", "github.com/prometheus/"} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("cdc/pipeline/expr depends on %s", dep)
			}
		}
	}
}
