package clickhouse

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
)

// The spill file. A block the insert job has sent within an INSERT must
// stay until the server acknowledges the INSERT, so that a failed one can
// be sent again; held in memory, those blocks bound an INSERT's size by
// MaxBytes, and small INSERTs cost the server three times the CPU per row
// of one large one (see sink_insert.go). So the job writes each block, as
// the batch's columns encode it, to a file as soon as it has handed the
// block to the batch, and the block goes back to its table at once, to be
// filled again: the rows wait for the acknowledgement in the file (in the
// page cache, as a rule: the file is emptied once its INSERT is
// acknowledged, before the kernel would write most of it out). An INSERT
// can then take MaxRows rows, or maxSpillBytes, with the sink's memory
// still bounded by MaxBytes. A retry reads the blocks back into the
// batch's columns (column.Interface.Decode, as clickhouse-go reads a
// block from the server).
//
// The file is removed from its directory as soon as it is made: it never
// outlives the process, however that ends. Only insert jobs use it, one at
// a time (see [insertJob]); Close closes it.

// maxSpillBytes is the most bytes of one INSERT the spill file holds: the
// INSERT ends there. It is ClickHouse's min_insert_block_size_bytes, the
// size at which the server squashes an INSERT's blocks into a part.
const maxSpillBytes = 256 << 20

// spillRetry is how long the spill file rests after it could not be made
// or written: the INSERTs started meanwhile hold their rows in memory
// without trying it (nor logging it) again.
const spillRetry = time.Minute

// errSpillRests is the error of a write while the spill file rests.
var errSpillRests = errors.New("clickhouse: sink: the spill file failed, and rests")

// spillFile holds the encoded blocks of the INSERTs not yet acknowledged.
type spillFile struct {
	dir string
	// log gets the warning, once (warned), that the file is on tmpfs.
	log    *slog.Logger
	warned bool
	f      *os.File
	// size is where the next block goes: the end of the last block live
	// (written and not yet released). live holds those blocks. The file
	// is emptied when none is live; when the last ones are released, the
	// next blocks overwrite them, so that blocks kept live (those of an
	// INSERT that keeps failing) do not make the file grow with every
	// INSERT written after them.
	size int64
	live map[*spilled]struct{}
	// held is size for Stats, read without the sink's lock.
	held atomic.Int64
	// enc and dec are reused from block to block.
	enc proto.Buffer
	dec []byte
	// types are the column types of the last block written, shared by
	// the blocks written with the same.
	types []column.Type
	// failed is when the file last failed, zero once it works again; it
	// is not tried for rest after (spillRetry; zero: always tried).
	failed time.Time
	rest   time.Duration
}

// spilled is a block in the spill file: where it is, the types of the
// columns it was encoded from (the table's when it was sent), and the
// rows and estimated bytes it holds, of a table of layout.
type spilled struct {
	layout      *tableLayout
	types       []column.Type
	off, n      int64
	rows, bytes int
}

// write appends the rows cols hold, rows of them, to the file, opening it
// first if need be. It returns errSpillRests, trying nothing, for rest
// after the file failed.
func (sf *spillFile) write(cols []column.Interface, rows int) (_ *spilled, err error) {
	if !sf.failed.IsZero() && time.Since(sf.failed) < sf.rest {
		return nil, errSpillRests
	}
	defer func() {
		sf.failed = time.Time{}
		if err != nil {
			sf.failed = time.Now()
		}
	}()
	if sf.f == nil {
		f, err := os.CreateTemp(sf.dir, "rtdw-clickhouse-spill-*")
		if err != nil {
			return nil, fmt.Errorf("clickhouse: sink: making the spill file (SinkConfig.SpillDir %q): %w", sf.dir, err)
		}
		if err := os.Remove(f.Name()); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("clickhouse: sink: unlinking the spill file (SinkConfig.SpillDir %q): %w", sf.dir, err)
		}
		sf.f = f
		if !sf.warned && onTmpfs(f) && sf.log != nil {
			sf.warned = true
			sf.log.Warn("clickhouse sink: the spill file is on tmpfs, which is memory: set SinkConfig.SpillDir to a directory on disk "+
				"for MaxBytes to bound the memory the sink's rows take", "dir", sf.dir)
		}
	}
	sf.enc.Reset()
	for _, c := range cols {
		if c.Rows() != rows {
			return nil, fmt.Errorf("clickhouse: sink: spilling column %s: %d rows, the block %d", c.Name(), c.Rows(), rows)
		}
		if cs, ok := c.(column.CustomSerialization); ok {
			if err := cs.WriteStatePrefix(&sf.enc); err != nil {
				return nil, fmt.Errorf("clickhouse: sink: spilling column %s: %w", c.Name(), err)
			}
		}
		c.Encode(&sf.enc)
	}
	if _, err := sf.f.WriteAt(sf.enc.Buf, sf.size); err != nil {
		return nil, fmt.Errorf("clickhouse: sink: writing the spill file: %w", err)
	}
	sp := &spilled{types: sf.typesOf(cols), off: sf.size, n: int64(len(sf.enc.Buf)), rows: rows}
	sf.size += sp.n
	if sf.live == nil {
		sf.live = map[*spilled]struct{}{}
	}
	sf.live[sp] = struct{}{}
	sf.held.Store(sf.size)
	if cap(sf.enc.Buf) > 2*len(sf.enc.Buf) && cap(sf.enc.Buf) > 1<<20 {
		sf.enc.Buf = nil // a block of unusually large rows: its room goes
	}
	return sp, nil
}

// typesOf returns the types of cols: sf.types when they are the same, so
// that the blocks of an INSERT share one slice.
func (sf *spillFile) typesOf(cols []column.Interface) []column.Type {
	same := len(sf.types) == len(cols)
	for i := 0; same && i < len(cols); i++ {
		same = cols[i].Type() == sf.types[i]
	}
	if !same {
		sf.types = make([]column.Type, len(cols))
		for i, c := range cols {
			sf.types[i] = c.Type()
		}
	}
	return sf.types
}

// read appends the rows of sp to cols, the columns it was written from or
// those of a new batch of the same INSERT, whose types may have changed
// since (an ALTER TABLE while the rows waited for a retry).
func (sf *spillFile) read(sp *spilled, cols []column.Interface) error {
	if int64(cap(sf.dec)) < sp.n {
		sf.dec = make([]byte, sp.n)
	}
	buf := sf.dec[:sp.n]
	if n, err := sf.f.ReadAt(buf, sp.off); n != len(buf) {
		return fmt.Errorf("clickhouse: sink: reading the spill file: %d bytes of a block of %d at %d: %w", n, len(buf), sp.off, err)
	}
	// A reader per block (a retry's, which is rare): it reads ahead.
	r := proto.NewReader(bytes.NewReader(buf))
	err := decodeBlock(r, sp.types, cols, sp.rows)
	if err == nil {
		if _, end := r.ReadByte(); end == nil {
			err = fmt.Errorf("bytes left over after the block")
		}
	}
	if err != nil {
		return fmt.Errorf("clickhouse: sink: reading %d rows back from the spill file: %w", sp.rows, err)
	}
	if cap(sf.dec) > 4<<20 {
		sf.dec = nil
	}
	return nil
}

// decodeBlock appends rows rows, as clickhouse-go encodes a block's
// columns of types (nil: those of cols), from r to cols. A column whose
// type is no longer the one its rows were encoded in is decoded in that
// type and its values appended one by one, converted as clickhouse-go
// converts a value appended to the column: the bytes of another type
// would not decode, or decode as other values.
func decodeBlock(r *proto.Reader, types []column.Type, cols []column.Interface, rows int) error {
	if types != nil && len(types) != len(cols) {
		return fmt.Errorf("a block of %d columns, the INSERT has %d", len(types), len(cols))
	}
	for i, c := range cols {
		if types == nil || types[i] == c.Type() {
			if err := decodeColumn(r, c, rows); err != nil {
				return err
			}
			continue
		}
		old, err := types[i].Column(c.Name(), &column.ServerContext{Timezone: time.UTC})
		if err != nil {
			return fmt.Errorf("column %s of type %s, spilled as %s: %w", c.Name(), c.Type(), types[i], err)
		}
		if err := decodeColumn(r, old, rows); err != nil {
			return err
		}
		if err := appendConverted(c, old); err != nil {
			return err
		}
	}
	return nil
}

// appendConverted appends the values of src, a column of the type a
// block was spilled in, to c, a column of the same name and another
// type, value by value.
func appendConverted(c, src column.Interface) error {
	for i := range src.Rows() {
		v := src.Row(i, false)
		// A Nullable column gives its values by pointer.
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			if v = nil; !rv.IsNil() {
				v = rv.Elem().Interface()
			}
		}
		if err := c.AppendRow(v); err != nil {
			return fmt.Errorf("column %s, now of type %s, cannot take the value %v spilled as %s: %w; write the rows again from the source (restart from its stored offset)",
				c.Name(), c.Type(), v, src.Type(), err)
		}
	}
	return nil
}

// release forgets sp, whose rows the server has acknowledged; the file is
// emptied when no block in it is live.
func (sf *spillFile) release(sp *spilled) {
	delete(sf.live, sp)
	if sf.f == nil {
		return
	}
	if len(sf.live) > 0 {
		if sp.off+sp.n == sf.size {
			sf.size = 0
			for l := range sf.live {
				sf.size = max(sf.size, l.off+l.n)
			}
			sf.held.Store(sf.size)
		}
		return
	}
	sf.size = 0
	sf.held.Store(0)
	// An error leaves the file as long as it was; the next blocks
	// overwrite it from the start all the same.
	_ = sf.f.Truncate(0)
}

// close closes the file, whose blocks are then gone.
func (sf *spillFile) close() error {
	if sf.f == nil {
		return nil
	}
	err := sf.f.Close()
	sf.f, sf.size, sf.live = nil, 0, nil
	sf.held.Store(0)
	return err
}
