package sqlgateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"time"

	"github.com/rtdw/rtdw/internal/retry"
)

// ResultsOptions tune how [Operation.Results] reads. The zero value reads
// JSON rows, first waiting 20 ms when the gateway has nothing yet and
// doubling the wait up to 1 s.
type ResultsOptions struct {
	// RowFormat to ask for (REST API V2 and later); "" means JSON.
	RowFormat RowFormat
	// PollInterval is the first wait after a NOT_READY (or empty) page;
	// 0 means 20 ms.
	PollInterval time.Duration
	// MaxPollInterval caps the doubling wait; 0 means 1 s.
	MaxPollInterval time.Duration
	// OnPage, when set, is called after every page with progress so far.
	OnPage func(Progress)
}

// Progress reports how far reading has come.
type Progress struct {
	Pages    int        // pages fetched, NOT_READY ones included
	Rows     int64      // rows delivered so far
	LastType ResultType // type of the page just fetched
}

func (o ResultsOptions) withDefaults() ResultsOptions {
	if o.RowFormat == "" {
		o.RowFormat = RowFormatJSON
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = time.Second
	}
	if o.MaxPollInterval < o.PollInterval {
		o.MaxPollInterval = o.PollInterval
	}
	return o
}

// Results reads all rows of an operation, page by page, in the style of
// database/sql.Rows:
//
//	res := op.Results(ctx, sqlgateway.ResultsOptions{})
//	for res.Next() {
//		row := res.Row()
//		…
//	}
//	if err := res.Err(); err != nil { … }
//
// It follows nextResultUri, waits with growing pauses while the gateway
// answers NOT_READY (or an empty page of a running streaming query), and
// stops at EOS, at the first error, or when ctx ends (Err then matches
// ctx.Err() with errors.Is). A Results is not safe for concurrent use.
type Results struct {
	op   *Operation
	ctx  context.Context
	opts ResultsOptions

	page    *ResultPage // current page
	idx     int         // next row in page
	row     Row
	columns []Column
	kind    ResultKind
	jobID   string
	isQuery bool
	started bool
	done    bool
	err     error
	idle    int // empty pages in a row, for the backoff
	prog    Progress
}

// Results returns a reader over every row of the operation.
func (o *Operation) Results(ctx context.Context, opts ResultsOptions) *Results {
	opts = opts.withDefaults()
	return &Results{op: o, ctx: ctx, opts: opts}
}

// Rows returns an iterator over every row of the operation; a failure is
// yielded once, as the last pair, with a zero Row.
//
//	for row, err := range op.Rows(ctx, sqlgateway.ResultsOptions{}) { … }
func (o *Operation) Rows(ctx context.Context, opts ResultsOptions) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		r := o.Results(ctx, opts)
		for r.Next() {
			if !yield(r.Row(), nil) {
				return
			}
		}
		if err := r.Err(); err != nil {
			yield(Row{}, err)
		}
	}
}

// Next advances to the next row, fetching pages as needed. It returns false
// at the end of the results or on an error (see [Results.Err]).
func (r *Results) Next() bool {
	for {
		if r.page != nil && r.idx < len(r.page.Rows) {
			r.row = r.page.Rows[r.idx]
			r.idx++
			r.prog.Rows++
			return true
		}
		if r.done || r.err != nil {
			return false
		}
		var next *ResultPage
		var err error
		if !r.started {
			next, err = r.op.FetchResults(r.ctx, 0, r.opts.RowFormat)
		} else {
			next, err = r.op.FetchNext(r.ctx, r.page)
		}
		if err != nil {
			r.err = err
			return false
		}
		if next == nil { // previous page was the last
			r.done = true
			return false
		}
		r.started = true
		r.page, r.idx = next, 0
		r.prog.Pages++
		r.prog.LastType = next.Type
		if next.Type != ResultNotReady {
			if len(next.Columns) > 0 || r.columns == nil {
				r.columns = next.Columns
			}
			if next.Kind != "" {
				r.kind = next.Kind
			}
			if next.JobID != "" {
				r.jobID = next.JobID
			}
			r.isQuery = r.isQuery || next.IsQueryResult
		}
		if r.opts.OnPage != nil {
			r.opts.OnPage(r.prog)
		}
		switch {
		case next.NextResultURI == "":
			r.done = true
		case len(next.Rows) == 0:
			// Nothing yet: wait before asking again, longer each time.
			if err := r.sleep(); err != nil {
				r.err = err
				return false
			}
		default:
			r.idle = 0
		}
	}
}

func (r *Results) sleep() error {
	r.idle++
	b := retry.Backoff{Initial: r.opts.PollInterval, Max: r.opts.MaxPollInterval}
	if err := retry.Sleep(r.ctx, b.Delay(r.idle)); err != nil {
		return fmt.Errorf("sqlgateway: waiting for results of operation %s: %w", r.op.handle, err)
	}
	return nil
}

// Row returns the current row. Its Values slice is owned by the reader's
// page and stays valid after Next; copy it only to modify it.
func (r *Results) Row() Row { return r.row }

// Columns returns the result columns; nil until the first data page.
func (r *Results) Columns() []Column { return r.columns }

// Kind returns SUCCESS or SUCCESS_WITH_CONTENT once known.
func (r *Results) Kind() ResultKind { return r.kind }

// JobID returns the Flink job id of the statement, when there is one.
func (r *Results) JobID() string { return r.jobID }

// IsQueryResult reports whether the statement was a query.
func (r *Results) IsQueryResult() bool { return r.isQuery }

// Progress returns pages and rows read so far.
func (r *Results) Progress() Progress { return r.prog }

// Err returns the error that stopped [Results.Next], or nil at a clean end.
func (r *Results) Err() error { return r.err }

// ErrScan is wrapped by every [Results.Scan] conversion error.
var ErrScan = errors.New("sqlgateway: cannot scan value")

// Scan copies the current row's values into dest, one pointer per column:
// *any takes the value as is; *string, *int64, *int, *int32, *float64,
// *bool, *[]byte, *json.Number and *time.Time take values of a fitting Go
// type (see [Row]); a SQL NULL sets the zero value, or nil for pointers to
// pointers, e.g. **string.
func (r *Results) Scan(dest ...any) error {
	vals := r.row.Values
	if len(dest) != len(vals) {
		return fmt.Errorf("%w: %d destinations for %d columns", ErrScan, len(dest), len(vals))
	}
	for i, d := range dest {
		if err := scanOne(d, vals[i]); err != nil {
			name := ""
			if i < len(r.columns) {
				name = r.columns[i].Name
			}
			return fmt.Errorf("column %d %q: %w", i, name, err)
		}
	}
	return nil
}

func scanOne(dest, v any) error {
	switch d := dest.(type) {
	case *any:
		*d = v
		return nil
	case *string:
		switch x := v.(type) {
		case nil:
			*d = ""
		case string:
			*d = x
		case json.Number:
			*d = string(x)
		case time.Time:
			*d = x.Format(time.RFC3339Nano)
		default:
			*d = fmt.Sprint(x)
		}
		return nil
	case *int64:
		n, err := asInt(v)
		*d = n
		return err
	case *int:
		n, err := asInt(v)
		*d = int(n)
		return err
	case *int32:
		n, err := asInt(v)
		if err == nil && int64(int32(n)) != n {
			err = fmt.Errorf("%w: %d overflows int32", ErrScan, n)
		}
		*d = int32(n)
		return err
	case *float64:
		switch x := v.(type) {
		case nil:
			*d = 0
		case float64:
			*d = x
		case int64:
			*d = float64(x)
		case json.Number:
			f, err := x.Float64()
			*d = f
			return err
		default:
			return fmt.Errorf("%w: %T into *float64", ErrScan, v)
		}
		return nil
	case *bool:
		switch x := v.(type) {
		case nil:
			*d = false
		case bool:
			*d = x
		default:
			return fmt.Errorf("%w: %T into *bool", ErrScan, v)
		}
		return nil
	case *[]byte:
		switch x := v.(type) {
		case nil:
			*d = nil
		case []byte:
			*d = x
		case string:
			*d = []byte(x)
		default:
			return fmt.Errorf("%w: %T into *[]byte", ErrScan, v)
		}
		return nil
	case *json.Number:
		switch x := v.(type) {
		case nil:
			*d = ""
		case json.Number:
			*d = x
		case int64:
			*d = json.Number(fmt.Sprint(x))
		case float64:
			*d = json.Number(fmt.Sprint(x))
		default:
			return fmt.Errorf("%w: %T into *json.Number", ErrScan, v)
		}
		return nil
	case *time.Time:
		switch x := v.(type) {
		case nil:
			*d = time.Time{}
		case time.Time:
			*d = x
		default:
			return fmt.Errorf("%w: %T into *time.Time", ErrScan, v)
		}
		return nil
	}
	// **T: nil for NULL, else scan into a new T.
	rv := reflect.ValueOf(dest)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Pointer {
		if v == nil {
			rv.Elem().SetZero()
			return nil
		}
		p := reflect.New(rv.Elem().Type().Elem())
		if err := scanOne(p.Interface(), v); err != nil {
			return err
		}
		rv.Elem().Set(p)
		return nil
	}
	return fmt.Errorf("%w: unsupported destination %T", ErrScan, dest)
}

func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case json.Number:
		return x.Int64()
	case float64:
		if x == float64(int64(x)) {
			return int64(x), nil
		}
	}
	return 0, fmt.Errorf("%w: %T (%v) into an integer", ErrScan, v, v)
}
