package pipeline_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The builder's package depends on the model and on no connector, driver or
// metrics client (the design's dependency direction, checked with go list).
func TestImportsNoConnector(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to list dependencies with")
	}
	// The YAML loader too: it finds connectors in the registry a program fills.
	out, err := exec.Command(goBin, "list", "-deps", "github.com/rtdw/rtdw/cdc/pipeline", "github.com/rtdw/rtdw/cdc/pipeline/definition").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		for _, bad := range []string{
			"github.com/rtdw/rtdw/cdc/mysql", "github.com/rtdw/rtdw/clickhouse", "github.com/rtdw/rtdw/phoenix",
			"github.com/rtdw/rtdw/flinkclient", "github.com/go-mysql-org/", "github.com/go-sql-driver/",
			"github.com/ClickHouse/", "github.com/prometheus/",
		} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("cdc/pipeline or cdc/pipeline/definition depends on %s", dep)
			}
		}
	}
}
