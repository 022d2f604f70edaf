package k8s_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/k8s"
)

// FuzzParseFlinkDeployment: whatever ParseFlinkDeployment reads and Validate accepts renders to a manifest that
// passes the CRD schema and reads back to the same deployment.
func FuzzParseFlinkDeployment(f *testing.F) {
	for _, d := range []k8s.FlinkDeployment{seedFlinkDeployment(), standaloneWithEverything()} {
		file, err := d.Render()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(file.Data)
	}
	f.Add([]byte("apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: x}\nspec: {flinkVersion: v1_13, image: flink:1.13, jobManager: {resource: {memory: 1g, cpu: .Inf}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := k8s.ParseFlinkDeployment(data)
		if err != nil || d.Validate() != nil {
			return
		}
		file, err := d.Render()
		if err != nil {
			t.Fatalf("a valid deployment does not render: %v", err)
		}
		back, err := k8s.ParseFlinkDeployment(file.Data)
		if err != nil {
			t.Fatalf("the rendered manifest does not parse: %v\n%s", err, file.Data)
		}
		again, err := back.Render()
		if err != nil || string(again.Data) != string(file.Data) {
			t.Fatalf("render(parse(render)) differs (%v):\n%s\n---\n%s", err, again.Data, file.Data)
		}
		if back.PodTemplate == "" && d.PodTemplate == "" && !reflect.DeepEqual(back.Config, d.Config) {
			t.Fatalf("configuration differs:\n got %+v\nwant %+v", back.Config, d.Config)
		}
	})
}

// Go's JSON decoding matches field names case-insensitively; the API server does not, so neither does
// ParseFlinkDeployment (found by FuzzParseFlinkDeployment).
func TestParseFlinkDeploymentIsCaseSensitive(t *testing.T) {
	file, err := seedFlinkDeployment().Render()
	if err != nil {
		t.Fatal(err)
	}
	miscased := []byte(strings.Replace(string(file.Data), "metadata:", "metaData:", 1))
	if _, err := k8s.ParseFlinkDeployment(miscased); err == nil || !strings.Contains(err.Error(), "metaData") {
		t.Errorf("metaData accepted: %v", err)
	}
}
