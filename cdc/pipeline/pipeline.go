package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
	"github.com/rtdw/rtdw/internal/retry"
)

// ErrAlreadyRunning: Run was called while another Run of the pipeline is in
// progress.
var ErrAlreadyRunning = errors.New("pipeline: already running")

// Pipeline is a validated pipeline; [Pipeline.Run] runs it in the calling
// process.
type Pipeline struct {
	cfg        Config
	log        *slog.Logger
	hooks      hookSet
	transforms []*compiledTransform
	routes     []compiledRoute
	sinks      []*sinkState
	progress   progressTracker

	// mu guards canon and running.
	mu sync.Mutex
	// canon holds, per sink and sink table, the schema last handed to the
	// sink: routed tables with equal schemas share one pointer, so that a
	// sink merging sharded tables sees one schema, not a change per shard.
	canon map[sinkTable]*cdc.TableSchema
	// feeders holds, per sink and sink table, the source tables routed to
	// it so far.
	feeders map[sinkTable]map[sourceTable]struct{}
	running bool
}

type sinkTable struct {
	sink  int
	table cdc.TableID
}

// NewFromConfig validates cfg and returns the pipeline. It does no I/O and
// does not keep cfg's slices; the error, a *[ConfigError], lists every
// problem: a missing source or sink, a bad pattern, a route with no sink,
// overlapping routes, an unknown column in a transform (for tables whose
// schemas are given in [Config.Schemas]), a bad hook, a source that cannot
// take the pipeline's checkpoint store ([Config.Checkpoints]), which it
// hands to each source.
func NewFromConfig(cfg Config) (*Pipeline, error) {
	cfg = cfg.clone()
	ps := problems.New("pipeline", "pipeline "+fmt.Sprintf("%q", cfg.Name), ErrInvalidConfig)
	if cfg.Name == "" {
		ps.Add("Name", "", "name the pipeline (it labels logs and metrics)")
	}
	if len(cfg.Sources) == 0 {
		ps.Add("Sources", nil, "add a source with From, such as a cdc/mysql source")
	}
	for i, s := range cfg.Sources {
		if s == nil {
			ps.Add(fmt.Sprintf("Sources[%d]", i), "nil", "remove the nil source")
		}
	}
	if len(cfg.Sinks) == 0 {
		ps.Add("Sinks", nil, "add a sink with To, such as a clickhouse sink or pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable)")
	}
	names := make([]string, len(cfg.Sinks))
	for i := range cfg.Sinks {
		s := &cfg.Sinks[i]
		if s.Name == "" {
			s.Name = "sink"
			if len(cfg.Sinks) > 1 {
				s.Name = fmt.Sprintf("sink%d", i)
			}
		}
		names[i] = s.Name
		if s.Sink == nil {
			ps.Add(fmt.Sprintf("Sinks[%d].Sink", i), "nil", "pass the sink to write to")
		}
		if slices.Index(names[:i], s.Name) >= 0 {
			ps.Add(fmt.Sprintf("Sinks[%d].Name", i), s.Name, "another sink has this name; give each sink its own")
		}
	}
	if len(cfg.Sinks) > 0 && !slices.ContainsFunc(cfg.Sinks, func(s SinkSpec) bool { return !s.OnlyRouted }) && len(cfg.Routes) == 0 {
		ps.Add("Sinks", nil, "every sink takes only routed tables and there is no route: add a route, or let a sink take unrouted tables")
	}
	switch cfg.OnTransformError {
	case StopOnError, SkipOnError:
	default:
		ps.Add("OnTransformError", int(cfg.OnTransformError), "use StopOnError or SkipOnError")
	}
	if r := cfg.Restart; r.MaxAttempts < 0 || r.Backoff < 0 || r.MaxBackoff < 0 {
		ps.Add("Restart", fmt.Sprintf("%+v", r), "must not be negative; MaxAttempts 0 restarts nothing, a zero Backoff or MaxBackoff means 1s or 30s")
	}
	routes := validateRoutes(&cfg, names, ps)
	transforms := validateTransforms(&cfg, ps)
	for _, s := range cfg.Schemas {
		if s == nil {
			continue
		}
		if t := transformFor(transforms, s.Table); t != nil {
			if _, bad := t.bind(s); len(bad) > 0 {
				for _, p := range bad {
					ps.Add(p.Field, p.Value, "%s", p.Fix)
				}
			}
		}
	}
	validateHooks(cfg.Hooks, ps)
	validateCheckpoints(&cfg, ps)
	validateSchemaChanges(&cfg, ps)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{cfg: cfg, log: log.With("pipeline", cfg.Name), hooks: newHookSet(cfg.Hooks),
		transforms: transforms, routes: routes, canon: map[sinkTable]*cdc.TableSchema{},
		feeders: map[sinkTable]map[sourceTable]struct{}{}}
	for _, s := range cfg.Sinks {
		_, own := s.Sink.(SchemaChangeSink)
		p.sinks = append(p.sinks, &sinkState{spec: s, appliesPolicy: own})
	}
	p.progress.init()
	return p, nil
}

// Name returns the pipeline's name.
func (p *Pipeline) Name() string { return p.cfg.Name }

// Run runs the pipeline until ctx ends or a source fails: every source on
// its own goroutine, its events through the transforms and routes into the
// sinks. Each source stores its checkpoint only after every sink flushed
// everything handed to it before, so a crash at any moment loses nothing a
// checkpoint claims.
//
// Delivery is synchronous: a source waits while the sinks take a batch, so
// a slow or unavailable sink (one that waits and retries, as the
// clickhouse sink does) holds the sources back instead of letting events
// pile up, and memory stays bounded by the sources' batch sizes and the
// sinks' buffers.
//
// When ctx ends, each source delivers what it has read, flushes the sinks,
// stores its checkpoint and returns; Run returns nil. When a source fails,
// Run stops the others the same way and returns the first error (a
// transform's *[RowError] arrives wrapped in a *cdc.HandlerError). The
// sinks stay open: they are the caller's to close.
func (p *Pipeline) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.running {
		p.mu.Unlock()
		return ErrAlreadyRunning
	}
	p.running = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.running = false
		p.mu.Unlock()
	}()

	p.log.Info("pipeline: starting", "sources", len(p.cfg.Sources), "sinks", sinkNames(p.sinks),
		"routes", len(p.routes), "transforms", len(p.transforms))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(p.cfg.Sources))
	var wg sync.WaitGroup
	for i, src := range p.cfg.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.runSource(ctx, i, src)
			if err != nil {
				errs[i] = fmt.Errorf("pipeline %q: source %d: %w", p.cfg.Name, i, err)
				cancel() // the others stop cleanly
			}
		}()
	}
	wg.Wait()
	var err error
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			err = e
			break
		}
	}
	if err != nil {
		p.log.Error("pipeline: stopped", "err", err)
		return err
	}
	p.log.Info("pipeline: stopped")
	return nil
}

// runSource runs one source, restarting it after failures as
// Config.Restart allows.
func (p *Pipeline) runSource(ctx context.Context, i int, src Source) error {
	r := p.cfg.Restart
	backoff := retry.Backoff{Initial: cmp.Or(r.Backoff, time.Second), Max: cmp.Or(r.MaxBackoff, 30*time.Second)}
	backoff.Max = max(backoff.Max, backoff.Initial)
	failures := 0
	for {
		d := p.newDelivery(i)
		err := src.Run(ctx, d)
		if err == nil || ctx.Err() != nil || !restartable(err) {
			return err
		}
		if d.flushed {
			failures = 0 // the run made progress: a new row of failures starts
		}
		failures++
		if failures > r.MaxAttempts {
			if r.MaxAttempts > 0 {
				return fmt.Errorf("failed %d times in a row (Restart.MaxAttempts %d): %w", failures, r.MaxAttempts, err)
			}
			return err
		}
		wait := backoff.Delay(failures)
		p.log.Warn("pipeline: source failed; restarting it from its checkpoint", "source", i, "attempt", failures, "wait", wait, "err", err)
		for _, h := range p.hooks.restart {
			h.OnSourceRestart(SourceRestart{Source: i, Attempt: failures, Wait: wait, Err: err})
		}
		if retry.Sleep(ctx, wait) != nil {
			return nil // ctx ended while waiting: a normal stop
		}
	}
}

// restartable reports whether another run of a source can cure err.
func restartable(err error) bool {
	var rerr *RowError
	var serr *cdc.SchemaChangeError
	return !errors.As(err, &rerr) && !errors.As(err, &serr) && !errors.Is(err, ErrInvalidConfig)
}

func sinkNames(sinks []*sinkState) string {
	names := make([]string, len(sinks))
	for i, s := range sinks {
		names[i] = s.spec.Name
	}
	return strings.Join(names, ",")
}

// routedSchema returns the schema of in's rows in sink table t of sink
// sink: in itself when the table keeps its name, else a copy named t,
// shared with the other source tables routed there with an equal schema.
func (p *Pipeline) routedSchema(in *cdc.TableSchema, sink int, t cdc.TableID) *cdc.TableSchema {
	if in.Table == t {
		return in
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := sinkTable{sink, t}
	if cur := p.canon[key]; cur != nil && sameShape(cur, in) {
		return cur
	}
	out := *in
	out.Table = t
	p.canon[key] = &out
	return &out
}

// sameShape reports whether two schemas have the same columns and key.
func sameShape(a, b *cdc.TableSchema) bool {
	if len(a.Columns) != len(b.Columns) || !slices.Equal(a.PrimaryKey, b.PrimaryKey) {
		return false
	}
	for i := range a.Columns {
		x, y := &a.Columns[i], &b.Columns[i]
		if x.Name != y.Name || x.Nullable != y.Nullable || x.Type.Kind != y.Type.Kind || x.Type.Raw != y.Type.Raw ||
			x.Type.Unsigned != y.Type.Unsigned || x.Type.Length != y.Type.Length || x.Type.Precision != y.Type.Precision ||
			x.Type.Scale != y.Type.Scale || x.Type.FSP != y.Type.FSP || x.Type.Charset != y.Type.Charset ||
			!slices.Equal(x.Type.Elements, y.Type.Elements) {
			return false
		}
	}
	return true
}
