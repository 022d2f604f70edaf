package sqlgateway

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"sync"

	"github.com/rtdw/rtdw/internal/problems"
	"github.com/rtdw/rtdw/internal/restclient"
)

// Client talks to one Flink SQL Gateway REST endpoint. It is safe for
// concurrent use. Create it with [New].
type Client struct {
	rest       *restclient.Client // base URL, headers (never printed), timeout, retries
	apiVersion APIVersion         // pinned with WithAPIVersion; 0: negotiate

	mu         sync.Mutex
	negotiated APIVersion
}

// New returns a client for the gateway at baseURL, e.g.
// "http://localhost:8083". It does no I/O: the REST API version is negotiated
// on first use (or pinned with [WithAPIVersion]). Credentials in the URL
// ("http://user:pass@host") become basic authentication and are removed from
// the URL. All bad options are reported together in one error.
func New(baseURL string, opts ...Option) (*Client, error) {
	s := &settings{rest: restclient.NewSettings(DefaultUserAgent)}
	s.rest.SetRetry(restclient.Retry{MaxAttempts: DefaultMaxRetries + 1, InitialBackoff: DefaultRetryWait})
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	rest, bad := restclient.New(baseURL, "http://localhost:8083", s.rest)
	if len(bad) > 0 {
		return nil, &problems.Error{Package: "sqlgateway", What: "New options", Problems: bad}
	}
	return &Client{rest: rest, apiVersion: s.apiVersion}, nil
}

// String describes the client without its credentials.
func (c *Client) String() string { return c.rest.Describe("sqlgateway.Client") }

// GoString is String, so %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the gateway address (without credentials).
func (c *Client) BaseURL() string { return c.rest.BaseURL() }

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
	path       string     // escaped path below the base URL, starting with "/v<N>"
	query      url.Values // optional
	body       any        // JSON request body, nil for none
	idempotent bool       // safe to retry
	out        any        // decode the JSON answer into this, nil to discard
	decode     func(*json.Decoder) error
}

// do runs one call with the default timeout, retries for idempotent calls,
// and turns every failure into an *Error.
func (c *Client) do(ctx context.Context, cl call) error {
	req := restclient.Request{Method: cl.method, Path: cl.path, Query: cl.query, Body: cl.body, Idempotent: cl.idempotent}
	switch {
	case cl.decode != nil:
		req.Decode = func(r io.Reader) error { return cl.decode(json.NewDecoder(r)) }
	case cl.out != nil:
		req.Decode = func(r io.Reader) error { return json.NewDecoder(r).Decode(cl.out) }
	}
	return c.rest.Do(ctx, req, newError)
}
