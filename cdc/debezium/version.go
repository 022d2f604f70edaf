package debezium

import (
	"errors"
	"regexp"
	"strconv"
)

// release is a Debezium version number.
type release struct{ major, minor, patch int }

func (r release) atLeast(major, minor, patch int) bool {
	if r.major != major {
		return r.major > major
	}
	if r.minor != minor {
		return r.minor > minor
	}
	return r.patch >= patch
}

// releasePattern is Debezium's version syntax: 2.7.3.Final, 2.7.0.Beta1.
var releasePattern = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.[A-Za-z][A-Za-z0-9]*)?$`)

var errRelease = errors.New(`use a Debezium version the encoder writes: 1.9.x (default "` + DefaultVersion +
	`", Flink CDC 3's) or 2.0.x to 2.7.x, such as "2.7.3.Final"`)

// parseRelease parses v and checks that the encoder writes its shape.
func parseRelease(v string) (release, error) {
	m := releasePattern.FindStringSubmatch(v)
	if m == nil {
		return release{}, errRelease
	}
	var r release
	r.major, _ = strconv.Atoi(m[1])
	r.minor, _ = strconv.Atoi(m[2])
	r.patch, _ = strconv.Atoi(m[3])
	if (r.major == 1 && r.minor == 9) || (r.major == 2 && r.minor <= 7) {
		return r, nil
	}
	return release{}, errRelease
}

// shape is what a Debezium release changes in the output; see [Version].
type shape struct {
	// v2 (2.0): "first" snapshot marker; versioned envelope and schema
	// change schemas; event.block transaction schema; schema change ts_ms
	// and column defaultValueExpression and enumValues.
	v2 bool
	// paddedTimestamps (2.1.2): ZonedTimestamp with the column's fractional
	// digits.
	paddedTimestamps bool
	// optionalChangeTable (2.4): a schema change's table is optional.
	optionalChangeTable bool
	// microTimestamps (2.6): ts_us and ts_ns in the envelope and source.
	microTimestamps bool
	// optionalSourceMicros (2.6.2): source ts_us and ts_ns optional.
	optionalSourceMicros bool
	// transactionFirst (2.7): the transaction block before op.
	transactionFirst bool
}

func shapeOf(r release) shape {
	return shape{
		v2:                   r.atLeast(2, 0, 0),
		paddedTimestamps:     r.atLeast(2, 1, 2),
		optionalChangeTable:  r.atLeast(2, 4, 0),
		microTimestamps:      r.atLeast(2, 6, 0),
		optionalSourceMicros: r.atLeast(2, 6, 2),
		transactionFirst:     r.atLeast(2, 7, 0),
	}
}
