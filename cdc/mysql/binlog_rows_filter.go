package mysql

import (
	"bytes"
	"sync"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
)

// rowsOnlyFor returns a go-mysql RowsEventDecodeFunc that decodes the row
// images of the tables keep accepts and only the header of the others: a
// rows event of a table the source does not capture is read for its
// position but its values are never needed, and decoding them is most of
// the cost of a busy server's binlog. Such events reach the reader with
// nil Rows.
//
// keep is asked once per table id and table name; it may be called from
// the syncer's goroutines and must not touch state that changes.
func rowsOnlyFor(keep func(cdc.TableID) bool) func(*replication.RowsEvent, []byte) error {
	type verdict struct {
		schema, table []byte
		keep          bool
	}
	var mu sync.Mutex
	seen := map[uint64]verdict{}
	return func(e *replication.RowsEvent, data []byte) error {
		pos, err := e.DecodeHeader(data)
		if err != nil {
			return err
		}
		if e.Table == nil {
			return e.DecodeData(pos, data)
		}
		mu.Lock()
		v, ok := seen[e.TableID]
		if !ok || !bytes.Equal(v.schema, e.Table.Schema) || !bytes.Equal(v.table, e.Table.Table) {
			v = verdict{schema: e.Table.Schema, table: e.Table.Table,
				keep: keep(cdc.TableID{Database: string(e.Table.Schema), Table: string(e.Table.Table)})}
			seen[e.TableID] = v
		}
		mu.Unlock()
		if !v.keep {
			return nil
		}
		return e.DecodeData(pos, data)
	}
}
