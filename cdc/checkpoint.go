package cdc

import (
	"encoding/json"
	"errors"
)

// CheckpointVersion is the format of the [Checkpoint] envelope this package
// writes. Version 1 was the MySQL source's own state, stored without an
// envelope; a source refuses it (with [ErrInvalidCheckpoint]) as any other
// version it does not know.
const CheckpointVersion = 2

// ErrInvalidCheckpoint: the checkpoint in an [OffsetStore] cannot be used:
// it is not a checkpoint (a corrupt or truncated file), or another source
// wrote it (another name, or a source of another kind), in an envelope or
// state version the reading source does not know, or against a server the
// source cannot resume from. A source never replaces or reuses such a
// checkpoint; its error names what was stored, what was expected and the
// fix (the right store, or delete the checkpoint to start over).
//
// An OffsetStore reports that what it holds is not a checkpoint by wrapping
// this error. The sources check the rest when they load a checkpoint:
// package cdc/mysql's mysql.ErrInvalidCheckpoint is this same error.
var ErrInvalidCheckpoint = errors.New("cdc: invalid checkpoint")

// Checkpoint is what a source stores to resume, as an envelope that offset
// stores serialise with encoding/json without looking inside: which source
// wrote it and what kind of source that is, around the source's own state.
//
// Only the source that wrote a checkpoint understands its State. Before
// resuming, a source checks the envelope: Version must be
// [CheckpointVersion], Kind its kind and Source its name; then it checks
// the version its State carries. Otherwise it returns an error matching
// [ErrInvalidCheckpoint] and leaves the checkpoint as it is. Tools that need
// to look inside use the source package's inspector, such as
// mysql.InspectCheckpoint.
type Checkpoint struct {
	// Version is the envelope's format, [CheckpointVersion].
	Version int `json:"version"`
	// Source is the name of the source that wrote it, such as the MySQL
	// source's Config.Name.
	Source string `json:"source"`
	// Kind is the kind of source that wrote it, such as "mysql"; it says
	// how to read State.
	Kind string `json:"kind"`
	// State is the source's own state as JSON, in a format of the source's
	// own, versioned by the source.
	State json.RawMessage `json:"state,omitempty"`
}
