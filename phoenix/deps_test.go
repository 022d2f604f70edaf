package phoenix_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The layering of phoenix, checked with go list -deps: phoenix and
// phoenix/hbase use the change model, never the MySQL connector, the
// pipeline or another sink; importing them does not import the Prometheus
// client (the collectors are in phoenixprom; phoenix/hbase is the exception,
// as gohbase itself registers its metrics with it); and no package of the
// model imports phoenix.
func TestDependencies(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to list dependencies with")
	}
	const mod = "github.com/rtdw/rtdw"
	forbidden := []string{mod + "/cdc/mysql", mod + "/cdc/pipeline", mod + "/clickhouse", "github.com/go-mysql-org/go-mysql"}
	for _, pkg := range []string{mod + "/phoenix", mod + "/phoenix/hbase"} {
		forbidden := forbidden
		if pkg == mod+"/phoenix" {
			forbidden = append(forbidden, "github.com/prometheus/client_golang")
		}
		out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			for _, bad := range forbidden {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
	out, err := exec.Command(goBin, "list", "-deps", mod+"/cdc/...").Output()
	if err != nil {
		t.Fatalf("go list -deps cdc/...: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		if dep == mod+"/phoenix" || strings.HasPrefix(dep, mod+"/phoenix/") {
			t.Errorf("a package under cdc/ depends on %s", dep)
		}
	}
}
