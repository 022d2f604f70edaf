package mysql

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

type startupMode uint8

const (
	startupUnset startupMode = iota
	startupInitial
	startupEarliest
	startupLatest
	startupSpecificOffset
	startupSpecificGTID
	startupTimestamp
	startupSnapshotOnly
)

// StartupOptions chooses where a source starts capturing when it has no
// stored checkpoint, as Flink CDC's StartupOptions do. Build one with
// [Initial], [Earliest], [Latest], [SpecificOffset], [SpecificGTID],
// [Timestamp] or [SnapshotOnly]; the zero value means [Initial]. A source
// that finds a checkpoint in its [cdc.OffsetStore] resumes from it instead.
type StartupOptions struct {
	mode startupMode
	file string
	pos  uint64
	gtid string
	tsMs int64
}

// Initial snapshots the captured tables, then streams the binlog from the
// point the snapshot is consistent with. It is the default.
func Initial() StartupOptions { return StartupOptions{mode: startupInitial} }

// Earliest streams the binlog from the oldest file the server still has,
// without a snapshot.
func Earliest() StartupOptions { return StartupOptions{mode: startupEarliest} }

// Latest streams the binlog from the server's current position, without a
// snapshot: only changes made after the source starts are captured.
func Latest() StartupOptions { return StartupOptions{mode: startupLatest} }

// SpecificOffset streams the binlog from a file and position, such as
// ("mysql-bin.000003", 4), without a snapshot. The position must be a
// transaction boundary, such as one SHOW BINARY LOG STATUS printed.
func SpecificOffset(file string, pos uint64) StartupOptions {
	return StartupOptions{mode: startupSpecificOffset, file: file, pos: pos}
}

// SpecificGTID streams the binlog from the first transaction not in the GTID
// set, without a snapshot. The set is in the server's flavour:
// "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-23" on MySQL, "0-1-23" on MariaDB.
func SpecificGTID(set string) StartupOptions {
	return StartupOptions{mode: startupSpecificGTID, gtid: set}
}

// Timestamp streams the binlog from the first transaction written at or
// after ms milliseconds since the Unix epoch, without a snapshot. Binlog
// timestamps have a resolution of one second.
func Timestamp(ms int64) StartupOptions { return StartupOptions{mode: startupTimestamp, tsMs: ms} }

// SnapshotOnly snapshots the captured tables and returns from Run when the
// snapshot is done, without streaming the binlog.
func SnapshotOnly() StartupOptions { return StartupOptions{mode: startupSnapshotOnly} }

// needsSnapshot reports whether the mode reads the tables.
func (o StartupOptions) needsSnapshot() bool {
	return o.mode == startupInitial || o.mode == startupSnapshotOnly || o.mode == startupUnset
}

// String names the option as Flink CDC's scan.startup.mode does.
func (o StartupOptions) String() string {
	switch o.mode {
	case startupUnset, startupInitial:
		return "initial"
	case startupEarliest:
		return "earliest-offset"
	case startupLatest:
		return "latest-offset"
	case startupSpecificOffset:
		return fmt.Sprintf("specific-offset(%s:%d)", o.file, o.pos)
	case startupSpecificGTID:
		return fmt.Sprintf("specific-offset(gtid %s)", o.gtid)
	case startupTimestamp:
		return fmt.Sprintf("timestamp(%d)", o.tsMs)
	case startupSnapshotOnly:
		return "snapshot"
	}
	return "unknown"
}

func (o StartupOptions) validate() error {
	switch o.mode {
	case startupSpecificOffset:
		if o.file == "" || strings.ContainsAny(o.file, "/\\\x00") {
			return errors.New("SpecificOffset needs a binlog file name such as mysql-bin.000003 (see SHOW BINARY LOGS)")
		}
		if o.pos < 4 {
			return errors.New("SpecificOffset needs a position of at least 4, the first event of a binlog file")
		}
	case startupSpecificGTID:
		if _, err := detectGTIDFlavor(o.gtid); err != nil {
			return fmt.Errorf("SpecificGTID: %v", err)
		}
	case startupTimestamp:
		if o.tsMs <= 0 || o.tsMs > time.Now().Add(100*365*24*time.Hour).UnixMilli() {
			return errors.New("Timestamp needs milliseconds since the Unix epoch, such as time.Now().Add(-time.Hour).UnixMilli()")
		}
	}
	return nil
}

// Mode names the startup mode as Flink CDC's scan.startup.mode values do:
// "initial", "earliest-offset", "latest-offset", "specific-offset" (for
// both [SpecificOffset] and [SpecificGTID]), "timestamp" or "snapshot".
// The Flink runtime (package cdc/pipeline/flinksql) renders a source with it.
func (o StartupOptions) Mode() string {
	switch o.mode {
	case startupSpecificOffset, startupSpecificGTID:
		return "specific-offset"
	case startupTimestamp:
		return "timestamp"
	}
	return o.String()
}

// SpecificPosition returns the binlog file and position of a
// [SpecificOffset], or the GTID set of a [SpecificGTID]; zero values for the
// other modes.
func (o StartupOptions) SpecificPosition() (file string, pos uint64, gtidSet string) {
	return o.file, o.pos, o.gtid
}

// TimestampMillis returns the milliseconds of a [Timestamp] startup, 0 for
// the other modes.
func (o StartupOptions) TimestampMillis() int64 { return o.tsMs }
