package sqlgateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to one Flink SQL Gateway REST endpoint. It is safe for
// concurrent use. Create it with [New].
type Client struct {
	base *url.URL  // scheme, host and optional path prefix; no credentials
	set  *settings // behind a pointer: %+v never prints the headers

	mu         sync.Mutex
	negotiated APIVersion
}

// New returns a client for the gateway at baseURL, e.g.
// "http://localhost:8083". It does no I/O: the REST API version is negotiated
// on first use (or pinned with [WithAPIVersion]). Credentials in the URL
// ("http://user:pass@host") become basic authentication and are removed from
// the URL. All bad options are reported together in one error.
func New(baseURL string, opts ...Option) (*Client, error) {
	s := defaultSettings()
	u, err := url.Parse(strings.TrimSpace(baseURL))
	switch {
	case err != nil:
		s.bad("baseURL: %v; give an absolute http(s) URL such as http://localhost:8083", redactURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		s.bad("baseURL: scheme %q is not http or https; give e.g. http://localhost:8083", u.Scheme)
	case u.Host == "":
		s.bad("baseURL: no host; give e.g. http://localhost:8083")
	}
	if err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok || u.User.Username() != "" {
			WithBasicAuth(u.User.Username(), pw)(s)
		}
		u.User = nil
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if len(s.problems) > 0 {
		return nil, fmt.Errorf("sqlgateway.New: %d bad setting(s): %s", len(s.problems), strings.Join(s.problems, "; "))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	return &Client{base: u, set: s}, nil
}

// redactURLError keeps url.Parse errors from echoing a password.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// String describes the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("sqlgateway.Client{%s}", c.base.Redacted())
}

// GoString is String, so %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the gateway address (without credentials).
func (c *Client) BaseURL() string { return c.base.String() }

// Info is the gateway's answer to GET /info.
type Info struct {
	ProductName string `json:"productName"` // "Apache Flink"
	Version     string `json:"version"`     // Flink version, e.g. "1.20.1"
}

// GetInfo returns the product name and Flink version of the gateway.
func (c *Client) GetInfo(ctx context.Context) (Info, error) {
	v, err := c.APIVersion(ctx)
	if err != nil {
		return Info{}, err
	}
	var info Info
	err = c.do(ctx, call{method: "GET", path: "/" + v.String() + "/info", idempotent: true, out: &info})
	return info, err
}

// call is one REST request.
type call struct {
	method     string
	path       string     // path below the base URL, starting with "/v<N>"
	query      url.Values // optional
	body       any        // JSON request body, nil for none
	idempotent bool       // safe to retry
	out        any        // decode the JSON answer into this, nil to discard
	decode     func(*json.Decoder) error
}

const maxErrorBody = 64 << 10

// do runs one call with the default timeout, retries for idempotent calls,
// and turns every failure into an *Error.
func (c *Client) do(ctx context.Context, cl call) error {
	if _, ok := ctx.Deadline(); !ok && c.set.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.set.timeout)
		defer cancel()
	}
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return &Error{Method: cl.method, Path: cl.path, Err: err}
		}
	}
	wait := c.set.retryWait
	for attempt := 0; ; attempt++ {
		err, retry := c.once(ctx, cl, payload)
		if err == nil {
			return nil
		}
		if !retry || !cl.idempotent || attempt >= c.set.maxRetries || ctx.Err() != nil {
			return err
		}
		// Full jitter keeps many clients from retrying in step.
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return &Error{Method: cl.method, Path: cl.path, Err: ctx.Err()}
		case <-t.C:
		}
		wait = min(wait*2, c.set.maxRetryGap)
	}
}

// once sends the request once; retry reports whether a retry may help.
func (c *Client) once(ctx context.Context, cl call, payload []byte) (err error, retry bool) {
	u := *c.base
	u.Path = c.base.Path + cl.path
	if cl.query != nil {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return &Error{Method: cl.method, Path: cl.path, Err: err}, false
	}
	for k, vs := range c.set.headers {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", c.set.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.set.httpClient.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The caller's context ended: say so rather than "use of closed
			// network connection".
			return &Error{Method: cl.method, Path: cl.path, Err: ctxErr}, false
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is already in Path; keep the message short
		}
		return &Error{Method: cl.method, Path: cl.path, Err: err}, true
	}
	defer resp.Body.Close()
	e := &Error{Method: cl.method, Path: cl.path, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type")}
	isJSON := jsonContentType(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		var eb struct {
			Errors []string `json:"errors"`
		}
		if isJSON && json.Unmarshal(raw, &eb) == nil && len(eb.Errors) > 0 {
			e.Errors = eb.Errors
		} else {
			e.Body = snippet(raw)
			if !isJSON && len(raw) > 0 {
				e.Err = ErrNotJSON
			}
		}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
			retry = true
		}
		return e, retry
	}
	if !isJSON {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if len(bytes.TrimSpace(raw)) == 0 && cl.out == nil && cl.decode == nil {
			return nil, false // an empty answer where none is expected
		}
		e.Body, e.Err = snippet(raw), ErrNotJSON
		return e, false
	}
	if cl.out == nil && cl.decode == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, false
	}
	dec := json.NewDecoder(resp.Body)
	if cl.decode != nil {
		err = cl.decode(dec)
	} else {
		err = dec.Decode(cl.out)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else {
			err = fmt.Errorf("decoding the answer: %w", err)
		}
		e.Err = err
		return e, false
	}
	return nil, false
}

func jsonContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) > 512 {
		s = s[:512]
	}
	return s
}
