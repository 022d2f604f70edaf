package flinkclient

import (
	"time"

	"github.com/rtdw/rtdw/internal/restclient"
)

// RetryPolicy decides how idempotent calls (reads, cancel, and triggers that carry their own
// trigger id) are retried. Non-idempotent calls (jar upload, jar run, savepoint disposal) are
// never retried. The zero value means the defaults of [DefaultRetryPolicy].
type RetryPolicy struct {
	// MaxAttempts counts the first attempt; 1 disables retries. 0 means 4.
	MaxAttempts int
	// InitialBackoff is the wait before the second attempt, doubled after each retry up to
	// MaxBackoff, with jitter. 0 means 100ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the wait. 0 means 2s.
	MaxBackoff time.Duration
	// Retryable decides whether a failed attempt is retried, from the HTTP status (0 when no
	// answer arrived) and the error. nil means [RetryableError].
	Retryable func(status int, err error) bool
}

// DefaultRetryPolicy is used unless [WithRetry] says otherwise.
var DefaultRetryPolicy = RetryPolicy{}.withDefaults()

func (p RetryPolicy) withDefaults() RetryPolicy { return RetryPolicy(p.rest()) }

// validate records p's problems in s and reports whether it has none.
func (p RetryPolicy) validate(s *restclient.Settings) bool {
	ok := true
	bad := func(field string, value any, fix string) {
		s.Bad("RetryPolicy."+field, value, fix)
		ok = false
	}
	if p.MaxAttempts < 0 {
		bad("MaxAttempts", p.MaxAttempts, "must be >= 0 (1 disables retries, 0 means 4)")
	}
	if p.InitialBackoff < 0 {
		bad("InitialBackoff", p.InitialBackoff, "must be >= 0 (0 means 100ms)")
	}
	if p.MaxBackoff < 0 {
		bad("MaxBackoff", p.MaxBackoff, "must be >= 0 (0 means 2s)")
	}
	return ok
}

// ShouldRetry applies the policy's predicate.
func (p RetryPolicy) ShouldRetry(status int, err error) bool {
	return p.withDefaults().Retryable(status, err)
}

// rest is the policy in the form the shared REST machinery runs.
func (p RetryPolicy) rest() restclient.Retry {
	return restclient.Retry(p).WithDefaults()
}

// RetryableError is the default retry predicate: no answer at all (connection refused, reset,
// or closed before the answer) unless the context ended, and the statuses a proxy or an
// overloaded JobManager gives for transient trouble: 429, 502, 503, 504.
func RetryableError(status int, err error) bool { return restclient.Retryable(status, err) }
