package retry

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is how long to wait between attempts: Initial after the first failed attempt, then
// doubled per attempt up to Max.
type Backoff struct {
	// Initial is the wait after the first failed attempt.
	Initial time.Duration
	// Max caps the wait; 0 leaves it uncapped.
	Max time.Duration
	// Jitter draws each wait at random from the upper half of its value, [d/2, d].
	Jitter bool
}

// Delay is the wait after the given failed attempt (1 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	d := max(b.Initial, 0)
	for i := 1; i < attempt && d > 0 && (b.Max <= 0 || d < b.Max); i++ {
		if d > math.MaxInt64/2 {
			break // doubling would overflow
		}
		d *= 2
	}
	if b.Max > 0 {
		d = min(d, b.Max)
	}
	if half := d / 2; b.Jitter && half > 0 {
		d = half + rand.N(half+1)
	}
	return d
}

// Policy says how often and how patiently an operation is tried.
type Policy struct {
	Backoff
	// MaxAttempts counts the first attempt: 1 means no retry. 0 sets no limit on the count;
	// Budget, the predicate or the context must end the loop then.
	MaxAttempts int
	// Budget, when positive, stops retrying once this long has passed since the loop began;
	// an attempt that started before is not cut short.
	Budget time.Duration
	// Retryable decides whether a failed attempt is worth another; nil retries every error.
	Retryable func(error) bool
	// OnRetry, when set, is called before each wait with the failed attempt's number (1 for
	// the first), its error and the wait before the next.
	OnRetry func(attempt int, err error, wait time.Duration)
}

// Do runs op until it succeeds or the policy stops it, and returns the number of attempts
// made and the last error: nil on success, op's error when it is not retryable or the count or
// the budget is spent, a [*StoppedError] when ctx ends during a wait (or had ended before one).
// op itself decides how to honour ctx during an attempt.
func (p Policy) Do(ctx context.Context, op func() error) (attempts int, err error) {
	start := time.Now()
	return p.continueFrom(ctx, start, op(), op)
}

// After is Do for a first attempt that has already failed with cause (a connection that was
// lost, say): it waits as after any failed attempt and then runs op. The count includes the
// first attempt. A nil cause returns (1, nil).
func (p Policy) After(ctx context.Context, cause error, op func() error) (attempts int, err error) {
	return p.continueFrom(ctx, time.Now(), cause, op)
}

func (p Policy) continueFrom(ctx context.Context, start time.Time, err error, op func() error) (int, error) {
	for attempt := 1; ; attempt++ {
		if err == nil || !p.retries(attempt, err, start) {
			return attempt, err
		}
		wait := p.Delay(attempt)
		if ctx.Err() == nil && p.OnRetry != nil {
			p.OnRetry(attempt, err, wait)
		}
		if serr := Sleep(ctx, wait); serr != nil {
			return attempt, &StoppedError{Last: err, Cause: serr, Attempts: attempt}
		}
		err = op()
	}
}

// retries reports whether a retry follows the failed attempt.
func (p Policy) retries(attempt int, err error, start time.Time) bool {
	switch {
	case p.MaxAttempts > 0 && attempt >= p.MaxAttempts:
		return false
	case p.Budget > 0 && time.Since(start) >= p.Budget:
		return false
	case p.Retryable != nil && !p.Retryable(err):
		return false
	}
	return true
}

// StoppedError is the end of a retry loop whose context ended while it waited to try again.
// It matches both the last attempt's error and the context's with errors.Is and errors.As.
type StoppedError struct {
	// Last is the error of the last attempt made.
	Last error
	// Cause is the context's error: context.Canceled or context.DeadlineExceeded.
	Cause error
	// Attempts is the number of attempts made.
	Attempts int
}

// Error gives the last attempt's error and why no further attempt was made.
func (e *StoppedError) Error() string {
	return fmt.Sprintf("%v (gave up retrying after %d attempt(s): %v)", e.Last, e.Attempts, e.Cause)
}

// Unwrap returns the last attempt's error and the context's.
func (e *StoppedError) Unwrap() []error { return []error{e.Last, e.Cause} }

// Sleep waits for d, or until ctx ends; then it returns ctx's error. A context that has
// already ended returns at once, even for a wait of 0.
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
