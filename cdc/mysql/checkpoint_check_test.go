package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

// A checkpoint file that is not a checkpoint is ErrInvalidCheckpoint, from
// the store and from Run, naming the file and the fix.
func TestCorruptCheckpointIsErrInvalidCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.json")
	if err := os.WriteFile(path, []byte(`{"version": 1, "source": "mysql_binl`), 0o600); err != nil {
		t.Fatal(err)
	}
	store := cdc.NewFileOffsetStore(path)
	_, err := store.Load(context.Background())
	if !errors.Is(err, ErrInvalidCheckpoint) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "delete") {
		t.Fatalf("store: %v", err)
	}
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = store
		err := runUntilStartError(t, cfg)
		if !errors.Is(err, ErrInvalidCheckpoint) || !strings.Contains(err.Error(), path) {
			t.Fatalf("Run: %v", err)
		}
		var se *SourceError
		if !errors.As(err, &se) || se.Kind != ErrInvalidCheckpoint || !strings.Contains(se.Fix, "delete") {
			t.Fatalf("Run: want a *SourceError of kind ErrInvalidCheckpoint whose fix says to delete it, got %#v", err)
		}
	})
}

// A checkpoint another source wrote (another Name or another Kind), in an
// envelope or state format this one does not know, or against a server of the other flavour is refused with
// ErrInvalidCheckpoint naming what was stored, what was expected and the
// fix; never reused or replaced silently.
func TestForeignCheckpointIsRefused(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		file, pos := db.BinlogPosition(t)
		here := Offset{File: file, Pos: uint64(pos)}
		otherGTIDs, otherFlavor := "0-1-5", "MariaDB"
		if db.Flavor == testenv.MariaDB {
			otherGTIDs, otherFlavor = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", "MySQL"
		}
		tables := []cdc.TableID{{Database: db.Database, Table: "t"}}
		state := func(version int, off Offset) json.RawMessage {
			b, err := json.Marshal(checkpointState{Version: version, Offset: off, Tables: tables})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		envelope := func(source, kind string, st json.RawMessage) cdc.Checkpoint {
			return cdc.Checkpoint{Version: cdc.CheckpointVersion, Source: source, Kind: kind, State: st}
		}
		mine := state(stateVersion, here)
		version := func(v int) string { return fmt.Sprintf("version %d", v) }
		newerEnvelope := envelope(DefaultName, CheckpointKind, mine)
		newerEnvelope.Version++
		noEnvelopeVersion := envelope(DefaultName, CheckpointKind, mine)
		noEnvelopeVersion.Version = 0
		for _, c := range []struct {
			name string
			cp   cdc.Checkpoint
			want []string
		}{
			{"another source", envelope("orders_source", CheckpointKind, mine),
				[]string{`"orders_source"`, `"` + DefaultName + `"`, "OffsetStore", "delete"}},
			{"another kind of source", envelope(DefaultName, "postgres", mine),
				[]string{`"postgres"`, `"` + CheckpointKind + `"`, "OffsetStore", "delete"}},
			{"a newer format", newerEnvelope,
				[]string{version(cdc.CheckpointVersion + 1), version(cdc.CheckpointVersion), "delete"}},
			{"no format", noEnvelopeVersion,
				[]string{version(0), version(cdc.CheckpointVersion), "delete"}},
			// What this package stored before checkpoints had an envelope.
			{"the format before the envelope", cdc.Checkpoint{Version: 1, Source: DefaultName},
				[]string{version(1), version(cdc.CheckpointVersion), "delete"}},
			{"a newer state format", envelope(DefaultName, CheckpointKind, state(stateVersion+1, here)),
				[]string{"state", version(stateVersion + 1), version(stateVersion), "delete"}},
			{"a state that does not decode", envelope(DefaultName, CheckpointKind, json.RawMessage(`{"offset":5}`)),
				[]string{"state", "does not decode", "delete"}},
			{"the other flavour", envelope(DefaultName, CheckpointKind, state(stateVersion, Offset{File: file, Pos: uint64(pos), GTIDSet: otherGTIDs})),
				[]string{otherGTIDs, otherFlavor, "delete"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				store := cdc.NewMemoryOffsetStore()
				if err := store.Save(context.Background(), &c.cp); err != nil {
					t.Fatal(err)
				}
				cfg := testConfig(db, "t")
				cfg.OffsetStore = store
				err := runUntilStartError(t, cfg)
				if !errors.Is(err, ErrInvalidCheckpoint) {
					t.Fatalf("want ErrInvalidCheckpoint, got %v", err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q: %v", w, err)
					}
				}
				// The checkpoint is left as it was.
				if got, _ := store.Load(context.Background()); !reflect.DeepEqual(got, &c.cp) {
					t.Errorf("stored checkpoint changed to %+v", got)
				}
			})
		}
	})
}

// runUntilStartError runs a source that must fail before it snapshots or
// streams, returning its error; a source that gets that far instead fails
// the test at once.
func runUntilStartError(t *testing.T, cfg Config) error {
	t.Helper()
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, &collector{}) }()
	for {
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("Run returned nil, want an error")
			}
			return err
		case <-time.After(10 * time.Millisecond):
		}
		if ph := src.Progress().Phase; ph == PhaseSnapshot || ph == PhaseBinlog {
			cancel()
			<-done
			t.Fatalf("Run went on to the %s phase, want an error before it", ph)
		}
	}
}
