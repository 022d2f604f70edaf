package expr

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

func addTemporalFunctions() {
	clock := func(name string) function {
		return function{0, 0, func(c *compiler, e *Call, _ []node) node { return c.clock(e, name) }}
	}
	for _, n := range []string{"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "NOW"} {
		functions[n] = clock(n)
	}
	for _, n := range []string{"YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK", "HOUR", "MINUTE", "SECOND"} {
		functions[n] = function{1, 1, (*compiler).extract}
	}
	functions["EXTRACT"] = function{1, 1, (*compiler).extract}
	functions["DATE_FORMAT"] = function{2, 2, (*compiler).dateFormat}
	functions["DATE_FORMAT_TZ"] = function{3, 3, (*compiler).dateFormat}
	functions["TIMESTAMPADD"] = function{2, 2, (*compiler).timestampAdd}
	functions["TIMESTAMPDIFF"] = function{2, 2, (*compiler).timestampDiff}
	functions["DATE_ADD"] = function{2, 2, (*compiler).dateAdd}
	functions["TO_DATE"] = function{1, 2, (*compiler).parseTemporal}
	functions["TO_TIMESTAMP"] = function{1, 2, (*compiler).parseTemporal}
	functions["TO_TIMESTAMP_LTZ"] = function{1, 2, (*compiler).parseTemporal}
	functions["UNIX_TIMESTAMP"] = function{0, 2, (*compiler).unixTimestamp}
	functions["FROM_UNIXTIME"] = function{1, 2, (*compiler).fromUnixtime}
}

// wallClock returns t as the wall clock its column means: a TIMESTAMP
// column (an instant) in the session zone, a DATETIME or DATE as stored.
func (c *compiler) wallClock(n node, t time.Time) time.Time {
	if n.ct.Kind == cdc.KindTimestamp {
		w := t.In(c.opts.location())
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
	}
	return t
}

// clock compiles the functions of the current time. CURRENT_TIMESTAMP and
// NOW() are the instant (TIMESTAMP_LTZ(3), a MySQL TIMESTAMP(3)); the
// LOCAL* ones and CURRENT_DATE and CURRENT_TIME the wall clock of the
// session zone.
func (c *compiler) clock(e *Call, name string) node {
	loc := c.opts.location()
	now := c.now
	wall := func() time.Time {
		w := now().In(loc)
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
	}
	switch name {
	case "CURRENT_DATE":
		return node{b: bDate, ct: typeDate, eval: func(evalCtx) (value, error) {
			w := wall()
			return timeValue(time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)), nil
		}}
	case "CURRENT_TIME", "LOCALTIME":
		return node{b: bTime, ct: timeType(0), eval: func(evalCtx) (value, error) {
			w := wall()
			return value{i: int64(time.Duration(w.Hour())*time.Hour + time.Duration(w.Minute())*time.Minute + time.Duration(w.Second())*time.Second)}, nil
		}}
	case "LOCALTIMESTAMP":
		return node{b: bTimestamp, ct: timestampType(3, false), eval: func(evalCtx) (value, error) {
			return timeValue(wall().Truncate(time.Millisecond)), nil
		}}
	}
	return node{b: bTimestamp, ct: timestampType(3, true), eval: func(evalCtx) (value, error) {
		return timeValue(now().UTC().Truncate(time.Millisecond)), nil
	}}
}

func (c *compiler) extract(e *Call, args []node) node {
	unit := e.Name
	if e.Name == "EXTRACT" {
		unit = e.Unit
	}
	switch unit {
	case "DAY":
		unit = "DAYOFMONTH"
	case "DOY":
		unit = "DAYOFYEAR"
	case "DOW":
		unit = "DAYOFWEEK"
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK", "HOUR", "MINUTE", "SECOND":
	default:
		return c.bad(e, "unknown time unit %s; use YEAR, QUARTER, MONTH, WEEK, DAY, DOY, DOW, HOUR, MINUTE or SECOND", unit)
	}
	x := args[0]
	if x.b == bTime {
		if unit != "HOUR" && unit != "MINUTE" && unit != "SECOND" {
			return c.bad(e, "a TIME has no %s", unit)
		}
		return fn1(e, bInt, typeBigInt, x, func(a value) (value, error) {
			d := time.Duration(a.i)
			switch unit {
			case "HOUR":
				return value{i: int64(d / time.Hour)}, nil
			case "MINUTE":
				return value{i: int64(d % time.Hour / time.Minute)}, nil
			}
			return value{i: int64(d % time.Minute / time.Second)}, nil
		})
	}
	if !c.want(e, args, 0, "a DATE or TIMESTAMP", bDate, bTimestamp) {
		return node{}
	}
	return fn1(e, bInt, typeBigInt, x, func(a value) (value, error) {
		t := c.wallClock(x, a.time())
		var v int
		switch unit {
		case "YEAR":
			v = t.Year()
		case "QUARTER":
			v = (int(t.Month())-1)/3 + 1
		case "MONTH":
			v = int(t.Month())
		case "WEEK":
			_, v = t.ISOWeek()
		case "DAYOFYEAR":
			v = t.YearDay()
		case "DAYOFMONTH":
			v = t.Day()
		case "DAYOFWEEK":
			v = int(t.Weekday()) + 1
		case "HOUR":
			v = t.Hour()
		case "MINUTE":
			v = t.Minute()
		default:
			v = t.Second()
		}
		return value{i: int64(v)}, nil
	})
}

// dateFormat formats a DATE, TIMESTAMP, TIME or a timestamp string with a
// Java SimpleDateFormat pattern; DATE_FORMAT_TZ first moves the instant
// into the given zone.
func (c *compiler) dateFormat(e *Call, args []node) node {
	if !c.want(e, args, 0, "a DATE, TIME, TIMESTAMP or string", bDate, bTimestamp, bTime, bString) || !c.want(e, args, 1, "a string", bString) {
		return node{}
	}
	x := args[0]
	pattern := c.constPattern(e, args[1])
	if pattern == nil && args[1].constant {
		return node{}
	}
	tz := optional(args, 2, bString, value{s: ""})
	if len(args) == 3 && !c.want(e, args, 2, "a string", bString) {
		return node{}
	}
	return fn3(e, bString, stringType(0), x, args[1], tz, func(a, p, z value) (value, error) {
		var t time.Time
		switch x.b {
		case bString:
			ts, _, err := parseTimestamp(a.s)
			if err != nil {
				return value{}, err
			}
			t = ts
		case bTime:
			t = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(a.i))
		default:
			t = c.wallClock(x, a.time())
		}
		if z.s != "" {
			loc, err := zone(z.s)
			if err != nil {
				return value{}, err
			}
			if x.ct.Kind == cdc.KindTimestamp {
				t = a.time().In(loc)
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.opts.location()).In(loc)
			}
		}
		f := pattern
		if f == nil {
			var err error
			if f, err = parseJavaPattern(p.s); err != nil {
				return value{}, err
			}
		}
		return value{s: f.format(t)}, nil
	})
}

// zone reads a zone ID such as Asia/Shanghai or an offset such as +08:00.
func zone(s string) (*time.Location, error) {
	if len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' {
		h, err1 := strconv.Atoi(s[1:3])
		m, err2 := strconv.Atoi(s[4:6])
		if err1 == nil && err2 == nil {
			off := h*3600 + m*60
			if s[0] == '-' {
				off = -off
			}
			return time.FixedZone(s, off), nil
		}
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Asia/Shanghai or an offset such as +08:00", s)
	}
	return loc, nil
}

// constPattern parses a constant date pattern at compile time, reporting
// a bad one; it returns nil when the pattern is not constant.
func (c *compiler) constPattern(e *Call, n node) *javaPattern {
	if !n.constant {
		return nil
	}
	v, err := n.eval(evalCtx{})
	if err != nil || v.null {
		return nil
	}
	p, err := parseJavaPattern(v.s)
	if err != nil {
		c.problem(e.String(), "%v", err)
		return nil
	}
	return p
}

var unitDurations = map[string]time.Duration{
	"SECOND": time.Second, "MINUTE": time.Minute, "HOUR": time.Hour, "DAY": 24 * time.Hour, "WEEK": 7 * 24 * time.Hour,
}

var unitMonths = map[string]int{"MONTH": 1, "QUARTER": 3, "YEAR": 12}

// addMonths adds n months, ending on the last day of the month when the
// day does not exist there (Jan 31 + 1 month is Feb 28 or 29), as Java and
// MySQL do.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	ny := y + total/12
	nm := total % 12
	if nm < 0 {
		nm += 12
		ny--
	}
	last := time.Date(ny, time.Month(nm+2), 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ny, time.Month(nm+1), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

func (c *compiler) timestampAdd(e *Call, args []node) node {
	unit := e.Unit
	_, isDur := unitDurations[unit]
	_, isMonth := unitMonths[unit]
	if !isDur && !isMonth {
		return c.bad(e, "unknown time unit %s; use SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR", unit)
	}
	if !c.want(e, args, 0, "a whole number", bInt) || !c.want(e, args, 1, "a DATE or TIMESTAMP", bDate, bTimestamp) {
		return node{}
	}
	t := args[1]
	b, ct := t.b, t.ct
	if t.b == bDate && (unit == "SECOND" || unit == "MINUTE" || unit == "HOUR") {
		b, ct = bTimestamp, timestampType(0, false)
	}
	return fn2(e, b, ct, args[0], t, func(n, v value) (value, error) {
		if isMonth {
			return timeValue(addMonths(v.time(), int(n.i)*unitMonths[unit])), nil
		}
		d := unitDurations[unit]
		if n.i > math.MaxInt64/int64(d) || n.i < math.MinInt64/int64(d) {
			return value{}, fmt.Errorf("%d %s is out of range", n.i, unit)
		}
		return timeValue(v.time().Add(time.Duration(n.i) * d)), nil
	})
}

// timestampDiff counts whole units from the first to the second time, as
// MySQL's TIMESTAMPDIFF does (a month is counted once its day and time of
// day are reached).
func (c *compiler) timestampDiff(e *Call, args []node) node {
	unit := e.Unit
	_, isDur := unitDurations[unit]
	_, isMonth := unitMonths[unit]
	if !isDur && !isMonth {
		return c.bad(e, "unknown time unit %s; use SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR", unit)
	}
	if !c.want(e, args, 0, "a DATE or TIMESTAMP", bDate, bTimestamp) || !c.want(e, args, 1, "a DATE or TIMESTAMP", bDate, bTimestamp) {
		return node{}
	}
	from, to := c.sameClock(args[0], args[1])
	return fn2(e, bInt, typeBigInt, from, to, func(a, b value) (value, error) {
		if isDur {
			return value{i: int64(b.time().Sub(a.time()) / unitDurations[unit])}, nil
		}
		from, to, sign := a.time(), b.time(), int64(1)
		if to.Before(from) {
			from, to, sign = to, from, -1
		}
		months := int64((to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month()))
		// Not yet a whole month when the day and time of day are not reached.
		if to.Day() < from.Day() || to.Day() == from.Day() && clockOf(to) < clockOf(from) {
			months--
		}
		return value{i: sign * months / int64(unitMonths[unit])}, nil
	})
}

func clockOf(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
}

// dateAdd adds days to a DATE (or a TIMESTAMP, or a date string).
func (c *compiler) dateAdd(e *Call, args []node) node {
	if !c.want(e, args, 0, "a DATE, TIMESTAMP or date string", bDate, bTimestamp, bString) || !c.want(e, args, 1, "a whole number of days", bInt) {
		return node{}
	}
	x := args[0]
	b, ct := x.b, x.ct
	if b == bString {
		b, ct = bDate, typeDate
	}
	return fn2(e, b, ct, x, args[1], func(a, n value) (value, error) {
		t := a.time()
		if x.b == bString {
			var err error
			if t, err = parseDate(a.s); err != nil {
				return value{}, err
			}
		}
		if n.i > 1<<24 || n.i < -(1<<24) {
			return value{}, fmt.Errorf("%d days is out of range", n.i)
		}
		return timeValue(t.AddDate(0, 0, int(n.i))), nil
	})
}

// parseTemporal compiles TO_DATE, TO_TIMESTAMP and TO_TIMESTAMP_LTZ of a
// string with an optional Java pattern (TO_DATE also of a timestamp).
func (c *compiler) parseTemporal(e *Call, args []node) node {
	x := args[0]
	if e.Name == "TO_DATE" && (x.b == bTimestamp || x.b == bDate) && len(args) == 1 {
		return fn1(e, bDate, typeDate, x, func(a value) (value, error) {
			t := c.wallClock(x, a.time())
			return timeValue(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)), nil
		})
	}
	if !c.want(e, args, 0, "a string", bString) || len(args) == 2 && !c.want(e, args, 1, "a string", bString) {
		return node{}
	}
	def := "yyyy-MM-dd HH:mm:ss"
	b, ct := bTimestamp, timestampType(3, e.Name == "TO_TIMESTAMP_LTZ")
	if e.Name == "TO_DATE" {
		def, b, ct = "yyyy-MM-dd", bDate, typeDate
	}
	pat := optional(args, 1, bString, value{s: def})
	fixed := c.constPattern(e, pat)
	if fixed == nil && pat.constant {
		return node{}
	}
	loc := c.opts.location()
	ltz := e.Name == "TO_TIMESTAMP_LTZ"
	return fn2(e, b, ct, x, pat, func(a, p value) (value, error) {
		f := fixed
		if f == nil {
			var err error
			if f, err = parseJavaPattern(p.s); err != nil {
				return value{}, err
			}
		}
		in := time.UTC
		if ltz {
			in = loc
		}
		t, err := f.parse(a.s, in)
		if err != nil {
			// Flink CDC returns NULL for text its pattern does not read.
			return nullValue, nil
		}
		if b == bDate {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		return timeValue(t.UTC()), nil
	})
}

// unixTimestamp is UNIX_TIMESTAMP(): the current second; or
// UNIX_TIMESTAMP(s[, pattern]): s read in the session zone, with
// math.MinInt64 for text the pattern does not read, as Flink CDC
// documents.
func (c *compiler) unixTimestamp(e *Call, args []node) node {
	if len(args) == 0 {
		now := c.now
		return node{b: bInt, ct: typeBigInt, eval: func(evalCtx) (value, error) { return value{i: now().Unix()}, nil }}
	}
	if !c.want(e, args, 0, "a string", bString) || len(args) == 2 && !c.want(e, args, 1, "a string", bString) {
		return node{}
	}
	pat := optional(args, 1, bString, value{s: "yyyy-MM-dd HH:mm:ss"})
	fixed := c.constPattern(e, pat)
	if fixed == nil && pat.constant {
		return node{}
	}
	loc := c.opts.location()
	return fn2(e, bInt, typeBigInt, args[0], pat, func(a, p value) (value, error) {
		f := fixed
		if f == nil {
			var err error
			if f, err = parseJavaPattern(p.s); err != nil {
				return value{}, err
			}
		}
		t, err := f.parse(a.s, loc)
		if err != nil {
			return value{i: math.MinInt64}, nil
		}
		return value{i: t.Unix()}, nil
	})
}

// fromUnixtime formats epoch seconds in the session zone.
func (c *compiler) fromUnixtime(e *Call, args []node) node {
	if !c.want(e, args, 0, "a number of seconds", bInt, bDecimal, bFloat) || len(args) == 2 && !c.want(e, args, 1, "a string", bString) {
		return node{}
	}
	pat := optional(args, 1, bString, value{s: "yyyy-MM-dd HH:mm:ss"})
	fixed := c.constPattern(e, pat)
	if fixed == nil && pat.constant {
		return node{}
	}
	loc := c.opts.location()
	x := args[0]
	return fn2(e, bString, stringType(0), x, pat, func(a, p value) (value, error) {
		f := fixed
		if f == nil {
			var err error
			if f, err = parseJavaPattern(p.s); err != nil {
				return value{}, err
			}
		}
		sec := toFloat(a, x.b)
		if x.b == bInt {
			return value{s: f.format(time.Unix(a.i, 0).In(loc))}, nil
		}
		whole := math.Floor(sec)
		return value{s: f.format(time.Unix(int64(whole), int64((sec-whole)*1e9)).In(loc))}, nil
	})
}

// javaPattern is a parsed java.text.SimpleDateFormat pattern.
type javaPattern struct {
	src    string
	fields []patternField
}

type patternField struct {
	letter byte // 0 for literal text
	count  int
	text   string
}

// parseJavaPattern reads the letters rtdw supports: y M d H h m s S a E D
// and the literal text between them ('quoted' or not a letter).
func parseJavaPattern(s string) (*javaPattern, error) {
	p := &javaPattern{src: s}
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				p.fields = append(p.fields, patternField{text: "'"})
				i += 2
				continue
			}
			j := i + 1
			var sb strings.Builder
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("date pattern %q: quote not closed", s)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(s[j])
				j++
			}
			p.fields = append(p.fields, patternField{text: sb.String()})
			i = j + 1
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			j := i
			for j < len(s) && s[j] == ch {
				j++
			}
			if !strings.ContainsRune("yMdHhmsSaED", rune(ch)) {
				return nil, fmt.Errorf("date pattern %q: letter %c is not supported; use y M d H h m s S a E D and quote literal text ('T')", s, ch)
			}
			p.fields = append(p.fields, patternField{letter: ch, count: j - i})
			i = j
		default:
			p.fields = append(p.fields, patternField{text: string(ch)})
			i++
		}
	}
	return p, nil
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func (p *javaPattern) format(t time.Time) string {
	var sb strings.Builder
	for _, f := range p.fields {
		switch f.letter {
		case 0:
			sb.WriteString(f.text)
		case 'y':
			if f.count == 2 {
				sb.WriteString(pad(t.Year()%100, 2))
			} else {
				sb.WriteString(pad(t.Year(), f.count))
			}
		case 'M':
			switch {
			case f.count >= 4:
				sb.WriteString(t.Month().String())
			case f.count == 3:
				sb.WriteString(t.Month().String()[:3])
			default:
				sb.WriteString(pad(int(t.Month()), f.count))
			}
		case 'd':
			sb.WriteString(pad(t.Day(), f.count))
		case 'D':
			sb.WriteString(pad(t.YearDay(), f.count))
		case 'H':
			sb.WriteString(pad(t.Hour(), f.count))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			sb.WriteString(pad(h, f.count))
		case 'm':
			sb.WriteString(pad(t.Minute(), f.count))
		case 's':
			sb.WriteString(pad(t.Second(), f.count))
		case 'S':
			ms := pad(t.Nanosecond()/int(time.Millisecond), 3)
			if f.count <= 3 {
				sb.WriteString(pad(t.Nanosecond()/int(time.Millisecond), f.count))
			} else {
				sb.WriteString(ms + strings.Repeat("0", f.count-3))
			}
		case 'a':
			if t.Hour() < 12 {
				sb.WriteString("AM")
			} else {
				sb.WriteString("PM")
			}
		case 'E':
			if f.count >= 4 {
				sb.WriteString(t.Weekday().String())
			} else {
				sb.WriteString(t.Weekday().String()[:3])
			}
		}
	}
	return sb.String()
}

// parse reads s with the pattern, numbers by their digits, in zone loc.
func (p *javaPattern) parse(s string, loc *time.Location) (time.Time, error) {
	year, month, day, hour, minute, sec, nsec := 1970, 1, 1, 0, 0, 0, 0
	pm, hasAmPm, h12 := false, false, false
	fail := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%q does not match the date pattern %q", s, p.src)
	}
	i := 0
	for k, f := range p.fields {
		if f.letter == 0 {
			if !strings.HasPrefix(s[i:], f.text) {
				return fail()
			}
			i += len(f.text)
			continue
		}
		switch f.letter {
		case 'a':
			switch {
			case strings.HasPrefix(strings.ToUpper(s[i:]), "AM"):
			case strings.HasPrefix(strings.ToUpper(s[i:]), "PM"):
				pm = true
			default:
				return fail()
			}
			hasAmPm = true
			i += 2
			continue
		case 'E', 'M':
			if f.letter == 'E' || f.count >= 3 {
				matched := false
				for n := 1; n <= 12 && f.letter == 'M'; n++ {
					name := time.Month(n).String()
					if f.count == 3 {
						name = name[:3]
					}
					if strings.HasPrefix(s[i:], name) {
						month, i, matched = n, i+len(name), true
						break
					}
				}
				for n := 0; n < 7 && f.letter == 'E'; n++ {
					name := time.Weekday(n).String()
					if f.count < 4 {
						name = name[:3]
					}
					if strings.HasPrefix(s[i:], name) {
						i, matched = i+len(name), true
						break
					}
				}
				if !matched {
					return fail()
				}
				continue
			}
		}
		// Digits: exactly count of them when the next field is a number
		// too (yyyyMMdd), otherwise as many as there are.
		j := i
		limit := len(s)
		if k+1 < len(p.fields) && p.fields[k+1].letter != 0 {
			limit = min(len(s), i+f.count)
		}
		for j < limit && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return fail()
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil {
			return fail()
		}
		switch f.letter {
		case 'y':
			year = n
			if f.count == 2 && j-i == 2 {
				year = 2000 + n
			}
		case 'M':
			month = n
		case 'd':
			day = n
		case 'D':
			month, day = 1, n
		case 'H':
			hour = n
		case 'h':
			hour, h12 = n, true
		case 'm':
			minute = n
		case 's':
			sec = n
		case 'S':
			digits := s[i:j]
			for len(digits) < 9 {
				digits += "0"
			}
			nsec, _ = strconv.Atoi(digits[:9])
		}
		i = j
	}
	if i != len(s) {
		return fail()
	}
	if h12 && hasAmPm {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return fail()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day && !p.hasLetter('D') {
		return fail()
	}
	return t, nil
}

func (p *javaPattern) hasLetter(l byte) bool {
	for _, f := range p.fields {
		if f.letter == l {
			return true
		}
	}
	return false
}

// intervalAmount reads an interval literal's value as months and a
// duration: 'n' for one unit (SECOND may have a fraction), and for the
// compound forms 'y-m' (YEAR TO MONTH), 'd h', 'd h:m', 'd h:m:s' (DAY TO
// HOUR, MINUTE, SECOND), 'h:m', 'h:m:s' (HOUR TO MINUTE, SECOND) and 'm:s'
// (MINUTE TO SECOND). A leading - negates it all.
func intervalAmount(iv *Interval) (months int64, d time.Duration, err error) {
	v := strings.TrimSpace(iv.Value)
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	bad := fmt.Errorf("interval value %q does not fit %s", iv.Value, strings.TrimSpace(iv.Unit+" TO "+iv.To))
	if iv.To == "" {
		bad = fmt.Errorf("interval value %q does not fit %s: write a number, such as INTERVAL '8' HOUR", iv.Value, iv.Unit)
	}
	num := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0 && n < 1<<32
	}
	unitDur := map[string]time.Duration{"DAY": 24 * time.Hour, "HOUR": time.Hour, "MINUTE": time.Minute, "SECOND": time.Second}
	switch {
	case iv.To == "" && (iv.Unit == "YEAR" || iv.Unit == "MONTH"):
		n, ok := num(v)
		if !ok {
			return 0, 0, bad
		}
		months = n
		if iv.Unit == "YEAR" {
			months = n * 12
		}
	case iv.To == "" && iv.Unit == "SECOND":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1<<32 || strings.ContainsAny(v, "eEnN") {
			return 0, 0, bad
		}
		d = time.Duration(f * float64(time.Second))
	case iv.To == "":
		n, ok := num(v)
		if !ok {
			return 0, 0, bad
		}
		d = time.Duration(n) * unitDur[iv.Unit]
	case iv.Unit == "YEAR" && iv.To == "MONTH":
		y, m, found := strings.Cut(v, "-")
		yn, ok1 := num(y)
		mn, ok2 := num(m)
		if !found || !ok1 || !ok2 || mn > 11 {
			return 0, 0, bad
		}
		months = yn*12 + mn
	default:
		order := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
		from, to := slices.Index(order, iv.Unit), slices.Index(order, iv.To)
		if from < 0 || to <= from {
			return 0, 0, fmt.Errorf("INTERVAL %s TO %s is not an interval; use YEAR TO MONTH or DAY, HOUR, MINUTE TO a smaller unit", iv.Unit, iv.To)
		}
		var parts []string
		rest := v
		if iv.Unit == "DAY" {
			dd, tail, found := strings.Cut(rest, " ")
			if !found {
				return 0, 0, bad
			}
			parts, rest = append(parts, dd), tail
		}
		parts = append(parts, strings.Split(rest, ":")...)
		if len(parts) != to-from+1 {
			return 0, 0, bad
		}
		for i, part := range parts {
			unit := order[from+i]
			if unit == "SECOND" {
				f, err := strconv.ParseFloat(part, 64)
				if err != nil || f < 0 || f >= 60 {
					return 0, 0, bad
				}
				d += time.Duration(f * float64(time.Second))
				continue
			}
			n, ok := num(part)
			if !ok || i > 0 && (unit == "HOUR" && n > 23 || unit == "MINUTE" && n > 59) {
				return 0, 0, bad
			}
			d += time.Duration(n) * unitDur[unit]
		}
	}
	if neg {
		months, d = -months, -d
	}
	return months, d, nil
}

// addInterval compiles t + INTERVAL ... and t - INTERVAL ...: months first
// (a day past the month's end becomes its last day), then the time. A DATE
// stays a DATE when whole days are added; a TIME wraps around midnight.
func (c *compiler) addInterval(e *Binary, t Expr, iv *Interval, minus bool) node {
	x := c.compile(t)
	if x.eval == nil {
		return node{}
	}
	months, d, err := intervalAmount(iv)
	if err != nil {
		return c.bad(iv, "%v", err)
	}
	if minus {
		months, d = -months, -d
	}
	switch x.b {
	case bDate:
		if d%(24*time.Hour) == 0 {
			return fn1(e, bDate, x.ct, x, func(a value) (value, error) {
				return timeValue(addMonths(a.time(), int(months)).Add(d)), nil
			})
		}
		return fn1(e, bTimestamp, timestampType(0, false), x, func(a value) (value, error) {
			return timeValue(addMonths(a.time(), int(months)).Add(d)), nil
		})
	case bTimestamp:
		return fn1(e, bTimestamp, x.ct, x, func(a value) (value, error) {
			return timeValue(addMonths(a.time(), int(months)).Add(d)), nil
		})
	case bTime:
		if months != 0 {
			return c.bad(e, "a TIME has no months or years to add")
		}
		return fn1(e, bTime, x.ct, x, func(a value) (value, error) {
			day := int64(24 * time.Hour)
			v := (a.i + int64(d)) % day
			if v < 0 {
				v += day
			}
			return value{i: v}, nil
		})
	case bNull:
		return constNode(bTimestamp, timestampType(0, false), nullValue)
	}
	return c.bad(e, "an INTERVAL is added to a DATE, TIME or TIMESTAMP, not %s", x.b)
}
