package k8s_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/k8s"
)

func seedFlinkDeployment() k8s.FlinkDeployment {
	return k8s.FlinkDeployment{
		Name: "cdc-to-clickhouse", Namespace: "flink", Labels: map[string]string{"app": "rtdw"},
		Image: "registry.example.com/rtdw/jobs:1.4.0",
		Config: flinkconf.Config{
			Version:          flinkconf.Version{Major: 1, Minor: 20},
			TaskSlots:        2,
			HighAvailability: flinkconf.HighAvailability{Type: "kubernetes", StorageDir: "s3://rtdw-flink/ha"},
			StateBackend:     "rocksdb",
			CheckpointDir:    "s3://rtdw-flink/checkpoints",
			SavepointDir:     "s3://rtdw-flink/savepoints",
			Extra:            map[string]string{"execution.checkpointing.interval": "30 s"},
		},
		ServiceAccount: "flink",
		JobManager:     k8s.PodResources{CPU: 1, Memory: "2048m", Replicas: 1},
		TaskManager:    k8s.PodResources{CPU: 2, Memory: "4g"},
		Job: &k8s.DeploymentJob{
			JarURI: "local:///opt/flink/usrlib/rtdw-jobs.jar", EntryClass: "com.example.CdcToClickHouse",
			Args: []string{"--table", "orders"}, Parallelism: 4, UpgradeMode: k8s.UpgradeLastState,
			InitialSavepointPath: "s3://rtdw-flink/savepoints/savepoint-0a1b2c-1234", SavepointTriggerNonce: 7,
			AllowNonRestoredState: true,
		},
	}
}

func TestFlinkDeploymentGoldenAndRoundTrip(t *testing.T) {
	d := seedFlinkDeployment()
	f, err := d.Render()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "flinkdeployment.golden", f.Data)
	if err := k8s.ValidateFlinkDeploymentYAML(f.Data); err != nil {
		t.Errorf("rendered manifest fails the CRD schema: %v", err)
	}
	back, err := k8s.ParseFlinkDeployment(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, d)
	}
}

func TestFlinkDeploymentVersionsComeFromTheCRD(t *testing.T) {
	versions := k8s.OperatorFlinkVersions()
	if len(versions) == 0 || versions[0] != "v1_13" {
		t.Fatalf("enum %v", versions)
	}
	d := seedFlinkDeployment()
	d.Config.Version = flinkconf.Version{Major: 2, Minor: 0}
	d.Config.Extra = nil
	if _, err := d.Render(); err != nil {
		t.Errorf("Flink 2.0 deployment rejected: %v", err)
	}
	d.Config.Version = flinkconf.Version{Major: 3, Minor: 0}
	if _, ok := testkit.FindProblem(testkit.Problems(t, d.Validate()), "spec.flinkVersion"); !ok {
		t.Error("Flink 3.0 accepted")
	}
}

func TestFlinkDeploymentUpgradeModesNeedTheirSettings(t *testing.T) {
	d := seedFlinkDeployment()
	d.Config.HighAvailability = flinkconf.HighAvailability{}
	d.Config.CheckpointDir = ""
	ps := testkit.Problems(t, d.Validate())
	var fixes []string
	for _, p := range ps {
		if p.Field == "spec.job.upgradeMode" {
			fixes = append(fixes, p.Fix)
		}
	}
	if len(fixes) != 2 || !strings.Contains(fixes[0]+fixes[1], "high availability") || !strings.Contains(fixes[0]+fixes[1], "checkpoint directory") {
		t.Errorf("last-state without HA and checkpoints: %v", ps)
	}
	d = seedFlinkDeployment()
	d.Job.UpgradeMode = k8s.UpgradeSavepoint
	d.Config.SavepointDir = ""
	if _, ok := testkit.FindProblem(testkit.Problems(t, d.Validate()), "spec.job.upgradeMode"); !ok {
		t.Error("savepoint upgrades without a savepoint dir accepted")
	}
	d.Job.UpgradeMode = "rolling"
	if _, ok := testkit.FindProblem(testkit.Problems(t, d.Validate()), "spec.job.upgradeMode"); !ok {
		t.Error("unknown upgrade mode accepted")
	}
}

func TestCRDSchemaRejectsWhatTheAPIServerRejects(t *testing.T) {
	manifest := `apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: bad
spec:
  image: flink:1.20
  flinkVersion: v1_21
  serviceAccount: flink
  jobManager:
    resource: {memory: 2048m, cpu: "one"}
  taskManager:
    resource: {memory: 2048m}
  job:
    jarUri: local:///opt/flink/usrlib/job.jar
    upgradeMode: rolling
    parallelism: 2
`
	err := k8s.ValidateFlinkDeploymentYAML([]byte(manifest))
	ps := testkit.Problems(t, err)
	want := map[string]string{
		"spec.flinkVersion":            "v1_21",
		"spec.job.upgradeMode":         "rolling",
		"spec.jobManager.resource.cpu": "one",
		"spec.job":                     "", // jarUri is not a field (jarURI is)
	}
	for key, value := range want {
		p, ok := testkit.FindProblem(ps, key)
		if !ok {
			t.Errorf("no problem at %s in:\n%v", key, err)
			continue
		}
		if p.Value != value {
			t.Errorf("%s value %q, want %q", key, p.Value, value)
		}
	}
	if !strings.Contains(err.Error(), "jarUri") {
		t.Errorf("the unknown field is not named:\n%v", err)
	}
	// The operator's own example passes.
	ok := `apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: basic-example
spec:
  image: flink:1.20
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  serviceAccount: flink
  jobManager:
    resource:
      memory: "2048m"
      cpu: 1
  taskManager:
    resource:
      memory: "2048m"
      cpu: 1
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
`
	if err := k8s.ValidateFlinkDeploymentYAML([]byte(ok)); err != nil {
		t.Errorf("the operator's basic example fails: %v", err)
	}
}

func TestCRDSchemaErrorTextIsReadable(t *testing.T) {
	err := k8s.ValidateFlinkDeploymentYAML([]byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: x}\nspec: {flinkVersion: v9_9, job: {upgradeMode: rolling}}\n"))
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "spec.flinkVersion") {
		t.Errorf("%v", err)
	}
}
