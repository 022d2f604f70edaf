package pipeline

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/debezium"
)

// PrintFormat is how a [PrintSink] writes events.
type PrintFormat int

const (
	// PrintReadable writes one line per row image, with Flink's row kinds
	// (+I, -U, +U, -D) before the sink table and the columns:
	//
	//	ods.orders +I id=1 user_id=7 sku="A-1" cents=1250
	//	ods.orders -U id=1 user_id=7 sku="A-1" cents=1250
	//	ods.orders +U id=1 user_id=7 sku="A-1" cents=990
	//	ods.orders -D id=1 user_id=7 sku="A-1" cents=990
	//
	// and a schema change as the table, "DDL" and the statement.
	PrintReadable PrintFormat = iota
	// PrintDebeziumJSON writes each event as one line of Debezium JSON
	// (package cdc/debezium's defaults), as Flink CDC's
	// JsonDebeziumDeserializationSchema does.
	PrintDebeziumJSON
)

// PrintSink writes events to an io.Writer, as Flink CDC's values sink
// prints them: for trying a pipeline out, and for tests. It buffers its
// output and writes it out at Flush, so a checkpoint is stored only after
// the lines before it were written. It is safe for concurrent use.
type PrintSink struct {
	mu     sync.Mutex
	w      *bufio.Writer
	format PrintFormat
	enc    *debezium.Encoder
	line   []byte
}

var _ cdc.Sink = (*PrintSink)(nil)

// NewPrintSink returns a sink writing events to w in format f.
func NewPrintSink(w io.Writer, f PrintFormat) *PrintSink {
	s := &PrintSink{w: bufio.NewWriterSize(w, 64<<10), format: f}
	if f == PrintDebeziumJSON {
		s.enc = debezium.NewEncoder(debezium.Config{})
	}
	return s
}

// HandleEvents writes events into the sink's buffer.
func (s *PrintSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range events {
		e := &events[i]
		if s.format == PrintDebeziumJSON {
			var err error
			if s.line, err = s.enc.AppendEvent(s.line[:0], e); err != nil {
				return err
			}
			s.line = append(s.line, '\n')
			if _, err := s.w.Write(s.line); err != nil {
				return err
			}
			continue
		}
		if err := s.writeReadable(e); err != nil {
			return err
		}
	}
	return nil
}

func (s *PrintSink) writeReadable(e *cdc.Event) error {
	switch e.Op {
	case cdc.OpRead, cdc.OpCreate:
		return s.writeRow(e, "+I", e.After)
	case cdc.OpUpdate:
		if err := s.writeRow(e, "-U", e.Before); err != nil {
			return err
		}
		return s.writeRow(e, "+U", e.After)
	case cdc.OpDelete:
		return s.writeRow(e, "-D", e.Before)
	case cdc.OpSchemaChange:
		_, err := fmt.Fprintf(s.w, "%s DDL %s\n", e.Table, e.DDL)
		return err
	}
	return nil
}

func (s *PrintSink) writeRow(e *cdc.Event, kind string, row cdc.Row) error {
	b := append(s.line[:0], e.Table.String()...)
	b = append(b, ' ')
	b = append(b, kind...)
	for i, v := range row {
		b = append(b, ' ')
		if e.Schema != nil && i < len(e.Schema.Columns) {
			b = append(b, e.Schema.Columns[i].Name...)
		} else {
			b = strconv.AppendInt(b, int64(i), 10)
		}
		b = append(b, '=')
		b = append(b, formatValue(v)...)
	}
	b = append(b, '\n')
	s.line = b
	_, err := s.w.Write(b)
	return err
}

// Flush writes the buffered lines to the writer.
func (s *PrintSink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

// formatValue writes a canonical value readably: strings quoted, bytes as
// x'hex', times in RFC 3339, NULL for nil.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(x)
	case cdc.JSON:
		return strconv.Quote(string(x))
	case cdc.ZeroTime:
		return strconv.Quote(string(x))
	case []byte:
		return "x'" + hex.EncodeToString(x) + "'"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case decimal.Decimal:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
