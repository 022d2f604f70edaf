package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/internal/redact"
)

// Step is one action on one host: write a file or run a command (exactly one of File and Command is set).
type Step struct {
	// Host is the host name as the plan's [Connector] understands it.
	Host string
	// File, when set, is written to File.Path (absolute) with File.Mode.
	File *deploy.File
	// Command, when set, is run and must exit with status 0.
	Command *Command
	// Note explains the step in dry runs and errors ("start the JobManager"); optional.
	Note string
}

// Describe returns a one-line description: "write /opt/flink/conf/workers (0644, 20 bytes)" or
// "run bin/start-cluster.sh", with secrets redacted.
func (s Step) Describe() string {
	var d string
	switch {
	case s.File != nil:
		d = fmt.Sprintf("write %s (%04o, %d bytes)", s.File.Path, s.File.Mode.Perm(), len(s.File.Data))
	case s.Command != nil:
		d = "run " + s.Command.String()
	default:
		d = "(empty step)"
	}
	if s.Note != "" {
		d += "  # " + s.Note
	}
	return d
}

// Plan is an ordered list of steps across hosts: typically the configuration files for every host, then the
// commands that start the cluster. Build one with the Add methods or get one from package launch
// (StandaloneCluster.Plan, HBaseCluster.Plan) or hostprep (PreparePlan); print it with [Plan.DryRun]; run it
// with [Plan.Execute].
type Plan struct {
	Steps []Step
}

// AddFile appends a step writing f on host.
func (p *Plan) AddFile(host string, f deploy.File, note string) {
	fc := f
	fc.Data = bytes.Clone(f.Data)
	p.Steps = append(p.Steps, Step{Host: host, File: &fc, Note: note})
}

// AddCommand appends a step running cmd on host.
func (p *Plan) AddCommand(host string, cmd Command, note string) {
	cc := cmd
	cc.Args = append([]string(nil), cmd.Args...)
	cc.Env = append([]string(nil), cmd.Env...)
	p.Steps = append(p.Steps, Step{Host: host, Command: &cc, Note: note})
}

// Append adds the steps of other after p's.
func (p *Plan) Append(other Plan) { p.Steps = append(p.Steps, other.Steps...) }

// Hosts returns the hosts the plan touches, in the order they first appear.
func (p Plan) Hosts() []string {
	var hosts []string
	seen := map[string]bool{}
	for _, s := range p.Steps {
		if !seen[s.Host] {
			seen[s.Host] = true
			hosts = append(hosts, s.Host)
		}
	}
	return hosts
}

// Validate checks that every step names a host and does exactly one thing, with an absolute file path or a
// non-empty command.
func (p Plan) Validate() error {
	ps := invalid("plan")
	for i, s := range p.Steps {
		key := fmt.Sprintf("step %d", i+1)
		if s.Host == "" {
			ps.Add(key, s.Describe(), "name the host the step runs on")
		}
		switch {
		case (s.File == nil) == (s.Command == nil):
			ps.Add(key, s.Describe(), "set exactly one of deploy.File and Command")
		case s.File != nil && !path.IsAbs(s.File.Path):
			ps.Add(key, s.File.Path, "file paths in a plan must be absolute")
		case s.Command != nil && len(s.Command.Args) == 0:
			ps.Add(key, "", "the command has no program")
		}
	}
	return ps.Err()
}

// DryRun returns the plan as deterministic text: every step numbered with its host, file contents indented
// below their write step. Values of secret-looking keys are redacted. Nothing is connected to.
func (p Plan) DryRun() string {
	var b strings.Builder
	p.WriteDryRun(&b) //nolint:errcheck // strings.Builder does not fail
	return b.String()
}

// WriteDryRun writes [Plan.DryRun]'s text to w.
func (p Plan) WriteDryRun(w io.Writer) error {
	bw := bufio.NewWriter(w)
	hosts := p.Hosts()
	fmt.Fprintf(bw, "plan: %d steps on %d hosts (%s)\n", len(p.Steps), len(hosts), strings.Join(hosts, ", "))
	for i, s := range p.Steps {
		fmt.Fprintf(bw, "\n[%d] %s: %s\n", i+1, s.Host, s.Describe())
		if s.File != nil {
			for _, line := range strings.Split(strings.TrimRight(redactContent(string(s.File.Data)), "\n"), "\n") {
				fmt.Fprintf(bw, "    | %s\n", line)
			}
		}
	}
	return bw.Flush()
}

var (
	yamlLine    = regexp.MustCompile(`^(\s*(?:export\s+)?)([A-Za-z0-9_.\-<>]+)(\s*[:=]\s*)(.+)$`)
	xmlName     = regexp.MustCompile(`<name>\s*([^<]*?)\s*</name>`)
	xmlValue    = regexp.MustCompile(`(<value>)([^<]*)(</value>)`)
	yamlSection = regexp.MustCompile(`^(\s*)([A-Za-z0-9_.\-]+):\s*$`)
)

// redactContent hides the values of secret-looking keys in rendered YAML ("key: value", nested keys included),
// shell ("export KEY=value") and Hadoop XML (<name>/<value>) files.
func redactContent(s string) string {
	lines := strings.Split(s, "\n")
	var stack []struct {
		indent int
		name   string
	}
	pendingXMLSecret := false
	for i, line := range lines {
		if m := xmlName.FindStringSubmatch(line); m != nil {
			pendingXMLSecret = deploy.IsSensitiveKey(m[1])
		}
		if pendingXMLSecret && xmlValue.MatchString(line) {
			lines[i] = xmlValue.ReplaceAllString(line, "${1}"+redact.Placeholder+"${3}")
			pendingXMLSecret = false
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent && strings.TrimSpace(line) != "" {
			stack = stack[:len(stack)-1]
		}
		if m := yamlSection.FindStringSubmatch(line); m != nil {
			stack = append(stack, struct {
				indent int
				name   string
			}{indent, m[2]})
			continue
		}
		if m := yamlLine.FindStringSubmatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			full := m[2]
			for j := len(stack) - 1; j >= 0; j-- {
				full = stack[j].name + "." + full
			}
			if deploy.IsSensitiveKey(full) {
				lines[i] = m[1] + m[2] + m[3] + redact.Placeholder
			}
		}
	}
	return strings.Join(lines, "\n")
}

// StepRecord is a step that ran to completion during [Plan.Execute].
type StepRecord struct {
	Index       int // 1-based position in the plan
	Host        string
	Description string
	Elapsed     time.Duration
}

func (r StepRecord) String() string {
	return fmt.Sprintf("[%d] %s: %s", r.Index, r.Host, r.Description)
}

// PlanError reports the step a plan stopped at: the host, the step, why, what had already run (so the user
// knows the state the hosts are in) and how many steps never ran.
type PlanError struct {
	Host        string
	Step        int // 1-based
	Description string
	Completed   []StepRecord
	NotRun      int
	Err         error
}

func (e *PlanError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "remote: plan stopped at step %d on %s (%s): %v", e.Step, e.Host, e.Description, e.Err)
	if len(e.Completed) == 0 {
		b.WriteString("; nothing had run yet")
	} else {
		fmt.Fprintf(&b, "; already done (%d):", len(e.Completed))
		for _, r := range e.Completed {
			b.WriteString("\n  ")
			b.WriteString(r.String())
		}
	}
	if e.NotRun > 0 {
		fmt.Fprintf(&b, "\n  not run: %d more step(s)", e.NotRun)
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, ErrHostUnreachable) and errors.As(err, &exitErr) work.
func (e *PlanError) Unwrap() error { return e.Err }

// StepEvent is passed to [ExecuteOptions.Progress] before (Done false) and after (Done true) each step.
type StepEvent struct {
	Index, Total int // 1-based index, number of steps
	Step         Step
	Done         bool
	Err          error // set when Done and the step failed
	Elapsed      time.Duration
}

// ExecuteOptions tunes [Plan.Execute]. The zero value runs quietly.
type ExecuteOptions struct {
	// Progress, when set, is called before and after every step.
	Progress func(StepEvent)
}

// Execute runs the steps in order, opening one executor per host through conn on first use and closing them
// all at the end. It stops at the first failure and returns a [*PlanError] naming the host and step and listing
// what already ran. The plan is validated first; an invalid plan runs nothing.
func (p Plan) Execute(ctx context.Context, conn Connector, opts ExecuteOptions) error {
	if err := p.Validate(); err != nil {
		return err
	}
	executors := map[string]Executor{}
	defer func() {
		for _, e := range executors {
			e.Close()
		}
	}()
	var done []StepRecord
	total := len(p.Steps)
	for i, s := range p.Steps {
		if opts.Progress != nil {
			opts.Progress(StepEvent{Index: i + 1, Total: total, Step: s})
		}
		start := time.Now()
		err := ctx.Err()
		if err == nil {
			err = runStep(ctx, conn, executors, s)
		}
		elapsed := time.Since(start)
		if opts.Progress != nil {
			opts.Progress(StepEvent{Index: i + 1, Total: total, Step: s, Done: true, Err: err, Elapsed: elapsed})
		}
		if err != nil {
			return &PlanError{Host: s.Host, Step: i + 1, Description: s.Describe(), Completed: done, NotRun: total - i - 1, Err: err}
		}
		done = append(done, StepRecord{Index: i + 1, Host: s.Host, Description: s.Describe(), Elapsed: elapsed})
	}
	return nil
}

func runStep(ctx context.Context, conn Connector, executors map[string]Executor, s Step) error {
	ex, ok := executors[s.Host]
	if !ok {
		var err error
		ex, err = conn.Connect(ctx, s.Host)
		if err != nil {
			return err
		}
		if ex == nil {
			return errors.New("remote: connector returned no executor")
		}
		executors[s.Host] = ex
	}
	if s.File != nil {
		return ex.WriteFile(ctx, s.File.Path, s.File.Data, s.File.Mode)
	}
	_, err := ex.Run(ctx, *s.Command)
	return err
}
