package debezium

import (
	"math"
	"strconv"
)

// appendJavaFloat appends f as Java's Double.toString (bitSize 64) or
// Float.toString (bitSize 32) writes it, which is what Kafka's JSON
// converter prints for FLOAT64 and FLOAT32 fields: plain notation with at
// least one fractional digit for magnitudes in [1e-3, 1e7), otherwise
// "computerized scientific notation" such as 1.0E7 or 1.5E-5.
func appendJavaFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, bitSize)
		for _, b := range dst[start:] {
			if b == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bitSize)
	if len(e) > 1 && (e[1] == 'e' || (e[0] == '-' && e[2] == 'e')) {
		// One significant digit: Java writes the two-digit decimal nearest
		// the value (4.9E-324 for the smallest double, 1.0E-5 for 1e-5).
		e = strconv.AppendFloat(tmp[:0], f, 'e', 1, bitSize)
	}
	// Go: 1.5e-05, 1e+07. Java: 1.5E-5, 1.0E7.
	i := 0
	for e[i] != 'e' {
		i++
	}
	mant, exp := e[:i], e[i+1:]
	dst = append(dst, mant...)
	hasDot := false
	for _, b := range mant {
		if b == '.' {
			hasDot = true
		}
	}
	if !hasDot {
		dst = append(dst, '.', '0')
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(dst, exp...)
}
