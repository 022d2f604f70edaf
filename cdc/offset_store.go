package cdc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

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
