package flinkclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds a call whose context has no deadline (uploads excepted).
const DefaultTimeout = 30 * time.Second

// DefaultUserAgent is sent unless [WithUserAgent] says otherwise.
const DefaultUserAgent = "rtdw-flinkclient/1"

// Client talks to one Flink JobManager's REST API. It is safe for concurrent use. Create it
// with [New]; it does no I/O until a method is called.
type Client struct {
	base       *url.URL
	http       *http.Client
	timeout    time.Duration
	userAgent  string
	headers    http.Header // auth and custom headers; never printed
	retry      RetryPolicy
	pinned     Version
	versionMu  sync.Mutex
	detected   Version
	newTrigger func() string
}

// Option configures a [Client].
type Option func(*options)

type options struct {
	httpClient *http.Client
	tlsConfig  *tls.Config
	timeout    *time.Duration
	userAgent  *string
	headers    http.Header
	retry      *RetryPolicy
	version    string
}

// WithHTTPClient makes the client send requests through hc (for custom transports, proxies,
// instrumentation). It cannot be combined with [WithTLSConfig]; configure TLS on hc instead.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithTLSConfig sets the TLS configuration of the client's own transport (a clone of
// http.DefaultTransport).
func WithTLSConfig(cfg *tls.Config) Option { return func(o *options) { o.tlsConfig = cfg } }

// WithTimeout sets the timeout applied to a call whose context has no deadline (default
// [DefaultTimeout]; 0 disables it). Jar uploads are bounded by their context only.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = &d } }

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = &ua } }

// WithHeader adds a header to every request, for example a gateway's API key. Header values are
// treated as secrets: they never appear in errors or in the client's printed form.
func WithHeader(key, value string) Option {
	return func(o *options) {
		if o.headers == nil {
			o.headers = http.Header{}
		}
		o.headers.Add(key, value)
	}
}

// WithBasicAuth sends HTTP basic authentication (for a JobManager behind an authenticating
// proxy). The password never appears in errors or logs.
func WithBasicAuth(user, password string) Option {
	return func(o *options) {
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, password)
		WithHeader("Authorization", r.Header.Get("Authorization"))(o)
	}
}

// WithBearerToken sends "Authorization: Bearer <token>". The token never appears in errors or logs.
func WithBearerToken(token string) Option {
	return WithHeader("Authorization", "Bearer "+token)
}

// WithRetry sets the retry policy for idempotent calls (default [DefaultRetryPolicy]).
func WithRetry(p RetryPolicy) Option { return func(o *options) { o.retry = &p } }

// WithFlinkVersion pins the Flink version instead of asking the cluster (GET /config) on the
// first version-dependent call. Use it when /config is blocked or to save a round trip.
func WithFlinkVersion(v string) Option { return func(o *options) { o.version = v } }

// New returns a client for the JobManager at baseURL (e.g. "http://jobmanager:8081"; a path
// prefix such as "/flink" behind a proxy is kept). It does no I/O. Every invalid option is
// reported in one error.
func New(baseURL string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	var problems []string
	u, err := url.Parse(strings.TrimSpace(baseURL))
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("baseURL %q: %v (want e.g. http://jobmanager:8081)", baseURL, err))
	case u.Scheme != "http" && u.Scheme != "https":
		problems = append(problems, fmt.Sprintf("baseURL %q: scheme must be http or https (e.g. http://jobmanager:8081)", baseURL))
	case u.Host == "":
		problems = append(problems, fmt.Sprintf("baseURL %q: no host (want e.g. http://jobmanager:8081)", baseURL))
	case u.RawQuery != "" || u.Fragment != "":
		problems = append(problems, fmt.Sprintf("baseURL %q: remove the query or fragment", baseURL))
	}
	if o.httpClient != nil && o.tlsConfig != nil {
		problems = append(problems, "WithTLSConfig and WithHTTPClient both set: configure TLS on the http.Client's transport instead")
	}
	if o.timeout != nil && *o.timeout < 0 {
		problems = append(problems, fmt.Sprintf("WithTimeout(%v): must be >= 0 (0 disables the default timeout)", *o.timeout))
	}
	if o.userAgent != nil && strings.ContainsAny(*o.userAgent, "\r\n") {
		problems = append(problems, "WithUserAgent: must not contain line breaks")
	}
	for k, vs := range o.headers {
		for _, v := range vs {
			if strings.ContainsAny(k+v, "\r\n") || k == "" {
				problems = append(problems, fmt.Sprintf("WithHeader(%q, <redacted>): header name or value has a line break or is empty", k))
			}
		}
	}
	retry := DefaultRetryPolicy
	if o.retry != nil {
		if msg := o.retry.validate(); msg != "" {
			problems = append(problems, msg)
		}
		retry = o.retry.withDefaults()
	}
	var pinned Version
	if o.version != "" {
		v, err := ParseVersion(o.version)
		if err != nil {
			problems = append(problems, fmt.Sprintf("WithFlinkVersion(%q): want a version such as 1.20 or 2.0.1", o.version))
		}
		pinned = v
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Request: "client options", Problems: problems}
	}
	c := &Client{
		base:       u,
		timeout:    DefaultTimeout,
		userAgent:  DefaultUserAgent,
		headers:    o.headers,
		retry:      retry,
		pinned:     pinned,
		newTrigger: newTriggerID,
	}
	c.base.Path = strings.TrimRight(c.base.Path, "/")
	if o.timeout != nil {
		c.timeout = *o.timeout
	}
	if o.userAgent != nil {
		c.userAgent = *o.userAgent
	}
	switch {
	case o.httpClient != nil:
		c.http = o.httpClient
	case o.tlsConfig != nil:
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = o.tlsConfig.Clone()
		c.http = &http.Client{Transport: tr}
	default:
		c.http = &http.Client{Transport: http.DefaultTransport}
	}
	return c, nil
}

// String describes the client without its credentials.
func (c *Client) String() string {
	auth := ""
	if len(c.headers) > 0 {
		auth = fmt.Sprintf(" (%d custom headers, redacted)", len(c.headers))
	}
	return "flinkclient.Client{" + c.base.Redacted() + auth + "}"
}

// GoString is String, so %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the JobManager URL, with any password in it redacted.
func (c *Client) BaseURL() string { return c.base.Redacted() }

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
	okStatus   []int     // accepted statuses (default 200, 201, 202)
	out        any       // JSON target, may be nil
	rawOut     *[]byte   // raw JSON target
}

// do runs a call with retries.
func (c *Client) do(ctx context.Context, cl call) error {
	if !cl.noTimeout && c.timeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	var body []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return &Error{Method: cl.method, Path: cl.path, Err: fmt.Errorf("encode request: %w", err)}
		}
		body = b
	}
	attempts := 1
	if cl.idempotent && cl.raw == nil {
		attempts = c.retry.MaxAttempts
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		status, err := c.once(ctx, cl, body)
		if err == nil {
			return nil
		}
		lastErr = err
		if attempt >= attempts || ctx.Err() != nil || !c.retry.ShouldRetry(status, err) {
			return lastErr
		}
		if werr := sleepCtx(ctx, c.retry.backoff(attempt)); werr != nil {
			return lastErr
		}
	}
}

// once sends one request and decodes the answer. It returns the HTTP status (0 when none).
func (c *Client) once(ctx context.Context, cl call, body []byte) (int, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + cl.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return 0, &Error{Method: cl.method, Path: cl.path, Err: err}
	}
	u.Path = p
	u.RawQuery = cl.query.Encode()
	var rd io.Reader
	ctype := ""
	switch {
	case cl.raw != nil:
		rd, ctype = cl.raw, cl.rawType
	case body != nil:
		rd, ctype = bytes.NewReader(body), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), rd)
	if err != nil {
		return 0, &Error{Method: cl.method, Path: cl.path, Err: err}
	}
	for k, vs := range c.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if cl.raw != nil && cl.rawLen >= 0 {
		req.ContentLength = cl.rawLen
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.transportError(ctx, cl, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, c.decode(ctx, cl, resp)
}

// transportError turns a transport failure into an *Error; when ctx ended, the cause is the
// context's error so that errors.Is(err, context.DeadlineExceeded/Canceled) holds.
func (c *Client) transportError(ctx context.Context, cl call, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	} else {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error repeats the full URL; Method and Path say enough
		}
	}
	return &Error{Method: cl.method, Path: cl.path, Err: err}
}

func (c *Client) decode(ctx context.Context, cl call, resp *http.Response) error {
	ok := cl.okStatus
	if ok == nil {
		ok = []int{http.StatusOK, http.StatusCreated, http.StatusAccepted}
	}
	success := false
	for _, s := range ok {
		success = success || s == resp.StatusCode
	}
	// Flink's answers are small; 64 MiB bounds a hostile or broken server.
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return c.transportError(ctx, cl, err)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	isJSON := mt == "application/json" || (mt == "" && json.Valid(data))
	notJSON := func(status int) error {
		prefix := string(data)
		if len(prefix) > bodyPrefixLen {
			prefix = prefix[:bodyPrefixLen] + "..."
		}
		e := &Error{Method: cl.method, Path: cl.path, Status: status, ContentType: ct, BodyPrefix: prefix, Err: ErrNotJSON}
		e.classifyNotFound(cl.route)
		return e
	}
	if !success {
		e := &Error{Method: cl.method, Path: cl.path, Status: resp.StatusCode}
		var eb struct {
			Errors []string `json:"errors"`
		}
		if !isJSON || json.Unmarshal(data, &eb) != nil {
			return notJSON(resp.StatusCode)
		}
		e.Errors = eb.Errors
		e.classifyNotFound(cl.route)
		return e
	}
	if cl.out == nil && cl.rawOut == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 || !isJSON || !json.Valid(data) {
		if len(bytes.TrimSpace(data)) == 0 && cl.rawOut == nil {
			return nil
		}
		return notJSON(resp.StatusCode)
	}
	if cl.rawOut != nil {
		*cl.rawOut = data
		return nil
	}
	if err := json.Unmarshal(data, cl.out); err != nil {
		return &Error{Method: cl.method, Path: cl.path, Status: resp.StatusCode, Err: fmt.Errorf("decode answer: %w", err)}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// escape escapes one path segment.
func escape(s string) string { return url.PathEscape(s) }
