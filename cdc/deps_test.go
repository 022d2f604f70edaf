package cdc_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The layering the design sets out, checked with go list -deps: the model
// imports no driver and none of rtdw's packages; sinks and encoders use the
// model, never the MySQL connector; and importing the connector does not
// import the Prometheus client (its collector is in mysqlprom).
func TestDependencies(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to list dependencies with")
	}
	drivers := []string{
		"github.com/go-mysql-org/go-mysql",
		"github.com/pingcap/tidb",
		"github.com/go-sql-driver/mysql",
		"github.com/prometheus/client_golang",
	}
	const mod = "github.com/rtdw/rtdw"
	for _, c := range []struct {
		pkg       string
		forbidden []string // import path prefixes
		allowed   []string // exceptions to forbidden
	}{
		{mod + "/cdc", append(drivers, mod+"/"), []string{mod + "/cdc"}},
		{mod + "/cdc/debezium", append(drivers, mod+"/cdc/mysql"), nil},
		{mod + "/clickhouse", append(drivers, mod+"/cdc/mysql"), nil},
		{mod + "/cdc/mysql", []string{"github.com/prometheus/client_golang"}, nil},
	} {
		out, err := exec.Command(goBin, "list", "-deps", c.pkg).Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v\n%s", c.pkg, err, stderr)
		}
	deps:
		for dep := range strings.FieldsSeq(string(out)) {
			for _, ok := range c.allowed {
				if dep == ok {
					continue deps
				}
			}
			for _, bad := range c.forbidden {
				if dep == strings.TrimSuffix(bad, "/") || strings.HasPrefix(dep, strings.TrimSuffix(bad, "/")+"/") {
					t.Errorf("%s depends on %s", c.pkg, dep)
				}
			}
		}
	}
}
