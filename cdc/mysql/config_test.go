package mysql

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

func TestBuilderDefaultsAreFlinkCDCs(t *testing.T) {
	src, err := NewSource().Hostname("h").Username("u").DatabaseList("db").Build()
	if err != nil {
		t.Fatal(err)
	}
	c := src.Config()
	checks := map[string][2]any{
		"Port":              {c.Port, 3306},
		"SplitSize":         {c.SplitSize, 8096},
		"FetchSize":         {c.FetchSize, 1024},
		"ConnectTimeout":    {c.ConnectTimeout, 30 * time.Second},
		"ConnectMaxRetries": {c.ConnectMaxRetries, 3},
		"PoolSize":          {c.ConnectionPoolSize, 20},
		"Heartbeat":         {c.HeartbeatInterval, 30 * time.Second},
		"Startup":           {c.StartupOptions.String(), "initial"},
		"Name":              {c.Name, "mysql_binlog_source"},
		"CommitInterval":    {c.OffsetCommitInterval, time.Second},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	ids, err := ParseServerIDRange(c.ServerID)
	if err != nil || ids[0] < 5400 || ids[0] > 6400 {
		t.Errorf("default server id %q", c.ServerID)
	}
}

func TestConfigNotMutated(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"db"}
	cfg.Port, cfg.SplitSize = 0, 0
	before := fmt.Sprint(cfg.Port, cfg.SplitSize, cfg.ServerID, cfg.OffsetStore == nil)
	if _, err := NewSourceFromConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprint(cfg.Port, cfg.SplitSize, cfg.ServerID, cfg.OffsetStore == nil); after != before {
		t.Fatalf("config changed: %s -> %s", before, after)
	}
}

func TestBuildListsEveryProblem(t *testing.T) {
	_, err := NewSource().Port(70000).DatabaseList("(").TableList("db.[").
		ServerID("5400-5300").ServerTimeZone("Mars/Base").SplitSize(-1).FetchSize(-2).
		ChunkKeyColumn("nodot", "id").StartupOptions(SpecificOffset("", 0)).
		SnapshotParallelism(-1).Password("hunter2-secret").Build()
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("want ErrInvalidConfig, got %v", err)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	for _, p := range ce.Problems {
		fields[p.Field] = true
		if p.Fix == "" {
			t.Errorf("%s: no fix", p.Field)
		}
	}
	for _, f := range []string{"Hostname", "Port", "Username", "DatabaseList", "TableList", "ServerID", "ServerTimeZone",
		"SplitSize", "FetchSize", "ChunkKeyColumn", "StartupOptions", "SnapshotParallelism"} {
		if !fields[f] {
			t.Errorf("no problem reported for %s: %v", f, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatal("password in error")
	}
}

func TestParallelismNeedsServerIDs(t *testing.T) {
	// The suggested range holds exactly the ids needed, from the first one
	// given (or ending at the largest id).
	for _, c := range []struct {
		ids  string
		par  int
		want string
	}{
		{"5400", 4, `"5400-5403"`},
		{"7000-7001", 3, `"7000-7002"`},
		{"4294967294-4294967295", 5, `"4294967291-4294967295"`},
	} {
		_, err := NewSource().Hostname("h").Username("u").DatabaseList("db").ServerID(c.ids).SnapshotParallelism(c.par).Build()
		want := fmt.Sprintf("SnapshotParallelism %d needs a range of at least %d server ids, for example %s", c.par, c.par, c.want)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ServerID %s, SnapshotParallelism %d: got %v, want it to say %s", c.ids, c.par, err, want)
			continue
		}
		ids, perr := ParseServerIDRange(strings.Trim(c.want, `"`))
		if perr != nil || len(ids) != c.par {
			t.Errorf("suggested range %s holds %d ids (%v), want %d", c.want, len(ids), perr, c.par)
		}
	}
	src, err := NewSource().Hostname("h").Username("u").DatabaseList("db").ServerID("5400-5403").Build()
	if err != nil {
		t.Fatal(err)
	}
	if src.cfg.parallelism != 4 {
		t.Fatalf("parallelism %d", src.cfg.parallelism)
	}
}

// Config reports the values in effect, not the zeros given, and a source
// built from it is configured the same way.
func TestConfigIsEffective(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     Config
		par     int
		retries int
	}{
		{"defaults", DefaultConfig(), 2, 3},
		{"range of 8", withServerID(DefaultConfig(), "5400-5407"), 4, 3},
		{"range of 3", withServerID(DefaultConfig(), "5400-5402"), 3, 3},
		{"one id", withServerID(DefaultConfig(), "5400"), 1, 3},
		{"explicit", func() Config {
			c := withServerID(DefaultConfig(), "5400-5409")
			c.SnapshotParallelism, c.ConnectMaxRetries = 6, 0
			return c
		}(), 6, 0},
	} {
		cfg := c.cfg
		cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"db"}
		cfg.ChunkKeyColumn = map[string]string{"db.t": "id"}
		src, err := NewSourceFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := src.Config()
		if got.SnapshotParallelism != c.par || got.SnapshotParallelism != src.cfg.parallelism {
			t.Errorf("%s: Config().SnapshotParallelism = %d, runs with %d, want %d", c.name, got.SnapshotParallelism, src.cfg.parallelism, c.par)
		}
		if got.ConnectMaxRetries != c.retries {
			t.Errorf("%s: Config().ConnectMaxRetries = %d, want %d", c.name, got.ConnectMaxRetries, c.retries)
		}
		ids, err := ParseServerIDRange(got.ServerID)
		if err != nil || len(ids) < got.SnapshotParallelism {
			t.Errorf("%s: Config().ServerID = %q for parallelism %d", c.name, got.ServerID, got.SnapshotParallelism)
		}
		if got.OffsetStore == nil || got.Port != DefaultPort || got.StartupOptions.mode != startupInitial {
			t.Errorf("%s: defaults missing from Config(): %+v", c.name, got)
		}
		again, err := NewSourceFromConfig(got)
		if err != nil {
			t.Fatalf("%s: Config() does not build: %v", c.name, err)
		}
		if !reflect.DeepEqual(again.Config(), got) || again.cfg.parallelism != src.cfg.parallelism {
			t.Errorf("%s: a source built from Config() differs:\n%#v\n%#v", c.name, again.cfg, src.cfg)
		}
		// Copies: changing what Config returned changes nothing.
		got.DatabaseList[0], got.ChunkKeyColumn["db.t"] = "other", "x"
		if src.Config().DatabaseList[0] != "db" || src.Config().ChunkKeyColumn["db.t"] != "id" {
			t.Errorf("%s: Config() shares its slices or map with the source", c.name)
		}
		cfg.DatabaseList[0] = "changed-by-caller"
		if src.Config().DatabaseList[0] != "db" {
			t.Errorf("%s: the source shares DatabaseList with the caller", c.name)
		}
	}
}

func withServerID(c Config, id string) Config {
	c.ServerID = id
	return c
}

func TestPasswordNeverPrinted(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.Password, cfg.DatabaseList = "h", "u", "pa55-word-xyz", []string{"db"}
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := NewSource().Password("pa55-word-xyz")
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg),
		fmt.Sprintf("%v", &cfg), fmt.Sprint(src), fmt.Sprintf("%+v", src.Config()), fmt.Sprintf("%#v", b.Config()),
	} {
		if strings.Contains(s, "pa55-word-xyz") {
			t.Fatalf("password printed: %s", s)
		}
		if !strings.HasPrefix(s, "mysql.") {
			t.Fatalf("unexpected rendering: %s", s)
		}
	}
}

func TestTableListIsAFullRegexp(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"gmall_.*"}
	cfg.TableList = []string{`gmall_config\.t_user`, "gmall_order.order_.*"}
	r, err := cfg.resolve()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[cdc.TableID]bool{
		{Database: "gmall_config", Table: "t_user"}:     true,
		{Database: "gmall_config", Table: "t_user2"}:    false,
		{Database: "gmall_order", Table: "order_info"}:  true,
		{Database: "gmall_order", Table: "xorder_info"}: false,
		{Database: "other", Table: "t_user"}:            false,
	} {
		if got := r.matchTable(id); got != want {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
}

func TestParseServerIDRange(t *testing.T) {
	ids, err := ParseServerIDRange("5400-5403")
	if err != nil || !reflect.DeepEqual(ids, []uint32{5400, 5401, 5402, 5403}) {
		t.Fatal(ids, err)
	}
	for _, bad := range []string{"", "0", "x", "5-4", "1-99999999", "4294967296"} {
		if _, err := ParseServerIDRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRunBeforeIOChecksNothingAndCloseIsIdempotent(t *testing.T) {
	src, err := NewSource().Hostname("127.0.0.1").Port(1).Username("u").DatabaseList("db").
		ConnectTimeout(200 * time.Millisecond).ConnectMaxRetries(0).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = src.Run(context.Background(), cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })))
	if err == nil || !strings.Contains(err.Error(), "cannot reach 127.0.0.1:1") {
		t.Fatalf("Run against a closed port: %v", err)
	}
	src.Close()
	src.Close()
	if err := src.Run(context.Background(), cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil }))); !errors.Is(err, ErrSourceClosed) {
		t.Fatal(err)
	}
}
