package k8s

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var updateCRD = flag.Bool("update-crd", false, "regenerate crd/flinkdeployment-v1beta1.schema.json from testdata/crds")

// TestCRDSchemaIsUpToDate proves the embedded schema is what strictCRDSchema makes of the vendored CRD, and
// regenerates it with -update-crd.
func TestCRDSchemaIsUpToDate(t *testing.T) {
	crd, err := os.ReadFile("testdata/crds/flinkdeployments.flink.apache.org-v1.yml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := strictCRDSchema(crd, "v1beta1")
	if err != nil {
		t.Fatal(err)
	}
	if *updateCRD {
		if err := os.WriteFile("crd/flinkdeployment-v1beta1.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, flinkDeploymentSchema) {
		t.Error("crd/flinkdeployment-v1beta1.schema.json is stale; run go test ./deploy/k8s -run TestCRDSchemaIsUpToDate -update-crd")
	}
}
