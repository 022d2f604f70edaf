package debezium

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// ErrEncode is matched, with errors.Is, by every error AppendEvent returns.
var ErrEncode = errors.New("debezium: cannot encode event")

// EncodeError reports an event that cannot be encoded: a bad setting, a
// row that does not fit its schema, or a value of the wrong Go type.
type EncodeError struct {
	// Table is the event's table and Column the column at fault, if any.
	Table  cdc.TableID
	Column string
	// Reason says what is wrong.
	Reason string
}

func (e *EncodeError) Error() string {
	var b strings.Builder
	b.WriteString("debezium: encode ")
	b.WriteString(e.Table.String())
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Is reports whether target is ErrEncode.
func (e *EncodeError) Is(target error) bool { return target == ErrEncode }

// settings is a Config with defaults applied and derived facts.
type settings struct {
	Config
	shape
	err error // from validate
	// With IncludeSchema, the schemas that do not depend on the table.
	sourceSchema, schemaChangeSchema string
}

// Encoder writes events as Debezium's MySQL connector does. It implements
// [cdc.Deserializer], and [cdc.ConfigValidator] so that a source's Build
// reports a bad setting; make one with [JSON]. An Encoder is safe for
// concurrent use.
type Encoder struct {
	s settings
	// tables caches what is computed once per table schema and server name
	// (the quoted column names and, with IncludeSchema, the rendered
	// schema), keyed by the *cdc.TableSchema, which never changes once
	// built.
	tables sync.Map
}

// codecKey identifies a cached tableCodec: the schema names start with the
// server name.
type codecKey struct {
	schema     *cdc.TableSchema
	serverName string
}

// JSON returns the encoder that writes events as Debezium's MySQL
// connector's JSON, the counterpart of Flink CDC's
// JsonDebeziumDeserializationSchema. Without options it writes what Flink
// CDC 3 writes by default; see [Config] for the defaults. Bad options are
// reported by the encoder's Validate, which a source's Build calls, before
// any I/O.
func JSON(opts ...Option) cdc.Deserializer {
	return NewEncoder(configFrom(opts))
}

func configFrom(opts []Option) Config {
	var c Config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// NewEncoder returns an encoder with the settings of cfg; cfg is copied. A
// bad setting is reported by Validate, and makes every AppendEvent fail with
// the same error.
func NewEncoder(cfg Config) *Encoder {
	s := settings{Config: cfg.withDefaults()}
	s.err = s.validate()
	if r, err := parseRelease(s.Version); err == nil {
		s.shape = shapeOf(r)
	}
	if s.IncludeSchema {
		s.sourceSchema = s.renderSourceSchema()
		s.schemaChangeSchema = s.renderSchemaChangeSchema()
	}
	return &Encoder{s: s}
}

// Validate returns an error naming every bad setting, its value and the
// valid choices, or nil. It implements [cdc.ConfigValidator]: a source's
// Build calls it.
func (e *Encoder) Validate() error { return e.s.err }

// Config returns the encoder's settings, defaults applied.
func (e *Encoder) Config() Config { return e.s.Config }

// serverName is the event's source.name and schema name prefix.
func (e *Encoder) serverName(ev *cdc.Event) string {
	switch {
	case e.s.ServerName != "":
		return e.s.ServerName
	case ev.Source.Name != "":
		return ev.Source.Name
	}
	return DefaultServerName
}

type tableCodec struct {
	keys   [][]byte // `"name":` per column
	schema []byte   // rendered envelope schema, with IncludeSchema
}

func (e *Encoder) codec(s *cdc.TableSchema, serverName string) *tableCodec {
	key := codecKey{s, serverName}
	if v, ok := e.tables.Load(key); ok {
		return v.(*tableCodec)
	}
	tc := &tableCodec{keys: make([][]byte, len(s.Columns))}
	for i := range s.Columns {
		k := appendJSONString(nil, s.Columns[i].Name)
		tc.keys[i] = append(k, ':')
	}
	if e.s.IncludeSchema {
		tc.schema = e.s.envelopeSchema(s, serverName)
	}
	v, _ := e.tables.LoadOrStore(key, tc)
	return v.(*tableCodec)
}

// AppendEvent appends the Debezium JSON of ev to dst. Row changes become
// the change event envelope, {"before","after","source","op","ts_ms",
// "transaction"} (with ts_us and ts_ns, and in another order, from Debezium
// 2.6; see [Version]); an [cdc.OpSchemaChange] becomes Debezium's schema
// change record, {"source","databaseName","schemaName","ddl",
// "tableChanges"}. With IncludeSchema either is wrapped as
// {"schema":…,"payload":…}.
func (e *Encoder) AppendEvent(dst []byte, ev *cdc.Event) ([]byte, error) {
	if e.s.err != nil {
		return dst, &EncodeError{Table: ev.Table, Reason: e.s.err.Error()}
	}
	if ev.Op == cdc.OpSchemaChange {
		return e.appendSchemaChange(dst, ev)
	}
	if !ev.Op.IsRowChange() {
		return dst, &EncodeError{Table: ev.Table, Reason: fmt.Sprintf("unknown op %q", ev.Op)}
	}
	if ev.Schema == nil {
		return dst, &EncodeError{Table: ev.Table, Reason: "event has no schema"}
	}
	start := len(dst)
	name := e.serverName(ev)
	tc := e.codec(ev.Schema, name)
	if e.s.IncludeSchema {
		dst = append(dst, `{"schema":`...)
		dst = append(dst, tc.schema...)
		dst = append(dst, `,"payload":`...)
	}
	var err error
	dst = append(dst, `{"before":`...)
	if dst, err = e.appendRow(dst, ev, tc, ev.Before); err != nil {
		return dst[:start], err
	}
	dst = append(dst, `,"after":`...)
	if dst, err = e.appendRow(dst, ev, tc, ev.After); err != nil {
		return dst[:start], err
	}
	dst = append(dst, `,"source":`...)
	dst = e.appendSource(dst, ev, name)
	if e.s.transactionFirst {
		dst = append(dst, `,"transaction":null`...)
	}
	dst = append(dst, `,"op":"`...)
	dst = append(dst, ev.Op...)
	dst = append(dst, '"')
	dst = e.appendTimestamps(dst, ev.TsMs)
	if !e.s.transactionFirst {
		dst = append(dst, `,"transaction":null`...)
	}
	dst = append(dst, '}')
	if e.s.IncludeSchema {
		dst = append(dst, '}')
	}
	return dst, nil
}

// appendTimestamps writes ts_ms, and from Debezium 2.6 ts_us and ts_ns, of
// the same instant.
func (e *Encoder) appendTimestamps(dst []byte, ms int64) []byte {
	dst = append(dst, `,"ts_ms":`...)
	dst = strconv.AppendInt(dst, ms, 10)
	if e.s.microTimestamps {
		dst = append(dst, `,"ts_us":`...)
		dst = strconv.AppendInt(dst, ms*1000, 10)
		dst = append(dst, `,"ts_ns":`...)
		dst = strconv.AppendInt(dst, ms*1_000_000, 10)
	}
	return dst
}

func (e *Encoder) appendSource(dst []byte, ev *cdc.Event, serverName string) []byte {
	src := &ev.Source
	dst = append(dst, `{"version":`...)
	dst = appendJSONString(dst, e.s.Version)
	dst = append(dst, `,"connector":"mysql","name":`...)
	dst = appendJSONString(dst, serverName)
	dst = append(dst, `,"ts_ms":`...)
	dst = strconv.AppendInt(dst, src.TsMs, 10)
	dst = append(dst, `,"snapshot":`...)
	snap := src.Snapshot
	switch {
	case snap == "":
		snap = cdc.SnapshotFalse
	case snap == cdc.SnapshotFirst && !e.s.v2:
		// Debezium 1.x's snapshot enum has no "first" (true, last, false,
		// incremental): its first snapshot record says "true".
		snap = cdc.SnapshotTrue
	}
	dst = appendJSONString(dst, string(snap))
	db, table := src.Database, src.Table
	if db == "" {
		db = ev.Table.Database
	}
	if table == "" {
		table = ev.Table.Table
	}
	dst = append(dst, `,"db":`...)
	dst = appendJSONString(dst, db)
	dst = append(dst, `,"sequence":null`...)
	if e.s.microTimestamps {
		dst = append(dst, `,"ts_us":`...)
		dst = strconv.AppendInt(dst, src.TsMs*1000, 10)
		dst = append(dst, `,"ts_ns":`...)
		dst = strconv.AppendInt(dst, src.TsMs*1_000_000, 10)
	}
	dst = append(dst, `,"table":`...)
	if table == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONString(dst, table)
	}
	dst = append(dst, `,"server_id":`...)
	dst = strconv.AppendUint(dst, uint64(src.ServerID), 10)
	dst = append(dst, `,"gtid":`...)
	dst = appendOptionalString(dst, src.GTID)
	dst = append(dst, `,"file":`...)
	dst = appendJSONString(dst, src.File)
	dst = append(dst, `,"pos":`...)
	dst = strconv.AppendUint(dst, src.Pos, 10)
	dst = append(dst, `,"row":`...)
	dst = strconv.AppendInt(dst, int64(src.Row), 10)
	dst = append(dst, `,"thread":`...)
	if src.Thread == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, src.Thread, 10)
	}
	dst = append(dst, `,"query":`...)
	if e.s.IncludeQuery {
		dst = appendOptionalString(dst, src.Query)
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

func appendOptionalString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, s)
}

func (e *Encoder) appendRow(dst []byte, ev *cdc.Event, tc *tableCodec, row cdc.Row) ([]byte, error) {
	if row == nil {
		return append(dst, "null"...), nil
	}
	cols := ev.Schema.Columns
	if len(row) != len(cols) {
		return dst, &EncodeError{Table: ev.Table, Reason: fmt.Sprintf("row has %d values, the schema %d columns", len(row), len(cols))}
	}
	dst = append(dst, '{')
	for i := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, tc.keys[i]...)
		var err error
		if dst, err = e.s.appendValue(dst, &cols[i], row[i]); err != nil {
			return dst, &EncodeError{Table: ev.Table, Column: cols[i].Name, Reason: err.Error()}
		}
	}
	return append(dst, '}'), nil
}

var epoch = time.Unix(0, 0).UTC()

// zonedTimestampLayout writes io.debezium.time.ZonedTimestamp as Java's
// ISO_OFFSET_DATE_TIME does: the fraction only when not zero, without
// trailing zeros. paddedZonedTimestampLayouts[n] writes exactly n digits,
// truncated, as Debezium does from 2.1.2 for a TIMESTAMP(n) column.
const zonedTimestampLayout = "2006-01-02T15:04:05.999999999Z07:00"

var paddedZonedTimestampLayouts = [...]string{"", "2006-01-02T15:04:05.0Z07:00", "2006-01-02T15:04:05.00Z07:00",
	"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.0000Z07:00", "2006-01-02T15:04:05.00000Z07:00",
	"2006-01-02T15:04:05.000000Z07:00"}

// appendValue writes one canonical value as Debezium writes the column.
func (s *settings) appendValue(dst []byte, col *cdc.Column, v any) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	t := &col.Type
	zero := false
	if _, ok := v.(cdc.ZeroTime); ok {
		// Debezium writes a zero date as null when the column allows it,
		// else as the epoch (0, or 1970-01-01T00:00:00Z, never padded).
		if col.Nullable {
			return append(dst, "null"...), nil
		}
		v, zero = epoch, true
	}
	wrongType := func() error {
		return fmt.Errorf("value of Go type %T for a %s column; want the canonical type of package cdc", v, t.Kind)
	}
	switch k := t.Kind; {
	case k.IsInteger():
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(dst, x, 10), nil
		case uint64:
			if k == cdc.KindBigInt && s.BigIntUnsigned == BigIntUnsignedPrecise {
				return appendDecimalBytes(dst, new(big.Int).SetUint64(x)), nil
			}
			return strconv.AppendInt(dst, int64(x), 10), nil // long mode wraps, as Debezium does
		}
	case k == cdc.KindDecimal:
		d, ok := v.(decimal.Decimal)
		if !ok {
			break
		}
		switch s.DecimalHandling {
		case DecimalDouble:
			f, _ := d.Float64()
			return appendJavaFloat(dst, f, 64), nil
		case DecimalString:
			return appendJSONString(dst, d.StringFixed(int32(t.Scale))), nil
		}
		return appendDecimalBytes(dst, unscaled(d, t.Scale)), nil
	case k == cdc.KindFloat:
		if x, ok := v.(float32); ok {
			if isFloat32(t) {
				return appendJavaFloat(dst, float64(x), 32), nil
			}
			return appendJavaFloat(dst, float64(x), 64), nil
		}
	case k == cdc.KindDouble:
		if x, ok := v.(float64); ok {
			return appendJavaFloat(dst, x, 64), nil
		}
	case k == cdc.KindBit:
		x, ok := v.(uint64)
		if !ok {
			break
		}
		if t.Length <= 1 {
			return strconv.AppendBool(dst, x != 0), nil
		}
		var le [8]byte
		binary.LittleEndian.PutUint64(le[:], x)
		return appendBase64(dst, le[:(t.Length+7)/8], base64.StdEncoding), nil
	case k == cdc.KindYear:
		if x, ok := v.(int64); ok {
			return strconv.AppendInt(dst, x, 10), nil
		}
	case k == cdc.KindDate:
		if x, ok := v.(time.Time); ok {
			return strconv.AppendInt(dst, floorDiv(x.Unix(), 86400), 10), nil
		}
	case k == cdc.KindDateTime:
		if x, ok := v.(time.Time); ok {
			if s.TimePrecision == TimeConnect || t.FSP <= 3 {
				return strconv.AppendInt(dst, x.UnixMilli(), 10), nil
			}
			return strconv.AppendInt(dst, x.UnixMicro(), 10), nil
		}
	case k == cdc.KindTimestamp:
		if x, ok := v.(time.Time); ok {
			layout := zonedTimestampLayout
			if s.paddedTimestamps && !zero && t.FSP > 0 && t.FSP < len(paddedZonedTimestampLayouts) {
				layout = paddedZonedTimestampLayouts[t.FSP]
			}
			dst = append(dst, '"')
			dst = x.UTC().AppendFormat(dst, layout)
			return append(dst, '"'), nil
		}
	case k == cdc.KindTime:
		if x, ok := v.(time.Duration); ok {
			if s.TimePrecision == TimeConnect || (s.TimePrecision == TimeAdaptive && t.FSP <= 3) {
				return strconv.AppendInt(dst, x.Milliseconds(), 10), nil
			}
			return strconv.AppendInt(dst, x.Microseconds(), 10), nil
		}
	case k.IsText(), k == cdc.KindEnum, k == cdc.KindSet:
		if x, ok := v.(string); ok {
			return appendJSONString(dst, x), nil
		}
	case k.IsBinary():
		if x, ok := v.([]byte); ok {
			switch s.Binary {
			case BinaryHex:
				dst = append(dst, '"')
				dst = hex.AppendEncode(dst, x)
				return append(dst, '"'), nil
			case BinaryBase64URLSafe:
				return appendBase64(dst, x, base64.URLEncoding), nil
			}
			return appendBase64(dst, x, base64.StdEncoding), nil
		}
	case k == cdc.KindJSON:
		if x, ok := v.(cdc.JSON); ok {
			return appendJSONString(dst, string(x)), nil
		}
	case k == cdc.KindGeometry:
		if x, ok := v.([]byte); ok {
			return appendGeometry(dst, x, isPoint(t))
		}
	case k == cdc.KindVector:
		if x, ok := v.([]float32); ok {
			dst = append(dst, '[')
			for i, f := range x {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendJavaFloat(dst, float64(f), 32)
			}
			return append(dst, ']'), nil
		}
	}
	return dst, wrongType()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

var bigTen = big.NewInt(10)

// unscaled returns d's digits as an integer at the column's scale.
func unscaled(d decimal.Decimal, scale int) *big.Int {
	c := d.Coefficient()
	shift := int(d.Exponent()) + scale
	switch {
	case shift > 0:
		c.Mul(c, new(big.Int).Exp(bigTen, big.NewInt(int64(shift)), nil))
	case shift < 0:
		c.Quo(c, new(big.Int).Exp(bigTen, big.NewInt(int64(-shift)), nil))
	}
	return c
}

// appendDecimalBytes writes n as Java's BigInteger.toByteArray does (the
// fewest big-endian two's-complement bytes that hold n and its sign), in
// base64, as Kafka's JSON converter writes a Decimal.
func appendDecimalBytes(dst []byte, n *big.Int) []byte {
	var b []byte
	switch n.Sign() {
	case 0:
		b = []byte{0}
	case 1:
		b = n.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
	default:
		// Java's bitLength of a negative n is that of -n-1.
		m := new(big.Int).Neg(n)
		m.Sub(m, big.NewInt(1))
		size := m.BitLen()/8 + 1
		mod := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
		mod.Add(mod, n)
		b = mod.FillBytes(make([]byte, size))
	}
	return appendBase64(dst, b, base64.StdEncoding)
}

func appendBase64(dst, b []byte, enc *base64.Encoding) []byte {
	dst = append(dst, '"')
	dst = enc.AppendEncode(dst, b)
	return append(dst, '"')
}

// appendGeometry splits MySQL's geometry value (SRID, little-endian, then
// WKB) into Debezium's Geometry struct {wkb, srid}, or for a POINT column
// its Point struct {x, y, wkb, srid}.
func appendGeometry(dst, v []byte, point bool) ([]byte, error) {
	if len(v) < 4 {
		return dst, fmt.Errorf("geometry value of %d bytes has no SRID", len(v))
	}
	srid := binary.LittleEndian.Uint32(v)
	wkb := v[4:]
	dst = append(dst, '{')
	if point {
		if len(wkb) < 21 {
			return dst, fmt.Errorf("POINT value of %d bytes is too short", len(wkb))
		}
		var order binary.ByteOrder = binary.LittleEndian
		if wkb[0] == 0 {
			order = binary.BigEndian
		}
		x := math.Float64frombits(order.Uint64(wkb[5:]))
		y := math.Float64frombits(order.Uint64(wkb[13:]))
		dst = append(dst, `"x":`...)
		dst = appendJavaFloat(dst, x, 64)
		dst = append(dst, `,"y":`...)
		dst = appendJavaFloat(dst, y, 64)
		dst = append(dst, ',')
	}
	dst = append(dst, `"wkb":`...)
	dst = appendBase64(dst, wkb, base64.StdEncoding)
	dst = append(dst, `,"srid":`...)
	dst = strconv.AppendUint(dst, uint64(srid), 10)
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string the way Jackson does: ", \
// and control characters escaped, everything else, non-ASCII included, as
// UTF-8. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
