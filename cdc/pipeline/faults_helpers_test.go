package pipeline_test

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The fault tests capture sharded tables shard_0..shard_<n-1> of one
// database through the transform and route below into one ClickHouse
// table, and compare ClickHouse's visible state, every column, with
// MySQL's rows under the same rules.
const (
	faultProjection = "*, __table_name__ AS shard"
	faultFilter     = "status <> 'void'"
	faultShards     = 3
)

func shardName(i int) string { return fmt.Sprintf("shard_%d", i) }

// createShards creates the shards and loads rows rows into each (ids
// k*faultShards+shard), without binlog.
func createShards(ctx context.Context, db *sql.DB, database string, rows int) error {
	for s := range faultShards {
		t := "`" + database + "`.`" + shardName(s) + "`"
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+t+` (
			id BIGINT NOT NULL PRIMARY KEY,
			v INT NOT NULL,
			label VARCHAR(40) NULL,
			amount DECIMAL(12,2) NOT NULL,
			status VARCHAR(12) NOT NULL,
			payload TEXT NULL,
			updated DATETIME(3) NOT NULL)`); err != nil {
			return err
		}
		for lo := 0; lo < rows; lo += 500 {
			hi := min(lo+500, rows)
			var args []any
			for k := lo; k < hi; k++ {
				args = append(args, faultRow(k*faultShards+s, 0, 0)...)
			}
			stmt := "INSERT INTO " + t + " VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", hi-lo), ",")
			if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// faultRow is the row of id after version changes; payloadSize adds a
// TEXT of that many bytes.
func faultRow(id, version, payloadSize int) []any {
	var label, payload any
	if id%5 != 0 {
		label = fmt.Sprintf("label %d/%d «ü»", id, version)
	}
	if payloadSize > 0 {
		payload = strings.Repeat(string(rune('a'+id%26)), payloadSize)
	}
	return []any{int64(id), id*7 + version, label, fmt.Sprintf("%d.%02d", id+version, version%100),
		[]string{"new", "paid", "void", "sent"}[(id/3+version)%4], payload,
		time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id*1000+version) * time.Millisecond).Format("2006-01-02 15:04:05.000")}
}

// writer changes random rows of the shards in small transactions until
// stopped: updates (moving rows in and out of the filter), deletes,
// re-inserts and new rows.
type writer struct {
	db       *sql.DB
	database string
	rows     int
	payload  int
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	err      error
	changes  int
}

func startWriter(db *sql.DB, database string, rows, payload int, seed uint64) *writer {
	w := &writer{db: db, database: database, rows: rows, payload: payload, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(seed)
	return w
}

func (w *writer) run(seed uint64) {
	defer close(w.done)
	rng := rand.New(rand.NewPCG(seed, 7))
	// Rows of the load, and the writer's own range of new ids: writers of
	// other seeds never touch it.
	base := w.rows * faultShards
	first := base + int(seed%1000)*100_000
	next := first
	pick := func() int {
		if next == first || rng.IntN(2) == 0 {
			return rng.IntN(base)
		}
		return first + rng.IntN(next-first)
	}
	for version := 1; ; version++ {
		select {
		case <-w.stop:
			return
		default:
		}
		tx, err := w.db.Begin()
		if err != nil {
			w.fail(err)
			return
		}
		for range 1 + rng.IntN(4) {
			id := pick()
			t := "`" + w.database + "`.`" + shardName(id%faultShards) + "`"
			switch rng.IntN(6) {
			case 0, 1, 2:
				r := faultRow(id, version, w.payload)
				_, err = tx.Exec("UPDATE "+t+" SET v = ?, label = ?, amount = ?, status = ?, payload = ?, updated = ? WHERE id = ?", r[1], r[2], r[3], r[4], r[5], r[6], r[0])
			case 3:
				_, err = tx.Exec("DELETE FROM "+t+" WHERE id = ?", int64(id))
			case 4:
				_, err = tx.Exec("REPLACE INTO "+t+" VALUES (?,?,?,?,?,?,?)", faultRow(id, version, w.payload)...)
			default:
				id = next
				next++
				t = "`" + w.database + "`.`" + shardName(id%faultShards) + "`"
				_, err = tx.Exec("INSERT INTO "+t+" VALUES (?,?,?,?,?,?,?)", faultRow(id, version, w.payload)...)
			}
			if err != nil {
				_ = tx.Rollback()
				w.fail(err)
				return
			}
		}
		if err := tx.Commit(); err != nil {
			w.fail(err)
			return
		}
		w.mu.Lock()
		w.changes++
		w.mu.Unlock()
	}
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

// halt stops the writer and returns its error and its transactions.
func (w *writer) halt() (int, error) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changes, w.err
}

// faultPipeline is the pipeline every fault test runs: src through the
// shards' transform and route into sink.
func faultPipeline(src pipeline.Source, sink cdc.Sink, database, chDatabase string, opts ...func(*pipeline.Builder)) (*pipeline.Pipeline, error) {
	db := strings.ReplaceAll(database, ".", `\.`)
	b := pipeline.New("faults").From(src).
		Transform(db+`\.shard_\d+`, pipeline.Projection(faultProjection), pipeline.Filter(faultFilter)).
		Route(db+`\.shard_\d+`, chDatabase+".merged").
		To(sink)
	for _, o := range opts {
		o(b)
	}
	return b.Build()
}

// expectedMerged returns MySQL's shard rows under the transform, by id,
// and the merged table's schema.
func expectedMerged(ctx context.Context, db *sql.DB, database, chDatabase string) ([]cdc.Row, *cdc.TableSchema, error) {
	var ids []cdc.TableID
	for s := range faultShards {
		ids = append(ids, cdc.TableID{Database: database, Table: shardName(s)})
	}
	schemas, err := mysql.LoadTableSchemas(ctx, db, ids)
	if err != nil {
		return nil, nil, err
	}
	var want []cdc.Row
	for _, id := range ids {
		s := schemas[id]
		rows, err := mysql.ReadTable(ctx, db, s)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rows {
			if r[s.ColumnIndex("status")] != "void" {
				want = append(want, append(r, id.Table))
			}
		}
	}
	slices.SortFunc(want, func(a, b cdc.Row) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
	proj, err := expr.ParseProjection(faultProjection)
	if err != nil {
		return nil, nil, err
	}
	filter, err := expr.ParseFilter(faultFilter)
	if err != nil {
		return nil, nil, err
	}
	t, err := expr.CompileTransform(schemas[ids[0]], &proj, filter, expr.Options{})
	if err != nil {
		return nil, nil, err
	}
	out := *t.Schema()
	out.Table = cdc.TableID{Database: chDatabase, Table: "merged"}
	return want, &out, nil
}

// compareMerged returns "" when ClickHouse's merged table equals MySQL's
// shards under the transform, every column, or the first difference.
func compareMerged(ctx context.Context, db *sql.DB, ch *clickhouse.Client, database, chDatabase string) (string, error) {
	want, schema, err := expectedMerged(ctx, db, database, chDatabase)
	if err != nil {
		return "", err
	}
	got, err := ch.ReadTable(ctx, schema, clickhouse.TableOptions{Database: chDatabase})
	if err != nil {
		return "", err
	}
	if len(want) != len(got) {
		return fmt.Sprintf("MySQL has %d rows, ClickHouse %d", len(want), len(got)), nil
	}
	for i := range want {
		for j := range want[i] {
			if a, b := fmt.Sprint(want[i][j]), fmt.Sprint(got[i][j]); a != b {
				return fmt.Sprintf("row %d (id %v) column %s: MySQL %s, ClickHouse %s", i, want[i][0], schema.Columns[j].Name, a, b), nil
			}
		}
	}
	return "", nil
}

// waitMerged polls until ClickHouse equals MySQL, or fails the test after
// timeout; failed, when not nil, ends the wait early with its error.
func waitMerged(t *testing.T, db *sql.DB, ch *clickhouse.Client, database, chDatabase string, timeout time.Duration, failed <-chan error) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	diff := ""
	for time.Now().Before(deadline) {
		d, err := compareMerged(ctx, db, ch, database, chDatabase)
		if err == nil && d == "" {
			return
		}
		diff = d
		if err != nil {
			diff = err.Error()
		}
		select {
		case err := <-failed:
			t.Fatalf("the pipeline stopped before ClickHouse converged (%s): %v", diff, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	t.Logf("history of the rows that differ:\n%s", mergedHistory(ctx, db, ch, database, chDatabase))
	t.Fatalf("ClickHouse did not converge to MySQL in %s: %s", timeout, diff)
}

// mergedHistory returns, for each id on which ClickHouse's merged table and
// MySQL's shards disagree, every version ClickHouse holds (read without
// FINAL), to tell which write left it visible.
func mergedHistory(ctx context.Context, db *sql.DB, ch *clickhouse.Client, database, chDatabase string) string {
	want, schema, err := expectedMerged(ctx, db, database, chDatabase)
	if err != nil {
		return err.Error()
	}
	got, err := ch.ReadTable(ctx, schema, clickhouse.TableOptions{Database: chDatabase})
	if err != nil {
		return err.Error()
	}
	wantRow := map[string]string{}
	for _, r := range want {
		wantRow[fmt.Sprint(r[0])] = fmt.Sprint(r)
	}
	gotRow := map[string]string{}
	for _, r := range got {
		gotRow[fmt.Sprint(r[0])] = fmt.Sprint(r)
	}
	var ids []string
	for id, r := range wantRow {
		if gotRow[id] != r {
			ids = append(ids, id)
		}
	}
	for id := range gotRow {
		if _, ok := wantRow[id]; !ok {
			ids = append(ids, id)
		}
	}
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "id %s: MySQL %q ClickHouse %q\n", id, wantRow[id], gotRow[id])
		rows, err := ch.Conn().Query(ctx, fmt.Sprintf("SELECT toString(tuple(*)) FROM `%s`.merged WHERE %s = %s ORDER BY _version", chDatabase, schema.Columns[0].Name, id))
		if err != nil {
			fmt.Fprintf(&b, "  %v\n", err)
			continue
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			fmt.Fprintf(&b, "  %s\n", s)
		}
		rows.Close()
	}
	return b.String()
}

// xaWriter runs XA transactions on ids of its own: each inserts, updates
// or deletes a few rows, is prepared, and after a pause is committed or
// rolled back from another session, so that a pipeline killed at any
// moment may be holding a prepared transaction's rows.
type xaWriter struct {
	db       *sql.DB
	database string
	stop     chan struct{}
	done     chan struct{}
	err      error
	// committed and rolledBack count the transactions each way.
	committed, rolledBack int
	haltOnce              sync.Once
}

func startXAWriter(db *sql.DB, database string, seed uint64) *xaWriter {
	w := &xaWriter{db: db, database: database, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(seed)
	return w
}

func (w *xaWriter) run(seed uint64) {
	defer close(w.done)
	rng := rand.New(rand.NewPCG(seed, 11))
	ctx := context.Background()
	first := 200_000_000 + int(seed%1000)*10_000 // past every other writer, and id*7 fits the INT column v
	next := first
	var ids []int // the writer's ids the table holds
	for n := 0; ; n++ {
		select {
		case <-w.stop:
			return
		default:
		}
		xid := fmt.Sprintf("'xakill_%d_%d'", seed, n)
		conn, err := w.db.Conn(ctx)
		if err != nil {
			w.err = err
			return
		}
		type stmt struct {
			q    string
			args []any
		}
		stmts := []stmt{{q: "XA START " + xid}}
		inserted, deleted := []int{}, map[int]bool{}
		for range 1 + rng.IntN(3) {
			switch {
			case len(ids) > 0 && rng.IntN(3) == 0:
				id := ids[rng.IntN(len(ids))]
				if deleted[id] {
					continue
				}
				deleted[id] = true
				stmts = append(stmts, stmt{"DELETE FROM `" + w.database + "`.`" + shardName(id%faultShards) + "` WHERE id = ?", []any{int64(id)}})
			case len(ids) > 0 && rng.IntN(2) == 0:
				id := ids[rng.IntN(len(ids))]
				if deleted[id] {
					continue
				}
				r := faultRow(id, n+1, 0)
				stmts = append(stmts, stmt{"UPDATE `" + w.database + "`.`" + shardName(id%faultShards) + "` SET v = ?, label = ?, amount = ?, status = ?, payload = ?, updated = ? WHERE id = ?",
					[]any{r[1], r[2], r[3], r[4], r[5], r[6], r[0]}})
			default:
				id := next
				next++
				inserted = append(inserted, id)
				stmts = append(stmts, stmt{"INSERT INTO `" + w.database + "`.`" + shardName(id%faultShards) + "` VALUES (?,?,?,?,?,?,?)", faultRow(id, n+1, 0)})
			}
		}
		stmts = append(stmts, stmt{q: "XA END " + xid}, stmt{q: "XA PREPARE " + xid})
		for _, st := range stmts {
			if _, err = conn.ExecContext(ctx, st.q, st.args...); err != nil {
				break
			}
		}
		// MariaDB keeps a prepared transaction on its session until the
		// session ends: close the connection, not just return it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		if err != nil {
			w.err = err
			return
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		// From another session: MariaDB answers XAER_NOTA until it has
		// detached the transaction from the closed one (testenv.EndXA).
		end := func(stmt string) bool {
			ok, err := testenv.EndXA(ctx, w.db, stmt+" "+xid, xid)
			if err == nil && !ok {
				err = fmt.Errorf("%s %s: the transaction is not prepared", stmt, xid)
			}
			w.err = err
			return err == nil
		}
		if rng.IntN(2) == 0 {
			if !end("XA ROLLBACK") {
				return
			}
			w.rolledBack++
			continue
		}
		if !end("XA COMMIT") {
			return
		}
		w.committed++
		kept := ids[:0]
		for _, id := range ids {
			if !deleted[id] {
				kept = append(kept, id)
			}
		}
		ids = append(kept, inserted...)
	}
}

// halt stops the writer after its transaction in progress has ended; it
// may be called again.
func (w *xaWriter) halt() error {
	w.haltOnce.Do(func() { close(w.stop) })
	<-w.done
	return w.err
}
