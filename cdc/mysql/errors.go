package mysql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	// Imported as secrets: redact is this package's helper for its one secret.
	secrets "github.com/rtdw/rtdw/internal/redact"
)

// Sentinel errors of the MySQL source, matched with errors.Is.
var (
	// ErrInvalidConfig is matched by every *ConfigError.
	ErrInvalidConfig = errors.New("mysql: invalid source configuration")
	// ErrServerConfig: the server's binlog settings do not allow row capture
	// (log_bin off, binlog_format not ROW, binlog_row_image not FULL).
	ErrServerConfig = errors.New("mysql: server binlog settings do not allow change capture")
	// ErrMissingPrivilege: the user lacks a privilege the source needs.
	ErrMissingPrivilege = errors.New("mysql: missing privilege")
	// ErrUnknownDatabase and ErrUnknownTable: a DatabaseList or TableList
	// pattern matches nothing on the server.
	ErrUnknownDatabase = errors.New("mysql: unknown database")
	ErrUnknownTable    = errors.New("mysql: unknown table")
	// ErrNoChunkKey: a table to snapshot has no primary key and no
	// ChunkKeyColumn.
	ErrNoChunkKey = errors.New("mysql: table has no primary key and no chunk key column")
	// ErrBinlogPurged: the binlog file a start position or stored offset
	// needs is no longer on the server.
	ErrBinlogPurged = errors.New("mysql: binlog file purged")
	// ErrSchemaMismatch: the source cannot know a captured table's schema
	// at a point of the binlog: a DDL statement that may change a captured
	// table cannot be parsed (the error wraps a [*DDLError] carrying the
	// statement), or a change read from the binlog does not fit the
	// table's schema in the schema history (its column count or types).
	ErrSchemaMismatch = errors.New("mysql: binlog change does not match the table's schema")
	// ErrInvalidCheckpoint: the checkpoint in the OffsetStore cannot be
	// used: it is not a checkpoint (a corrupt or truncated file), or another
	// source wrote it (another Name, or a source of another Kind), in an
	// envelope or state version this package does not know, or against a
	// server of the other flavour. Run never replaces or reuses such a
	// checkpoint; the error names what was stored, what was expected and the
	// fix (the right store, or delete the checkpoint to start over). It is
	// [cdc.ErrInvalidCheckpoint], the error an [cdc.OffsetStore] wraps when
	// what it holds is not a checkpoint, so either matches.
	ErrInvalidCheckpoint = cdc.ErrInvalidCheckpoint
	// ErrServerChanged: the checkpoint was written against another server
	// (its @@server_uuid on MySQL; its server_id and gtid_domain_id on
	// MariaDB), as after a failover to a replica, and the source cannot
	// resume there: the checkpoint holds only a binlog file and position,
	// which belong to the old server, and no GTID set, the one position
	// every server of a replication topology shares. Enable GTIDs on both
	// servers, or point the source back at the old one. See the package
	// documentation's section on failover.
	ErrServerChanged = errors.New("mysql: the checkpoint belongs to another server")
	// ErrServerIDConflict: another replica connected to the server with the
	// same server_id as the source's binlog connection, and the server
	// dropped the source's (MariaDB error 4052; MySQL error 1236 when the
	// replicas also share a replica UUID). Two replicas with one id would
	// keep dropping each other, so Run ends at once instead of
	// reconnecting: give the source a ServerID range no replica or other
	// source uses.
	ErrServerIDConflict = errors.New("mysql: another replica uses the source's server id")
	// ErrSourceClosed: Run was called on a closed source.
	ErrSourceClosed = errors.New("mysql: source closed")
	// ErrAlreadyRunning: Run was called while another Run is in progress.
	ErrAlreadyRunning = errors.New("mysql: source already running")
)

// SourceError is an error of a running source: what it was doing, what went
// wrong, and how to fix it. Unwrap returns both the sentinel (such as
// [ErrBinlogPurged]) and the underlying error.
type SourceError struct {
	// Op is what the source was doing, such as "preflight" or "binlog".
	Op string
	// Kind is the sentinel the error matches, or nil.
	Kind error
	// Msg says what is wrong; Fix says what to do about it.
	Msg string
	Fix string
	// Err is the underlying error, or nil.
	Err error
}

// Error reads "mysql: op: msg: underlying error (fix: fix)".
func (e *SourceError) Error() string {
	var b strings.Builder
	b.WriteString("mysql: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Fix != "" {
		b.WriteString(" (fix: ")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel and the underlying error.
func (e *SourceError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func sourceErr(op string, kind error, err error, fix string, format string, args ...any) *SourceError {
	return &SourceError{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...), Fix: fix, Err: err}
}

// redact removes the source's password from an error's text, for errors
// that come from drivers and might quote a DSN; the error's chain is kept.
func redact(err error, password string) error { return secrets.Error(err, password) }

// DDLError is a DDL statement read from the binlog that the source cannot
// apply to its schema history: the parser cannot read it, and it may change
// a captured table. It matches [ErrSchemaMismatch]; Run's error wraps it,
// so errors.As finds the statement.
type DDLError struct {
	// Statement is the statement as the server logged it.
	Statement string
	// Database is the statement's default database.
	Database string
	// Offset is where the statement is in the binlog.
	Offset Offset
	// Err is the parser's error.
	Err error
}

// Error names the position, the statement and the parser's complaint.
func (e *DDLError) Error() string {
	return fmt.Sprintf("DDL statement at %s (database %q) cannot be parsed: %v; statement: %s", e.Offset, e.Database, e.Err, e.Statement)
}

// Unwrap returns Err.
func (e *DDLError) Unwrap() error { return e.Err }

// Is reports whether target is ErrSchemaMismatch.
func (e *DDLError) Is(target error) bool { return target == ErrSchemaMismatch }
