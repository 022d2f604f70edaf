package flinkclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
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

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 4
	}
	if p.InitialBackoff == 0 {
		p.InitialBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = 2 * time.Second
	}
	if p.Retryable == nil {
		p.Retryable = RetryableError
	}
	return p
}

func (p RetryPolicy) validate() string {
	var bad []string
	if p.MaxAttempts < 0 {
		bad = append(bad, fmt.Sprintf("MaxAttempts %d must be >= 0 (1 disables retries)", p.MaxAttempts))
	}
	if p.InitialBackoff < 0 {
		bad = append(bad, fmt.Sprintf("InitialBackoff %v must be >= 0", p.InitialBackoff))
	}
	if p.MaxBackoff < 0 {
		bad = append(bad, fmt.Sprintf("MaxBackoff %v must be >= 0", p.MaxBackoff))
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("WithRetry: %v", bad)
}

// ShouldRetry applies the policy's predicate.
func (p RetryPolicy) ShouldRetry(status int, err error) bool { return p.Retryable(status, err) }

func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	if d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	// Full jitter on half of the wait keeps clients from retrying in lockstep.
	half := d / 2
	if half > 0 {
		d = half + rand.N(half)
	}
	return d
}

// RetryableError is the default retry predicate: no answer at all (connection refused, reset,
// or closed before the answer) unless the context ended, and the statuses a proxy or an
// overloaded JobManager gives for transient trouble: 429, 502, 503, 504.
func RetryableError(status int, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch status {
	case 0:
		var e *Error
		return errors.As(err, &e) && e.Status == 0
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
