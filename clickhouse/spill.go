package clickhouse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync/atomic"

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

// spillFile holds the encoded blocks of the INSERTs not yet acknowledged.
type spillFile struct {
	dir string
	f   *os.File
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
}

// spilled is a block in the spill file: where it is, and the rows and
// estimated bytes it holds, of a table of layout.
type spilled struct {
	layout      *tableLayout
	off, n      int64
	rows, bytes int
}

// write appends the rows cols hold, rows of them, to the file, opening it
// first if need be.
func (sf *spillFile) write(cols []column.Interface, rows int) (*spilled, error) {
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
	sp := &spilled{off: sf.size, n: int64(len(sf.enc.Buf)), rows: rows}
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

// read appends the rows of sp to cols, the columns it was written from or
// those of a new batch of the same INSERT.
func (sf *spillFile) read(sp *spilled, cols []column.Interface) error {
	if int64(cap(sf.dec)) < sp.n {
		sf.dec = make([]byte, sp.n)
	}
	buf := sf.dec[:sp.n]
	if _, err := sf.f.ReadAt(buf, sp.off); err != nil && err != io.EOF {
		return fmt.Errorf("clickhouse: sink: reading the spill file: %w", err)
	}
	// A reader per block (a retry's, which is rare): it reads ahead.
	r := proto.NewReader(bytes.NewReader(buf))
	err := decodeBlock(r, cols, sp.rows)
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
// columns, from r to cols.
func decodeBlock(r *proto.Reader, cols []column.Interface, rows int) error {
	for _, c := range cols {
		before := c.Rows()
		if cs, ok := c.(column.CustomSerialization); ok {
			if err := cs.ReadStatePrefix(r); err != nil {
				return fmt.Errorf("column %s: %w", c.Name(), err)
			}
		}
		if err := c.Decode(r, rows); err != nil {
			return fmt.Errorf("column %s: %w", c.Name(), err)
		}
		if c.Rows() != before+rows {
			return fmt.Errorf("column %s took %d rows of %d", c.Name(), c.Rows()-before, rows)
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
