package clickhouse_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The crash test runs the source into the sink in a child process (this test
// binary, started again with crashChildEnv set) and kills it with SIGKILL at
// random moments, during the snapshot and while the binlog streams, while
// the parent keeps updating, deleting and re-inserting rows. After the last
// kill a final run must converge to MySQL's rows exactly: nothing lost, and
// no row that MySQL deleted left visible in ClickHouse.

const crashChildEnv = "RTDW_CRASH_CHILD"

// crashChild is the settings the parent passes to the child in its
// environment, one variable per field, named RTDW_CRASH_<FIELD>.
type crashChild struct {
	Host, User, Password, Database, Table string
	Port                                  int
	ClickHouse, CHDatabase                string
	Store                                 string
	ServerIDs                             string
	// Wrapped runs the wrapped-sink child: the sink behind cdc.Filter, no
	// flush of its own, and a SIGKILL at the first flush or checkpoint save
	// after a handler call returned.
	Wrapped bool
	// Schema runs the schema change child: every table whose name starts
	// with Table, schema changes delivered and applied under EVOLVE, no
	// flush of the sink's own, and a SIGKILL at the first flush after a
	// handler call that delivered a schema change returned.
	Schema bool
}

func (c crashChild) environ() []string {
	return append(os.Environ(),
		crashChildEnv+"=1",
		"RTDW_CRASH_HOST="+c.Host, "RTDW_CRASH_PORT="+strconv.Itoa(c.Port),
		"RTDW_CRASH_USER="+c.User, "RTDW_CRASH_PASSWORD="+c.Password,
		"RTDW_CRASH_DATABASE="+c.Database, "RTDW_CRASH_TABLE="+c.Table,
		"RTDW_CRASH_CLICKHOUSE="+c.ClickHouse, "RTDW_CRASH_CH_DATABASE="+c.CHDatabase,
		"RTDW_CRASH_STORE="+c.Store, "RTDW_CRASH_SERVER_IDS="+c.ServerIDs,
		"RTDW_CRASH_WRAPPED="+strconv.FormatBool(c.Wrapped),
		"RTDW_CRASH_SCHEMA="+strconv.FormatBool(c.Schema),
	)
}

// TestMain runs the crash child when asked to, else the tests.
func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) == "1" {
		os.Exit(runCrashChild())
	}
	os.Exit(m.Run())
}

// runCrashChild runs a source into the sink until it is killed, printing
// each phase change on stdout for the parent.
func runCrashChild() int {
	port, _ := strconv.Atoi(os.Getenv("RTDW_CRASH_PORT"))
	client, err := clickhouse.Open("clickhouse://" + os.Getenv("RTDW_CRASH_CLICKHOUSE") + "?dial_timeout=5s")
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	wrapped := os.Getenv("RTDW_CRASH_WRAPPED") == "true"
	cfg := clickhouse.SinkConfig{
		TableOptions: clickhouse.TableOptions{Database: os.Getenv("RTDW_CRASH_CH_DATABASE")},
		// Small batches flush often on their own, between checkpoints:
		// the moments a crash must not turn into wrong data.
		MaxRows: 300, FlushInterval: 30 * time.Millisecond,
	}
	schema := os.Getenv("RTDW_CRASH_SCHEMA") == "true"
	if wrapped || schema {
		// Rows stay buffered until the source flushes.
		cfg.MaxRows, cfg.FlushInterval = 1_000_000, -1
	}
	if schema {
		cfg.SchemaChanges = cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	}
	chSink, err := clickhouse.NewSink(client, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	var sink cdc.Sink = chSink
	var store cdc.OffsetStore = cdc.NewFileOffsetStore(os.Getenv("RTDW_CRASH_STORE"))
	if wrapped {
		// A user's filter around the sink; the kill comes after a handler
		// call returned, at the first flush (before it flushes) or
		// checkpoint save recording delivered rows (after it saved),
		// whichever the source does first.
		k := &killAfterDelivery{}
		sink = k.sink(cdc.Filter(chSink, func(e *cdc.Event) bool { return e.Op != cdc.OpSchemaChange }))
		store = k.store(store)
	}
	tables := strings.ReplaceAll(os.Getenv("RTDW_CRASH_DATABASE")+"."+os.Getenv("RTDW_CRASH_TABLE"), ".", `\.`)
	if schema {
		sink = &killAfterSchemaChange{next: chSink}
		tables += ".*"
	}
	var mu sync.Mutex
	last := mysql.Phase("")
	src, err := mysql.NewSource().
		Hostname(os.Getenv("RTDW_CRASH_HOST")).Port(port).
		Username(os.Getenv("RTDW_CRASH_USER")).Password(os.Getenv("RTDW_CRASH_PASSWORD")).
		DatabaseList(os.Getenv("RTDW_CRASH_DATABASE")).
		TableList(tables).
		IncludeSchemaChanges(schema).
		ServerID(os.Getenv("RTDW_CRASH_SERVER_IDS")).
		SplitSize(100).
		SnapshotParallelism(2).
		OffsetStore(store).
		OffsetCommitInterval(400 * time.Millisecond).
		ConnectTimeout(5 * time.Second).
		Progress(func(p mysql.Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Phase != last {
				last = p.Phase
				fmt.Printf("phase %s\n", p.Phase)
			}
		}).
		Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	err = src.Run(context.Background(), sink)
	fmt.Fprintln(os.Stderr, "crash child: Run returned:", err)
	return 1
}

// killAfterDelivery kills its own process with SIGKILL, after a HandleEvents
// call returned, at the first Flush (before it flushes) or the first
// checkpoint Save that records delivered rows (after it saved).
type killAfterDelivery struct{ delivered atomic.Bool }

type killSink struct {
	k    *killAfterDelivery
	next cdc.Sink
}

func (s killSink) HandleEvents(ctx context.Context, events []cdc.Event) error {
	err := s.next.HandleEvents(ctx, events)
	s.k.delivered.Store(true)
	return err
}

func (s killSink) Flush(ctx context.Context) error {
	s.k.killIfDelivered("flush")
	return s.next.Flush(ctx)
}

type killStore struct {
	k *killAfterDelivery
	cdc.OffsetStore
}

func (s killStore) Save(ctx context.Context, cp *cdc.Checkpoint) error {
	err := s.OffsetStore.Save(ctx, cp)
	if claimsDelivery(cp) {
		s.k.killIfDelivered("save")
	}
	return err
}

// claimsDelivery reports whether a checkpoint records delivered rows: a
// chunk done, or an offset set (a save that only records DeliveredFrom
// claims nothing).
func claimsDelivery(cp *cdc.Checkpoint) bool {
	info, err := mysql.InspectCheckpoint(cp)
	if err != nil {
		panic(fmt.Sprintf("the source saved a checkpoint it cannot read: %v", err))
	}
	return info.ChunksDone > 0 || !info.Offset.IsZero()
}

func (k *killAfterDelivery) sink(next cdc.Sink) cdc.Sink                { return killSink{k, next} }
func (k *killAfterDelivery) store(next cdc.OffsetStore) cdc.OffsetStore { return killStore{k, next} }

func (k *killAfterDelivery) killIfDelivered(at string) {
	if k.delivered.Load() {
		fmt.Printf("killed at %s\n", at)
		os.Stdout.Sync()
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// killAfterSchemaChange kills its own process with SIGKILL at the first
// Flush after a HandleEvents call that delivered a schema change returned:
// the change is applied, the rows after it in that call are buffered, and
// the source has stored no checkpoint past it.
type killAfterSchemaChange struct {
	next    cdc.Sink
	changed bool
}

func (k *killAfterSchemaChange) HandleEvents(ctx context.Context, events []cdc.Event) error {
	err := k.next.HandleEvents(ctx, events)
	for i := range events {
		if events[i].Op == cdc.OpSchemaChange && len(events[i].Changes) > 0 {
			k.changed = true
		}
	}
	return err
}

func (k *killAfterSchemaChange) Flush(ctx context.Context) error {
	if k.changed {
		fmt.Printf("killed at flush after a schema change\n")
		os.Stdout.Sync()
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return k.next.Flush(ctx)
}

// crashWriter updates, deletes and re-inserts rows of the table until ctx
// ends, in small transactions.
func crashWriter(ctx context.Context, t *testing.T, db *testenv.Source, seed uint64, initial int, done chan<- int) {
	r := rand.New(rand.NewPCG(seed, 7))
	n := 0
	defer func() { done <- n }()
	for ctx.Err() == nil {
		k := 1 + r.IntN(initial+initial/10)
		var stmts []string
		switch op := r.IntN(10); {
		case op < 4:
			stmts = []string{fmt.Sprintf("UPDATE items SET v = v + 1, note = 'u%d' WHERE id = %d", r.IntN(1000), k)}
		case op < 7:
			stmts = []string{fmt.Sprintf("DELETE FROM items WHERE id = %d", k)}
		case op < 9:
			// A re-insert of a deleted key, or a new row above the initial ones.
			stmts = []string{fmt.Sprintf("INSERT INTO items (id, v, note) VALUES (%d, %d, 'i') ON DUPLICATE KEY UPDATE v = v + 1", k, r.IntN(100))}
		default:
			// Delete and re-insert in one transaction.
			stmts = []string{
				fmt.Sprintf("DELETE FROM items WHERE id = %d", k),
				fmt.Sprintf("INSERT INTO items (id, v, note) VALUES (%d, 0, 'r')", k),
			}
		}
		if err := execTx(ctx, db.DB, stmts...); err != nil && ctx.Err() == nil {
			t.Errorf("writer: %v", err)
			return
		}
		n++
		time.Sleep(time.Duration(1+r.IntN(3)) * time.Millisecond)
	}
}

// TestCrashRecoverySIGKILLUnderConcurrentWrites kills the source process 15
// times, during the snapshot and while it streams, under a steady load of
// updates, deletes and re-inserts; a final run must leave ClickHouse showing
// exactly MySQL's rows.
func TestCrashRecoverySIGKILLUnderConcurrentWrites(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		const initial = 30000
		child, ch := newCrashChild(t, db, initial)
		seed := uint64(time.Now().UnixNano())
		t.Logf("random seed %d", seed)
		r := rand.New(rand.NewPCG(seed, 3))
		wctx, cancelWriter := context.WithCancel(context.Background())
		writes := make(chan int, 1)
		go crashWriter(wctx, t, db, seed, initial, writes)
		stopWriter := sync.OnceValue(func() int {
			cancelWriter()
			return <-writes
		})
		defer stopWriter()

		killedIn := map[mysql.Phase]int{}
		for kill := 1; kill <= 15; kill++ {
			phase := runAndKill(t, child, r, kill <= 8)
			killedIn[phase]++
		}
		t.Logf("%d write transactions during the kills; killed during: %v", stopWriter(), killedIn)
		if killedIn[mysql.PhaseSnapshot] == 0 {
			t.Errorf("no kill landed during the snapshot (%v): the test did not exercise a crash there", killedIn)
		}

		resumeConverges(t, db, ch, child, 2*time.Minute)
	})
}

// resumeConverges runs the source in this process from the child's
// checkpoint and waits until ClickHouse shows exactly MySQL's rows.
func resumeConverges(t *testing.T, db *testenv.Source, ch *testenv.ClickHouse, child crashChild, timeout time.Duration) {
	t.Helper()
	client := newClient(t, ch.Addr)
	opts := clickhouse.TableOptions{Database: ch.Database}
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	p := startPipeline(t, db, sink, pipelineOptions{store: cdc.NewFileOffsetStore(child.Store), splitSize: 100}, "items")
	p.waitStreaming(t, timeout)
	waitConverged(t, p, db.DB, client, opts, cdc.TableID{Database: db.Database, Table: "items"}, timeout)
}

// newCrashChild creates the table items with n rows (loaded outside the
// binlog), a ClickHouse database, and the settings of a child capturing it.
func newCrashChild(t *testing.T, db *testenv.Source, n int) (crashChild, *testenv.ClickHouse) {
	t.Helper()
	ch := testenv.NewClickHouse(t)
	db.Exec(t, "CREATE TABLE items (id BIGINT PRIMARY KEY, v BIGINT NOT NULL, note VARCHAR(40) NOT NULL)")
	var values strings.Builder
	for i := 1; i <= n; i++ {
		if values.Len() > 0 {
			values.WriteByte(',')
		}
		fmt.Fprintf(&values, "(%d,%d,'n%d')", i, i, i)
		if i%5000 == 0 || i == n {
			db.ExecSession(t, false, "INSERT INTO items (id, v, note) VALUES "+values.String())
			values.Reset()
		}
	}
	return crashChild{
		Host: db.Host, Port: db.Port, User: db.User, Password: db.Password,
		Database: db.Database, Table: "items",
		ClickHouse: ch.Addr, CHDatabase: ch.Database,
		Store:     filepath.Join(t.TempDir(), "checkpoint.json"),
		ServerIDs: serverIDRange(3),
	}, ch
}

// runAndKill starts the child, kills it with SIGKILL at a random moment and
// returns the phase it last reported. inSnapshot aims the kill at the
// snapshot: a random moment after the child reports it; otherwise a random
// moment after the binlog phase begins (or after the snapshot, when it
// takes longer).
func runAndKill(t *testing.T, child crashChild, r *rand.Rand, inSnapshot bool) mysql.Phase {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = child.environ()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	phases := make(chan mysql.Phase, 16)
	go func() {
		defer close(phases)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "phase "); ok {
				phases <- mysql.Phase(p)
			}
		}
	}()
	target := mysql.PhaseBinlog
	if inSnapshot {
		target = mysql.PhaseSnapshot
	}
	last := mysql.PhaseStarting
	deadline := time.After(time.Minute)
	var fire <-chan time.Time
	for fire == nil {
		select {
		case p, ok := <-phases:
			if !ok {
				cmd.Wait()
				t.Fatalf("crash child exited on its own: %s", stderr.String())
			}
			last = p
			if p == target || (target == mysql.PhaseSnapshot && p == mysql.PhaseBinlog) {
				fire = time.After(time.Duration(r.IntN(1200)) * time.Millisecond)
			}
		case <-deadline:
			fire = time.After(0)
		}
	}
	for waiting := true; waiting; {
		select {
		case p, ok := <-phases:
			if !ok {
				cmd.Wait()
				t.Fatalf("crash child exited on its own: %s", stderr.String())
			}
			last = p
		case <-fire:
			waiting = false
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for p := range phases {
		last = p
	}
	return last
}

// TestWrappedSinkKilledBeforeFlushLosesNothing wraps the sink in cdc.Filter,
// as a user filtering events would, lets it buffer every row, and kills the
// process after a handler call returned, at the source's first flush or
// checkpoint save. The restarted source must deliver every row.
func TestWrappedSinkKilledBeforeFlushLosesNothing(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		child, ch := newCrashChild(t, db, 3000)
		child.Wrapped = true
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = child.environ()
		out, err := cmd.Output()
		if !strings.Contains(string(out), "killed at ") {
			t.Fatalf("the child was not killed after a delivery (%v): %s", err, out)
		}
		t.Logf("child: %s", strings.TrimSpace(string(out[strings.Index(string(out), "killed at "):])))

		resumeConverges(t, db, ch, child, time.Minute)
	})
}
