package mysql

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// CheckpointKind is the [cdc.Checkpoint.Kind] of the checkpoints a [Source]
// stores.
const CheckpointKind = "mysql"

// stateVersion is the format of checkpointState, the State of the
// checkpoints this package writes. Version 2 added Server; Run resumes from
// version 1 too (as written against the server it resumes on), while a
// version of rtdw that knows only version 1 refuses version 2, since it
// would resume from another server's positions after a move. Version 3
// added Schemas, the schema history; Run resumes from versions 1 and 2 with
// the tables' definitions on the server instead (rows written before a
// later ALTER then fail with ErrSchemaMismatch, as they did), while older
// versions of rtdw refuse version 3, which they would decode with the
// wrong schemas.
const stateVersion = 3

// oldestStateVersion is the oldest state format Run resumes from.
const oldestStateVersion = 1

// checkpointState is what a source stores to resume, as the State of a
// [cdc.Checkpoint]: its binlog offset and, while a snapshot is in progress
// or its effects still filter the binlog, the snapshot's chunks.
//
// Before resuming, Run checks that the checkpoint is its own (see
// checkResumable): the envelope's Version, Kind and Source, this state's
// Version, and that a GTID set in Offset is of the server's flavour.
type checkpointState struct {
	// Version is the state's format, stateVersion.
	Version int `json:"version"`
	// Offset is where binlog streaming resumes; zero while the snapshot runs.
	Offset Offset `json:"offset,omitzero"`
	// Tables are the captured tables, for ScanNewlyAddedTables.
	Tables []cdc.TableID `json:"tables,omitempty"`
	// Snapshot is the snapshot's progress; nil when no snapshot was taken or
	// the binlog has passed every chunk's high watermark.
	Snapshot *snapshotState `json:"snapshot,omitempty"`
	// Server is the server the positions belong to, and how its binlog
	// files are numbered in the capture's history; nil in version 1.
	Server *binlogServer `json:"server,omitempty"`
	// Schemas is the schema history as of Offset: the schema of every
	// captured table (and shadow table of an online schema change tool)
	// that the binlog after Offset is decoded with. Nil in versions 1 and
	// 2, and before the first schemas are known.
	Schemas []storedTable `json:"schemas,omitempty"`

	// history is the schema history Schemas is encoded from on save;
	// encoded the history Schemas holds, so an unchanged one is not
	// encoded again.
	history, encoded *schemaHistory
}

// setHistory makes h the checkpoint's schema history.
func (st *checkpointState) setHistory(h *schemaHistory) { st.history = h }

// syncSchemas encodes the history into Schemas when it changed.
func (st *checkpointState) syncSchemas() {
	if st.history != nil && st.history != st.encoded {
		st.Schemas = encodeHistory(st.history)
		st.encoded = st.history
	}
}

// schemaHistory returns the checkpoint's schema history, decoding Schemas
// when it was loaded; nil when the checkpoint has none.
func (st *checkpointState) schemaHistory() (*schemaHistory, error) {
	if st.history != nil || st.Schemas == nil {
		return st.history, nil
	}
	h, err := decodeHistory(st.Schemas)
	if err != nil {
		return nil, err
	}
	st.history, st.encoded = h, h
	return h, nil
}

// snapshotState is the progress of a chunked snapshot.
type snapshotState struct {
	// Done is set when every chunk has been delivered.
	Done bool `json:"done"`
	// Tables holds each table's chunks.
	Tables []tableSnapshot `json:"tables"`
}

// tableSnapshot is the chunks of one table.
type tableSnapshot struct {
	Table cdc.TableID `json:"table"`
	// KeyColumn is the column the table was split by.
	KeyColumn string `json:"key_column"`
	// Chunks cover the key's whole range, in key order.
	Chunks []snapshotChunk `json:"chunks"`
}

// snapshotChunk is a key range [Start, End) of a table; a nil bound is
// unbounded.
type snapshotChunk struct {
	Start *chunkBound `json:"start,omitempty"`
	End   *chunkBound `json:"end,omitempty"`
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

// chunkBound is a value of a chunk key column: a signed or unsigned integer,
// or the column's text or bytes as the server returned them.
type chunkBound struct {
	Int   *int64  `json:"int,omitempty"`
	Uint  *uint64 `json:"uint,omitempty"`
	Bytes []byte  `json:"bytes,omitempty"`
}

// newCheckpointState returns the state of a source that has delivered
// nothing yet.
func newCheckpointState() *checkpointState { return &checkpointState{Version: stateVersion} }

// checkpoint wraps the state in the envelope an OffsetStore keeps, for the
// source named name.
func (st *checkpointState) checkpoint(name string) (*cdc.Checkpoint, error) {
	st.syncSchemas()
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return &cdc.Checkpoint{Version: cdc.CheckpointVersion, Source: name, Kind: CheckpointKind, State: b}, nil
}

// clone deep-copies a state, so that a saved value shares no memory the
// running source modifies. Chunk bounds and the encoded schemas are never
// modified once made, and are shared.
func (st *checkpointState) clone() *checkpointState {
	st.syncSchemas()
	c := *st
	c.Tables = slices.Clone(st.Tables)
	if st.Snapshot != nil {
		snap := *st.Snapshot
		snap.Tables = slices.Clone(snap.Tables)
		for i := range snap.Tables {
			snap.Tables[i].Chunks = slices.Clone(snap.Tables[i].Chunks)
		}
		c.Snapshot = &snap
	}
	if st.Server != nil {
		srv := *st.Server
		srv.Previous = slices.Clone(srv.Previous)
		c.Server = &srv
	}
	return &c
}

// checkpointLoadError is Run's error for a failed [cdc.OffsetStore.Load]: of
// kind [ErrInvalidCheckpoint] when the store holds something that is not a
// checkpoint, else the store's own failure.
func checkpointLoadError(store cdc.OffsetStore, err error) error {
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

// restartFix is the fix every refused checkpoint offers.
const restartFix = "delete the checkpoint to start over (Run then starts as StartupOptions say)"

// checkResumable returns the state of cp when a source named name may
// resume from it on a server of flavor (gomysql.MySQLFlavor or
// MariaDBFlavor): cp's envelope is of this version and kind and was written
// by a source of that name, its state is of this package's version, and a
// GTID set in it is of the server's flavour. Otherwise the error, of kind
// [ErrInvalidCheckpoint], names what was stored, what was expected and the
// fix.
func checkResumable(store cdc.OffsetStore, cp *cdc.Checkpoint, name, flavor string) (*checkpointState, error) {
	where := describeStore(store)
	if err := checkEnvelope(cp, where); err != nil {
		return nil, err
	}
	if cp.Source != name {
		return nil, sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			fmt.Sprintf("give each source its own OffsetStore; if this source was renamed, set Name back to %q; or %s", cp.Source, restartFix),
			"%s was written by source %q, but this source is named %q", where, cp.Source, name)
	}
	st, err := decodeState(cp, where)
	if err != nil {
		return nil, err
	}
	if set := st.Offset.GTIDSet; set != "" {
		if f, err := detectGTIDFlavor(set); err == nil && f != flavor {
			return nil, sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
				"point the source at the server the checkpoint was written against, or "+restartFix,
				"%s holds GTID set %q, a %s GTID set, but the server is %s", where, set, flavorName(f), flavorName(flavor))
		}
	}
	return st, nil
}

// checkEnvelope checks that cp is a checkpoint envelope of
// [cdc.CheckpointVersion] written by a MySQL source; where names cp in
// errors.
func checkEnvelope(cp *cdc.Checkpoint, where string) error {
	if cp.Version != cdc.CheckpointVersion {
		return sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			"resume with the rtdw version that wrote it, or "+restartFix,
			"%s is in format version %d; this source reads version %d", where, cp.Version, cdc.CheckpointVersion)
	}
	if cp.Kind != CheckpointKind {
		return sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			"give each source its own OffsetStore, or "+restartFix,
			"%s was written by a source of kind %q (named %q), but this source is of kind %q", where, cp.Kind, cp.Source, CheckpointKind)
	}
	return nil
}

// decodeState decodes the state of a checkpoint whose envelope
// checkEnvelope accepted, and checks its version.
func decodeState(cp *cdc.Checkpoint, where string) (*checkpointState, error) {
	var st checkpointState
	if err := json.Unmarshal(cp.State, &st); err != nil {
		return nil, sourceErr("checkpoint", ErrInvalidCheckpoint, err,
			restartFix+", or restore a good copy", "the MySQL source state in %s does not decode", where)
	}
	if st.Version < oldestStateVersion || st.Version > stateVersion {
		return nil, sourceErr("checkpoint", ErrInvalidCheckpoint, nil,
			"resume with the rtdw version that wrote it, or "+restartFix,
			"the MySQL source state in %s is in format version %d; this source reads version %d and the older ones from version %d", where, st.Version, stateVersion, oldestStateVersion)
	}
	st.Version = stateVersion // the next save writes the current format
	return &st, nil
}

// describeStore names a store's checkpoint in errors: a file by its path.
func describeStore(s cdc.OffsetStore) string {
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

// CheckpointInfo is what a MySQL source's checkpoint records, as
// [InspectCheckpoint] reads it.
type CheckpointInfo struct {
	// Source is the name of the source that wrote the checkpoint.
	Source string
	// Offset is where binlog streaming resumes; zero while the first
	// snapshot is in progress.
	Offset Offset
	// Tables are the captured tables.
	Tables []cdc.TableID
	// SnapshotInProgress is set while the snapshot has chunks left to
	// deliver; a resumed Run delivers them before it streams.
	SnapshotInProgress bool
	// ChunksDone and ChunksTotal count the snapshot's chunks that were
	// recorded delivered, and all of them. Both are 0 when the checkpoint
	// holds no snapshot: none was taken, or the binlog has passed every
	// chunk's high watermark.
	ChunksDone, ChunksTotal int
	// Server identifies the server the checkpoint's positions belong to:
	// "server_uuid <uuid>" on MySQL, "server_id <n>, gtid_domain_id <d>" on
	// MariaDB; "" in a checkpoint written before rtdw recorded it.
	// PreviousServers are the servers the capture read before, oldest
	// first (see the package documentation on failover).
	Server          string
	PreviousServers []string
	// Schemas are the captured tables' schemas as of Offset, from the
	// checkpoint's schema history, sorted by table; nil in a checkpoint
	// written before rtdw kept one.
	Schemas []*cdc.TableSchema
}

// InspectCheckpoint reads a checkpoint a [Source] stored, for tools and
// tests that need to look inside; the source's state is not otherwise
// exported. A checkpoint of another kind or version is an error matching
// [ErrInvalidCheckpoint], as it is for Run.
func InspectCheckpoint(cp *cdc.Checkpoint) (CheckpointInfo, error) {
	const where = "the checkpoint"
	if err := checkEnvelope(cp, where); err != nil {
		return CheckpointInfo{}, err
	}
	st, err := decodeState(cp, where)
	if err != nil {
		return CheckpointInfo{}, err
	}
	info := CheckpointInfo{Source: cp.Source, Offset: st.Offset, Tables: st.Tables}
	if st.Server != nil {
		info.Server, info.PreviousServers = st.Server.ID, st.Server.Previous
	}
	hist, err := st.schemaHistory()
	if err != nil {
		return CheckpointInfo{}, sourceErr("checkpoint", ErrInvalidCheckpoint, err, restartFix, "the schema history in %s does not decode", where)
	}
	if hist != nil {
		for _, t := range st.Schemas {
			if !t.Shadow {
				info.Schemas = append(info.Schemas, hist.schema(t.Table))
			}
		}
	}
	if s := st.Snapshot; s != nil {
		info.SnapshotInProgress = !s.Done
		for _, t := range s.Tables {
			for _, c := range t.Chunks {
				info.ChunksTotal++
				if c.Done {
					info.ChunksDone++
				}
			}
		}
	}
	return info, nil
}
