package remote

import (
	"strings"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/internal/redact"
)

// Command is a program to run on a host: an argument vector (never re-split by a shell), extra environment
// variables and a working directory. Over SSH it is sent as one shell-quoted line, so arguments with spaces
// or quotes arrive intact.
type Command struct {
	// Args is the program and its arguments; Args[0] is looked up in PATH unless it contains a '/'.
	Args []string
	// Env holds extra KEY=VALUE pairs added to the host's environment.
	Env []string
	// Dir is the working directory; "" is the executor's default (the login directory over SSH).
	Dir string
}

// Shell returns a Bourne-shell command line equivalent to the Command: "cd DIR && env K=V prog args...".
func (c Command) Shell() string { return c.shell(false) }

// String returns the command line with the values of secret-looking settings redacted (-Dkey=value options and
// KEY=VALUE environment variables whose key holds a password, token or secret); it is what dry runs and
// errors show.
func (c Command) String() string { return c.shell(true) }

func (c Command) shell(hideSecrets bool) string {
	var b strings.Builder
	if c.Dir != "" {
		b.WriteString("cd ")
		b.WriteString(deploy.ShellQuote(c.Dir))
		b.WriteString(" && ")
	}
	if len(c.Env) > 0 {
		b.WriteString("env")
		for _, kv := range c.Env {
			b.WriteByte(' ')
			b.WriteString(deploy.ShellQuote(redactAssignment(kv, hideSecrets)))
		}
		b.WriteByte(' ')
	}
	for i, a := range c.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if hideSecrets && strings.HasPrefix(a, "-D") {
			a = "-D" + redactAssignment(a[2:], true)
		}
		b.WriteString(deploy.ShellQuote(a))
	}
	return b.String()
}

func redactAssignment(kv string, hideSecrets bool) string {
	if !hideSecrets {
		return kv
	}
	if k, _, ok := strings.Cut(kv, "="); ok && deploy.IsSensitiveKey(k) {
		return k + "=" + redact.Placeholder
	}
	return kv
}
