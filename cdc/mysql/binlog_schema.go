package mysql

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/retry"
)

// How long the binlog reader waits for a table's definition to catch up with
// the binlog. A server writes a DDL statement to the binlog, and a replica
// may read it, before the new definition is visible to other sessions (MySQL
// commits its data dictionary after the binlog flush); the gap is
// milliseconds. The waits are bounded so that a schema that will never match
// (the table changed again while the source was behind) fails Run with
// [ErrSchemaMismatch] instead of stalling it.
const (
	// ddlLockWait bounds the wait for the DDL statement's metadata lock.
	ddlLockWait = 5 * time.Second
	// ddlSettleWait bounds the reloads after an ALTER, CREATE or RENAME
	// whose table still shows its old definition (or none). An ALTER that
	// changes no column (ADD INDEX) spends it all, once.
	ddlSettleWait = 200 * time.Millisecond
	// rowsSchemaWait bounds the reloads for a rows event whose table map
	// does not match the table's schema.
	rowsSchemaWait = 2 * time.Second
)

// loadSchema reads a table's schema from the server; nil, nil when the table
// does not exist (it was dropped or renamed).
func (b *binlogReader) loadSchema(ctx context.Context, id cdc.TableID) (*cdc.TableSchema, error) {
	m, err := LoadTableSchemas(ctx, b.r.db, []cdc.TableID{id})
	if errors.Is(err, ErrTableNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return m[id], nil
}

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

var ddlVerbRE = regexp.MustCompile(`(?is)^\s*(?:/\*.*?\*/\s*)*([a-z]+)`)

// ddlVerb returns a statement's first keyword in upper case, after any
// leading comments.
func ddlVerb(q string) string {
	m := ddlVerbRE.FindStringSubmatch(q)
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

// schemaAfterDDL returns the schema of table id after the DDL statement q,
// nil when the table no longer exists. before is the schema the reader had
// cached. The schema is read once the statement has committed, and read
// again for a little while when an ALTER, CREATE or RENAME seems to have
// changed nothing, in case the new definition is not visible yet.
func (b *binlogReader) schemaAfterDDL(ctx context.Context, id cdc.TableID, q string, before *cdc.TableSchema) (*cdc.TableSchema, error) {
	b.awaitDDLCommit(ctx, id)
	verb := ddlVerb(q)
	expectChange := verb == "ALTER" || verb == "CREATE" || verb == "RENAME"
	var s *cdc.TableSchema
	_, err := retry.Policy{
		Backoff:   retry.Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Budget:    ddlSettleWait,
		Retryable: func(err error) bool { return err == errSchemaUnchanged },
	}.Do(ctx, func() (err error) {
		s, err = b.loadSchema(ctx, id)
		if err == nil && expectChange && sameSchema(s, before) {
			return errSchemaUnchanged
		}
		return err
	})
	switch {
	case ctx.Err() != nil:
		return s, ctx.Err()
	case err == errSchemaUnchanged: // for all of ddlSettleWait: the DDL changed no column
		return s, nil
	}
	return s, err
}

// errSchemaUnchanged is schemaAfterDDL's retry signal: the table does not
// show the DDL's change yet.
var errSchemaUnchanged = errors.New("schema unchanged")

// sameSchema reports whether two schemas (either may be nil) have the same
// columns and primary key.
func sameSchema(a, b *cdc.TableSchema) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(a.Columns, b.Columns) && reflect.DeepEqual(a.PrimaryKey, b.PrimaryKey)
}

// schemaForRows returns the schema to decode a rows event of table id
// with: cached when the event's table map fits it, otherwise the table's
// schema reloaded until it fits, for up to rowsSchemaWait. When it never
// fits, the error matches [ErrSchemaMismatch] and says how they differ.
func (b *binlogReader) schemaForRows(ctx context.Context, id cdc.TableID, tm *replication.TableMapEvent, cached *cdc.TableSchema, at Offset) (*cdc.TableSchema, error) {
	why := tableMapMismatch(cached, tm)
	if why == "" {
		return cached, nil
	}
	var s *cdc.TableSchema
	_, loadErr := retry.Policy{
		Backoff: retry.Backoff{Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond},
		Budget:  rowsSchemaWait,
	}.Do(ctx, func() (err error) {
		delete(b.schemas, id)
		if s, err = b.loadSchema(ctx, id); err != nil {
			return err
		}
		if s == nil {
			why = "the table no longer exists"
		} else {
			why = tableMapMismatch(s, tm)
		}
		if why != "" {
			return errSchemaMismatchYet
		}
		return nil
	})
	switch {
	case loadErr == nil:
		b.schemas[id] = s
		return s, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case loadErr == errSchemaMismatchYet:
		loadErr = nil
	}
	if loadErr != nil {
		return nil, sourceErr("binlog", nil, loadErr, "", "load the schema of %s", id)
	}
	return nil, sourceErr("binlog", ErrSchemaMismatch, nil,
		"restart the source from a snapshot (delete the checkpoint) if the table changed while the source was behind",
		"a change of %s at %s does not fit the table's definition on the server: %s", id, at, why)
}

// errSchemaMismatchYet is schemaForRows's retry signal: the table's
// definition does not fit the rows event yet.
var errSchemaMismatchYet = errors.New("schema does not fit the rows event yet")

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
