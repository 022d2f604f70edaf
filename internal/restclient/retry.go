package restclient

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/rtdw/rtdw/internal/retry"
)

// Retry decides how an idempotent call is retried. Calls with a streamed body, and calls not
// marked idempotent, are never retried.
type Retry struct {
	// MaxAttempts counts the first attempt; 1 disables retries. 0 means 4.
	MaxAttempts int
	// InitialBackoff is the wait before the second attempt, doubled after each retry up to
	// MaxBackoff, with jitter. 0 means 100ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the wait. 0 means 2s.
	MaxBackoff time.Duration
	// Retryable decides from the HTTP status (0 when no answer arrived) and the error the
	// client returns whether a failed attempt is retried. nil means [Retryable].
	Retryable func(status int, err error) bool
}

// DefaultRetry is the policy of [NewSettings]: 4 attempts, 100ms doubling up to 2s.
var DefaultRetry = Retry{}.WithDefaults()

// WithDefaults returns a copy of r with every zero field set to its default.
func (r Retry) WithDefaults() Retry {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = 4
	}
	if r.InitialBackoff == 0 {
		r.InitialBackoff = 100 * time.Millisecond
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = 2 * time.Second
	}
	if r.MaxBackoff < r.InitialBackoff {
		r.MaxBackoff = r.InitialBackoff
	}
	if r.Retryable == nil {
		r.Retryable = Retryable
	}
	return r
}

// Backoff is the wait after the given failed attempt (1 for the first): InitialBackoff doubled
// per attempt up to MaxBackoff, then drawn at random from its upper half, so that many clients
// do not retry in step.
func (r Retry) Backoff(attempt int) time.Duration { return r.backoff().Delay(attempt) }

func (r Retry) backoff() retry.Backoff {
	return retry.Backoff{Initial: r.InitialBackoff, Max: r.MaxBackoff, Jitter: true}
}

// policy is r for one call: attempts idempotent calls may make (1 for the others), and r's
// predicate applied to the answer's status and the wrapped error while ctx lives.
func (r Retry) policy(ctx context.Context, attempts int, status *int) retry.Policy {
	return retry.Policy{
		Backoff:     r.backoff(),
		MaxAttempts: attempts,
		Retryable:   func(err error) bool { return ctx.Err() == nil && r.Retryable(*status, err) },
	}
}

// Retryable is the default retry predicate: no answer at all (connection refused, reset, or
// closed before the answer) unless the caller's context ended, and the statuses a proxy or an
// overloaded server gives for trouble that passes: 429, 502, 503, 504.
func Retryable(status int, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch status {
	case 0, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
