package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/internal/testenv"
)

// envelope is the part of a Debezium change event the test checks.
type envelope struct {
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	Op     string         `json:"op"`
	Source struct {
		Snapshot string `json:"snapshot"`
		DB       string `json:"db"`
		Table    string `json:"table"`
		File     string `json:"file"`
		Pos      int64  `json:"pos"`
	} `json:"source"`
}

// runOnce runs the program once with cfg and returns the events it printed.
func runOnce(t *testing.T, cfg config) []envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, cfg, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	if ctx.Err() != nil {
		t.Fatalf("run stopped only at the test's deadline; stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), cfg.Password) {
		t.Fatalf("stderr shows the password:\n%s", stderr.String())
	}
	var out []envelope
	for line := range strings.Lines(stdout.String()) {
		var e envelope
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("a line is not JSON: %v: %q", err, line)
		}
		if e.Source.DB != cfg.Database || e.Source.Table != "t_user" {
			t.Errorf("event of %s.%s, want %s.t_user", e.Source.DB, e.Source.Table, cfg.Database)
		}
		out = append(out, e)
	}
	return out
}

// id returns the row's id; JSON numbers decode as float64.
func id(row map[string]any) int {
	if row == nil {
		return -1
	}
	f, _ := row["id"].(float64)
	return int(f)
}

func summary(evs []envelope) string {
	var s []string
	for _, e := range evs {
		s = append(s, fmt.Sprintf("%s before=%v after=%v", e.Op, e.Before, e.After))
	}
	return strings.Join(s, "\n  ")
}

// TestSnapshotStopChangeResume is the FlinkCDC_01_DS flow: the first run
// prints the table's three rows; changes made while the program is stopped
// are exactly what the second run prints; a third run prints nothing.
func TestSnapshotStopChangeResume(t *testing.T) {
	testenv.ForEachSource(t, func(t *testing.T, db *testenv.Source) {
		db.Exec(t, "CREATE TABLE t_user (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, age INT)",
			"INSERT INTO t_user VALUES (1, 'zhang3', 18), (2, 'li4', 20), (3, 'wang5', 22)",
			// A table of the same database that is not captured.
			"CREATE TABLE t_other (id INT PRIMARY KEY)", "INSERT INTO t_other VALUES (1)")
		cfg := config{
			Host: db.Host, Port: db.Port, User: db.User, Password: db.Password,
			Database: db.Database, Table: "t_user",
			OffsetFile: filepath.Join(t.TempDir(), "state", "offset.json"),
			ServerID:   fmt.Sprint(20000 + rand.IntN(100000)),
			Idle:       time.Second,
		}

		first := runOnce(t, cfg)
		if len(first) != 3 {
			t.Fatalf("first run printed %d events, want the 3 snapshot rows:\n  %s", len(first), summary(first))
		}
		for i, e := range first {
			if e.Op != "r" || id(e.After) != i+1 || e.Before != nil {
				t.Fatalf("snapshot event %d:\n  %s", i, summary(first))
			}
		}
		if first[0].Source.Snapshot != "true" && first[0].Source.Snapshot != "first" || first[2].Source.Snapshot != "last" {
			t.Errorf("snapshot markers %q … %q", first[0].Source.Snapshot, first[2].Source.Snapshot)
		}

		// While stopped.
		db.Exec(t, "INSERT INTO t_user VALUES (4, 'zhao6', 30)",
			"UPDATE t_user SET name = 'zhang3-renamed', age = 19 WHERE id = 1",
			"DELETE FROM t_user WHERE id = 2",
			"INSERT INTO t_other VALUES (2)")

		second := runOnce(t, cfg)
		if len(second) != 3 {
			t.Fatalf("second run printed %d events, want the 3 changes made while stopped:\n  %s", len(second), summary(second))
		}
		c, u, d := second[0], second[1], second[2]
		if c.Op != "c" || c.Before != nil || id(c.After) != 4 || c.After["name"] != "zhao6" || c.After["age"] != 30.0 {
			t.Errorf("insert: %s", summary(second[:1]))
		}
		if u.Op != "u" || id(u.Before) != 1 || u.Before["name"] != "zhang3" || u.Before["age"] != 18.0 ||
			id(u.After) != 1 || u.After["name"] != "zhang3-renamed" || u.After["age"] != 19.0 {
			t.Errorf("update: %s", summary(second[1:2]))
		}
		if d.Op != "d" || d.After != nil || id(d.Before) != 2 || d.Before["name"] != "li4" {
			t.Errorf("delete: %s", summary(second[2:]))
		}
		for _, e := range second {
			if e.Source.Snapshot != "false" || e.Source.File == "" || e.Source.Pos == 0 {
				t.Errorf("binlog event's source: %+v", e.Source)
			}
		}

		if third := runOnce(t, cfg); len(third) != 0 {
			t.Fatalf("third run, with no changes since the second, printed:\n  %s", summary(third))
		}

		// -max-events stops early; the next run prints the rest, nothing twice.
		db.Exec(t, "INSERT INTO t_user VALUES (5, 'a', 1)", "INSERT INTO t_user VALUES (6, 'b', 2)", "INSERT INTO t_user VALUES (7, 'c', 3)")
		limited := cfg
		limited.MaxEvents, limited.Idle = 1, 0
		part := runOnce(t, limited)
		if len(part) < 1 {
			t.Fatal("-max-events 1 printed nothing")
		}
		rest := runOnce(t, cfg)
		all := append(part, rest...)
		var got []string
		for _, e := range all {
			got = append(got, fmt.Sprintf("%s%d", e.Op, id(e.After)))
		}
		if strings.Join(got, " ") != "c5 c6 c7" {
			t.Fatalf("-max-events 1 then a full run printed %v, want [c5 c6 c7]", got)
		}
	})
}

func TestFlagsPasswordFromEnvironment(t *testing.T) {
	const dsn = "repl:dsn-secret-1@tcp(10.0.0.7:13306)/"
	cases := []struct {
		env              map[string]string
		wantHost, wantPw string
		wantPort         int
		wantUser         string
	}{
		{map[string]string{}, "127.0.0.1", "", 3306, "root"},
		{map[string]string{envTestDSN: dsn}, "10.0.0.7", "dsn-secret-1", 13306, "repl"},
		{map[string]string{envTestDSN: dsn, envPassword: "env-secret-2"}, "10.0.0.7", "env-secret-2", 13306, "repl"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		cfg, err := parseFlags(nil, func(k string) string { return c.env[k] }, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Host != c.wantHost || cfg.Port != c.wantPort || cfg.User != c.wantUser || cfg.Password != c.wantPw {
			t.Errorf("env %v: got %s with password %q", c.env, cfg, cfg.Password)
		}
		if cfg.Database != "gmall_config" || cfg.Table != "t_user" {
			t.Errorf("defaults: %s", cfg)
		}
		if c.wantPw != "" && strings.Contains(fmt.Sprintf("%v %+v %s", cfg, cfg, cfg), c.wantPw) {
			t.Errorf("config prints its password: %v", cfg)
		}
	}
	// Flags win over the DSN's defaults.
	cfg, err := parseFlags([]string{"-host", "db1", "-port", "3307", "-user", "u", "-database", "d", "-table", "t_.*", "-idle", "3s"},
		func(k string) string { return map[string]string{envTestDSN: dsn}[k] }, &bytes.Buffer{})
	if err != nil || cfg.Host != "db1" || cfg.Port != 3307 || cfg.User != "u" || cfg.Database != "d" || cfg.Table != "t_.*" || cfg.Idle != 3*time.Second {
		t.Fatalf("flags: %s, %v", cfg, err)
	}
}

func TestHelpNamesThePasswordVariables(t *testing.T) {
	var stderr bytes.Buffer
	_, err := parseFlags([]string{"-help"}, func(k string) string {
		return map[string]string{envTestDSN: "root:help-secret@tcp(127.0.0.1:1)/"}[k]
	}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-help: %v", err)
	}
	help := stderr.String()
	for _, want := range []string{envPassword, envTestDSN, "-offset-file", "-max-events", "-idle", "Debezium JSON"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "help-secret") {
		t.Errorf("help shows the password:\n%s", help)
	}
	if _, err := parseFlags([]string{"stray"}, func(string) string { return "" }, &bytes.Buffer{}); err == nil {
		t.Error("a stray argument was accepted")
	}
}

// A bad -table is reported by the source's validation before any I/O.
func TestBadTablePattern(t *testing.T) {
	cfg := config{Host: "127.0.0.1", Port: 1, User: "root", Database: "gmall_config", Table: "t_(",
		OffsetFile: filepath.Join(t.TempDir(), "o.json")}
	err := run(context.Background(), cfg, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "TableList") {
		t.Fatalf("run with -table %q: %v", cfg.Table, err)
	}
}
