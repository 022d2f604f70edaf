package launch_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/rtdw/rtdw/deploy/launch"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

func TestWaitForJobManagerRetriesUntilTheRESTAPIAnswers(t *testing.T) {
	jm := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{FlinkVersion: "1.20"})
	// The first two overview requests fail as a JobManager that is still starting does.
	jm.InjectFault("GET /overview", flinktest.Fault{Status: http.StatusServiceUnavailable, Times: 2})
	var attempts []int
	err := launch.WaitForJobManager(context.Background(), jm.URL(), launch.WaitOptions{
		Interval: 10 * time.Millisecond, Timeout: 5 * time.Second,
		Progress: func(attempt int, err error) { attempts = append(attempts, attempt) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 2 || jm.Requests("GET /overview") != 3 {
		t.Errorf("failed attempts %v, overview requests %d; want 2 and 3", attempts, jm.Requests("GET /overview"))
	}
}

func TestWaitForJobManagerGivesUp(t *testing.T) {
	start := time.Now()
	err := launch.WaitForJobManager(context.Background(), "http://127.0.0.1:1", launch.WaitOptions{Interval: 20 * time.Millisecond, Timeout: 300 * time.Millisecond})
	var we *launch.WaitError
	if !errors.As(err, &we) || we.Attempts < 2 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestWaitForRESTWithACustomProbe(t *testing.T) {
	calls := 0
	probe := func(ctx context.Context, url string) error {
		calls++
		if calls < 3 {
			return errors.New("connection refused")
		}
		return nil
	}
	if err := launch.WaitForREST(context.Background(), "http://x", probe, launch.WaitOptions{Interval: time.Millisecond}); err != nil || calls != 3 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}
