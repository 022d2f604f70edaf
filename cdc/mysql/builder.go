package mysql

import (
	"crypto/tls"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// SourceBuilder builds a [Source] the way Flink CDC's MySqlSourceBuilder
// does. It is a thin layer over [Config]: it starts from [DefaultConfig],
// each setter sets the one field of the same name (see the field for its
// meaning and what zero means) and returns the builder, and
// [SourceBuilder.Build] validates all options at once. A builder is not safe
// for concurrent use.
type SourceBuilder struct {
	cfg Config
}

// NewSource starts building a MySQL or MariaDB source from
// [DefaultConfig].
func NewSource() *SourceBuilder { return &SourceBuilder{cfg: DefaultConfig()} }

// Name sets [Config.Name].
func (b *SourceBuilder) Name(name string) *SourceBuilder { b.cfg.Name = name; return b }

// Hostname sets [Config.Hostname], the server's host.
func (b *SourceBuilder) Hostname(host string) *SourceBuilder {
	b.cfg.Hostname = host
	return b
}

// Port sets [Config.Port] (default 3306; 0 means the default).
func (b *SourceBuilder) Port(port int) *SourceBuilder { b.cfg.Port = port; return b }

// DatabaseList sets [Config.DatabaseList], the databases to
// capture (regular expressions).
func (b *SourceBuilder) DatabaseList(dbs ...string) *SourceBuilder {
	b.cfg.DatabaseList = slices.Clone(dbs)
	return b
}

// TableList sets [Config.TableList], the tables to capture
// ("database.table" regular expressions).
func (b *SourceBuilder) TableList(tables ...string) *SourceBuilder {
	b.cfg.TableList = slices.Clone(tables)
	return b
}

// Username sets [Config.Username], the login user.
func (b *SourceBuilder) Username(user string) *SourceBuilder {
	b.cfg.Username = user
	return b
}

// Password sets [Config.Password]. It is never printed.
func (b *SourceBuilder) Password(pw string) *SourceBuilder { b.cfg.Password = pw; return b }

// ServerID sets [Config.ServerID], the replica server id or
// range, such as "5400-5408".
func (b *SourceBuilder) ServerID(id string) *SourceBuilder { b.cfg.ServerID = id; return b }

// ServerTimeZone sets [Config.ServerTimeZone].
func (b *SourceBuilder) ServerTimeZone(zone string) *SourceBuilder {
	b.cfg.ServerTimeZone = zone
	return b
}

// SplitSize sets [Config.SplitSize], the rows per snapshot chunk
// (default 8096; 0 means the default).
func (b *SourceBuilder) SplitSize(rows int) *SourceBuilder {
	b.cfg.SplitSize = rows
	return b
}

// FetchSize sets [Config.FetchSize], the most events per handler
// call (default 1024; 0 means the default).
func (b *SourceBuilder) FetchSize(n int) *SourceBuilder { b.cfg.FetchSize = n; return b }

// ChunkKeyColumn adds to [Config.ChunkKeyColumn] the column a
// table ("database.table") is split by.
func (b *SourceBuilder) ChunkKeyColumn(table, column string) *SourceBuilder {
	m := maps.Clone(b.cfg.ChunkKeyColumn)
	if m == nil {
		m = map[string]string{}
	}
	m[table] = column
	b.cfg.ChunkKeyColumn = m
	return b
}

// ConnectTimeout sets [Config.ConnectTimeout], the bound on one
// connection attempt (default 30s; 0 means no timeout of its own).
func (b *SourceBuilder) ConnectTimeout(d time.Duration) *SourceBuilder {
	b.cfg.ConnectTimeout = d
	return b
}

// ConnectMaxRetries sets [Config.ConnectMaxRetries], the retries
// of a failed first connection (default 3; 0 means a single attempt).
func (b *SourceBuilder) ConnectMaxRetries(n int) *SourceBuilder {
	b.cfg.ConnectMaxRetries = n
	return b
}

// ConnectionPoolSize sets [Config.ConnectionPoolSize], the most
// SQL connections (default 20; 0 means the default).
func (b *SourceBuilder) ConnectionPoolSize(n int) *SourceBuilder {
	b.cfg.ConnectionPoolSize = n
	return b
}

// HeartbeatInterval sets [Config.HeartbeatInterval], the binlog
// heartbeat period (default 30s; 0 disables heartbeats).
func (b *SourceBuilder) HeartbeatInterval(d time.Duration) *SourceBuilder {
	b.cfg.HeartbeatInterval = d
	return b
}

// MaxReconnectDuration sets [Config.MaxReconnectDuration], how
// long a lost binlog connection is re-established before Run gives up
// (default 30s; 0 means a lost connection ends Run).
func (b *SourceBuilder) MaxReconnectDuration(d time.Duration) *SourceBuilder {
	b.cfg.MaxReconnectDuration = d
	return b
}

// ShutdownTimeout sets [Config.ShutdownTimeout], the bound on the
// final flush and checkpoint save after Run's context ends (default 30s; 0
// means no deadline of its own).
func (b *SourceBuilder) ShutdownTimeout(d time.Duration) *SourceBuilder {
	b.cfg.ShutdownTimeout = d
	return b
}

// IncludeSchemaChanges sets [Config.IncludeSchemaChanges]: DDL
// as [cdc.OpSchemaChange] events.
func (b *SourceBuilder) IncludeSchemaChanges(on bool) *SourceBuilder {
	b.cfg.IncludeSchemaChanges = on
	return b
}

// ScanNewlyAddedTables sets [Config.ScanNewlyAddedTables]:
// snapshot tables added to the filters since the stored checkpoint.
func (b *SourceBuilder) ScanNewlyAddedTables(on bool) *SourceBuilder {
	b.cfg.ScanNewlyAddedTables = on
	return b
}

// SnapshotWhenNeeded sets [Config.SnapshotWhenNeeded]: a new snapshot,
// instead of [ErrBinlogPurged], when the binlog the checkpoint needs is
// gone.
func (b *SourceBuilder) SnapshotWhenNeeded(on bool) *SourceBuilder {
	b.cfg.SnapshotWhenNeeded = on
	return b
}

// TLS sets [Config.TLS]: encrypt the connections with cfg.
func (b *SourceBuilder) TLS(cfg *tls.Config) *SourceBuilder { b.cfg.TLS = cfg; return b }

// StartupOptions sets [Config.StartupOptions], where capture
// starts (default [Initial]).
func (b *SourceBuilder) StartupOptions(o StartupOptions) *SourceBuilder {
	b.cfg.StartupOptions = o
	return b
}

// Deserializer sets [Config.Deserializer], the encoder of
// [cdc.Event.Encoded], such as debezium.JSON().
func (b *SourceBuilder) Deserializer(d cdc.Deserializer) *SourceBuilder {
	b.cfg.Deserializer = d
	return b
}

// OffsetStore sets [Config.OffsetStore], where checkpoints are
// kept (nil: a new in-memory store).
func (b *SourceBuilder) OffsetStore(s cdc.OffsetStore) *SourceBuilder {
	b.cfg.OffsetStore = s
	return b
}

// SnapshotParallelism sets [Config.SnapshotParallelism], how many
// chunks are read at once (0: the size of the ServerID range, at most 4).
func (b *SourceBuilder) SnapshotParallelism(n int) *SourceBuilder {
	b.cfg.SnapshotParallelism = n
	return b
}

// OffsetCommitInterval sets [Config.OffsetCommitInterval], the
// least time between checkpoint saves (default 1s; 0 saves at every
// transaction boundary).
func (b *SourceBuilder) OffsetCommitInterval(d time.Duration) *SourceBuilder {
	b.cfg.OffsetCommitInterval = d
	return b
}

// DistributionFactorUpper sets [Config.DistributionFactorUpper]
// (default 1000; 0 means the default).
func (b *SourceBuilder) DistributionFactorUpper(f float64) *SourceBuilder {
	b.cfg.DistributionFactorUpper = f
	return b
}

// DistributionFactorLower sets [Config.DistributionFactorLower]
// (default 0.05; 0 means no lower bound).
func (b *SourceBuilder) DistributionFactorLower(f float64) *SourceBuilder {
	b.cfg.DistributionFactorLower = f
	return b
}

// Progress sets [Config.Progress], a callback for snapshot and
// binlog progress.
func (b *SourceBuilder) Progress(fn func(Progress)) *SourceBuilder {
	b.cfg.Progress = fn
	return b
}

// Logger sets [Config.Logger], the logger of the source and of the drivers
// it uses (nil: logs are discarded).
func (b *SourceBuilder) Logger(l *slog.Logger) *SourceBuilder {
	b.cfg.Logger = l
	return b
}

// Hooks sets [Config.Hooks], the hooks told of the source's events, such
// as phase changes and stored checkpoints; a later call replaces them.
func (b *SourceBuilder) Hooks(hooks ...Hook) *SourceBuilder {
	b.cfg.Hooks = slices.Clone(hooks)
	return b
}

// Config returns a copy of the configuration built so far: [DefaultConfig]
// with the setters' values.
func (b *SourceBuilder) Config() Config {
	return b.cfg.clone()
}

// Build validates the options and returns the source. It does no I/O; the
// error, a *[ConfigError], lists every invalid option.
func (b *SourceBuilder) Build() (*Source, error) {
	return NewSourceFromConfig(b.Config())
}
