package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	chgo "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
	"github.com/rtdw/rtdw/clickhouse"
)

// closers collects what the connectors opened, for the program to close
// after the pipeline stops.
type closers struct {
	mu  sync.Mutex
	fns []func(context.Context) error
}

func (c *closers) add(fn func(context.Context) error) {
	c.mu.Lock()
	c.fns = append(c.fns, fn)
	c.mu.Unlock()
}

// closeAll closes in reverse order (sinks before their clients).
func (c *closers) closeAll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for i := len(c.fns) - 1; i >= 0; i-- {
		if err := c.fns[i](ctx); err != nil && first == nil {
			first = err
		}
	}
	c.fns = nil
	return first
}

// newRegistry returns the registry of this program: Flink CDC's values
// sink, the MySQL source (type: mysql), the ClickHouse sink (type:
// clickhouse) and the Phoenix sink (type: phoenix).
func newRegistry(c *closers) *definition.Registry {
	reg := definition.NewRegistry()
	reg.RegisterSource("mysql", definition.SourceType{Keys: mysqlKeys, New: func(b *definition.Block) (pipeline.Source, error) {
		src, err := newMySQLSource(b)
		if err != nil || src == nil {
			return nil, err
		}
		c.add(func(context.Context) error { return src.Close() })
		return src, nil
	}})
	reg.RegisterSink("clickhouse", definition.SinkType{Keys: clickhouseKeys, New: func(b *definition.Block) (cdc.Sink, error) {
		return newClickHouseSink(b, c)
	}})
	reg.RegisterSink("phoenix", definition.SinkType{Keys: phoenixKeys, New: func(b *definition.Block) (cdc.Sink, error) {
		return newPhoenixSink(b, c)
	}})
	return reg
}

// mysqlKeys are the options of Flink CDC's MySQL pipeline connector that
// the cdc/mysql source reads.
var mysqlKeys = []string{
	"hostname", "port", "username", "password", "tables", "server-id", "server-time-zone",
	"scan.incremental.snapshot.chunk.size", "scan.snapshot.fetch.size", "scan.incremental.snapshot.chunk.key-column",
	"scan.startup.mode", "scan.startup.specific-offset.file", "scan.startup.specific-offset.pos",
	"scan.startup.specific-offset.gtid-set", "scan.startup.timestamp-millis",
	"connect.timeout", "connect.max-retries", "connection.pool.size", "heartbeat.interval",
	"scan.newly-added-table.enabled", "schema-change.enabled",
	"chunk-key.even-distribution.factor.upper-bound", "chunk-key.even-distribution.factor.lower-bound",
}

func newMySQLSource(b *definition.Block) (*mysql.Source, error) {
	cfg := mysql.DefaultConfig()
	cfg.Name = b.Name
	cfg.Hostname = b.Required("hostname", "the MySQL server's host")
	cfg.Port = b.Int("port", mysql.DefaultPort)
	cfg.Username = b.Required("username", "the user to capture as")
	cfg.Password = b.String("password", "")
	if tables := b.Required("tables", "the tables to capture, such as app_db.\\.*"); tables != "" {
		pattern, err := definition.SelectorPattern(tables)
		dbs, _ := definition.SelectorDatabases(tables)
		if err != nil {
			b.Problem("tables", tables, "%v", err)
		}
		cfg.TableList, cfg.DatabaseList = []string{pattern}, dbs
	}
	cfg.ServerID = b.String("server-id", "")
	cfg.ServerTimeZone = b.String("server-time-zone", cfg.ServerTimeZone)
	cfg.SplitSize = b.Int("scan.incremental.snapshot.chunk.size", cfg.SplitSize)
	cfg.FetchSize = b.Int("scan.snapshot.fetch.size", cfg.FetchSize)
	if v := b.String("scan.incremental.snapshot.chunk.key-column", ""); v != "" {
		cfg.ChunkKeyColumn = map[string]string{}
		for _, pair := range strings.Split(v, ";") {
			table, col, ok := strings.Cut(pair, ":")
			if !ok {
				b.Problem("scan.incremental.snapshot.chunk.key-column", v, "want database.table:column, several separated by ;")
				break
			}
			cfg.ChunkKeyColumn[strings.TrimSpace(table)] = strings.TrimSpace(col)
		}
	}
	cfg.StartupOptions = startupOptions(b)
	cfg.ConnectTimeout = b.Duration("connect.timeout", cfg.ConnectTimeout)
	cfg.ConnectMaxRetries = b.Int("connect.max-retries", cfg.ConnectMaxRetries)
	cfg.ConnectionPoolSize = b.Int("connection.pool.size", cfg.ConnectionPoolSize)
	cfg.HeartbeatInterval = b.Duration("heartbeat.interval", cfg.HeartbeatInterval)
	cfg.ScanNewlyAddedTables = b.Bool("scan.newly-added-table.enabled", false)
	cfg.IncludeSchemaChanges = b.Bool("schema-change.enabled", true)
	cfg.DistributionFactorUpper = float(b, "chunk-key.even-distribution.factor.upper-bound", cfg.DistributionFactorUpper)
	cfg.DistributionFactorLower = float(b, "chunk-key.even-distribution.factor.lower-bound", cfg.DistributionFactorLower)
	cfg.OffsetStore = b.OffsetStore
	if b.CheckpointInterval > 0 {
		cfg.OffsetCommitInterval = b.CheckpointInterval
	}
	cfg.Logger = b.Logger
	return mysql.NewSourceFromConfig(cfg)
}

func float(b *definition.Block, key string, def float64) float64 {
	v := b.String(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		b.Problem(key, v, "want a number")
		return def
	}
	return f
}

// startupOptions reads Flink CDC's scan.startup.* options.
func startupOptions(b *definition.Block) mysql.StartupOptions {
	if b.Pipeline.Batch {
		return mysql.SnapshotOnly()
	}
	switch mode := b.String("scan.startup.mode", "initial"); mode {
	case "initial":
		return mysql.Initial()
	case "snapshot":
		return mysql.SnapshotOnly()
	case "latest-offset":
		return mysql.Latest()
	case "earliest-offset":
		return mysql.Earliest()
	case "specific-offset":
		if set := b.String("scan.startup.specific-offset.gtid-set", ""); set != "" {
			return mysql.SpecificGTID(set)
		}
		file := b.Required("scan.startup.specific-offset.file", "the binlog file to start from (or scan.startup.specific-offset.gtid-set)")
		return mysql.SpecificOffset(file, uint64(b.Int("scan.startup.specific-offset.pos", 4)))
	case "timestamp":
		return mysql.Timestamp(int64(b.Int("scan.startup.timestamp-millis", 0)))
	default:
		b.Problem("scan.startup.mode", mode, "want initial, snapshot, latest-offset, earliest-offset, specific-offset or timestamp")
		return mysql.Initial()
	}
}

// clickhouseKeys are the options of rtdw's ClickHouse sink (Flink CDC has
// no ClickHouse pipeline sink; the names follow its JDBC-style sinks).
var clickhouseKeys = []string{
	"hostname", "port", "username", "password", "database",
	"sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.max-retries",
}

func newClickHouseSink(b *definition.Block, c *closers) (cdc.Sink, error) {
	host := b.Required("hostname", "the ClickHouse server's host")
	port := b.Int("port", 9000)
	opts := &chgo.Options{Addr: []string{net.JoinHostPort(host, strconv.Itoa(port))},
		Auth: chgo.Auth{Username: b.String("username", "default"), Password: b.String("password", "")}}
	cfg := clickhouse.SinkConfig{
		TableOptions:  clickhouse.TableOptions{Database: b.String("database", "")},
		MaxRows:       b.Int("sink.buffer-flush.max-rows", 0),
		FlushInterval: b.Duration("sink.buffer-flush.interval", 0),
		Logger:        b.Logger,
		// Flink CDC's pipeline-wide schema.change.behavior, applied by the sink.
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: b.Pipeline.SchemaChangeBehavior},
	}
	cfg.Retry.MaxAttempts = b.Int("sink.max-retries", 0)
	if host == "" {
		return nil, nil // the problem is recorded
	}
	client, err := clickhouse.New(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	sink, err := clickhouse.NewSink(client, cfg)
	if err != nil {
		client.Close()
		return nil, err
	}
	c.add(func(context.Context) error { return client.Close() })
	c.add(sink.Close)
	return sink, nil
}
