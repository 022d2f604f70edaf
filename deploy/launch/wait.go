package launch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/internal/retry"
)

// RESTProbe reports whether a REST API answers at url: nil when it does, the reason when it does not.
// [FlinkRESTProbe] asks a JobManager for its cluster overview; tests and other services can supply their own.
type RESTProbe func(ctx context.Context, url string) error

// WaitOptions tunes [WaitForREST] and [WaitForJobManager]. The zero value polls every 500 ms for up to
// 2 minutes (or until ctx's deadline, whichever comes first).
type WaitOptions struct {
	// Interval between attempts; 0 means 500 ms.
	Interval time.Duration
	// Timeout bounds the whole wait; 0 means 2 minutes. ctx's own deadline applies too.
	Timeout time.Duration
	// Progress, when set, is called after every failed attempt with its 1-based number and error.
	Progress func(attempt int, err error)
}

// WaitError reports a REST API that did not answer in time: the URL, how many attempts were made and the
// last failure. It unwraps to both the last failure and the context's error.
type WaitError struct {
	URL      string
	Attempts int
	Elapsed  time.Duration
	Last     error
	Cause    error // context.DeadlineExceeded or context.Canceled
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("launch: %s did not answer after %d attempts in %s: %v", e.URL, e.Attempts, e.Elapsed.Round(time.Millisecond), e.Last)
}

// Unwrap returns the last probe error and the context error.
func (e *WaitError) Unwrap() []error { return []error{e.Last, e.Cause} }

// WaitForREST calls probe until it succeeds, ctx ends, or opts.Timeout passes.
func WaitForREST(ctx context.Context, url string, probe RESTProbe, opts WaitOptions) error {
	if probe == nil {
		return errors.New("launch: WaitForREST needs a probe")
	}
	interval, timeout := opts.Interval, opts.Timeout
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return &WaitError{URL: url, Elapsed: time.Since(start), Last: err, Cause: err}
	}
	// Poll at a steady interval (a backoff that does not grow) until ctx's deadline.
	made := 0
	attempts, err := retry.Policy{Backoff: retry.Backoff{Initial: interval, Max: interval}}.Do(ctx, func() error {
		made++
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, max(interval, 2*time.Second))
		defer cancelAttempt()
		err := probe(attemptCtx, url)
		if err != nil && opts.Progress != nil {
			opts.Progress(made, err)
		}
		return err
	})
	var stopped *retry.StoppedError
	if errors.As(err, &stopped) {
		return &WaitError{URL: url, Attempts: attempts, Elapsed: time.Since(start), Last: stopped.Last, Cause: stopped.Cause}
	}
	return err
}

// FlinkRESTProbe returns a probe that builds a [flinkclient.Client] for the URL (one attempt per call, no
// client-side retries: the wait loop retries) and asks for the cluster overview. opts are passed to
// [flinkclient.New] after deploy's own, so they can override them (TLS, auth, HTTP client).
func FlinkRESTProbe(opts ...flinkclient.Option) RESTProbe {
	return func(ctx context.Context, url string) error {
		all := append([]flinkclient.Option{flinkclient.WithRetry(flinkclient.RetryPolicy{MaxAttempts: 1})}, opts...)
		c, err := flinkclient.New(url, all...)
		if err != nil {
			return err
		}
		_, err = c.Overview(ctx)
		return err
	}
}

// WaitForJobManager waits until the JobManager's REST API at url (e.g. "http://hadoop102:8081") answers its
// cluster overview: the step after a launch, before submitting jobs.
func WaitForJobManager(ctx context.Context, url string, opts WaitOptions, clientOpts ...flinkclient.Option) error {
	return WaitForREST(ctx, url, FlinkRESTProbe(clientOpts...), opts)
}
