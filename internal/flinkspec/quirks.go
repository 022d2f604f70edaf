package flinkspec

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// adjust rewrites the parts of Flink's generated specs that, read literally, do not describe
// what a Flink server accepts or sends. Each rewrite is listed in the package documentation.
func adjust(doc *openapi3.T, kind Kind, flinkVersion string) {
	if doc.Components != nil {
		allowNullOperation(doc.Components.Schemas)
		allowStandaloneResourceID(doc.Components.Schemas)
		metricsAsArray(doc.Components.Schemas)
		applicationIDAsHex(doc.Components.Schemas)
		if kind == KindJobManager && derivedJobManagerSpecs[flinkVersion] {
			checkpointStatisticsSubtypes(doc.Components.Schemas)
		}
		if kind == KindSQLGateway {
			resultsAsSent(doc.Components.Schemas)
		}
		if kind == KindJobManager && flinkVersion == "1.15" {
			addSavepointFormatType(doc.Components.Schemas)
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		anchorPattern(s)
		// Flink's generator emits oneOf over object schemas that have no required properties,
		// so every object matches every branch and oneOf ("exactly one") can never hold.
		if len(s.OneOf) > 0 {
			s.AnyOf = append(s.AnyOf, s.OneOf...)
			s.OneOf = nil
		}
		for _, list := range []openapi3.SchemaRefs{s.AnyOf, s.AllOf} {
			for _, r := range list {
				walk(r)
			}
		}
		walk(s.Not)
		walk(s.Items)
		for _, r := range s.Properties {
			walk(r)
		}
		walk(s.AdditionalProperties.Schema)
	}
	if doc.Components != nil {
		for _, r := range doc.Components.Schemas {
			walk(r)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value == nil {
					continue
				}
				if p.Value.In == openapi3.ParameterInPath {
					handleAsUUIDString(p.Value)
				}
				walk(p.Value.Schema)
				if p.Value.In == openapi3.ParameterInQuery {
					listify(p.Value)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// allowNullOperation makes "operation" of AsynchronousOperationResult (and any variant named
// AsynchronousOperationResult…) nullable: while the operation runs, Flink answers
// {"status":{"id":"IN_PROGRESS"},"operation":null}, its @Nullable result serialized as null.
func allowNullOperation(schemas openapi3.Schemas) {
	for name, ref := range schemas {
		if !strings.HasPrefix(name, "AsynchronousOperationResult") || ref.Value == nil {
			continue
		}
		if op := ref.Value.Properties["operation"]; op != nil && op.Value != nil {
			op.Value.Nullable = true
		}
	}
}

// resourceIDPattern accepts both forms of a TaskManager's ResourceID: 32 hex digits, and a
// standalone TaskManager's "<rpc-address>:<rpc-port>-<6 hex>" (TaskManagerRunner
// #getTaskManagerResourceID, for example "10.0.0.5:36789-2f5c1b").
const resourceIDPattern = `^(?:[0-9a-f]{32}|[^/]+:[0-9]{1,5}-[0-9a-f]{6})$`

// allowStandaloneResourceID widens the ResourceID schema, which the specs type as 32 hex
// digits only; path parameters and response fields refer to it, so all of them follow.
func allowStandaloneResourceID(schemas openapi3.Schemas) {
	if ref := schemas["ResourceID"]; ref != nil && ref.Value != nil && ref.Value.Pattern != "" {
		ref.Value.Pattern = resourceIDPattern
	}
}

// addSavepointFormatType adds formatType (CANONICAL or NATIVE) to the savepoint trigger and
// stop-with-savepoint request bodies of the 1.15 spec, an early 1.15 snapshot generated before
// Flink 1.15.0 added the field (FLINK-25744, native savepoints). Later specs declare it in
// exactly these two bodies.
func addSavepointFormatType(schemas openapi3.Schemas) {
	format := schemas["SavepointFormatType"]
	if format == nil {
		format = openapi3.NewSchemaRef("", &openapi3.Schema{
			Type: &openapi3.Types{openapi3.TypeString},
			Enum: []any{"CANONICAL", "NATIVE"},
		})
		schemas["SavepointFormatType"] = format
	}
	for _, name := range []string{"SavepointTriggerRequestBody", "StopWithSavepointRequestBody"} {
		body := schemas[name]
		if body == nil || body.Value == nil {
			continue
		}
		if _, ok := body.Value.Properties["formatType"]; ok {
			continue
		}
		if body.Value.Properties == nil {
			body.Value.Properties = openapi3.Schemas{}
		}
		body.Value.Properties["formatType"] = openapi3.NewSchemaRef("#/components/schemas/SavepointFormatType", format.Value)
	}
}

// metricsAsArray retypes MetricCollectionResponseBody, which the specs describe as the Java
// class ({"metrics": [...]}), as what Flink sends: its custom serializer writes the collection
// itself, [{"id": "numRestarts", "value": "0"}, ...] (every metrics and watermarks route).
func metricsAsArray(schemas openapi3.Schemas) {
	body, metric := schemas["MetricCollectionResponseBody"], schemas["Metric"]
	if body == nil || body.Value == nil || metric == nil {
		return
	}
	*body.Value = openapi3.Schema{
		Type:  &openapi3.Types{openapi3.TypeArray},
		Items: openapi3.NewSchemaRef("#/components/schemas/Metric", metric.Value),
	}
}

// applicationIDAsHex retypes ApplicationID (Flink 2.3's applications), which the spec describes
// as the Java object ({"bytes", "lowerPart", "upperPart"}), as what travels in paths and answers:
// ApplicationIDSerializer writes the 32 hex digits of AbstractID.toString, as for a JobID.
func applicationIDAsHex(schemas openapi3.Schemas) {
	id := schemas["ApplicationID"]
	if id == nil || id.Value == nil || !id.Value.Type.Is(openapi3.TypeObject) {
		return
	}
	*id.Value = openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Pattern: "[0-9a-f]{32}"}
}

// resultsAsSent retypes the SQL Gateway's fetched results, which the specs describe as Flink's
// Java classes, as Flink's serializers write them (ResultInfoJsonSerializer,
// ColumnInfo, RowDataJsonSerializer, FetchResultResponseBodySerializer):
//
//	{"resultType": "PAYLOAD", "isQueryResult": true, "jobID": "…", "resultKind": "SUCCESS_WITH_CONTENT",
//	 "results": {"columns": [{"name": "id", "logicalType": {"type": "INTEGER", "nullable": false}, "comment": null}],
//	             "rowFormat": "JSON", "data": [{"kind": "INSERT", "fields": [1]}]},
//	 "nextResultUri": "/v2/sessions/…/result/1"}
//
// where the specs say columnInfos, fieldGetters, resultSchema, RowData's arity and rowKind,
// LogicalType's typeRoot and children, and queryResult. Results and rows admit no other fields,
// so an answer in the specs' shape is rejected. nextResultUri may be null after the last page.
func resultsAsSent(schemas openapi3.Schemas) {
	info, body := schemas["ResultInfo"], schemas["FetchResultsResponseBody"]
	if info == nil || info.Value == nil || body == nil || body.Value == nil {
		return
	}
	str := func() *openapi3.SchemaRef { return openapi3.NewSchemaRef("", openapi3.NewStringSchema()) }
	closed := openapi3.AdditionalProperties{Has: new(bool)}
	logicalType := &openapi3.Schema{
		Type:       &openapi3.Types{openapi3.TypeObject},
		Required:   []string{"type"},
		Properties: openapi3.Schemas{"type": str(), "nullable": openapi3.NewSchemaRef("", openapi3.NewBoolSchema())},
	}
	comment := openapi3.NewStringSchema()
	comment.Nullable = true
	column := &openapi3.Schema{
		Type:     &openapi3.Types{openapi3.TypeObject},
		Required: []string{"name", "logicalType"},
		Properties: openapi3.Schemas{"name": str(), "logicalType": openapi3.NewSchemaRef("", logicalType),
			"comment": openapi3.NewSchemaRef("", comment)},
		AdditionalProperties: closed,
	}
	rowKind := schemas["RowKind"]
	if rowKind == nil {
		rowKind = str()
	}
	row := &openapi3.Schema{
		Type:     &openapi3.Types{openapi3.TypeObject},
		Required: []string{"kind", "fields"},
		Properties: openapi3.Schemas{"kind": openapi3.NewSchemaRef("#/components/schemas/RowKind", rowKind.Value),
			"fields": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray},
				Items: openapi3.NewSchemaRef("", &openapi3.Schema{Nullable: true})})}, // any value per field, NULL as null
		AdditionalProperties: closed,
	}
	props := openapi3.Schemas{
		"columns": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: openapi3.NewSchemaRef("", column)}),
		"data":    openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: openapi3.NewSchemaRef("", row)}),
	}
	if f, ok := info.Value.Properties["rowFormat"]; ok {
		props["rowFormat"] = f
	}
	*info.Value = openapi3.Schema{
		Type:                 &openapi3.Types{openapi3.TypeObject},
		Required:             []string{"columns", "data"},
		Properties:           props,
		AdditionalProperties: closed,
	}
	if q, ok := body.Value.Properties["queryResult"]; ok {
		delete(body.Value.Properties, "queryResult")
		body.Value.Properties["isQueryResult"] = q
	}
	if next, ok := body.Value.Properties["nextResultUri"]; ok && next.Value != nil {
		cp := *next.Value
		cp.Nullable = true
		body.Value.Properties["nextResultUri"] = openapi3.NewSchemaRef("", &cp)
	}
}

// checkpointStatisticsSubtypes completes CheckpointStatistics in the 1.12 and 1.13 documents.
// It is polymorphic (Jackson's @JsonTypeInfo with the type name in "className": completed,
// failed, in_progress), and Flink's 1.x doc generator printed only the base class, so a history
// entry, which Flink writes with its subtype's fields and className, would show fields the
// document does not declare. The base gets the subtypes' properties and every one of them
// className, as the later specs declare it.
func checkpointStatisticsSubtypes(schemas openapi3.Schemas) {
	base := schemas["CheckpointStatistics"]
	if base == nil || base.Value == nil {
		return
	}
	className := openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString},
		Enum: []any{"completed", "failed", "in_progress"}})
	for _, name := range []string{"CheckpointStatistics", "CompletedCheckpointStatistics", "FailedCheckpointStatistics"} {
		sub := schemas[name]
		if sub == nil || sub.Value == nil {
			continue
		}
		if sub.Value.Properties == nil {
			sub.Value.Properties = openapi3.Schemas{}
		}
		sub.Value.Properties["className"] = className
		for k, v := range sub.Value.Properties {
			if _, ok := base.Value.Properties[k]; !ok {
				base.Value.Properties[k] = v
			}
		}
	}
}

// anchorPattern anchors a regular expression such as "[0-9a-f]{32}": Flink's IDs are exactly
// 32 hex digits, but JSON Schema patterns match anywhere in the string.
func anchorPattern(s *openapi3.Schema) {
	if s.Pattern == "" {
		return
	}
	p := s.Pattern
	if !strings.HasPrefix(p, "^") {
		p = "^(?:" + p + ")"
	}
	if !strings.HasSuffix(p, "$") {
		p += "$"
	}
	s.Pattern = p
}

// uuidPattern is the textual form of a java.util.UUID: 8-4-4-4-12 hex digits, either case.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// handleAsUUIDString retypes a path parameter declared as a handle object (the SQL Gateway's
// SessionHandle and OperationHandle: {"identifier": string, format uuid}) as the UUID string it
// is on the wire ("/sessions/3f1c…-…/operations/…"). Flink's spec generator describes the Java
// type the path segment is parsed into, not the segment; read literally, no string could ever
// be a valid session_handle. The component schema itself is left alone.
func handleAsUUIDString(p *openapi3.Parameter) {
	if p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeObject) {
		return
	}
	props := p.Schema.Value.Properties
	id, ok := props["identifier"]
	if len(props) != 1 || !ok || id.Value == nil || !id.Value.Type.Is(openapi3.TypeString) || id.Value.Format != "uuid" {
		return
	}
	p.Schema = openapi3.NewSchemaRef("", &openapi3.Schema{
		Type:    &openapi3.Types{openapi3.TypeString},
		Format:  "uuid",
		Pattern: uuidPattern,
	})
}

// listify turns a query parameter's schema X into "array of X, comma separated" (style form,
// explode false): Flink's MessageQueryParameter splits every query value on commas, so
// "?jobs=a,b" or "?get=m1,m2" is two values of the element type the spec names.
func listify(p *openapi3.Parameter) {
	if p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Type.Is(openapi3.TypeArray) {
		return
	}
	items := p.Schema
	if e := items.Value.Enum; len(e) > 0 {
		// Flink upper-cases enum query values before parsing them ("?mode=cancel" is the
		// documented form of TERMINATION mode CANCEL), so accept either case.
		cp := *items.Value
		cp.Enum = nil
		for _, v := range e {
			cp.Enum = append(cp.Enum, v)
			if s, ok := v.(string); ok && strings.ToLower(s) != s {
				cp.Enum = append(cp.Enum, strings.ToLower(s))
			}
		}
		items = openapi3.NewSchemaRef("", &cp)
	}
	explode := false
	p.Style = openapi3.SerializationForm
	p.Explode = &explode
	p.Schema = openapi3.NewSchemaRef("", &openapi3.Schema{
		Type:  &openapi3.Types{openapi3.TypeArray},
		Items: items,
	})
}
