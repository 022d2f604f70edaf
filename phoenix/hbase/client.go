package hbase

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tsuna/gohbase"
	"github.com/tsuna/gohbase/hrpc"

	"github.com/rtdw/rtdw/internal/problems"
)

var (
	// ErrInvalidConfig is matched by every configuration error of this
	// package.
	ErrInvalidConfig = errors.New("hbase: invalid configuration")
	// ErrTableNotFound is matched by the error of a call on a table that
	// does not exist.
	ErrTableNotFound = errors.New("hbase: table not found")
	// ErrClosed is returned by a Client used after Close.
	ErrClosed = errors.New("hbase: client closed")
)

// Config configures a [Client]. Start from [DefaultConfig]: zero timeouts
// mean none.
type Config struct {
	// Quorum is the ZooKeeper quorum (hbase.zookeeper.quorum) as
	// comma-separated host:port pairs, such as "zk1:2181,zk2:2181".
	Quorum string
	// Root is the cluster's znode (zookeeper.znode.parent; DefaultConfig:
	// /hbase).
	Root string
	// ZooKeeperTimeout is ZooKeeper's session timeout (DefaultConfig: 30s).
	ZooKeeperTimeout time.Duration
	// RegionLookupTimeout bounds finding a region (ZooKeeper, then
	// hbase:meta), so that an unreachable quorum fails instead of hanging
	// (DefaultConfig: 30s).
	RegionLookupTimeout time.Duration
	// RegionReadTimeout bounds the wait for a region server's answer
	// (DefaultConfig: 30s).
	RegionReadTimeout time.Duration
	// FlushInterval is how long gohbase waits to batch puts and gets to one
	// region server (DefaultConfig: 20ms, gohbase's).
	FlushInterval time.Duration
	// EffectiveUser is the user the calls run as (DefaultConfig: root,
	// gohbase's default).
	EffectiveUser string
	// Logger receives gohbase's logs. Nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the configuration of a client of the cluster whose
// ZooKeeper quorum is quorum.
func DefaultConfig(quorum string) Config {
	return Config{
		Quorum: quorum, Root: "/hbase", ZooKeeperTimeout: 30 * time.Second,
		RegionLookupTimeout: 30 * time.Second, RegionReadTimeout: 30 * time.Second,
		FlushInterval: 20 * time.Millisecond, EffectiveUser: "root",
	}
}

func (c *Config) validate() error {
	ps := problems.New("hbase", "client configuration", ErrInvalidConfig)
	if strings.TrimSpace(c.Quorum) == "" {
		ps.Add("Quorum", "", "set the ZooKeeper quorum, such as zk1:2181,zk2:2181 (hbase.zookeeper.quorum)")
	}
	for _, hp := range strings.Split(c.Quorum, ",") {
		if hp = strings.TrimSpace(hp); hp != "" && !strings.Contains(hp, ":") {
			ps.Add("Quorum", c.Quorum, "give each server as host:port (%q has no port; ZooKeeper's is 2181)", hp)
			break
		}
	}
	if c.Root == "" || !strings.HasPrefix(c.Root, "/") {
		ps.Add("Root", c.Root, "use the cluster's zookeeper.znode.parent, such as /hbase")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ZooKeeperTimeout", c.ZooKeeperTimeout}, {"RegionLookupTimeout", c.RegionLookupTimeout}, {"RegionReadTimeout", c.RegionReadTimeout}, {"FlushInterval", c.FlushInterval}} {
		if d.v < 0 {
			ps.Add(d.name, d.v, "use a positive duration, or 0 for none")
		}
	}
	if c.ZooKeeperTimeout == 0 {
		ps.Add("ZooKeeperTimeout", c.ZooKeeperTimeout, "ZooKeeper needs a session timeout; use DefaultConfig's 30s")
	}
	return ps.Err()
}

// Client reads and writes HBase tables through gohbase, and administers
// them. It finds the cluster through ZooKeeper as HBase's own clients do:
// the master and the region server of hbase:meta are read from the znodes
// under Root, and regions from hbase:meta. It is safe for concurrent use.
type Client struct {
	cfg    Config
	client gohbase.Client
	admin  gohbase.AdminClient
	closed atomic.Bool
}

// Open returns a client of the cluster cfg names. It checks cfg and does
// no I/O: the first call finds the cluster.
func Open(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []gohbase.Option{
		gohbase.ZookeeperRoot(cfg.Root),
		gohbase.ZookeeperTimeout(cfg.ZooKeeperTimeout),
		gohbase.EffectiveUser(cfg.EffectiveUser),
		gohbase.Logger(log.With("component", "gohbase")),
	}
	if cfg.RegionLookupTimeout > 0 {
		opts = append(opts, gohbase.RegionLookupTimeout(cfg.RegionLookupTimeout))
	}
	if cfg.RegionReadTimeout > 0 {
		opts = append(opts, gohbase.RegionReadTimeout(cfg.RegionReadTimeout))
	}
	if cfg.FlushInterval > 0 {
		opts = append(opts, gohbase.FlushInterval(cfg.FlushInterval))
	}
	return &Client{cfg: cfg, client: gohbase.NewClient(cfg.Quorum, opts...), admin: gohbase.NewAdminClient(cfg.Quorum, opts...)}, nil
}

// Close closes the client's connections to the region servers. It is safe
// to call twice. gohbase's admin client has no Close (and its client's
// Close panics on it), so the connection to the master, opened by the first
// admin call, stays until the process ends.
func (c *Client) Close() {
	if !c.closed.Swap(true) {
		c.client.Close()
	}
}

// Cell is one cell of a row.
type Cell struct {
	Family, Qualifier string
	Value             []byte
	Timestamp         time.Time
}

// Row is a row's key and cells, ordered by family and qualifier.
type Row struct {
	Key   []byte
	Cells []Cell
}

// Value returns the value of family:qualifier, or nil.
func (r *Row) Value(family, qualifier string) []byte {
	for _, c := range r.Cells {
		if c.Family == family && c.Qualifier == qualifier {
			return c.Value
		}
	}
	return nil
}

func rowOf(res *hrpc.Result) *Row {
	if res == nil || len(res.Cells) == 0 {
		return nil
	}
	r := &Row{Key: res.Cells[0].Row}
	for _, c := range res.Cells {
		r.Cells = append(r.Cells, Cell{Family: string(c.Family), Qualifier: string(c.Qualifier), Value: c.Value,
			Timestamp: cellTime(c)})
	}
	return r
}

// Values are cells to put: family to qualifier to value.
type Values map[string]map[string][]byte

func (c *Client) check(op, table string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if table == "" {
		return fmt.Errorf("hbase: %s: empty table name", op)
	}
	return nil
}

// wrap names the call in gohbase's error, and makes a missing table match
// ErrTableNotFound.
func (c *Client) wrap(op, table string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// gohbase retries a lookup until ctx ends, and says only that.
		return fmt.Errorf("hbase: %s %s: %w (no answer from the cluster: is ZooKeeper at %s reachable, and does it hold the cluster under %s?)",
			op, table, err, c.cfg.Quorum, c.cfg.Root)
	}
	if errors.Is(err, gohbase.TableNotFound) || strings.Contains(err.Error(), "TableNotFoundException") {
		return fmt.Errorf("hbase: %s %s: %w (%v)", op, table, ErrTableNotFound, err)
	}
	return fmt.Errorf("hbase: %s %s: %w", op, table, err)
}

// Put writes values into row of table ("namespace:table" outside the
// default namespace).
func (c *Client) Put(ctx context.Context, table string, row []byte, values Values) error {
	if err := c.check("put", table); err != nil {
		return err
	}
	if len(values) == 0 {
		return fmt.Errorf("hbase: put into %s: no values", table)
	}
	put, err := hrpc.NewPut(ctx, []byte(table), row, values)
	if err != nil {
		return c.wrap("put into", table, err)
	}
	_, err = c.client.Put(put)
	return c.wrap("put into", table, err)
}

// Get reads row of table, only the families named (all when none), and
// returns nil when the row has no cells.
func (c *Client) Get(ctx context.Context, table string, row []byte, families ...string) (*Row, error) {
	if err := c.check("get", table); err != nil {
		return nil, err
	}
	var opts []func(hrpc.Call) error
	if len(families) > 0 {
		opts = append(opts, hrpc.Families(familyMap(families)))
	}
	get, err := hrpc.NewGet(ctx, []byte(table), row, opts...)
	if err != nil {
		return nil, c.wrap("get from", table, err)
	}
	res, err := c.client.Get(get)
	if err != nil {
		return nil, c.wrap("get from", table, err)
	}
	return rowOf(res), nil
}

func familyMap(families []string) map[string][]string {
	m := make(map[string][]string, len(families))
	for _, f := range families {
		m[f] = nil
	}
	return m
}

// Scan calls fn with each row of table from start (inclusive) to stop
// (exclusive; nil for the end), in key order, only the families named
// (all when none). It stops at fn's first error and returns it.
func (c *Client) Scan(ctx context.Context, table string, start, stop []byte, families []string, fn func(*Row) error) error {
	if err := c.check("scan", table); err != nil {
		return err
	}
	var opts []func(hrpc.Call) error
	if len(families) > 0 {
		opts = append(opts, hrpc.Families(familyMap(families)))
	}
	scan, err := hrpc.NewScanRange(ctx, []byte(table), start, stop, opts...)
	if err != nil {
		return c.wrap("scan", table, err)
	}
	sc := c.client.Scan(scan)
	defer sc.Close()
	for {
		res, err := sc.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return c.wrap("scan", table, err)
		}
		if r := rowOf(res); r != nil {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
}

// Delete deletes row of table: every cell, or only those of the families
// named.
func (c *Client) Delete(ctx context.Context, table string, row []byte, families ...string) error {
	if err := c.check("delete", table); err != nil {
		return err
	}
	values := map[string]map[string][]byte{}
	for _, f := range families {
		values[f] = nil
	}
	del, err := hrpc.NewDel(ctx, []byte(table), row, values)
	if err != nil {
		return c.wrap("delete from", table, err)
	}
	_, err = c.client.Delete(del)
	return c.wrap("delete from", table, err)
}

// CreateTable creates table with the column families named, each with
// HBase's default attributes unless attrs names some (such as
// "COMPRESSION": "SNAPPY", "TTL": "86400", "VERSIONS": "1"), and optional
// split keys that pre-split it into regions.
func (c *Client) CreateTable(ctx context.Context, table string, families []string, attrs map[string]string, splits ...[]byte) error {
	if err := c.check("create table", table); err != nil {
		return err
	}
	if len(families) == 0 {
		return fmt.Errorf("hbase: create table %s: name at least one column family", table)
	}
	fams := make(map[string]map[string]string, len(families))
	for _, f := range families {
		fams[f] = attrs
	}
	var opts []func(*hrpc.CreateTable)
	if len(splits) > 0 {
		opts = append(opts, hrpc.SplitKeys(splits))
	}
	return c.wrap("create table", table, c.admin.CreateTable(hrpc.NewCreateTable(ctx, []byte(table), fams, opts...)))
}

// DisableTable takes table offline, which DeleteTable requires.
func (c *Client) DisableTable(ctx context.Context, table string) error {
	if err := c.check("disable table", table); err != nil {
		return err
	}
	return c.wrap("disable table", table, c.admin.DisableTable(hrpc.NewDisableTable(ctx, []byte(table))))
}

// EnableTable brings a disabled table back online.
func (c *Client) EnableTable(ctx context.Context, table string) error {
	if err := c.check("enable table", table); err != nil {
		return err
	}
	return c.wrap("enable table", table, c.admin.EnableTable(hrpc.NewEnableTable(ctx, []byte(table))))
}

// DeleteTable deletes a disabled table and its data.
func (c *Client) DeleteTable(ctx context.Context, table string) error {
	if err := c.check("delete table", table); err != nil {
		return err
	}
	return c.wrap("delete table", table, c.admin.DeleteTable(hrpc.NewDeleteTable(ctx, []byte(table))))
}

func cellTime(c *hrpc.Cell) time.Time {
	if c.Timestamp == nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(*c.Timestamp))
}
