package definition

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/internal/problems"
)

// Options are what [Load] needs besides the file.
type Options struct {
	// Registry knows the source and sink types; nil means [NewRegistry]'s
	// (the values sink only).
	Registry *Registry
	// CheckpointDir is where sources keep their checkpoints, one file per
	// pipeline and source (<pipeline name>.source.json): a rerun resumes.
	// Empty keeps them in memory (every run starts over).
	CheckpointDir string
	// CheckpointInterval is the least time between a source's checkpoint
	// saves (Flink's execution.checkpointing.interval); 0 means the
	// source's default.
	CheckpointInterval time.Duration
	// Logger is handed to the pipeline and the connectors (nil: discarded).
	Logger *slog.Logger
	// Stdout is where the values sink prints (nil: os.Stdout).
	Stdout io.Writer
}

// The keys of the blocks whose keys Flink CDC fixes.
var (
	topKeys       = []string{"source", "sink", "route", "transform", "pipeline"}
	routeKeys     = []string{"source-table", "sink-table", "replace-symbol", "description"}
	transformKeys = []string{"source-table", "projection", "filter", "primary-keys", "partition-keys", "table-options", "description", "converter-after-transform"}
	pipelineKeys  = []string{"name", "parallelism", "local-time-zone", "execution.runtime-mode", "schema.change.behavior",
		"schema.operator.uid", "schema-operator.rpc-timeout", "operator.uid.prefix", "user-defined-function", "model"}
)

// LoadFile reads a Flink CDC pipeline definition file; see [Load].
func LoadFile(path string, opts Options) (pipeline.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return pipeline.Config{}, err
	}
	return Load(data, opts)
}

// Load reads a Flink CDC 3.x pipeline definition (YAML with source, sink,
// route, transform and pipeline blocks) into a [pipeline.Config], ready for
// [pipeline.NewFromConfig] (add hooks first, if any). The source and sink
// come from the registry by their type:. Nothing is dialled.
//
// Every problem of the file is reported at once, in a *pipeline.ConfigError
// (matching pipeline.ErrInvalidConfig): an unknown block, an unknown key
// (naming it, its block and the nearest known key), a missing or bad value,
// an unknown type, a selector that selects no MySQL table, and what the
// embedded runner cannot do (user-defined functions, converters).
func Load(data []byte, opts Options) (pipeline.Config, error) {
	ps := problems.New("pipeline", "pipeline definition", pipeline.ErrInvalidConfig)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.Add("(file)", nil, "is not YAML: %v", err)
		return pipeline.Config{}, ps
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		ps.Add("(file)", nil, "want a mapping with source, sink and pipeline blocks, as Flink CDC's pipeline definitions have")
		return pipeline.Config{}, ps
	}
	reg := opts.Registry
	if reg == nil {
		reg = NewRegistry()
	}
	l := &loader{ps: ps, reg: reg, opts: opts}
	blocks := map[string]*yaml.Node{}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i].Value
		if !allowed(topKeys, k) {
			ps.Add(k, nil, "is not a block of a pipeline definition; the blocks are source, sink, route, transform and pipeline")
			continue
		}
		blocks[k] = root.Content[i+1]
	}
	var cfg pipeline.Config
	settings := l.pipelineBlock(blocks["pipeline"], &cfg)
	cfg.Logger = opts.Logger
	if n := blocks["source"]; n != nil {
		if src := l.source(n, settings); src != nil {
			cfg.Sources = append(cfg.Sources, src)
		}
	} else {
		ps.Add("source", nil, "add a source block, such as type: mysql")
	}
	if n := blocks["sink"]; n != nil {
		if s := l.sink(n, settings); s != nil {
			spec := pipeline.SinkSpec{Name: "sink", Sink: s}
			if b := settings.SchemaChangeBehavior; b != "" {
				// Flink CDC's schema.change.behavior: the pipeline drops
				// (IGNORE) or refuses (EXCEPTION) changes before the sink,
				// which applies the others under the same behavior.
				spec.SchemaChanges = &cdc.SchemaChangePolicy{Behavior: b}
			}
			cfg.Sinks = append(cfg.Sinks, spec)
		}
	} else {
		ps.Add("sink", nil, "add a sink block, such as type: values")
	}
	cfg.Routes = l.routes(blocks["route"])
	cfg.Transforms = l.transforms(blocks["transform"])
	if err := ps.Err(); err != nil {
		return pipeline.Config{}, err
	}
	return cfg, nil
}

type loader struct {
	ps   *problems.Error
	reg  *Registry
	opts Options
}

// flatten reads a mapping's scalars as text, nested mappings' keys joined
// by dots.
func (l *loader) flatten(block string, n *yaml.Node, prefix string, out map[string]string) {
	if n.Kind != yaml.MappingNode {
		l.ps.Add(block, nil, "want a mapping of keys to values")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := prefix+n.Content[i].Value, n.Content[i+1]
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				out[k] = ""
			} else {
				out[k] = v.Value
			}
		case yaml.MappingNode:
			l.flatten(block, v, k+".", out)
		default:
			if block != "pipeline" {
				l.ps.Add(block+"."+k, nil, "want a value, not a list")
			}
			out[k] = ""
		}
	}
}

func (l *loader) pipelineBlock(n *yaml.Node, cfg *pipeline.Config) Settings {
	var s Settings
	if n == nil {
		l.ps.Add("pipeline", nil, "add a pipeline block with at least its name, as Flink CDC requires")
		return s
	}
	kv := map[string]string{}
	l.flatten("pipeline", n, "", kv)
	for k, v := range kv {
		if !allowed(pipelineKeys, k) {
			l.ps.Add("pipeline."+k, nil, unknownKeyFix("pipeline block", pipelineKeys, k))
			continue
		}
		switch k {
		case "name":
			s.Name = v
		case "parallelism":
			if v != "1" {
				l.opts.logger().Info("pipeline definition: parallelism is the Flink runtime's; the embedded runner reads the source with its own snapshot parallelism", "parallelism", v)
			}
		case "local-time-zone":
			loc, err := time.LoadLocation(v)
			if err != nil {
				l.ps.Add("pipeline.local-time-zone", v, "want a time zone name such as UTC or Asia/Shanghai")
			}
			s.TimeZone = loc
		case "execution.runtime-mode":
			switch strings.ToUpper(v) {
			case "STREAMING":
			case "BATCH":
				s.Batch = true
			default:
				l.ps.Add("pipeline.execution.runtime-mode", v, "want STREAMING or BATCH")
			}
		case "schema.change.behavior":
			b, err := cdc.ParseSchemaChangeBehavior(v)
			if err != nil || v == "" {
				l.ps.Add("pipeline.schema.change.behavior", v, "want exception, evolve, try_evolve, lenient or ignore")
			}
			s.SchemaChangeBehavior = b
		case "user-defined-function", "model":
			l.ps.Add("pipeline."+k, nil, "user-defined functions and models are Java classes, which the embedded runner cannot load; use the built-in functions, or a Go transform (pipeline.Func)")
		}
		// schema.operator.uid, schema-operator.rpc-timeout and operator.uid.prefix
		// name Flink operators: the embedded runner has none.
	}
	cfg.Name, cfg.TimeZone = s.Name, s.TimeZone
	if s.Name == "" {
		cfg.Name = "pipeline"
	}
	return s
}

func (l *loader) block(kind string, n *yaml.Node, s Settings) (*Block, []string, func(*Block) (any, error)) {
	kv := map[string]string{}
	l.flatten(kind, n, "", kv)
	typ := kv["type"]
	b := &Block{Kind: kind, Type: typ, Name: kv["name"], Pipeline: s, Logger: l.opts.logger(), Stdout: l.opts.stdout(), ps: l.ps, Options: kv}
	delete(kv, "type")
	delete(kv, "name")
	if b.Name == "" {
		b.Name = s.Name
	}
	if b.Name == "" {
		b.Name = "pipeline"
	}
	var keys []string
	var build func(*Block) (any, error)
	switch kind {
	case "source":
		t, ok := l.reg.sources[typ]
		if !ok {
			l.ps.Add("source.type", typ, "is not a source type this program knows; known: %s", strings.Join(l.reg.SourceTypes(), ", "))
			return nil, nil, nil
		}
		keys, build = t.Keys, func(b *Block) (any, error) { return t.New(b) }
	default:
		t, ok := l.reg.sinks[typ]
		if !ok {
			l.ps.Add("sink.type", typ, "is not a sink type this program knows; known: %s", strings.Join(l.reg.SinkTypes(), ", "))
			return nil, nil, nil
		}
		keys, build = t.Keys, func(b *Block) (any, error) { return t.New(b) }
	}
	for k := range kv {
		if !allowed(keys, k) {
			l.ps.Add(kind+"."+k, nil, unknownKeyFix(kind+" block (type "+typ+")", keys, k))
		}
	}
	return b, keys, build
}

func (l *loader) source(n *yaml.Node, s Settings) pipeline.Source {
	b, _, build := l.block("source", n, s)
	if b == nil {
		return nil
	}
	b.CheckpointInterval = l.opts.CheckpointInterval
	if l.opts.CheckpointDir != "" {
		name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(s.Name, "_")
		if name == "" {
			name = "pipeline"
		}
		b.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(l.opts.CheckpointDir, name+".source.json"))
	} else {
		b.OffsetStore = cdc.NewMemoryOffsetStore()
	}
	before := len(l.ps.Problems)
	v, err := build(b)
	if len(l.ps.Problems) > before {
		return nil // the accessors named what is wrong; the connector's own error would repeat it
	}
	if err != nil {
		l.ps.Add("source", b.Type, "%s", connectorError(err))
		return nil
	}
	if v == nil {
		return nil
	}
	return v.(pipeline.Source)
}

func (l *loader) sink(n *yaml.Node, s Settings) cdc.Sink {
	b, _, build := l.block("sink", n, s)
	if b == nil {
		return nil
	}
	before := len(l.ps.Problems)
	v, err := build(b)
	if len(l.ps.Problems) > before {
		return nil // the accessors named what is wrong; the connector's own error would repeat it
	}
	if err != nil {
		l.ps.Add("sink", b.Type, "%s", connectorError(err))
		return nil
	}
	if v == nil {
		return nil
	}
	return v.(cdc.Sink)
}

// connectorError turns a connector's own configuration error into a fix.
func connectorError(err error) string {
	var pe *problems.Error
	if errors.As(err, &pe) {
		parts := make([]string, len(pe.Problems))
		for i, p := range pe.Problems {
			parts[i] = p.String()
		}
		return "the connector refuses its configuration: " + strings.Join(parts, "; ")
	}
	return "the connector refuses its configuration: " + err.Error()
}

// list returns the mappings of a route or transform block.
func (l *loader) list(name string, n *yaml.Node) []map[string]string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.ps.Add(name, nil, "want a list of rules, each starting with - source-table:")
		return nil
	}
	var out []map[string]string
	for i, item := range n.Content {
		kv := map[string]string{}
		l.flatten(fmt.Sprintf("%s[%d]", name, i), item, "", kv)
		out = append(out, kv)
	}
	return out
}

func (l *loader) selector(field, sel string) string {
	if sel == "" {
		l.ps.Add(field, "", "set the tables the rule applies to, such as app_db.orders_\\d+")
		return ""
	}
	p, err := SelectorPattern(sel)
	if err != nil {
		l.ps.Add(field, sel, "%v", err)
	}
	return p
}

func (l *loader) routes(n *yaml.Node) []pipeline.Route {
	var out []pipeline.Route
	for i, kv := range l.list("route", n) {
		f := fmt.Sprintf("route[%d]", i)
		for k := range kv {
			if !allowed(routeKeys, k) {
				l.ps.Add(f+"."+k, nil, unknownKeyFix("route rule", routeKeys, k))
			}
		}
		r := pipeline.Route{SourceTable: l.selector(f+".source-table", kv["source-table"]), SinkTable: kv["sink-table"],
			ReplaceSymbol: kv["replace-symbol"], Description: kv["description"]}
		if r.SinkTable == "" {
			l.ps.Add(f+".sink-table", "", "set the sink table as database.table")
		}
		out = append(out, r)
	}
	return out
}

func (l *loader) transforms(n *yaml.Node) []pipeline.Transform {
	var out []pipeline.Transform
	for i, kv := range l.list("transform", n) {
		f := fmt.Sprintf("transform[%d]", i)
		for k := range kv {
			if !allowed(transformKeys, k) && !strings.HasPrefix(k, "table-options.") {
				l.ps.Add(f+"."+k, nil, unknownKeyFix("transform rule", transformKeys, k))
			}
		}
		if kv["converter-after-transform"] != "" {
			l.ps.Add(f+".converter-after-transform", kv["converter-after-transform"], "converters are Java classes, which the embedded runner cannot load; remove it")
		}
		t := pipeline.Transform{SourceTable: l.selector(f+".source-table", kv["source-table"]),
			Projection: kv["projection"], Filter: kv["filter"], Description: kv["description"],
			PrimaryKeys: splitList(kv["primary-keys"]), PartitionKeys: splitList(kv["partition-keys"])}
		if opts := kv["table-options"]; opts != "" {
			t.TableOptions = parseTableOptions(opts)
		}
		for k, v := range kv {
			if name, ok := strings.CutPrefix(k, "table-options."); ok {
				if t.TableOptions == nil {
					t.TableOptions = map[string]string{}
				}
				t.TableOptions[name] = v
			}
		}
		out = append(out, t)
	}
	return out
}

// splitList splits "a, b" into [a b].
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTableOptions reads Flink CDC's "k1=v1,k2=v2".
func parseTableOptions(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range splitList(s) {
		k, v, _ := strings.Cut(kv, "=")
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func (o Options) stdout() io.Writer {
	if o.Stdout == nil {
		return os.Stdout
	}
	return o.Stdout
}
