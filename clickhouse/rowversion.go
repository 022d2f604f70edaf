package clickhouse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// The bit layout of a row version, from the most significant bit:
//
//	bits 63-45  19 bits  binlog file sequence number, < 524288: Source.BinlogSeq, or when that is 0
//	                     the digits after the last dot of Source.File
//	bits 44-13  32 bits  Source.Pos, the row event's position in the file, < 4 GiB
//	bit  12      1 bit   0 for a snapshot row, 1 for a binlog row
//	bits 11-0   12 bits  Source.Row, the row's index within its row event, < 4096
//
// Comparing versions as integers compares (file, pos, binlog-after-snapshot,
// row) lexicographically. A snapshot row carries its chunk's high watermark,
// so it orders after every change the chunk includes and before the binlog
// changes at the same coordinates: it never overwrites a newer change.
//
// 4096 rows per row event covers MySQL's default binlog_row_event_max_size
// (8 KiB) for any row; 4 GiB covers max_binlog_size (at most 1 GiB) with room
// for one oversized transaction.
//
// The sequence number is Source.BinlogSeq when the source sets it, as the
// MySQL source does: a file's own number belongs to one server, and a
// replica the source moves to in a failover numbers its files, and places
// its positions, on its own, so a later change read there could carry a
// lower file number and position than an earlier one read on the old
// server, and ReplacingMergeTree would keep the older row. BinlogSeq
// continues the numbering of the capture's history across servers, and is
// the file's own number until the first move, so versions written before
// a move keep their order with those written after it.
const (
	versionFileBits = 19
	versionPosBits  = 32
	versionRowBits  = 12

	// MaxVersionFileSeq is the largest binlog file sequence number a row
	// version holds.
	MaxVersionFileSeq = 1<<versionFileBits - 1
	// MaxVersionPos is the largest binlog position a row version holds.
	MaxVersionPos = 1<<versionPosBits - 1
	// MaxVersionRow is the largest row index within a row event a row
	// version holds.
	MaxVersionRow = 1<<versionRowBits - 1
)

// RowVersion packs the position of a change into the UInt64 the sink writes
// to the _version column: later changes get larger versions, so
// ReplacingMergeTree keeps the latest image of every row however often and in
// whatever order events are written, across a move of the source to
// another server too (see [cdc.Source.BinlogSeq]). The layout and its
// limits are documented on [MaxVersionFileSeq]; a position beyond them is
// an error wrapping ErrVersionOverflow, never a silently wrapped version.
func RowVersion(src cdc.Source) (uint64, error) {
	if src.BinlogSeq != 0 {
		return packVersion(src.BinlogSeq, &src)
	}
	seq, err := binlogFileSeq(src.File)
	if err != nil {
		return 0, err
	}
	return packVersion(seq, &src)
}

// packVersion packs the version of a change at src, whose binlog file has
// sequence number seq (src.BinlogSeq, or the number in src.File's name).
func packVersion(seq uint64, src *cdc.Source) (uint64, error) {
	switch {
	case seq > MaxVersionFileSeq:
		return 0, fmt.Errorf("%w: binlog file %q has sequence number %d, the version holds up to %d", ErrVersionOverflow, src.File, seq, MaxVersionFileSeq)
	case src.Pos > MaxVersionPos:
		return 0, fmt.Errorf("%w: position %d in %q is beyond %d", ErrVersionOverflow, src.Pos, src.File, uint64(MaxVersionPos))
	case src.Row < 0 || src.Row > MaxVersionRow:
		return 0, fmt.Errorf("%w: row index %d at %s:%d is outside 0-%d", ErrVersionOverflow, src.Row, src.File, src.Pos, MaxVersionRow)
	}
	var binlog uint64
	if !src.IsSnapshot() {
		binlog = 1
	}
	return seq<<(versionPosBits+1+versionRowBits) | src.Pos<<(1+versionRowBits) | binlog<<versionRowBits | uint64(src.Row), nil
}

// binlogFileSeq returns the number after the last dot of a binlog file name,
// such as 12 for "mysql-bin.000012".
func binlogFileSeq(file string) (uint64, error) {
	i := strings.LastIndexByte(file, '.')
	digits := file[i+1:]
	if i < 0 || digits == "" {
		return 0, fmt.Errorf("clickhouse: binlog file name %q has no .NNNNNN sequence number to version rows by", file)
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("clickhouse: binlog file name %q: sequence number %q is not a number", file, digits)
	}
	return n, nil
}
