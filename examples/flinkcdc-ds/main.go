// Command flinkcdc-ds is the seed's FlinkCDC_01_DS job in Go: it captures
// gmall_config.t_user from MySQL or MariaDB with rtdw's MySQL source,
// package cdc/mysql (a snapshot of the table, then its binlog), and prints
// every change as Debezium JSON, one event per line on stdout, as the Flink
// job's print() sink did with JsonDebeziumDeserializationSchema.
//
// The offset is kept in a file (-offset-file), so a second run resumes where
// the first stopped: changes made while the program was not running are
// printed once, and the snapshot is not taken again. The program stops on
// SIGINT or SIGTERM, and, for scripts, after -max-events events or once the
// binlog has been idle for -idle.
//
// What the source does goes to stderr through log/slog, at Info (-v adds
// its Debug records: each snapshot chunk, flush and checkpoint, and the
// connection logs of go-mysql); stdout holds only the JSON lines.
//
//	eval "$(scripts/services.sh env)"   # RTDW_TEST_MYSQL: host, port, user and password of the local MySQL
//	go run ./examples/flinkcdc-ds -idle 2s
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sqldriver "github.com/go-sql-driver/mysql"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/debezium"
	"github.com/rtdw/rtdw/cdc/mysql"
)

// The environment variables the program reads.
const (
	envPassword = "RTDW_MYSQL_PASSWORD"
	envTestDSN  = "RTDW_TEST_MYSQL"
)

// config is what the flags and the environment set.
type config struct {
	Host       string
	Port       int
	User       string
	Password   string // never printed
	Database   string
	Table      string
	OffsetFile string
	ServerID   string
	MaxEvents  int64
	Idle       time.Duration
	Progress   bool
	Verbose    bool
}

// String describes the configuration without its password.
func (c config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "<redacted>"
	}
	return fmt.Sprintf("{host=%s port=%d user=%s password=%q database=%s table=%s offset-file=%s}",
		c.Host, c.Port, c.User, pw, c.Database, c.Table, c.OffsetFile)
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "flinkcdc-ds: %v\n", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line. The connection defaults come from the
// DSN in RTDW_TEST_MYSQL when it is set (scripts/services.sh env sets it),
// else 127.0.0.1:3306 as root; the password comes from RTDW_MYSQL_PASSWORD,
// else from that DSN. Errors and -help go to stderr.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	defHost, defPort, defUser, dsnPassword := "127.0.0.1", 3306, "root", ""
	if dsn := getenv(envTestDSN); dsn != "" {
		if c, err := sqldriver.ParseDSN(dsn); err == nil {
			if host, port, err := net.SplitHostPort(c.Addr); err == nil {
				defHost = host
				defPort, _ = strconv.Atoi(port)
			}
			defUser, dsnPassword = c.User, c.Passwd
		}
	}
	cfg := config{Password: getenv(envPassword)}
	if cfg.Password == "" {
		cfg.Password = dsnPassword
	}
	fs := flag.NewFlagSet("flinkcdc-ds", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Host, "host", defHost, "MySQL or MariaDB host; the host of "+envTestDSN+" when that is set")
	fs.IntVar(&cfg.Port, "port", defPort, "server port; the port of "+envTestDSN+" when that is set")
	fs.StringVar(&cfg.User, "user", defUser, "user, with SELECT, REPLICATION SLAVE and REPLICATION CLIENT; the user of "+envTestDSN+" when that is set")
	fs.StringVar(&cfg.Database, "database", "gmall_config", "database to capture")
	fs.StringVar(&cfg.Table, "table", "t_user", "table of -database to capture (a regular expression matching whole table names)")
	fs.StringVar(&cfg.OffsetFile, "offset-file", "flinkcdc-ds.offset.json", "file keeping the offset between runs; delete it to snapshot again")
	fs.StringVar(&cfg.ServerID, "server-id", "", "replica server id or range, unique among the server's replicas (default: random from 5400 to 6400)")
	fs.Int64Var(&cfg.MaxEvents, "max-events", 0, "stop after at least this many events (the batch that reaches it is printed whole); 0: no limit")
	fs.DurationVar(&cfg.Idle, "idle", 0, "stop once the binlog has brought no event for this long; 0: run until SIGINT or SIGTERM")
	fs.BoolVar(&cfg.Progress, "progress", term.IsTerminal(int(os.Stderr.Fd())), "show a snapshot progress bar on stderr (on when stderr is a terminal)")
	fs.BoolVar(&cfg.Verbose, "v", false, "log the source's Debug records too: each snapshot chunk, flush and checkpoint, and go-mysql's connection logs")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: flinkcdc-ds [flags]

Prints every change of -database.-table as Debezium JSON, one event per line on stdout: first a snapshot
of the table (op "r"), then its binlog (op "c", "u", "d"). The offset is kept in -offset-file, so the
next run resumes after the last change printed.

The password is read from the environment, never from a flag: %s, or else the password of the
go-sql-driver DSN in %s (which scripts/services.sh env exports for the local test servers).

Flags:
`, envPassword, envTestDSN)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, "flinkcdc-ds:", err)
		fs.Usage()
		return config{}, err
	}
	return cfg, nil
}

// run captures until ctx ends, -max-events events were printed or the
// binlog was idle for -idle; it prints events to stdout and what it does to
// stderr. It returns nil when it stopped for one of those reasons.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	store := cdc.NewFileOffsetStore(cfg.OffsetFile)
	if dir := filepath.Dir(cfg.OffsetFile); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bar *progressbar.ProgressBar
	if cfg.Progress {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("snapshot"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(&barClearingWriter{w: stderr, bar: bar}, &slog.HandlerOptions{Level: level}))
	logger.Info("flinkcdc-ds: capturing", "database", cfg.Database, "table", cfg.Table, "offset_file", cfg.OffsetFile)
	mon := &monitor{idle: cfg.Idle, cancel: cancel, bar: bar}
	mon.touch()
	src, err := mysql.NewSource().
		Hostname(cfg.Host).Port(cfg.Port).
		DatabaseList(regexp.QuoteMeta(cfg.Database)).
		TableList(regexp.QuoteMeta(cfg.Database) + `\.(?:` + cfg.Table + `)`).
		Username(cfg.User).Password(cfg.Password).
		ServerID(cfg.ServerID).
		StartupOptions(mysql.Initial()).
		Deserializer(debezium.JSON()).
		OffsetStore(store).
		Logger(logger).
		Progress(mon.progress). // the bar
		Hooks(mon).             // the idle timer starts with the binlog phase
		Build()
	if err != nil {
		return err
	}
	defer src.Close()

	out := &printer{w: bufio.NewWriterSize(stdout, 64<<10), max: cfg.MaxEvents, stop: cancel, mon: mon}
	if cfg.Idle > 0 {
		go mon.watch(ctx)
	}
	err = src.Run(ctx, out)
	if bar != nil {
		_ = bar.Finish()
	}
	if ferr := out.Flush(context.Background()); err == nil {
		err = ferr
	}
	p := src.Progress()
	logger.Info("flinkcdc-ds: stopped", "events", out.printed.Load(), "snapshot_rows", p.SnapshotRows,
		"binlog_changes", p.BinlogEvents, "offset", p.Offset.String(), "offset_file", cfg.OffsetFile)
	return err
}

// printer is the source's handler: each event's Debezium JSON on its own
// line. It is a [cdc.Sink]: the source stores an offset only after its Flush
// wrote out the lines before it.
type printer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	max     int64
	printed atomic.Int64
	stop    context.CancelFunc
	mon     *monitor
}

// HandleEvents writes the events' JSON lines.
func (p *printer) HandleEvents(ctx context.Context, events []cdc.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range events {
		p.w.Write(events[i].Encoded)
		if err := p.w.WriteByte('\n'); err != nil {
			return err
		}
	}
	// Lines reach a pipe as they come, not when a buffer fills.
	if err := p.w.Flush(); err != nil {
		return err
	}
	p.mon.touch()
	// Stopping after the whole batch keeps the offset consistent with what
	// was printed: the next run starts after the last line, never inside it.
	if n := p.printed.Add(int64(len(events))); p.max > 0 && n >= p.max {
		p.stop()
	}
	return nil
}

// Flush writes out buffered lines.
func (p *printer) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Flush()
}

// monitor follows the source: its Progress callback drives the snapshot
// bar, and, as a [mysql.HookPhaseChange], it starts the idle timer, which
// only runs while the source streams the binlog.
type monitor struct {
	idle      time.Duration
	cancel    context.CancelFunc
	bar       *progressbar.ProgressBar // nil: no bar
	last      atomic.Int64             // unix nanoseconds of the last event or phase change
	streaming atomic.Bool
}

func (m *monitor) touch() { m.last.Store(time.Now().UnixNano()) }

// progress moves the bar while the snapshot runs.
func (m *monitor) progress(p mysql.Progress) {
	if m.bar != nil && p.Phase == mysql.PhaseSnapshot {
		if m.bar.GetMax64() != p.RowsEstimate && p.RowsEstimate > 0 {
			m.bar.ChangeMax64(p.RowsEstimate)
		}
		_ = m.bar.Set64(p.SnapshotRows)
	}
}

// OnPhaseChange ends the bar and starts the idle timer when the binlog
// phase begins.
func (m *monitor) OnPhaseChange(c mysql.PhaseChange) {
	if c.To == mysql.PhaseBinlog && !m.streaming.Swap(true) {
		if m.bar != nil {
			_ = m.bar.Finish()
		}
		m.touch()
	}
}

// barClearingWriter writes log lines to w, clearing the progress bar's
// line first so that a line never lands in the middle of the bar; the bar
// draws itself again at its next update.
type barClearingWriter struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar // nil: no bar
}

func (b *barClearingWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil && !b.bar.IsFinished() {
		_ = b.bar.Clear()
	}
	return b.w.Write(p)
}

// watch cancels the run once the binlog has been idle for m.idle.
func (m *monitor) watch(ctx context.Context) {
	tick := time.NewTicker(max(min(m.idle/4, 100*time.Millisecond), time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if m.streaming.Load() && time.Since(time.Unix(0, m.last.Load())) >= m.idle {
				m.cancel()
				return
			}
		}
	}
}
