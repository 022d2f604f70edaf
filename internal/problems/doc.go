// Package problems is the one "every problem in the configuration" error of rtdw: a
// validation finds all that is wrong with a configuration, an option list or a request, and
// reports it in one [*Error] — each [Problem] with its field, the offending value and the fix —
// so that a user fixes everything in one pass (the franz-go config validate habit). It is not
// API: each public package exposes the type under its own name (mysql.ConfigError,
// clickhouse.ConfigError, deploy.ConfigError, flinkclient.ValidationError are aliases of
// [Error]) and matches its own sentinel through [Error.Kind], so errors.Is(err,
// mysql.ErrInvalidConfig) tells one package's errors from another's.
//
// A validation starts with [New], records each problem with [Error.Add], and returns
// [Error.Err], which is nil when nothing was wrong. The value of a field whose name says it
// holds a secret (see redact.IsSecretKey) is recorded as the redaction placeholder, never as
// written.
package problems
