package sqlgateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ResultType says what a fetched page is.
type ResultType string

// Result types.
const (
	// ResultNotReady: the operation is still running; ask again later with
	// the same next URI.
	ResultNotReady ResultType = "NOT_READY"
	// ResultPayload: the page carries rows (possibly none yet, for a
	// streaming query); more may follow.
	ResultPayload ResultType = "PAYLOAD"
	// ResultEOS: the end of the results.
	ResultEOS ResultType = "EOS"
)

// ResultKind says whether a statement returns data.
type ResultKind string

// Result kinds.
const (
	// KindSuccess: the statement ran and returns only "OK" (e.g. SET, CREATE).
	KindSuccess ResultKind = "SUCCESS"
	// KindSuccessWithContent: the statement returns data (queries, SHOW, …).
	KindSuccessWithContent ResultKind = "SUCCESS_WITH_CONTENT"
)

// RowKind is a row's change kind in a changelog.
type RowKind string

// Row kinds.
const (
	Insert       RowKind = "INSERT"
	UpdateBefore RowKind = "UPDATE_BEFORE"
	UpdateAfter  RowKind = "UPDATE_AFTER"
	Delete       RowKind = "DELETE"
)

// RowFormat is how the gateway writes field values (REST API V2 and later;
// V1 always writes JSON).
type RowFormat string

// Row formats.
const (
	// RowFormatJSON writes values as typed JSON (numbers, strings, arrays,
	// objects); the client decodes them by column type. The default.
	RowFormatJSON RowFormat = "JSON"
	// RowFormatPlainText writes every value as the string Flink's SQL client
	// prints.
	RowFormatPlainText RowFormat = "PLAIN_TEXT"
)

// Row is one result row. Values holds one Go value per column, nil for SQL
// NULL. With [RowFormatJSON] the Go type follows the column's logical type:
//
//	BOOLEAN                          bool
//	TINYINT, SMALLINT, INTEGER, BIGINT int64
//	FLOAT, DOUBLE                    float64
//	DECIMAL                          json.Number (exact digits)
//	CHAR, VARCHAR                    string
//	BINARY, VARBINARY                []byte
//	DATE                             time.Time (UTC midnight)
//	TIMESTAMP, TIMESTAMP_LTZ         time.Time (UTC; the string if unparsable)
//	TIME, INTERVAL, other scalars    string as Flink writes it
//	ARRAY, MULTISET, MAP, ROW        the decoded JSON (numbers as json.Number)
//
// With [RowFormatPlainText] every non-NULL value is a string.
type Row struct {
	Kind   RowKind
	Values []any
}

// ResultPage is one fetched page of an operation's results.
type ResultPage struct {
	Type ResultType
	// IsQueryResult is true for queries (SELECT). It is unknown (false) on
	// NOT_READY pages and from gateways predating Flink 1.17.
	IsQueryResult bool
	// JobID is the Flink job running the statement, when there is one.
	JobID string
	// Kind is SUCCESS or SUCCESS_WITH_CONTENT ("" on NOT_READY pages).
	Kind      ResultKind
	Columns   []Column
	RowFormat RowFormat
	Rows      []Row
	// NextResultURI is where the next page is, "" after the last one.
	NextResultURI string
}

type wirePage struct {
	ResultType    ResultType   `json:"resultType"`
	IsQueryResult *bool        `json:"isQueryResult"`
	JobID         string       `json:"jobID"`
	ResultKind    ResultKind   `json:"resultKind"`
	Results       *wireResults `json:"results"`
	NextResultURI string       `json:"nextResultUri"`
}

type wireResults struct {
	Columns   []Column  `json:"columns"`
	RowFormat RowFormat `json:"rowFormat"`
	// Data is kept raw and scanned by decodeData, which converts each field
	// by its column type without an intermediate value per field.
	Data json.RawMessage `json:"data"`
}

// decodePage turns the wire form into a ResultPage, converting every field
// by its column's type. want is the format asked for (V1 answers JSON and
// may not say so).
func decodePage(w *wirePage, want RowFormat) (*ResultPage, error) {
	p := &ResultPage{Type: w.ResultType, JobID: w.JobID, Kind: w.ResultKind, NextResultURI: w.NextResultURI, RowFormat: want}
	if w.IsQueryResult != nil {
		p.IsQueryResult = *w.IsQueryResult
	}
	if w.Results == nil {
		return p, nil
	}
	p.Columns = w.Results.Columns
	if w.Results.RowFormat != "" {
		p.RowFormat = w.Results.RowFormat
	}
	rows, err := decodeData(w.Results.Data, p.Columns, p.RowFormat)
	if err != nil {
		return nil, fmt.Errorf("results.data: %w", err)
	}
	p.Rows = rows
	return p, nil
}

// decodeData reads the "data" array, [{"kind": "INSERT", "fields": [...]}, …].
// The bytes were already checked to be valid JSON by encoding/json, so a
// small scanner that slices values out of them suffices.
func decodeData(raw []byte, cols []Column, format RowFormat) ([]Row, error) {
	sc := scanner{b: raw}
	sc.ws()
	if sc.done() || sc.peekLiteral("null") {
		return nil, nil
	}
	if err := sc.expect('['); err != nil {
		return nil, err
	}
	n := len(cols)
	// Rows are counted first so that rows and all their values take one
	// allocation each per page.
	count, err := sc.countElements()
	if err != nil {
		return nil, err
	}
	if count == 0 {
		return nil, nil
	}
	rows := make([]Row, 0, count)
	values := make([]any, count*n)
	for i := 0; ; i++ {
		sc.ws()
		if sc.peek() == ']' {
			break
		}
		if i > 0 {
			if err := sc.expect(','); err != nil {
				return nil, err
			}
		}
		row := Row{Kind: Insert, Values: values[i*n : (i+1)*n : (i+1)*n]}
		if err := sc.row(&row, cols, format, i); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// scanner walks JSON that encoding/json has already validated.
type scanner struct {
	b []byte
	i int
}

var errTruncated = errors.New("truncated JSON")

func (s *scanner) done() bool { return s.i >= len(s.b) }

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) peekLiteral(lit string) bool { return bytes.HasPrefix(s.b[s.i:], []byte(lit)) }

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) expect(c byte) error {
	s.ws()
	if s.i >= len(s.b) {
		return errTruncated
	}
	if s.b[s.i] != c {
		return fmt.Errorf("at byte %d: want %q, found %q", s.i, c, s.b[s.i])
	}
	s.i++
	return nil
}

// value returns the raw bytes of the next value and moves past it.
func (s *scanner) value() ([]byte, error) {
	s.ws()
	start := s.i
	if s.i >= len(s.b) {
		return nil, errTruncated
	}
	switch s.b[s.i] {
	case '"':
		if err := s.skipString(); err != nil {
			return nil, err
		}
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.skipString(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				return s.b[start:s.i], nil
			}
		}
		return nil, errTruncated
	default:
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return s.b[start:s.i], nil
			}
			s.i++
		}
	}
	return s.b[start:s.i], nil
}

func (s *scanner) skipString() error {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return nil
		}
		s.i++
	}
	return errTruncated
}

// countElements counts the elements of the array whose '[' was just read,
// without moving.
func (s *scanner) countElements() (int, error) {
	save := s.i
	defer func() { s.i = save }()
	s.ws()
	if s.peek() == ']' {
		return 0, nil
	}
	n := 0
	for {
		if _, err := s.value(); err != nil {
			return 0, err
		}
		n++
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return n, nil
		default:
			return 0, errTruncated
		}
	}
}

// row reads {"kind": "...", "fields": [...]} into r.
func (s *scanner) row(r *Row, cols []Column, format RowFormat, index int) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	fields := -1
	for first := true; ; first = false {
		s.ws()
		if s.peek() == '}' {
			s.i++
			break
		}
		if !first {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		key, err := s.value()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		switch string(key) {
		case `"kind"`:
			v, err := s.value()
			if err != nil {
				return err
			}
			r.Kind = rowKind(v)
		case `"fields"`:
			if err := s.expect('['); err != nil {
				return err
			}
			fields = 0
			for {
				s.ws()
				if s.peek() == ']' {
					s.i++
					break
				}
				if fields > 0 {
					if err := s.expect(','); err != nil {
						return err
					}
				}
				v, err := s.value()
				if err != nil {
					return err
				}
				if fields >= len(cols) {
					return fmt.Errorf("row %d has more fields than the %d columns", index, len(cols))
				}
				r.Values[fields], err = decodeValue(v, &cols[fields].Type, format)
				if err != nil {
					return fmt.Errorf("row %d column %q (%s): %w", index, cols[fields].Name, cols[fields].Type, err)
				}
				fields++
			}
		default:
			if _, err := s.value(); err != nil {
				return err
			}
		}
	}
	if fields != len(cols) {
		return fmt.Errorf("row %d has %d fields for %d columns", index, max(fields, 0), len(cols))
	}
	return nil
}

// rowKind maps the quoted kind to the constant without allocating.
func rowKind(quoted []byte) RowKind {
	switch string(quoted) {
	case `"INSERT"`:
		return Insert
	case `"UPDATE_BEFORE"`:
		return UpdateBefore
	case `"UPDATE_AFTER"`:
		return UpdateAfter
	case `"DELETE"`:
		return Delete
	}
	s, _ := unquote(quoted)
	return RowKind(s)
}

var jsonNull = []byte("null")

func decodeValue(raw json.RawMessage, t *LogicalType, format RowFormat) (any, error) {
	if len(raw) == 0 || bytes.Equal(raw, jsonNull) {
		return nil, nil
	}
	if format == RowFormatPlainText {
		return unquote(raw)
	}
	switch t.Root {
	case TypeBoolean:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean: %s", raw)
	case TypeTinyint, TypeSmallint, TypeInteger, TypeBigint:
		return strconv.ParseInt(string(raw), 10, 64)
	case TypeFloat, TypeDouble:
		if raw[0] == '"' { // NaN and infinities arrive quoted
			s, err := unquote(raw)
			if err != nil {
				return nil, err
			}
			return strconv.ParseFloat(s, 64)
		}
		return strconv.ParseFloat(string(raw), 64)
	case TypeDecimal:
		if raw[0] == '"' {
			s, err := unquote(raw)
			return json.Number(s), err
		}
		return json.Number(raw), nil
	case TypeChar, TypeVarchar:
		return unquote(raw)
	case TypeBinary, TypeVarbinary:
		s, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(s)
	case TypeDate:
		s, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d, nil
		}
		return s, nil
	case TypeTimestamp, TypeTimestampWithLocalTimeZone, TypeTimestampWithTimeZone:
		s, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if ts, err := time.Parse(layout, s); err == nil {
				return ts.UTC(), nil
			}
		}
		return s, nil
	case TypeArray, TypeMultiset, TypeMap, TypeRow:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	if raw[0] == '"' {
		return unquote(raw)
	}
	return string(raw), nil
}

// unquote reads a JSON string, fast when it has no escapes.
func unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("not a string: %.40s", raw)
	}
	return s, nil
}
