package mysql

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// testState is a state with a snapshot of two chunks, the first done.
func testState() *checkpointState {
	one := int64(5)
	return &checkpointState{Version: stateVersion, Offset: Offset{File: "mysql-bin.000002", Pos: 120, GTIDSet: "0-1-9"},
		Tables: []cdc.TableID{{Database: "db", Table: "t"}},
		Snapshot: &snapshotState{Tables: []tableSnapshot{{Table: cdc.TableID{Database: "db", Table: "t"}, KeyColumn: "id",
			Chunks: []snapshotChunk{{End: &chunkBound{Int: &one}, Done: true, HighWatermark: Offset{File: "mysql-bin.000002", Pos: 100},
				DeliveredFrom: Offset{File: "mysql-bin.000002", Pos: 90}}, {Start: &chunkBound{Int: &one}}}}}}}
}

// The state goes through a store inside the envelope and comes back as it
// was.
func TestCheckpointStateRoundTrip(t *testing.T) {
	t.Parallel()
	store := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
	ctx := context.Background()
	st := testState()
	cp, err := st.checkpoint("s")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Version != cdc.CheckpointVersion || cp.Source != "s" || cp.Kind != CheckpointKind {
		t.Fatalf("envelope %+v", cp)
	}
	if err := store.Save(ctx, cp); err != nil {
		t.Fatal(err)
	}
	loaded, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := checkResumable(store, loaded, "s", "mariadb")
	if err != nil || !reflect.DeepEqual(got, st) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if c := st.clone(); !reflect.DeepEqual(c, st) || c.Snapshot == st.Snapshot {
		t.Fatalf("clone: %+v", c)
	}
}

func TestInspectCheckpoint(t *testing.T) {
	t.Parallel()
	st := testState()
	cp, err := st.checkpoint("s")
	if err != nil {
		t.Fatal(err)
	}
	info, err := InspectCheckpoint(cp)
	want := CheckpointInfo{Source: "s", Offset: st.Offset, Tables: st.Tables, SnapshotInProgress: true, ChunksDone: 1, ChunksTotal: 2}
	if err != nil || !reflect.DeepEqual(info, want) {
		t.Fatalf("InspectCheckpoint = %+v, %v; want %+v", info, err, want)
	}
	// Streaming, the snapshot forgotten.
	st.Snapshot = nil
	if cp, err = st.checkpoint("s"); err != nil {
		t.Fatal(err)
	}
	info, err = InspectCheckpoint(cp)
	want = CheckpointInfo{Source: "s", Offset: st.Offset, Tables: st.Tables}
	if err != nil || !reflect.DeepEqual(info, want) {
		t.Fatalf("InspectCheckpoint = %+v, %v; want %+v", info, err, want)
	}
	// Another kind's checkpoint, or an unknown version, is refused.
	for _, bad := range []cdc.Checkpoint{
		{Version: cdc.CheckpointVersion, Source: "s", Kind: "postgres", State: cp.State},
		{Version: cdc.CheckpointVersion + 1, Source: "s", Kind: CheckpointKind, State: cp.State},
		{Version: cdc.CheckpointVersion, Source: "s", Kind: CheckpointKind, State: []byte(`{"version":99}`)},
		{Version: cdc.CheckpointVersion, Source: "s", Kind: CheckpointKind},
	} {
		if _, err := InspectCheckpoint(&bad); !errors.Is(err, ErrInvalidCheckpoint) || !errors.Is(err, cdc.ErrInvalidCheckpoint) {
			t.Errorf("InspectCheckpoint(%+v) = %v, want ErrInvalidCheckpoint", bad, err)
		}
	}
}
