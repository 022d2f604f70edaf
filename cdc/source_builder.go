package cdc

import (
	"crypto/tls"
	"maps"
	"slices"
	"time"
)

// MySQLSourceBuilder builds a [MySQLSource] the way Flink CDC's
// MySqlSourceBuilder does. Every setter returns the builder; [Build]
// validates all options at once. A builder is not safe for concurrent use.
type MySQLSourceBuilder struct {
	cfg MySQLSourceConfig
}

// NewMySQLSource starts building a MySQL or MariaDB source.
func NewMySQLSource() *MySQLSourceBuilder { return &MySQLSourceBuilder{} }

// Name sets [MySQLSourceConfig.Name].
func (b *MySQLSourceBuilder) Name(name string) *MySQLSourceBuilder { b.cfg.Name = name; return b }

// Hostname sets the server's host.
func (b *MySQLSourceBuilder) Hostname(host string) *MySQLSourceBuilder {
	b.cfg.Hostname = host
	return b
}

// Port sets the server's port (default 3306).
func (b *MySQLSourceBuilder) Port(port int) *MySQLSourceBuilder { b.cfg.Port = port; return b }

// DatabaseList sets the databases to capture (regular expressions).
func (b *MySQLSourceBuilder) DatabaseList(dbs ...string) *MySQLSourceBuilder {
	b.cfg.DatabaseList = slices.Clone(dbs)
	return b
}

// TableList sets the tables to capture ("database.table" regular expressions).
func (b *MySQLSourceBuilder) TableList(tables ...string) *MySQLSourceBuilder {
	b.cfg.TableList = slices.Clone(tables)
	return b
}

// Username sets the login user.
func (b *MySQLSourceBuilder) Username(user string) *MySQLSourceBuilder {
	b.cfg.Username = user
	return b
}

// Password sets the login password. It is never printed.
func (b *MySQLSourceBuilder) Password(pw string) *MySQLSourceBuilder { b.cfg.Password = pw; return b }

// ServerID sets the replica server id or range, such as "5400-5408".
func (b *MySQLSourceBuilder) ServerID(id string) *MySQLSourceBuilder { b.cfg.ServerID = id; return b }

// ServerTimeZone sets [MySQLSourceConfig.ServerTimeZone].
func (b *MySQLSourceBuilder) ServerTimeZone(zone string) *MySQLSourceBuilder {
	b.cfg.ServerTimeZone = zone
	return b
}

// SplitSize sets the rows per snapshot chunk (default 8096).
func (b *MySQLSourceBuilder) SplitSize(rows int) *MySQLSourceBuilder {
	b.cfg.SplitSize = rows
	return b
}

// FetchSize sets the most events per handler call (default 1024).
func (b *MySQLSourceBuilder) FetchSize(n int) *MySQLSourceBuilder { b.cfg.FetchSize = n; return b }

// ChunkKeyColumn sets the column a table ("database.table") is split by.
func (b *MySQLSourceBuilder) ChunkKeyColumn(table, column string) *MySQLSourceBuilder {
	m := maps.Clone(b.cfg.ChunkKeyColumn)
	if m == nil {
		m = map[string]string{}
	}
	m[table] = column
	b.cfg.ChunkKeyColumn = m
	return b
}

// ConnectTimeout sets the connection timeout (default 30s).
func (b *MySQLSourceBuilder) ConnectTimeout(d time.Duration) *MySQLSourceBuilder {
	b.cfg.ConnectTimeout = d
	return b
}

// ConnectMaxRetries sets the retries of a failed first connection (default 3).
func (b *MySQLSourceBuilder) ConnectMaxRetries(n int) *MySQLSourceBuilder {
	b.cfg.ConnectMaxRetries = n
	return b
}

// ConnectionPoolSize sets the most SQL connections (default 20).
func (b *MySQLSourceBuilder) ConnectionPoolSize(n int) *MySQLSourceBuilder {
	b.cfg.ConnectionPoolSize = n
	return b
}

// HeartbeatInterval sets the binlog heartbeat period (default 30s).
func (b *MySQLSourceBuilder) HeartbeatInterval(d time.Duration) *MySQLSourceBuilder {
	b.cfg.HeartbeatInterval = d
	return b
}

// IncludeSchemaChanges emits DDL as [OpSchemaChange] events.
func (b *MySQLSourceBuilder) IncludeSchemaChanges(on bool) *MySQLSourceBuilder {
	b.cfg.IncludeSchemaChanges = on
	return b
}

// ScanNewlyAddedTables snapshots tables added to the filters since the
// stored checkpoint.
func (b *MySQLSourceBuilder) ScanNewlyAddedTables(on bool) *MySQLSourceBuilder {
	b.cfg.ScanNewlyAddedTables = on
	return b
}

// TLS encrypts the connections with cfg.
func (b *MySQLSourceBuilder) TLS(cfg *tls.Config) *MySQLSourceBuilder { b.cfg.TLS = cfg; return b }

// StartupOptions sets where capture starts (default [Initial]).
func (b *MySQLSourceBuilder) StartupOptions(o StartupOptions) *MySQLSourceBuilder {
	b.cfg.StartupOptions = o
	return b
}

// Deserializer sets the encoder of [Event.Encoded], such as debezium.JSON().
func (b *MySQLSourceBuilder) Deserializer(d Deserializer) *MySQLSourceBuilder {
	b.cfg.Deserializer = d
	return b
}

// OffsetStore sets where checkpoints are kept (default in memory).
func (b *MySQLSourceBuilder) OffsetStore(s OffsetStore) *MySQLSourceBuilder {
	b.cfg.OffsetStore = s
	return b
}

// SnapshotParallelism sets how many chunks are read at once.
func (b *MySQLSourceBuilder) SnapshotParallelism(n int) *MySQLSourceBuilder {
	b.cfg.SnapshotParallelism = n
	return b
}

// OffsetCommitInterval sets the least time between checkpoint saves.
func (b *MySQLSourceBuilder) OffsetCommitInterval(d time.Duration) *MySQLSourceBuilder {
	b.cfg.OffsetCommitInterval = d
	return b
}

// Progress sets a callback for snapshot and binlog progress.
func (b *MySQLSourceBuilder) Progress(fn func(Progress)) *MySQLSourceBuilder {
	b.cfg.Progress = fn
	return b
}

// Config returns a copy of the configuration built so far.
func (b *MySQLSourceBuilder) Config() MySQLSourceConfig {
	return b.cfg.clone()
}

// Build validates the options and returns the source. It does no I/O; the
// error, a *[ConfigError], lists every invalid option.
func (b *MySQLSourceBuilder) Build() (*MySQLSource, error) {
	return NewMySQLSourceFromConfig(b.Config())
}
