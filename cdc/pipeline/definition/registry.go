package definition

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/internal/problems"
)

// Registry knows the source and sink types a definition's blocks name with
// type:. A program fills it with the connectors it links (package
// cdc/pipeline imports none); [NewRegistry] starts with Flink CDC's values
// sink. A Registry is not safe for concurrent registration.
type Registry struct {
	sources map[string]SourceType
	sinks   map[string]SinkType
}

// SourceType is a source connector a definition can name.
type SourceType struct {
	// Keys are the options the source block may hold besides type and
	// name; a key ending in ".*" admits every key with that prefix (such
	// as "debezium.*"). Any other key is an error naming it.
	Keys []string
	// New returns the source the block describes. It reads the options
	// through the Block's accessors, which record each bad value as a
	// problem of the definition; it does no I/O.
	New func(b *Block) (pipeline.Source, error)
}

// SinkType is a sink connector a definition can name.
type SinkType struct {
	// Keys are as [SourceType.Keys].
	Keys []string
	// New returns the sink the block describes, without I/O.
	New func(b *Block) (cdc.Sink, error)
}

// NewRegistry returns a registry holding the values sink (type: values),
// which prints events as [pipeline.PrintSink] does.
func NewRegistry() *Registry {
	r := &Registry{sources: map[string]SourceType{}, sinks: map[string]SinkType{}}
	r.RegisterSink("values", valuesSink)
	return r
}

// RegisterSource makes a source type known under name (such as "mysql"),
// replacing one of the same name.
func (r *Registry) RegisterSource(name string, t SourceType) { r.sources[name] = t }

// RegisterSink makes a sink type known under name (such as "clickhouse"),
// replacing one of the same name.
func (r *Registry) RegisterSink(name string, t SinkType) { r.sinks[name] = t }

// SourceTypes and SinkTypes list the registered names, sorted.
func (r *Registry) SourceTypes() []string { return sortedKeys(r.sources) }

// SinkTypes lists the registered sink names, sorted.
func (r *Registry) SinkTypes() []string { return sortedKeys(r.sinks) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Block is one source or sink block of a definition, handed to the type's
// New. Its accessors read an option and record a bad value as a problem of
// the definition (named "source.port", say), so that every problem of a
// file is reported at once.
type Block struct {
	// Kind is "source" or "sink"; Type is the block's type.
	Kind, Type string
	// Name is the block's name option, or the pipeline's name.
	Name string
	// Options holds the block's options as text, nested keys joined by
	// dots, type and name excluded.
	Options map[string]string
	// Pipeline holds the pipeline block's settings.
	Pipeline Settings
	// OffsetStore is where a source keeps its checkpoint ([Options.CheckpointDir]).
	OffsetStore cdc.OffsetStore
	// CheckpointInterval is the least time between a source's checkpoint
	// saves ([Options.CheckpointInterval]).
	CheckpointInterval time.Duration
	// Logger is [Options.Logger], for the connector's logs.
	Logger *slog.Logger
	// Stdout is [Options.Stdout], where a printing sink writes.
	Stdout io.Writer

	ps   *problems.Error
	used map[string]bool
}

// Settings are the pipeline block's settings a connector may need.
type Settings struct {
	// Name is pipeline.name.
	Name string
	// TimeZone is pipeline.local-time-zone (nil: UTC).
	TimeZone *time.Location
	// Batch is set for execution.runtime-mode: BATCH, under which a source
	// reads its snapshot and stops.
	Batch bool
	// SchemaChangeBehavior is schema.change.behavior (exception, evolve,
	// try_evolve, lenient or ignore), for the sinks that apply schema
	// changes; empty when the file does not set it (the sink's default).
	SchemaChangeBehavior cdc.SchemaChangeBehavior
}

func (b *Block) field(key string) string { return b.Kind + "." + key }

// Has reports whether the block sets key.
func (b *Block) Has(key string) bool { _, ok := b.Options[key]; return ok }

// String returns the option key, or def when it is not set.
func (b *Block) String(key, def string) string {
	if v, ok := b.Options[key]; ok {
		return v
	}
	return def
}

// Required returns the option key, recording a problem when it is missing
// or empty; what says what the value is, for the fix.
func (b *Block) Required(key, what string) string {
	v := b.Options[key]
	if v == "" {
		b.ps.Add(b.field(key), "", "set %s (the %s block of type %s needs it)", what, b.Kind, b.Type)
	}
	return v
}

// Int returns the option key as an integer, or def.
func (b *Block) Int(key string, def int) int {
	v, ok := b.Options[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		b.ps.Add(b.field(key), v, "want a whole number")
		return def
	}
	return n
}

// Bool returns the option key as a boolean (true or false), or def.
func (b *Block) Bool(key string, def bool) bool {
	v, ok := b.Options[key]
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true
	case "false":
		return false
	}
	b.ps.Add(b.field(key), v, "want true or false")
	return def
}

// Duration returns the option key as a duration, or def. It reads Flink's
// duration syntax: a number and a unit (ms, s, sec, min, h, d, with or
// without a space; "30s", "1 min"), or a bare number of milliseconds.
func (b *Block) Duration(key string, def time.Duration) time.Duration {
	v, ok := b.Options[key]
	if !ok {
		return def
	}
	d, err := parseFlinkDuration(v)
	if err != nil {
		b.ps.Add(b.field(key), v, "want a duration such as 500ms, 30s or 1 min")
		return def
	}
	return d
}

// Problem records a problem with the option key.
func (b *Block) Problem(key string, value any, fix string, args ...any) {
	b.ps.Add(b.field(key), value, fix, args...)
}

func parseFlinkDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = strings.TrimSpace(s[:i]), strings.ToLower(strings.TrimSpace(s[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	units := map[string]time.Duration{
		"": time.Millisecond, "ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
		"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	u, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("bad duration unit %q", unit)
	}
	return time.Duration(f * float64(u)), nil
}

// allowed reports whether key is one of keys (with ".*" prefixes).
func allowed(keys []string, key string) bool {
	for _, k := range keys {
		if k == key || (strings.HasSuffix(k, ".*") && strings.HasPrefix(key, strings.TrimSuffix(k, "*"))) {
			return true
		}
	}
	return false
}

// nearest returns the known key closest to key, for "did you mean".
func nearest(keys []string, key string) string {
	best, bestD := "", 4 // only near misses
	for _, k := range keys {
		if d := levenshtein.ComputeDistance(k, key); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// unknownKeyFix says a key is not known, suggesting the nearest.
func unknownKeyFix(block string, keys []string, key string) string {
	msg := "is not a key of the " + block
	if n := nearest(keys, key); n != "" {
		return msg + "; did you mean " + n + "?"
	}
	if len(keys) > 0 {
		return msg + "; known keys: " + strings.Join(slices.Sorted(slices.Values(keys)), ", ")
	}
	return msg
}
