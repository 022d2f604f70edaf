package mysql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// ErrBadValue is matched, with errors.Is, by the error of a column value
// that does not turn into its canonical Go value, whether the snapshot read
// it or the binlog carried it; the error is a [*ValueError].
var ErrBadValue = errors.New("bad column value")

// ValueError reports a value that could not be turned into its column's
// canonical Go value.
type ValueError struct {
	// Column is the column's name and Kind its type.
	Column string
	Kind   cdc.Kind
	// Value shows the value received, shortened to 64 bytes.
	Value string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("mysql: column %s (%s): value %s: %s", e.Column, e.Kind, e.Value, e.Reason)
}

// Is reports whether target is ErrBadValue.
func (e *ValueError) Is(target error) bool { return target == ErrBadValue }

func valueError(col *cdc.Column, v any, format string, args ...any) error {
	var shown string
	switch x := v.(type) {
	case []byte:
		shown = strconv.Quote(string(x[:min(len(x), 64)]))
	case string:
		shown = strconv.Quote(x[:min(len(x), 64)])
	default:
		shown = fmt.Sprintf("%T(%v)", v, v)
		if len(shown) > 80 {
			shown = shown[:80]
		}
	}
	return &ValueError{Column: col.Name, Kind: col.Type.Kind, Value: shown, Reason: fmt.Sprintf(format, args...)}
}

// selectExpression returns the expression a snapshot query should select for
// col so that decodeText returns the same value as decodeBinlog: the
// quoted column name, except for FLOAT, which MySQL and MariaDB print with
// only six significant digits ("3.14159" for 3.1415927). A FLOAT column is
// selected as `col`+0e0, a DOUBLE holding the exact single-precision value,
// which decodeText narrows back to float32 without loss.
func selectExpression(col *cdc.Column) string {
	q := "`" + strings.ReplaceAll(col.Name, "`", "``") + "`"
	if col.Type.Kind == cdc.KindFloat {
		return q + "+0e0"
	}
	return q
}

// decodeText returns the canonical Go value (see package cdc's documentation)
// of one column read through MySQL's text protocol, as a snapshot reader
// reads its chunks (see [chunkConn]; decodeTextInto takes its shortcuts).
// A nil raw is SQL NULL and returns nil. raw is not retained: strings and
// byte slices in the result are copies.
//
// The connection must use the utf8mb4 character set (as the source's
// connections do), so text arrives as UTF-8 whatever the column's charset.
// Select each column with selectExpression.
//
// loc is the session time zone of the connection that read the row, used
// to turn TIMESTAMP text into an instant. The snapshot sets its session
// time_zone to '+00:00', so pass time.UTC (nil also means UTC); DATETIME
// ignores loc, as it has no zone.
func decodeText(col *cdc.Column, raw []byte, loc *time.Location) (any, error) {
	if raw == nil {
		return nil, nil
	}
	switch k := col.Type.Kind; {
	case k.IsInteger():
		if col.Type.Unsigned {
			n, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return nil, valueError(col, raw, "not an unsigned integer")
			}
			return n, nil
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, valueError(col, raw, "not an integer")
		}
		return n, nil
	case k == cdc.KindDecimal:
		if d, ok := parseShortDecimal(raw); ok {
			return d, nil
		}
		d, err := decimal.NewFromString(string(raw))
		if err != nil {
			return nil, valueError(col, raw, "not a decimal number")
		}
		return d, nil
	case k == cdc.KindFloat:
		// Parsed as a double: the text is a DOUBLE when the column was
		// selected with selectExpression.
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, valueError(col, raw, "not a number")
		}
		return float32(f), nil
	case k == cdc.KindDouble:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, valueError(col, raw, "not a number")
		}
		return f, nil
	case k == cdc.KindBit:
		// The text protocol sends BIT(n) as ceil(n/8) big-endian bytes.
		if len(raw) > 8 {
			return nil, valueError(col, raw, "BIT value longer than 8 bytes")
		}
		var n uint64
		for _, b := range raw {
			n = n<<8 | uint64(b)
		}
		return n, nil
	case k == cdc.KindYear:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, valueError(col, raw, "not a year")
		}
		return n, nil
	case k == cdc.KindDate, k == cdc.KindDateTime, k == cdc.KindTimestamp:
		return decodeDateTimeText(col, raw, loc)
	case k == cdc.KindTime:
		d, ok := parseTimeOfDay(string(raw))
		if !ok {
			return nil, valueError(col, raw, "not a TIME value")
		}
		return d, nil
	case k.IsText(), k == cdc.KindEnum, k == cdc.KindSet:
		return string(raw), nil
	case k.IsBinary(), k == cdc.KindGeometry:
		return append([]byte{}, raw...), nil
	case k == cdc.KindJSON:
		if isJSONText(&col.Type) {
			return cdc.JSON(raw), nil
		}
		j, err := cdc.CanonicalJSON(raw)
		if err != nil {
			return nil, valueError(col, raw, "%v", err)
		}
		return j, nil
	case k == cdc.KindVector:
		return decodeVector(col, raw)
	}
	return nil, valueError(col, raw, "no canonical value for kind %s", col.Type.Kind)
}

// decodeDateTimeText turns the server's text of a DATE, DATETIME or
// TIMESTAMP into a time.Time in UTC, or a ZeroTime for dates time.Time
// cannot hold. loc is the zone of TIMESTAMP text; nil means UTC. It takes
// the text as the binlog has it (a string) or as the snapshot reads it (a
// []byte, not retained), so that neither is copied.
func decodeDateTimeText[T string | []byte](col *cdc.Column, s T, loc *time.Location) (any, error) {
	dt, ok := parseDateTime(s)
	if !ok {
		return nil, valueError(col, string(s), "not a %s value", col.Type.Kind)
	}
	if !dt.valid() {
		return cdc.ZeroTime(s), nil
	}
	switch col.Type.Kind {
	case cdc.KindTimestamp:
		if loc == nil {
			loc = time.UTC
		}
		return dt.time(loc).UTC(), nil
	default:
		return dt.utc(), nil
	}
}

// dateTime is a date and time as MySQL writes it, before validation.
type dateTime struct {
	year, month, day, hour, minute, second, micro int
}

// valid reports whether t is a real calendar date that time.Time can hold
// without normalising: not a zero date, not 2021-02-30.
func (t dateTime) valid() bool {
	if t.month < 1 || t.month > 12 || t.day < 1 {
		return false
	}
	return t.day <= 28 || t.day <= daysIn(t.year, t.month)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func (t dateTime) time(loc *time.Location) time.Time {
	return time.Date(t.year, time.Month(t.month), t.day, t.hour, t.minute, t.second, t.micro*1000, loc)
}

// utc returns t.time(time.UTC), the same time.Time, for a valid t of years
// 0 to 9999, without time.Date's normalisation and zone lookup: its seconds
// since 1970 are counted from the proleptic Gregorian calendar's days (see
// TestDateTimeUTCMatchesTimeDate).
func (t dateTime) utc() time.Time {
	// Days since 1970-01-01, counted in 400-year eras of 146097 days from
	// 0000-03-01, with the leap day at the end of each year.
	y, m := t.year, t.month
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yearOfEra := y - era*400
	dayOfYear := (153*((m+9)%12)+2)/5 + t.day - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	days := int64(era)*146097 + int64(dayOfEra) - 719468
	secs := days*86400 + int64(t.hour*3600+t.minute*60+t.second)
	return time.Unix(secs, int64(t.micro)*1000).UTC()
}

// parseDateTime parses "YYYY-MM-DD" or "YYYY-MM-DD hh:mm:ss[.ffffff]". It
// accepts zero and out-of-calendar dates; see dateTime.valid.
func parseDateTime[T string | []byte](s T) (dateTime, bool) {
	var t dateTime
	var ok bool
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return t, false
	}
	if t.year, ok = digits(s[0:4]); !ok {
		return t, false
	}
	if t.month, ok = digits(s[5:7]); !ok {
		return t, false
	}
	if t.day, ok = digits(s[8:10]); !ok {
		return t, false
	}
	rest := s[10:]
	if len(rest) == 0 {
		return t, true
	}
	if len(rest) < 9 || (rest[0] != ' ' && rest[0] != 'T') || rest[3] != ':' || rest[6] != ':' {
		return t, false
	}
	if t.hour, ok = digits(rest[1:3]); !ok || t.hour > 23 {
		return t, false
	}
	if t.minute, ok = digits(rest[4:6]); !ok || t.minute > 59 {
		return t, false
	}
	if t.second, ok = digits(rest[7:9]); !ok || t.second > 59 {
		return t, false
	}
	if t.micro, ok = fraction(rest[9:]); !ok {
		return t, false
	}
	return t, true
}

// parseTimeOfDay parses a TIME: "[-]h...h:mm:ss[.ffffff]".
func parseTimeOfDay(s string) (time.Duration, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	h, rest, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 4 || len(rest) < 5 || rest[2] != ':' {
		return 0, false
	}
	hours, ok1 := digits(h)
	minutes, ok2 := digits(rest[0:2])
	seconds, ok3 := digits(rest[3:5])
	micro, ok4 := fraction(rest[5:])
	if !ok1 || !ok2 || !ok3 || !ok4 || minutes > 59 || seconds > 59 {
		return 0, false
	}
	d := time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute +
		time.Duration(seconds)*time.Second + time.Duration(micro)*time.Microsecond
	if neg {
		d = -d
	}
	return d, true
}

// digits parses a run of decimal digits.
func digits[T string | []byte](s T) (int, bool) {
	if len(s) == 0 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// fraction parses "" or ".f" to ".ffffff" as microseconds.
func fraction[T string | []byte](s T) (int, bool) {
	if len(s) == 0 {
		return 0, true
	}
	if s[0] != '.' || len(s) < 2 || len(s) > 7 {
		return 0, false
	}
	n, ok := digits(s[1:])
	if !ok {
		return 0, false
	}
	for i := len(s) - 1; i < 6; i++ {
		n *= 10
	}
	return n, true
}

// parseShortDecimal parses the server's text of a DECIMAL, [-]digits[.digits],
// when it has at most 18 digits, to the same value decimal.NewFromString
// returns, without its intermediate strings.
func parseShortDecimal(raw []byte) (decimal.Decimal, bool) {
	n, exp, ok := shortDecimal(raw)
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.New(n, exp), true
}

// shortDecimal is parseShortDecimal's value as decimal.New's arguments:
// the digits as an integer and the exponent.
func shortDecimal(raw []byte) (n int64, exp int32, ok bool) {
	s := raw
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return 0, 0, false
	}
	scale, digits, dot := 0, 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if dot {
				scale++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || digits > 18 || (dot && scale == 0) {
		return 0, 0, false
	}
	if neg {
		n = -n
	}
	return n, int32(-scale), true
}

// decodeVector turns MySQL's VECTOR bytes, little-endian float32s, into
// []float32.
func decodeVector(col *cdc.Column, raw []byte) (any, error) {
	if len(raw)%4 != 0 {
		return nil, valueError(col, raw, "VECTOR of %d bytes is not a whole number of float32s", len(raw))
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// isJSONText reports whether a JSON column stores its document as text, as
// MariaDB's JSON type does (a LONGTEXT with a json_valid check, which
// [LoadTableSchemas] marks [cdc.KindJSON]). Its value is the stored text,
// unchanged, as Debezium ships it; only MySQL's binary JSON, which keeps no
// text, is rendered as canonical JSON.
func isJSONText(t *cdc.ColumnType) bool {
	return t.Kind == cdc.KindJSON && strings.HasPrefix(strings.ToLower(strings.TrimSpace(t.Raw)), "longtext")
}
