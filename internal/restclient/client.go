package restclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rtdw/rtdw/internal/problems"
	"github.com/rtdw/rtdw/internal/redact"
	"github.com/rtdw/rtdw/internal/retry"
)

// Client sends JSON REST calls to one server: default timeout, headers, retries with backoff,
// and one reading of every kind of answer. It is safe for concurrent use. Printing it shows the
// base URL only.
type Client struct {
	base      *url.URL // no credentials, query or fragment; path without a trailing slash
	http      *http.Client
	timeout   time.Duration
	userAgent string
	headers   http.Header
	retry     Retry
	maxAnswer int64
}

// New checks baseURL (absolute http or https, a host, no query or fragment; example is quoted
// in the fix, e.g. "http://jobmanager:8081") and the settings, and returns a client, or every
// problem found. Credentials in the URL (user:password@) become basic authentication and are
// removed from it. New does no I/O.
func New(baseURL, example string, s *Settings) (*Client, []problems.Problem) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	var ps problems.Error
	switch {
	case err != nil:
		ps.Add("baseURL", nil, "%s; give an absolute http(s) URL such as %s", redact.URLError(err), example)
	case u.Scheme != "http" && u.Scheme != "https":
		ps.Add("baseURL", redact.URL(u), "scheme %q is not http or https; give e.g. %s", u.Scheme, example)
	case u.Host == "":
		ps.Add("baseURL", redact.URL(u), "no host; give e.g. %s", example)
	case u.RawQuery != "" || u.Fragment != "":
		ps.Add("baseURL", redact.URL(u), "remove the query or fragment")
	}
	if err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok || u.User.Username() != "" {
			s.SetBasicAuth(u.User.Username(), pw)
		}
		u.User = nil
	}
	if s.httpClient != nil && s.tlsConfig != nil {
		ps.Add("WithTLSConfig", nil, "WithTLSConfig and WithHTTPClient both set: configure TLS on the http.Client's transport instead")
	}
	if all := append(ps.Problems, s.problems.Problems...); len(all) > 0 {
		return nil, all
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, http: s.httpClient, timeout: s.timeout, userAgent: s.userAgent,
		headers: s.headers.Clone(), retry: s.retry, maxAnswer: s.maxAnswer}
	if c.http == nil {
		tr := http.DefaultTransport
		if s.tlsConfig != nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.TLSClientConfig = s.tlsConfig.Clone()
			tr = t
		}
		c.http = &http.Client{Transport: tr}
	}
	return c, nil
}

// BaseURL is the server's URL, without credentials.
func (c *Client) BaseURL() string { return c.base.String() }

// Describe is a client's printed form, for example "flinkclient.Client{http://jm:8081}",
// noting how many custom or auth headers it sends without showing them.
func (c *Client) Describe(typeName string) string {
	extra := ""
	if n := len(c.headers); n > 0 {
		extra = fmt.Sprintf(" (%d headers, redacted)", n)
	}
	return typeName + "{" + c.base.String() + extra + "}"
}

// String is Describe("restclient.Client"): a Client never prints its headers.
func (c *Client) String() string { return c.Describe("restclient.Client") }

// GoString is String, so %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// Request is one REST call.
type Request struct {
	Method string
	// Path is the escaped path below the base URL, e.g. "/jobs/abc" or "/v2/sessions/…".
	Path  string
	Query url.Values
	// Body is sent as JSON when not nil.
	Body any
	// Stream is sent instead of Body (an upload), with StreamType as Content-Type and
	// StreamLen as length (-1 when unknown). A streamed call is never retried.
	Stream     io.Reader
	StreamType string
	StreamLen  int64
	// Idempotent calls are retried by the client's [Retry] policy.
	Idempotent bool
	// NoTimeout leaves ctx as it is, without the client's default timeout.
	NoTimeout bool
	// Decode reads a successful JSON answer. nil discards the answer (which must still be JSON
	// or empty).
	Decode func(r io.Reader) error
	// Text asks for a text answer (a log file): Accept is text/plain, a text/* or absent
	// Content-Type is accepted, and Decode reads the body as it arrives, without the client's
	// bound on answers (Decode bounds what it reads). A JSON or HTML answer is still refused.
	Text bool
}

// Failure describes a failed call, before a package turns it into its own error type: a
// non-2xx answer (Status, Errors from the {"errors": [...]} body), an answer that is not JSON
// (NotJSON, ContentType, Body), an answer that could not be decoded, or no answer at all
// (Status 0; Err is the context's error when the caller's context ended).
type Failure struct {
	Method, Path string
	Status       int
	// Errors is the server's {"errors": [...]} list.
	Errors []string
	// ContentType is the answer's Content-Type.
	ContentType string
	// Body quotes the start of an answer that is not such an error list ([MaxBodySnippet]
	// bytes at most).
	Body string
	// NotJSON marks an answer that is not JSON, typically a proxy's HTML page.
	NotJSON bool
	// Err is the cause: a transport, context or decoding error.
	Err error
}

// MaxBodySnippet bounds [Failure.Body].
const MaxBodySnippet = 512

// Wrap turns a [Failure] into the error a package returns; it never returns nil.
type Wrap func(*Failure) error

// Do sends req, retrying idempotent calls, and decodes the answer. Every failure is passed
// through wrap, and the wrapped error is what the retry predicate sees and Do returns.
func (c *Client) Do(ctx context.Context, req Request, wrap Wrap) error {
	if !req.NoTimeout && c.timeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	fail := func(f Failure) error {
		f.Method, f.Path = req.Method, req.Path
		return wrap(&f)
	}
	var payload []byte
	if req.Body != nil && req.Stream == nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return fail(Failure{Err: fmt.Errorf("encode request: %w", err)})
		}
		payload = b
	}
	target, err := c.target(req)
	if err != nil {
		return fail(Failure{Err: err})
	}
	attempts := 1
	if req.Idempotent && req.Stream == nil {
		attempts = c.retry.MaxAttempts
	}
	var status int // of the last answer, for the predicate
	_, err = c.retry.policy(ctx, attempts, &status).Do(ctx, func() error {
		f := c.once(ctx, req, target, payload)
		if f == nil {
			return nil
		}
		status = f.Status
		return fail(*f)
	})
	var stopped *retry.StoppedError
	if errors.As(err, &stopped) {
		// ctx ended while backing off: that, not the last answer, is why the call failed.
		return fail(Failure{Err: stopped.Cause})
	}
	return err
}

// target is the absolute URL of req.
func (c *Client) target(req Request) (string, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + req.Path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return "", fmt.Errorf("bad path: %w", err)
	}
	u.Path = p
	u.RawQuery = req.Query.Encode()
	return u.String(), nil
}

// once sends req once and reads the answer; nil means success.
func (c *Client) once(ctx context.Context, req Request, target string, payload []byte) *Failure {
	var body io.Reader
	ctype := ""
	switch {
	case req.Stream != nil:
		body, ctype = req.Stream, req.StreamType
	case payload != nil:
		body, ctype = bytes.NewReader(payload), "application/json"
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return &Failure{Err: err}
	}
	for k, vs := range c.headers {
		hr.Header[k] = append([]string(nil), vs...)
	}
	hr.Header.Set("User-Agent", c.userAgent)
	if req.Text {
		hr.Header.Set("Accept", "text/plain")
	} else {
		hr.Header.Set("Accept", "application/json")
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if req.Stream != nil && req.StreamLen >= 0 {
		hr.ContentLength = req.StreamLen
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return &Failure{Err: transportCause(ctx, err)}
	}
	defer resp.Body.Close()
	return c.read(ctx, req, resp)
}

// transportCause is the cause of a failed exchange: the context's error when the caller's
// context ended (rather than "use of closed network connection"), else the transport error
// without the url.Error wrapper, which repeats the whole URL.
func transportCause(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// maxErrorAnswer bounds how much of an error answer is read.
const maxErrorAnswer = 64 << 10

// read checks the answer's status and media type and decodes it.
func (c *Client) read(ctx context.Context, req Request, resp *http.Response) *Failure {
	ct := resp.Header.Get("Content-Type")
	f := &Failure{Status: resp.StatusCode, ContentType: ct}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorAnswer))
		if err != nil {
			f.Err = transportCause(ctx, err)
		}
		var eb struct {
			Errors []string `json:"errors"`
		}
		if isJSON(ct, raw) && json.Unmarshal(raw, &eb) == nil && len(eb.Errors) > 0 {
			f.Errors = eb.Errors
			return f
		}
		f.Body = snippet(raw)
		f.NotJSON = f.Body != "" && !isJSON(ct, raw)
		return f
	}
	if req.Text {
		return c.readText(ctx, req, resp, f)
	}
	var r io.Reader = resp.Body
	if c.maxAnswer > 0 {
		r = io.LimitReader(r, c.maxAnswer)
	}
	if mt := mediaType(ct); mt == "" {
		// No Content-Type: JSON only if the body says so.
		raw, err := io.ReadAll(r)
		if err != nil {
			f.Err = transportCause(ctx, err)
			return f
		}
		if len(bytes.TrimSpace(raw)) > 0 && !json.Valid(raw) {
			f.Body, f.NotJSON = snippet(raw), true
			return f
		}
		r = bytes.NewReader(raw)
	} else if !jsonMediaType(mt) {
		raw, _ := io.ReadAll(io.LimitReader(r, MaxBodySnippet))
		if len(bytes.TrimSpace(raw)) == 0 && req.Decode == nil {
			return nil // an empty answer where none is expected
		}
		f.Body, f.NotJSON = snippet(raw), true
		return f
	}
	if req.Decode == nil {
		_, _ = io.Copy(io.Discard, r)
		return nil
	}
	if err := req.Decode(r); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else {
			err = fmt.Errorf("decode answer: %w", err)
		}
		f.Err = err
		return f
	}
	return nil
}

// readText hands a successful text answer to req.Decode.
func (c *Client) readText(ctx context.Context, req Request, resp *http.Response, f *Failure) *Failure {
	if mt := mediaType(f.ContentType); mt != "" && (!strings.HasPrefix(mt, "text/") || mt == "text/html") {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBodySnippet))
		f.Body, f.NotJSON = snippet(raw), !jsonMediaType(mt)
		f.Err = fmt.Errorf("answer is %s, not text", mt)
		return f
	}
	if req.Decode == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := req.Decode(resp.Body); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else {
			err = transportCause(ctx, err)
		}
		f.Err = err
		return f
	}
	return nil
}

func mediaType(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

func jsonMediaType(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

// isJSON reports whether an answer is JSON: by its Content-Type, or, without one, by its body.
func isJSON(ct string, body []byte) bool {
	if mt := mediaType(ct); mt != "" {
		return jsonMediaType(mt)
	}
	return json.Valid(body)
}

// snippet quotes the start of a body: trimmed, at most MaxBodySnippet bytes, cut at a
// character boundary.
func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) <= MaxBodySnippet {
		return s
	}
	return strings.ToValidUTF8(s[:MaxBodySnippet], "")
}

// Truncate shortens s to n bytes (at a character boundary), marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
