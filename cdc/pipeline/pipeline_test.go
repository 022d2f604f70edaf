package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// sliceSource delivers its batches, flushing after each and recording a
// checkpoint (the batch index) only after Flush returned, as a real source
// does; then it waits for ctx, or returns at once with stopAtEnd.
type sliceSource struct {
	batches   [][]cdc.Event
	stopAtEnd bool

	mu          sync.Mutex
	checkpoints []int
}

func (s *sliceSource) Run(ctx context.Context, sink cdc.Sink) error {
	for i, b := range s.batches {
		if err := sink.HandleEvents(ctx, b); err != nil {
			return &cdc.HandlerError{Err: err}
		}
		if err := sink.Flush(ctx); err != nil {
			return &cdc.HandlerError{Err: err}
		}
		s.mu.Lock()
		s.checkpoints = append(s.checkpoints, i)
		s.mu.Unlock()
	}
	if !s.stopAtEnd {
		<-ctx.Done()
	}
	return nil
}

// recordingSink keeps what it was handed, and what was flushed.
type recordingSink struct {
	mu      sync.Mutex
	pending []cdc.Event
	durable []cdc.Event
	failOn  func(e *cdc.Event) error
}

func (r *recordingSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range events {
		if r.failOn != nil {
			if err := r.failOn(&events[i]); err != nil {
				return err
			}
		}
	}
	r.pending = append(r.pending, events...)
	return nil
}

func (r *recordingSink) Flush(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.durable = append(r.durable, r.pending...)
	r.pending = nil
	return nil
}

func (r *recordingSink) tables() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.durable {
		out = append(out, e.Table.String())
	}
	return out
}

func schema(db, table string, cols ...string) *cdc.TableSchema {
	s := &cdc.TableSchema{Table: cdc.TableID{Database: db, Table: table}, PrimaryKey: []string{cols[0]}}
	for _, c := range cols {
		s.Columns = append(s.Columns, cdc.Column{Name: c, Type: cdc.ColumnType{Kind: cdc.KindBigInt, Raw: "bigint"}})
	}
	return s
}

func insert(s *cdc.TableSchema, row ...any) cdc.Event {
	return cdc.Event{Op: cdc.OpCreate, Table: s.Table, Schema: s, After: row,
		Source: cdc.Source{Database: s.Table.Database, Table: s.Table.Table, TsMs: time.Now().UnixMilli(), Snapshot: cdc.SnapshotFalse}}
}

func update(s *cdc.TableSchema, before, after cdc.Row) cdc.Event {
	e := insert(s)
	e.Op, e.Before, e.After = cdc.OpUpdate, before, after
	return e
}

func run(t *testing.T, p *pipeline.Pipeline) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Run(ctx)
}

func TestRoutesMergeShardsIntoOneTable(t *testing.T) {
	t.Parallel()
	o1, o2 := schema("gmall", "orders_1", "id", "amount"), schema("gmall", "orders_2", "id", "amount")
	users := schema("gmall", "users", "id")
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{
		{insert(o1, int64(1), int64(10)), insert(o2, int64(2), int64(20)), insert(users, int64(7))},
		{insert(o1, int64(3), int64(30))},
	}}
	sink := &recordingSink{}
	p, err := pipeline.New("merge").From(src).
		Route(`gmall\.orders_\d+`, "ods.orders").
		Route(`gmall\.users`, "ods.<>", pipeline.ReplaceSymbol("<>")).
		To(sink).Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if got, want := sink.tables(), []string{"ods.orders", "ods.orders", "ods.users", "ods.orders"}; !slices.Equal(got, want) {
		t.Fatalf("tables = %v, want %v", got, want)
	}
	// The shards' equal schemas reach the sink as one schema, named after the sink table.
	var schemas []*cdc.TableSchema
	for _, e := range sink.durable {
		if e.Table.Table == "orders" && !slices.Contains(schemas, e.Schema) {
			schemas = append(schemas, e.Schema)
		}
	}
	if len(schemas) != 1 || schemas[0].Table.String() != "ods.orders" {
		t.Fatalf("the shards reached the sink with %d schemas (%v), want one named ods.orders", len(schemas), schemas)
	}
	if o1.Table.String() != "gmall.orders_1" {
		t.Fatalf("the source's schema was modified: %v", o1.Table)
	}
	pr := p.Progress()
	if got := pr.Table(o1.Table).Inserts; got != 2 {
		t.Errorf("progress of %s: %d inserts, want 2", o1.Table, got)
	}
	if pr.EventsIn != 4 || pr.EventsOut != 4 {
		t.Errorf("progress: %d in, %d out, want 4 and 4", pr.EventsIn, pr.EventsOut)
	}
	if slices.Compare(src.checkpoints, []int{0, 1}) != 0 {
		t.Errorf("checkpoints = %v", src.checkpoints)
	}
}

func TestRoutesToSeveralSinks(t *testing.T) {
	t.Parallel()
	orders, users := schema("gmall", "orders", "id"), schema("gmall", "users", "id")
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{insert(orders, int64(1)), insert(users, int64(2))}}}
	main, audit := &recordingSink{}, &recordingSink{}
	p, err := pipeline.New("fanout").From(src).
		To(main, pipeline.SinkName("main")).
		To(audit, pipeline.SinkName("audit"), pipeline.OnlyRouted()).
		Route(`gmall\.orders`, "audit.orders", pipeline.RouteTo("audit")).
		Route(`gmall\.orders`, "ods.orders", pipeline.RouteTo("main")). // one to many: the same pattern
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if got, want := main.tables(), []string{"ods.orders", "gmall.users"}; !slices.Equal(got, want) {
		t.Errorf("main got %v, want %v", got, want)
	}
	if got, want := audit.tables(), []string{"audit.orders"}; !slices.Equal(got, want) {
		t.Errorf("audit got %v, want %v", got, want)
	}
}

func TestFirstMatchRouting(t *testing.T) {
	t.Parallel()
	special, other := schema("gmall", "orders_0", "id"), schema("gmall", "orders_1", "id")
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{insert(special, int64(1)), insert(other, int64(2))}}}
	sink := &recordingSink{}
	p, err := pipeline.New("first").From(src).RouteMode(pipeline.RouteFirstMatch).
		Route(`gmall\.orders_0`, "ods.archive").
		Route(`gmall\.orders_\d+`, "ods.orders").
		To(sink).Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if got, want := sink.tables(), []string{"ods.archive", "ods.orders"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Build names every problem at once, each with its fix.
func TestBuildNamesEveryProblem(t *testing.T) {
	t.Parallel()
	a, b := &recordingSink{}, &recordingSink{}
	_, err := pipeline.New("").
		To(a, pipeline.SinkName("a")).To(b, pipeline.SinkName("a")).
		Route(`gmall\.orders_\d+`, "ods.orders", pipeline.RouteTo("a")).
		Route(`gmall\.orders_(1|2)`, "ods.other", pipeline.RouteTo("a")). // overlaps the first
		Route(`gmall\.users`, "ods.users").                               // no sink named, two sinks
		Route(`gmall\.x(`, "ods.x", pipeline.RouteTo("nope")).
		Route(`gmall\..*`, "ods.t", pipeline.ReplaceSymbol("<>"), pipeline.RouteTo("a")).
		Transform("", pipeline.PrimaryKeys("id", "id")).
		Hooks(42).
		Build()
	if err == nil {
		t.Fatal("Build accepted a broken pipeline")
	}
	if !errors.Is(err, pipeline.ErrInvalidConfig) {
		t.Errorf("error does not match ErrInvalidConfig: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"Name: name the pipeline",
		"Sources: add a source",
		`Sinks[1].Name = "a": another sink has this name`,
		`Routes[1].SourceTable = "gmall\\.orders_(1|2)": overlaps Routes[0].SourceTable "gmall\\.orders_\\d+" (both match "gmall.orders_1")`,
		"Routes[2].Sink: the route has no sink: the pipeline has 2 (a, a); name one with RouteTo",
		`Routes[3].SourceTable = "gmall\\.x(": is not a regular expression`,
		`Routes[3].Sink = "nope": no sink has this name`,
		`Routes[4].ReplaceSymbol = "<>": does not occur in SinkTable "ods.t"`,
		"Transforms[0].SourceTable: set the pattern",
		`Transforms[0].PrimaryKeys[1] = "id": is listed twice`,
		`Hooks[0] = "int": a hook implements at least one of`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
}

func TestBuildChecksTransformsAgainstKnownSchemas(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id", "amount")
	_, err := pipeline.New("pk").From(&sliceSource{}).To(&recordingSink{}).
		Schemas(orders).
		Transform(`gmall\.orders`, pipeline.PrimaryKeys("order_id"), pipeline.PartitionKeys("region")).
		Build()
	if err == nil {
		t.Fatal("Build accepted keys the table lacks")
	}
	for _, want := range []string{
		`Transforms[0].PrimaryKeys[0] = "order_id": is not a column of the output of gmall.orders; use one of: id, amount`,
		`Transforms[0].PartitionKeys[0] = "region": is not a column`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

// A table Run meets first is checked before its first row reaches a sink.
func TestRunChecksTransformsOfNewTables(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id")
	sink := &recordingSink{}
	p, err := pipeline.New("pk").From(&sliceSource{batches: [][]cdc.Event{{insert(orders, int64(1))}}}).To(sink).
		Transform(`gmall\.orders`, pipeline.PrimaryKeys("order_id")).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = run(t, p)
	if !errors.Is(err, pipeline.ErrInvalidConfig) || !strings.Contains(err.Error(), `PrimaryKeys[0] = "order_id"`) {
		t.Fatalf("Run = %v, want the unknown key named", err)
	}
	if len(sink.tables()) != 0 || len(sink.pending) != 0 {
		t.Fatalf("the sink received %d events", len(sink.pending))
	}
}

func TestOverlapDetection(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b    string
		overlap bool
	}{
		{`gmall\.orders_\d+`, `gmall\.orders_1`, true},
		{`gmall\.orders_\d+`, `gmall\.users`, false},
		{`gmall\.orders_[0-4]`, `gmall\.orders_[5-9]`, false},
		{`gmall.users`, `gmall\.users`, true},
		{`(?i)GMALL\.Users`, `gmall\.users`, true},
		{`gmall\..*`, `other\..*`, false},
		{`a\.b|c\.d`, `c\.d`, true},
		{`a\.x+`, `a\.y*`, false},
	} {
		src := &sliceSource{}
		_, err := pipeline.New("o").From(src).To(&recordingSink{}).Route(c.a, "x.a").Route(c.b, "x.b").Build()
		if got := err != nil && strings.Contains(err.Error(), "overlaps"); got != c.overlap {
			t.Errorf("%s vs %s: overlap reported %v, want %v (%v)", c.a, c.b, got, c.overlap, err)
		}
	}
}

func TestGoTransformsAndErrorPolicies(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id", "amount")
	events := []cdc.Event{insert(orders, int64(1), int64(10)), insert(orders, int64(2), int64(-5)), insert(orders, int64(3), int64(0))}
	double := func(e *cdc.Event) (bool, error) {
		amount := e.After[1].(int64)
		if amount < 0 {
			return false, fmt.Errorf("negative amount %d", amount)
		}
		if amount == 0 {
			return false, nil // dropped
		}
		e.After[1] = amount * 2
		return true, nil
	}
	t.Run("stop", func(t *testing.T) {
		t.Parallel()
		sink := &recordingSink{}
		src := &sliceSource{batches: [][]cdc.Event{cloneEvents(events)}}
		p, err := pipeline.New("stop").From(src).To(sink).Transform(`gmall\.orders`, pipeline.Func(double)).Build()
		if err != nil {
			t.Fatal(err)
		}
		err = run(t, p)
		var rerr *pipeline.RowError
		if !errors.As(err, &rerr) {
			t.Fatalf("Run = %v, want a *RowError", err)
		}
		if rerr.Key != "id=2" || rerr.Table != orders.Table || !strings.Contains(err.Error(), "negative amount -5") {
			t.Errorf("RowError = %+v (%v)", rerr, err)
		}
		if len(src.checkpoints) != 0 {
			t.Errorf("a checkpoint was stored past the failed row: %v", src.checkpoints)
		}
	})
	t.Run("skip", func(t *testing.T) {
		t.Parallel()
		sink := &recordingSink{}
		var skipped []string
		var mu sync.Mutex
		hook := skipHook(func(e *pipeline.RowError) { mu.Lock(); skipped = append(skipped, e.Key); mu.Unlock() })
		src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{cloneEvents(events)}}
		p, err := pipeline.New("skip").From(src).To(sink).OnTransformError(pipeline.SkipOnError).Hooks(hook).
			Transform(`gmall\.orders`, pipeline.Func(double)).Build()
		if err != nil {
			t.Fatal(err)
		}
		if err := run(t, p); err != nil {
			t.Fatal(err)
		}
		if len(sink.durable) != 1 || sink.durable[0].After[1] != int64(20) {
			t.Fatalf("sink got %v, want the one row with amount 20", sink.durable)
		}
		pr := p.Progress().Table(orders.Table)
		if pr.Skipped != 1 || pr.Filtered != 1 || pr.Inserts != 1 {
			t.Errorf("progress = %+v, want 1 skipped, 1 filtered, 1 insert", pr)
		}
		if !slices.Equal(skipped, []string{"id=2"}) {
			t.Errorf("hook saw %v", skipped)
		}
	})
}

type skipHook func(*pipeline.RowError)

func (h skipHook) OnRowSkipped(e *pipeline.RowError) { h(e) }

func cloneEvents(es []cdc.Event) []cdc.Event {
	out := make([]cdc.Event, len(es))
	for i, e := range es {
		e.After = slices.Clone(e.After)
		e.Before = slices.Clone(e.Before)
		out[i] = e
	}
	return out
}

// The checkpoint follows the flush of every sink: a source whose sink fails
// to flush stores nothing.
func TestCheckpointOnlyAfterEverySinkFlushed(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id")
	good := &recordingSink{}
	bad := &failingFlush{}
	src := &sliceSource{batches: [][]cdc.Event{{insert(orders, int64(1))}}}
	p, err := pipeline.New("cp").From(src).To(good, pipeline.SinkName("good")).To(bad, pipeline.SinkName("bad")).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = run(t, p)
	if err == nil || !strings.Contains(err.Error(), `sink "bad": flush: disk full`) {
		t.Fatalf("Run = %v, want the bad sink's flush error", err)
	}
	if len(src.checkpoints) != 0 {
		t.Fatalf("checkpoint stored although a sink did not flush: %v", src.checkpoints)
	}
}

type failingFlush struct{ recordingSink }

func (f *failingFlush) Flush(context.Context) error { return errors.New("disk full") }

// Two sources share a sink; a source that fails stops the other cleanly.
func TestSeveralSourcesAndAFailingOne(t *testing.T) {
	t.Parallel()
	a, b := schema("db1", "t", "id"), schema("db2", "t", "id")
	srcA := &sliceSource{batches: [][]cdc.Event{{insert(a, int64(1))}}} // then waits for ctx
	srcB := &failingSource{}
	sink := &recordingSink{}
	p, err := pipeline.New("two").From(srcA, srcB).To(sink).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = run(t, p)
	if err == nil || !strings.Contains(err.Error(), "source 1: binlog gone") {
		t.Fatalf("Run = %v, want source 1's error", err)
	}
	if len(srcA.checkpoints) != 1 {
		t.Errorf("source 0 checkpoints = %v", srcA.checkpoints)
	}
	_ = b
}

type failingSource struct{}

func (failingSource) Run(ctx context.Context, _ cdc.Sink) error {
	time.Sleep(50 * time.Millisecond)
	return errors.New("binlog gone")
}

func TestPrintSink(t *testing.T) {
	t.Parallel()
	orders := &cdc.TableSchema{Table: cdc.TableID{Database: "gmall", Table: "orders"}, PrimaryKey: []string{"id"},
		Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindBigInt}}, {Name: "sku", Type: cdc.ColumnType{Kind: cdc.KindVarChar}},
			{Name: "at", Type: cdc.ColumnType{Kind: cdc.KindDateTime}}}}
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	sink := pipeline.NewPrintSink(&out, pipeline.PrintReadable)
	src := &sliceSource{stopAtEnd: true, batches: [][]cdc.Event{{
		insert(orders, int64(1), "A-1", at),
		update(orders, cdc.Row{int64(1), "A-1", at}, cdc.Row{int64(1), "B \"2\"", nil}),
		{Op: cdc.OpDelete, Table: orders.Table, Schema: orders, Before: cdc.Row{int64(1), "B \"2\"", nil}},
	}}}
	p, err := pipeline.New("print").From(src).Route(`gmall\.orders`, "ods.orders").To(sink).Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	want := `ods.orders +I id=1 sku="A-1" at=2024-05-01T10:00:00Z
ods.orders -U id=1 sku="A-1" at=2024-05-01T10:00:00Z
ods.orders +U id=1 sku="B \"2\"" at=NULL
ods.orders -D id=1 sku="B \"2\"" at=NULL
`
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Nothing reaches the writer before Flush: the checkpoint follows the output.
func TestPrintSinkWritesAtFlush(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sink := pipeline.NewPrintSink(&out, pipeline.PrintDebeziumJSON)
	orders := schema("gmall", "orders", "id")
	if err := sink.HandleEvents(context.Background(), []cdc.Event{insert(orders, int64(1))}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Fatalf("written before Flush: %q", out.String())
	}
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"op":"c"`) || !strings.Contains(out.String(), `"after":{"id":1}`) {
		t.Errorf("Debezium JSON = %s", out.String())
	}
}

// A graceful stop: ctx ends, the source flushes and stores its checkpoint,
// Run returns nil.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	orders := schema("gmall", "orders", "id")
	src := &sliceSource{batches: [][]cdc.Event{{insert(orders, int64(1))}}}
	sink := &recordingSink{}
	var flushes sync.WaitGroup
	flushes.Add(1)
	var once sync.Once
	p, err := pipeline.New("stop").From(src).To(sink).Hooks(flushHook(func(f pipeline.SinkFlush) { once.Do(flushes.Done) })).Build()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	flushes.Wait()
	if err := p.Run(ctx); !errors.Is(err, pipeline.ErrAlreadyRunning) {
		t.Errorf("a second Run = %v, want ErrAlreadyRunning", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v after ctx ended, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
	if len(sink.durable) != 1 {
		t.Errorf("durable = %d events", len(sink.durable))
	}
}

type flushHook func(pipeline.SinkFlush)

func (h flushHook) OnSinkFlush(f pipeline.SinkFlush) { h(f) }
