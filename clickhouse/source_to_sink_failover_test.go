package clickhouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// TestSourceToSinkFailoverToReplica captures a table from the MySQL primary
// into ClickHouse, stops the source, points it at the primary's GTID
// replica with the same checkpoint store, and goes on while a writer keeps
// changing the table on the primary throughout. The source must resume on
// the replica by the checkpoint's GTID set (the stored file and position
// are the primary's), lose nothing (ClickHouse ends row for row equal to
// the primary), and keep row versions increasing: the primary's binlog
// file number is made higher than the replica's, so versions packed from
// the files' own numbers would go backwards after the move and ClickHouse
// would keep rows older than the replica's changes.
//
// The test never stops either server: it writes on the primary and reads
// the replica's binlog.
func TestSourceToSinkFailoverToReplica(t *testing.T) {
	primary := testenv.NewSource(t, testenv.MySQL)
	replica := openReplica(t, primary)
	ch := testenv.NewClickHouse(t)
	client := newClient(t, ch.Addr)
	opts := clickhouse.TableOptions{Database: ch.Database}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The primary's files must number above the replica's.
	primarySeq, replicaSeq := rotatePast(t, primary.DB, replica.DB)
	t.Logf("primary binlog file %d, replica binlog file %d", primarySeq, replicaSeq)

	primary.Exec(t, "CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL, note VARCHAR(40) NULL)")
	for i := 0; i < 200; i += 50 {
		stmt := "INSERT INTO accounts VALUES "
		for id := i + 1; id <= i+50; id++ {
			if id > i+1 {
				stmt += ", "
			}
			stmt += fmt.Sprintf("(%d, %d, 'opened')", id, id*10)
		}
		primary.Exec(t, stmt)
	}
	table := cdc.TableID{Database: primary.Database, Table: "accounts"}
	waitReplicated(t, replica.DB, table, 200)

	store := cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "accounts.offset.json"))
	versions := &versionRecorder{}
	newSink := func() *clickhouse.Sink {
		s, err := clickhouse.NewSink(client, clickhouse.SinkConfig{TableOptions: opts})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		return s
	}
	o := pipelineOptions{store: store, wrap: versions.wrap}

	// On the primary: snapshot, then streamed changes.
	p1 := startPipeline(t, primary, newSink(), o, "accounts")
	p1.waitStreaming(t, time.Minute)
	primary.Exec(t, "UPDATE accounts SET balance = balance + 1, note = 'before the move' WHERE id % 7 = 0")
	waitConverged(t, p1, primary.DB, client, opts, table, time.Minute)

	// A writer changes the table on the primary from now to the end.
	w := startAccountWriter(ctx, primary.DB)
	time.Sleep(300 * time.Millisecond)
	if err := p1.stop(); err != nil {
		t.Fatalf("source on the primary: %v", err)
	}
	versions.move()
	time.Sleep(300 * time.Millisecond) // changes while no source runs

	// The same source, checkpoint store and sink tables, on the replica.
	p2 := startPipeline(t, replica, newSink(), o, "accounts")
	p2.waitStreaming(t, time.Minute)
	time.Sleep(time.Second)
	if n, err := w.stop(); err != nil || n < 20 {
		t.Fatalf("the writer made %d transactions: %v", n, err)
	}
	waitConverged(t, p2, primary.DB, client, opts, table, 2*time.Minute)
	if err := p2.stop(); err != nil {
		t.Fatalf("source on the replica: %v", err)
	}

	cp, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := mysql.InspectCheckpoint(cp)
	if err != nil {
		t.Fatal(err)
	}
	if want := "server_uuid " + serverUUID(t, replica.DB); info.Server != want || len(info.PreviousServers) != 1 ||
		info.PreviousServers[0] != "server_uuid "+serverUUID(t, primary.DB) {
		t.Errorf("checkpoint names server %q after %v, want the replica's %q after the primary's", info.Server, info.PreviousServers, want)
	}
	versions.check(t)
}

// versionRecorder wraps sinks and records the row versions of the events
// delivered before and after the move: the versions the sink writes, and
// those the binlog file's own number would give.
type versionRecorder struct {
	mu     sync.Mutex
	moved  bool
	before [2]uint64 // the highest version before the move: by BinlogSeq, by file number
	after  [2]uint64 // the lowest version after it
	events [2]int
}

func (v *versionRecorder) move() { v.mu.Lock(); v.moved = true; v.mu.Unlock() }

func (v *versionRecorder) wrap(s cdc.Sink) cdc.Sink {
	return cdc.Map(s, func(e *cdc.Event) (bool, error) {
		v.record(e)
		return true, nil
	})
}

func (v *versionRecorder) record(e *cdc.Event) {
	if !e.Op.IsRowChange() {
		return
	}
	bySeq, err1 := clickhouse.RowVersion(e.Source)
	byFile := e.Source
	byFile.BinlogSeq = 0
	byFileVersion, err2 := clickhouse.RowVersion(byFile)
	if err1 != nil || err2 != nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.moved {
		v.events[0]++
		v.before = [2]uint64{max(v.before[0], bySeq), max(v.before[1], byFileVersion)}
		return
	}
	if v.events[1] == 0 {
		v.after = [2]uint64{bySeq, byFileVersion}
	}
	v.events[1]++
	v.after = [2]uint64{min(v.after[0], bySeq), min(v.after[1], byFileVersion)}
}

// check asserts that the versions the sink wrote kept increasing across
// the move, and that the files' own numbers would have gone backwards.
func (v *versionRecorder) check(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.events[0] == 0 || v.events[1] == 0 {
		t.Fatalf("%d events before the move and %d after: the test needs both", v.events[0], v.events[1])
	}
	t.Logf("versions: before the move up to %d (file numbers: %d); after it from %d (file numbers: %d); %d and %d events",
		v.before[0], v.before[1], v.after[0], v.after[1], v.events[0], v.events[1])
	if v.after[1] >= v.before[1] {
		t.Errorf("the test did not force the replica's file numbers below the primary's: file-number versions %d after the move, %d before", v.after[1], v.before[1])
	}
	if v.after[0] <= v.before[0] {
		t.Errorf("a version written after the move (%d) is not above every version before it (%d)", v.after[0], v.before[0])
	}
}

// accountWriter changes accounts on the primary until stopped: updates of
// existing rows (most of them), inserts and deletes.
type accountWriter struct {
	cancel context.CancelFunc
	done   chan struct{}
	n      int
	err    error
}

func startAccountWriter(ctx context.Context, db *sql.DB) *accountWriter {
	ctx, cancel := context.WithCancel(ctx)
	w := &accountWriter{cancel: cancel, done: make(chan struct{})}
	r := rand.New(rand.NewPCG(7, 11))
	go func() {
		defer close(w.done)
		next := 1000
		for ctx.Err() == nil {
			var stmts []string
			for range 1 + r.IntN(3) {
				switch op := r.IntN(10); {
				case op < 7:
					stmts = append(stmts, fmt.Sprintf("UPDATE accounts SET balance = balance + %d, note = 'tx %d' WHERE id = %d", 1+r.IntN(9), w.n, 1+r.IntN(200)))
				case op < 9:
					next++
					stmts = append(stmts, fmt.Sprintf("INSERT INTO accounts VALUES (%d, 0, 'new')", next))
				default:
					stmts = append(stmts, fmt.Sprintf("DELETE FROM accounts WHERE id = %d", 1+r.IntN(200)))
				}
			}
			if err := execTx(ctx, db, stmts...); err != nil {
				if ctx.Err() == nil {
					w.err = err
				}
				return
			}
			w.n++
			time.Sleep(3 * time.Millisecond)
		}
	}()
	return w
}

// stop ends the writer and returns how many transactions it committed.
func (w *accountWriter) stop() (int, error) {
	w.cancel()
	<-w.done
	return w.n, w.err
}

// replicaSource is the test's database as the GTID replica of the primary
// serves it: same name, same credentials, another server.
type replicaSource = testenv.Source

// openReplica returns primary's database on the replica named by
// RTDW_TEST_MYSQL_REPLICA, skipping (failing under RTDW_REQUIRE_SERVICES=1)
// when it is unset.
func openReplica(t *testing.T, primary *testenv.Source) *replicaSource {
	t.Helper()
	cfg := testenv.ReplicaConfig(t)
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("replica %s: %v", cfg.Addr, err)
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	p, _ := strconv.Atoi(port)
	return &replicaSource{Flavor: testenv.MySQL, Host: host, Port: p, User: cfg.User, Password: cfg.Passwd, Database: primary.Database, DB: db}
}

// rotatePast runs FLUSH BINARY LOGS on the primary until its binlog file
// number is above the replica's (a statement the replica does not
// repeat), and returns both numbers.
func rotatePast(t *testing.T, primary, replica *sql.DB) (uint64, uint64) {
	t.Helper()
	r := fileNumber(t, replica)
	for {
		p := fileNumber(t, primary)
		if p > r {
			return p, r
		}
		if _, err := primary.Exec("FLUSH BINARY LOGS"); err != nil {
			t.Fatal(err)
		}
	}
}

// fileNumber is the number of the server's current binlog file.
func fileNumber(t *testing.T, db *sql.DB) uint64 {
	t.Helper()
	file, _ := binlogPosition(t, db)
	for i := len(file) - 1; i >= 0; i-- {
		if file[i] == '.' {
			n, err := strconv.ParseUint(file[i+1:], 10, 64)
			if err != nil {
				t.Fatalf("binlog file %q", file)
			}
			return n
		}
	}
	t.Fatalf("binlog file %q has no number", file)
	return 0
}

// waitReplicated waits until the replica has n rows of table.
func waitReplicated(t *testing.T, replica *sql.DB, table cdc.TableID, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var got int
		err := replica.QueryRow("SELECT COUNT(*) FROM " + testenv.QuoteIdent(table.Database) + "." + testenv.QuoteIdent(table.Table)).Scan(&got)
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica has %d rows of %s after a minute (%v), want %d", got, table, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func serverUUID(t *testing.T, db *sql.DB) string {
	t.Helper()
	var u string
	if err := db.QueryRow("SELECT @@server_uuid").Scan(&u); err != nil {
		t.Fatal(err)
	}
	return u
}
