package mysql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// logRecord is one record a logRecorder received, its attributes as text.
type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
	// Values holds the attributes' values as given.
	Values map[string]any
	// File is the source file of the call that logged.
	File string
}

func (r logRecord) String() string {
	return fmt.Sprintf("%s %q %v (%s)", r.Level, r.Msg, r.Attrs, r.File)
}

// logRecorder is a slog.Handler that keeps every record, at every level.
type logRecorder struct {
	mu    *sync.Mutex
	recs  *[]logRecord
	attrs []slog.Attr
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: &sync.Mutex{}, recs: &[]logRecord{}}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}, Values: map[string]any{}}
	add := func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
		rec.Values[a.Key] = a.Value.Resolve().Any()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		rec.File = f.File
	}
	h.mu.Lock()
	*h.recs = append(*h.recs, rec)
	h.mu.Unlock()
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{mu: h.mu, recs: h.recs, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

func (h *logRecorder) records() []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]logRecord(nil), *h.recs...)
}

// find returns the records whose message starts with msg and that have
// every attribute of attrs (key, value, key, value...).
func (h *logRecorder) find(msg string, attrs ...string) []logRecord {
	var out []logRecord
next:
	for _, r := range h.records() {
		if !strings.HasPrefix(r.Msg, msg) {
			continue
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if r.Attrs[attrs[i]] != attrs[i+1] {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

func (h *logRecorder) dump() string {
	var b strings.Builder
	for _, r := range h.records() {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// go-mysql's records reach the source's logger one level lower, marked
// component=go-mysql, with the password redacted wherever it appears.
func TestGoMySQLLoggerLowersLevelsAndRedacts(t *testing.T) {
	rec := newLogRecorder()
	log := newGoMySQLLogger(rec, "pw-s3cret")
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		log.Log(context.Background(), l, "at "+l.String())
	}
	log.With("dsn", "root:pw-s3cret@tcp(h)/").Error("dial root:pw-s3cret@h failed",
		"err", errors.New("access denied for pw-s3cret"), "n", 3, "cfg", struct{ Password string }{"pw-s3cret"})
	want := map[string]slog.Level{"at DEBUG": slog.LevelDebug, "at INFO": slog.LevelDebug, "at WARN": slog.LevelInfo, "at ERROR": slog.LevelWarn}
	recs := rec.records()
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5:%s", len(recs), rec.dump())
	}
	for _, r := range recs[:4] {
		if r.Level != want[r.Msg] || r.Attrs["component"] != "go-mysql" {
			t.Errorf("record %s: want level %s and component=go-mysql", r, want[r.Msg])
		}
	}
	last := recs[4]
	if strings.Contains(last.String(), "pw-s3cret") {
		t.Errorf("the password is in the record: %s", last)
	}
	if last.Attrs["n"] != "3" || !strings.Contains(last.Attrs["err"], "access denied for <redacted>") || last.Level != slog.LevelWarn {
		t.Errorf("record %s", last)
	}
	// A handler that wants only Info and above does not see go-mysql's Info.
	var buf bytes.Buffer
	quiet := newGoMySQLLogger(slog.NewTextHandler(&buf, nil), "")
	quiet.Info("create BinlogSyncer")
	quiet.Warn("retry sync is disabled")
	if got := buf.String(); strings.Contains(got, "create BinlogSyncer") || !strings.Contains(got, `level=INFO msg="retry sync is disabled" component=go-mysql`) {
		t.Errorf("an Info handler got:\n%s", got)
	}
}

// go-sql-driver's messages reach the source's logger at Warn, marked
// component=go-sql-driver, without the password.
func TestDriverLoggerRedacts(t *testing.T) {
	rec := newLogRecorder()
	cfg := DefaultConfig()
	cfg.Password, cfg.Logger = "drv-s3cret", slog.New(rec)
	o := newObserver(cfg)
	o.driver.Print("packets.go:58 ", "unexpected EOF for drv-s3cret\n")
	recs := rec.records()
	if len(recs) != 1 || recs[0].Level != slog.LevelWarn || recs[0].Msg != "packets.go:58 unexpected EOF for <redacted>" ||
		recs[0].Attrs["component"] != "go-sql-driver" {
		t.Fatalf("records:%s", rec.dump())
	}
}

// Every go-mysql syncer and every SQL connection the source makes logs into
// the source's logger: syncerConfig and sqlConfig are where the source
// configures them all.
func TestDriversGetTheSourceLogger(t *testing.T) {
	rec := newLogRecorder()
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.DatabaseList, cfg.ServerID = "h", "u", []string{"db"}, "5400"
	cfg.Logger = slog.New(rec)
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{src: src, cfg: src.cfg}
	for _, purpose := range []string{"binlog", "snapshot-backfill", "binlog-search"} {
		r.syncerConfig(5400, purpose).Logger.Error("lost connection")
		if got := rec.find("lost connection", "component", "go-mysql", "syncer", purpose, "server_id", "5400"); len(got) != 1 || got[0].Level != slog.LevelWarn {
			t.Errorf("syncer %s logged:%s", purpose, rec.dump())
		}
	}
	if d, ok := r.sqlConfig().Logger.(driverLogger); !ok || d.log.Handler() == nil {
		t.Errorf("sqlConfig().Logger = %#v, want the source's driverLogger", r.sqlConfig().Logger)
	}
	// Without a Logger everything is discarded, nothing reaches slog's default.
	cfg.Logger = nil
	o := newObserver(cfg)
	if o.log.Enabled(context.Background(), slog.LevelError) || o.goMySQL.Enabled(context.Background(), slog.LevelError) {
		t.Error("a source without a Logger has an enabled logger")
	}
}

// addMariaDBGTID moves the set as go-mysql's AddSet does, but writes
// nothing to slog's default logger, which AddSet does for a GTID that is not
// after the set's (AddSet's warning reached stderr during the tests).
func TestAddMariaDBGTIDIsSilent(t *testing.T) {
	rec := newLogRecorder()
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	defer slog.SetDefault(old)

	ours := &gomysql.MariadbGTIDSet{Sets: map[uint32]*gomysql.MariadbGTID{}}
	theirs := &gomysql.MariadbGTIDSet{Sets: map[uint32]*gomysql.MariadbGTID{}}
	var outOfOrder []bool
	for _, g := range []string{"0-1-10", "0-1-11", "1-2-5", "0-1-11", "0-3-9", "1-2-7"} {
		gtid, err := gomysql.ParseMariadbGTID(g)
		if err != nil {
			t.Fatal(err)
		}
		outOfOrder = append(outOfOrder, addMariaDBGTID(ours, gtid))
		if err := theirs.AddSet(gtid.Clone()); err != nil {
			t.Fatal(err)
		}
	}
	if ours.String() != theirs.String() {
		t.Errorf("addMariaDBGTID made %s, AddSet %s", ours, theirs)
	}
	if fmt.Sprint(outOfOrder) != "[false false false true true false]" {
		t.Errorf("out of order: %v", outOfOrder)
	}
	// AddSet warned twice (the sanity check of this test); addMariaDBGTID never.
	if got := rec.find("out of order binlog"); len(got) != 2 {
		t.Errorf("slog's default logger got %d warnings, want AddSet's 2:%s", len(got), rec.dump())
	}
}

// A hook that implements no Hook interface, or a nil one, is a
// configuration error naming it.
func TestHooksAreValidated(t *testing.T) {
	_, err := NewSource().Hostname("h").Username("u").DatabaseList("db").
		Hooks(nil, struct{}{}, &hookRecorder{}).Build()
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("Build: %v", err)
	}
	if p := ce.Problems[0]; p.Field != "Hooks[0]" || p.Value != "nil" {
		t.Errorf("problem %+v", p)
	}
	if p := ce.Problems[1]; p.Field != "Hooks[1]" || p.Value != "struct {}" || !strings.Contains(p.Fix, "HookPhaseChange") {
		t.Errorf("problem %+v", p)
	}
}
