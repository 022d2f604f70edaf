// Package retry is the one backoff machinery of rtdw: every loop that tries an operation again
// after a failure, or polls until something is ready, waits through it. It is not API: each
// public package keeps its own retry setting (clickhouse.RetryPolicy, flinkclient.RetryPolicy,
// mysql.Config.ConnectMaxRetries, ...) and turns it into a [Policy].
//
// A [Backoff] says how long to wait after the n-th failed attempt: Initial, doubled per attempt
// up to Max, optionally drawn at random from the upper half so that many clients do not retry
// in step. A [Policy] adds when to stop: a count of attempts ([Policy.MaxAttempts]), a time
// budget ([Policy.Budget]), the caller's context, and a predicate ([Policy.Retryable]) that
// decides from the error whether another attempt can help, so that only failures known to pass
// are retried (the pgconn SafeToRetry habit). [Policy.OnRetry] is told of every retry with the
// attempt, its error and the wait, for logs and counters.
//
// [Policy.Do] runs an operation; [Policy.After] continues after a first attempt that already
// failed (a lost connection). Both wait with [Sleep], which returns as soon as the context
// ends; a wait cut short that way ends the loop with a [*StoppedError] carrying the last
// attempt's error and the context's.
package retry
