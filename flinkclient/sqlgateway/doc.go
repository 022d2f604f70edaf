// Package sqlgateway is a client for the Apache Flink SQL Gateway REST API:
// open a session, run SQL in it, and read the results page by page, the way
// Flink's SQL client does over REST.
//
// # Connecting
//
// [New] builds a [Client] without any I/O. The REST API version (V1 to V4,
// see [APIVersion]) is negotiated on first use with GET /api_versions — the
// highest version both sides speak — or pinned with [WithAPIVersion]. Calls
// whose context has no deadline get one ([WithTimeout]). Idempotent calls
// (reads, fetches, heartbeats) are retried after transport errors and
// 429/502/503/504 answers ([WithRetry]); calls that create state (opening a
// session, executing a statement) never are, so a lost answer cannot run a
// statement twice. Credentials ([WithBearerToken], [WithBasicAuth],
// [WithHeader], or user:password in the URL) are sent with every request and
// never appear in errors or in the printed client. [WithHTTPClient] and
// [WithTLSConfig] choose the transport. These options, the timeout, the
// retries and the reading of answers are the JobManager client's
// (package flinkclient): both are built on one internal REST layer.
//
// # Sessions, statements, results
//
// [Client.OpenSession] returns a [Session]; [Session.Execute] submits a
// statement and returns an [Operation] at once. Rows arrive through
// [Operation.Results] (a [Results] reader with Next/Row/Scan/Err, in the
// style of database/sql) or [Operation.Rows] (a range-over-func iterator).
// Both follow nextResultUri from page to page, wait with growing pauses while
// the gateway answers NOT_READY, and stop at EOS. Each [Row] carries its
// [RowKind] (INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE) and one Go value per
// [Column], decoded by the column's [LogicalType]. [Operation.FetchResults]
// and [Operation.FetchNext] give the raw pages ([ResultPage]) for callers that
// want them.
//
// Version differences are handled inside: V1 has no row format (always JSON)
// and no configure-session or complete-statement ([Session.Configure] and
// [Session.CompleteStatement] return [ErrUnsupportedAPIVersion] there);
// [Session.RefreshMaterializedTable] exists only in V3 and
// [Session.DeployScript] only in V4.
//
// # Errors
//
// Every failed call returns an [*Error] with the method, path, HTTP status and
// Flink's own "errors" list; [Error.RootCause] digs Flink's reason (for
// example a ValidationException) out of the server-side stack trace.
// errors.Is matches [ErrSessionNotFound], [ErrOperationNotFound],
// [ErrStatementFailed] and [ErrNotJSON] (a proxy's HTML page), and
// context.Canceled / context.DeadlineExceeded when the caller's context ended.
// A statement that fails in Flink is accepted by Execute and reported when
// its results are read, as Flink itself does.
//
// # Testing
//
// The package flinkclient/flinktest has an in-process fake gateway,
// NewSQLGateway, that checks every request and answer against Flink's
// OpenAPI spec of a chosen version; the examples here run against it, and so
// does every test of this client, once per pair of Flink version (1.18, 1.20,
// 2.0, 2.3) and REST API version that Flink serves. An opt-in test drives a
// real gateway named in RTDW_TEST_FLINK_SQL_GATEWAY.
package sqlgateway
