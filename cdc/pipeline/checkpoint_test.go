package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/internal/testenv"
)

// storeSource is a CheckpointSource that remembers the store it was given,
// or refuses one when it has its own.
type storeSource struct {
	sliceSource
	name  string
	own   bool
	store cdc.OffsetStore
	every time.Duration
}

func (s *storeSource) Name() string { return s.name }

func (s *storeSource) UseCheckpoints(store cdc.OffsetStore, interval time.Duration) error {
	if s.own {
		return errors.New("has a store of its own")
	}
	s.store, s.every = store, interval
	return nil
}

func TestCheckpointBuildProblems(t *testing.T) {
	store := cdc.NewMemoryOffsetStore()
	_, err := pipeline.New("p").
		From(&sliceSource{}, &storeSource{name: "a"}, &storeSource{name: "a"}, &storeSource{name: "b", own: true}).
		To(&recordingSink{}).Checkpoint(store, -time.Second).Build()
	if !errors.Is(err, pipeline.ErrInvalidConfig) {
		t.Fatalf("Build = %v, want ErrInvalidConfig", err)
	}
	for _, want := range []string{
		"Checkpoints.Interval = -1s",
		"Sources[0] = \"*pipeline_test.sliceSource\": cannot keep its checkpoint in the pipeline's store",
		"Sources[2].Name = \"a\": Sources[1] has this name too",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Build's error lacks %q:\n%v", want, err)
		}
	}

	_, err = pipeline.New("p").From(&storeSource{name: "b", own: true}).To(&recordingSink{}).Checkpoint(store, time.Second).Build()
	if err == nil || !strings.Contains(err.Error(), "Sources[0] = \"b\": has a store of its own") {
		t.Errorf("a source with its own store: Build = %v", err)
	}
	_, err = pipeline.NewFromConfig(pipeline.Config{Name: "p", Sources: []pipeline.Source{&sliceSource{}},
		Sinks: []pipeline.SinkSpec{{Sink: &recordingSink{}}}, Checkpoints: pipeline.Checkpoints{Interval: time.Second}})
	if err == nil || !strings.Contains(err.Error(), "Checkpoints.Store") {
		t.Errorf("an interval without a store: Build = %v", err)
	}

	a, b := &storeSource{name: "a"}, &storeSource{name: "b"}
	if _, err := pipeline.New("p").From(a, b).To(&recordingSink{}).Checkpoint(store, 3*time.Second).Build(); err != nil {
		t.Fatal(err)
	}
	if a.store == nil || b.store == nil || a.every != 3*time.Second {
		t.Fatalf("the sources were not given the store and interval: %+v %+v", a, b)
	}
}

func TestSharedStoreKeepsSourcesApart(t *testing.T) {
	ctx := context.Background()
	file := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))
	// A single source's checkpoint, from before it joined a pipeline.
	if err := file.Save(ctx, &cdc.Checkpoint{Version: cdc.CheckpointVersion, Source: "a", Kind: "mysql", State: []byte(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	shared := pipeline.NewSharedStore(file)
	a, b := shared.Source("a"), shared.Source("b")
	if cp, err := a.Load(ctx); err != nil || cp == nil || strings.Join(strings.Fields(string(cp.State)), "") != `{"n":1}` {
		t.Fatalf("a's checkpoint from its own store: %+v, %v", cp, err)
	}
	if cp, err := b.Load(ctx); err != nil || cp != nil {
		t.Fatalf("b has saved nothing: %+v, %v", cp, err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, name := a, "a"
			if i%2 == 1 {
				s, name = b, "b"
			}
			if err := s.Save(ctx, &cdc.Checkpoint{Version: cdc.CheckpointVersion, Source: name, Kind: "mysql", State: fmt.Appendf(nil, `{"n":%d}`, i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	reopened := pipeline.NewSharedStore(cdc.NewFileOffsetStore(file.Path()))
	for _, name := range []string{"a", "b"} {
		cp, err := reopened.Source(name).Load(ctx)
		if err != nil || cp == nil || cp.Source != name {
			t.Fatalf("%s: %+v, %v", name, cp, err)
		}
	}
	if p, ok := a.(interface{ Path() string }); !ok || !strings.Contains(p.Path(), file.Path()) {
		t.Errorf("a file store's source view does not name the file")
	}
	if err := file.Save(ctx, &cdc.Checkpoint{Version: cdc.CheckpointVersion, Kind: "pipeline", State: []byte(`[1]`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Load(ctx); !errors.Is(err, cdc.ErrInvalidCheckpoint) {
		t.Errorf("a corrupt pipeline checkpoint: Load = %v, want ErrInvalidCheckpoint", err)
	}
}

// keySink records "table op id" for each row event it flushed.
type keySink struct {
	mu            sync.Mutex
	pending, rows []string
}

func (k *keySink) HandleEvents(_ context.Context, events []cdc.Event) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, e := range events {
		row := e.After
		if e.Op == cdc.OpDelete {
			row = e.Before
		}
		if row != nil {
			k.pending = append(k.pending, fmt.Sprintf("%s %s %v", e.Table.Table, e.Op, row[0]))
		}
	}
	return nil
}

func (k *keySink) Flush(context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rows = append(k.rows, k.pending...)
	k.pending = nil
	return nil
}

func (k *keySink) flushed() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.rows)
}

// A pipeline of a MySQL and a MariaDB source keeping both checkpoints in
// one pipeline-level file, stopped and resumed with new changes made while
// it was down: the second run delivers exactly those changes, nothing of
// the first run again and nothing lost.
func TestPipelineCheckpointStopAndResume(t *testing.T) {
	t.Parallel()
	my, maria := testenv.NewSource(t, testenv.MySQL), testenv.NewSource(t, testenv.MariaDB)
	for _, s := range []*testenv.Source{my, maria} {
		s.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1,1),(2,2)")
	}
	file := filepath.Join(t.TempDir(), "pipeline.checkpoint.json")
	newSource := func(s *testenv.Source, name string) *mysql.Source {
		base := 60000 + rand.IntN(100000)
		src, err := mysql.NewSource().Name(name).Hostname(s.Host).Port(s.Port).Username(s.User).Password(s.Password).
			DatabaseList(s.Database).TableList(s.Database + `\.t`).ServerID(fmt.Sprintf("%d-%d", base, base+3)).Build()
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	wait := func(sink *keySink, want []string, done chan error, cancel func()) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for !hasAll(sink.flushed(), want) {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("waited a minute for %v, got %v (Run: %v)", want, sink.flushed(), <-done)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	runUntil := func(before []string, changes func(), want []string) []string {
		t.Helper()
		a, b := newSource(my, "mysql_shop"), newSource(maria, "mariadb_shop")
		defer a.Close()
		defer b.Close()
		sink := &keySink{}
		p, err := pipeline.New("two").From(a, b).To(sink).Checkpoint(cdc.NewFileOffsetStore(file), 100*time.Millisecond).Build()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		wait(sink, before, done, cancel)
		changes()
		wait(sink, want, done, cancel)
		time.Sleep(300 * time.Millisecond) // room for anything delivered twice to show
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return sink.flushed()
	}
	first := runUntil([]string{"t r 1", "t r 2"}, func() {
		for _, s := range []*testenv.Source{my, maria} {
			s.Exec(t, "INSERT INTO t VALUES (3,3)")
		}
	}, []string{"t c 3"})
	if err := sameMultiset(first, []string{"t r 1", "t r 2", "t c 3", "t r 1", "t r 2", "t c 3"}); err != nil {
		t.Errorf("first run: %v", err)
	}
	for _, s := range []*testenv.Source{my, maria} { // while the pipeline is down
		s.Exec(t, "INSERT INTO t VALUES (4,4)", "UPDATE t SET v = 10 WHERE id = 1", "DELETE FROM t WHERE id = 2")
	}
	second := runUntil([]string{"t c 4", "t u 1", "t d 2"}, func() {
		for _, s := range []*testenv.Source{my, maria} {
			s.Exec(t, "INSERT INTO t VALUES (5,5)")
		}
	}, []string{"t c 5"})
	if err := sameMultiset(second, []string{"t c 4", "t u 1", "t d 2", "t c 5", "t c 4", "t u 1", "t d 2", "t c 5"}); err != nil {
		t.Errorf("resumed run: %v", err)
	}
	shared := pipeline.NewSharedStore(cdc.NewFileOffsetStore(file))
	for _, name := range []string{"mysql_shop", "mariadb_shop"} {
		if cp, err := shared.Source(name).Load(context.Background()); err != nil || cp == nil || cp.Source != name {
			t.Errorf("the pipeline's file holds for %s: %+v, %v", name, cp, err)
		}
	}
}

// hasAll reports whether got holds each of want twice (once per source).
func hasAll(got, want []string) bool {
	for _, w := range want {
		n := 0
		for _, g := range got {
			if g == w {
				n++
			}
		}
		if n < 2 {
			return false
		}
	}
	return true
}

func sameMultiset(got, want []string) error {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		return fmt.Errorf("delivered %v, want %v", g, w)
	}
	return nil
}

// The MySQL source takes the pipeline's store, unless its Config named one:
// then Build says both set one.
func TestCheckpointWithMySQLSources(t *testing.T) {
	newSource := func(name string, store cdc.OffsetStore) *mysql.Source {
		b := mysql.NewSource().Name(name).Hostname("127.0.0.1").Username("u").DatabaseList("shop")
		if store != nil {
			b.OffsetStore(store)
		}
		s, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	own := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "own.json"))
	pipelineStore := cdc.NewMemoryOffsetStore()
	_, err := pipeline.New("p").From(newSource("a", nil), newSource("b", own)).To(&recordingSink{}).
		Checkpoint(pipelineStore, time.Second).Build()
	if err == nil || !strings.Contains(err.Error(), `Sources[1] = "b": mysql: source "b" already keeps its checkpoint in its Config's OffsetStore (checkpoint file `+own.Path()) {
		t.Errorf("a MySQL source with a store of its own: Build = %v", err)
	}
	a := newSource("a", nil)
	if _, err := pipeline.New("p").From(a).To(&recordingSink{}).Checkpoint(pipelineStore, 2*time.Second).Build(); err != nil {
		t.Fatal(err)
	}
	if c := a.Config(); c.OffsetCommitInterval != 2*time.Second || c.OffsetStore == cdc.OffsetStore(pipelineStore) || c.OffsetStore == nil {
		t.Errorf("the source keeps %T every %v, want the pipeline store's view for it every 2s", c.OffsetStore, c.OffsetCommitInterval)
	}
}
