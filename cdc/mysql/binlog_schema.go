package mysql

import (
	"context"
	"fmt"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
)

// ddlLockWait bounds the wait for a DDL statement's metadata lock before
// a table's definition is read from the server (see awaitDDLCommit).
const ddlLockWait = 5 * time.Second

// awaitDDLCommit waits until a DDL statement on id read from the binlog has
// committed. The statement holds an exclusive metadata lock on the table
// until it has; opening the table takes a shared one, so it waits for that.
// Errors (the table is gone, the wait times out) are ignored: the reloads
// after it check the result anyway.
func (b *binlogReader) awaitDDLCommit(ctx context.Context, id cdc.TableID) {
	ctx, cancel := context.WithTimeout(ctx, ddlLockWait)
	defer cancel()
	rows, err := b.r.db.QueryContext(ctx, "SELECT * FROM "+quoteTable(id)+" LIMIT 0")
	if err == nil {
		rows.Close()
	}
}

// checkRowsFit checks that a rows event of table id, at at, fits the
// schema the history has for it. When it does not, the error matches
// [ErrSchemaMismatch] and says how they differ.
func (b *binlogReader) checkRowsFit(id cdc.TableID, tm *replication.TableMapEvent, s *cdc.TableSchema, at Offset) error {
	why := tableMapMismatch(s, tm)
	if why == "" {
		return nil
	}
	return sourceErr("binlog", ErrSchemaMismatch, nil,
		"restart the source from a snapshot (delete the checkpoint); a checkpoint written before rtdw kept a schema history resumes with the tables' present definitions, which rows written before a later ALTER do not fit",
		"a change of %s at %s does not fit the table's schema in the schema history: %s", id, at, why)
}

// tableMapMismatch says how a rows event's table map differs from a schema
// (the column count, or the first column whose binlog type cannot hold the
// schema's type); "" when it fits.
func tableMapMismatch(s *cdc.TableSchema, tm *replication.TableMapEvent) string {
	if s == nil {
		return "no schema"
	}
	if int(tm.ColumnCount) != len(s.Columns) || len(tm.ColumnType) != len(s.Columns) {
		return fmt.Sprintf("the binlog has %d columns, the table %d", tm.ColumnCount, len(s.Columns))
	}
	for i := range s.Columns {
		if !binlogTypeFits(s.Columns[i].Type.Kind, tm, i) {
			return fmt.Sprintf("column %d (%s) is %s on the server but binlog type %d", i+1, s.Columns[i].Name, s.Columns[i].Type.Kind, tm.ColumnType[i])
		}
	}
	return ""
}

// binlogTypeFits reports whether column i of a table map (its binlog
// storage type) can be a column of kind k, on MySQL or MariaDB.
func binlogTypeFits(k cdc.Kind, tm *replication.TableMapEvent, i int) bool {
	t := tm.ColumnType[i]
	is := func(types ...byte) bool {
		for _, x := range types {
			if t == x {
				return true
			}
		}
		return false
	}
	blob := []byte{gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_TINY_BLOB, gomysql.MYSQL_TYPE_MEDIUM_BLOB, gomysql.MYSQL_TYPE_LONG_BLOB}
	switch k {
	case cdc.KindTinyInt:
		return is(gomysql.MYSQL_TYPE_TINY)
	case cdc.KindSmallInt:
		return is(gomysql.MYSQL_TYPE_SHORT)
	case cdc.KindMediumInt:
		return is(gomysql.MYSQL_TYPE_INT24)
	case cdc.KindInt:
		return is(gomysql.MYSQL_TYPE_LONG)
	case cdc.KindBigInt:
		return is(gomysql.MYSQL_TYPE_LONGLONG)
	case cdc.KindDecimal:
		return is(gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_DECIMAL)
	case cdc.KindFloat:
		return is(gomysql.MYSQL_TYPE_FLOAT)
	case cdc.KindDouble:
		return is(gomysql.MYSQL_TYPE_DOUBLE)
	case cdc.KindBit:
		return is(gomysql.MYSQL_TYPE_BIT)
	case cdc.KindDate:
		return is(gomysql.MYSQL_TYPE_DATE, gomysql.MYSQL_TYPE_NEWDATE)
	case cdc.KindTime:
		return is(gomysql.MYSQL_TYPE_TIME, gomysql.MYSQL_TYPE_TIME2)
	case cdc.KindDateTime:
		return is(gomysql.MYSQL_TYPE_DATETIME, gomysql.MYSQL_TYPE_DATETIME2)
	case cdc.KindTimestamp:
		return is(gomysql.MYSQL_TYPE_TIMESTAMP, gomysql.MYSQL_TYPE_TIMESTAMP2)
	case cdc.KindYear:
		return is(gomysql.MYSQL_TYPE_YEAR)
	case cdc.KindChar, cdc.KindBinary:
		return is(gomysql.MYSQL_TYPE_STRING) && !tm.IsEnumOrSetColumn(i)
	case cdc.KindVarChar, cdc.KindVarBinary:
		return is(gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING)
	case cdc.KindTinyText, cdc.KindText, cdc.KindMediumText, cdc.KindLongText, cdc.KindTinyBlob, cdc.KindBlob, cdc.KindMediumBlob, cdc.KindLongBlob:
		return is(blob...)
	case cdc.KindEnum:
		return tm.IsEnumColumn(i)
	case cdc.KindSet:
		return tm.IsSetColumn(i)
	case cdc.KindJSON: // MariaDB's JSON is a LONGTEXT
		return is(gomysql.MYSQL_TYPE_JSON) || is(blob...)
	case cdc.KindGeometry:
		return is(gomysql.MYSQL_TYPE_GEOMETRY) || is(blob...)
	case cdc.KindVector:
		return is(gomysql.MYSQL_TYPE_VECTOR, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING) || is(blob...)
	}
	return true // a kind without a canonical value fails elsewhere
}
