package deploy

import (
	"errors"

	"github.com/rtdw/rtdw/internal/problems"
	"github.com/rtdw/rtdw/internal/redact"
)

// ErrInvalidConfig is matched (with [errors.Is]) by every [ConfigError]: a configuration, resource or plan was
// rejected before anything ran.
var ErrInvalidConfig = errors.New("deploy: invalid configuration")

// Problem is one thing wrong with a configuration: which setting (Field: a Flink key such as
// taskmanager.numberOfTaskSlots, an XML property or a Go field path), the value found (Value:
// as written, "" when the setting is missing; a secret reads "<redacted>") and what to do
// about it (Fix).
type Problem = problems.Problem

// ConfigError lists every problem found in one configuration at once, so that a user fixes them in one pass
// instead of one per run; What names the thing validated, e.g. "Flink 1.20 configuration". It matches
// [ErrInvalidConfig] with [errors.Is].
type ConfigError = problems.Error

// invalid starts the list of problems of what.
func invalid(what string) *ConfigError { return problems.New("deploy", what, ErrInvalidConfig) }

// IsSensitiveKey reports whether a configuration key holds a secret, by the same substring rule Flink uses to
// hide values in its logs (case-insensitive). Values of such keys never appear in errors or dry-run output.
func IsSensitiveKey(key string) bool { return redact.IsSecretKey(key) }
