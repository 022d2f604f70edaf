package flinksql

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/internal/problems"
)

// ErrInvalidPipeline is matched by every error of Render: a pipeline the
// Flink runtime cannot render, each problem named with its fix.
var ErrInvalidPipeline = errors.New("flinksql: pipeline cannot be rendered")

// Options are the Flink-side settings of a rendered pipeline.
type Options struct {
	// Target is the Flink release and the Flink CDC release of the
	// connectors. Required (Target.Flink).
	Target Target
	// Parallelism is the job's default parallelism (parallelism.default);
	// 0 leaves the cluster's. A mysql-cdc source reads its snapshot with as
	// many readers as its server-id range has ids, at most this.
	Parallelism int
	// CheckpointInterval is execution.checkpointing.interval: how often the
	// job's state, the sources' binlog offsets included, is checkpointed; 0
	// leaves the cluster's. A mysql-cdc source needs checkpoints to move from
	// its snapshot to the binlog, and the ClickHouse connector flushes at
	// each one.
	CheckpointInterval time.Duration
	// Epoch is the _version every row written to a ClickHouseSink carries
	// in this run: above every version the embedded runtime wrote before
	// (see [EpochAfter]). Required with a ClickHouseSink.
	Epoch uint64
	// StartOffset, when set, overrides the startup options of every MySQL
	// source: capture starts at this binlog position (specific-offset with
	// the GTID set when it has one, else file and position), as when a
	// pipeline moves from the embedded runtime (see [CheckpointOffset]).
	StartOffset mysql.Offset
	// Settings are more configuration keys SET before the job, such as
	// "table.exec.sink.not-null-enforcer": "DROP".
	Settings map[string]string
}

// Script is a pipeline rendered as Flink SQL: SET statements, the source and
// sink tables, and the INSERTs, one job. String prints it with passwords
// redacted; [Script.Statements] holds the statements to submit, with them.
type Script struct {
	target   target
	settings [][2]string
	tables   []string
	inserts  []string
	sinks    []*cdc.TableSchema
	secrets  []string
	// sourceNames maps each captured table to its changelog source table.
	sourceNames map[cdc.TableID]string
}

// Statements returns the statements to submit, in order, with passwords in
// clear: SETs, CREATE TEMPORARY TABLEs, then the job (one INSERT or, for
// several, an EXECUTE STATEMENT SET; on Flink 1.13, whose SQL client reads
// BEGIN STATEMENT SET; ... END; as several statements, a single INSERT or
// the several INSERTs between them). Never log them.
func (s *Script) Statements() []string {
	return append(s.Setup(), s.jobStatements()...)
}

// Setup returns the statements before the job, with passwords in clear:
// the SETs and the CREATE TEMPORARY TABLEs. A program that queries the
// source tables itself (SELECT * FROM a source table, as the seed's
// FlinkCDC_02_SQL does) runs these first.
func (s *Script) Setup() []string {
	var out []string
	for _, kv := range s.settings {
		out = append(out, setStatement(kv[0], kv[1]))
	}
	return append(out, s.tables...)
}

// SourceTable returns the name of the Flink table that reads the captured
// table id as a changelog, and whether the script has one.
func (s *Script) SourceTable(id cdc.TableID) (string, bool) {
	name, ok := s.sourceNames[id]
	return name, ok
}

// Job returns the statement that starts the job: the only INSERT, or an
// EXECUTE STATEMENT SET of all of them (Flink 1.15 on).
func (s *Script) Job() string {
	if len(s.inserts) == 1 {
		return s.inserts[0]
	}
	return "EXECUTE STATEMENT SET\nBEGIN\n" + strings.Join(s.inserts, ";\n") + ";\nEND"
}

func (s *Script) jobStatements() []string {
	if len(s.inserts) > 1 && !s.target.flinkAtLeast("1.15") {
		out := []string{"BEGIN STATEMENT SET"}
		out = append(out, s.inserts...)
		return append(out, "END")
	}
	return []string{s.Job()}
}

// Settings returns the configuration the script SETs, in order.
func (s *Script) Settings() [][2]string { return slices.Clone(s.settings) }

// SinkSchemas returns the schemas of the sink tables the job writes: what
// package clickhouse's Client.CreateTable creates before the job runs (the
// Flink job does not create ClickHouse tables).
func (s *Script) SinkSchemas() []*cdc.TableSchema { return slices.Clone(s.sinks) }

// String returns the script as a Flink SQL client would read it, one
// statement after another, each ended by a semicolon, with every password
// replaced by a placeholder.
func (s *Script) String() string {
	var b strings.Builder
	for i, st := range s.Statements() {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(st)
		b.WriteString(";\n")
	}
	return redactAll(b.String(), s.secrets)
}

// Redact returns text with the script's passwords replaced by a
// placeholder: for printing one of its statements.
func (s *Script) Redact(text string) string { return redactAll(text, s.secrets) }

// Format makes %v, %s and %q print the redacted script.
func (s *Script) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	fmt.Fprint(f, s.String())
}

// Render renders a pipeline as a Flink SQL script for opts.Target. It
// validates the pipeline as pipeline.NewFromConfig does, and more: each
// captured table needs its schema in cfg.Schemas (a Flink table declares its
// columns), each source must be a *mysql.Source or a *SQLServerSource, each
// sink a *ClickHouseSink, a *JDBCSink or a *pipeline.PrintSink, a transform
// may have no Go functions, and every connector option must exist in the
// target's Flink CDC release. The error lists every problem. Render does no
// I/O.
func Render(cfg pipeline.Config, opts Options) (*Script, error) {
	r := &renderer{cfg: cfg, opts: opts, errs: problems.New("flinksql", "pipeline for Flink", ErrInvalidPipeline)}
	r.run()
	if err := r.errs.Err(); err != nil {
		return nil, err
	}
	return r.script, nil
}

// renderer holds one rendering: its steps add statements or problems.
type renderer struct {
	cfg    pipeline.Config
	opts   Options
	t      target
	errs   *problems.Error
	script *Script

	sources []*sourceTable // one per captured table and reading mode
	sinks   []*sinkTable
	jobs    []insert
}

// sourceTable is one Flink source table: a captured table read by one
// connector, as a changelog or (for ClickHouse) append-only.
type sourceTable struct {
	name       string
	source     int
	schema     *cdc.TableSchema
	appendOnly bool
	metadata   []string // Flink metadata columns it declares
	serverID   string
}

// sinkTable is one Flink sink table: a sink and the table name it writes.
type sinkTable struct {
	name   string
	sink   int
	table  cdc.TableID
	schema *cdc.TableSchema
}

// insert is one INSERT: a source table through a transform into a sink table.
type insert struct {
	from      *sourceTable
	to        *sinkTable
	transform int // -1: none
	proj      *expr.Projection
	filter    expr.Expr
}

func (r *renderer) run() {
	t, err := r.opts.Target.resolve()
	if err != nil {
		r.errs.Add("Options.Target", r.opts.Target.Flink, "%v", err)
		return
	}
	r.t = t
	r.script = &Script{target: t}
	if _, err := pipeline.NewFromConfig(r.cfg); err != nil {
		var pe *problems.Error
		if errors.As(err, &pe) {
			for _, p := range pe.Problems {
				r.errs.Add(p.Field, p.Value, "%s", p.Fix)
			}
		} else {
			r.errs.Add("Config", nil, "%v", err)
		}
		return
	}
	r.checkKinds()
	r.plan()
	r.assignServerIDs()
	r.renderSettings()
	r.renderSources()
	r.renderSinks()
	r.renderInserts()
}

// addSecret records a secret String redacts, as written and as quoted in a
// string literal.
func (s *Script) addSecret(secret string) {
	if secret != "" {
		s.secrets = append(s.secrets, strings.ReplaceAll(secret, "'", "''"), secret)
	}
}
