package launch_test

import (
	"fmt"
	"os"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/launch"
)

// A standalone cluster becomes a plan: files for every host, then the start command. Print it before running it.
func ExampleStandaloneCluster_Plan() {
	plan, err := launch.StandaloneCluster{
		FlinkHome:    "/opt/module/flink",
		Config:       flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 18}, TaskSlots: 2},
		JobManagers:  []string{"hadoop102"},
		TaskManagers: []string{"hadoop103"},
	}.Plan()
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range plan.Steps {
		fmt.Printf("[%d] %s: %s\n", i+1, s.Host, s.Describe())
	}
	// Output:
	// [1] hadoop102: write /opt/module/flink/conf/flink-conf.yaml (0644, 158 bytes)
	// [2] hadoop102: write /opt/module/flink/conf/masters (0644, 15 bytes)
	// [3] hadoop102: write /opt/module/flink/conf/workers (0644, 10 bytes)
	// [4] hadoop103: write /opt/module/flink/conf/flink-conf.yaml (0644, 186 bytes)
	// [5] hadoop103: write /opt/module/flink/conf/masters (0644, 15 bytes)
	// [6] hadoop103: write /opt/module/flink/conf/workers (0644, 10 bytes)
	// [7] hadoop102: run /opt/module/flink/bin/start-cluster.sh  # starts the JobManagers in masters and, over SSH, the TaskManagers in workers
}

// The application id and web address come from the client's own console output.
func ExampleParseYARNSubmission() {
	out, _ := os.ReadFile("testdata/output/yarn-application.txt")
	s, err := launch.ParseYARNSubmission(string(out))
	fmt.Println(s.ApplicationID, s.WebInterface, err)
	// Output: application_1721441234567_0005 http://hadoop103:44621 <nil>
}
