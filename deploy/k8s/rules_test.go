package k8s_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/k8s"
)

// kubernetesRules checks a rendered manifest with Kubernetes' own validation functions (apimachinery), apart
// from the package's own checks and from the CRD schema: what the API server and the kubelet would refuse.
func kubernetesRules(t *testing.T, manifest []byte) []string {
	t.Helper()
	var r struct {
		Metadata struct {
			Name, Namespace string
			Labels          map[string]string
		}
		Spec struct {
			Image           string
			ImagePullPolicy string `json:"imagePullPolicy"`
			ServiceAccount  string `json:"serviceAccount"`
		}
	}
	if err := yaml.Unmarshal(manifest, &r); err != nil {
		t.Fatal(err)
	}
	var bad []string
	if r.Metadata.Namespace != "" {
		bad = append(bad, validation.IsDNS1123Label(r.Metadata.Namespace)...)
	}
	for k, v := range r.Metadata.Labels {
		bad = append(bad, validation.IsQualifiedName(k)...)
		bad = append(bad, validation.IsValidLabelValue(v)...)
	}
	switch r.Spec.ImagePullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		bad = append(bad, "imagePullPolicy "+r.Spec.ImagePullPolicy)
	}
	bad = append(bad, validation.IsDNS1123Subdomain(r.Spec.ServiceAccount)...)
	if strings.TrimSpace(r.Spec.Image) != r.Spec.Image {
		bad = append(bad, "image has surrounding whitespace")
	}
	return bad
}

// Every input Kubernetes or Flink would refuse is a ConfigError naming the field before anything is encoded;
// and whatever renders passes both the operator's CRD schema and Kubernetes' own field rules.
func TestFlinkDeploymentKubernetesFieldRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*k8s.FlinkDeployment)
		field  string
	}{
		{"JobManager memory 0", func(d *k8s.FlinkDeployment) { d.JobManager.Memory = "0" }, "spec.jobManager.resource.memory"},
		{"TaskManager memory 1m", func(d *k8s.FlinkDeployment) { d.TaskManager.Memory = "1m" }, "spec.taskManager.resource.memory"},
		{"TaskManager memory 100Mi", func(d *k8s.FlinkDeployment) { d.TaskManager.Memory = "100Mi" }, "spec.taskManager.resource.memory"},
		{"64-character namespace", func(d *k8s.FlinkDeployment) { d.Namespace = strings.Repeat("n", 64) }, "metadata.namespace"},
		{"label key with a space", func(d *k8s.FlinkDeployment) { d.Labels = map[string]string{"bad key!": "x"} }, "metadata.labels"},
		{"71-character label value", func(d *k8s.FlinkDeployment) { d.Labels = map[string]string{"app": strings.Repeat("v", 71)} }, "metadata.labels.app"},
		{"image pull policy Sometimes", func(d *k8s.FlinkDeployment) { d.ImagePullPolicy = "Sometimes" }, "spec.imagePullPolicy"},
		{"service account with a space", func(d *k8s.FlinkDeployment) { d.ServiceAccount = "Bad SA" }, "spec.serviceAccount"},
		{"image with spaces around", func(d *k8s.FlinkDeployment) { d.Image = " flink:1.20 " }, "spec.image"},
		{"NaN CPU", func(d *k8s.FlinkDeployment) { d.JobManager.CPU = math.NaN() }, "spec.jobManager.resource.cpu"},
		{"+Inf CPU", func(d *k8s.FlinkDeployment) { d.TaskManager.CPU = math.Inf(1) }, "spec.taskManager.resource.cpu"},
		{"-Inf CPU", func(d *k8s.FlinkDeployment) { d.TaskManager.CPU = math.Inf(-1) }, "spec.taskManager.resource.cpu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := seedFlinkDeployment()
			tc.mutate(&d)
			f, err := d.Render()
			if err == nil {
				t.Errorf("rendered; Kubernetes' rules say %q; CRD schema says %v:\n%s", kubernetesRules(t, f.Data), k8s.ValidateFlinkDeploymentYAML(f.Data), f.Data)
				return
			}
			var ce *deploy.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, deploy.ErrInvalidConfig) {
				t.Fatalf("error %T is not a ConfigError: %v", err, err)
			}
			if _, ok := testkit.FindProblem(ce.Problems, tc.field); !ok {
				t.Errorf("no problem at %s: %v", tc.field, err)
			}
			if verr := d.Validate(); verr == nil {
				t.Error("Validate accepts what Render refuses")
			}
		})
	}
	// The seed itself passes all three.
	f, err := seedFlinkDeployment().Render()
	if err != nil {
		t.Fatal(err)
	}
	if bad := kubernetesRules(t, f.Data); len(bad) > 0 {
		t.Errorf("the seed breaks Kubernetes' rules: %v", bad)
	}
}

// A manifest written by hand (or by another tool) is held to the same Kubernetes rules by the CRD schema
// check alone: each field below is accepted by the operator's CRD as published, and refused here.
func TestCRDSchemaCarriesKubernetesFieldRules(t *testing.T) {
	f, err := seedFlinkDeployment().Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path  []string
		value any
		field string
	}{
		{[]string{"metadata", "namespace"}, strings.Repeat("n", 64), "metadata.namespace"},
		{[]string{"metadata", "labels"}, map[string]any{"bad key!": "x"}, "metadata.labels"},
		{[]string{"metadata", "labels"}, map[string]any{"app": strings.Repeat("v", 71)}, "metadata.labels.app"},
		{[]string{"metadata", "annotations"}, map[string]any{"no spaces please": "x"}, "metadata.annotations"},
		{[]string{"spec", "imagePullPolicy"}, "Sometimes", "spec.imagePullPolicy"},
		{[]string{"spec", "serviceAccount"}, "Bad SA", "spec.serviceAccount"},
		{[]string{"spec", "image"}, " flink:1.20 ", "spec.image"},
		{[]string{"spec", "mode"}, "yarn", "spec.mode"},
	} {
		var doc map[string]any
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			t.Fatal(err)
		}
		doc[tc.path[0]].(map[string]any)[tc.path[1]] = tc.value
		bad, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		err = k8s.ValidateFlinkDeploymentYAML(bad)
		if err == nil {
			t.Errorf("%s = %v passes the schema", tc.field, tc.value)
			continue
		}
		if _, ok := testkit.FindProblem(testkit.Problems(t, err), tc.field); !ok {
			t.Errorf("%s = %v: no problem at %s in %v", tc.field, tc.value, tc.field, err)
		}
	}
}
