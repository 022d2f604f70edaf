package k8s_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/k8s"
)

const podTemplate = `apiVersion: v1
kind: Pod
metadata:
  name: pod-template
spec:
  containers:
    # Flink's main container is always named flink-main-container.
    - name: flink-main-container
      volumeMounts:
        - mountPath: /opt/flink/log
          name: flink-logs
  volumes:
    - name: flink-logs
      emptyDir: {}
`

const taskManagerTemplate = `apiVersion: v1
kind: Pod
spec:
  nodeSelector:
    disktype: ssd
`

// standaloneWithEverything is a session cluster in standalone mode with a pod template, an ingress and a
// log configuration: the parts of the CRD that FlinkDeployment could not express before.
func standaloneWithEverything() k8s.FlinkDeployment {
	d := seedFlinkDeployment()
	d.Job = nil
	d.Mode = k8s.ModeStandalone
	d.Annotations = map[string]string{"example.com/owner": "data-platform"}
	d.PodTemplate = podTemplate
	d.TaskManager.PodTemplate = taskManagerTemplate
	d.TaskManager.Replicas = 2
	d.Ingress = &k8s.Ingress{
		Template: "{{name}}.{{namespace}}.flink.example.com", ClassName: "nginx",
		Annotations: map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m"},
		TLS:         []k8s.IngressTLS{{Hosts: []string{"*.flink.example.com"}, SecretName: "flink-tls"}},
	}
	d.LogConfiguration = map[string]string{k8s.Log4jConsoleProperties: "rootLogger.level = INFO\nrootLogger.appenderRef.console.ref = ConsoleAppender\n"}
	return d
}

func TestFlinkDeploymentModePodTemplateIngressAndLogConfiguration(t *testing.T) {
	d := standaloneWithEverything()
	f, err := d.Render()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, "flinkdeployment-standalone.golden", f.Data)
	text := string(f.Data)
	for _, want := range []string{"mode: standalone", "podTemplate:", "flink-main-container", "disktype: ssd", "ingress:", "className: nginx", "logConfiguration:", "log4j-console.properties:"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered manifest lacks %q", want)
		}
	}
	back, err := k8s.ParseFlinkDeployment(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Mode != d.Mode || !reflect.DeepEqual(back.Ingress, d.Ingress) || !reflect.DeepEqual(back.LogConfiguration, d.LogConfiguration) ||
		!reflect.DeepEqual(back.Annotations, d.Annotations) || back.TaskManager.Replicas != 2 {
		t.Errorf("round trip lost fields:\n got %+v\nwant %+v", back, d)
	}
	// Templates come back as normalised YAML (comments dropped, keys sorted) that renders the same manifest.
	again, err := back.Render()
	if err != nil || string(again.Data) != text {
		t.Errorf("re-rendered manifest differs (%v):\n%s", err, again.Data)
	}
}

func TestFlinkDeploymentFeatureProblems(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*k8s.FlinkDeployment)
		field  string
	}{
		{"unknown mode", func(d *k8s.FlinkDeployment) { d.Mode = "yarn" }, "spec.mode"},
		{"pod template that is not YAML", func(d *k8s.FlinkDeployment) { d.PodTemplate = "spec: [unclosed" }, "spec.podTemplate"},
		{"pod template with a misspelt field", func(d *k8s.FlinkDeployment) {
			d.PodTemplate = "spec:\n  containers:\n    - name: flink-main-container\n      imagee: flink:1.20\n"
		}, "spec.podTemplate.spec.containers.0"},
		{"task manager template with a wrong type", func(d *k8s.FlinkDeployment) {
			d.TaskManager.PodTemplate = "spec:\n  nodeSelector: ssd\n"
		}, "spec.taskManager.podTemplate.spec.nodeSelector"},
		{"ingress without template", func(d *k8s.FlinkDeployment) { d.Ingress.Template = "" }, "spec.ingress.template"},
		{"ingress host that is not a DNS name", func(d *k8s.FlinkDeployment) { d.Ingress.Template = "{{name}}_flink.example.com" }, "spec.ingress.template"},
		{"ingress TLS secret with capitals", func(d *k8s.FlinkDeployment) { d.Ingress.TLS[0].SecretName = "Flink-TLS" }, "spec.ingress.tls.0.secretName"},
		{"log configuration the operator does not read", func(d *k8s.FlinkDeployment) {
			d.LogConfiguration = map[string]string{"log4j.properties": "x"}
		}, "spec.logConfiguration"},
		{"annotation key with spaces", func(d *k8s.FlinkDeployment) { d.Annotations = map[string]string{"an owner": "x"} }, "metadata.annotations"},
		{"process memory also in the configuration", func(d *k8s.FlinkDeployment) { d.Config.TaskManagerMemory = "4g" }, "Config.TaskManagerMemory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := standaloneWithEverything()
			tc.mutate(&d)
			_, err := d.Render()
			if _, ok := testkit.FindProblem(testkit.Problems(t, err), tc.field); !ok {
				t.Errorf("no problem at %s: %v", tc.field, err)
			}
		})
	}
}

// A FlinkDeployment renders, passes the CRD schema and reads back for every Flink version the operator's CRD
// lists, with that release's key names in flinkConfiguration.
func TestFlinkDeploymentForEveryOperatorVersion(t *testing.T) {
	versions := k8s.OperatorFlinkVersions()
	if len(versions) < 13 {
		t.Fatalf("the CRD lists %v", versions)
	}
	for _, ov := range versions {
		t.Run(ov, func(t *testing.T) {
			v, err := flinkconf.ParseVersion(ov)
			if err != nil {
				t.Fatal(err)
			}
			d := seedFlinkDeployment()
			d.Config.Version = v
			if v.Less(flinkconf.Version{Major: 1, Minor: 14}) {
				// 1.13 has no "kubernetes" shortcut for high availability.
				if _, ok := testkit.FindProblem(testkit.Problems(t, d.Validate()), "high-availability"); !ok {
					t.Errorf("%s accepted high-availability: kubernetes", ov)
				}
				d.Config.HighAvailability.Type = flinkconf.KubernetesHAFactory
			}
			f, err := d.Render()
			if err != nil {
				t.Fatal(err)
			}
			back, err := k8s.ParseFlinkDeployment(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			if back.Config.Version != v || !reflect.DeepEqual(back.Config, d.Config) {
				t.Errorf("round trip:\n got %+v\nwant %+v", back.Config, d.Config)
			}
			text := string(f.Data)
			haKey, backendKey := "high-availability.type:", "state.backend.type:"
			if v.Less(flinkconf.Version{Major: 1, Minor: 18}) {
				haKey, backendKey = "high-availability:", "state.backend:"
			}
			if !strings.Contains(text, "\n    "+haKey) || !strings.Contains(text, "\n    "+backendKey) {
				t.Errorf("%s: flinkConfiguration lacks %s or %s:\n%s", ov, haKey, backendKey, text)
			}
		})
	}
}

// The operator's own admission rules (its DefaultValidator), reported before the resource is applied.
func TestFlinkDeploymentOperatorRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*k8s.FlinkDeployment)
		field  string
	}{
		{"namespace in flinkConfiguration", func(d *k8s.FlinkDeployment) { d.Config.Extra["kubernetes.namespace"] = "other" }, "kubernetes.namespace"},
		{"cluster id in flinkConfiguration", func(d *k8s.FlinkDeployment) { d.Config.Extra["kubernetes.cluster-id"] = "x" }, "kubernetes.cluster-id"},
		{"HA cluster id", func(d *k8s.FlinkDeployment) { d.Config.HighAvailability.ClusterID = "x" }, "high-availability.cluster-id"},
		{"no parallelism and no TaskManager replicas", func(d *k8s.FlinkDeployment) { d.Job.Parallelism = 0 }, "spec.job.parallelism"},
		{"savepoint nonce without a savepoint dir", func(d *k8s.FlinkDeployment) {
			d.Job.UpgradeMode = k8s.UpgradeStateless
			d.Config.SavepointDir = ""
		}, "spec.job.savepointTriggerNonce"},
		{"savepoint upgrades without a checkpoint dir", func(d *k8s.FlinkDeployment) {
			d.Job.UpgradeMode = k8s.UpgradeSavepoint
			d.Config.CheckpointDir = ""
		}, "spec.job.upgradeMode"},
		{"fractional bytes", func(d *k8s.FlinkDeployment) { d.TaskManager.Memory = "2147483648.5" }, "spec.taskManager.resource.memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := seedFlinkDeployment()
			tc.mutate(&d)
			if _, ok := testkit.FindProblem(testkit.Problems(t, d.Validate()), tc.field); !ok {
				t.Errorf("no problem at %s: %v", tc.field, d.Validate())
			}
		})
	}
	// Parallelism may be left to the configuration when the TaskManager count is fixed.
	d := seedFlinkDeployment()
	d.Job.Parallelism, d.TaskManager.Replicas = 0, 2
	if err := d.Validate(); err != nil {
		t.Errorf("fixed TaskManagers without parallelism: %v", err)
	}
	// Pod memory in every spelling the operator reads.
	for _, memory := range []string{"4g", "4096 mb", "4Gi", "4 GiB", "4.5g", "4.5Gi", "4294967296"} {
		d := seedFlinkDeployment()
		d.TaskManager.Memory = memory
		if err := d.Validate(); err != nil {
			t.Errorf("memory %q: %v", memory, err)
		}
	}
}
