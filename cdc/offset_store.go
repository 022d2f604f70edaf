package cdc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// CheckpointVersion is the [Checkpoint] format this package writes, and the
// only one it resumes from.
const CheckpointVersion = 1

// Checkpoint is what a source stores to resume: its binlog offset and, while
// a snapshot is in progress or its effects still filter the binlog, the
// snapshot's chunks. Stores treat it as an opaque value they serialise with
// encoding/json.
//
// Before resuming, Run checks that the checkpoint is its own: Version must be
// [CheckpointVersion], Source the source's Name, and a GTID set in Offset of
// the server's flavour. Otherwise Run returns an error matching
// [ErrInvalidCheckpoint] and leaves the checkpoint as it is.
type Checkpoint struct {
	// Version is the checkpoint format, [CheckpointVersion].
	Version int `json:"version"`
	// Source is the Name of the source that wrote it.
	Source string `json:"source"`
	// Offset is where binlog streaming resumes; zero while the snapshot runs.
	Offset Offset `json:"offset,omitzero"`
	// Tables are the captured tables, for ScanNewlyAddedTables.
	Tables []TableID `json:"tables,omitempty"`
	// Snapshot is the snapshot's progress; nil when no snapshot was taken or
	// the binlog has passed every chunk's high watermark.
	Snapshot *SnapshotState `json:"snapshot,omitempty"`
}

// SnapshotState is the progress of a chunked snapshot.
type SnapshotState struct {
	// Done is set when every chunk has been delivered.
	Done bool `json:"done"`
	// Tables holds each table's chunks.
	Tables []TableSnapshot `json:"tables"`
}

// TableSnapshot is the chunks of one table.
type TableSnapshot struct {
	Table TableID `json:"table"`
	// KeyColumn is the column the table was split by.
	KeyColumn string `json:"key_column"`
	// Chunks cover the key's whole range, in key order.
	Chunks []Chunk `json:"chunks"`
}

// Chunk is a key range [Start, End) of a table; a nil bound is unbounded.
type Chunk struct {
	Start *ChunkBound `json:"start,omitempty"`
	End   *ChunkBound `json:"end,omitempty"`
	// Done is set once the chunk's rows were delivered, with HighWatermark the
	// binlog position the rows are consistent with.
	Done          bool   `json:"done,omitempty"`
	HighWatermark Offset `json:"hw,omitzero"`
	// Rows is how many rows the chunk delivered.
	Rows int64 `json:"rows,omitempty"`
	// DeliveredFrom is the earliest high watermark at which rows of this
	// chunk were ever handed to the handler. The source stores it before it
	// hands them over, because a sink may make them durable at any moment,
	// before the chunk is recorded as Done. A run that reads the chunk again
	// reads the binlog from DeliveredFrom and delivers a delete for every row
	// deleted since, so that a row an earlier, crashed run delivered never
	// outlives its delete.
	DeliveredFrom Offset `json:"delivered_from,omitzero"`
}

// ChunkBound is a value of a chunk key column: a signed or unsigned integer,
// or the column's text or bytes as the server returned them.
type ChunkBound struct {
	Int   *int64  `json:"int,omitempty"`
	Uint  *uint64 `json:"uint,omitempty"`
	Bytes []byte  `json:"bytes,omitempty"`
}

// OffsetStore keeps a source's [Checkpoint]. Load returns (nil, nil) when
// nothing was saved, and an error wrapping [ErrInvalidCheckpoint] when what
// it holds is not a checkpoint. Save must be durable when it returns: the
// source saves only after its handler has flushed the events before the
// checkpoint. One store holds one source's checkpoint: give each source its
// own.
type OffsetStore interface {
	Load(ctx context.Context) (*Checkpoint, error)
	Save(ctx context.Context, cp *Checkpoint) error
}

// MemoryOffsetStore keeps a checkpoint in memory: a source using it resumes
// across Run calls in one process, and starts over in a new one.
type MemoryOffsetStore struct {
	mu   sync.Mutex
	data []byte
}

// NewMemoryOffsetStore returns an empty in-memory store.
func NewMemoryOffsetStore() *MemoryOffsetStore { return &MemoryOffsetStore{} }

// Load returns a copy of the saved checkpoint, or nil.
func (s *MemoryOffsetStore) Load(ctx context.Context) (*Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return nil, nil
	}
	var cp Checkpoint
	if err := json.Unmarshal(s.data, &cp); err != nil {
		return nil, fmt.Errorf("%w: the in-memory checkpoint does not decode: %w", ErrInvalidCheckpoint, err)
	}
	return &cp, nil
}

// Save keeps a copy of cp.
func (s *MemoryOffsetStore) Save(ctx context.Context, cp *Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data = b
	s.mu.Unlock()
	return nil
}

// FileOffsetStore keeps a checkpoint in a JSON file, replaced atomically: it
// writes a temporary file in the same directory, syncs it, renames it over
// the old one and syncs the directory, so a crash leaves either the old or
// the new checkpoint, never a torn one.
type FileOffsetStore struct {
	path string
	mu   sync.Mutex
}

// NewFileOffsetStore returns a store keeping its checkpoint in path. It does
// no I/O; the directory must exist when the source first saves.
func NewFileOffsetStore(path string) *FileOffsetStore { return &FileOffsetStore{path: path} }

// Path returns the checkpoint file's path.
func (s *FileOffsetStore) Path() string { return s.path }

// Load reads the checkpoint, or returns nil when the file does not exist. A
// file that is not a checkpoint is an error matching [ErrInvalidCheckpoint].
func (s *FileOffsetStore) Load(ctx context.Context) (*Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cdc: read checkpoint: %w", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("%w: %s is not a checkpoint (delete it to start over): %w", ErrInvalidCheckpoint, s.path, err)
	}
	return &cp, nil
}

// Save replaces the checkpoint file atomically and durably.
func (s *FileOffsetStore) Save(ctx context.Context, cp *Checkpoint) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Dir(s.path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cdc: save checkpoint: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("cdc: save checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cdc: save checkpoint: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cdc: save checkpoint: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("cdc: save checkpoint: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("cdc: save checkpoint: sync directory: %w", err)
		}
	}
	return nil
}

// clone deep-copies a checkpoint through JSON, so a saved value shares no
// memory with the running source.
func (cp *Checkpoint) clone() *Checkpoint {
	b, _ := json.Marshal(cp)
	var c Checkpoint
	_ = json.Unmarshal(b, &c)
	return &c
}

// checkpointLoadError is Run's error for a failed [OffsetStore.Load]: of
// kind [ErrInvalidCheckpoint] when the store holds something that is not a
// checkpoint, else the store's own failure.
func checkpointLoadError(store OffsetStore, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.Is(err, ErrInvalidCheckpoint) || errors.As(err, &syntax) || errors.As(err, &typ) {
		return sourceErr("checkpoint", ErrInvalidCheckpoint, err,
			"delete the checkpoint to start over (Run then starts as StartupOptions say), or restore a good copy",
			"%s is not a valid checkpoint", describeStore(store))
	}
	return sourceErr("checkpoint", nil, err, "check that the offset store is reachable and readable",
		"load the checkpoint from %s", describeStore(store))
}

// checkResumable reports whether a source named name may resume from cp on
// a server of flavor (gomysql.MySQLFlavor or MariaDBFlavor): the error, of
// kind [ErrInvalidCheckpoint], names what was stored, what was expected and
// the fix.
func (cp *Checkpoint) checkResumable(store OffsetStore, name, flavor string) error {
	where := describeStore(store)
	const restart = "delete the checkpoint to start over (Run then starts as StartupOptions say)"
	if cp.Version != CheckpointVersion {
		return sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			"resume with the rtdw version that wrote it, or "+restart,
			"%s is in format version %d; this source reads version %d", where, cp.Version, CheckpointVersion)
	}
	if cp.Source != name {
		return sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			fmt.Sprintf("give each source its own OffsetStore; if this source was renamed, set Name back to %q; or %s", cp.Source, restart),
			"%s was written by source %q, but this source is named %q", where, cp.Source, name)
	}
	if set := cp.Offset.GTIDSet; set != "" {
		if f, err := detectGTIDFlavor(set); err == nil && f != flavor {
			return sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
				"point the source at the server the checkpoint was written against, or "+restart,
				"%s holds GTID set %q, a %s GTID set, but the server is %s", where, set, flavorName(f), flavorName(flavor))
		}
	}
	return nil
}

// describeStore names a store's checkpoint in errors: a file by its path.
func describeStore(s OffsetStore) string {
	if p, ok := s.(interface{ Path() string }); ok {
		return "checkpoint file " + p.Path()
	}
	return fmt.Sprintf("the checkpoint in %T", s)
}

// flavorName spells a server flavour as its vendor does.
func flavorName(f string) string {
	switch f {
	case gomysql.MySQLFlavor:
		return "MySQL"
	case gomysql.MariaDBFlavor:
		return "MariaDB"
	}
	return f
}
