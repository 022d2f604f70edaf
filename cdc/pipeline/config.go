package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// ErrInvalidConfig is matched by every *[ConfigError].
var ErrInvalidConfig = errors.New("pipeline: invalid pipeline")

// ConfigError is the error of [Builder.Build] and [NewFromConfig]: every
// problem of the pipeline, each naming the setting, the value and the fix.
// It matches [ErrInvalidConfig] with errors.Is.
type ConfigError = problems.Error

// Source is what a pipeline reads changes from, such as the MySQL source of
// package cdc/mysql. Run delivers events to sink until ctx ends or a fatal
// error; it stores its own checkpoints, each only after sink's Flush
// returned, and on ctx's end delivers what it has read, flushes, stores the
// checkpoint and returns nil. *mysql.Source implements it.
type Source interface {
	Run(ctx context.Context, sink cdc.Sink) error
}

// Config is a whole pipeline: its sources, transforms, routes and sinks.
// [Builder] is a thin layer over it; [NewFromConfig] validates it and
// returns the pipeline. The zero value of each field is its default.
type Config struct {
	// Name names the pipeline in logs and metrics (Flink CDC's
	// pipeline.name).
	Name string
	// Sources are read at once, each on its own goroutine; every event of
	// every source goes through the transforms and routes into the sinks.
	Sources []Source
	// Transforms change the rows of the tables they match, before routing.
	// A table takes the first transform whose SourceTable matches it.
	Transforms []Transform
	// Routes send tables to sink tables; see [Route] and [RouteMode].
	Routes []Route
	// RouteMode says what a table matching several routes does (default
	// [RouteEveryMatch], Flink CDC's).
	RouteMode RouteMode
	// Sinks receive the events. A table that no route matches goes to every
	// sink that takes unrouted tables ([SinkSpec.OnlyRouted] false), under
	// its own name.
	Sinks []SinkSpec
	// Schemas are the captured tables' schemas, when the program knows
	// them ahead (package cdc/mysql's LoadTableSchemas reads them): Build
	// then checks each transform against the tables it matches, so that an
	// unknown column fails before any I/O. A table first seen by Run is
	// checked the same way before its first row reaches a sink.
	Schemas []*cdc.TableSchema
	// TimeZone is the session time zone of the transforms' expressions
	// (Flink CDC's pipeline.local-time-zone): the zone of CURRENT_TIMESTAMP,
	// FROM_UNIXTIME and the like. nil means UTC.
	TimeZone *time.Location
	// OnTransformError says what a row whose transform fails does (default
	// [StopOnError]).
	OnTransformError ErrorPolicy
	// Restart says how a source that failed is run again, as Flink's
	// restart strategy does; the zero value restarts nothing.
	Restart RestartPolicy
	// Checkpoints, when its Store is set, keeps every source's checkpoint
	// in one store, each under its source's name, saved at most every
	// Interval (see [Checkpoints]). Otherwise each source keeps its own.
	Checkpoints Checkpoints
	// Logger receives the pipeline's logs (nil: discarded). The sources and
	// sinks have loggers of their own.
	Logger *slog.Logger
	// Hooks are told of flushes and skipped rows; see [Hook].
	Hooks []Hook
}

// SinkSpec is one sink of a pipeline.
type SinkSpec struct {
	// Name names the sink for routes ([Route.Sink]), logs and metrics;
	// empty means "sink" for a pipeline's only sink and "sink<i>" (its
	// index) otherwise.
	Name string
	// Sink receives the events routed to it. The pipeline calls its
	// HandleEvents and Flush from one goroutine at a time.
	Sink cdc.Sink
	// OnlyRouted: the sink receives only the tables routes send it, not the
	// tables no route matches.
	OnlyRouted bool
	// SchemaChanges, when set, is what the pipeline does with schema
	// changes before the sink, per kind, as Flink CDC's
	// schema.change.behavior: EXCEPTION stops the pipeline with a
	// *cdc.SchemaChangeError naming the change; IGNORE drops the changes
	// before a sink without a policy of its own; the other behaviors pass
	// them on for the sink to apply under the same policy. A sink with a
	// policy of its own ([SchemaChangeSink]) must agree with it on every
	// kind but EXCEPTION's, and is passed IGNORE's changes too, which it
	// keeps out of its tables. nil passes every change on.
	SchemaChanges *cdc.SchemaChangePolicy
}

// ErrorPolicy says what a row whose transform fails does.
type ErrorPolicy int

const (
	// StopOnError stops the pipeline: Run returns a *[RowError] naming the
	// row's table and key.
	StopOnError ErrorPolicy = iota
	// SkipOnError drops the row, counts it ([Progress.RowsSkipped]), logs it
	// at Warn and tells [HookRowSkipped] hooks.
	SkipOnError
)

// String returns "stop" or "skip".
func (p ErrorPolicy) String() string {
	switch p {
	case StopOnError:
		return "stop"
	case SkipOnError:
		return "skip"
	}
	return "ErrorPolicy(?)"
}

// RestartPolicy says how a failed source is run again. A source resumes
// from its checkpoint and the sinks are idempotent, so a restart delivers
// again what the failed run had not checkpointed, and nothing is lost or
// doubled. Failures that another run cannot cure are not restarted: a
// *[RowError] under [StopOnError], a pipeline configuration error, the
// end of Run's ctx.
type RestartPolicy struct {
	// MaxAttempts bounds the restarts after failures in a row (a run that
	// flushed its sinks ends the row); 0 means the first failure ends Run.
	MaxAttempts int
	// Backoff is the wait before the first restart, doubled per failure in
	// a row up to MaxBackoff. Zero means 1s and 30s.
	Backoff, MaxBackoff time.Duration
}

// Builder builds a [Pipeline]: a thin layer over [Config], one method per
// field, each returning the builder; [Builder.Build] validates everything at
// once. A builder is not safe for concurrent use.
//
//	p, err := pipeline.New("gmall-to-ch").
//		From(src).
//		Transform(`gmall\.orders_\d+`, pipeline.Filter("status <> 'cancelled'")).
//		Route(`gmall\.orders_\d+`, "ods.orders").
//		To(chSink).
//		Build()
type Builder struct {
	cfg Config
}

// New starts a pipeline named name.
func New(name string) *Builder { return &Builder{cfg: Config{Name: name}} }

// From adds sources ([Config.Sources]).
func (b *Builder) From(sources ...Source) *Builder {
	b.cfg.Sources = append(b.cfg.Sources, sources...)
	return b
}

// To adds a sink ([Config.Sinks]); opts name it ([SinkName]) or restrict
// it to routed tables ([OnlyRouted]).
func (b *Builder) To(sink cdc.Sink, opts ...SinkOption) *Builder {
	s := SinkSpec{Sink: sink}
	for _, o := range opts {
		o(&s)
	}
	b.cfg.Sinks = append(b.cfg.Sinks, s)
	return b
}

// SinkOption sets a field of a [SinkSpec] given to [Builder.To].
type SinkOption func(*SinkSpec)

// SinkName sets [SinkSpec.Name].
func SinkName(name string) SinkOption { return func(s *SinkSpec) { s.Name = name } }

// OnlyRouted sets [SinkSpec.OnlyRouted].
func OnlyRouted() SinkOption { return func(s *SinkSpec) { s.OnlyRouted = true } }

// Route adds a route ([Config.Routes]) from the tables sourceTable matches
// to sinkTable; opts set its other fields.
func (b *Builder) Route(sourceTable, sinkTable string, opts ...RouteOption) *Builder {
	r := Route{SourceTable: sourceTable, SinkTable: sinkTable}
	for _, o := range opts {
		o(&r)
	}
	b.cfg.Routes = append(b.cfg.Routes, r)
	return b
}

// RouteMode sets [Config.RouteMode].
func (b *Builder) RouteMode(m RouteMode) *Builder { b.cfg.RouteMode = m; return b }

// Transform adds a transform ([Config.Transforms]) of the tables
// sourceTable matches, made of steps such as [Projection], [Filter],
// [PrimaryKeys] and [Func].
func (b *Builder) Transform(sourceTable string, steps ...TransformStep) *Builder {
	t := Transform{SourceTable: sourceTable}
	for _, s := range steps {
		s(&t)
	}
	b.cfg.Transforms = append(b.cfg.Transforms, t)
	return b
}

// TimeZone sets [Config.TimeZone].
func (b *Builder) TimeZone(loc *time.Location) *Builder { b.cfg.TimeZone = loc; return b }

// Schemas adds to [Config.Schemas].
func (b *Builder) Schemas(schemas ...*cdc.TableSchema) *Builder {
	b.cfg.Schemas = append(b.cfg.Schemas, schemas...)
	return b
}

// OnTransformError sets [Config.OnTransformError].
func (b *Builder) OnTransformError(p ErrorPolicy) *Builder { b.cfg.OnTransformError = p; return b }

// Restart sets [Config.Restart].
func (b *Builder) Restart(p RestartPolicy) *Builder { b.cfg.Restart = p; return b }

// Logger sets [Config.Logger].
func (b *Builder) Logger(l *slog.Logger) *Builder { b.cfg.Logger = l; return b }

// Hooks sets [Config.Hooks]; a later call replaces them.
func (b *Builder) Hooks(hooks ...Hook) *Builder {
	b.cfg.Hooks = append([]Hook(nil), hooks...)
	return b
}

// Config returns a copy of the configuration built so far.
func (b *Builder) Config() Config { return b.cfg.clone() }

// Build validates the pipeline and returns it. It does no I/O; the error,
// a *[ConfigError], lists every problem.
func (b *Builder) Build() (*Pipeline, error) { return NewFromConfig(b.Config()) }

func (c Config) clone() Config {
	c.Sources = append([]Source(nil), c.Sources...)
	c.Sinks = append([]SinkSpec(nil), c.Sinks...)
	for i, sk := range c.Sinks {
		if sk.SchemaChanges != nil {
			p := *sk.SchemaChanges
			p.PerKind = maps.Clone(p.PerKind)
			c.Sinks[i].SchemaChanges = &p
		}
	}
	c.Routes = append([]Route(nil), c.Routes...)
	ts := make([]Transform, len(c.Transforms))
	for i, t := range c.Transforms {
		ts[i] = t.clone()
	}
	c.Transforms = ts
	c.Hooks = append([]Hook(nil), c.Hooks...)
	c.Schemas = append([]*cdc.TableSchema(nil), c.Schemas...)
	return c
}
