package flinkconf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MemorySize is an amount of memory in bytes, as Flink's MemorySize options (jobmanager.memory.process.size,
// taskmanager.memory.managed.size, ...) hold it.
type MemorySize int64

// Binary multiples: Flink reads "k", "m", "g" and "t" as powers of 1024.
const (
	Byte     MemorySize = 1
	Kibibyte            = 1024 * Byte
	Mebibyte            = 1024 * Kibibyte
	Gibibyte            = 1024 * Mebibyte
	Tebibyte            = 1024 * Gibibyte
)

// memoryUnits lists Flink's MemoryUnit spellings, smallest first; the first spelling is the one String uses.
var memoryUnits = []struct {
	names      []string
	multiplier MemorySize
}{
	{[]string{"b", "bytes"}, Byte},
	{[]string{"k", "kb", "kibibytes"}, Kibibyte},
	{[]string{"m", "mb", "mebibytes"}, Mebibyte},
	{[]string{"g", "gb", "gibibytes"}, Gibibyte},
	{[]string{"t", "tb", "tebibytes"}, Tebibyte},
}

// memoryUnitList is the list of accepted units, for error messages.
const memoryUnitList = "b|bytes, k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes"

// errMemorySyntax is wrapped by every ParseMemorySize error.
var errMemorySyntax = errors.New("not a Flink memory size")

// ParseMemorySize parses text exactly as Flink's MemorySize.parseBytes does: optional surrounding whitespace,
// an unsigned decimal integer, optional whitespace, and an optional case-insensitive unit (b, k, m, g, t, their
// "kb"/"mb"/... forms or the long names "mebibytes" ...; no unit means bytes). Flink rejects fractions ("1.5g"),
// signs, decimal SI units ("1GB" is fine, "1GiB" is not) and values that overflow a signed 64-bit byte count, so
// ParseMemorySize does too.
func ParseMemorySize(text string) (MemorySize, error) {
	trimmed := trimJava(text)
	if trimmed == "" {
		return 0, fmt.Errorf("%w: empty value", errMemorySyntax)
	}
	pos := 0
	for pos < len(trimmed) && trimmed[pos] >= '0' && trimmed[pos] <= '9' {
		pos++
	}
	number, unit := trimmed[:pos], strings.ToLower(trimJava(trimmed[pos:]))
	if number == "" {
		return 0, fmt.Errorf("%w: %q does not start with a number", errMemorySyntax, text)
	}
	value, err := strconv.ParseInt(number, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q overflows a 64-bit number", errMemorySyntax, number)
	}
	multiplier := Byte
	if unit != "" {
		found := false
		for _, u := range memoryUnits {
			for _, name := range u.names {
				if name == unit {
					multiplier, found = u.multiplier, true
				}
			}
		}
		if !found {
			return 0, fmt.Errorf("%w: unit %q is not one of %s", errMemorySyntax, unit, memoryUnitList)
		}
	}
	if value > math.MaxInt64/int64(multiplier) {
		return 0, fmt.Errorf("%w: %q overflows a 64-bit byte count", errMemorySyntax, text)
	}
	return MemorySize(value) * multiplier, nil
}

// String renders the size with the largest unit that divides it exactly ("1600m", "2g", "100b"), a form
// ParseMemorySize and Flink read back to the same number of bytes.
func (m MemorySize) String() string {
	if m == 0 {
		return "0b"
	}
	for i := len(memoryUnits) - 1; i >= 0; i-- {
		u := memoryUnits[i]
		if m%u.multiplier == 0 {
			return strconv.FormatInt(int64(m/u.multiplier), 10) + u.names[0]
		}
	}
	return strconv.FormatInt(int64(m), 10) + "b"
}

// trimJava trims like Java's String.trim: every leading and trailing character at or below U+0020.
func trimJava(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
