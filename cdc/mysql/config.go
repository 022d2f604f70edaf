package mysql

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
	secrets "github.com/rtdw/rtdw/internal/redact"
)

// The defaults of [Config], as [DefaultConfig] sets them: Flink
// CDC's MySqlSource defaults where it has the option.
const (
	// DefaultName is Flink CDC's source name.
	DefaultName                 = "mysql_binlog_source"
	DefaultPort                 = 3306
	DefaultSplitSize            = 8096
	DefaultFetchSize            = 1024
	DefaultConnectTimeout       = 30 * time.Second
	DefaultConnectMaxRetries    = 3
	DefaultConnectionPoolSize   = 20
	DefaultHeartbeatInterval    = 30 * time.Second
	DefaultOffsetCommitInterval = time.Second
	// DefaultMaxReconnectDuration is how long a lost binlog connection is
	// re-established before Run gives up.
	DefaultMaxReconnectDuration = 30 * time.Second
	// DefaultShutdownTimeout bounds the final flush and checkpoint save
	// after Run's context ends.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultDistributionFactorUpper and DefaultDistributionFactorLower bound
	// the ratio (max-min+1)/rows of an integer chunk key inside which a table
	// is split into evenly sized key ranges; outside it, splitting queries the
	// key's values.
	DefaultDistributionFactorUpper = 1000.0
	DefaultDistributionFactorLower = 0.05
	// defaultServerIDBase and defaultServerIDSpan: like Flink CDC, a source
	// without a server id picks one at random from 5400 to 6400.
	defaultServerIDBase = 5400
	defaultServerIDSpan = 1000
)

// Config configures a MySQL or MariaDB change data capture source. It is
// the plain-struct alternative to [NewSource]'s builder; pass it to
// [NewSourceFromConfig]. Start from [DefaultConfig] and change the fields
// you need: where zero is a setting someone may want (no retry, no
// heartbeat, no timeout of its own, no reconnect), zero means that, not the
// default, so a struct not made by DefaultConfig is refused. Where zero is
// never a useful setting (a port, a chunk of no rows, no connections) each
// field's comment says that zero means the default. Negative numbers are
// never valid. Defaults are applied to a copy: the caller's struct is never
// modified.
type Config struct {
	// Name identifies the source in Debezium's source.name and in stored
	// checkpoints: a checkpoint written under another Name is refused
	// ([ErrInvalidCheckpoint]). Default [DefaultName], Flink CDC's; "" means
	// the default.
	Name string
	// Hostname is the server's host name or IP address. Required.
	Hostname string
	// Port is the server's TCP port. Default 3306; 0 means the default.
	Port int
	// Username and Password log in. Username is required; Password is never
	// printed (see [Config.String]).
	Username string
	Password string
	// DatabaseList holds regular expressions; a database is captured when one
	// matches its whole name. Required.
	DatabaseList []string
	// TableList holds regular expressions matched against whole
	// "database.table" names, as Flink CDC's tableList; a dot in a pattern
	// matches any character, as in Flink CDC, so write `db\.t` to be exact.
	// Empty: every table of the captured databases.
	TableList []string
	// ServerID is the replica server id the source uses, or a range such as
	// "5400-5408": the snapshot's parallel readers each use one id of the
	// range. "" means a random id from 5400 to 6400 and the ones after it.
	ServerID string
	// ServerTimeZone is the IANA name of the zone the server's TIMESTAMP
	// values are rendered in by the session. rtdw sets the session time_zone
	// to UTC on its own connections, so the default, "UTC", is right for every
	// server; it exists for Flink CDC parity. "" means the default.
	ServerTimeZone string
	// SplitSize is the number of rows per snapshot chunk. Default 8096; 0
	// means the default.
	SplitSize int
	// FetchSize is the most events handed to the handler in one call.
	// Default 1024; 0 means the default.
	FetchSize int
	// ChunkKeyColumn chooses, per table ("database.table"), the column the
	// snapshot splits that table by. Default: the first primary key column.
	// A table without a primary key needs one.
	ChunkKeyColumn map[string]string
	// ConnectTimeout bounds one attempt to connect: the TCP dial, the
	// handshake and the first ping of the SQL pool, and each dial of a binlog
	// connection. It does not bound reconnecting (MaxReconnectDuration) nor
	// the final save (ShutdownTimeout). Default 30s; 0 means no timeout of
	// its own (Run's context still ends an attempt).
	ConnectTimeout time.Duration
	// ConnectMaxRetries is how many times a failed first connection of the
	// SQL pool is retried, waiting twice as long before each retry (1s, 2s,
	// 4s... up to 30s). Default 3; 0 means a single attempt.
	ConnectMaxRetries int
	// ConnectionPoolSize bounds the connections of the source's SQL pool
	// (schemas, binlog positions, splitting tables into chunks). Each of
	// the snapshot's SnapshotParallelism readers keeps one connection of
	// its own besides, for its chunks' SELECTs and the statements around
	// them. Default 20; 0 means the default.
	ConnectionPoolSize int
	// HeartbeatInterval asks the server for a heartbeat on an idle binlog
	// connection, so a dead connection is noticed within about three
	// intervals. Default 30s; 0 disables heartbeats.
	HeartbeatInterval time.Duration
	// MaxReconnectDuration is how long a lost binlog connection (or a first
	// one that fails) is re-established, with backoff, before Run returns an
	// error. Default 30s; 0 means a lost connection ends Run at once.
	MaxReconnectDuration time.Duration
	// ShutdownTimeout bounds what Run does after its context ends: deliver
	// the transactions read in full, flush the handler and save the final
	// checkpoint. Default 30s; 0 means no deadline of its own.
	ShutdownTimeout time.Duration
	// IncludeSchemaChanges emits DDL statements of captured tables as
	// [cdc.OpSchemaChange] events.
	IncludeSchemaChanges bool
	// ScanNewlyAddedTables snapshots tables that match the filters on restart
	// but were not captured when the stored checkpoint was written.
	ScanNewlyAddedTables bool
	// SnapshotWhenNeeded takes a new snapshot of every captured table,
	// with a warning in the Logger, when the binlog the stored checkpoint
	// needs is gone from the server (purged by binlog_expire_logs_seconds
	// or PURGE BINARY LOGS), as Debezium's snapshot.mode=when_needed does,
	// instead of stopping Run with [ErrBinlogPurged]. Rows deleted on the
	// server while their binlog went unread are in no snapshot, so a sink
	// that keeps rows keeps them: see the package documentation for what
	// to do. Off by default.
	SnapshotWhenNeeded bool
	// TLS, when set, encrypts every connection to the server.
	TLS *tls.Config
	// StartupOptions chooses where capture starts. Default [Initial]; the
	// zero StartupOptions means the default.
	StartupOptions StartupOptions
	// Deserializer, when set, encodes every event into [cdc.Event.Encoded].
	Deserializer cdc.Deserializer
	// OffsetStore keeps the source's checkpoint. nil means a new in-memory
	// store per source, so a restarted process starts over; use
	// [cdc.NewFileOffsetStore] to resume.
	OffsetStore cdc.OffsetStore
	// SnapshotParallelism is how many chunks are read at once; each reader
	// uses its own id of the ServerID range to read the binlog between its
	// chunk's watermarks. 0 means the default: the size of the ServerID
	// range, at most 4 (2 when ServerID is unset).
	SnapshotParallelism int
	// OffsetCommitInterval is the least time between two checkpoint saves
	// while streaming; a checkpoint is always saved at shutdown. Default 1s;
	// 0 saves at every transaction boundary (each save flushes the handler).
	// When one save takes longer than a twentieth of the interval (the
	// checkpoint of a large snapshot holds every chunk), the next waits
	// twenty times as long as it took.
	OffsetCommitInterval time.Duration
	// DistributionFactorUpper and DistributionFactorLower bound the key
	// distribution inside which a table is split into even key ranges (see
	// [DefaultDistributionFactorUpper]). Defaults 1000 and 0.05. Upper 0
	// means its default; lower 0 means no lower bound.
	DistributionFactorUpper float64
	DistributionFactorLower float64
	// Progress, when set, is called as the snapshot and the binlog advance,
	// with the whole [Progress]: at most every 200ms, and at each change of
	// phase. It must return quickly. It suits a progress bar; to act on
	// events (a phase change, the snapshot's end, a reconnect, a stored
	// checkpoint) use Hooks, which are called once per event.
	Progress func(Progress)
	// Logger receives the source's logs: each phase change, the start and
	// end of the snapshot with its counts, and a lost binlog connection
	// (Warn, with its cause) and its re-establishing at Info; each snapshot
	// chunk, sink flush and checkpoint stored at Debug; the error that ends
	// Run at Error. The logs of the drivers the source uses are routed into
	// it too, marked component=go-mysql (its binlog connections) and
	// component=go-sql-driver (its SQL connections), go-mysql's one level
	// lower than go-mysql gives them (see the package documentation). The
	// password is never logged. nil discards every log; the source never
	// writes to stderr on its own. To tell sources apart, give each a
	// Logger.With("source", name).
	Logger *slog.Logger
	// Hooks are told of the source's events as they happen: see [Hook].
	// They are called synchronously and must not block.
	Hooks []Hook

	// fromDefaults is set by DefaultConfig (and kept by every copy), so a
	// struct literal, whose zero fields would silently mean "no retry, no
	// heartbeat, no reconnect", is refused.
	fromDefaults bool
}

// DefaultConfig returns a configuration holding every default, for
// [NewSourceFromConfig]: set the server, user and databases, and change
// what you need. [NewSource]'s builder starts from it too.
func DefaultConfig() Config {
	return Config{
		Name:                    DefaultName,
		Port:                    DefaultPort,
		ServerTimeZone:          "UTC",
		SplitSize:               DefaultSplitSize,
		FetchSize:               DefaultFetchSize,
		ConnectTimeout:          DefaultConnectTimeout,
		ConnectMaxRetries:       DefaultConnectMaxRetries,
		ConnectionPoolSize:      DefaultConnectionPoolSize,
		HeartbeatInterval:       DefaultHeartbeatInterval,
		MaxReconnectDuration:    DefaultMaxReconnectDuration,
		ShutdownTimeout:         DefaultShutdownTimeout,
		StartupOptions:          Initial(),
		OffsetCommitInterval:    DefaultOffsetCommitInterval,
		DistributionFactorUpper: DefaultDistributionFactorUpper,
		DistributionFactorLower: DefaultDistributionFactorLower,
		fromDefaults:            true,
	}
}

// String describes the configuration without its password.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = secrets.Placeholder
	}
	return fmt.Sprintf("mysql.Config{Name:%q Hostname:%q Port:%d Username:%q Password:%q DatabaseList:%q TableList:%q ServerID:%q StartupOptions:%v}",
		c.Name, c.Hostname, c.Port, c.Username, pw, c.DatabaseList, c.TableList, c.ServerID, c.StartupOptions)
}

// GoString is String, so %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s) print [Config.String].
func (c Config) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(c.String())) }

// ConfigError is the error of [SourceBuilder.Build] and
// [NewSourceFromConfig]: every invalid option at once, each a
// [ConfigProblem], listed one a line as "Field = value: fix". It matches
// [ErrInvalidConfig] with errors.Is.
type ConfigError = problems.Error

// ConfigProblem is one invalid option: Field names it (such as "Port"),
// Value is the offending value (never a password; nil or "" when the
// option is missing), Fix says what to do.
type ConfigProblem = problems.Problem

// resolvedConfig is a validated configuration with every default applied and
// every text option parsed.
type resolvedConfig struct {
	Config
	databases   []*regexp.Regexp
	tables      []*regexp.Regexp
	serverIDs   []uint32
	timeZone    *time.Location
	chunkKeys   map[cdc.TableID]string
	parallelism int
	// storeGiven: the Config named its OffsetStore (see UseCheckpoints).
	storeGiven bool
}

// withDefaults returns a copy of c with its own copies of c's slices and
// map, and the default in every field where zero means the default. Fields
// where zero is a setting are left as they are.
func (c Config) withDefaults() Config {
	c = c.clone()
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.ServerTimeZone == "" {
		c.ServerTimeZone = "UTC"
	}
	if c.SplitSize == 0 {
		c.SplitSize = DefaultSplitSize
	}
	if c.FetchSize == 0 {
		c.FetchSize = DefaultFetchSize
	}
	if c.ConnectionPoolSize == 0 {
		c.ConnectionPoolSize = DefaultConnectionPoolSize
	}
	if c.DistributionFactorUpper == 0 {
		c.DistributionFactorUpper = DefaultDistributionFactorUpper
	}
	if c.StartupOptions.mode == startupUnset {
		c.StartupOptions = Initial()
	}
	if c.OffsetStore == nil {
		c.OffsetStore = cdc.NewMemoryOffsetStore()
	}
	return c
}

// clone returns c with its own copies of the slices and the map, so that
// neither side's later changes reach the other.
func (c Config) clone() Config {
	c.DatabaseList = slices.Clone(c.DatabaseList)
	c.TableList = slices.Clone(c.TableList)
	c.ChunkKeyColumn = maps.Clone(c.ChunkKeyColumn)
	c.Hooks = slices.Clone(c.Hooks)
	return c
}

// resolve applies the defaults and validates, returning one *ConfigError
// listing every problem.
func (c Config) resolve() (*resolvedConfig, error) {
	r := &resolvedConfig{Config: c.withDefaults(), chunkKeys: map[cdc.TableID]string{}, storeGiven: c.OffsetStore != nil}
	ps := problems.New("mysql", "source configuration", ErrInvalidConfig)

	if !r.fromDefaults {
		ps.Add("Config", nil,
			"a struct not made by DefaultConfig(); start from mysql.DefaultConfig() and set the fields you need: zero means zero for ConnectMaxRetries, ConnectTimeout, HeartbeatInterval, MaxReconnectDuration, ShutdownTimeout, OffsetCommitInterval and DistributionFactorLower, so a struct literal would turn off retries, heartbeats and reconnects")
	}

	if strings.TrimSpace(r.Hostname) == "" {
		ps.Add("Hostname", r.Hostname, "set the server's host name or IP address, for example Hostname(\"127.0.0.1\")")
	}
	if r.Port < 1 || r.Port > 65535 {
		ps.Add("Port", r.Port, "use a TCP port from 1 to 65535 (MySQL's default is 3306)")
	}
	if r.Username == "" {
		ps.Add("Username", r.Username, "set the user the source logs in as; it needs SELECT, REPLICATION SLAVE and REPLICATION CLIENT")
	}
	if len(r.DatabaseList) == 0 {
		ps.Add("DatabaseList", r.DatabaseList, "name at least one database (a regular expression), for example DatabaseList(\"gmall_config\")")
	}
	for _, p := range r.DatabaseList {
		re, err := compileFull(p)
		if err != nil {
			ps.Add("DatabaseList", p, "not a valid regular expression: "+err.Error())
			continue
		}
		r.databases = append(r.databases, re)
	}
	for _, p := range r.TableList {
		re, err := compileFull(p)
		if err != nil {
			ps.Add("TableList", p, "not a valid regular expression: "+err.Error())
			continue
		}
		if !strings.Contains(p, ".") && !strings.Contains(p, `\.`) {
			ps.Add("TableList", p, "patterns match \"database.table\": write it as db.table, for example gmall_config.t_user")
			continue
		}
		r.tables = append(r.tables, re)
	}
	if r.ServerID == "" {
		span := max(r.SnapshotParallelism, 2)
		base := defaultServerIDBase + rand.IntN(defaultServerIDSpan)
		r.ServerID = fmt.Sprintf("%d-%d", base, base+span-1)
	}
	ids, err := ParseServerIDRange(r.ServerID)
	if err != nil {
		ps.Add("ServerID", r.ServerID, "use one id such as \"5400\" or a range such as \"5400-5408\" of ids from 1 to 4294967295, unique among the server's replicas")
	}
	r.serverIDs = ids
	loc, err := time.LoadLocation(r.ServerTimeZone)
	if err != nil {
		ps.Add("ServerTimeZone", r.ServerTimeZone, "use an IANA zone name such as \"UTC\" or \"Asia/Shanghai\"")
	}
	r.timeZone = loc
	if r.SplitSize < 1 {
		ps.Add("SplitSize", r.SplitSize, "use a positive number of rows per chunk, or 0 for the default (8096)")
	}
	if r.FetchSize < 1 {
		ps.Add("FetchSize", r.FetchSize, "use a positive number of events per batch, or 0 for the default (1024)")
	}
	for k, col := range r.ChunkKeyColumn {
		id, err := cdc.ParseTableID(k)
		if err != nil {
			ps.Add("ChunkKeyColumn", k, "key the map by \"database.table\"")
			continue
		}
		if col == "" {
			ps.Add("ChunkKeyColumn", nil, "the entry for %s is empty; name a column of the table", k)
			continue
		}
		r.chunkKeys[id] = col
	}
	if r.ConnectTimeout < 0 {
		ps.Add("ConnectTimeout", r.ConnectTimeout, "use a positive duration per connection attempt, or 0 for no timeout of its own (default 30s)")
	}
	if r.ConnectMaxRetries < 0 {
		ps.Add("ConnectMaxRetries", r.ConnectMaxRetries, "use 0 for a single attempt with no retry, or the number of retries (default 3)")
	}
	if r.ConnectionPoolSize < 0 {
		ps.Add("ConnectionPoolSize", r.ConnectionPoolSize, "use a positive number of connections, or 0 for the default (20)")
	}
	switch {
	case r.HeartbeatInterval < 0:
		ps.Add("HeartbeatInterval", r.HeartbeatInterval, "use 0 to disable heartbeats, or a period of at least 1ms (default 30s)")
	case r.HeartbeatInterval > 0 && r.HeartbeatInterval < time.Millisecond:
		ps.Add("HeartbeatInterval", r.HeartbeatInterval, "use at least 1ms, or 0 to disable heartbeats")
	}
	if r.MaxReconnectDuration < 0 {
		ps.Add("MaxReconnectDuration", r.MaxReconnectDuration, "use 0 to end Run when the binlog connection is lost, or how long to keep reconnecting (default 30s)")
	}
	if r.ShutdownTimeout < 0 {
		ps.Add("ShutdownTimeout", r.ShutdownTimeout, "use 0 for no deadline on the final flush and save, or a positive duration (default 30s)")
	}
	if r.OffsetCommitInterval < 0 {
		ps.Add("OffsetCommitInterval", r.OffsetCommitInterval, "use 0 to save at every transaction boundary, or a positive duration (default 1s)")
	}
	lower, upper := r.DistributionFactorLower, r.DistributionFactorUpper
	if lower < 0 || math.IsNaN(lower) {
		ps.Add("DistributionFactorLower", lower, "use 0 for no lower bound, or a positive ratio up to DistributionFactorUpper (default 0.05)")
	}
	if upper < 0 || math.IsNaN(upper) {
		ps.Add("DistributionFactorUpper", upper, "use a positive ratio, or 0 for the default (1000)")
	}
	if lower > upper && upper >= 0 {
		ps.Add("DistributionFactorLower", lower, "exceeds DistributionFactorUpper %g; use lower <= upper (defaults 0.05 and 1000)", upper)
	}
	if err := r.StartupOptions.validate(); err != nil {
		ps.Add("StartupOptions", r.StartupOptions, err.Error())
	}
	validateHooks(r.Hooks, func(field, value, fix string) { ps.Add(field, value, fix) })
	if v, ok := r.Deserializer.(cdc.ConfigValidator); ok {
		if err := v.Validate(); err != nil {
			ps.Add("Deserializer", reflect.TypeOf(r.Deserializer), err.Error())
		}
	}
	switch {
	case r.SnapshotParallelism < 0:
		ps.Add("SnapshotParallelism", r.SnapshotParallelism, "use a positive number of parallel chunk readers, or 0 for the default (the size of the ServerID range, at most 4)")
	case r.SnapshotParallelism == 0:
		r.parallelism = min(max(len(ids), 1), 4)
	default:
		r.parallelism = r.SnapshotParallelism
		if len(ids) > 0 && r.parallelism > 1 && len(ids) < r.parallelism {
			ps.Add("ServerID", r.ServerID, "SnapshotParallelism %d needs a range of at least %d server ids, for example %q",
				r.parallelism, r.parallelism, serverIDRange(ids[0], r.parallelism))
		}
	}
	// The effective value, as Config reports it.
	r.SnapshotParallelism = r.parallelism
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// serverIDRange renders the range of n server ids from first, such as
// "5400-5403" for (5400, 4), moving it down when it would pass the largest
// id.
func serverIDRange(first uint32, n int) string {
	last := uint64(first) + uint64(n) - 1
	if last > math.MaxUint32 {
		last = math.MaxUint32
		first = uint32(last - uint64(n) + 1)
	}
	return fmt.Sprintf("%d-%d", first, last)
}

// compileFull compiles a Flink CDC style pattern that must match a whole name.
func compileFull(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, errors.New("empty pattern")
	}
	return regexp.Compile(`^(?:` + p + `)$`)
}

// ParseServerIDRange parses a replica server id ("5400") or an inclusive
// range ("5400-5408") into the ids it holds. Ids run from 1 to 4294967295
// and a range holds at most 65536 of them.
func ParseServerIDRange(s string) ([]uint32, error) {
	s = strings.TrimSpace(s)
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 32)
	if err != nil || a == 0 {
		return nil, fmt.Errorf("mysql: server id %q: want a number from 1 to 4294967295", lo)
	}
	b := a
	if isRange {
		b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 32)
		if err != nil || b < a {
			return nil, fmt.Errorf("mysql: server id range %q: want start-end with start <= end", s)
		}
	}
	if b-a >= 1<<16 {
		return nil, fmt.Errorf("mysql: server id range %q holds more than 65536 ids", s)
	}
	ids := make([]uint32, 0, b-a+1)
	for i := a; i <= b; i++ {
		ids = append(ids, uint32(i))
	}
	return ids, nil
}

// matchDatabase reports whether a database is captured.
func (r *resolvedConfig) matchDatabase(db string) bool {
	for _, re := range r.databases {
		if re.MatchString(db) {
			return true
		}
	}
	return false
}

// matchTable reports whether a table is captured.
func (r *resolvedConfig) matchTable(t cdc.TableID) bool {
	if !r.matchDatabase(t.Database) {
		return false
	}
	if len(r.tables) == 0 {
		return true
	}
	name := t.String()
	for _, re := range r.tables {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}
