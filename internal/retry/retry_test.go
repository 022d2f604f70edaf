package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errTransient = errors.New("transient")

func TestDelayDoublesUpToTheCap(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond}
	for attempt, want := range map[int]time.Duration{1: 100, 2: 200, 3: 400, 9: 400, 200: 400} {
		if d := b.Delay(attempt); d != want*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", attempt, d, want*time.Millisecond)
		}
	}
	if d := (Backoff{Initial: time.Second}).Delay(200); d <= 0 {
		t.Errorf("uncapped Delay(200) = %v: overflowed", d)
	}
	if d := (Backoff{}).Delay(3); d != 0 {
		t.Errorf("zero Backoff waits %v", d)
	}
}

func TestJitterStaysInTheUpperHalf(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond, Jitter: true}
	for attempt, want := range map[int]time.Duration{1: 100, 2: 200, 3: 400, 9: 400} {
		want *= time.Millisecond
		for range 50 {
			if d := b.Delay(attempt); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

func TestDoStopsAtMaxAttempts(t *testing.T) {
	t.Parallel()
	for _, max := range []int{1, 3} {
		calls, retries := 0, 0
		p := Policy{MaxAttempts: max, OnRetry: func(int, error, time.Duration) { retries++ }}
		attempts, err := p.Do(context.Background(), func() error { calls++; return errTransient })
		if attempts != max || calls != max || retries != max-1 || err != errTransient {
			t.Errorf("MaxAttempts %d: %d attempts, %d calls, %d retries, err %v", max, attempts, calls, retries, err)
		}
	}
}

func TestDoRetriesOnlyWhatThePredicateAllows(t *testing.T) {
	t.Parallel()
	permanent := errors.New("permanent")
	calls := 0
	p := Policy{Retryable: func(err error) bool { return errors.Is(err, errTransient) }}
	attempts, err := p.Do(context.Background(), func() error {
		if calls++; calls < 3 {
			return errTransient
		}
		return permanent
	})
	if attempts != 3 || err != permanent {
		t.Fatalf("Do = %d, %v; want 3 attempts ending on the permanent error", attempts, err)
	}
}

func TestDoStopsWhenTheBudgetIsSpent(t *testing.T) {
	t.Parallel()
	p := Policy{Backoff: Backoff{Initial: 5 * time.Millisecond}, Budget: 30 * time.Millisecond}
	start := time.Now()
	attempts, err := p.Do(context.Background(), func() error { return errTransient })
	if err != errTransient || attempts < 2 || time.Since(start) > time.Second {
		t.Fatalf("Do = %d, %v after %v", attempts, err, time.Since(start))
	}
}

func TestAContextEndingDuringTheWaitStopsTheLoop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	p := Policy{Backoff: Backoff{Initial: time.Hour}}
	attempts, err := p.Do(ctx, func() error { return errTransient })
	var se *StoppedError
	if attempts != 1 || !errors.As(err, &se) || !errors.Is(err, errTransient) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %d, %v; want a StoppedError after one attempt", attempts, err)
	}
}

func TestAfterCountsTheFailedFirstAttempt(t *testing.T) {
	t.Parallel()
	var seen []error
	p := Policy{MaxAttempts: 2, OnRetry: func(_ int, err error, _ time.Duration) { seen = append(seen, err) }}
	attempts, err := p.After(context.Background(), errTransient, func() error { return nil })
	if attempts != 2 || err != nil || len(seen) != 1 || seen[0] != errTransient {
		t.Fatalf("After = %d, %v (retries %v)", attempts, err, seen)
	}
	if attempts, err := p.After(context.Background(), nil, func() error { t.Fatal("op ran"); return nil }); attempts != 1 || err != nil {
		t.Fatalf("After(nil) = %d, %v", attempts, err)
	}
}

func TestSleepReturnsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended context = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
