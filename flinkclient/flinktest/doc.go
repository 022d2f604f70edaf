// Package flinktest provides in-process fakes of Flink's REST servers for tests: a JobManager
// ([NewJobManager], [NewTestJobManager]) and a SQL Gateway ([NewSQLGateway]).
//
// The fakes are held to Flink's own OpenAPI specs of a chosen version (through the
// internal/flinkspec package and kin-openapi): every request is validated against the spec, and
// every answer the fake is about to give is validated too. A violation either way is reported to
// the configured reporter (pass the *testing.T to fail the test), kept for Violations, and
// returned by Close; a request the spec rejects is answered 400 as Flink would.
//
// The fake JobManager keeps real state: jars from real multipart uploads (stored on disk,
// checked to be zip archives, Main-Class read from the manifest), jobs moving through
// INITIALIZING, RUNNING, CANCELLING, CANCELED, FINISHED and FAILED, savepoints and checkpoints
// that stay IN_PROGRESS for a configurable time and then complete or fail with a Flink-like
// failure cause, savepoint disposal, and Flink's idempotent trigger IDs. Faults are injected per
// route with [JobManager.InjectFault] ([JobManagerFault]: error statuses, slow answers, dropped
// connections before or after handling, non-JSON bodies), and tests steer it with
// [JobManager.FailNextSavepoint], [JobManager.FailJob] and [JobManager.FinishJob].
package flinktest
