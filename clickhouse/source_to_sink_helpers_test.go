package clickhouse_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// These helpers run the real cdc source against a testenv database and
// compare ClickHouse's visible state with MySQL's.

// newClient returns a client for a ClickHouse native address, closed when
// the test ends.
func newClient(t testing.TB, addr string) *clickhouse.Client {
	t.Helper()
	c, err := clickhouse.New(&chgo.Options{Addr: []string{addr}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var serverIDs struct {
	once sync.Once
	next atomic.Uint32
}

// serverIDRange returns a range of n replica server ids no other test of
// this process uses; the random base keeps concurrent test processes (the
// cdc package's tests run beside these) apart too.
func serverIDRange(n int) string {
	serverIDs.once.Do(func() { serverIDs.next.Store(2_000_000_000 + rand.Uint32N(1<<30)) })
	base := serverIDs.next.Add(uint32(n)) - uint32(n)
	return fmt.Sprintf("%d-%d", base, base+uint32(n)-1)
}

// pipeline is a cdc source running into a sink in the background.
type pipeline struct {
	src     *mysql.Source
	sink    *clickhouse.Sink
	cancel  context.CancelFunc
	done    chan error
	stopped bool
	err     error
}

type pipelineOptions struct {
	startup   mysql.StartupOptions
	store     cdc.OffsetStore
	splitSize int
	// wrap, when set, wraps the sink the source runs into.
	wrap func(cdc.Sink) cdc.Sink
	// ddl delivers schema changes (IncludeSchemaChanges), and patterns,
	// when set, are the table list instead of the tables named.
	ddl      bool
	patterns []string
}

// startPipeline runs a source capturing tables of db into sink until the
// test ends or stop is called.
func startPipeline(t testing.TB, db *testenv.Source, sink *clickhouse.Sink, o pipelineOptions, tables ...string) *pipeline {
	t.Helper()
	p := &pipeline{sink: sink, done: make(chan error, 1)}
	patterns := o.patterns
	for _, tb := range tables {
		patterns = append(patterns, strings.ReplaceAll(db.Database+"."+tb, ".", `\.`))
	}
	if o.store == nil {
		o.store = cdc.NewMemoryOffsetStore()
	}
	if o.splitSize == 0 {
		o.splitSize = 64
	}
	src, err := mysql.NewSource().
		Hostname(db.Host).Port(db.Port).Username(db.User).Password(db.Password).
		DatabaseList(db.Database).TableList(patterns...).
		ServerID(serverIDRange(2)).
		SplitSize(o.splitSize).
		StartupOptions(o.startup).
		IncludeSchemaChanges(o.ddl).
		OffsetStore(o.store).
		OffsetCommitInterval(50 * time.Millisecond).
		ConnectTimeout(5 * time.Second).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	p.src = src
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	var into cdc.Sink = sink
	if o.wrap != nil {
		into = o.wrap(sink)
	}
	go func() { p.done <- src.Run(ctx, into) }()
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the run and returns Run's result.
func (p *pipeline) stop() error {
	if !p.stopped {
		p.stopped = true
		p.cancel()
		p.err = <-p.done
		p.src.Close()
	}
	return p.err
}

// failed returns Run's error when Run has returned.
func (p *pipeline) failed() (error, bool) {
	if p.stopped {
		return p.err, true
	}
	select {
	case err := <-p.done:
		p.stopped, p.err = true, err
		return err, true
	default:
		return nil, false
	}
}

func (p *pipeline) phase() mysql.Phase { return p.src.Progress().Phase }

// waitStreaming waits until the snapshot is delivered and the binlog streams.
func (p *pipeline) waitStreaming(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for p.phase() != mysql.PhaseBinlog {
		if err, done := p.failed(); done {
			t.Fatalf("source stopped before streaming: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("source still in phase %q after %s", p.phase(), timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mysqlTable reads a table of db as cdc's canonical values, as the source
// would snapshot it now (mysql.ReadTable: primary key order, a session in
// UTC as the source's own).
func mysqlTable(ctx context.Context, db *sql.DB, table cdc.TableID) ([]cdc.Row, *cdc.TableSchema, error) {
	schemas, err := mysql.LoadTableSchemas(ctx, db, []cdc.TableID{table})
	if err != nil {
		return nil, nil, err
	}
	schema := schemas[table]
	rows, err := mysql.ReadTable(ctx, db, schema)
	if err != nil {
		return nil, nil, err
	}
	return rows, schema, nil
}

// diffRows returns "" when got holds exactly want's rows and values
// (decimals compared by value), or a description of the first differences.
func diffRows(schema *cdc.TableSchema, want, got []cdc.Row) string {
	var b strings.Builder
	if len(want) != len(got) {
		fmt.Fprintf(&b, "MySQL has %d rows, ClickHouse %d\n", len(want), len(got))
	}
	shown := 0
	for i := range min(len(want), len(got)) {
		for j := range want[i] {
			w, g := want[i][j], got[i][j]
			if equalValue(w, g) {
				continue
			}
			if shown++; shown > 10 {
				b.WriteString("...\n")
				return b.String()
			}
			fmt.Fprintf(&b, "row %d (key %v) column %q: MySQL %#v (%T), ClickHouse %#v (%T)\n", i, want[i][0], schema.Columns[j].Name, w, w, g, g)
		}
	}
	if b.Len() > 0 && len(want) != len(got) {
		fmt.Fprintf(&b, "MySQL keys %v\nClickHouse keys %v\n", keysOf(want), keysOf(got))
	}
	return b.String()
}

func keysOf(rows []cdc.Row) []any {
	var ks []any
	for i, r := range rows {
		if i == 40 {
			ks = append(ks, "...")
			break
		}
		ks = append(ks, r[:min(2, len(r))])
	}
	return ks
}

func equalValue(w, g any) bool {
	if wd, ok := w.(decimal.Decimal); ok {
		gd, ok := g.(decimal.Decimal)
		return ok && gd.Equal(wd)
	}
	return reflect.DeepEqual(w, g)
}

// compare reads both sides once and returns their difference ("" when equal).
func compare(ctx context.Context, db *sql.DB, ch *clickhouse.Client, opts clickhouse.TableOptions, table cdc.TableID) (string, []cdc.Row, error) {
	want, schema, err := mysqlTable(ctx, db, table)
	if err != nil {
		return "", nil, fmt.Errorf("read MySQL: %w", err)
	}
	got, err := ch.ReadTable(ctx, schema, opts)
	if err != nil {
		return "", nil, fmt.Errorf("read ClickHouse: %w", err)
	}
	return diffRows(schema, want, got), want, nil
}

// waitConverged waits until ClickHouse shows exactly MySQL's rows of table,
// failing the test when the pipeline stops or timeout passes. It returns
// MySQL's rows.
func waitConverged(t testing.TB, p *pipeline, db *sql.DB, ch *clickhouse.Client, opts clickhouse.TableOptions, table cdc.TableID, timeout time.Duration) []cdc.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		diff, want, err := compare(ctx, db, ch, opts, table)
		if err == nil && diff == "" {
			return want
		}
		if p != nil {
			if rerr, done := p.failed(); done {
				t.Fatalf("%s: source stopped: %v (last difference: %s %v)", table.Table, rerr, diff, err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: ClickHouse did not converge to MySQL in %s:\n%s%v", table.Table, timeout, diff, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// binlogPosition returns the server's current binlog file and position.
func binlogPosition(t testing.TB, db *sql.DB) (string, uint64) {
	t.Helper()
	var file string
	var pos uint64
	for _, q := range []string{"SHOW BINARY LOG STATUS", "SHOW MASTER STATUS"} {
		rows, err := db.Query(q)
		if err != nil {
			continue
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		vals[0], vals[1] = &file, &pos
		if rows.Next() {
			err = rows.Scan(vals...)
		}
		rows.Close()
		if err == nil && file != "" {
			return file, pos
		}
	}
	t.Fatal("neither SHOW BINARY LOG STATUS nor SHOW MASTER STATUS gave a position")
	return "", 0
}

// execTx runs statements in one transaction.
func execTx(ctx context.Context, db *sql.DB, stmts ...string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return tx.Commit()
}

// isHandlerFailure reports whether err is a source run ended by the sink.
func isHandlerFailure(err error) bool {
	var he *cdc.HandlerError
	return errors.As(err, &he)
}
