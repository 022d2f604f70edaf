package sqlgateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
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
	Data      []wireRow `json:"data"`
}

type wireRow struct {
	Kind   RowKind           `json:"kind"`
	Fields []json.RawMessage `json:"fields"`
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
	if len(w.Results.Data) == 0 {
		return p, nil
	}
	n := len(p.Columns)
	p.Rows = make([]Row, len(w.Results.Data))
	// One backing array for every value of the page: one allocation, not one per row.
	values := make([]any, len(w.Results.Data)*n)
	for i, wr := range w.Results.Data {
		if len(wr.Fields) != n {
			return nil, fmt.Errorf("row %d has %d fields for %d columns", i, len(wr.Fields), n)
		}
		row := values[i*n : (i+1)*n : (i+1)*n]
		for j, raw := range wr.Fields {
			v, err := decodeValue(raw, &p.Columns[j].Type, p.RowFormat)
			if err != nil {
				return nil, fmt.Errorf("row %d column %q (%s): %w", i, p.Columns[j].Name, p.Columns[j].Type, err)
			}
			row[j] = v
		}
		kind := wr.Kind
		if kind == "" {
			kind = Insert
		}
		p.Rows[i] = Row{Kind: kind, Values: row}
	}
	return p, nil
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
