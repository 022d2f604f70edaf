package pipeline_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	sqldriver "github.com/go-sql-driver/mysql"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// cutProxy forwards TCP connections to a target until it is cut: then it
// closes every connection and refuses new ones, as a server that went away
// does, until it is restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, up: true}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if !p.up {
				p.mu.Unlock()
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				in.Close()
				continue
			}
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

// retainedHeap is the live heap after a collection.
func retainedHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// ClickHouse goes away for a while under a stream of large rows: the sink
// waits and retries, the source waits for the sink (back-pressure), so the
// process holds far less than what was written meanwhile; when ClickHouse
// is back, everything arrives.
//
// Not parallel: it measures the process's heap.
func TestClickHouseUnavailable(t *testing.T) {
	src := testenv.NewSource(t, testenv.MySQL)
	ch := testenv.NewClickHouse(t)
	ctx := context.Background()
	if err := createShards(ctx, src.DB, src.Database, 200); err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, ch.Addr)
	client, err := clickhouse.New(&chgo.Options{Addr: []string{proxy.addr()}, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	direct, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	const maxBytes = 2 << 20
	sinkCfg := clickhouse.SinkConfig{MaxRows: 2000, MaxBytes: maxBytes, FlushInterval: 100 * time.Millisecond}
	// Retries for longer than the outage: the sink rides it out.
	sinkCfg.Retry.MaxAttempts, sinkCfg.Retry.MinBackoff, sinkCfg.Retry.MaxBackoff = 1000, 50*time.Millisecond, 200*time.Millisecond
	sink, err := clickhouse.NewSink(client, sinkCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	s, err := mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
		DatabaseList(src.Database).TableList(src.Database + `\.shard_\d+`).
		ServerID(strconv.Itoa(40000 + rand.IntN(10000))).FetchSize(32).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := faultPipeline(s, sink, src.Database, ch.Database)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitMerged(t, src.DB, direct, src.Database, ch.Database, time.Minute, done)

	// The outage: about 40 MB of rows written while ClickHouse is gone.
	before := retainedHeap()
	proxy.cut()
	w := startWriter(src.DB, src.Database, 200, 8<<10, 11)
	var peak uint64
	var written int
	for deadline := time.Now().Add(4 * time.Second); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		peak = max(peak, retainedHeap())
	}
	for written < 1500 { // at least ~1500 transactions of 1-4 rows of 8 KiB
		time.Sleep(100 * time.Millisecond)
		peak = max(peak, retainedHeap())
		w.mu.Lock()
		var werr error
		written, werr = w.changes, w.err
		w.mu.Unlock()
		if werr != nil {
			t.Fatalf("writer: %v", werr)
		}
	}
	changes, err := w.halt()
	if err != nil {
		t.Fatal(err)
	}
	growth := int64(peak) - int64(before)
	if f := os.Getenv("RTDW_HEAP_PROFILE"); f != "" {
		out, _ := os.Create(f)
		runtime.GC()
		_ = pprof.WriteHeapProfile(out)
		out.Close()
	}
	t.Logf("outage: %d transactions (about %d MiB of rows) written; heap grew %d KiB at most; sink: %+v",
		changes, changes*2*8/1024, growth>>10, sink.Stats())
	select {
	case err := <-done:
		t.Fatalf("the pipeline stopped during the outage: %v", err)
	default:
	}
	// What the process may hold: the sink's batch (MaxBytes) and its
	// encoded copy, the source's read-ahead (go-mysql buffers events), a
	// delivered batch. Far less than the ~20+ MiB written.
	if limit := int64(10 << 20); growth > limit {
		t.Errorf("the heap grew %d MiB during the outage, more than %d MiB: events pile up instead of waiting", growth>>20, limit>>20)
	}
	proxy.restore()
	waitMerged(t, src.DB, direct, src.Database, ch.Database, 2*time.Minute, done)
	if st := sink.Stats(); st.Retries == 0 {
		t.Errorf("the sink reports no retry: %+v", st)
	}
}

// privateMariaDB is a mariadbd of the test's own, on its own port and data
// directory, so that restarting it disturbs no other test.
type privateMariaDB struct {
	t      *testing.T
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
}

const privatePassword = "private-pw"

func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			msg := bin + " not found (apt-get install mariadb-server); needed to restart a server of the test's own"
			if testenv.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	dir := t.TempDir()
	// Its own tmpdir: a starting mariadbd deletes the #sql* files of its
	// tmpdir, which in /tmp belong to the other servers.
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+dir+"/data",
		"--auth-root-authentication-method=normal", "--skip-test-db", "--tmpdir="+dir+"/tmp").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &privateMariaDB{t: t, dir: dir, port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	m.start()
	t.Cleanup(m.stop)
	db := m.connect("")
	defer db.Close()
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := db.Exec("ALTER USER IF EXISTS 'root'@'" + host + "' IDENTIFIED BY '" + privatePassword + "'"); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func (m *privateMariaDB) start() {
	m.t.Helper()
	m.cmd = exec.Command("mariadbd", "--no-defaults", "--user=root", "--datadir="+m.dir+"/data", "--bind-address=127.0.0.1",
		"--port="+strconv.Itoa(m.port), "--socket="+m.dir+"/sock", "--pid-file="+m.dir+"/pid", "--skip-name-resolve",
		"--log-error="+m.dir+"/error.log", "--innodb-buffer-pool-size=32M", "--tmpdir="+m.dir+"/tmp",
		"--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1")
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.exited = make(chan struct{})
	go func(cmd *exec.Cmd, ch chan struct{}) { _ = cmd.Wait(); close(ch) }(m.cmd, m.exited)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port)), 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
	}
	log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
	m.t.Fatalf("mariadbd did not listen on %d:\n%s", m.port, log)
}

func (m *privateMariaDB) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

func (m *privateMariaDB) connect(pass string) *sql.DB {
	m.t.Helper()
	cfg := sqldriver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net = "root", pass, "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
	conn, err := sqldriver.NewConnector(cfg)
	if err != nil {
		m.t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if err := db.PingContext(ctx); err == nil {
			return db
		} else if ctx.Err() != nil {
			m.t.Fatalf("connect to the private mariadbd: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MySQL (a private MariaDB) restarts while the pipeline streams, with
// writes before, during and after: the pipeline reconnects and ClickHouse
// converges. A longer outage than the source rides out is bridged by the
// pipeline's restart policy.
func TestMySQLRestarted(t *testing.T) {
	t.Parallel()
	m := startPrivateMariaDB(t)
	ch := testenv.NewClickHouse(t)
	ctx := context.Background()
	db := m.connect(privatePassword)
	defer func() { db.Close() }()
	const database = "shop"
	if _, err := db.Exec("CREATE DATABASE " + database); err != nil {
		t.Fatal(err)
	}
	if err := createShards(ctx, db, database, 500); err != nil {
		t.Fatal(err)
	}
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{FlushInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(ctx)
	s, err := mysql.NewSource().Hostname("127.0.0.1").Port(m.port).Username("root").Password(privatePassword).
		DatabaseList(database).TableList(database + `\.shard_\d+`).
		ConnectTimeout(2 * time.Second).ConnectMaxRetries(1).MaxReconnectDuration(2 * time.Second).
		OffsetStore(cdc.NewFileOffsetStore(filepath.Join(t.TempDir(), "cp.json"))).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	restarts := &restartHook{}
	p, err := faultPipeline(s, sink, database, ch.Database, func(b *pipeline.Builder) {
		b.Restart(pipeline.RestartPolicy{MaxAttempts: 30, Backoff: 200 * time.Millisecond, MaxBackoff: time.Second}).Hooks(restarts)
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitMerged(t, db, client, database, ch.Database, time.Minute, done)

	for round, down := range []time.Duration{500 * time.Millisecond, 5 * time.Second} {
		w := startWriter(db, database, 500, 0, uint64(round+1))
		time.Sleep(300 * time.Millisecond)
		if _, err := w.halt(); err != nil {
			t.Fatal(err)
		}
		m.stop()
		time.Sleep(down) // the second outage outlasts the source's MaxReconnectDuration
		m.start()
		db.Close()
		db = m.connect(privatePassword)
		w = startWriter(db, database, 500, 0, uint64(round+10))
		time.Sleep(300 * time.Millisecond)
		if _, err := w.halt(); err != nil {
			t.Fatal(err)
		}
		waitMerged(t, db, client, database, ch.Database, 2*time.Minute, done)
	}
	if restarts.n.Load() == 0 {
		t.Errorf("the 5s outage caused no restart of the source (its MaxReconnectDuration is 2s)")
	}
	t.Logf("source restarts: %d; source reconnects: %d", restarts.n.Load(), s.Progress().Reconnects)
}

// A transform that fails on a row of a real table: StopOnError stops with
// the row's key, and nothing after the last checkpoint reaches ClickHouse
// as if it passed; SkipOnError writes every other row and counts it.
func TestTransformFailsOnARow(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, src *testenv.Source) {
		ch := testenv.NewClickHouse(t)
		src.Exec(t, "CREATE TABLE items (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL)",
			"INSERT INTO items VALUES (1,'10'),(2,'20'),(3,'x3'),(4,'40')")
		client, err := clickhouse.Open("clickhouse://" + ch.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		for _, policy := range []pipeline.ErrorPolicy{pipeline.StopOnError, pipeline.SkipOnError} {
			target := "items_" + policy.String()
			sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
				DatabaseList(src.Database).TableList(src.Database + `\.items`).
				ServerID(strconv.Itoa(50000 + rand.IntN(10000))).Build()
			if err != nil {
				t.Fatal(err)
			}
			p, err := pipeline.New("cast").From(s).To(sink).OnTransformError(policy).
				Transform(src.Database+`\.items`, pipeline.Projection("id, CAST(code AS INT) AS n")).
				Route(src.Database+`\.items`, ch.Database+"."+target).Build()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			schema := &cdc.TableSchema{Table: cdc.TableID{Database: ch.Database, Table: target}, PrimaryKey: []string{"id"},
				Columns: []cdc.Column{{Name: "id", Type: cdc.ColumnType{Kind: cdc.KindInt}}, {Name: "n", Type: cdc.ColumnType{Kind: cdc.KindInt}}}}
			switch policy {
			case pipeline.StopOnError:
				err := <-done
				var rerr *pipeline.RowError
				if !errors.As(err, &rerr) || rerr.Key != "id=3" {
					t.Fatalf("Run = %v, want a RowError naming id=3", err)
				}
			case pipeline.SkipOnError:
				for deadline := time.Now().Add(time.Minute); p.Progress().RowsSkipped() == 0 || sink.Stats().RowsWritten < 3; {
					if time.Now().After(deadline) {
						t.Fatalf("skip: progress %+v, sink %+v", p.Progress(), sink.Stats())
					}
					time.Sleep(100 * time.Millisecond)
				}
				rows, err := client.ReadTable(context.Background(), schema, clickhouse.TableOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(rows); got != "[[1 10] [2 20] [4 40]]" {
					t.Errorf("ClickHouse holds %s, want the three rows that converted", got)
				}
				if n := p.Progress().RowsSkipped(); n != 1 {
					t.Errorf("skipped %d rows, want 1", n)
				}
				cancel()
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			s.Close()
			_ = sink.Close(context.Background())
		}
	})
}
