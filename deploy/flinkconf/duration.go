package flinkconf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// errDurationSyntax is wrapped by every parseFlinkDuration error.
var errDurationSyntax = errors.New("not a Flink duration")

// durationUnits are the unit spellings Flink's TimeUtils.parseDuration accepts.
var durationUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"min": time.Minute, "m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"µs": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond,
	"nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
}

// parseFlinkDuration parses Flink's Duration option syntax: an unsigned integer, optional whitespace and an
// optional unit ("30 s", "1min", "500ms"); no unit means milliseconds.
func parseFlinkDuration(text string) (time.Duration, error) {
	trimmed := trimJava(text)
	if trimmed == "" {
		return 0, fmt.Errorf("%w: empty value", errDurationSyntax)
	}
	pos := 0
	for pos < len(trimmed) && trimmed[pos] >= '0' && trimmed[pos] <= '9' {
		pos++
	}
	number, unit := trimmed[:pos], strings.ToLower(trimJava(trimmed[pos:]))
	if number == "" {
		return 0, fmt.Errorf("%w: %q does not start with a number", errDurationSyntax, text)
	}
	value, err := strconv.ParseInt(number, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q overflows a 64-bit number", errDurationSyntax, number)
	}
	multiplier := time.Millisecond
	if unit != "" {
		m, ok := durationUnits[unit]
		if !ok {
			return 0, fmt.Errorf("%w: unit %q is not one of d, h, min, s, ms, µs, ns (or their long names)", errDurationSyntax, unit)
		}
		multiplier = m
	}
	if value > math.MaxInt64/int64(multiplier) {
		return 0, fmt.Errorf("%w: %q is too long", errDurationSyntax, text)
	}
	return time.Duration(value) * multiplier, nil
}
