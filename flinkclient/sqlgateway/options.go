package sqlgateway

import (
	"fmt"
	"net/http"
	"time"
)

// Option configures a [Client] in [New].
type Option func(*settings)

// settings is kept behind a pointer in Client so that printing a Client with
// %+v shows an address, never the credentials inside.
type settings struct {
	httpClient  *http.Client
	timeout     time.Duration
	userAgent   string
	headers     http.Header // credentials live here; never printed
	apiVersion  APIVersion  // 0: negotiate
	maxRetries  int
	retryWait   time.Duration
	maxRetryGap time.Duration
	problems    []string
}

// Defaults used when the matching option is not given.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultUserAgent   = "rtdw-sqlgateway/1"
	DefaultMaxRetries  = 3
	DefaultRetryWait   = 100 * time.Millisecond
	defaultMaxRetryGap = 2 * time.Second
)

func defaultSettings() *settings {
	return &settings{
		httpClient:  http.DefaultClient,
		timeout:     DefaultTimeout,
		userAgent:   DefaultUserAgent,
		headers:     http.Header{},
		maxRetries:  DefaultMaxRetries,
		retryWait:   DefaultRetryWait,
		maxRetryGap: defaultMaxRetryGap,
	}
}

func (s *settings) bad(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// WithHTTPClient makes the client send its requests through hc (for TLS
// settings, proxies, transports). nil is rejected.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) {
		if hc == nil {
			s.bad("WithHTTPClient(nil): pass an *http.Client or leave the option out to use http.DefaultClient")
			return
		}
		s.httpClient = hc
	}
}

// WithTimeout bounds each REST call whose context has no deadline
// (default [DefaultTimeout]). 0 disables the bound; negative is rejected.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) {
		if d < 0 {
			s.bad("WithTimeout(%v): use a positive duration, or 0 for no default timeout", d)
			return
		}
		s.timeout = d
	}
}

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option {
	return func(s *settings) {
		if ua == "" {
			s.bad(`WithUserAgent(""): give a non-empty User-Agent or leave the option out`)
			return
		}
		s.userAgent = ua
	}
}

// WithHeader adds a header to every request, for example an API gateway key.
// Header values are treated as secrets: they never appear in errors or in
// the client's printed form.
func WithHeader(name, value string) Option {
	return func(s *settings) {
		if name == "" || http.CanonicalHeaderKey(name) == "" {
			s.bad("WithHeader(%q, …): give a header name", name)
			return
		}
		s.headers.Add(name, value)
	}
}

// WithBearerToken sends "Authorization: Bearer <token>" with every request.
func WithBearerToken(token string) Option {
	return func(s *settings) {
		if token == "" {
			s.bad(`WithBearerToken(""): give a token or leave the option out`)
			return
		}
		s.headers.Set("Authorization", "Bearer "+token)
	}
}

// WithBasicAuth sends HTTP basic authentication with every request.
func WithBasicAuth(user, password string) Option {
	return func(s *settings) {
		if user == "" {
			s.bad(`WithBasicAuth("", …): give a user name`)
			return
		}
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, password)
		s.headers.Set("Authorization", r.Header.Get("Authorization"))
	}
}

// WithAPIVersion pins the SQL Gateway REST API version (V1..V4) instead of
// negotiating it with GET /api_versions.
func WithAPIVersion(v APIVersion) Option {
	return func(s *settings) {
		if !v.valid() {
			s.bad("WithAPIVersion(%d): use one of V1, V2, V3, V4", int(v))
			return
		}
		s.apiVersion = v
	}
}

// WithRetry sets how often an idempotent call (GETs, heartbeats) is retried
// after a transport error or a 502/503/504/429 answer (default
// [DefaultMaxRetries]), and the first wait between attempts, which doubles
// up to 2 s (default [DefaultRetryWait]). Calls that create state (open
// session, execute statement) are never retried. maxRetries 0 disables retries.
func WithRetry(maxRetries int, firstWait time.Duration) Option {
	return func(s *settings) {
		if maxRetries < 0 {
			s.bad("WithRetry(%d, …): use 0 or more retries", maxRetries)
		}
		if firstWait <= 0 {
			s.bad("WithRetry(…, %v): use a positive first wait", firstWait)
		}
		if maxRetries >= 0 && firstWait > 0 {
			s.maxRetries, s.retryWait = maxRetries, firstWait
			if s.maxRetryGap < firstWait {
				s.maxRetryGap = firstWait
			}
		}
	}
}
