package k8s_test

import (
	"fmt"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/k8s"
)

// An application for the Flink Kubernetes Operator, checked against the operator's CRD schema.
func ExampleFlinkDeployment_Render() {
	f, err := k8s.FlinkDeployment{
		Name:        "wordcount",
		Image:       "flink:1.20",
		Config:      flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 20}, TaskSlots: 2},
		JobManager:  k8s.PodResources{CPU: 1, Memory: "2048m"},
		TaskManager: k8s.PodResources{CPU: 1, Memory: "2048m"},
		Job:         &k8s.DeploymentJob{JarURI: "local:///opt/flink/examples/streaming/WordCount.jar", Parallelism: 2},
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
