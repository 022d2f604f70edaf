// Package flinktest provides in-process fakes of Flink's REST servers for tests: a JobManager
// ([NewJobManager], [NewTestJobManager]) and a SQL Gateway ([NewSQLGateway],
// [NewTestSQLGateway]). Both serve on a loopback port; point the code under test at their URL.
//
// # Held to Flink's own specs
//
// Both fakes are built on one spec-checking core. Each request is validated with kin-openapi
// against the OpenAPI spec that Flink generates for the imitated version (embedded in
// internal/flinkspec, with its documented corrections): the JobManager against the dispatcher
// spec of [JobManagerConfig.FlinkVersion] (1.12, 1.13, 1.15, 1.18, 1.20, 2.0 or 2.3, see
// [JobManagerVersions]; for 1.12 and 1.13, which published no OpenAPI spec, a conversion of the
// REST reference those releases generated), the SQL Gateway against the spec of the REST API version named in the
// path (v1..v4, as many as [SQLGatewayConfig.FlinkVersion] serves: 1.18 and 1.20 serve v1 and
// v2, 2.0 up to v3, 2.3 up to v4). Every answer the fake is about to give is validated against
// the same spec before it is sent.
//
// For 1.12 and 1.13 the fake JobManager is held to more: those documents were generated from
// the classes Flink serializes, field names included, so an answer may carry no field they leave
// undeclared (a maxParallelism or checkpoint_storage sent by a 1.12 fake is a violation). The
// later specs name some fields after Java getters instead of the wire, so there only declared
// fields are checked. Log and stdout files, which Flink serves as text and leaves out of every
// spec, are served outside the check.
//
// A violation either way is reported to the configured [Reporter] (pass the *testing.T, or use
// the NewTest constructors, to fail the test), kept for Violations, and returned by Close. A
// request the spec rejects is answered as Flink would (400, or 404/405 for an unknown route or
// method); an answer of the fake's own that the spec rejects is replaced by a 500. The SQL
// Gateway answers a REST API version or path its Flink does not serve with Flink's 404 and
// reports nothing, since a client may probe for a newer version.
//
// # Faults
//
// Both fakes inject the same [Fault]s per route ("METHOD /path/template" as in the spec, or
// "*"): error statuses, raw non-JSON bodies such as a proxy's HTML page, slow answers,
// connections dropped before handling, and answers lost after handling. Requests counts the
// requests per route, faults included.
//
// # State
//
// The fake JobManager keeps real state: jars from real multipart uploads (stored on disk,
// checked to be zip archives, Main-Class read from the manifest), jobs moving through
// INITIALIZING, RUNNING, CANCELLING, CANCELED, FINISHED and FAILED, savepoints and checkpoints
// that stay IN_PROGRESS for a configurable time and then complete or fail with a Flink-like
// failure cause, savepoint disposal, and Flink's idempotent trigger IDs (1.15 on). It also
// serves what operators watch: job, vertex, TaskManager and JobManager metrics, watermarks,
// back pressure (answered "deprecated" first, as Flink does while it measures), the job plan and
// configuration, checkpoint summaries and per-vertex details, standalone TaskManagers
// ("127.0.0.1:36000-<6 hex>") with their details and log files, resource requirements with the
// adaptive scheduler's restart ([JobManagerConfig.RescaleDelay], 1.18 on), and on 2.3 each job
// as an application with its rescale history. Tests steer it with [JobManager.FailNextSavepoint],
// [JobManager.FailJob], [JobManager.RecordJobException] and [JobManager.FinishJob].
//
// The fake SQL Gateway keeps sessions (with idle expiry), their configuration and catalogs, and
// operations that answer NOT_READY for a while before their paged results; it runs a small,
// deterministic set of statements (SET, RESET, SHOW, USE, CREATE/DROP TABLE, SELECT of
// literals) plus any registered with [SQLGateway.RegisterResult] or
// [SQLGateway.RegisterFailure].
package flinktest
