package flinksql_test

import (
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/clickhouse"
)

// The epoch sits between the embedded sink's versions of the hand-off file
// and those of the next file, in package clickhouse's own layout.
func TestEpochAfterMatchesClickHouseRowVersion(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"mysql-bin.000001", "binlog.000012", "mysql-bin.262142"} {
		epoch, err := flinksql.EpochAfter(mysql.Offset{File: file, Pos: 4})
		if err != nil {
			t.Fatal(err)
		}
		lastOfFile, err := clickhouse.RowVersion(cdc.Source{File: file, Pos: clickhouse.MaxVersionPos, Row: clickhouse.MaxVersionRow})
		if err != nil {
			t.Fatal(err)
		}
		next := file[:strings.LastIndexByte(file, '.')+1] + nextSeq(file)
		// Position 4 is the first event of a binlog file.
		firstOfNext, err := clickhouse.RowVersion(cdc.Source{File: next, Pos: 4, Snapshot: cdc.SnapshotTrue})
		if err != nil {
			t.Fatal(err)
		}
		if !(lastOfFile < epoch && epoch+1 < firstOfNext) {
			t.Errorf("%s: epoch %d and epoch+1 not in (%d, %d)", file, epoch, lastOfFile, firstOfNext)
		}
		if epoch > 1<<63-1 {
			t.Errorf("%s: epoch %d does not fit Flink's BIGINT", file, epoch)
		}
	}
	if _, err := flinksql.EpochAfter(mysql.Offset{File: "mysql-bin.262143", Pos: 4}); err == nil {
		t.Error("an epoch beyond BIGINT was accepted")
	}
	if _, err := flinksql.EpochAfter(mysql.Offset{File: "nodots", Pos: 4}); err == nil {
		t.Error("a file without a sequence number was accepted")
	}
}

func nextSeq(file string) string {
	digits := file[strings.LastIndexByte(file, '.')+1:]
	n := 0
	for _, c := range digits {
		n = n*10 + int(c-'0')
	}
	s := strings.Repeat("0", len(digits)) + itoa(n+1)
	return s[len(s)-len(digits):]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// After RenumberAbove, every version the embedded sink writes is above the
// Flink run's epoch, whatever file it comes from, and the versions keep the
// binlog's order.
func TestRenumberAboveKeepsVersionsGrowing(t *testing.T) {
	t.Parallel()
	epoch, err := flinksql.EpochAfter(mysql.Offset{File: "mysql-bin.000012", Pos: 4711})
	if err != nil {
		t.Fatal(err)
	}
	renumber := flinksql.RenumberAbove(epoch)
	var prev uint64
	for _, src := range []cdc.Source{
		{File: "mysql-bin.000003", Pos: 4, Snapshot: cdc.SnapshotTrue}, // a replay from before the hand-off
		{File: "mysql-bin.000012", Pos: 100, BinlogSeq: 12},
		{File: "mysql-bin.000012", Pos: 100, BinlogSeq: 12, Row: 1},
		{File: "mysql-bin.000013", Pos: 4, BinlogSeq: 13},
		{File: "binlog.000001", Pos: 4, BinlogSeq: 14}, // after a move to a replica
	} {
		e := cdc.Event{Source: src}
		if keep, err := renumber(&e); err != nil || !keep {
			t.Fatalf("%+v: keep %v, %v", src, keep, err)
		}
		v, err := clickhouse.RowVersion(e.Source)
		if err != nil {
			t.Fatal(err)
		}
		if v <= epoch+1 || v <= prev {
			t.Errorf("%s:%d row %d: version %d, epoch %d, previous %d", src.File, src.Pos, src.Row, v, epoch, prev)
		}
		prev = v
	}
	huge := cdc.Event{Source: cdc.Source{File: "mysql-bin.600000", Pos: 4, BinlogSeq: 600000}}
	if _, err := renumber(&huge); err == nil {
		t.Error("a file beyond the version's range was renumbered")
	}
}
