package mysql

import (
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

func TestSnapshotSchemaVersions(t *testing.T) {
	id := cdc.TableID{Database: "d", Table: "t"}
	v0 := &cdc.TableSchema{Table: id, Columns: []cdc.Column{{Name: "id"}, {Name: "v"}}, PrimaryKey: []string{"id"}}
	v1 := &cdc.TableSchema{Table: id, Columns: []cdc.Column{{Name: "c"}, {Name: "id"}, {Name: "v"}}, PrimaryKey: []string{"id"}}
	v2 := &cdc.TableSchema{Table: id, Columns: []cdc.Column{{Name: "id"}}, PrimaryKey: []string{"id"}}
	ts := &tableState{id: id, schema: v0, keyIdx: 0}
	ts.initVersions(Offset{File: "b.000001", Pos: 100})
	at := func(pos uint64) Offset { return Offset{File: "b.000001", Pos: pos} }

	ts.addVersion(at(500), v1, false)
	ts.addVersion(at(500), v2, false) // the same statement read by another window
	ts.addVersion(at(300), v2, false) // out of order
	for _, c := range []struct {
		pos  uint64
		want *cdc.TableSchema
	}{{50, v0}, {299, v0}, {300, v2}, {499, v2}, {500, v1}, {900, v1}} {
		if got := ts.versionAt(at(c.pos)).schema; got != c.want {
			t.Errorf("versionAt(%d) = %v, want %v", c.pos, got, c.want)
		}
	}
	if got := ts.latestVersion(); got.schema != v1 || got.from != at(500) {
		t.Errorf("latestVersion = %+v, want v1 from 500", got)
	}
	if k, err := ts.keyIndex(v1); err != nil || k != 1 {
		t.Errorf("keyIndex(v1) = %d, %v; want 1 (ADD COLUMN FIRST moved the key)", k, err)
	}
	if _, err := ts.keyIndex(&cdc.TableSchema{Table: id, Columns: []cdc.Column{{Name: "v"}}}); err == nil {
		t.Error("keyIndex of a schema without the chunk key: no error")
	}

	// A statement the loaded schema already had: rows before it have no
	// known schema, and the versions before it are gone.
	ts.addVersion(at(400), v2, true)
	if got := ts.versionAt(at(399)).schema; got != nil {
		t.Errorf("versionAt(399) after a rebase at 400 = %v, want nil", got)
	}
	if got := ts.versionAt(at(450)).schema; got != v2 {
		t.Errorf("versionAt(450) after a rebase at 400 = %v, want v2", got)
	}
	if got := ts.versionAt(at(600)).schema; got != v1 {
		t.Errorf("versionAt(600) after a rebase at 400 = %v, want v1 (kept)", got)
	}

	ts.markFollowed(at(700))
	ts.markFollowed(at(600))
	if got := ts.followedFrom(); got != at(700) {
		t.Errorf("followedFrom = %v, want the furthest position, 700", got)
	}

	if got := convertRow(cdc.Row{int64(1), int64(2)}, v0, v1); got[0] != nil || got[1] != int64(1) || got[2] != int64(2) {
		t.Errorf("convertRow(v0 -> v1) = %v, want [<nil> 1 2]", got)
	}
}
