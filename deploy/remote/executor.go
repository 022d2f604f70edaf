package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Executor runs commands and writes files on one host. [LocalExecutor] does it with local processes,
// [SSHConnector] returns executors that do it over SSH and SFTP. Implementations are not required to be safe
// for concurrent use.
type Executor interface {
	// Host is the name the executor was connected for.
	Host() string
	// Run runs cmd and returns its output; a non-zero exit is an [*ExitError].
	Run(ctx context.Context, cmd Command) (Result, error)
	// WriteFile writes data to the absolute path with the given permission bits, creating parent
	// directories, and replaces an existing file atomically where the host allows it.
	WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode) error
	// Close releases the connection. It is safe to call more than once.
	Close() error
}

// Connector opens an [Executor] for a host name as plans spell it ("hadoop102").
type Connector interface {
	Connect(ctx context.Context, host string) (Executor, error)
}

// ConnectorFunc adapts a function to [Connector], e.g. to route some hosts over SSH and others locally.
type ConnectorFunc func(ctx context.Context, host string) (Executor, error)

// Connect calls f.
func (f ConnectorFunc) Connect(ctx context.Context, host string) (Executor, error) {
	return f(ctx, host)
}

// Result is the captured output of a command.
type Result struct {
	Stdout, Stderr []byte
}

// ExitError reports a command that ran and exited with a non-zero status.
type ExitError struct {
	Host     string
	Command  string // redacted, as Command.String prints it
	ExitCode int    // -1 when the command was killed by a signal or the status is unknown
	Stderr   string // the last part of standard error
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("remote: %s: %s exited with status %d", e.Host, e.Command, e.ExitCode)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// stderrTail keeps the end of a command's standard error, where the reason usually is.
func stderrTail(b []byte) string {
	const limit = 512
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = "..." + s[len(s)-limit:]
	}
	return s
}

// LocalExecutor runs commands as local processes and writes local files. Root, when set, is prepended to
// every file path, so a plan meant for /opt/module/... can be materialised under a scratch directory.
type LocalExecutor struct {
	// Name is what Host returns; "" means "localhost".
	Name string
	// Root prefixes every path WriteFile writes; "" writes the paths as given.
	Root string
}

// LocalConnector returns a [Connector] that gives every host a [LocalExecutor] writing under root ("" for the
// real paths). Useful for single-machine clusters and for materialising a plan's files for inspection.
func LocalConnector(root string) Connector {
	return ConnectorFunc(func(_ context.Context, host string) (Executor, error) {
		return &LocalExecutor{Name: host, Root: root}, nil
	})
}

// Host returns the executor's name.
func (l *LocalExecutor) Host() string {
	if l.Name == "" {
		return "localhost"
	}
	return l.Name
}

// Run starts the command with os/exec and waits for it; cancelling ctx kills it.
func (l *LocalExecutor) Run(ctx context.Context, cmd Command) (Result, error) {
	if len(cmd.Args) == 0 {
		return Result{}, errors.New("remote: empty command")
	}
	c := exec.CommandContext(ctx, cmd.Args[0], cmd.Args[1:]...)
	c.Dir = cmd.Dir
	if len(cmd.Env) > 0 {
		c.Env = append(os.Environ(), cmd.Env...)
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return res, fmt.Errorf("remote: %s: %s: %w", l.Host(), cmd, ctxErr)
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return res, &ExitError{Host: l.Host(), Command: cmd.String(), ExitCode: exitErr.ExitCode(), Stderr: stderrTail(res.Stderr)}
		}
		return res, fmt.Errorf("remote: %s: %s: %w", l.Host(), cmd, err)
	}
	return res, nil
}

// WriteFile writes through a temporary file in the same directory and renames it into place.
func (l *LocalExecutor) WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("remote: %s: write %q: path must be absolute", l.Host(), path)
	}
	target := path
	if l.Root != "" {
		target = filepath.Join(l.Root, path)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	if err := tmp.Chmod(mode.Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("remote: %s: %w", l.Host(), err)
	}
	return nil
}

// Close does nothing; a LocalExecutor holds no resources.
func (l *LocalExecutor) Close() error { return nil }
