package phoenix

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	avatica "github.com/apache/calcite-avatica-go/v5"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/redact"
)

// Authentication is how the client authenticates to the Phoenix Query Server.
type Authentication string

// The authentication schemes PQS offers over HTTP. SPNEGO (Kerberos) is
// configured by giving [Config.HTTPClient] a client from avatica-go's
// WithKerberosAuth.
const (
	AuthNone   Authentication = ""
	AuthBasic  Authentication = "BASIC"
	AuthDigest Authentication = "DIGEST"
)

// Config configures a [Client]. Start from [DefaultConfig]: a zero Timeout
// means no timeout at all.
type Config struct {
	// URL is the Phoenix Query Server's address, such as
	// http://pqs.example.com:8765. A path names the default schema
	// (http://pqs:8765/GMALL), as in avatica-go's DSN.
	URL string
	// Authentication, Username and Password authenticate to PQS
	// (avatica.authentication on the server side).
	Authentication Authentication
	Username       string
	Password       string
	// Timeout bounds each HTTP request to PQS, connecting included, so that
	// an unreachable server fails instead of hanging (DefaultConfig: 60s;
	// 0: no bound beyond the ctx of each call).
	Timeout time.Duration
	// Serialization is what PQS speaks (phoenix.queryserver.serialization).
	// avatica-go speaks only "PROTOBUF", PQS's default since Phoenix 4.7;
	// "" means PROTOBUF, and "JSON" is refused with the fix.
	Serialization string
	// NamespaceMapping and MapSystemTablesToNamespace must equal the
	// server's phoenix.schema.isNamespaceMappingEnabled and
	// phoenix.schema.mapSystemTablesToNamespace: PQS refuses a connection
	// whose properties differ (ERROR 726). The client sends them with every
	// connection it opens.
	NamespaceMapping           bool
	MapSystemTablesToNamespace bool
	// ConnectionProperties are further Phoenix client properties sent when
	// a connection opens, such as phoenix.query.timeoutMs.
	ConnectionProperties map[string]string
	// HTTPClient replaces the HTTP client (for TLS, proxies, SPNEGO); Timeout
	// and Authentication are then not applied to it.
	HTTPClient *http.Client
	// Batching sends the rows of each of the sink's statements in one
	// ExecuteBatchRequest when the statement is done, instead of one
	// ExecuteRequest per row (avatica-go's batching DSN option): one round
	// trip per table and batch (DefaultConfig: on).
	Batching bool
	// MaxOpenConns bounds the connections (each one a PQS connection) of the
	// client's *sql.DB (DefaultConfig: 4; 0: unbounded).
	MaxOpenConns int
	// Logger receives the client's logs (DDL at Info). Nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the configuration of a client of the PQS at url,
// with a 60s request timeout and 4 connections.
func DefaultConfig(url string) Config {
	return Config{URL: url, Timeout: 60 * time.Second, MaxOpenConns: 4, Batching: true}
}

// String prints the configuration with the password redacted.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = redact.Placeholder
	}
	return fmt.Sprintf("phoenix.Config{URL: %s, Authentication: %q, Username: %q, Password: %q, Timeout: %v, NamespaceMapping: %v, MapSystemTablesToNamespace: %v}",
		redact.DSN(c.URL), c.Authentication, c.Username, pw, c.Timeout, c.NamespaceMapping, c.MapSystemTablesToNamespace)
}

// GoString is String, so that %#v hides the password too.
func (c Config) GoString() string { return c.String() }

func (c *Config) validate() error {
	ps := newConfigError("client configuration")
	if c.URL == "" {
		ps.Add("URL", "", "set the Phoenix Query Server's address, such as http://pqs:8765")
	} else if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps.Add("URL", redact.DSN(c.URL), "use http://host:port (PQS listens on 8765 by default)")
	} else if u.User != nil {
		ps.Add("URL", redact.DSN(c.URL), "put the user and password in Username and Password, not the URL")
	}
	switch c.Authentication {
	case AuthNone:
		if c.Username != "" || c.Password != "" {
			ps.Add("Authentication", "", "set BASIC or DIGEST to send Username and Password")
		}
	case AuthBasic, AuthDigest:
		if c.Username == "" {
			ps.Add("Username", "", "%s authentication needs a user", c.Authentication)
		}
		if c.Password == "" {
			ps.Add("Password", "", "%s authentication needs a password", c.Authentication)
		}
	default:
		ps.Add("Authentication", string(c.Authentication), "use BASIC, DIGEST, or \"\" for none (SPNEGO: give HTTPClient a Kerberos client)")
	}
	if c.HTTPClient != nil && c.Authentication != AuthNone {
		ps.Add("Authentication", string(c.Authentication), "HTTPClient is set: authenticate in that client instead")
	}
	if c.Timeout < 0 {
		ps.Add("Timeout", c.Timeout, "use a positive duration, or 0 for none")
	}
	switch strings.ToUpper(c.Serialization) {
	case "", "PROTOBUF":
	case "JSON":
		ps.Add("Serialization", c.Serialization, "avatica-go speaks only PROTOBUF: set phoenix.queryserver.serialization=PROTOBUF on the server (its default)")
	default:
		ps.Add("Serialization", c.Serialization, "use PROTOBUF")
	}
	if c.MapSystemTablesToNamespace && !c.NamespaceMapping {
		ps.Add("MapSystemTablesToNamespace", true, "Phoenix maps system tables to a namespace only with NamespaceMapping on; turn both on, as the server has them")
	}
	if c.MaxOpenConns < 0 {
		ps.Add("MaxOpenConns", c.MaxOpenConns, "use a positive count, or 0 for no bound")
	}
	for _, k := range slices.Sorted(maps.Keys(c.ConnectionProperties)) {
		switch k {
		case propNamespaceMapping, propMapSystemTables:
			ps.Add("ConnectionProperties", k, "set it with NamespaceMapping or MapSystemTablesToNamespace")
		}
	}
	return ps.Err()
}

// The Phoenix properties of namespace mapping.
const (
	propNamespaceMapping = "phoenix.schema.isNamespaceMappingEnabled"
	propMapSystemTables  = "phoenix.schema.mapSystemTablesToNamespace"
)

// connectionInfo is what every OpenConnectionRequest carries.
func (c *Config) connectionInfo() map[string]string {
	info := maps.Clone(c.ConnectionProperties)
	if info == nil {
		info = map[string]string{}
	}
	info[propNamespaceMapping] = fmt.Sprint(c.NamespaceMapping)
	info[propMapSystemTables] = fmt.Sprint(c.MapSystemTablesToNamespace)
	return info
}

func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	hc := &http.Client{
		Timeout: c.Timeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        100,
			MaxIdleConnsPerHost: max(c.MaxOpenConns, 2),
			IdleConnTimeout:     90 * time.Second,
		},
	}
	switch c.Authentication {
	case AuthBasic:
		hc = avatica.WithBasicAuth(hc, c.Username, c.Password)
	case AuthDigest:
		hc = avatica.WithDigestAuth(hc, c.Username, c.Password)
	}
	hc.Transport = statusTransport{next: hc.Transport}
	return hc
}

// statusTransport turns an HTTP answer that carries no Avatica message (a
// 401 from the authentication filter, a 404 from a proxy) into an error
// saying so: avatica-go would try to decode its body as protobuf and report
// only that it could not.
type statusTransport struct{ next http.RoundTripper }

func (t statusTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode == http.StatusInternalServerError {
		return resp, err // PQS answers an ErrorResponse with 500
	}
	resp.Body.Close()
	fix := ""
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		fix = ": check Authentication, Username and Password"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		fix = ": is this a Phoenix Query Server? PQS answers POST on / of port 8765"
	}
	return nil, fmt.Errorf("the server answered %s%s", resp.Status, fix)
}

// Client is a connection pool to a Phoenix Query Server through
// calcite-avatica-go's database/sql driver. It is safe for concurrent use.
type Client struct {
	cfg Config
	// db writes (batching as configured); reads goes without batching,
	// which would add an empty ExecuteBatchRequest to every query.
	db, reads *sql.DB
	log       *slog.Logger
	closed    atomic.Bool
}

// Open returns a client of the PQS cfg names. It checks cfg and does no I/O:
// [Client.Ping] connects.
func Open(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.ConnectionProperties = cfg.connectionInfo()
	hc := cfg.httpClient()
	open := func(batching bool) *sql.DB {
		// The driver takes the endpoint, the default schema and batching
		// from the DSN; the credentials stay in the HTTP client.
		dsn := cfg.URL
		if batching {
			u, _ := url.Parse(cfg.URL)
			q := u.Query()
			q.Set("batching", "true")
			u.RawQuery = q.Encode()
			dsn = u.String()
		}
		connector := avatica.NewConnector(dsn).(*avatica.Connector)
		connector.Client = hc
		maps.Copy(connector.Info, cfg.ConnectionProperties)
		db := sql.OpenDB(connector)
		db.SetMaxOpenConns(cfg.MaxOpenConns)
		db.SetMaxIdleConns(max(cfg.MaxOpenConns, 2))
		return db
	}
	db, reads := open(cfg.Batching), open(false)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, db: db, reads: reads, log: log.With("component", "phoenix")}, nil
}

// DB returns the client's *sql.DB for statements of one's own; bind values
// as arguments (?), never in the SQL text. It never batches, so every Exec
// runs when called.
func (c *Client) DB() *sql.DB { return c.reads }

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// Ping opens a connection to PQS and runs SELECT 1 through it.
func (c *Client) Ping(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.wrap("ping "+redact.DSN(c.cfg.URL), "", c.reads.PingContext(ctx))
}

// wrap turns a driver error into an [*Error] (a Phoenix error) or wraps it,
// with the password kept out of the text.
func (c *Client) wrap(op, sqlText string, err error) error {
	if err == nil {
		return nil
	}
	return redact.Error(wrapError(op, sqlText, err), c.cfg.Password)
}

// Exec runs one statement with its values bound, for DDL and writes of
// one's own.
func (c *Client) Exec(ctx context.Context, op, sqlText string, args ...any) error {
	if c.closed.Load() {
		return ErrClosed
	}
	_, err := c.reads.ExecContext(ctx, sqlText, args...)
	return c.wrap(op, sqlText, err)
}

// CreateSchema creates the Phoenix schema name (an HBase namespace) unless it
// exists. Phoenix allows schemas only with namespace mapping on, so a client
// without [Config.NamespaceMapping] refuses before any I/O.
func (c *Client) CreateSchema(ctx context.Context, name string) error {
	if !c.cfg.NamespaceMapping {
		ps := newConfigError("client configuration")
		ps.Add("NamespaceMapping", false, "CREATE SCHEMA needs namespace mapping on (phoenix.schema.isNamespaceMappingEnabled=true on the server and in Config)")
		return ps.Err()
	}
	stmt, err := CreateSchemaSQL(name)
	if err != nil {
		return err
	}
	c.log.Info("creating schema", "schema", name)
	return c.Exec(ctx, "create schema "+name, stmt)
}

// CreateTable creates the Phoenix table schema maps to under opts unless it
// exists (see [CreateTableSQL]), and returns its name.
func (c *Client) CreateTable(ctx context.Context, schema *cdc.TableSchema, opts TableOptions) (TableRef, error) {
	stmt, err := CreateTableSQL(schema, opts)
	if err != nil {
		return TableRef{}, err
	}
	ref := opts.tableRef(schema.Table)
	c.log.Info("creating table", "table", ref.String(), "source", schema.Table.String())
	return ref, c.Exec(ctx, "create table "+ref.String(), stmt)
}

// Close closes the client's connections. It is safe to call twice.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	return errors.Join(c.db.Close(), c.reads.Close())
}
