package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// CheckpointSource is a [Source] that can keep its checkpoint in a store
// the pipeline gives it ([Config.Checkpoints]). *mysql.Source implements
// it.
type CheckpointSource interface {
	Source
	// Name is the name the source's checkpoint is kept under, unique among
	// the pipeline's sources (the MySQL source's Config.Name).
	Name() string
	// UseCheckpoints makes the source keep its checkpoint in store, saved
	// at most every interval while streaming. The pipeline calls it when
	// it is built, before any Run. It returns an error when the source
	// cannot take the store, such as when it has a store of its own.
	UseCheckpoints(store cdc.OffsetStore, interval time.Duration) error
}

// Checkpoints is where a pipeline keeps its sources' checkpoints and how
// often they are saved: Flink's checkpoint storage and
// execution.checkpointing.interval, for the embedded runner.
type Checkpoints struct {
	// Store keeps every source's checkpoint, each under its source's name
	// (see [SharedStore]); nil leaves each source with its own store.
	// Every source must then be a [CheckpointSource] without a store of
	// its own. Give each pipeline its own Store.
	Store cdc.OffsetStore
	// Interval is the least time between two saves of a source's
	// checkpoint while it streams; a checkpoint is always saved when a
	// source stops. 0 saves at every transaction boundary (each save
	// flushes the sinks).
	Interval time.Duration
}

// Checkpoint sets [Config.Checkpoints]: the sources keep their checkpoints
// in store, each under its own name, saved at most every interval.
func (b *Builder) Checkpoint(store cdc.OffsetStore, interval time.Duration) *Builder {
	b.cfg.Checkpoints = Checkpoints{Store: store, Interval: interval}
	return b
}

// validateCheckpoints hands the pipeline's store to each source, reporting
// a source that cannot take it, two sources under one name, and a source
// that has a store of its own.
func validateCheckpoints(cfg *Config, ps *problems.Error) {
	c := cfg.Checkpoints
	if c.Interval < 0 {
		ps.Add("Checkpoints.Interval", c.Interval, "must not be negative: use 0 to save at every transaction boundary, or a period such as 3s")
	}
	if c.Store == nil {
		if c.Interval != 0 {
			ps.Add("Checkpoints.Store", nil, "an interval without a store: pass the store to Checkpoint, such as cdc.NewFileOffsetStore(\"pipeline.checkpoint.json\")")
		}
		return
	}
	shared := NewSharedStore(c.Store)
	names := map[string]int{}
	for i, s := range cfg.Sources {
		if s == nil {
			continue
		}
		field := fmt.Sprintf("Sources[%d]", i)
		cs, ok := s.(CheckpointSource)
		if !ok {
			ps.Add(field, fmt.Sprintf("%T", s), "cannot keep its checkpoint in the pipeline's store (it has no UseCheckpoints): give it a store of its own and remove the pipeline's Checkpoint, or use a source that takes one")
			continue
		}
		name := cs.Name()
		if j, dup := names[name]; dup {
			ps.Add(field+".Name", name, "Sources[%d] has this name too, and the pipeline's store keeps each source's checkpoint under its name: give each source its own Name", j)
			continue
		}
		names[name] = i
		if c.Interval >= 0 {
			if err := cs.UseCheckpoints(shared.Source(name), c.Interval); err != nil {
				ps.Add(field, name, "%v", err)
			}
		}
	}
}

// checkpointKind is the [cdc.Checkpoint.Kind] of a [SharedStore]'s
// envelope.
const checkpointKind = "pipeline"

// SharedStore keeps several sources' checkpoints in one [cdc.OffsetStore],
// each under its source's name, as one checkpoint of kind "pipeline" whose
// state maps each name to the source's own checkpoint. A pipeline with
// [Config.Checkpoints] uses one; tools read a source's checkpoint from
// the same store with Source (for example to inspect it with
// mysql.InspectCheckpoint). It is safe for concurrent use; give each
// underlying store one SharedStore.
type SharedStore struct {
	store cdc.OffsetStore
	mu    sync.Mutex
}

// NewSharedStore returns a SharedStore keeping its checkpoints in store.
func NewSharedStore(store cdc.OffsetStore) *SharedStore { return &SharedStore{store: store} }

// Source returns the store of the source named name: its Load returns
// that source's checkpoint (nil when none was saved), and its Save replaces
// it, keeping the others. A store that holds a single source's checkpoint,
// not a pipeline's, is read as the checkpoint of the source it names, so
// that a source's own store can become its pipeline's.
func (s *SharedStore) Source(name string) cdc.OffsetStore {
	if _, ok := s.store.(interface{ Path() string }); ok {
		return fileSourceStore{sourceStore{s, name}}
	}
	return sourceStore{s, name}
}

type sharedState struct {
	Sources map[string]*cdc.Checkpoint `json:"sources"`
}

// load reads every source's checkpoint.
func (s *SharedStore) load(ctx context.Context) (map[string]*cdc.Checkpoint, error) {
	cp, err := s.store.Load(ctx)
	if err != nil || cp == nil {
		return map[string]*cdc.Checkpoint{}, err
	}
	if cp.Kind != checkpointKind {
		// A single source's checkpoint: its own store, become the pipeline's.
		return map[string]*cdc.Checkpoint{cp.Source: cp}, nil
	}
	if cp.Version != cdc.CheckpointVersion {
		return nil, fmt.Errorf("%w: the pipeline checkpoint has envelope version %d, this version reads %d (delete it to start over)", cdc.ErrInvalidCheckpoint, cp.Version, cdc.CheckpointVersion)
	}
	var st sharedState
	if err := json.Unmarshal(cp.State, &st); err != nil {
		return nil, fmt.Errorf("%w: the pipeline checkpoint's state does not decode (delete it to start over): %w", cdc.ErrInvalidCheckpoint, err)
	}
	if st.Sources == nil {
		st.Sources = map[string]*cdc.Checkpoint{}
	}
	return st.Sources, nil
}

type sourceStore struct {
	shared *SharedStore
	name   string
}

func (s sourceStore) Load(ctx context.Context) (*cdc.Checkpoint, error) {
	s.shared.mu.Lock()
	defer s.shared.mu.Unlock()
	all, err := s.shared.load(ctx)
	if err != nil {
		return nil, err
	}
	return all[s.name], nil
}

func (s sourceStore) Save(ctx context.Context, cp *cdc.Checkpoint) error {
	s.shared.mu.Lock()
	defer s.shared.mu.Unlock()
	all, err := s.shared.load(ctx)
	if err != nil {
		return err
	}
	all = maps.Clone(all)
	all[s.name] = cp
	state, err := json.Marshal(sharedState{Sources: all})
	if err != nil {
		return err
	}
	return s.shared.store.Save(ctx, &cdc.Checkpoint{Version: cdc.CheckpointVersion, Kind: checkpointKind, State: state})
}

// fileSourceStore is the sourceStore of a store with a file: Path names it,
// so that the sources' errors name the file.
type fileSourceStore struct{ sourceStore }

// Path returns the file's path.
func (s fileSourceStore) Path() string {
	return s.shared.store.(interface{ Path() string }).Path() + " (under source " + s.name + ")"
}
