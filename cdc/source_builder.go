package cdc

import (
	"crypto/tls"
	"maps"
	"slices"
	"time"
)

// MySQLSourceBuilder builds a [MySQLSource] the way Flink CDC's
// MySqlSourceBuilder does. It is a thin layer over [MySQLSourceConfig]: it
// starts from [DefaultConfig], each setter sets the one field of the same
// name (see the field for its meaning and what zero means) and returns the
// builder, and [MySQLSourceBuilder.Build] validates all options at once. A
// builder is not safe for concurrent use.
type MySQLSourceBuilder struct {
	cfg MySQLSourceConfig
}

// NewMySQLSource starts building a MySQL or MariaDB source from
// [DefaultConfig].
func NewMySQLSource() *MySQLSourceBuilder { return &MySQLSourceBuilder{cfg: DefaultConfig()} }

// Name sets [MySQLSourceConfig.Name].
func (b *MySQLSourceBuilder) Name(name string) *MySQLSourceBuilder { b.cfg.Name = name; return b }

// Hostname sets [MySQLSourceConfig.Hostname], the server's host.
func (b *MySQLSourceBuilder) Hostname(host string) *MySQLSourceBuilder {
	b.cfg.Hostname = host
	return b
}

// Port sets [MySQLSourceConfig.Port] (default 3306; 0 means the default).
func (b *MySQLSourceBuilder) Port(port int) *MySQLSourceBuilder { b.cfg.Port = port; return b }

// DatabaseList sets [MySQLSourceConfig.DatabaseList], the databases to
// capture (regular expressions).
func (b *MySQLSourceBuilder) DatabaseList(dbs ...string) *MySQLSourceBuilder {
	b.cfg.DatabaseList = slices.Clone(dbs)
	return b
}

// TableList sets [MySQLSourceConfig.TableList], the tables to capture
// ("database.table" regular expressions).
func (b *MySQLSourceBuilder) TableList(tables ...string) *MySQLSourceBuilder {
	b.cfg.TableList = slices.Clone(tables)
	return b
}

// Username sets [MySQLSourceConfig.Username], the login user.
func (b *MySQLSourceBuilder) Username(user string) *MySQLSourceBuilder {
	b.cfg.Username = user
	return b
}

// Password sets [MySQLSourceConfig.Password]. It is never printed.
func (b *MySQLSourceBuilder) Password(pw string) *MySQLSourceBuilder { b.cfg.Password = pw; return b }

// ServerID sets [MySQLSourceConfig.ServerID], the replica server id or
// range, such as "5400-5408".
func (b *MySQLSourceBuilder) ServerID(id string) *MySQLSourceBuilder { b.cfg.ServerID = id; return b }

// ServerTimeZone sets [MySQLSourceConfig.ServerTimeZone].
func (b *MySQLSourceBuilder) ServerTimeZone(zone string) *MySQLSourceBuilder {
	b.cfg.ServerTimeZone = zone
	return b
}

// SplitSize sets [MySQLSourceConfig.SplitSize], the rows per snapshot chunk
// (default 8096; 0 means the default).
func (b *MySQLSourceBuilder) SplitSize(rows int) *MySQLSourceBuilder {
	b.cfg.SplitSize = rows
	return b
}

// FetchSize sets [MySQLSourceConfig.FetchSize], the most events per handler
// call (default 1024; 0 means the default).
func (b *MySQLSourceBuilder) FetchSize(n int) *MySQLSourceBuilder { b.cfg.FetchSize = n; return b }

// ChunkKeyColumn adds to [MySQLSourceConfig.ChunkKeyColumn] the column a
// table ("database.table") is split by.
func (b *MySQLSourceBuilder) ChunkKeyColumn(table, column string) *MySQLSourceBuilder {
	m := maps.Clone(b.cfg.ChunkKeyColumn)
	if m == nil {
		m = map[string]string{}
	}
	m[table] = column
	b.cfg.ChunkKeyColumn = m
	return b
}

// ConnectTimeout sets [MySQLSourceConfig.ConnectTimeout], the bound on one
// connection attempt (default 30s; 0 means no timeout of its own).
func (b *MySQLSourceBuilder) ConnectTimeout(d time.Duration) *MySQLSourceBuilder {
	b.cfg.ConnectTimeout = d
	return b
}

// ConnectMaxRetries sets [MySQLSourceConfig.ConnectMaxRetries], the retries
// of a failed first connection (default 3; 0 means a single attempt).
func (b *MySQLSourceBuilder) ConnectMaxRetries(n int) *MySQLSourceBuilder {
	b.cfg.ConnectMaxRetries = n
	return b
}

// ConnectionPoolSize sets [MySQLSourceConfig.ConnectionPoolSize], the most
// SQL connections (default 20; 0 means the default).
func (b *MySQLSourceBuilder) ConnectionPoolSize(n int) *MySQLSourceBuilder {
	b.cfg.ConnectionPoolSize = n
	return b
}

// HeartbeatInterval sets [MySQLSourceConfig.HeartbeatInterval], the binlog
// heartbeat period (default 30s; 0 disables heartbeats).
func (b *MySQLSourceBuilder) HeartbeatInterval(d time.Duration) *MySQLSourceBuilder {
	b.cfg.HeartbeatInterval = d
	return b
}

// MaxReconnectDuration sets [MySQLSourceConfig.MaxReconnectDuration], how
// long a lost binlog connection is re-established before Run gives up
// (default 30s; 0 means a lost connection ends Run).
func (b *MySQLSourceBuilder) MaxReconnectDuration(d time.Duration) *MySQLSourceBuilder {
	b.cfg.MaxReconnectDuration = d
	return b
}

// ShutdownTimeout sets [MySQLSourceConfig.ShutdownTimeout], the bound on the
// final flush and checkpoint save after Run's context ends (default 30s; 0
// means no deadline of its own).
func (b *MySQLSourceBuilder) ShutdownTimeout(d time.Duration) *MySQLSourceBuilder {
	b.cfg.ShutdownTimeout = d
	return b
}

// IncludeSchemaChanges sets [MySQLSourceConfig.IncludeSchemaChanges]: DDL
// as [OpSchemaChange] events.
func (b *MySQLSourceBuilder) IncludeSchemaChanges(on bool) *MySQLSourceBuilder {
	b.cfg.IncludeSchemaChanges = on
	return b
}

// ScanNewlyAddedTables sets [MySQLSourceConfig.ScanNewlyAddedTables]:
// snapshot tables added to the filters since the stored checkpoint.
func (b *MySQLSourceBuilder) ScanNewlyAddedTables(on bool) *MySQLSourceBuilder {
	b.cfg.ScanNewlyAddedTables = on
	return b
}

// TLS sets [MySQLSourceConfig.TLS]: encrypt the connections with cfg.
func (b *MySQLSourceBuilder) TLS(cfg *tls.Config) *MySQLSourceBuilder { b.cfg.TLS = cfg; return b }

// StartupOptions sets [MySQLSourceConfig.StartupOptions], where capture
// starts (default [Initial]).
func (b *MySQLSourceBuilder) StartupOptions(o StartupOptions) *MySQLSourceBuilder {
	b.cfg.StartupOptions = o
	return b
}

// Deserializer sets [MySQLSourceConfig.Deserializer], the encoder of
// [Event.Encoded], such as debezium.JSON().
func (b *MySQLSourceBuilder) Deserializer(d Deserializer) *MySQLSourceBuilder {
	b.cfg.Deserializer = d
	return b
}

// OffsetStore sets [MySQLSourceConfig.OffsetStore], where checkpoints are
// kept (nil: a new in-memory store).
func (b *MySQLSourceBuilder) OffsetStore(s OffsetStore) *MySQLSourceBuilder {
	b.cfg.OffsetStore = s
	return b
}

// SnapshotParallelism sets [MySQLSourceConfig.SnapshotParallelism], how many
// chunks are read at once (0: the size of the ServerID range, at most 4).
func (b *MySQLSourceBuilder) SnapshotParallelism(n int) *MySQLSourceBuilder {
	b.cfg.SnapshotParallelism = n
	return b
}

// OffsetCommitInterval sets [MySQLSourceConfig.OffsetCommitInterval], the
// least time between checkpoint saves (default 1s; 0 saves at every
// transaction boundary).
func (b *MySQLSourceBuilder) OffsetCommitInterval(d time.Duration) *MySQLSourceBuilder {
	b.cfg.OffsetCommitInterval = d
	return b
}

// DistributionFactorUpper sets [MySQLSourceConfig.DistributionFactorUpper]
// (default 1000; 0 means the default).
func (b *MySQLSourceBuilder) DistributionFactorUpper(f float64) *MySQLSourceBuilder {
	b.cfg.DistributionFactorUpper = f
	return b
}

// DistributionFactorLower sets [MySQLSourceConfig.DistributionFactorLower]
// (default 0.05; 0 means no lower bound).
func (b *MySQLSourceBuilder) DistributionFactorLower(f float64) *MySQLSourceBuilder {
	b.cfg.DistributionFactorLower = f
	return b
}

// Progress sets [MySQLSourceConfig.Progress], a callback for snapshot and
// binlog progress.
func (b *MySQLSourceBuilder) Progress(fn func(Progress)) *MySQLSourceBuilder {
	b.cfg.Progress = fn
	return b
}

// Config returns a copy of the configuration built so far: [DefaultConfig]
// with the setters' values.
func (b *MySQLSourceBuilder) Config() MySQLSourceConfig {
	return b.cfg.clone()
}

// Build validates the options and returns the source. It does no I/O; the
// error, a *[ConfigError], lists every invalid option.
func (b *MySQLSourceBuilder) Build() (*MySQLSource, error) {
	return NewMySQLSourceFromConfig(b.Config())
}
