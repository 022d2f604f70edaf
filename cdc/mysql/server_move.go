package mysql

import (
	"context"
	"errors"
	"fmt"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// A source's checkpoint names the server it was written against, so that a
// Run pointed at another server (a replica promoted in a failover, or a
// replica read instead of the primary) notices the move: binlog file names
// and positions belong to one server, and only the GTID set means the same
// on every server of a replication topology. After a move the source
// resumes from the GTID set, never from the old server's file and position,
// and numbers the new server's files after the last one it read on the old
// server, so that [cdc.Source.BinlogSeq] keeps increasing.

// binlogServer is the server a checkpoint's positions belong to, and how
// its binlog files map to the capture's sequence of files
// ([cdc.Source.BinlogSeq]).
type binlogServer struct {
	// ID identifies the server: "server_uuid <uuid>" on MySQL, "server_id
	// <n>, gtid_domain_id <d>" on MariaDB, which has no server UUID.
	ID string `json:"id"`
	// FirstFile is the number of the first binlog file of this server the
	// sequence counts from: 0 on the server the capture started on, whose
	// file numbers are the sequence itself; after a move, the number of the
	// oldest file the new server had.
	FirstFile uint64 `json:"first_file,omitempty"`
	// Base is the sequence number of FirstFile.
	Base uint64 `json:"base,omitempty"`
	// LastFile is the number of the newest binlog file of this server whose
	// events may have been delivered: the source stores it before it
	// delivers an event of a newer file, so that a move numbers the next
	// server's files after every version a sink may hold.
	LastFile uint64 `json:"last_file,omitempty"`
	// Previous names the servers the capture read before this one, oldest
	// first, for people reading the checkpoint.
	Previous []string `json:"previous,omitempty"`
}

// seq returns the capture's sequence number of this server's binlog file
// number n.
func (s *binlogServer) seq(n uint64) (uint64, bool) {
	if n < s.FirstFile {
		return 0, false
	}
	return s.Base + n - s.FirstFile, true
}

// binlogFileNumber returns the number after the last dot of a binlog file
// name: 12 for "mysql-bin.000012".
func binlogFileNumber(file string) (uint64, bool) {
	_, n, ok := splitBinlogFile(file)
	return n, ok
}

// detectServerIdentity reads what identifies the server: @@server_uuid on
// MySQL; @@server_id and @@gtid_domain_id on MariaDB, which has no server
// UUID (servers of one replication topology must have different ids).
func (r *runner) detectServerIdentity(ctx context.Context) error {
	if r.server.flavor == gomysql.MariaDBFlavor {
		var id, domain uint64
		if err := r.db.QueryRowContext(ctx, "SELECT @@GLOBAL.server_id, @@GLOBAL.gtid_domain_id").Scan(&id, &domain); err != nil {
			return sourceErr("preflight", nil, err, "", "read the server's server_id and gtid_domain_id")
		}
		r.serverID = fmt.Sprintf("server_id %d, gtid_domain_id %d", id, domain)
		return nil
	}
	var uuid string
	if err := r.db.QueryRowContext(ctx, "SELECT @@GLOBAL.server_uuid").Scan(&uuid); err != nil {
		return sourceErr("preflight", nil, err, "", "read the server's server_uuid")
	}
	r.serverID = "server_uuid " + uuid
	return nil
}

// followServer makes the checkpoint's state belong to the server Run is
// connected to. A state that names no server (a new one, or one written
// before checkpoints named their server) is taken to be this server's. A
// state written against another server is moved to this one: every stored
// position keeps only its GTID set, since its file and position belong to
// the old server, and this server's files are numbered after the last one
// read on the old server. A stored position without a GTID set cannot be
// moved: the error matches [ErrServerChanged].
func (r *runner) followServer(ctx context.Context, st *checkpointState) error {
	if st.Server == nil {
		st.Server = &binlogServer{ID: r.serverID, LastFile: maxStateFile(st)}
		return nil
	}
	if st.Server.ID == r.serverID {
		return nil
	}
	old := st.Server
	if err := r.checkMovable(st, old.ID); err != nil {
		return err
	}
	files, err := r.binaryLogs(ctx)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return sourceErr("start", ErrServerConfig, nil, "start the server with --log-bin", "the server has no binlog files")
	}
	first, ok := binlogFileNumber(files[0])
	if !ok {
		return sourceErr("start", nil, nil, "", "binlog file name %q has no .NNNNNN number", files[0])
	}
	last := max(old.LastFile, maxStateFile(st), old.FirstFile)
	lastSeq, _ := old.seq(last)
	st.Server = &binlogServer{ID: r.serverID, FirstFile: first, Base: lastSeq + 1,
		Previous: append(append([]string(nil), old.Previous...), old.ID)}
	if n := len(st.Server.Previous); n > maxPreviousServers {
		st.Server.Previous = st.Server.Previous[n-maxPreviousServers:]
	}
	forEachStateOffset(st, func(o *Offset) {
		*o = Offset{GTIDSet: o.GTIDSet}
	})
	r.dirty = true
	r.src.obs.log.Warn("mysql source: the checkpoint was written against another server; resuming from its GTID set",
		"from", old.ID, "to", r.serverID, "offset", st.Offset.String(), "binlog_seq_base", st.Server.Base)
	return nil
}

// maxPreviousServers bounds the servers a checkpoint remembers.
const maxPreviousServers = 8

// checkMovable returns an error matching [ErrServerChanged] unless every
// position st stores has a GTID set, and this server has GTIDs on, so the
// positions can be found on this server, which has another binlog.
func (r *runner) checkMovable(st *checkpointState, oldID string) error {
	var without *Offset
	forEachStateOffset(st, func(o *Offset) {
		if without == nil && o.File != "" && o.GTIDSet == "" {
			without = o
		}
	})
	fix := fmt.Sprintf("enable GTIDs on both servers (gtid_mode=ON and enforce_gtid_consistency=ON on MySQL; MariaDB always logs them), "+
		"or point the source back at the server with %s; or %s", oldID, restartFix)
	if without != nil {
		return sourceErr("start", ErrServerChanged, nil, fix,
			"the stored position %s belongs to the server with %s; this server (%s) needs a GTID set to resume from, and the checkpoint holds none",
			without, oldID, r.serverID)
	}
	if r.server.flavor == gomysql.MySQLFlavor && !r.server.gtidMode {
		return sourceErr("start", ErrServerChanged, nil, fix,
			"the checkpoint was written against the server with %s; this server (%s) has gtid_mode OFF, so it cannot find the checkpoint's GTID set",
			oldID, r.serverID)
	}
	return nil
}

// forEachStateOffset calls f with every binlog position st stores: its
// offset and its snapshot chunks' high watermarks and DeliveredFrom.
func forEachStateOffset(st *checkpointState, f func(*Offset)) {
	if !st.Offset.IsZero() {
		f(&st.Offset)
	}
	if st.Snapshot == nil {
		return
	}
	for i := range st.Snapshot.Tables {
		chunks := st.Snapshot.Tables[i].Chunks
		for j := range chunks {
			if !chunks[j].HighWatermark.IsZero() {
				f(&chunks[j].HighWatermark)
			}
			if !chunks[j].DeliveredFrom.IsZero() {
				f(&chunks[j].DeliveredFrom)
			}
		}
	}
}

// maxStateFile returns the highest binlog file number among st's
// positions, 0 when none has a file.
func maxStateFile(st *checkpointState) uint64 {
	var n uint64
	forEachStateOffset(st, func(o *Offset) {
		if m, ok := binlogFileNumber(o.File); ok {
			n = max(n, m)
		}
	})
	return n
}

// numberEvents sets [cdc.Source.BinlogSeq] on every event that has a binlog
// file, and, before the events of a file newer than the state's LastFile
// are delivered, stores the new LastFile in the checkpoint last saved.
func (r *runner) numberEvents(ctx context.Context, events []cdc.Event) error {
	srv := r.cp.Server
	if srv == nil {
		return nil
	}
	var newest uint64
	for i := range events {
		src := &events[i].Source
		if src.File == "" {
			continue
		}
		if src.File != r.seqFile {
			n, ok := binlogFileNumber(src.File)
			if !ok {
				continue // sinks see no BinlogSeq and order by File as before
			}
			seq, ok := srv.seq(n)
			if !ok {
				return fmt.Errorf("mysql: internal error: binlog file %s is older than file %d, the first one of %s the source counts from", src.File, srv.FirstFile, srv.ID)
			}
			r.seqFile, r.seqFileNum, r.seqValue = src.File, n, seq
		}
		src.BinlogSeq = r.seqValue
		newest = max(newest, r.seqFileNum)
	}
	if newest <= srv.LastFile {
		return nil
	}
	srv.LastFile = newest
	saved := r.saved
	if saved == nil || saved.Server == nil {
		return errors.New("mysql: internal error: no saved checkpoint before delivering events")
	}
	saved.Server.LastFile = newest
	return r.save(ctx, saved)
}

// gtidWindow returns the GTID set a replay from low, a position with only a
// GTID set, to high starts from, and done when high's set holds no
// transaction low's lacks (the server would send nothing up to high, and
// the replay would wait for a transaction after it).
func (r *runner) gtidWindow(low, high Offset) (set gomysql.GTIDSet, done bool, err error) {
	set, err = gomysql.ParseGTIDSet(r.server.flavor, low.GTIDSet)
	if err != nil {
		return nil, false, sourceErr("snapshot", ErrInvalidCheckpoint, err, restartFix, "stored GTID set %q", low.GTIDSet)
	}
	if high.GTIDSet != "" {
		if hs, herr := gomysql.ParseGTIDSet(r.server.flavor, high.GTIDSet); herr == nil && set.Contain(hs) {
			return set, true, nil
		}
	}
	return set, false, nil
}
