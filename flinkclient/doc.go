// Package flinkclient is a typed client for the Apache Flink JobManager REST API: everything
// done by clicking in the Flink web UI or typing bin/flink run / list / savepoint / cancel /
// run -s, as Go calls.
//
// Create a [Client] with [New] (no I/O happens until a call). Every call takes a context first;
// when the context has no deadline a default timeout ([DefaultTimeout], see [WithTimeout])
// applies, and a timeout or cancellation surfaces as the context's error
// (errors.Is(err, context.DeadlineExceeded)).
//
//	c, err := flinkclient.New("http://hadoop102:8081")
//	jar, err := c.UploadJarFile(ctx, "FlinkTutorial-1.0-SNAPSHOT.jar", nil)
//	jobID, err := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{
//		EntryClass: "com.atguigu.wc.StreamWordCount", Parallelism: 2})
//	op, err := c.TriggerSavepoint(ctx, jobID, flinkclient.SavepointRequest{TargetDirectory: "hdfs:///sp"})
//	location, err := op.Wait(ctx)
//
// # Areas
//
//   - Cluster: [Client.Overview], [Client.Config], [Client.FlinkVersion], [Client.ShutdownCluster].
//   - Jars: [Client.UploadJar] / [Client.UploadJarFile] (streamed multipart, never held in memory,
//     refused before sending unless the content is a zip), [Client.ListJars], [Client.DeleteJar],
//     [Client.PlanJar], [Client.RunJar] with every field of Flink's request ([RunJarRequest]).
//   - Jobs, as bin/flink does them, one call each: run and run -s ([Client.RunJar]), list
//     ([Client.JobsOverview], [Client.ListJobs]), cancel ([Client.CancelJob]), savepoint
//     ([Client.Savepoint]) and stop ([Client.Stop]); and [Client.JobDetails],
//     [Client.JobStatus], [Client.JobExceptions], [Client.WaitForJobState].
//   - Watching a running job: [Client.JobMetrics], [Client.VertexMetrics], [Client.Watermarks],
//     back pressure ([Client.VertexBackPressure], waitable with [Client.WaitBackPressure]), the
//     plan ([Client.JobPlan]) and configuration ([Client.JobConfig]).
//   - Checkpoints and savepoints: [Client.CheckpointStats] (counts, summary with percentiles,
//     latest, history), [Client.CheckpointConfig], [Client.CheckpointDetails] (per vertex),
//     [Client.TriggerCheckpoint], [Client.TriggerSavepoint],
//     [Client.StopWithSavepoint], [Client.DisposeSavepoint].
//   - TaskManagers: [Client.TaskManagers], [Client.TaskManagerDetails],
//     [Client.TaskManagerMetrics], [Client.TaskManagerLogs], [Client.TaskManagerLog],
//     [Client.TaskManagerStdout].
//   - The JobManager: [Client.JobManagerConfig], [Client.JobManagerEnvironment] (1.18 on),
//     [Client.JobManagerMetrics], [Client.JobManagerLogs], [Client.JobManagerLog],
//     [Client.JobManagerStdout]. Log files stream to an io.Writer.
//   - Rescaling in place with the adaptive scheduler: [Client.ResourceRequirements] and
//     [Client.SetResourceRequirements], waitable with [Client.WaitForRescale] (1.18 on), and
//     [Client.RescaleHistory] (2.3 on). Flink's PATCH /jobs/{jobid}/rescaling is
//     disabled in every version (FLINK-12312); elsewhere rescale with Stop and RunJar.
//   - Applications (2.3 on): [Client.Applications], [Client.Application],
//     [Client.CancelApplication], [Client.ApplicationExceptions],
//     [Client.ApplicationJobManagerConfig].
//
// # Asynchronous operations
//
// Savepoints, stop-with-savepoint, triggered checkpoints and disposals are values
// ([SavepointOperation], [CheckpointOperation], [DisposalOperation]) whose Wait polls with
// exponential backoff. A failure inside Flink is an [*OperationError] carrying Flink's failure
// cause. From Flink 1.15 on, triggers send a client-chosen trigger ID, so retrying a trigger
// whose answer was lost never starts a second savepoint. [Client.Savepoint] and [Client.Stop]
// trigger and wait in one call, as bin/flink savepoint and bin/flink stop do.
//
// # Versions
//
// The client speaks the REST shapes of Flink 1.12, 1.13, 1.15, 1.18, 1.20, 2.0 and 2.3
// ([SupportedVersions]), read from Flink's own OpenAPI specs (1.15 on) and from the REST
// reference 1.12 and 1.13 generated into their documentation. It learns the cluster's version
// once, from GET /config or else GET /overview (or from [WithFlinkVersion]), and adapts: no
// trigger ID before 1.15 (so savepoint triggers there are sent once, never retried), restoreMode
// from 1.15 and claimMode from 1.20, the savepoint format from 1.15, job configuration in a run
// from 1.18, job status from the details before 1.18, checkpoint triggering from 1.18, and the
// exception shapes of 1.12 (all-exceptions), 1.13-1.20 and 2.x merged into one [JobExceptions].
// Flink decodes request bodies strictly and answers 400 to a field it does not know, so a field
// the cluster's version lacks is refused before any I/O: a [*ValidationError] naming the field,
// the version it needs and the fix, together with every other bad field. A call whose route the
// version lacks gives an [*UnsupportedError] ([ErrUnsupported]) naming the version it needs.
//
// # Errors and retries
//
// A failed call returns an [*Error] with the method, path, HTTP status and Flink's error list.
// errors.Is matches [ErrJobNotFound] and [ErrJarNotFound]; an answer that is not JSON (a proxy's
// HTML page) matches [ErrNotJSON] and quotes the start of the body. Idempotent calls (reads,
// cancel, triggers with their own ID) are retried by [RetryPolicy] on connection failures and
// 429/502/503/504; uploads, runs and disposals never are. Credentials given with
// [WithBasicAuth], [WithBearerToken], [WithHeader] or as user:password in the base URL never
// appear in errors or printed clients. The options, the default timeout, the retries and the
// reading of answers are the same as those of the flinkclient/sqlgateway package: both clients
// are built on one internal REST layer.
//
// # Testing
//
// The flinktest sub-package provides an in-process fake JobManager whose requests and answers
// are checked against Flink's OpenAPI spec of the version it plays; every test of this client
// runs against it for each of the versions above. An opt-in test drives a real JobManager named
// in RTDW_TEST_FLINK.
package flinkclient
