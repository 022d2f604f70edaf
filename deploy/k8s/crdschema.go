package k8s

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// flinkDeploymentSchema is the openAPIV3Schema of the Flink Kubernetes Operator's FlinkDeployment CRD
// (v1beta1), made strict by strictCRDSchema. TestCRDSchemaIsUpToDate regenerates it from
// testdata/crds/flinkdeployments.flink.apache.org-v1.yml.
//
//go:embed crd/flinkdeployment-v1beta1.schema.json
var flinkDeploymentSchema []byte

// strictCRDSchema extracts a CRD version's openAPIV3Schema and turns it into a JSON Schema that rejects what
// `kubectl apply` (strict field validation, the default since Kubernetes 1.27) rejects: unknown fields are
// errors wherever the schema lists properties and does not preserve unknown fields. The status block, which
// users never write, is dropped; apiVersion, kind and metadata are added as the API server implies them.
// Descriptions and x-kubernetes-* markers are removed to keep the embedded copy small.
func strictCRDSchema(crdYAML []byte, version string) ([]byte, error) {
	var crd struct {
		Spec struct {
			Group    string                `json:"group"`
			Names    struct{ Kind string } `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crdYAML, &crd); err != nil {
		return nil, fmt.Errorf("k8s: reading CRD: %w", err)
	}
	var root map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			root = v.Schema.OpenAPIV3Schema
		}
	}
	if root == nil {
		return nil, fmt.Errorf("k8s: CRD has no version %q", version)
	}
	props, _ := root["properties"].(map[string]any)
	delete(props, "status")
	props["apiVersion"] = map[string]any{"const": crd.Spec.Group + "/" + version}
	props["kind"] = map[string]any{"const": crd.Spec.Names.Kind}
	props["metadata"] = map[string]any{
		"type":     "object",
		"required": []any{"name"},
		"properties": map[string]any{
			"name":        map[string]any{"type": "string", "maxLength": 253, "pattern": dns1123Subdomain},
			"namespace":   map[string]any{"type": "string", "maxLength": 63, "pattern": dns1123Label},
			"labels":      keyedBy(labelValue),
			"annotations": keyedBy(map[string]any{"type": "string"}),
		},
	}
	addKubernetesRules(props)
	root["required"] = []any{"apiVersion", "kind", "metadata", "spec"}
	strictify(root)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Kubernetes' own field rules (k8s.io/apimachinery/pkg/util/validation and the core API's container rules),
// written as JSON Schema so that a manifest is checked against them by the same independent validator as the
// CRD. The CRD leaves these fields plain strings; the API server or the kubelet enforces the rules later.
const (
	dns1123Label     = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	dns1123Subdomain = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
)

var (
	// qualifiedName is a label or annotation key: an optional DNS subdomain prefix and '/', then a name of at
	// most 63 characters.
	qualifiedName = `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`
	// labelValue is empty or at most 63 characters of the same alphabet as a key's name.
	labelValue = map[string]any{"type": "string", "pattern": `^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`}
)

// keyedBy is a map whose keys are qualified names and whose values follow value. It is written with
// patternProperties rather than propertyNames: jsonschema v6.0.3 reports a propertyNames failure at a wrong
// instance location (its location slice is overwritten by later errors), which would name the wrong field.
func keyedBy(value map[string]any) map[string]any {
	return map[string]any{"type": "object", "patternProperties": map[string]any{qualifiedName: value}, "additionalProperties": false}
}

// addKubernetesRules tightens the spec fields whose values Kubernetes itself checks: the image pull policy,
// the image reference (no whitespace) and the service account name.
func addKubernetesRules(props map[string]any) {
	spec, _ := props["spec"].(map[string]any)
	sp, _ := spec["properties"].(map[string]any)
	if sp == nil {
		return
	}
	set := func(field string, rules map[string]any) {
		if f, ok := sp[field].(map[string]any); ok {
			maps.Copy(f, rules)
		}
	}
	set("imagePullPolicy", map[string]any{"enum": []any{"Always", "IfNotPresent", "Never"}})
	set("image", map[string]any{"pattern": `^\S+$`})
	set("serviceAccount", map[string]any{"maxLength": 253, "pattern": dns1123Subdomain})
}

func strictify(node any) {
	switch n := node.(type) {
	case map[string]any:
		delete(n, "description")
		preserve := n["x-kubernetes-preserve-unknown-fields"] == true
		for k := range n {
			if strings.HasPrefix(k, "x-kubernetes-") {
				delete(n, k)
			}
		}
		if _, hasProps := n["properties"]; hasProps && !preserve {
			if _, hasAdditional := n["additionalProperties"]; !hasAdditional {
				n["additionalProperties"] = false
			}
		}
		if props, ok := n["properties"].(map[string]any); ok {
			for _, p := range props {
				strictify(p)
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			if sub, ok := n[k].(map[string]any); ok {
				strictify(sub)
			}
		}
		for _, k := range []string{"anyOf", "allOf", "oneOf"} {
			if list, ok := n[k].([]any); ok {
				for _, sub := range list {
					strictify(sub)
				}
			}
		}
	}
}

var (
	crdOnce   sync.Once
	crdSchema *jsonschema.Schema
	crdErr    error
	crdEnum   []string
)

func loadCRDSchema() {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(flinkDeploymentSchema))
	if err != nil {
		crdErr = err
		return
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("flinkdeployment.json", doc); err != nil {
		crdErr = err
		return
	}
	crdSchema, crdErr = c.Compile("flinkdeployment.json")
	// The flinkVersion enum, for messages and FlinkDeployment validation.
	var s struct {
		Properties struct {
			Spec struct {
				Properties struct {
					FlinkVersion struct {
						Enum []string `json:"enum"`
					} `json:"flinkVersion"`
				} `json:"properties"`
			} `json:"spec"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(flinkDeploymentSchema, &s); err == nil {
		crdEnum = s.Properties.Spec.Properties.FlinkVersion.Enum
	}
}

// OperatorFlinkVersions returns the spec.flinkVersion values the operator's CRD accepts ("v1_13" ... "v2_4").
func OperatorFlinkVersions() []string {
	crdOnce.Do(loadCRDSchema)
	return append([]string(nil), crdEnum...)
}

// ValidateFlinkDeploymentYAML checks a FlinkDeployment manifest (YAML or JSON) against the operator's published
// CRD schema, strictly: unknown fields are errors, as with kubectl's default strict field validation. The
// returned [deploy.ConfigError] names every offending field by its path (spec.job.upgradeMode).
func ValidateFlinkDeploymentYAML(data []byte) error {
	crdOnce.Do(loadCRDSchema)
	if crdErr != nil {
		return fmt.Errorf("k8s: loading the FlinkDeployment schema: %w", crdErr)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("k8s: FlinkDeployment is not valid YAML: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return fmt.Errorf("k8s: FlinkDeployment: %w", err)
	}
	err = crdSchema.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("k8s: validating FlinkDeployment: %w", err)
	}
	ps := invalid("FlinkDeployment (against the operator's CRD schema)")
	seen := map[string]bool{}
	for _, unit := range ve.BasicOutput().Errors {
		if unit.Error == nil {
			continue
		}
		loc := pointerSegments(unit.InstanceLocation)
		key := strings.Join(loc, ".")
		if key == "" {
			key = "(document)"
		}
		msg := unit.Error.String()
		// Summary units ("validation failed", "anyOf failed") repeat what their causes say.
		if seen[key+msg] || strings.HasPrefix(msg, "validation failed") {
			continue
		}
		seen[key+msg] = true
		ps.Add(key, valueAt(inst, loc), "%s", msg)
	}
	sort.SliceStable(ps.Problems, func(i, j int) bool { return ps.Problems[i].Field < ps.Problems[j].Field })
	return ps.Err()
}

// pointerSegments splits a JSON pointer ("/spec/job/upgradeMode") into unescaped segments.
func pointerSegments(ptr string) []string {
	if ptr == "" || ptr == "/" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs
}

// valueAt returns the scalar at loc in a decoded JSON document, or "" for objects, arrays and missing paths.
func valueAt(doc any, loc []string) string {
	cur := doc
	for _, seg := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			i := 0
			fmt.Sscan(seg, &i)
			if i < 0 || i >= len(c) {
				return ""
			}
			cur = c[i]
		default:
			return ""
		}
	}
	switch c := cur.(type) {
	case map[string]any, []any, nil:
		return ""
	default:
		return fmt.Sprint(c)
	}
}
