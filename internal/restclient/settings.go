package restclient

import (
	"crypto/tls"
	"net/http"
	"strings"
	"time"

	"github.com/rtdw/rtdw/internal/problems"
)

// DefaultTimeout bounds a call whose context has no deadline, unless [Settings.SetTimeout]
// says otherwise.
const DefaultTimeout = 30 * time.Second

// Settings collects what a REST client's public options set. Each setter checks its argument
// and records a problem naming the option (for example "WithTimeout(-1s): ...") instead of
// failing at once, so that [New] reports every bad option together. Headers are secrets: no
// problem message, and nothing [Client] prints, contains a header value.
type Settings struct {
	httpClient *http.Client
	tlsConfig  *tls.Config
	timeout    time.Duration
	userAgent  string
	headers    http.Header
	retry      Retry
	maxAnswer  int64
	problems   problems.Error // every bad option; the caller names the whole
}

// NewSettings returns the defaults: http.DefaultTransport, [DefaultTimeout], the given
// User-Agent, [DefaultRetry], and no bound on the size of an answer.
func NewSettings(userAgent string) *Settings {
	return &Settings{timeout: DefaultTimeout, userAgent: userAgent, headers: http.Header{}, retry: DefaultRetry}
}

// Bad records a problem with an option: its name (such as "WithTimeout"), the value given
// (nil for none to show; a secret option's value is never recorded) and the fix, a format when
// args are given.
func (s *Settings) Bad(option string, value any, fix string, args ...any) {
	s.problems.Add(option, value, fix, args...)
}

// SetHTTPClient sends requests through hc (WithHTTPClient). nil is a problem.
func (s *Settings) SetHTTPClient(hc *http.Client) {
	if hc == nil {
		s.Bad("WithHTTPClient", nil, "got nil; pass an *http.Client, or leave the option out for the default transport")
		return
	}
	s.httpClient = hc
}

// SetTLSConfig configures TLS on the client's own transport, a clone of
// http.DefaultTransport (WithTLSConfig). nil keeps the default TLS settings.
func (s *Settings) SetTLSConfig(cfg *tls.Config) { s.tlsConfig = cfg }

// SetTimeout sets the timeout of calls whose context has no deadline (WithTimeout); 0
// disables it, a negative value is a problem.
func (s *Settings) SetTimeout(d time.Duration) {
	if d < 0 {
		s.Bad("WithTimeout", d, "use a positive duration, or 0 for no default timeout")
		return
	}
	s.timeout = d
}

// SetUserAgent sets the User-Agent header (WithUserAgent). An empty value or a line break is a
// problem.
func (s *Settings) SetUserAgent(ua string) {
	if ua == "" || strings.ContainsAny(ua, "\r\n") {
		s.Bad("WithUserAgent", ua, "give a non-empty User-Agent without line breaks, or leave the option out")
		return
	}
	s.userAgent = ua
}

// AddHeader adds a header to every request (WithHeader). The value is never printed.
func (s *Settings) AddHeader(name, value string) {
	if name == "" || strings.ContainsAny(name, "\r\n: ") || strings.ContainsAny(value, "\r\n") {
		s.Bad("WithHeader", name, "give a header name, and a name and value without line breaks (the value is never shown)")
		return
	}
	s.headers.Add(name, value)
}

// SetBearerToken sends "Authorization: Bearer <token>" (WithBearerToken), replacing any other
// Authorization header. An empty token is a problem.
func (s *Settings) SetBearerToken(token string) {
	if token == "" || strings.ContainsAny(token, "\r\n") {
		s.Bad("WithBearerToken", token, "give a non-empty token without line breaks, or leave the option out")
		return
	}
	s.headers.Set("Authorization", "Bearer "+token)
}

// SetBasicAuth sends HTTP basic authentication (WithBasicAuth, or user:password in the base
// URL), replacing any other Authorization header. An empty user is a problem.
func (s *Settings) SetBasicAuth(user, password string) {
	if user == "" {
		s.Bad("WithBasicAuth", user, "give a user name (the password is never shown)")
		return
	}
	r := http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, password)
	s.headers.Set("Authorization", r.Header.Get("Authorization"))
}

// SetRetry sets the retry policy of idempotent calls; the caller validates its own form of it.
func (s *Settings) SetRetry(r Retry) { s.retry = r.WithDefaults() }

// SetMaxAnswer bounds how many bytes of a successful answer are read (0: no bound), so that a
// broken or hostile server cannot exhaust memory.
func (s *Settings) SetMaxAnswer(n int64) { s.maxAnswer = n }
