package flinktest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// recorder is a [flinktest.Reporter] that keeps what it is told instead of failing the test,
// so tests can assert that a fake does report violations.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// startRecording starts a fake whose violations go to a recorder; t.Cleanup closes it.
func startRecording[F interface{ Close() error }](t *testing.T, start func(flinktest.Reporter) (F, error)) (F, *recorder) {
	t.Helper()
	rec := &recorder{}
	f, err := start(rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, rec
}

// send makes one HTTP request with the given Content-Type (none when empty) and returns the
// status and body of the answer.
func send(t *testing.T, method, url, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// do is send with a JSON body (or none when body is empty).
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	return send(t, method, url, ctype, body)
}
