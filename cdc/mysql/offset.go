package mysql

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// Offset is a position in a server's binlog: where a source resumes.
//
// File and Pos locate a transaction boundary (the next event to read).
// GTIDSet, when known, is the set of transactions executed up to that point
// in the server's flavour ("uuid:1-23" on MySQL, "0-1-23" on MariaDB).
// Events and Rows count what to skip after the boundary: row events of the
// transaction starting there, then rows of the next row event. Stored
// offsets are always at boundaries, so both are 0 there; they are non-zero
// only while a source resumes inside a transaction it had partly delivered.
//
// The zero Offset means "no position".
type Offset struct {
	File    string `json:"file,omitempty"`
	Pos     uint64 `json:"pos,omitempty"`
	GTIDSet string `json:"gtids,omitempty"`
	Events  int64  `json:"events,omitempty"`
	Rows    int64  `json:"rows,omitempty"`
}

// IsZero reports whether o holds no position.
func (o Offset) IsZero() bool { return o.File == "" && o.GTIDSet == "" }

// String returns the offset's text form, which [ParseOffset] reads back:
// "file:pos", then ";gtids=SET", ";events=N" and ";rows=N" when set; for
// an offset with only a GTID set, "gtids=SET".
func (o Offset) String() string {
	var b strings.Builder
	if o.File != "" {
		b.WriteString(o.File)
		b.WriteByte(':')
		b.WriteString(strconv.FormatUint(o.Pos, 10))
	}
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	if o.GTIDSet != "" {
		add("gtids", o.GTIDSet)
	}
	if o.Events != 0 {
		add("events", strconv.FormatInt(o.Events, 10))
	}
	if o.Rows != 0 {
		add("rows", strconv.FormatInt(o.Rows, 10))
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler with [Offset.String].
func (o Offset) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseOffset].
func (o *Offset) UnmarshalText(b []byte) error {
	p, err := ParseOffset(string(b))
	if err != nil {
		return err
	}
	*o = p
	return nil
}

// offsetJSON is Offset without its text marshaller, so JSON is an object.
type offsetJSON Offset

// MarshalJSON writes the offset as a JSON object with the fields file, pos,
// gtids, events and rows.
func (o Offset) MarshalJSON() ([]byte, error) { return json.Marshal(offsetJSON(o)) }

// UnmarshalJSON reads the object MarshalJSON writes, or a JSON string in the
// text form, and validates it.
func (o *Offset) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return o.UnmarshalText([]byte(s))
	}
	var j offsetJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("mysql: offset: %w", err)
	}
	if err := Offset(j).validate(); err != nil {
		return err
	}
	*o = Offset(j)
	return nil
}

// OffsetError reports an unparsable offset or GTID set.
type OffsetError struct {
	Input string
	Msg   string
}

func (e *OffsetError) Error() string {
	in := e.Input
	if len(in) > 200 {
		in = in[:200] + "..."
	}
	return fmt.Sprintf("mysql: offset %q: %s", in, e.Msg)
}

var binlogFileRE = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

func (o Offset) validate() error {
	if o.File != "" && !binlogFileRE.MatchString(o.File) {
		return &OffsetError{o.File, "binlog file names hold only letters, digits, '.', '_' and '-', such as mysql-bin.000003"}
	}
	if o.File == "" && o.Pos != 0 {
		return &OffsetError{o.String(), "a position needs a binlog file"}
	}
	if o.Events < 0 || o.Rows < 0 {
		return &OffsetError{o.String(), "events and rows to skip cannot be negative"}
	}
	if o.GTIDSet != "" {
		if _, err := detectGTIDFlavor(o.GTIDSet); err != nil {
			return &OffsetError{o.GTIDSet, err.Error()}
		}
	}
	return nil
}

// ParseOffset parses the text form of an [Offset], such as
// "mysql-bin.000003:1234", "mysql-bin.000003:1234;gtids=0-1-17" or
// "gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5".
func ParseOffset(s string) (Offset, error) {
	var o Offset
	if strings.TrimSpace(s) == "" {
		return o, &OffsetError{s, "empty; want file:pos, such as mysql-bin.000003:4"}
	}
	parts := strings.Split(s, ";")
	for i, part := range parts {
		k, v, hasEq := strings.Cut(part, "=")
		if !hasEq {
			if i != 0 {
				return Offset{}, &OffsetError{s, fmt.Sprintf("part %q: want key=value after the first ';'", part)}
			}
			i := strings.LastIndexByte(part, ':')
			if i < 0 {
				return Offset{}, &OffsetError{s, "want file:pos, such as mysql-bin.000003:4"}
			}
			pos, err := strconv.ParseUint(part[i+1:], 10, 64)
			if err != nil {
				return Offset{}, &OffsetError{s, "position is not a number"}
			}
			o.File, o.Pos = part[:i], pos
			continue
		}
		if v == "" {
			return Offset{}, &OffsetError{s, fmt.Sprintf("%s= needs a value", k)}
		}
		switch k {
		case "gtids":
			o.GTIDSet = v
		case "events", "rows":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Offset{}, &OffsetError{s, k + " is not a number"}
			}
			if k == "events" {
				o.Events = n
			} else {
				o.Rows = n
			}
		default:
			return Offset{}, &OffsetError{s, fmt.Sprintf("unknown key %q (want gtids, events or rows)", k)}
		}
	}
	if o.IsZero() {
		return Offset{}, &OffsetError{s, "neither a file:pos nor a gtids= set"}
	}
	if err := o.validate(); err != nil {
		return Offset{}, err
	}
	return o, nil
}

// Compare orders offsets: -1 when o is before p, 0 when equal, +1 after.
//
// Offsets with files order by binlog file (by the numeric suffix, then the
// name), position, events and rows. An offset without a file orders before
// every offset with one. Two GTID-only offsets order by the number of
// transactions their sets hold, then by their text; a subset therefore
// orders before its supersets. The order is total.
func (o Offset) Compare(p Offset) int {
	switch {
	case o.File != "" && p.File != "":
		if c := compareBinlogFiles(o.File, p.File); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(o.Pos, p.Pos), cmp.Compare(o.Events, p.Events), cmp.Compare(o.Rows, p.Rows))
	case o.File != "":
		return 1
	case p.File != "":
		return -1
	}
	return cmp.Or(cmp.Compare(gtidCount(o.GTIDSet), gtidCount(p.GTIDSet)), strings.Compare(o.GTIDSet, p.GTIDSet),
		cmp.Compare(o.Events, p.Events), cmp.Compare(o.Rows, p.Rows))
}

// compareBinlogFiles orders binlog file names: "mysql-bin.000010" comes after
// "mysql-bin.000009" and before "mysql-bin.1000000".
func compareBinlogFiles(a, b string) int {
	ab, an, aok := splitBinlogFile(a)
	bb, bn, bok := splitBinlogFile(b)
	if aok && bok {
		if c := strings.Compare(ab, bb); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(an, bn), strings.Compare(a, b))
	}
	return strings.Compare(a, b)
}

func splitBinlogFile(f string) (string, uint64, bool) {
	i := strings.LastIndexByte(f, '.')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(f[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return f[:i], n, true
}

// GTIDFlavor is the flavour of a GTID set's text: "mysql" or "mariadb".
type GTIDFlavor = string

// detectGTIDFlavor tells MySQL GTID sets (uuid:intervals) from MariaDB ones
// (domain-server-sequence) and checks that s parses.
func detectGTIDFlavor(s string) (GTIDFlavor, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty GTID set")
	}
	if len(s) > 1<<20 {
		return "", errors.New("GTID set longer than 1 MiB")
	}
	if strings.Contains(s, ":") {
		if _, err := parseMySQLGTIDSet(s); err != nil {
			return "", err
		}
		return gomysql.MySQLFlavor, nil
	}
	if _, err := parseMariaDBGTIDSet(s); err != nil {
		return "", err
	}
	return gomysql.MariaDBFlavor, nil
}

var (
	mysqlGTIDPartRE   = regexp.MustCompile(`^\s*[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}((:[A-Za-z_][A-Za-z0-9_]{0,31})?:[0-9]+(-[0-9]+)?)+\s*$`)
	mariadbGTIDPartRE = regexp.MustCompile(`^\s*[0-9]{1,10}-[0-9]{1,10}-[0-9]{1,20}\s*$`)
)

// parseMySQLGTIDSet checks the syntax before go-mysql parses, so malformed
// input gets a clear message and go-mysql never sees it.
func parseMySQLGTIDSet(s string) (gomysql.GTIDSet, error) {
	for part := range strings.SplitSeq(strings.ReplaceAll(s, "\n", ""), ",") {
		if !mysqlGTIDPartRE.MatchString(part) {
			return nil, fmt.Errorf("MySQL GTID set part %q: want uuid:first-last, such as 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", trimForError(part))
		}
		for _, iv := range strings.Split(strings.TrimSpace(part), ":")[1:] {
			lo, hi, isRange := strings.Cut(iv, "-")
			a, err1 := strconv.ParseInt(lo, 10, 64)
			if err1 != nil && isDigits(lo) {
				return nil, fmt.Errorf("MySQL GTID set part %q: transaction number out of range", trimForError(part))
			}
			if isRange {
				b, err := strconv.ParseInt(hi, 10, 64)
				if err != nil || b < a || a < 1 {
					return nil, fmt.Errorf("MySQL GTID set part %q: interval %q must be first-last with 1 <= first <= last", trimForError(part), iv)
				}
			} else if isDigits(lo) && a < 1 {
				return nil, fmt.Errorf("MySQL GTID set part %q: transaction numbers start at 1", trimForError(part))
			}
		}
	}
	set, err := gomysql.ParseMysqlGTIDSet(s)
	if err != nil {
		return nil, fmt.Errorf("MySQL GTID set: %v", err)
	}
	return set, nil
}

func parseMariaDBGTIDSet(s string) (gomysql.GTIDSet, error) {
	for part := range strings.SplitSeq(s, ",") {
		if !mariadbGTIDPartRE.MatchString(part) {
			return nil, fmt.Errorf("MariaDB GTID %q: want domain-server-sequence, such as 0-1-17", trimForError(part))
		}
		f := strings.Split(strings.TrimSpace(part), "-")
		if _, err := strconv.ParseUint(f[0], 10, 32); err != nil {
			return nil, fmt.Errorf("MariaDB GTID %q: domain out of range", trimForError(part))
		}
		if _, err := strconv.ParseUint(f[1], 10, 32); err != nil {
			return nil, fmt.Errorf("MariaDB GTID %q: server id out of range", trimForError(part))
		}
		if _, err := strconv.ParseUint(f[2], 10, 64); err != nil {
			return nil, fmt.Errorf("MariaDB GTID %q: sequence out of range", trimForError(part))
		}
	}
	set, err := gomysql.ParseMariadbGTIDSet(s)
	if err != nil {
		return nil, fmt.Errorf("MariaDB GTID set: %v", err)
	}
	return set, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func trimForError(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// ParseGTIDSet parses a GTID set in either flavour and returns it in its
// canonical text form and flavour ("mysql" or "mariadb").
func ParseGTIDSet(s string) (canonical string, flavor GTIDFlavor, err error) {
	flavor, err = detectGTIDFlavor(s)
	if err != nil {
		return "", "", &OffsetError{s, err.Error()}
	}
	set, err := gomysql.ParseGTIDSet(flavor, strings.TrimSpace(s))
	if err != nil {
		return "", "", &OffsetError{s, err.Error()}
	}
	if set.String() == "" {
		return "", "", &OffsetError{s, "the GTID set holds no transaction"}
	}
	return set.String(), flavor, nil
}

// gtidCount is the number of transactions a GTID set holds (MySQL), or the
// sum of the sequence numbers (MariaDB); 0 when it does not parse.
func gtidCount(s string) uint64 {
	if s == "" {
		return 0
	}
	var n uint64
	if strings.Contains(s, ":") {
		set, err := parseMySQLGTIDSet(s)
		if err != nil {
			return 0
		}
		for _, tags := range *set.(*gomysql.MysqlGTIDSet) {
			for _, ivs := range tags {
				for _, iv := range ivs {
					n += uint64(iv.Stop - iv.Start)
				}
			}
		}
		return n
	}
	set, err := parseMariaDBGTIDSet(s)
	if err != nil {
		return 0
	}
	for _, g := range set.(*gomysql.MariadbGTIDSet).Sets {
		n += g.SequenceNumber
	}
	return n
}
