package mysql

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/testenv"
)

func tableMap(types []byte, meta []uint16) *replication.TableMapEvent {
	if meta == nil {
		meta = make([]uint16, len(types))
	}
	return &replication.TableMapEvent{ColumnCount: uint64(len(types)), ColumnType: types, ColumnMeta: meta}
}

func TestTableMapMismatch(t *testing.T) {
	schema := &cdc.TableSchema{Columns: []cdc.Column{
		{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}},
		{Name: "name", Type: cdc.ColumnType{Kind: cdc.KindVarChar}},
		{Name: "state", Type: cdc.ColumnType{Kind: cdc.KindEnum}},
		{Name: "code", Type: cdc.ColumnType{Kind: cdc.KindChar}},
		{Name: "doc", Type: cdc.ColumnType{Kind: cdc.KindJSON}},
		{Name: "at", Type: cdc.ColumnType{Kind: cdc.KindDateTime}},
	}}
	enum := uint16(gomysql.MYSQL_TYPE_ENUM)<<8 | 1
	char := uint16(gomysql.MYSQL_TYPE_STRING)<<8 | 40
	fits := []struct {
		name  string
		types []byte
		meta  []uint16
	}{
		{"mysql", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATETIME2}, []uint16{0, 80, enum, char, 4, 0}},
		{"mariadb json as longtext", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_DATETIME2}, []uint16{0, 80, enum, char, 4, 0}},
	}
	for _, c := range fits {
		if why := tableMapMismatch(schema, tableMap(c.types, c.meta)); why != "" {
			t.Errorf("%s: %s", c.name, why)
		}
	}
	misfits := []struct {
		name, want string
		types      []byte
		meta       []uint16
	}{
		{"a column more", "the binlog has 7 columns, the table 6", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATETIME2, gomysql.MYSQL_TYPE_LONG}, nil},
		{"INT became BIGINT", "column 1 (id) is INT", []byte{gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATETIME2}, []uint16{0, 80, enum, char, 4, 0}},
		{"ENUM became CHAR", "column 3 (state) is ENUM", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATETIME2}, []uint16{0, 80, char, char, 4, 0}},
		{"CHAR became ENUM", "column 4 (code) is CHAR", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATETIME2}, []uint16{0, 80, enum, enum, 4, 0}},
		{"DATETIME became DATE", "column 6 (at) is DATETIME", []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_STRING,
			gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_JSON, gomysql.MYSQL_TYPE_DATE}, []uint16{0, 80, enum, char, 4, 0}},
	}
	for _, c := range misfits {
		if why := tableMapMismatch(schema, tableMap(c.types, c.meta)); !strings.Contains(why, c.want) {
			t.Errorf("%s: got %q, want it to say %q", c.name, why, c.want)
		}
	}
}

// DDL statements with comments inside them, as tools write them, are
// parsed and applied to the schema history: the rows after them are
// decoded with the new schema (a MODIFY keeps the column count, so only
// the types tell).
func TestDDLWithCommentsFollowed(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		h := &collector{}
		r := start(t, testConfig(db, "t"), h)
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		// Same column count, new type: only the table map's types tell.
		db.Exec(t, "ALTER /* tool */ TABLE t MODIFY a VARCHAR(10)", "INSERT INTO t VALUES (2, 'two')")
		ev := h.waitFor(t, "insert 2", func(ev []cdc.Event) bool { return len(ev) == 2 })
		if got := ev[1].After; len(got) != 2 || got[1] != "two" || ev[1].Schema.Columns[1].Type.Kind != cdc.KindVarChar {
			t.Fatalf("insert after an ALTER with a comment: %v with %+v", got, ev[1].Schema.Columns)
		}
		db.Exec(t, "ALTER /* tool */ TABLE t ADD COLUMN b DATE", "INSERT INTO t VALUES (3, 'three', '2024-02-29')")
		ev = h.waitFor(t, "insert 3", func(ev []cdc.Event) bool { return len(ev) == 3 })
		if got := ev[2].After; len(got) != 3 || got[1] != "three" {
			t.Fatalf("insert after an added column: %v", got)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	})
}

// A change that does not fit the schema history stops Run with
// ErrSchemaMismatch, saying how they differ. Here the history is the
// table's present definition: the checkpoint is of state version 2, which
// held none, and the table was altered after the change was written.
func TestRowsEventSchemaMismatchFails(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(t, cfg.OffsetStore)
		if err != nil {
			t.Fatal(err)
		}
		st.Version, st.Schemas = 2, nil
		saveState(t, cfg.OffsetStore, cfg.Name, st)
		db.Exec(t, "INSERT INTO t VALUES (2, 2)", "ALTER TABLE t ADD COLUMN b INT")
		src, err := NewSourceFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = src.Run(ctx, &collector{})
		if !errors.Is(err, ErrSchemaMismatch) || !strings.Contains(err.Error(), "the binlog has 2 columns, the table 3") ||
			!strings.Contains(err.Error(), "delete the checkpoint") {
			t.Fatalf("Run: %v", err)
		}
	})
}

// A history that began from the server after a DDL statement ran (here a
// checkpoint of state version 2, which held no history, resumed after an
// ALTER) cannot apply the statement when the binlog replays it: the
// tables it names are read again, and the rows after it decode.
func TestReplayedDDLResyncsTheHistory(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT)", "INSERT INTO t VALUES (1, 1)")
		cfg := testConfig(db, "t")
		cfg.OffsetStore = cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
		h := &collector{}
		r := start(t, cfg, h)
		h.waitFor(t, "snapshot", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(t, cfg.OffsetStore)
		if err != nil {
			t.Fatal(err)
		}
		st.Version, st.Schemas = 2, nil
		saveState(t, cfg.OffsetStore, cfg.Name, st)
		db.Exec(t, "ALTER TABLE t ADD COLUMN b INT", "INSERT INTO t VALUES (2, 2, 2)")
		h2 := &collector{}
		r = start(t, cfg, h2)
		ev := r.waitFor(t, h2, "the row after the replayed ALTER", func(ev []cdc.Event) bool { return len(ev) == 1 })
		if got := rowText(ev[0]) + " " + columnNames(ev[0].Schema); got != "c t[2 2 2] t(id:INT,a:INT,b:INT)" {
			t.Fatalf("row %s", got)
		}
	})
}
