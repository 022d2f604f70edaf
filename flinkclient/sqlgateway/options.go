package sqlgateway

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/rtdw/rtdw/internal/restclient"
)

// Option configures a [Client] in [New].
type Option func(*settings)

// settings collects what the options set; the client keeps only the result.
type settings struct {
	rest       *restclient.Settings
	apiVersion APIVersion // 0: negotiate
}

// Defaults used when the matching option is not given.
const (
	DefaultTimeout    = restclient.DefaultTimeout
	DefaultUserAgent  = "rtdw-sqlgateway/1"
	DefaultMaxRetries = 3
	DefaultRetryWait  = 100 * time.Millisecond
)

// WithHTTPClient makes the client send its requests through hc (for
// proxies, transports, instrumentation). nil is rejected. It cannot be
// combined with [WithTLSConfig]; configure TLS on hc instead.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.rest.SetHTTPClient(hc) } }

// WithTLSConfig sets the TLS configuration of the client's own transport (a
// clone of http.DefaultTransport). nil keeps the default.
func WithTLSConfig(cfg *tls.Config) Option { return func(s *settings) { s.rest.SetTLSConfig(cfg) } }

// WithTimeout bounds each REST call whose context has no deadline
// (default [DefaultTimeout]). 0 disables the bound; negative is rejected.
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.rest.SetTimeout(d) } }

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option { return func(s *settings) { s.rest.SetUserAgent(ua) } }

// WithHeader adds a header to every request, for example an API gateway key.
// Header values are treated as secrets: they never appear in errors or in
// the client's printed form.
func WithHeader(name, value string) Option {
	return func(s *settings) { s.rest.AddHeader(name, value) }
}

// WithBearerToken sends "Authorization: Bearer <token>" with every request.
// The token never appears in errors or logs.
func WithBearerToken(token string) Option { return func(s *settings) { s.rest.SetBearerToken(token) } }

// WithBasicAuth sends HTTP basic authentication with every request, as does
// user:password in the base URL. The password never appears in errors or logs.
func WithBasicAuth(user, password string) Option {
	return func(s *settings) { s.rest.SetBasicAuth(user, password) }
}

// WithAPIVersion pins the SQL Gateway REST API version (V1..V4) instead of
// negotiating it with GET /api_versions.
func WithAPIVersion(v APIVersion) Option {
	return func(s *settings) {
		if !v.valid() {
			s.rest.Bad("WithAPIVersion", int(v), "use one of V1, V2, V3, V4")
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
			s.rest.Bad("WithRetry(maxRetries)", maxRetries, "use 0 or more retries")
		}
		if firstWait <= 0 {
			s.rest.Bad("WithRetry(firstWait)", firstWait, "use a positive first wait")
		}
		if maxRetries >= 0 && firstWait > 0 {
			s.rest.SetRetry(restclient.Retry{MaxAttempts: maxRetries + 1, InitialBackoff: firstWait})
		}
	}
}
