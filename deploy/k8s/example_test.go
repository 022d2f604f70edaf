package k8s_test

import (
	"fmt"
	"math"

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

// Kubernetes' and Flink's rules are checked before anything is encoded, all at once.
func ExampleFlinkDeployment_Validate() {
	err := k8s.FlinkDeployment{
		Name:            "wordcount",
		Namespace:       "Streaming Jobs",
		Labels:          map[string]string{"bad key!": "x"},
		Image:           " flink:1.20 ",
		ImagePullPolicy: "Sometimes",
		ServiceAccount:  "Bad SA",
		Config:          flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 20}},
		JobManager:      k8s.PodResources{CPU: math.NaN(), Memory: "1m"},
		TaskManager:     k8s.PodResources{CPU: 1, Memory: "2048m"},
	}.Validate()
	fmt.Println(err)
	// Output:
	// k8s: invalid FlinkDeployment wordcount: 7 problems:
	//   - metadata.namespace = "Streaming Jobs": Kubernetes refuses this namespace: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')
	//   - metadata.labels = "bad key!": Kubernetes refuses this label key: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')
	//   - spec.image = " flink:1.20 ": an image reference has no spaces (Kubernetes refuses leading and trailing ones); e.g. flink:1.20
	//   - spec.imagePullPolicy = "Sometimes": Kubernetes accepts Always, IfNotPresent or Never ("" leaves its default)
	//   - spec.serviceAccount = "Bad SA": Kubernetes refuses this service account name: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
	//   - spec.jobManager.resource.memory = "1m": the operator makes this the jobmanager.memory.process.size: Flink needs at least 576m for JVM metaspace (256m), JVM overhead (192m) and off-heap memory (128m); use e.g. 1600m
	//   - spec.jobManager.resource.cpu = "NaN": give a finite number of cores, e.g. 1 or 0.5
}
