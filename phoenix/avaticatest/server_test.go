package avaticatest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	avatica "github.com/apache/calcite-avatica-go/v5"
	avaticaerrors "github.com/apache/calcite-avatica-go/v5/errors"

	"github.com/rtdw/rtdw/phoenix/avaticatest"
)

// recorder is a Reporter that keeps the violations instead of failing, so
// a test can check that the fake catches them.
type recorder struct {
	mu         sync.Mutex
	violations []string
	cleanups   []func()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) got() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.violations, "\n")
}

func open(t *testing.T, rep avaticatest.Reporter) (*avaticatest.Server, *sql.DB) {
	srv := avaticatest.NewServer(rep, avaticatest.Config{})
	if r, ok := rep.(*recorder); ok {
		t.Cleanup(func() {
			for _, f := range r.cleanups {
				f()
			}
		})
	}
	db := sql.OpenDB(avatica.NewConnector(srv.URL()))
	t.Cleanup(func() { db.Close() })
	return srv, db
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

const ddl = `CREATE TABLE "T" ("k" BIGINT NOT NULL, "v" VARCHAR, CONSTRAINT "pk" PRIMARY KEY ("k"))`

func TestValuesWrittenIntoTheSQLAreAViolation(t *testing.T) {
	t.Parallel()
	rep := &recorder{}
	_, db := open(t, rep)
	c := ctx(t)
	if _, err := db.ExecContext(c, ddl); err != nil {
		t.Fatal(err)
	}
	db.ExecContext(c, `UPSERT INTO "T" ("k", "v") VALUES (1, 'x')`)
	if !strings.Contains(rep.got(), "bind them as parameters") {
		t.Fatalf("violations = %q", rep.got())
	}
}

func TestUnquotedNamesAreUpperCased(t *testing.T) {
	t.Parallel()
	srv, db := open(t, t)
	c := ctx(t)
	if _, err := db.ExecContext(c, ddl); err != nil {
		t.Fatal(err)
	}
	// t and "t" are other tables than "T"... and T is "T".
	_, err := db.ExecContext(c, `UPSERT INTO "t" ("k", "v") VALUES (?, ?)`, int64(1), "x")
	var re avaticaerrors.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != 1012 || re.SqlState != "42M03" || !strings.Contains(re.ErrorMessage, "ERROR 1012 (42M03): Table undefined. tableName=t") {
		t.Fatalf("UPSERT INTO \"t\" = %v", err)
	}
	if _, err := db.ExecContext(c, `UPSERT INTO t ("k", "v") VALUES (?, ?)`, int64(1), "x"); err != nil {
		t.Fatalf("UPSERT INTO t (resolves to T) = %v", err)
	}
	if rows, _ := srv.Rows("", "T"); len(rows) != 1 || rows[0]["v"] != "x" {
		t.Fatalf("rows = %v", rows)
	}
	if srv.AutoCommitWrites() != 1 {
		t.Fatalf("autocommit writes = %d", srv.AutoCommitWrites())
	}
}

func TestTypesAreChecked(t *testing.T) {
	t.Parallel()
	_, db := open(t, t)
	c := ctx(t)
	if _, err := db.ExecContext(c, ddl); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(c, `UPSERT INTO "T" ("k", "v") VALUES (?, ?)`, "one", "x")
	var re avaticaerrors.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != 203 {
		t.Fatalf("a string into BIGINT = %v", err)
	}
}

func TestRollbackDropsTheTransaction(t *testing.T) {
	t.Parallel()
	srv, db := open(t, t)
	c := ctx(t)
	if _, err := db.ExecContext(c, ddl); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(c, `UPSERT INTO "T" ("k", "v") VALUES (?, ?)`, int64(1), "x"); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "T"); len(rows) != 0 {
		t.Fatal("an uncommitted write is visible")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if rows, _ := srv.Rows("", "T"); len(rows) != 0 || srv.AutoCommitWrites() != 0 {
		t.Fatal("a rolled-back write was applied")
	}
}
