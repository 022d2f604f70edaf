package deploy_test

import (
	"fmt"
	"os"

	"github.com/rtdw/rtdw/deploy"
)

// A configuration is checked as a whole; the error names every bad key, its value and the fix.
func ExampleFlinkConfig_Validate() {
	cfg := deploy.FlinkConfig{
		Version:           deploy.FlinkVersion{Major: 1, Minor: 18},
		TaskManagerMemory: "1.5g",
		HighAvailability:  deploy.HighAvailability{Type: "zookeeper", ZooKeeperQuorum: []string{"hadoop102:2181"}},
		Extra:             map[string]string{"taskmanager.numberOfTaskSlot": "2"},
	}
	fmt.Println(cfg.Validate())
	// Output:
	// deploy: invalid Flink 1.18 configuration: 3 problems:
	//   - taskmanager.memory.process.size = "1.5g": write a whole number with an optional unit b, k, m, g or t (e.g. 1600m, 2g, "1024 mb"): not a Flink memory size: unit ".5g" is not one of b|bytes, k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes
	//   - high-availability.storageDir: high availability needs a storage dir every JobManager can reach; set HighAvailability.StorageDir, e.g. hdfs://hadoop102:8020/flink/ha
	//   - taskmanager.numberOfTaskSlot = "2": unknown key for Flink 1.18; did you mean taskmanager.numberOfTaskSlots?
}

// Flink 1.19 and later read a nested config.yaml.
func ExampleFlinkConfig_Render() {
	f, err := deploy.FlinkConfig{
		Version:           deploy.FlinkVersion{Major: 2, Minor: 0},
		JobManagerAddress: "hadoop102",
		TaskSlots:         2,
		StateBackend:      "rocksdb",
		CheckpointDir:     "hdfs://hadoop102:8020/flink/checkpoints",
	}.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n%s", f.Path, f.Data)
	// Output:
	// config.yaml
	// # Flink 2.0 configuration (config.yaml, standard YAML), written by github.com/rtdw/rtdw/deploy.
	// jobmanager:
	//   rpc:
	//     address: hadoop102
	// taskmanager:
	//   numberOfTaskSlots: 2
	// state:
	//   backend:
	//     type: rocksdb
	// execution:
	//   checkpointing:
	//     dir: hdfs://hadoop102:8020/flink/checkpoints
}

func ExampleParseMemorySize() {
	for _, s := range []string{"1600m", "1024 mb", "2G", "1.5g"} {
		m, err := deploy.ParseMemorySize(s)
		fmt.Println(s, "->", int64(m), err != nil)
	}
	// Output:
	// 1600m -> 1677721600 false
	// 1024 mb -> 1073741824 false
	// 2G -> 2147483648 false
	// 1.5g -> 0 true
}

// A standalone cluster becomes a plan: files for every host, then the start command. Print it before running it.
func ExampleStandaloneCluster_Plan() {
	plan, err := deploy.StandaloneCluster{
		FlinkHome:    "/opt/module/flink",
		Config:       deploy.FlinkConfig{Version: deploy.FlinkVersion{Major: 1, Minor: 18}, TaskSlots: 2},
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
	s, err := deploy.ParseYARNSubmission(string(out))
	fmt.Println(s.ApplicationID, s.WebInterface, err)
	// Output: application_1721441234567_0005 http://hadoop103:44621 <nil>
}

// An application for the Flink Kubernetes Operator, checked against the operator's CRD schema.
func ExampleFlinkDeployment_Render() {
	f, err := deploy.FlinkDeployment{
		Name:        "wordcount",
		Image:       "flink:1.20",
		Config:      deploy.FlinkConfig{Version: deploy.FlinkVersion{Major: 1, Minor: 20}, TaskSlots: 2},
		JobManager:  deploy.PodResources{CPU: 1, Memory: "2048m"},
		TaskManager: deploy.PodResources{CPU: 1, Memory: "2048m"},
		Job:         &deploy.DeploymentJob{JarURI: "local:///opt/flink/examples/streaming/WordCount.jar", Parallelism: 2},
	}.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s", f.Data)
	// Output:
	// apiVersion: flink.apache.org/v1beta1
	// kind: FlinkDeployment
	// metadata:
	//   name: wordcount
	// spec:
	//   flinkConfiguration:
	//     taskmanager.numberOfTaskSlots: "2"
	//   flinkVersion: v1_20
	//   image: flink:1.20
	//   job:
	//     jarURI: local:///opt/flink/examples/streaming/WordCount.jar
	//     parallelism: 2
	//     upgradeMode: stateless
	//   jobManager:
	//     resource:
	//       cpu: 1
	//       memory: 2048m
	//   serviceAccount: flink
	//   taskManager:
	//     resource:
	//       cpu: 1
	//       memory: 2048m
}
