package cdc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

// sameCheckpoint reports whether a and b hold the same envelope and the
// same state JSON (a store may re-indent the state it does not read).
func sameCheckpoint(a, b *cdc.Checkpoint) bool {
	var sa, sb bytes.Buffer
	if json.Compact(&sa, a.State) != nil || json.Compact(&sb, b.State) != nil {
		return false
	}
	return a.Version == b.Version && a.Source == b.Source && a.Kind == b.Kind && sa.String() == sb.String()
}

// A state the stores know nothing about, as a source of any kind writes it.
var opaque = &cdc.Checkpoint{Version: cdc.CheckpointVersion, Source: "s", Kind: "test",
	State: json.RawMessage(`{"version":7,"offset":{"file":"mysql-bin.000002","pos":120},"chunks":[{"hw":"x","done":true},{}]}`)}

func TestFileOffsetStoreRoundTripAndAtomicity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := cdc.NewFileOffsetStore(filepath.Join(dir, "cp.json"))
	ctx := context.Background()
	if cp, err := s.Load(ctx); cp != nil || err != nil {
		t.Fatal("empty store:", cp, err)
	}
	if err := s.Save(ctx, opaque); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx)
	if err != nil || !sameCheckpoint(got, opaque) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestMemoryOffsetStoreKeepsACopy(t *testing.T) {
	t.Parallel()
	s := cdc.NewMemoryOffsetStore()
	ctx := context.Background()
	if cp, err := s.Load(ctx); cp != nil || err != nil {
		t.Fatal("empty store:", cp, err)
	}
	cp := *opaque
	cp.State = append(json.RawMessage(nil), opaque.State...)
	if err := s.Save(ctx, &cp); err != nil {
		t.Fatal(err)
	}
	cp.Source, cp.State[0] = "changed", ' '
	got, err := s.Load(ctx)
	if err != nil || !sameCheckpoint(got, opaque) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
}

// A file that is not a checkpoint is an error matching ErrInvalidCheckpoint
// that names the file and the fix.
func TestFileOffsetStoreRefusesCorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cp.json")
	if err := os.WriteFile(path, []byte(`{"version": 2, "source": "mysql_binl`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := cdc.NewFileOffsetStore(path).Load(context.Background())
	if !errors.Is(err, cdc.ErrInvalidCheckpoint) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "delete") {
		t.Fatalf("Load: %v", err)
	}
}
