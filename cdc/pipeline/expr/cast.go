package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// castTarget returns the base and cdc type of a CAST's target type.
func castTarget(t TypeName) (base, cdc.ColumnType, string) {
	p := t.Params
	param := func(i, def int) int {
		if i < len(p) {
			return p[i]
		}
		return def
	}
	maxParams := 0
	var b base
	var ct cdc.ColumnType
	switch t.Name {
	case "STRING", "TEXT":
		b, ct = bString, stringType(0)
	case "VARCHAR", "CHAR":
		maxParams = 1
		b, ct = bString, stringType(param(0, 0))
	case "BOOLEAN", "BOOL":
		b, ct = bBool, typeBool
	case "TINYINT":
		b, ct = bInt, cdc.ColumnType{Kind: cdc.KindTinyInt, Raw: "tinyint"}
	case "SMALLINT":
		b, ct = bInt, cdc.ColumnType{Kind: cdc.KindSmallInt, Raw: "smallint"}
	case "INT", "INTEGER":
		b, ct = bInt, typeInt
	case "BIGINT":
		b, ct = bInt, typeBigInt
	case "FLOAT":
		b, ct = bFloat, cdc.ColumnType{Kind: cdc.KindFloat, Raw: "float"}
	case "DOUBLE", "REAL":
		b, ct = bFloat, typeDouble
	case "DECIMAL", "NUMERIC", "DEC":
		maxParams = 2
		prec, scale := param(0, 10), param(1, 0)
		if prec < 1 || prec > 65 || scale > 30 || scale > prec {
			return 0, ct, "DECIMAL(p, s) needs a precision of 1-65 and a scale of 0-30 at most the precision"
		}
		b, ct = bDecimal, decimalType(prec, scale)
	case "DATE":
		b, ct = bDate, typeDate
	case "TIME":
		maxParams = 1
		b, ct = bTime, timeType(min(param(0, 0), 6))
	case "TIMESTAMP":
		maxParams = 1
		b, ct = bTimestamp, timestampType(min(param(0, 6), 6), false)
	case "TIMESTAMP_LTZ":
		maxParams = 1
		b, ct = bTimestamp, timestampType(min(param(0, 6), 6), true)
	case "BYTES":
		b, ct = bBytes, bytesType(0)
	case "BINARY", "VARBINARY":
		maxParams = 1
		b, ct = bBytes, bytesType(param(0, 0))
	default:
		return 0, ct, fmt.Sprintf("unknown type %s; CAST to STRING, VARCHAR(n), BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), DATE, TIME, TIMESTAMP(p), TIMESTAMP_LTZ(p) or BYTES", t.Name)
	}
	if len(p) > maxParams {
		return 0, ct, fmt.Sprintf("%s takes at most %d parameters", t.Name, maxParams)
	}
	return b, ct, ""
}

// castable reports whether CAST converts from base a to base b.
func castable(a, b base) bool {
	switch {
	case a == b, a == bNull, b == bString:
		return true
	case b == bBool:
		return a.numeric() || a == bString
	case b.numeric():
		return a.numeric() || a == bString || a == bBool
	case b == bDate || b == bTimestamp:
		return a == bString || a == bDate || a == bTimestamp
	case b == bTime:
		return a == bString || a == bTimestamp
	case b == bBytes:
		return a == bString
	}
	return false
}

func (c *compiler) cast(e *Cast) node {
	x := c.compile(e.X)
	if x.eval == nil {
		return node{}
	}
	b, ct, msg := castTarget(e.Type)
	if msg != "" {
		return c.bad(e, "%s", msg)
	}
	if !castable(x.b, b) {
		return c.bad(e, "cannot CAST %s to %s", x.b, e.Type)
	}
	// An instant (TIMESTAMP_LTZ, a TIMESTAMP column) becomes text, a date,
	// a time or a DATETIME as its wall clock in the session zone; a wall
	// clock becomes an instant in the session zone.
	toInstant := false
	if instant(x) && !(b == bTimestamp && ct.Kind == cdc.KindTimestamp) {
		x = c.toWallClock(x)
	} else if !instant(x) && b == bTimestamp && ct.Kind == cdc.KindTimestamp {
		toInstant = true
	}
	loc := c.opts.location()
	try := e.Try
	from := x.b
	return node{b: b, ct: ct, constant: x.constant, eval: func(ctx evalCtx) (value, error) {
		v, err := x.eval(ctx)
		if err != nil || v.null {
			return v, err
		}
		out, err := convert(v, from, x.ct, b, ct)
		if err == nil && toInstant {
			w := out.time()
			out = timeValue(time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc))
		}
		if err != nil {
			if try {
				return nullValue, nil
			}
			return value{}, evalErr(e, "%v", err)
		}
		return out, nil
	}}
}

// intRange returns the range of an integer column kind.
func intRange(k cdc.Kind) (int64, int64) {
	switch k {
	case cdc.KindTinyInt:
		return math.MinInt8, math.MaxInt8
	case cdc.KindSmallInt:
		return math.MinInt16, math.MaxInt16
	case cdc.KindMediumInt:
		return -1 << 23, 1<<23 - 1
	case cdc.KindInt:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

var (
	minInt64 = decimal.NewFromInt(math.MinInt64)
	maxInt64 = decimal.NewFromInt(math.MaxInt64)
)

// convert converts v from base a (of type act) into base b (of type ct).
func convert(v value, a base, act cdc.ColumnType, b base, ct cdc.ColumnType) (value, error) {
	if v.null {
		return v, nil
	}
	switch b {
	case bString:
		s := formatValue(v, a, act)
		if ct.Kind == cdc.KindVarChar && ct.Length > 0 {
			s = truncateRunes(s, ct.Length)
		}
		return value{s: s}, nil
	case bBool:
		switch a {
		case bBool:
			return v, nil
		case bString:
			switch strings.ToLower(strings.TrimSpace(v.s)) {
			case "true", "1":
				return boolValue(true), nil
			case "false", "0":
				return boolValue(false), nil
			}
			return value{}, fmt.Errorf("%q is not a BOOLEAN (true, false, 1 or 0)", v.s)
		case bInt:
			return boolValue(v.i != 0), nil
		case bDecimal:
			return boolValue(!v.d.IsZero()), nil
		case bFloat:
			return boolValue(v.f != 0), nil
		}
	case bInt:
		var i int64
		switch a {
		case bInt, bBool:
			i = v.i
		case bDecimal:
			t := v.d.Truncate(0)
			if t.LessThan(minInt64) || t.GreaterThan(maxInt64) {
				return value{}, fmt.Errorf("%s is out of the range of %s", v.d, ct.Kind)
			}
			i = t.IntPart()
		case bFloat:
			if math.IsNaN(v.f) || v.f < math.MinInt64 || v.f >= math.MaxInt64 {
				return value{}, fmt.Errorf("%v is out of the range of %s", v.f, ct.Kind)
			}
			i = int64(v.f)
		case bString:
			n, err := strconv.ParseInt(strings.TrimSpace(v.s), 10, 64)
			if err != nil {
				return value{}, fmt.Errorf("%q is not an integer", v.s)
			}
			i = n
		}
		lo, hi := intRange(ct.Kind)
		if i < lo || i > hi {
			return value{}, fmt.Errorf("%d is out of the range of %s (%d to %d)", i, ct.Kind, lo, hi)
		}
		return value{i: i}, nil
	case bFloat:
		var f float64
		switch a {
		case bString:
			x, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
			if err != nil {
				return value{}, fmt.Errorf("%q is not a number", v.s)
			}
			f = x
		default:
			f = toFloat(v, a)
		}
		if ct.Kind == cdc.KindFloat {
			if math.Abs(f) > math.MaxFloat32 {
				return value{}, fmt.Errorf("%v is out of the range of FLOAT", f)
			}
			f = float64(float32(f))
		}
		return value{f: f}, nil
	case bDecimal:
		var d decimal.Decimal
		switch a {
		case bString:
			x, err := decimal.NewFromString(strings.TrimSpace(v.s))
			if err != nil {
				return value{}, fmt.Errorf("%q is not a number", v.s)
			}
			d = x
		case bFloat:
			if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
				return value{}, fmt.Errorf("%v is not a DECIMAL", v.f)
			}
			d = decimal.NewFromFloat(v.f)
		default:
			d = toDecimal(v, a)
		}
		return fitDecimal(d, ct)
	case bDate:
		switch a {
		case bString:
			t, err := parseDate(v.s)
			return timeValue(t), err
		case bDate, bTimestamp:
			y, m, d := v.time().Date()
			return timeValue(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)), nil
		}
	case bTimestamp:
		switch a {
		case bString:
			t, _, err := parseTimestamp(v.s)
			if err != nil {
				return value{}, err
			}
			return timeValue(t.Truncate(fspUnit(ct.FSP))), nil
		case bDate, bTimestamp:
			return timeValue(v.time().Truncate(fspUnit(ct.FSP))), nil
		}
	case bTime:
		switch a {
		case bString:
			d, _, err := parseTimeOfDay(v.s)
			return value{i: int64(d)}, err
		case bTimestamp:
			h, m, s := v.time().Clock()
			return value{i: int64(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(v.time().Nanosecond()))}, nil
		case bTime:
			return v, nil
		}
	case bBytes:
		switch a {
		case bString:
			return value{s: v.s}, nil
		case bBytes:
			return v, nil
		}
	}
	return value{}, fmt.Errorf("cannot convert %s to %s", a, b)
}

func fspUnit(fsp int) time.Duration {
	d := time.Second
	for range fsp {
		d /= 10
	}
	return max(d, time.Nanosecond)
}

// fitDecimal rounds d half up to ct's scale and checks it fits ct's
// precision.
func fitDecimal(d decimal.Decimal, ct cdc.ColumnType) (value, error) {
	if ct.Kind != cdc.KindDecimal {
		return value{d: d}, nil
	}
	d = d.Round(int32(ct.Scale))
	intDigits := len(d.Abs().Truncate(0).String())
	if d.Abs().LessThan(decimal.NewFromInt(1)) {
		intDigits = 0
	}
	if intDigits > ct.Precision-ct.Scale {
		return value{}, fmt.Errorf("%s does not fit DECIMAL(%d, %d)", d, ct.Precision, ct.Scale)
	}
	return value{d: d}, nil
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// formatValue renders v, of base b and type ct, as CAST(v AS STRING)
// does.
func formatValue(v value, b base, ct cdc.ColumnType) string {
	switch b {
	case bBool:
		if v.i != 0 {
			return "true"
		}
		return "false"
	case bInt:
		if ct.Unsigned || ct.Kind == cdc.KindBit {
			return strconv.FormatUint(uint64(v.i), 10)
		}
		return strconv.FormatInt(v.i, 10)
	case bDecimal:
		if ct.Kind == cdc.KindDecimal {
			return v.d.StringFixed(int32(ct.Scale))
		}
		return v.d.String()
	case bFloat:
		bitSize := 64
		if ct.Kind == cdc.KindFloat {
			bitSize = 32
		}
		return javaDouble(v.f, bitSize)
	case bString:
		return v.s
	case bBytes:
		return v.s
	case bDate:
		return v.time().Format(time.DateOnly)
	case bTimestamp:
		return formatTimestamp(v.time(), ct.FSP)
	case bTime:
		return formatTimeOfDay(time.Duration(v.i), ct.FSP)
	}
	return ""
}

func formatTimestamp(t time.Time, fsp int) string {
	layout := time.DateTime
	if fsp > 0 {
		layout += "." + strings.Repeat("0", fsp)
	}
	return t.Format(layout)
}

func formatTimeOfDay(d time.Duration, fsp int) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h := d / time.Hour
	m := d % time.Hour / time.Minute
	s := d % time.Minute / time.Second
	out := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
	if fsp > 0 {
		ns := fmt.Sprintf("%09d", d%time.Second)
		out += "." + ns[:fsp]
	}
	return out
}

// parseDate reads yyyy-MM-dd.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a DATE (yyyy-MM-dd)", s)
	}
	return t, nil
}

// parseTimestamp reads yyyy-MM-dd[( |T)HH:mm[:ss[.fraction]]], the ISO
// local date-time Flink CDC's CAST takes and the form MySQL prints; it
// returns the digits of the fraction too.
func parseTimestamp(s string) (time.Time, int, error) {
	in := strings.TrimSpace(s)
	if len(in) == 10 {
		t, err := parseDate(in)
		return t, 0, err
	}
	if len(in) > 10 && in[10] == 'T' {
		in = in[:10] + " " + in[11:]
	}
	fsp := 0
	if i := strings.LastIndexByte(in, '.'); i > 10 {
		fsp = len(in) - i - 1
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, in); err == nil {
			return t, min(fsp, 6), nil
		}
	}
	return time.Time{}, 0, fmt.Errorf("%q is not a TIMESTAMP (yyyy-MM-dd HH:mm:ss[.fraction])", s)
}

// parseTimeOfDay reads HH:mm[:ss[.fraction]].
func parseTimeOfDay(s string) (time.Duration, int, error) {
	in := strings.TrimSpace(s)
	fsp := 0
	if i := strings.LastIndexByte(in, '.'); i >= 0 {
		fsp = len(in) - i - 1
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.Parse(layout, in); err == nil {
			return t.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)), min(fsp, 6), nil
		}
	}
	return 0, 0, fmt.Errorf("%q is not a TIME (HH:mm:ss[.fraction])", s)
}

// javaDouble writes f as Java's Double.toString (Float.toString for
// bitSize 32) does, which Flink CDC's CAST to STRING uses: the shortest
// digits that read back, plain with at least one fraction digit from 1e-3
// up to 1e7 (100.0, 0.001), in computerized scientific notation outside it
// (1.0E10, 1.5E-4).
func javaDouble(f float64, bitSize int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bitSize)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, bitSize) // 1.5E+10, 1E-04
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
