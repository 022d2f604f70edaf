package flinksql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
)

// The row version layout of package clickhouse (clickhouse/rowversion.go),
// which this package cannot import: the binlog file sequence number sits
// above bit 45, so the version of file n, position 0 is n<<45 and every
// change in file n or before has a smaller version. A test holds the two
// together.
const (
	versionSeqShift = 45
	maxVersionSeq   = 1<<19 - 1
)

// EpochAfter returns the _version a Flink run writes to ClickHouse when it
// continues from offset, the embedded source's last stored position: the
// version of the first position of the next binlog file, above every version
// the embedded sink wrote for changes up to offset's file.
//
// Every binlog change the run writes carries this version + 1 (its snapshot
// rows the version itself). ReplacingMergeTree
// keeps, among rows of one key with equal versions, the last inserted, and
// a Flink job writes the changes of one key in their binlog order (one
// subtask per key), so the run's rows replace each other in order and all
// replace what the embedded sink wrote. The offset's file is numbered by its
// name: a checkpoint that moved to another server (PreviousServers) numbers
// its files otherwise, and is refused by [CheckpointOffset].
func EpochAfter(offset mysql.Offset) (uint64, error) {
	seq, err := fileSeq(offset.File)
	if err != nil {
		return 0, err
	}
	return epochOfSeq(seq + 1)
}

func epochOfSeq(seq uint64) (uint64, error) {
	if seq > maxVersionSeq || seq >= 1<<18 {
		return 0, fmt.Errorf("flinksql: binlog file sequence %d is beyond the row versions a Flink BIGINT holds (%d)", seq, 1<<18-1)
	}
	return seq << versionSeqShift, nil
}

func fileSeq(file string) (uint64, error) {
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		return 0, fmt.Errorf("flinksql: binlog file %q has no .NNNNNN sequence number", file)
	}
	n, err := strconv.ParseUint(file[i+1:], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("flinksql: binlog file %q: sequence %q is not a number", file, file[i+1:])
	}
	return n, nil
}

// CheckpointOffset returns the binlog position an embedded MySQL source's
// stored checkpoint resumes from, for [Options.StartOffset] and
// [EpochAfter]: the pipeline stops embedded and continues on Flink from
// there. A checkpoint whose snapshot is still in progress cannot move (the
// Flink source would not know which chunks are done), nor one that moved to
// another server (its files are numbered in the capture's history, which
// the checkpoint keeps and Flink cannot read).
func CheckpointOffset(cp *cdc.Checkpoint) (mysql.Offset, error) {
	info, err := mysql.InspectCheckpoint(cp)
	if err != nil {
		return mysql.Offset{}, err
	}
	switch {
	case info.SnapshotInProgress || info.Offset.IsZero():
		return mysql.Offset{}, fmt.Errorf("flinksql: checkpoint of source %s is inside its snapshot (%d of %d chunks): let the embedded run finish the snapshot before moving to Flink", info.Source, info.ChunksDone, info.ChunksTotal)
	case len(info.PreviousServers) > 0:
		return mysql.Offset{}, fmt.Errorf("flinksql: checkpoint of source %s moved from %s to %s: its row versions number binlog files in the capture's history, which a Flink run cannot continue; move before a failover or rebuild the sink tables", info.Source, strings.Join(info.PreviousServers, ", "), info.Server)
	}
	return info.Offset, nil
}

// RenumberAbove returns a Go transform (pipeline.Func) for the embedded
// runner when a pipeline moves back from Flink: it numbers every binlog file
// above the Flink run's epoch (cdc.Source.BinlogSeq plus the epoch's file
// sequence), so that every version the embedded sink writes from then on is
// above the one the Flink run wrote, and versions never go backwards. Keep
// it in the pipeline for good once added: without it the versions would fall
// below the Flink run's again. Add it to every transform of the pipeline
// (a table takes the first transform that matches it), or as a transform
// of ".*" when there is none.
func RenumberAbove(epoch uint64) func(e *cdc.Event) (bool, error) {
	base := epoch >> versionSeqShift
	return func(e *cdc.Event) (bool, error) {
		seq := e.Source.BinlogSeq
		if seq == 0 {
			n, err := fileSeq(e.Source.File)
			if err != nil {
				return false, err
			}
			seq = n
		}
		if base+seq > maxVersionSeq {
			return false, fmt.Errorf("flinksql: binlog file %s renumbered above epoch %d is beyond the row version's %d files", e.Source.File, base, maxVersionSeq)
		}
		e.Source.BinlogSeq = base + seq
		return true, nil
	}
}
