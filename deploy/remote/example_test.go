package remote_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/remote"
)

// A plan is printed before it runs; a local connector runs it with local processes, here writing under a
// scratch directory instead of the real paths.
func ExamplePlan_Execute() {
	var plan remote.Plan
	plan.AddFile("hadoop102", deploy.File{Path: "/opt/module/flink/conf/workers", Mode: deploy.ConfigFileMode, Data: []byte("hadoop103\n")}, "")
	plan.AddCommand("hadoop102", remote.Command{Args: []string{"true"}, Env: []string{"DB_PASSWORD=hunter2"}}, "check the host")
	fmt.Print(plan.DryRun())

	root, _ := os.MkdirTemp("", "plan")
	defer os.RemoveAll(root)
	err := plan.Execute(context.Background(), remote.LocalConnector(root), remote.ExecuteOptions{})
	data, _ := os.ReadFile(filepath.Join(root, "/opt/module/flink/conf/workers"))
	fmt.Printf("%v %q\n", err, data)
	// Output:
	// plan: 2 steps on 1 hosts (hadoop102)
	//
	// [1] hadoop102: write /opt/module/flink/conf/workers (0644, 10 bytes)
	//     | hadoop103
	//
	// [2] hadoop102: run env 'DB_PASSWORD=<redacted>' true  # check the host
	// <nil> "hadoop103\n"
}
