package clickhouse

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// position is the order RowVersion must reproduce: (file, pos, binlog after
// snapshot, row).
type position struct {
	file     uint64
	pos      uint64
	snapshot bool
	row      int
}

func (p position) source() cdc.Source {
	s := cdc.Source{File: fmt.Sprintf("mysql-bin.%06d", p.file), Pos: p.pos, Row: p.row, Snapshot: cdc.SnapshotFalse}
	if p.snapshot {
		s.Snapshot = cdc.SnapshotTrue
	}
	return s
}

func comparePositions(a, b position) int {
	switch {
	case a.file != b.file:
		return cmp(a.file, b.file)
	case a.pos != b.pos:
		return cmp(a.pos, b.pos)
	case a.snapshot != b.snapshot:
		if a.snapshot {
			return -1
		}
		return 1
	}
	return cmp(a.row, b.row)
}

func cmp[T int | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func randomPosition(r *rand.Rand) position {
	// Mix edge values with random ones so that neighbours share fields.
	pick := func(max uint64) uint64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return max
		case 2:
			return uint64(r.IntN(3))
		}
		return r.Uint64N(max + 1)
	}
	return position{file: pick(MaxVersionFileSeq), pos: pick(MaxVersionPos), snapshot: r.IntN(2) == 0, row: int(pick(MaxVersionRow))}
}

func TestRowVersionOrdersLikePositions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		a, b := randomPosition(r), randomPosition(r)
		va, err := RowVersion(a.source())
		if err != nil {
			t.Fatalf("RowVersion(%+v): %v", a, err)
		}
		vb, err := RowVersion(b.source())
		if err != nil {
			t.Fatalf("RowVersion(%+v): %v", b, err)
		}
		if got, want := cmp(va, vb), comparePositions(a, b); got != want {
			t.Fatalf("positions %+v and %+v compare %d, their versions %d and %d compare %d", a, b, want, va, vb, got)
		}
	}
}

func TestRowVersionSnapshotBeforeBinlogAtSameCoordinates(t *testing.T) {
	for _, marker := range []cdc.SnapshotMarker{cdc.SnapshotTrue, cdc.SnapshotFirst, cdc.SnapshotLast} {
		snap, _ := RowVersion(cdc.Source{File: "binlog.000003", Pos: 4711, Row: 0, Snapshot: marker})
		binlog, _ := RowVersion(cdc.Source{File: "binlog.000003", Pos: 4711, Row: 0, Snapshot: cdc.SnapshotFalse})
		earlier, _ := RowVersion(cdc.Source{File: "binlog.000003", Pos: 4710, Row: MaxVersionRow})
		if !(earlier < snap && snap < binlog) {
			t.Errorf("%s: want earlier binlog %d < snapshot %d < binlog at watermark %d", marker, earlier, snap, binlog)
		}
	}
	// An empty marker is a binlog row.
	a, _ := RowVersion(cdc.Source{File: "b.000001", Pos: 10})
	b, _ := RowVersion(cdc.Source{File: "b.000001", Pos: 10, Snapshot: cdc.SnapshotFalse})
	if a != b {
		t.Errorf("empty snapshot marker gives %d, \"false\" %d", a, b)
	}
}

func TestRowVersionSortsAShuffledHistory(t *testing.T) {
	var ps []position
	for f := uint64(1); f <= 3; f++ {
		for p := uint64(4); p < 40; p += 9 {
			for _, snap := range []bool{true, false} {
				for row := 0; row < 3; row++ {
					ps = append(ps, position{f, p, snap, row})
				}
			}
		}
	}
	shuffled := slices.Clone(ps)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.SortFunc(shuffled, func(a, b position) int {
		va, _ := RowVersion(a.source())
		vb, _ := RowVersion(b.source())
		return cmp(va, vb)
	})
	if !slices.Equal(ps, shuffled) {
		t.Fatalf("sorting by version does not restore binlog order:\n got %v\nwant %v", shuffled, ps)
	}
}

func TestRowVersionRefusesWhatDoesNotFit(t *testing.T) {
	for _, src := range []cdc.Source{
		{File: fmt.Sprintf("mysql-bin.%d", MaxVersionFileSeq+1), Pos: 4},
		{File: "mysql-bin.000001", Pos: MaxVersionPos + 1},
		{File: "mysql-bin.000001", Pos: 4, Row: MaxVersionRow + 1},
		{File: "mysql-bin.000001", Pos: 4, Row: -1},
	} {
		if v, err := RowVersion(src); !errors.Is(err, ErrVersionOverflow) {
			t.Errorf("RowVersion(%+v) = %d, %v; want ErrVersionOverflow", src, v, err)
		}
	}
	for _, file := range []string{"", "mysql-bin", "mysql-bin.", "mysql-bin.00x1"} {
		if _, err := RowVersion(cdc.Source{File: file, Pos: 4}); err == nil {
			t.Errorf("file %q: want an error", file)
		}
	}
	v, err := RowVersion(cdc.Source{File: fmt.Sprintf("mysql-bin.%d", MaxVersionFileSeq), Pos: MaxVersionPos, Row: MaxVersionRow})
	if err != nil || v != ^uint64(0) {
		t.Errorf("largest position: %d, %v; want %d", v, err, ^uint64(0))
	}
}

// After a move to another server, the version follows BinlogSeq, the
// file's number in the capture's history, not the new server's own file
// number: a later change on a replica whose files number lower still gets
// a higher version. The sink's cached path agrees with RowVersion.
func TestRowVersionFollowsBinlogSeq(t *testing.T) {
	onPrimary := cdc.Source{File: "binlog.000009", Pos: 900_000, BinlogSeq: 9, Snapshot: cdc.SnapshotFalse}
	onReplica := cdc.Source{File: "binlog.000002", Pos: 400, BinlogSeq: 10, Snapshot: cdc.SnapshotFalse}
	before, err1 := RowVersion(onPrimary)
	after, err2 := RowVersion(onReplica)
	if err1 != nil || err2 != nil || after <= before {
		t.Fatalf("version after the move %d (%v), before it %d (%v): want it higher", after, err2, before, err1)
	}
	byName := onReplica
	byName.BinlogSeq = 0
	if v, _ := RowVersion(byName); v >= before {
		t.Fatalf("the replica's own file number gives %d, not below %d: the case BinlogSeq exists for", v, before)
	}
	s := &Sink{}
	for _, src := range []cdc.Source{onPrimary, onReplica, byName, onReplica} {
		want, _ := RowVersion(src)
		if got, err := s.rowVersion(&src); err != nil || got != want {
			t.Errorf("sink version of %+v: %d, %v; RowVersion gives %d", src, got, err, want)
		}
	}
	if _, err := RowVersion(cdc.Source{File: "binlog.000001", BinlogSeq: MaxVersionFileSeq + 1}); !errors.Is(err, ErrVersionOverflow) {
		t.Errorf("BinlogSeq beyond %d: %v, want ErrVersionOverflow", MaxVersionFileSeq, err)
	}
}
