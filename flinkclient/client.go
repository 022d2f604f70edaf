package flinkclient

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/rtdw/rtdw/internal/restclient"
)

// DefaultTimeout bounds a call whose context has no deadline (uploads excepted).
const DefaultTimeout = restclient.DefaultTimeout

// DefaultUserAgent is sent unless [WithUserAgent] says otherwise.
const DefaultUserAgent = "rtdw-flinkclient/1"

// maxAnswer bounds a successful answer: Flink's answers are small, 64 MiB stops a hostile or
// broken server.
const maxAnswer = 64 << 20

// Client talks to one Flink JobManager's REST API. It is safe for concurrent use. Create it
// with [New]; it does no I/O until a method is called.
type Client struct {
	rest       *restclient.Client // base URL, headers (never printed), timeout, retries
	pinned     Version
	versionMu  sync.Mutex
	detected   Version
	newTrigger func() string
}

// Option configures a [Client].
type Option func(*options)

type options struct {
	rest    *restclient.Settings
	version string
}

// WithHTTPClient makes the client send requests through hc (for custom transports, proxies,
// instrumentation). It cannot be combined with [WithTLSConfig]; configure TLS on hc instead.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.rest.SetHTTPClient(hc) } }

// WithTLSConfig sets the TLS configuration of the client's own transport (a clone of
// http.DefaultTransport). nil keeps the default.
func WithTLSConfig(cfg *tls.Config) Option { return func(o *options) { o.rest.SetTLSConfig(cfg) } }

// WithTimeout sets the timeout applied to a call whose context has no deadline (default
// [DefaultTimeout]; 0 disables it). Jar uploads are bounded by their context only.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.rest.SetTimeout(d) } }

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option { return func(o *options) { o.rest.SetUserAgent(ua) } }

// WithHeader adds a header to every request, for example a gateway's API key. Header values are
// treated as secrets: they never appear in errors or in the client's printed form.
func WithHeader(key, value string) Option { return func(o *options) { o.rest.AddHeader(key, value) } }

// WithBasicAuth sends HTTP basic authentication (for a JobManager behind an authenticating
// proxy), as does user:password in the base URL. The password never appears in errors or logs.
func WithBasicAuth(user, password string) Option {
	return func(o *options) { o.rest.SetBasicAuth(user, password) }
}

// WithBearerToken sends "Authorization: Bearer <token>". The token never appears in errors or logs.
func WithBearerToken(token string) Option { return func(o *options) { o.rest.SetBearerToken(token) } }

// WithRetry sets the retry policy for idempotent calls (default [DefaultRetryPolicy]).
func WithRetry(p RetryPolicy) Option {
	return func(o *options) {
		if p.validate(o.rest) {
			o.rest.SetRetry(p.rest())
		}
	}
}

// WithFlinkVersion pins the Flink version instead of asking the cluster (GET /config) on the
// first version-dependent call. Use it when /config is blocked or to save a round trip.
func WithFlinkVersion(v string) Option { return func(o *options) { o.version = v } }

// New returns a client for the JobManager at baseURL (e.g. "http://jobmanager:8081"; a path
// prefix such as "/flink" behind a proxy is kept, user:password becomes basic authentication).
// It does no I/O. Every invalid option is reported in one [*ValidationError].
func New(baseURL string, opts ...Option) (*Client, error) {
	o := options{rest: restclient.NewSettings(DefaultUserAgent)}
	o.rest.SetRetry(DefaultRetryPolicy.rest())
	o.rest.SetMaxAnswer(maxAnswer)
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	var pinned Version
	if o.version != "" {
		v, err := ParseVersion(o.version)
		if err != nil {
			o.rest.Bad("WithFlinkVersion", o.version, "want a version such as 1.20 or 2.0.1")
		}
		pinned = v
	}
	rest, problems := restclient.New(baseURL, "http://jobmanager:8081", o.rest)
	if len(problems) > 0 {
		ps := invalid("client options")
		ps.Problems = problems
		return nil, ps
	}
	return &Client{rest: rest, pinned: pinned, newTrigger: newTriggerID}, nil
}

// String describes the client without its credentials.
func (c *Client) String() string { return c.rest.Describe("flinkclient.Client") }

// GoString is String, so %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the JobManager URL, without credentials.
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

// call describes one REST request.
type call struct {
	method     string
	route      string // path template for errors and classification, e.g. "/jobs/{jobid}"
	path       string // escaped path, e.g. "/jobs/abc"
	query      url.Values
	body       any       // JSON-encoded when non-nil
	idempotent bool      // safe to retry
	raw        io.Reader // streaming body instead of JSON (uploads)
	rawType    string    // Content-Type of raw
	rawLen     int64     // length of raw, -1 when unknown
	noTimeout  bool      // do not apply the default timeout
	out        any       // JSON target, may be nil
	rawOut     *[]byte   // raw JSON target
	// text reads a text answer (a log file) as it arrives, instead of JSON.
	text func(r io.Reader) error
}

// do runs a call with retries; every failure is an [*Error].
func (c *Client) do(ctx context.Context, cl call) error {
	req := restclient.Request{
		Method: cl.method, Path: cl.path, Query: cl.query, Body: cl.body, Idempotent: cl.idempotent,
		Stream: cl.raw, StreamType: cl.rawType, StreamLen: cl.rawLen, NoTimeout: cl.noTimeout,
	}
	switch {
	case cl.text != nil:
		req.Text, req.Decode = true, cl.text
	case cl.rawOut != nil:
		req.Decode = func(r io.Reader) error {
			data, err := io.ReadAll(r)
			if err == nil && !json.Valid(data) {
				err = errors.New("answer is not one JSON value")
			}
			*cl.rawOut = data
			return err
		}
	case cl.out != nil:
		req.Decode = func(r io.Reader) error { return json.NewDecoder(r).Decode(cl.out) }
	}
	return c.rest.Do(ctx, req, func(f *restclient.Failure) error { return newError(f, cl.route) })
}

// escape escapes one path segment.
func escape(s string) string { return url.PathEscape(s) }
