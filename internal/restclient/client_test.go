package restclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failureOf returns the Failure behind Do's error.
func failureOf(t *testing.T, c *Client, req Request) *Failure {
	t.Helper()
	var got *Failure
	err := c.Do(context.Background(), req, func(f *Failure) error { got = f; return errors.New("failed") })
	if err == nil {
		return nil // earlier attempts may have failed
	}
	if got == nil {
		t.Fatalf("Do = %v without a failure", err)
	}
	return got
}

func newClient(t *testing.T, url string, set func(*Settings)) *Client {
	t.Helper()
	s := NewSettings("test/1")
	s.SetRetry(Retry{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if set != nil {
		set(s)
	}
	c, problems := New(url, "http://host:1", s)
	if problems != nil {
		t.Fatal(problems)
	}
	return c
}

func TestAnswersAreReadOneWay(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes: the snippet must cut between characters
	cases := []struct {
		name, ctype, body string
		status            int
		decode            bool
		ok, notJSON       bool
		errors            []string
		snippet           string
	}{
		{"json", "application/json", `{"a":1}`, 200, true, true, false, nil, ""},
		{"vendor json", "application/vnd.x+json", `{"a":1}`, 200, true, true, false, nil, ""},
		{"untyped json", "", `{"a":1}`, 200, true, true, false, nil, ""},
		{"untyped text", "", `hello`, 200, true, false, true, nil, "hello"},
		{"html 200", "text/html", `<html>login</html>`, 200, false, false, true, nil, "<html>login</html>"},
		{"empty 202, nothing expected", "text/plain", ``, 202, false, true, false, nil, ""},
		{"flink error", "application/json; charset=UTF-8", `{"errors":["boom","trace"]}`, 500, false, false, false, []string{"boom", "trace"}, ""},
		{"json error without list", "application/json", `{"message":"no"}`, 404, false, false, false, nil, `{"message":"no"}`},
		{"html error", "text/html", "  <html>x" + long, 502, false, false, true, nil, "<html>x" + long[:504]},
		{"empty error", "text/html", "", 503, false, false, false, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, func(s *Settings) { s.SetRetry(Retry{MaxAttempts: 1}) })
			var out map[string]int
			req := Request{Method: "GET", Path: "/x"}
			if tc.decode {
				req.Decode = func(r io.Reader) error { return json.NewDecoder(r).Decode(&out) }
			}
			f := failureOf(t, c, req)
			if tc.ok {
				if f != nil || (tc.decode && out["a"] != 1) {
					t.Fatalf("failure %+v, decoded %v", f, out)
				}
				return
			}
			if f == nil || f.Status != tc.status || f.NotJSON != tc.notJSON || fmt.Sprint(f.Errors) != fmt.Sprint(tc.errors) || f.Body != tc.snippet {
				t.Fatalf("failure %+v", f)
			}
			if len(f.Body) > MaxBodySnippet || !strings.HasPrefix(tc.snippet, f.Body) {
				t.Fatalf("snippet of %d bytes: %q", len(f.Body), f.Body)
			}
		})
	}
}

func TestRetriesIdempotentCallsOnly(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%3 != 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	if f := failureOf(t, c, Request{Method: "GET", Path: "/x", Idempotent: true}); f != nil || calls.Load() != 3 {
		t.Fatalf("idempotent: %+v after %d calls, want success after 3", f, calls.Load())
	}
	calls.Store(0)
	if f := failureOf(t, c, Request{Method: "POST", Path: "/x", Body: map[string]int{}}); f == nil || f.Status != 503 || calls.Load() != 1 {
		t.Fatalf("not idempotent: %+v after %d calls, want one 503", f, calls.Load())
	}
	calls.Store(0)
	if f := failureOf(t, c, Request{Method: "PUT", Path: "/x", Idempotent: true, Stream: strings.NewReader("x"), StreamLen: -1}); f == nil || calls.Load() != 1 {
		t.Fatalf("streamed: %+v after %d calls, want one", f, calls.Load())
	}
}

func TestContextEndingIsTheCause(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, func(s *Settings) {
		s.SetRetry(Retry{MaxAttempts: 10, InitialBackoff: time.Hour})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var got *Failure
	err := c.Do(ctx, Request{Method: "GET", Path: "/x", Idempotent: true}, func(f *Failure) error {
		got = f
		if f.Err != nil {
			return f.Err
		}
		return fmt.Errorf("status %d", f.Status)
	})
	if !errors.Is(err, context.DeadlineExceeded) || got.Status != 0 {
		t.Fatalf("Do = %v (%+v), want the context's error while backing off", err, got)
	}
}

func TestNewListsEveryProblemAndHidesSecrets(t *testing.T) {
	s := NewSettings("x")
	s.SetTimeout(-time.Second)
	s.SetUserAgent("")
	s.AddHeader("X-Key", "line\nbreak-SECRET")
	s.SetBearerToken("")
	s.SetHTTPClient(nil)
	_, problems := New("ftp://u:pw-SECRET@h", "http://host:1", s)
	joined := fmt.Sprint(problems)
	for _, want := range []string{"scheme \"ftp\"", "WithTimeout = -1s", "WithUserAgent: give", "WithHeader = \"X-Key\"", "WithBearerToken", "WithHTTPClient: got nil"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "SECRET") {
		t.Errorf("a secret is printed:\n%s", joined)
	}

	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { auth = r.Header.Get("Authorization") }))
	defer srv.Close()
	c := newClient(t, strings.Replace(srv.URL, "http://", "http://admin:pw-SECRET@", 1), nil)
	_ = failureOf(t, c, Request{Method: "GET", Path: "/x"})
	if !strings.HasPrefix(auth, "Basic ") {
		t.Fatalf("URL credentials not sent as basic auth: %q", auth)
	}
	if out := fmt.Sprintf("%v %+v %#v %s %s", c, c, c, c.Describe("T"), c.BaseURL()); strings.Contains(out, "SECRET") || strings.Contains(out, auth[6:]) {
		t.Fatalf("credentials printed: %s", out)
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	r := Retry{InitialBackoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond}.WithDefaults()
	for attempt, want := range map[int]time.Duration{1: 100, 2: 200, 3: 400, 9: 400} {
		want *= time.Millisecond
		for range 20 {
			if d := r.Backoff(attempt); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

// TestTextAnswers checks a Text request: a text/plain (or untyped) answer streams to Decode past
// the client's answer bound, with Accept text/plain, while JSON or HTML is refused.
func TestTextAnswers(t *testing.T) {
	big := strings.Repeat("2026-01-01 INFO line\n", 100)
	for ctype, ok := range map[string]bool{"text/plain": true, "": true, "text/plain; charset=UTF-8": true, "text/html": false, "application/json": false} {
		var accept string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			accept = r.Header.Get("Accept")
			if ctype != "" {
				w.Header().Set("Content-Type", ctype)
			} else {
				w.Header()["Content-Type"] = nil
			}
			_, _ = w.Write([]byte(big))
		}))
		c := newClient(t, srv.URL, func(s *Settings) { s.SetMaxAnswer(64) })
		var got []byte
		f := failureOf(t, c, Request{Method: "GET", Path: "/log", Text: true, Decode: func(r io.Reader) error {
			var err error
			got, err = io.ReadAll(r)
			return err
		}})
		srv.Close()
		if ok != (f == nil) || (ok && string(got) != big) || accept != "text/plain" {
			t.Errorf("Content-Type %q: failure %+v, read %d bytes, Accept %q; want ok = %v", ctype, f, len(got), accept, ok)
		}
	}
}
