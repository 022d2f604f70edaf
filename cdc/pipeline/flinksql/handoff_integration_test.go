package flinksql_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// handoffRig is a MySQL table kept in ClickHouse, with the readers the
// hand-off test compares.
type handoffRig struct {
	t      *testing.T
	src    *testenv.Source
	ch     *testenv.ClickHouse
	client *clickhouse.Client
	schema *cdc.TableSchema
	sinkID cdc.TableID
}

func (r *handoffRig) source(store cdc.OffsetStore, start mysql.StartupOptions) *mysql.Source {
	s, err := mysql.NewSource().Hostname(r.src.Host).Port(r.src.Port).Username(r.src.User).Password(r.src.Password).
		DatabaseList(r.src.Database).TableList(r.src.Database + `\.items`).OffsetStore(store).StartupOptions(start).
		OffsetCommitInterval(0).Build()
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// runEmbedded runs the embedded pipeline until ClickHouse shows MySQL's
// table, then stops it (its source stores a checkpoint).
func (r *handoffRig) runEmbedded(store cdc.OffsetStore, start mysql.StartupOptions, steps ...pipeline.TransformStep) {
	r.t.Helper()
	sink, err := clickhouse.NewSink(r.client, clickhouse.SinkConfig{FlushInterval: 20 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	b := pipeline.New("handoff").From(r.source(store, start)).Route(r.src.Database+`\.items`, r.sinkID.String()).To(sink)
	if len(steps) > 0 {
		b.Transform(r.src.Database+`\.items`, steps...)
	}
	p, err := b.Build()
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	r.waitSame(done)
	cancel()
	if err := <-done; err != nil {
		r.t.Fatal(err)
	}
	if err := sink.Close(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// waitSame polls until ClickHouse's visible state is MySQL's.
func (r *handoffRig) waitSame(done <-chan error) {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		want, got := r.states()
		if got == want {
			return
		}
		select {
		case err := <-done:
			r.t.Fatalf("pipeline ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("ClickHouse shows\n%s\nMySQL has\n%s", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *handoffRig) states() (mysqlState, chState string) {
	ctx := context.Background()
	want, err := mysql.ReadTable(ctx, r.src.DB, r.schema)
	if err != nil {
		r.t.Fatal(err)
	}
	sinkSchema := *r.schema
	sinkSchema.Table = r.sinkID
	got, err := r.client.ReadTable(ctx, &sinkSchema, clickhouse.TableOptions{Database: r.sinkID.Database})
	if err != nil && !strings.Contains(err.Error(), "doesn't exist") && !strings.Contains(err.Error(), "not exist") {
		r.t.Fatal(err)
	}
	return fmt.Sprint(want), fmt.Sprint(got)
}

// playFlink writes to ClickHouse what the rendered job's SELECT writes for
// the changes after offset: each change of the append-only changelog as one
// row, in binlog order, all with the run's epoch + 1 as _version (binlog
// changes) and _is_deleted 1 for -U and -D rows. The changes are read by rtdw's own source
// from the same specific offset the script starts mysql-cdc at. All rows go
// in one INSERT, so -U and +U rows of one key share a block.
func (r *handoffRig) playFlink(offset mysql.Offset, epoch uint64, changes int) {
	r.t.Helper()
	events := r.readChanges(offset, changes)
	type flinkRow struct {
		row     cdc.Row
		deleted uint8
		version uint64
	}
	var rows []flinkRow
	for _, e := range events {
		v := epoch + 1 // a binlog change; a snapshot row (op_ts 0) would have the epoch
		if e.Op == cdc.OpRead {
			v = epoch
		}
		switch e.Op {
		case cdc.OpCreate, cdc.OpRead:
			rows = append(rows, flinkRow{e.After, 0, v}) // +I
		case cdc.OpUpdate:
			rows = append(rows, flinkRow{e.Before, 1, v}, flinkRow{e.After, 0, v}) // -U, +U
		case cdc.OpDelete:
			rows = append(rows, flinkRow{e.Before, 1, v}) // -D
		}
	}
	ctx := context.Background()
	batch, err := r.ch.Conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (id, name, qty, _version, _is_deleted)",
		clickhouse.QuoteIdent(r.sinkID.Database), clickhouse.QuoteIdent(r.sinkID.Table)))
	if err != nil {
		r.t.Fatal(err)
	}
	for _, fr := range rows {
		if err := batch.Append(fr.row[0].(int64), fr.row[1].(string), fr.row[2].(int64), fr.version, fr.deleted); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		r.t.Fatal(err)
	}
}

// readChanges reads n row changes of the table from offset.
func (r *handoffRig) readChanges(offset mysql.Offset, n int) []cdc.Event {
	r.t.Helper()
	var mu sync.Mutex
	var events []cdc.Event
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	collect := cdc.Unbuffered(cdc.HandlerFunc(func(_ context.Context, batch []cdc.Event) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range batch {
			if e.Op != cdc.OpSchemaChange {
				events = append(events, e)
			}
		}
		if len(events) >= n {
			cancel()
		}
		return nil
	}))
	start := mysql.SpecificGTID(offset.GTIDSet)
	if err := r.source(cdc.NewMemoryOffsetStore(), start).Run(ctx, collect); err != nil {
		r.t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != n {
		r.t.Fatalf("read %d changes after %s, want %d", len(events), offset, n)
	}
	return events
}

func (r *handoffRig) maxVersion() uint64 {
	var v uint64
	row := r.ch.Conn.QueryRow(context.Background(), fmt.Sprintf("SELECT max(_version) FROM %s.%s",
		clickhouse.QuoteIdent(r.sinkID.Database), clickhouse.QuoteIdent(r.sinkID.Table)))
	if err := row.Scan(&v); err != nil {
		r.t.Fatal(err)
	}
	return v
}

// A pipeline runs embedded, continues on Flink from the embedded
// checkpoint's offset, and comes back embedded: ClickHouse's visible state
// is MySQL's after each step, and versions never go backwards. No Flink runs
// here: the Flink run's writes are played by the test as the rendered SELECT
// makes them (see playFlink), and the rendered script is checked to start at
// the checkpoint's offset with that epoch.
func TestHandoffEmbeddedToFlinkAndBack(t *testing.T) {
	t.Parallel()
	src := testenv.NewSource(t, testenv.MySQL)
	ch := testenv.NewClickHouse(t)
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	src.Exec(t, "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL, qty BIGINT NOT NULL)",
		"INSERT INTO items VALUES (1, 'apple', 10), (2, 'pear', 20), (3, 'plum', 30), (4, 'fig', 40)")
	schemas, err := mysql.LoadTableSchemas(context.Background(), src.DB, []cdc.TableID{{Database: src.Database, Table: "items"}})
	if err != nil {
		t.Fatal(err)
	}
	r := &handoffRig{t: t, src: src, ch: ch, client: client, schema: schemas[cdc.TableID{Database: src.Database, Table: "items"}],
		sinkID: cdc.TableID{Database: ch.Database, Table: "items"}}

	// 1. Embedded: snapshot and a change, then stop.
	embedded := cdc.NewMemoryOffsetStore()
	src.Exec(t, "UPDATE items SET qty = 11 WHERE id = 1")
	r.runEmbedded(embedded, mysql.Initial())
	before := r.maxVersion()

	// 2. On Flink, from the embedded checkpoint.
	cp, err := embedded.Load(context.Background())
	if err != nil || cp == nil {
		t.Fatalf("checkpoint %v, %v", cp, err)
	}
	offset, err := flinksql.CheckpointOffset(cp)
	if err != nil {
		t.Fatal(err)
	}
	epoch, err := flinksql.EpochAfter(offset)
	if err != nil {
		t.Fatal(err)
	}
	if epoch <= before {
		t.Fatalf("epoch %d is not above the embedded versions (up to %d)", epoch, before)
	}
	ckSink := &flinksql.ClickHouseSink{URL: "clickhouse://" + ch.Addr}
	cfg := pipeline.New("handoff").From(r.source(cdc.NewMemoryOffsetStore(), mysql.Initial())).
		Route(src.Database+`\.items`, r.sinkID.String()).To(ckSink).Schemas(r.schema).Config()
	script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}, Epoch: epoch, StartOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"'scan.startup.mode' = 'specific-offset'",
		"'scan.startup.specific-offset.gtid-set' = '" + offset.GTIDSet + "'",
		fmt.Sprintf("CAST(%d + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`", epoch),
	} {
		if !strings.Contains(script.String(), want) {
			t.Errorf("the script lacks %s:\n%s", want, script)
		}
	}
	src.Exec(t,
		"UPDATE items SET qty = 21 WHERE id = 2",
		"DELETE FROM items WHERE id = 4",
		"INSERT INTO items VALUES (5, 'kiwi', 50)",
		"UPDATE items SET id = 30, name = 'plum!' WHERE id = 3", // a key change
		"UPDATE items SET qty = 22 WHERE id = 2",
	)
	r.playFlink(offset, epoch, 5)
	if want, got := r.states(); got != want {
		t.Fatalf("after the Flink run ClickHouse shows\n%s\nMySQL has\n%s", got, want)
	}

	// 3. Back to embedded, replaying from the Flink run's start offset,
	// numbered above its epoch; more changes, in the same binlog file.
	src.Exec(t, "UPDATE items SET qty = 12 WHERE id = 1", "DELETE FROM items WHERE id = 5", "INSERT INTO items VALUES (6, 'lime', 60)")
	file, pos := src.BinlogPosition(t)
	if file == offset.File {
		plain, err := clickhouse.RowVersion(cdc.Source{File: file, Pos: uint64(pos)})
		if err != nil {
			t.Fatal(err)
		}
		if plain >= epoch {
			t.Fatalf("a change in the hand-off file has version %d, above the epoch %d: the test would not need RenumberAbove", plain, epoch)
		}
	}
	r.runEmbedded(cdc.NewMemoryOffsetStore(), mysql.SpecificGTID(offset.GTIDSet), pipeline.Func(flinksql.RenumberAbove(epoch)))
	if after := r.maxVersion(); after <= epoch+1 {
		t.Errorf("versions after moving back: up to %d, not above the epoch %d", after, epoch)
	}
	if got := r.versionsBelow(epoch + 2); slices.Contains(got, 6) {
		t.Errorf("rows written after moving back carry versions below the epoch: ids %v", got)
	}
}

// versionsBelow returns the ids of rows whose versions are below v.
func (r *handoffRig) versionsBelow(v uint64) []int64 {
	rows, err := r.ch.Conn.Query(context.Background(), fmt.Sprintf("SELECT id FROM %s.%s WHERE _version < %d",
		clickhouse.QuoteIdent(r.sinkID.Database), clickhouse.QuoteIdent(r.sinkID.Table), v))
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			r.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}
