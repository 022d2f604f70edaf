package mysql

import (
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// A server keeps one binlog connection per replica server id: when a
// replica connects with an id another connection holds, it drops the older
// connection. MariaDB does that by server_id alone (error 4052, "A slave
// with the same server_uuid/server_id is already connected"); MySQL by the
// replica UUID when the replica sends one, as go-mysql does with a new
// random UUID per connection, so two sources with one id coexist on MySQL,
// and it answers error 1236 ("A replica with the same server_uuid/server_id
// as this replica has connected to the source") only to replicas that share
// the UUID too. Reconnecting would drop the other replica in turn, and the
// two would take the binlog from each other for ever: the source stops.

// erSlaveSameID is MariaDB's ER_SLAVE_SAME_ID.
const erSlaveSameID = 4052

// isServerIDConflict reports whether a binlog connection ended because
// another replica connected with its server id.
func isServerIDConflict(err error) bool {
	var me *gomysql.MyError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Code {
	case erSlaveSameID:
		return true
	case gomysql.ER_MASTER_FATAL_ERROR_READING_BINLOG:
		return strings.Contains(strings.ToLower(me.Message), "same server_uuid/server_id")
	}
	return false
}

// serverIDConflictErr is the error of a binlog connection with serverID
// that another replica with that id took over: it matches
// [ErrServerIDConflict] and names the id and the fix.
func (r *runner) serverIDConflictErr(err error, serverID uint32) error {
	return sourceErr("binlog", ErrServerIDConflict, err,
		fmt.Sprintf("give this source a ServerID range that no replica of the server and no other source uses (ServerID is %q; "+
			"SHOW SLAVE HOSTS / SHOW REPLICAS lists the ids in use)", r.cfg.ServerID),
		"another replica connected to the server with server id %d, the id of this source's binlog connection, and the server dropped this one", serverID)
}
