package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rtdw/rtdw/internal/retry"
)

var errBusy = errors.New("server busy")

// An operation that fails twice with a transient error is tried three times; each retry is
// reported with its wait.
func Example() {
	p := retry.Policy{
		Backoff:     retry.Backoff{Initial: time.Millisecond, Max: 3 * time.Millisecond},
		MaxAttempts: 5,
		Retryable:   func(err error) bool { return errors.Is(err, errBusy) },
		OnRetry: func(attempt int, err error, wait time.Duration) {
			fmt.Printf("attempt %d: %v; retrying in %v\n", attempt, err, wait)
		},
	}
	calls := 0
	attempts, err := p.Do(context.Background(), func() error {
		if calls++; calls < 3 {
			return errBusy
		}
		return nil
	})
	fmt.Println(attempts, err)
	// Output:
	// attempt 1: server busy; retrying in 1ms
	// attempt 2: server busy; retrying in 2ms
	// 3 <nil>
}

// The waits of a backoff: doubled per attempt up to the cap.
func ExampleBackoff_Delay() {
	b := retry.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	for attempt := 1; attempt <= 5; attempt++ {
		fmt.Print(b.Delay(attempt), " ")
	}
	fmt.Println()
	// Output:
	// 100ms 200ms 400ms 800ms 1s
}
