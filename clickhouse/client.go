package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/redact"
)

// Client is a connection pool to a ClickHouse server (native protocol) that
// knows the server's [Features]. It detects the server version once, on the
// first call that needs it (or [Client.Ping]); constructors do no I/O.
// A Client is safe for concurrent use.
type Client struct {
	conn  driver.Conn
	owned bool
	addr  string

	mu       sync.Mutex
	features *Features

	closeOnce sync.Once
	closeErr  error
}

// TableOptions say where and how a MySQL table is kept in ClickHouse.
type TableOptions struct {
	// Database is the ClickHouse database of the table; "" means a database
	// named like the source table's.
	Database string
	MappingOptions
}

// Open returns a client for a clickhouse-go DSN, such as
// "clickhouse://user:password@127.0.0.1:9000/db?dial_timeout=5s". It does
// not connect. Errors never include the password.
func Open(dsn string) (*Client, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: parse DSN: %s", redact.String(err.Error(), redact.DSNPassword(dsn)))
	}
	return New(opts)
}

// New returns a client with clickhouse-go options; the options are copied
// and not kept. It does not connect.
func New(opts *clickhouse.Options) (*Client, error) {
	if opts == nil {
		opts = &clickhouse.Options{}
	}
	o := *opts
	if o.Protocol == clickhouse.HTTP {
		ps := newConfigError("options")
		ps.Add("Protocol", nil, "HTTP is not supported by this package; use clickhouse.Native (the default)")
		return nil, ps
	}
	conn, err := clickhouse.Open(&o)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	return &Client{conn: conn, owned: true, addr: strings.Join(o.Addr, ",")}, nil
}

// NewFromConn returns a client over a connection the caller owns: Close
// leaves conn open.
func NewFromConn(conn driver.Conn) *Client {
	return &Client{conn: conn}
}

// String describes the client without credentials.
func (c *Client) String() string { return "clickhouse.Client(" + c.addr + ")" }

// Conn returns the underlying clickhouse-go connection.
func (c *Client) Conn() driver.Conn { return c.conn }

// Ping checks the server answers and detects its version.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.conn.Ping(ctx); err != nil {
		return fmt.Errorf("clickhouse: ping: %w", err)
	}
	_, err := c.Features(ctx)
	return err
}

// Features returns the features of the server, asking for its version on
// the first call only (a failed attempt is retried on the next call).
func (c *Client) Features(ctx context.Context) (Features, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.features != nil {
		return *c.features, nil
	}
	var text string
	if err := c.conn.QueryRow(ctx, "SELECT version()").Scan(&text); err != nil {
		return Features{}, fmt.Errorf("clickhouse: detect server version: %w", err)
	}
	v, err := ParseServerVersion(text)
	if err != nil {
		return Features{}, err
	}
	f := FeaturesFor(v)
	c.features = &f
	return f, nil
}

// SetFeatures fixes the features instead of detecting them, for a server
// whose version() does not tell its capabilities.
func (c *Client) SetFeatures(f Features) {
	c.mu.Lock()
	c.features = &f
	c.mu.Unlock()
}

// Close closes the connection pool, unless it came from [NewFromConn]. It
// is safe to call more than once: later calls return the first's result.
//
// Close methods across rtdw follow one rule: a value that holds only local
// resources (this client, a cdc source) has Close() error; a value whose
// closing does remote work that can take time (a sink's final flush, a SQL
// Gateway session) has Close(ctx) error. Both kinds may be closed twice.
func (c *Client) Close() error {
	if !c.owned {
		return nil
	}
	c.closeOnce.Do(func() { c.closeErr = c.conn.Close() })
	return c.closeErr
}

// CreateDatabase creates a database if it does not exist.
func (c *Client) CreateDatabase(ctx context.Context, name string) error {
	if err := c.conn.Exec(ctx, CreateDatabaseSQL(name)); err != nil {
		return fmt.Errorf("clickhouse: create database %s: %w", QuoteIdent(name), err)
	}
	return nil
}

func (c *Client) layout(ctx context.Context, schema *cdc.TableSchema, opts TableOptions) (*tableLayout, error) {
	f, err := c.Features(ctx)
	if err != nil {
		return nil, err
	}
	return newLayout(schema, opts.Database, f, opts.MappingOptions)
}

// CreateTable creates the database and the table for schema if they do not
// exist (see [CreateTableSQL]).
func (c *Client) CreateTable(ctx context.Context, schema *cdc.TableSchema, opts TableOptions) error {
	l, err := c.layout(ctx, schema, opts)
	if err != nil {
		return err
	}
	return c.createTable(ctx, l)
}

func (c *Client) createTable(ctx context.Context, l *tableLayout) error {
	if err := c.CreateDatabase(ctx, l.database); err != nil {
		return err
	}
	if err := c.conn.Exec(ctx, l.createSQL()); err != nil {
		return fmt.Errorf("clickhouse: create table %s: %w", l.qualified(), err)
	}
	return nil
}

// SyncTable makes the ClickHouse table fit schema: it creates the table if
// it is missing and adds the columns the source gained (ALTER TABLE ADD
// COLUMN). Columns the source dropped stay. Existing columns keep their
// types, which need not be the mapping's: a type that can hold the source
// column's values (a wider or narrower integer, Nullable or not, a String
// for text, dates or decimals, a DateTime for a DATETIME, a Decimal of
// another precision, ...) is written as it is, with each value checked. A
// column whose type cannot hold them is a *[TableMismatchError] naming the
// table, the column, both types and the fix.
func (c *Client) SyncTable(ctx context.Context, schema *cdc.TableSchema, opts TableOptions) error {
	l, err := c.layout(ctx, schema, opts)
	if err != nil {
		return err
	}
	_, err = c.prepareTable(ctx, l, true)
	return err
}

// prepareTable makes the ClickHouse table of l ready for l's rows and
// returns the layout that writes them into the types the table has (see
// [tableLayout.bind]). With manage, a missing table is created and missing
// columns are added; without, they are a *[TableMismatchError].
func (c *Client) prepareTable(ctx context.Context, l *tableLayout, manage bool) (*tableLayout, error) {
	existing, err := c.existingColumns(ctx, l.database, l.table)
	if err != nil {
		return nil, err
	}
	if len(existing) == 0 {
		if !manage {
			return nil, l.missingTable()
		}
		return l, c.createTable(ctx, l)
	}
	bound, missing, err := l.bind(existing)
	switch {
	case len(missing) > 0 && !manage:
		return nil, l.missingColumns(err, missing)
	case err != nil:
		return nil, err
	case len(missing) > 0:
		if err := c.conn.Exec(ctx, l.addColumnsSQL(existing)); err != nil {
			return nil, fmt.Errorf("clickhouse: add columns to %s: %w", l.qualified(), err)
		}
	}
	return bound, nil
}

// existingColumns returns the type of each column of a table by name; none
// when the table does not exist.
func (c *Client) existingColumns(ctx context.Context, database, table string) (map[string]string, error) {
	rows, err := c.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", database, table)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: list columns of %s.%s: %w", QuoteIdent(database), QuoteIdent(table), err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("clickhouse: list columns of %s.%s: %w", QuoteIdent(database), QuoteIdent(table), err)
		}
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: list columns of %s.%s: %w", QuoteIdent(database), QuoteIdent(table), err)
	}
	return types, nil
}

// ReadTable returns the visible state of the ClickHouse table of schema: the
// latest version of every row (SELECT ... FINAL), deleted rows left out,
// ordered by primary key, each value converted back to the canonical Go type
// of its column, so that it compares equal with the rows the source reads
// from MySQL. Columns are read in the types the table has, as SyncTable
// describes.
func (c *Client) ReadTable(ctx context.Context, schema *cdc.TableSchema, opts TableOptions) ([]cdc.Row, error) {
	l, err := c.layout(ctx, schema, opts)
	if err != nil {
		return nil, err
	}
	existing, err := c.existingColumns(ctx, l.database, l.table)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		// A missing column or table fails the query, with the server's
		// error.
		if l, _, err = l.bind(existing); err != nil {
			return nil, err
		}
	}
	return c.readTable(ctx, l)
}

func (c *Client) readTable(ctx context.Context, l *tableLayout) ([]cdc.Row, error) {
	rows, err := c.conn.Query(ctx, l.selectSQL())
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read %s: %w", l.qualified(), err)
	}
	defer rows.Close()
	dest := make([]any, len(l.codecs))
	var out []cdc.Row
	for rows.Next() {
		for i, cd := range l.codecs {
			dest[i] = cd.newDest()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("clickhouse: read %s: %w", l.qualified(), err)
		}
		row := make(cdc.Row, len(l.codecs))
		for i, cd := range l.codecs {
			v, err := cd.decode(dest[i])
			if err != nil {
				return nil, &ValueError{Table: l.schema.Table, Column: cd.name, Value: fmt.Sprintf("%v", dest[i]), Reason: "cannot convert back: " + err.Error()}
			}
			row[i] = v
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: read %s: %w", l.qualified(), err)
	}
	return out, nil
}

var errNilSchema = errors.New("clickhouse: event without a schema")
