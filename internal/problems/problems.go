package problems

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/internal/redact"
)

// Problem is one thing wrong: which setting, the value found, and what to do about it.
type Problem struct {
	// Field names the setting: a Go field ("Port", "Retry.MaxAttempts"), an option call
	// ("WithTimeout(-1s)"), a Flink key (taskmanager.numberOfTaskSlots) or a manifest path.
	Field string
	// Value is the offending value; nil or "" when the setting is missing or its value says
	// nothing more than Field. A string prints quoted, anything else with %v. A secret
	// reads as the redaction placeholder.
	Value any
	// Fix says what to change.
	Fix string
}

// String reads "Field = value: fix", or "Field: fix" without a value (nil or "").
func (p Problem) String() string {
	switch v := p.Value.(type) {
	case nil:
		return p.Field + ": " + p.Fix
	case string:
		if v == "" {
			return p.Field + ": " + p.Fix
		}
		return p.Field + " = " + strconv.Quote(v) + ": " + p.Fix
	default:
		return fmt.Sprintf("%s = %v: %s", p.Field, v, p.Fix)
	}
}

// Error lists every problem found in one configuration, option list or request. It unwraps to
// Kind, the sentinel of the package that made it.
type Error struct {
	// Package is the package reporting, such as "mysql"; it starts the message.
	Package string
	// What names the thing validated, such as "source configuration" or "RunJarRequest".
	What string
	// Problems in the order they were found.
	Problems []Problem
	// Kind is the package's sentinel (such as mysql.ErrInvalidConfig), or nil.
	Kind error
}

// New starts an empty list of problems of what, reported by package pkg and matching kind
// (which may be nil).
func New(pkg, what string, kind error) *Error {
	return &Error{Package: pkg, What: what, Kind: kind}
}

// Add records a problem. With args, fix is a format for them. A value of a field that holds
// a secret (redact.IsSecretKey) is recorded as the placeholder.
func (e *Error) Add(field string, value any, fix string, args ...any) {
	if len(args) > 0 {
		fix = fmt.Sprintf(fix, args...)
	}
	if value != nil && value != "" && redact.IsSecretKey(field) {
		value = redact.Placeholder
	}
	e.Problems = append(e.Problems, Problem{Field: field, Value: value, Fix: fix})
}

// Err returns e, or nil when it holds no problem.
func (e *Error) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Error reads "pkg: invalid what: problem" for one problem, and lists them one a line after
// "pkg: invalid what: N problems:" for several.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Package != "" {
		b.WriteString(e.Package)
		b.WriteString(": ")
	}
	b.WriteString("invalid ")
	b.WriteString(e.What)
	switch len(e.Problems) {
	case 0:
	case 1:
		b.WriteString(": ")
		b.WriteString(e.Problems[0].String())
	default:
		fmt.Fprintf(&b, ": %d problems:", len(e.Problems))
		for _, p := range e.Problems {
			b.WriteString("\n  - ")
			b.WriteString(p.String())
		}
	}
	return b.String()
}

// Unwrap returns Kind, so that errors.Is(err, kind) holds.
func (e *Error) Unwrap() error { return e.Kind }
