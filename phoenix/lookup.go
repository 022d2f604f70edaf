package phoenix

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/rtdw/rtdw/cdc"
)

// LookupConfig configures a [Lookup] of one DIM table.
type LookupConfig struct {
	// Schema is the source table's schema; with TableOptions it names the
	// Phoenix table, its columns and its key, as the [Sink] that fills the
	// table made them.
	Schema *cdc.TableSchema
	// TableOptions must be those of the sink that writes the table (Schema,
	// TableName, Layout and ColumnFamily matter here).
	TableOptions
	// MaxEntries bounds the cache: beyond it the least recently used key is
	// dropped (default 10000).
	MaxEntries int
	// TTL is how long a cached row, or a cached "no such row", is served
	// before it is read again; 0 keeps it until the LRU drops it or a change
	// invalidates it. A TTL bounds staleness when changes reach the table
	// by a path that does not invalidate the lookup.
	TTL time.Duration
	// OnLookup, when set, is called after every Get with what it did.
	OnLookup func(LookupInfo)
}

// LookupInfo describes one [Lookup.Get].
type LookupInfo struct {
	// Hit is set when the cache answered.
	Hit bool
	// Found is set when the row exists.
	Found bool
	// Duration is how long Get took.
	Duration time.Duration
	Err      error
}

// LookupStats are a lookup's running totals.
type LookupStats struct {
	// Hits and Misses count Gets the cache answered or not; Errors counts
	// Gets that failed.
	Hits, Misses, Errors uint64
	// Invalidations counts keys dropped because their row changed.
	Invalidations uint64
	// LoadTime is the total time of the queries of the misses.
	LoadTime time.Duration
	// Entries is the number of cached keys.
	Entries int
}

// HitRate is Hits / (Hits + Misses), or 0 before the first Get.
func (s LookupStats) HitRate() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// MeanLoadTime is the mean duration of the queries of the misses.
func (s LookupStats) MeanLoadTime() time.Duration {
	if s.Misses == 0 {
		return 0
	}
	return s.LoadTime / time.Duration(s.Misses)
}

// Lookup reads rows of a DIM table by primary key through a bounded cache,
// so that a stream can be enriched without a query per event.
//
// The cache is an LRU of at most MaxEntries keys whose entries expire after
// TTL. It is kept right by invalidation: a [Sink] given the lookup in
// [SinkConfig.Lookups] drops each key it commits, after the commit; and a
// Lookup is itself a [cdc.Sink] that drops the keys of the change events it
// is handed, for a table written by another process. A row read while its
// key was invalidated is returned but not cached, so a read racing a write
// never caches the old row.
type Lookup struct {
	client *Client
	layout *tableLayout
	table  TableRef
	cfg    LookupConfig
	cache  *lru.Cache[string, lookupEntry]

	// invalidations counts every invalidation; a load that saw it change
	// does not cache its row.
	invalidations                 atomic.Uint64
	hits, misses, errors, loadsNs atomic.Uint64
}

type lookupEntry struct {
	row     map[string]any // nil: no such row
	expires time.Time      // zero: never
}

// NewLookup returns a lookup of the table cfg names. It checks cfg and does
// no I/O.
func NewLookup(client *Client, cfg LookupConfig) (*Lookup, error) {
	ps := newConfigError("lookup configuration")
	if client == nil {
		ps.Add("client", "nil", "pass the *Client from phoenix.Open")
	}
	if cfg.Schema == nil {
		ps.Add("Schema", "nil", "give the source table's schema, the one the sink writes the table from")
	}
	cfg.TableOptions.validate(ps, "")
	if cfg.MaxEntries < 0 {
		ps.Add("MaxEntries", cfg.MaxEntries, "use a positive count, or 0 for the default 10000")
	}
	if cfg.TTL < 0 {
		ps.Add("TTL", cfg.TTL, "use a positive duration, or 0 to keep rows until evicted or invalidated")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = 10_000
	}
	layout, err := newTableLayout(cfg.Schema, &cfg.TableOptions)
	if err != nil {
		return nil, err
	}
	// golang-lru's plain LRU rather than its expirable one: the expirable
	// cache of v2.0.7 starts a goroutine that never ends. Expiry is checked
	// on read instead; an expired entry takes its LRU slot until reused.
	cache, err := lru.New[string, lookupEntry](cfg.MaxEntries)
	if err != nil {
		return nil, err
	}
	return &Lookup{client: client, layout: layout, table: layout.table, cfg: cfg, cache: cache}, nil
}

// Table returns the Phoenix table the lookup reads.
func (l *Lookup) Table() TableRef { return l.table }

// Get returns the row whose primary key is key (one canonical cdc value per
// key column, in key order: int64 for an INT id), as column name to value,
// or found false when there is none. Values are as avatica-go returns them:
// int64, float64, string, bool, []byte, time.Time, or nil.
func (l *Lookup) Get(ctx context.Context, key ...any) (row map[string]any, found bool, err error) {
	start := time.Now()
	hit := false
	defer func() {
		if l.cfg.OnLookup != nil {
			l.cfg.OnLookup(LookupInfo{Hit: hit, Found: found, Duration: time.Since(start), Err: err})
		}
	}()
	values, err := l.keyValues(key)
	if err != nil {
		l.errors.Add(1)
		return nil, false, err
	}
	k := keyString(values)
	if e, ok := l.cache.Get(k); ok && (e.expires.IsZero() || start.Before(e.expires)) {
		hit = true
		l.hits.Add(1)
		return e.row, e.row != nil, nil
	}
	l.misses.Add(1)
	gen := l.invalidations.Load()
	row, err = l.load(ctx, values)
	l.loadsNs.Add(uint64(time.Since(start)))
	if err != nil {
		l.errors.Add(1)
		return nil, false, err
	}
	if l.invalidations.Load() == gen {
		e := lookupEntry{row: row}
		if l.cfg.TTL > 0 {
			e.expires = time.Now().Add(l.cfg.TTL)
		}
		l.cache.Add(k, e)
	}
	return row, row != nil, nil
}

func (l *Lookup) keyValues(key []any) ([]driver.Value, error) {
	if len(key) != len(l.layout.key) {
		return nil, fmt.Errorf("phoenix: lookup in %s: got %d key values, the key has %d columns", l.table, len(key), len(l.layout.key))
	}
	values := make([]driver.Value, len(key))
	for n, i := range l.layout.key {
		v, err := l.layout.columns[i].convert(key[n])
		if err != nil {
			return nil, fmt.Errorf("phoenix: lookup in %s: key column %s: %w", l.table, l.layout.columns[i].Name, err)
		}
		if v == nil {
			return nil, fmt.Errorf("phoenix: lookup in %s: key column %s is nil", l.table, l.layout.columns[i].Name)
		}
		values[n] = v
	}
	return values, nil
}

func (l *Lookup) load(ctx context.Context, key []driver.Value) (map[string]any, error) {
	op := "lookup in " + l.table.String()
	rows, err := l.client.reads.QueryContext(ctx, l.layout.selectByKey, asArgs(key)...)
	if err != nil {
		return nil, l.client.wrap(op, l.layout.selectByKey, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, l.client.wrap(op, l.layout.selectByKey, rows.Err())
	}
	dest := make([]any, len(l.layout.columns))
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, l.client.wrap(op, l.layout.selectByKey, err)
	}
	row := make(map[string]any, len(dest))
	for i, c := range l.layout.columns {
		row[c.Name] = dest[i]
	}
	return row, l.client.wrap(op, l.layout.selectByKey, rows.Close())
}

// Invalidate drops the cached row of key (canonical values, as for Get).
func (l *Lookup) Invalidate(key ...any) error {
	values, err := l.keyValues(key)
	if err != nil {
		return err
	}
	l.invalidateKey(keyString(values))
	return nil
}

func (l *Lookup) invalidateKey(k string) {
	l.invalidations.Add(1)
	l.cache.Remove(k)
}

// HandleEvents drops the cached rows of the keys that events of the
// lookup's source table change (both images of an update). It makes a
// Lookup a [cdc.Sink] for a table another process writes; with a [Sink] of
// this package, list the lookup in [SinkConfig.Lookups] instead, which
// invalidates after the commit.
func (l *Lookup) HandleEvents(_ context.Context, events []cdc.Event) error {
	for i := range events {
		e := &events[i]
		if e.Table != l.layout.source || !e.Op.IsRowChange() {
			continue
		}
		for _, row := range []cdc.Row{e.Before, e.After} {
			if row == nil {
				continue
			}
			key, err := l.layout.keyValues(row)
			if err != nil {
				return err
			}
			l.invalidateKey(keyString(key))
		}
	}
	return nil
}

// Flush does nothing: invalidation is done when HandleEvents returns.
func (l *Lookup) Flush(context.Context) error { return nil }

var _ cdc.Sink = (*Lookup)(nil)

// Stats returns the lookup's running totals.
func (l *Lookup) Stats() LookupStats {
	return LookupStats{
		Hits:          l.hits.Load(),
		Misses:        l.misses.Load(),
		Errors:        l.errors.Load(),
		Invalidations: l.invalidations.Load(),
		LoadTime:      time.Duration(l.loadsNs.Load()),
		Entries:       l.cache.Len(),
	}
}
