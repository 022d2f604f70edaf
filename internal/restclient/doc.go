// Package restclient is the HTTP machinery shared by the Flink REST clients flinkclient
// (JobManager) and flinkclient/sqlgateway (SQL Gateway). It is not API: each of those packages
// keeps its own public options and error type and builds them on this package.
//
// [Settings] collects what the public options set (HTTP client or TLS configuration, default
// timeout, User-Agent, headers and credentials, [Retry] policy) and records every bad option;
// [New] checks the base URL too, moves user:password from it into basic authentication, and
// returns every problem at once. It does no I/O.
//
// [Client.Do] sends one [Request]: JSON or streamed body, the default timeout when ctx has no
// deadline, retries of idempotent calls with jittered exponential backoff ([Retry.Backoff]) as
// long as the predicate ([Retryable] by default: no answer, 429, 502, 503, 504) allows and ctx
// lives. Answers are read one way for both clients: a non-2xx answer yields Flink's
// {"errors": [...]} list or, failing that, the start of the body; a successful answer must be
// JSON (by its Content-Type, or by its body when it has none) or empty where nothing is
// expected; anything else, typically a proxy's HTML page, is marked [Failure.NotJSON] with a
// body snippet. Every failure is a [Failure] handed to the caller's [Wrap], which makes the
// package's public error; request headers, and so credentials, are never part of it, and
// [Client.Describe] prints the base URL and a count of headers only.
package restclient
