// Package flinkspec holds Apache Flink's own generated OpenAPI specs for the JobManager REST API
// (Flink 1.15, 1.18, 1.20, 2.0, 2.3) and the SQL Gateway REST API (v1..v4, Flink 1.18 on), and
// checks HTTP requests and responses against them with kin-openapi.
//
// Flink published no OpenAPI spec before 1.15. For Flink 1.12 and 1.13 the package embeds an
// OpenAPI conversion of the REST reference those releases generated into their documentation
// (rest_v1_dispatcher.html of 1.12.1 and 1.13.3; specs/PROVENANCE.md names the sources and the
// conversion). [IsDerived] tells the two kinds apart. The conversion keeps what the reference
// says: ResourceID is a plain string there (1.13's TaskManagerIdPathParameter takes any string),
// and the routes Flink leaves out of its reference (log and stdout files, yarn-cancel) are
// absent from it as from the later specs. One correction applies to them alone: the reference
// prints only the base class of the polymorphic CheckpointStatistics, so the base is given its
// subtypes' fields and every one of them Jackson's type property className, which Flink writes
// in checkpoint histories and latest entries.
//
// It exists so that tests and the in-process fakes of flinkclient/flinktest can prove that what
// the clients send, and what the fakes answer, is what a real Flink of a given version accepts and
// sends.
//
// Load a spec with [JobManager] or [SQLGateway] (results are parsed once and cached), match a
// request with [Spec.ValidateRequest] (or only route it with [Spec.FindRoute]), and check the
// answer with [Spec.ValidateResponse]. Paths are matched with or without the REST API version
// prefix: "/jobs/{jobid}" and "/v1/jobs/{jobid}" for the JobManager, "/sessions" and "/v2/sessions"
// for a v2 SQL Gateway spec.
//
// # Quirks of Flink's generated specs, and how they are handled
//
//   - ID patterns such as "[0-9a-f]{32}" are unanchored, so as JSON Schema they would accept any
//     string containing 32 hex digits. They are anchored at load time ("^(?:[0-9a-f]{32})$").
//   - Some schemas use oneOf over object schemas with no required properties (for example the
//     operation of AsynchronousOperationResult); any object matches every branch, so oneOf could
//     never hold. oneOf is relaxed to anyOf.
//   - The SQL Gateway's session_handle and operation_handle path parameters are typed as the Java
//     objects SessionHandle and OperationHandle ({"identifier": uuid}), while on the wire they are
//     the bare UUID string ("/sessions/5f7a3c1e-…"). They are validated as UUID strings
//     (8-4-4-4-12 hex digits), so a real session URL passes and "/sessions/not-a-uuid" does not.
//   - Flink splits every query parameter value on commas ("?jobs=a,b", "?get=m1,m2"), while the
//     spec names only the element type. Query parameters become comma-separated arrays
//     (style form, explode false) of that type. Flink upper-cases enum query values before parsing
//     them ("?mode=cancel" is the documented spelling of CANCEL), so such enums accept lower case too.
//   - The jar upload declares a body of application/x-java-archive (1.18 on) or a multipart
//     "jarfile" array (1.15), but Flink's upload handler decodes multipart/form-data with one file
//     part (what curl -F and the web UI send), whatever the part's name. For binary bodies,
//     [Spec.ValidateRequest] accepts multipart/form-data with a boundary or the declared media
//     type, and leaves the body unread so that a fake can stream it.
//   - Request body schemas leave additionalProperties unstated, which JSON Schema reads as
//     "allowed"; Flink decodes bodies strictly (Jackson's FAIL_ON_UNKNOWN_PROPERTIES) and answers
//     400 to an unknown field. [Spec.ValidateRequest] rejects unknown top-level properties, which
//     catches a field sent to a version that lacks it (claimMode to 1.18, flinkConfiguration to 1.15).
//   - The operation of AsynchronousOperationResult is not nullable, but while a savepoint (or any
//     asynchronous operation) runs Flink answers {"status":{"id":"IN_PROGRESS"},"operation":null}.
//     It is made nullable in every spec.
//   - ResourceID is typed as 32 hex digits, but a standalone TaskManager's id is
//     "<rpc-address>:<rpc-port>-<6 hex>" ("10.0.0.5:36789-2f5c1b"). ResourceID accepts both forms,
//     so "GET /taskmanagers/10.0.0.5:36789-2f5c1b" and such ids in answers pass. Other forms (a
//     TaskManager on YARN or Kubernetes, or one given taskmanager.resource-id) are still rejected.
//   - The 1.15 spec is an early 1.15 snapshot, generated before Flink 1.15.0 added formatType
//     (CANONICAL or NATIVE; FLINK-25744) to the savepoint trigger and stop-with-savepoint bodies.
//     It is added there, the two bodies that declare it in later specs.
//   - MetricCollectionResponseBody (every metrics and watermarks route) is described as the Java
//     class, {"metrics": [...]}, but its serializer writes the list itself:
//     [{"id": "numRestarts", "value": "0"}]. It is retyped as that array.
//   - ApplicationID (Flink 2.3's application routes) is described as the Java object
//     {"bytes", "lowerPart", "upperPart"}, but paths and answers carry its 32 hex digits, as for a
//     JobID (ApplicationIDSerializer). It is retyped as that string.
//   - The SQL Gateway's fetched results are described as Flink's Java classes: ResultInfo with
//     columnInfos, fieldGetters and resultSchema, RowData with arity and rowKind, LogicalType with
//     typeRoot, and queryResult. Flink's serializers write {"columns": [{"name", "logicalType":
//     {"type", "nullable", …}, "comment"}], "rowFormat", "data": [{"kind", "fields": [...]}]} and
//     isQueryResult. The results are retyped as written, closed to other fields, so an answer in
//     the specs' shape fails; nextResultUri may be null after the last page.
//   - Some response schemas name a field by its Java getter rather than what Flink sends; they are
//     left alone, since no field is required and other fields are allowed, but a client must not
//     believe them: JobVertexBackPressureInfo's level is "backpressure-level" on the wire (1.18 on
//     the spec says backpressureLevel), and JobConfigInfo is {"jid", "name", "execution-config"}
//     (the spec says jobId, jobName, executionConfigInfo).
//   - Error answers are not described at all. Flink answers every 4xx/5xx with
//     {"errors": ["..."]}; [Spec.ValidateResponse] checks 4xx/5xx bodies against that shape.
//   - Statuses declared without content (for example 202 of cancelJob) are answered by Flink with
//     "{}"; an empty body or any JSON object is accepted there.
//   - Bodies typed only as "object" (free-form, Flink's "any") accept any JSON object, as the spec
//     says; nothing further can be checked for them.
package flinkspec
