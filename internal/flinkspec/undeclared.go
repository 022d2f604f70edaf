package flinkspec

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// UndeclaredFields lists the object fields of a JSON answer to route that the response schema
// does not declare, as paths such as "vertices[0].maxParallelism". JSON Schema allows them, and
// Flink's generated specs leave additionalProperties unstated, so [Spec.ValidateResponse]
// accepts them; but where the spec was generated from the classes Flink serializes, an
// undeclared field is one the version does not send. Objects typed only as "object" (or with
// additionalProperties) are not looked into beyond their declared value schema. A body that is
// not JSON, or a status the route does not declare, gives nil.
func (s *Spec) UndeclaredFields(route *Route, status int, body []byte) []string {
	if route == nil || route.route == nil {
		return nil
	}
	resp := route.route.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	var out []string
	undeclared(mt.Schema.Value, v, "", &out)
	sort.Strings(out)
	return out
}

func undeclared(s *openapi3.Schema, v any, path string, out *[]string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		props, open, extra := objectShape(s)
		if len(props) == 0 && extra == nil {
			return // free-form ("any", "object")
		}
		for k, val := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			switch ref, ok := props[k]; {
			case ok:
				undeclared(ref, val, p, out)
			case extra != nil:
				undeclared(extra, val, p, out)
			case !open:
				*out = append(*out, p)
			}
		}
	case []any:
		items := s.Items
		if items == nil {
			for _, b := range append(append(openapi3.SchemaRefs{}, s.AnyOf...), s.AllOf...) {
				if b.Value != nil && b.Value.Items != nil {
					items = b.Value.Items
				}
			}
		}
		if items == nil {
			return
		}
		for i, e := range v {
			undeclared(items.Value, e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

// objectShape merges the declared properties of s and of its allOf/anyOf branches. open is true
// when additionalProperties is explicitly allowed without a schema; extra is its schema, if any.
func objectShape(s *openapi3.Schema) (props map[string]*openapi3.Schema, open bool, extra *openapi3.Schema) {
	props = map[string]*openapi3.Schema{}
	var visit func(s *openapi3.Schema)
	visit = func(s *openapi3.Schema) {
		for k, r := range s.Properties {
			if r != nil && r.Value != nil {
				props[k] = r.Value
			}
		}
		if s.AdditionalProperties.Schema != nil && s.AdditionalProperties.Schema.Value != nil {
			extra = s.AdditionalProperties.Schema.Value
		}
		if s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has {
			open = true
		}
		for _, b := range append(append(openapi3.SchemaRefs{}, s.AnyOf...), s.AllOf...) {
			if b != nil && b.Value != nil {
				visit(b.Value)
			}
		}
	}
	visit(s)
	return props, open, extra
}
