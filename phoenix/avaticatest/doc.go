// Package avaticatest is an in-process Phoenix Query Server for tests: an
// Avatica endpoint speaking protobuf over HTTP POST, as PQS does, in front
// of a small in-memory Phoenix. Point calcite-avatica-go (or package
// phoenix's Client) at [Server.URL] and the real driver runs end to end.
//
// It answers the requests avatica-go sends (OpenConnection,
// DatabaseProperty, ConnectionSync, CreateStatement, Prepare,
// PrepareAndExecute, Execute, ExecuteBatch, Fetch, Commit, Rollback,
// CloseStatement, CloseConnection) with the responses PQS gives: the
// statement signature with each parameter's Phoenix type (avatica-go binds
// times by it), result frames typed by column, update counts, and errors as
// PQS sends a Phoenix SQLException (the exception's causal chain as
// error_message with "ERROR code (state): text" inside, Avatica's unknown
// code -1 and state 00000, the stack trace in exceptions). A connection
// whose namespace mapping properties differ from [Config]'s is refused with
// ERROR 726, as Phoenix refuses it.
//
// It understands the statements rtdw writes, parsed as Phoenix parses
// them where it matters (unquoted identifiers are upper-cased, quoted ones
// kept): SELECT 1, CREATE SCHEMA, CREATE TABLE with a primary key
// constraint, column families and options, ALTER TABLE ADD and DROP COLUMN,
// DROP TABLE, DELETE of every row, and UPSERT, DELETE and SELECT by
// primary key with ? parameters. Bound values are
// checked against the column types (ERROR 203, 206). Writes with autocommit
// off wait for the commit; a rollback drops them.
//
// Every request is checked, and a violation is reported to the [Reporter]
// (the test fails): a value written into the SQL instead of bound, a
// statement it does not know, a WHERE that is not the whole primary key, an
// Execute of an unprepared statement, a request that is not protobuf. Tests
// inject faults with [Server.OnCall] (a Phoenix error on the third Execute,
// a failing commit) and read what was committed with [Server.Rows].
//
// It verifies the protocol and rtdw's SQL, not Phoenix's dialect: a
// statement the fake accepts may still be refused by a real Phoenix, which
// the opt-in tests against RTDW_TEST_PHOENIX check.
package avaticatest
