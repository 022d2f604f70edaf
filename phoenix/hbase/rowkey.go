package hbase

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/phoenix"
)

// ErrUnsupportedKeyType is matched by the error for a key column whose
// Phoenix type this package does not encode (DECIMAL, arrays, DESC keys).
var ErrUnsupportedKeyType = errors.New("hbase: Phoenix key type not supported")

// KeyColumn is one primary key column of a Phoenix table: its name and
// Phoenix type as declared, such as "BIGINT", "VARCHAR", "CHAR(4)",
// "BINARY(16)".
type KeyColumn struct {
	Name string
	Type string
}

// RowKey is the layout of a Phoenix table's HBase row key: its primary key
// columns in key order, and its SALT_BUCKETS (0 when unsalted). See the
// package documentation for the bytes.
type RowKey struct {
	SaltBuckets int
	Columns     []KeyColumn
}

// RowKeyOf returns the row key layout of the Phoenix table that package
// phoenix makes from schema under opts.
func RowKeyOf(schema *cdc.TableSchema, opts phoenix.TableOptions) (RowKey, error) {
	k := RowKey{SaltBuckets: opts.SaltBuckets}
	for _, name := range schema.PrimaryKey {
		i := schema.ColumnIndex(name)
		if i < 0 {
			return RowKey{}, fmt.Errorf("hbase: %s: key column %q is not a column", schema.Table, name)
		}
		typ, err := phoenix.PhoenixType(schema.Columns[i].Type, opts.Layout)
		if err != nil {
			return RowKey{}, err
		}
		k.Columns = append(k.Columns, KeyColumn{Name: name, Type: typ})
	}
	return k, nil
}

// SaltByte is Phoenix's salt of key (the row key without its salt byte) in
// a table of buckets buckets: Java's Arrays.hashCode-style hash of the
// bytes as signed values (h = 31*h + b, from 1, in 32-bit arithmetic),
// modulo buckets, made non-negative (SaltingUtil.getSaltingByte).
func SaltByte(key []byte, buckets int) byte {
	h := int32(1)
	for _, b := range key {
		h = 31*h + int32(int8(b))
	}
	r := h % int32(buckets)
	if r < 0 {
		r = -r
	}
	return byte(r)
}

type keyType struct {
	base  string
	width int // fixed width in bytes; 0 for variable
}

func parseKeyType(col KeyColumn, last bool) (keyType, error) {
	base, arg, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(col.Type)), "(")
	widths := map[string]int{
		"TINYINT": 1, "SMALLINT": 2, "INTEGER": 4, "BIGINT": 8,
		"UNSIGNED_TINYINT": 1, "UNSIGNED_SMALLINT": 2, "UNSIGNED_INT": 4, "UNSIGNED_LONG": 8,
		"FLOAT": 4, "DOUBLE": 8, "BOOLEAN": 1, "DATE": 8, "TIME": 8, "TIMESTAMP": 12,
	}
	switch base {
	case "VARCHAR":
		return keyType{base: base}, nil
	case "VARBINARY":
		if !last {
			return keyType{}, fmt.Errorf("hbase: key column %s: VARBINARY can only be the last key column", col.Name)
		}
		return keyType{base: base}, nil
	case "CHAR", "BINARY":
		n, err := strconv.Atoi(strings.TrimSuffix(arg, ")"))
		if err != nil || n < 1 {
			return keyType{}, fmt.Errorf("hbase: key column %s: %s needs its length, such as %s(16)", col.Name, base, base)
		}
		return keyType{base: base, width: n}, nil
	}
	if w, ok := widths[base]; ok {
		return keyType{base: base, width: w}, nil
	}
	return keyType{}, fmt.Errorf("hbase: key column %s of type %s: %w (read such tables through package phoenix)", col.Name, col.Type, ErrUnsupportedKeyType)
}

// Encode returns the row key of the given key values (one per column, in
// key order: int64 for the integer types, float64, bool, string for
// VARCHAR and CHAR, []byte for BINARY and VARBINARY, time.Time for DATE,
// TIME and TIMESTAMP), salt byte first when the table is salted.
func (k RowKey) Encode(values ...any) ([]byte, error) {
	if len(values) != len(k.Columns) {
		return nil, fmt.Errorf("hbase: row key has %d columns, got %d values", len(k.Columns), len(values))
	}
	var b []byte
	for i, col := range k.Columns {
		last := i == len(k.Columns)-1
		t, err := parseKeyType(col, last)
		if err != nil {
			return nil, err
		}
		if b, err = encodeValue(b, t, values[i]); err != nil {
			return nil, fmt.Errorf("hbase: key column %s (%s): %w", col.Name, col.Type, err)
		}
		if t.width == 0 && !last {
			b = append(b, 0) // Phoenix's separator after a variable-length key column
		}
	}
	if k.SaltBuckets > 0 {
		b = append([]byte{SaltByte(b, k.SaltBuckets)}, b...)
	}
	return b, nil
}

func encodeValue(b []byte, t keyType, v any) ([]byte, error) {
	switch t.base {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UNSIGNED_TINYINT", "UNSIGNED_SMALLINT", "UNSIGNED_INT", "UNSIGNED_LONG":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want int64, got %T", v)
		}
		bits := uint64(n)
		if !strings.HasPrefix(t.base, "UNSIGNED_") {
			bits ^= 1 << (8*t.width - 1) // flip the sign bit so that negatives sort first
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], bits)
		return append(b, buf[8-t.width:]...), nil
	case "FLOAT", "DOUBLE":
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("want float64, got %T", v)
		}
		if t.base == "FLOAT" {
			u := math.Float32bits(float32(f))
			u = sortableFloat32(u)
			return binary.BigEndian.AppendUint32(b, u), nil
		}
		return binary.BigEndian.AppendUint64(b, sortableFloat64(math.Float64bits(f))), nil
	case "BOOLEAN":
		x, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want bool, got %T", v)
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case "DATE", "TIME", "TIMESTAMP":
		tm, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("want time.Time, got %T", v)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(tm.UnixMilli())^(1<<63))
		if t.base == "TIMESTAMP" {
			b = binary.BigEndian.AppendUint32(b, uint32(tm.Nanosecond()%1e6))
		}
		return b, nil
	case "VARCHAR":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want string, got %T", v)
		}
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("a VARCHAR key value cannot hold NUL, Phoenix's separator")
		}
		return append(b, s...), nil
	case "CHAR":
		s, ok := v.(string)
		if !ok || len(s) > t.width {
			return nil, fmt.Errorf("want a string of at most %d bytes, got %T %q", t.width, v, s)
		}
		return append(append(b, s...), bytes.Repeat([]byte{' '}, t.width-len(s))...), nil
	case "BINARY":
		x, ok := v.([]byte)
		if !ok || len(x) > t.width {
			return nil, fmt.Errorf("want []byte of at most %d bytes, got %T", t.width, v)
		}
		return append(append(b, x...), make([]byte, t.width-len(x))...), nil
	case "VARBINARY":
		x, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("want []byte, got %T", v)
		}
		return append(b, x...), nil
	}
	return nil, ErrUnsupportedKeyType
}

// Phoenix sorts floats by their bits with the sign bit flipped for
// positives and every bit flipped for negatives.
func sortableFloat32(u uint32) uint32 {
	if u&(1<<31) != 0 {
		return ^u
	}
	return u | 1<<31
}

func sortableFloat64(u uint64) uint64 {
	if u&(1<<63) != 0 {
		return ^u
	}
	return u | 1<<63
}

// Decode reads a row key: the salt byte (0 when unsalted) and one value
// per key column, of the types Encode takes. It checks the salt byte
// against the rest of the key.
func (k RowKey) Decode(key []byte) (salt byte, values []any, err error) {
	if k.SaltBuckets > 0 {
		if len(key) == 0 {
			return 0, nil, fmt.Errorf("hbase: empty row key of a salted table")
		}
		salt, key = key[0], key[1:]
		if want := SaltByte(key, k.SaltBuckets); salt != want {
			return 0, nil, fmt.Errorf("hbase: salt byte %d, but the key hashes to bucket %d of %d: not a row key of this layout", salt, want, k.SaltBuckets)
		}
	}
	for i, col := range k.Columns {
		last := i == len(k.Columns)-1
		t, err := parseKeyType(col, last)
		if err != nil {
			return 0, nil, err
		}
		var field []byte
		switch {
		case t.width > 0:
			if len(key) < t.width {
				return 0, nil, fmt.Errorf("hbase: key column %s (%s): %d bytes left, want %d", col.Name, col.Type, len(key), t.width)
			}
			field, key = key[:t.width], key[t.width:]
		case last:
			field, key = key, nil
		default:
			end := bytes.IndexByte(key, 0)
			if end < 0 {
				return 0, nil, fmt.Errorf("hbase: key column %s (%s): no separator after it", col.Name, col.Type)
			}
			field, key = key[:end], key[end+1:]
		}
		v, err := decodeValue(t, field)
		if err != nil {
			return 0, nil, fmt.Errorf("hbase: key column %s: %w", col.Name, err)
		}
		values = append(values, v)
	}
	if len(key) != 0 {
		return 0, nil, fmt.Errorf("hbase: %d bytes after the last key column", len(key))
	}
	return salt, values, nil
}

func decodeValue(t keyType, f []byte) (any, error) {
	switch t.base {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		var buf [8]byte
		copy(buf[8-t.width:], f)
		u := binary.BigEndian.Uint64(buf[:]) ^ 1<<(8*t.width-1)
		shift := 64 - 8*t.width
		return int64(u<<shift) >> shift, nil
	case "UNSIGNED_TINYINT", "UNSIGNED_SMALLINT", "UNSIGNED_INT", "UNSIGNED_LONG":
		var buf [8]byte
		copy(buf[8-t.width:], f)
		return int64(binary.BigEndian.Uint64(buf[:])), nil
	case "FLOAT":
		u := binary.BigEndian.Uint32(f)
		if u&(1<<31) != 0 {
			u &^= 1 << 31
		} else {
			u = ^u
		}
		return float64(math.Float32frombits(u)), nil
	case "DOUBLE":
		u := binary.BigEndian.Uint64(f)
		if u&(1<<63) != 0 {
			u &^= 1 << 63
		} else {
			u = ^u
		}
		return math.Float64frombits(u), nil
	case "BOOLEAN":
		return f[0] != 0, nil
	case "DATE", "TIME", "TIMESTAMP":
		ms := int64(binary.BigEndian.Uint64(f) ^ 1<<63)
		tm := time.UnixMilli(ms).UTC()
		if t.base == "TIMESTAMP" {
			tm = tm.Add(time.Duration(binary.BigEndian.Uint32(f[8:])))
		}
		return tm, nil
	case "VARCHAR":
		return string(f), nil
	case "CHAR":
		return strings.TrimRight(string(f), " "), nil
	case "BINARY", "VARBINARY":
		return bytes.Clone(f), nil
	}
	return nil, ErrUnsupportedKeyType
}

// ScanRanges returns the row ranges a scan of the key range [start, stop)
// (unsalted keys, as Encode writes them without the salt byte; nil for an
// open end) covers in the table: one range when the table is unsalted; one
// per bucket when it is salted, each prefixed with its bucket's byte,
// since salting scatters neighbouring keys over the buckets. Scan each
// range with [Client.Scan]; the rows of one bucket come in key order.
func (k RowKey) ScanRanges(start, stop []byte) [][2][]byte {
	if k.SaltBuckets == 0 {
		return [][2][]byte{{start, stop}}
	}
	out := make([][2][]byte, k.SaltBuckets)
	for b := range k.SaltBuckets {
		lo := append([]byte{byte(b)}, start...)
		var hi []byte
		if stop != nil {
			hi = append([]byte{byte(b)}, stop...)
		} else {
			hi = []byte{byte(b + 1)} // the next bucket's first key
		}
		out[b] = [2][]byte{lo, hi}
	}
	return out
}
