package deploy

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidConfig is matched (with [errors.Is]) by every [ConfigError]: a configuration, resource or plan was
// rejected before anything ran.
var ErrInvalidConfig = errors.New("deploy: invalid configuration")

// Problem is one thing wrong with a configuration: which key or field, the value found (already redacted when
// the key holds a secret) and what to do about it.
type Problem struct {
	// Key names the setting: a Flink key (taskmanager.numberOfTaskSlots), an XML property or a Go field path.
	Key string
	// Value is the offending value as written, or "" when the setting is missing. Secrets read "<redacted>".
	Value string
	// Fix says what to change.
	Fix string
}

func (p Problem) String() string {
	if p.Value == "" {
		return fmt.Sprintf("%s: %s", p.Key, p.Fix)
	}
	return fmt.Sprintf("%s = %q: %s", p.Key, p.Value, p.Fix)
}

// ConfigError lists every problem found in one configuration at once, so that a user fixes them in one pass
// instead of one per run. It matches [ErrInvalidConfig] with [errors.Is].
type ConfigError struct {
	// What names the thing validated, e.g. "Flink 1.20 configuration" or "FlinkDeployment".
	What string
	// Problems in the order they were found; never empty.
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deploy: invalid %s: ", e.What)
	if len(e.Problems) == 1 {
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is [ErrInvalidConfig].
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// problems accumulates Problems; err returns nil when there are none.
type problems struct {
	what string
	list []Problem
}

func (ps *problems) add(key, value, fix string, args ...any) {
	if len(args) > 0 {
		fix = fmt.Sprintf(fix, args...)
	}
	if IsSensitiveKey(key) && value != "" {
		value = redacted
	}
	ps.list = append(ps.list, Problem{Key: key, Value: value, Fix: fix})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ConfigError{What: ps.what, Problems: ps.list}
}

const redacted = "<redacted>"

// sensitiveKeyParts are the substrings that make Flink itself hide a configuration value in its logs
// (GlobalConfiguration's sensitive keys), plus the Hadoop/HBase spellings.
var sensitiveKeyParts = []string{
	"password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params", "service-key",
	"token", "basic-auth", "jaas.config", "http-headers", "credential", "private-key", "privatekey",
}

// IsSensitiveKey reports whether a configuration key holds a secret, by the same substring rule Flink uses to
// hide values in its logs (case-insensitive). Values of such keys never appear in errors or dry-run output.
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(key)
	for _, part := range sensitiveKeyParts {
		if strings.Contains(k, part) {
			return true
		}
	}
	return false
}
