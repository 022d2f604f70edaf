package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
)

// minimal is the least a source needs, on top of a starting configuration.
func minimal(b *SourceBuilder) *SourceBuilder {
	return b.Hostname("h").Username("u").DatabaseList("db")
}

// DefaultConfig holds every default, and the builder starts from it: the
// defaults show before Build.
func TestDefaultConfigHoldsEveryDefault(t *testing.T) {
	d := DefaultConfig()
	checks := map[string][2]any{
		"Name":                    {d.Name, DefaultName},
		"Port":                    {d.Port, DefaultPort},
		"ServerTimeZone":          {d.ServerTimeZone, "UTC"},
		"SplitSize":               {d.SplitSize, DefaultSplitSize},
		"FetchSize":               {d.FetchSize, DefaultFetchSize},
		"ConnectTimeout":          {d.ConnectTimeout, DefaultConnectTimeout},
		"ConnectMaxRetries":       {d.ConnectMaxRetries, DefaultConnectMaxRetries},
		"ConnectionPoolSize":      {d.ConnectionPoolSize, DefaultConnectionPoolSize},
		"HeartbeatInterval":       {d.HeartbeatInterval, DefaultHeartbeatInterval},
		"MaxReconnectDuration":    {d.MaxReconnectDuration, DefaultMaxReconnectDuration},
		"ShutdownTimeout":         {d.ShutdownTimeout, DefaultShutdownTimeout},
		"OffsetCommitInterval":    {d.OffsetCommitInterval, DefaultOffsetCommitInterval},
		"DistributionFactorUpper": {d.DistributionFactorUpper, DefaultDistributionFactorUpper},
		"DistributionFactorLower": {d.DistributionFactorLower, DefaultDistributionFactorLower},
		"StartupOptions":          {d.StartupOptions.String(), "initial"},
	}
	b := NewSource().Config()
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("DefaultConfig().%s = %v, want %v", name, v[0], v[1])
		}
	}
	for name, v := range map[string][2]any{
		"ConnectMaxRetries":    {b.ConnectMaxRetries, DefaultConnectMaxRetries},
		"HeartbeatInterval":    {b.HeartbeatInterval, DefaultHeartbeatInterval},
		"ConnectTimeout":       {b.ConnectTimeout, DefaultConnectTimeout},
		"OffsetCommitInterval": {b.OffsetCommitInterval, DefaultOffsetCommitInterval},
		"ShutdownTimeout":      {b.ShutdownTimeout, DefaultShutdownTimeout},
	} {
		if v[0] != v[1] {
			t.Errorf("NewSource().Config().%s = %v before Build, want the default %v", name, v[0], v[1])
		}
	}
}

// Where zero is a setting a user would want (no retry, no heartbeat, no
// timeout of its own, a save at every transaction, no reconnect), zero set
// through the builder or the struct is zero, not the default.
func TestZeroMeansZeroWhereItIsASetting(t *testing.T) {
	src, err := minimal(NewSource()).
		ConnectTimeout(0).ConnectMaxRetries(0).HeartbeatInterval(0).OffsetCommitInterval(0).
		MaxReconnectDuration(0).ShutdownTimeout(0).DistributionFactorLower(0).Build()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"db"}
	cfg.ConnectTimeout, cfg.ConnectMaxRetries, cfg.HeartbeatInterval, cfg.OffsetCommitInterval = 0, 0, 0, 0
	cfg.MaxReconnectDuration, cfg.ShutdownTimeout, cfg.DistributionFactorLower = 0, 0, 0
	fromStruct, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for how, c := range map[string]Config{"builder": src.Config(), "struct": fromStruct.Config()} {
		for name, v := range map[string]any{
			"ConnectTimeout":          c.ConnectTimeout,
			"ConnectMaxRetries":       c.ConnectMaxRetries,
			"HeartbeatInterval":       c.HeartbeatInterval,
			"OffsetCommitInterval":    c.OffsetCommitInterval,
			"MaxReconnectDuration":    c.MaxReconnectDuration,
			"ShutdownTimeout":         c.ShutdownTimeout,
			"DistributionFactorLower": c.DistributionFactorLower,
		} {
			switch x := v.(type) {
			case int:
				if x != 0 {
					t.Errorf("%s: %s(0) runs with %d", how, name, x)
				}
			case time.Duration:
				if x != 0 {
					t.Errorf("%s: %s(0) runs with %s", how, name, x)
				}
			case float64:
				if x != 0 {
					t.Errorf("%s: %s(0) runs with %g", how, name, x)
				}
			}
		}
	}
}

// Where zero is never a setting (a chunk of no rows, no connections), zero
// still means the default.
func TestZeroMeansDefaultWhereItIsNoSetting(t *testing.T) {
	src, err := minimal(NewSource()).Name("").Port(0).SplitSize(0).FetchSize(0).ConnectionPoolSize(0).
		DistributionFactorUpper(0).ServerTimeZone("").Build()
	if err != nil {
		t.Fatal(err)
	}
	c := src.Config()
	if c.Name != DefaultName || c.Port != DefaultPort || c.SplitSize != DefaultSplitSize || c.FetchSize != DefaultFetchSize ||
		c.ConnectionPoolSize != DefaultConnectionPoolSize || c.DistributionFactorUpper != DefaultDistributionFactorUpper ||
		c.ServerTimeZone != "UTC" {
		t.Errorf("zero did not mean the default: %+v", c)
	}
}

// A negative value where none means anything is a configuration error
// naming the field, the value and the fix.
func TestNegativeSettingsAreConfigErrors(t *testing.T) {
	_, err := minimal(NewSource()).
		ConnectTimeout(-time.Second).ConnectMaxRetries(-1).ConnectionPoolSize(-1).HeartbeatInterval(-time.Second).
		OffsetCommitInterval(-time.Millisecond).MaxReconnectDuration(-time.Second).ShutdownTimeout(-time.Second).
		DistributionFactorLower(-0.5).DistributionFactorUpper(-1).SplitSize(-1).FetchSize(-1).SnapshotParallelism(-1).Build()
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("want a *ConfigError, got %v", err)
	}
	want := map[string]string{
		"ConnectTimeout":          "-1s",
		"ConnectMaxRetries":       "-1",
		"ConnectionPoolSize":      "-1",
		"HeartbeatInterval":       "-1s",
		"OffsetCommitInterval":    "-1ms",
		"MaxReconnectDuration":    "-1s",
		"ShutdownTimeout":         "-1s",
		"DistributionFactorLower": "-0.5",
		"DistributionFactorUpper": "-1",
		"SplitSize":               "-1",
		"FetchSize":               "-1",
		"SnapshotParallelism":     "-1",
	}
	got := map[string]ConfigProblem{}
	for _, p := range ce.Problems {
		got[p.Field] = p
	}
	for field, value := range want {
		p, ok := got[field]
		if !ok {
			t.Errorf("no problem reported for %s = %s: %v", field, value, err)
			continue
		}
		if fmt.Sprint(p.Value) != value || p.Fix == "" {
			t.Errorf("%s: value %q, fix %q; want value %q and a fix", field, p.Value, p.Fix, value)
		}
	}
	// The fixes say what zero means where zero is a setting.
	for field, zero := range map[string]string{
		"ConnectMaxRetries":    "0 for a single attempt",
		"HeartbeatInterval":    "0 to disable",
		"MaxReconnectDuration": "0 to",
		"ShutdownTimeout":      "0 for no",
		"ConnectTimeout":       "0 for no",
		"OffsetCommitInterval": "0 to",
	} {
		if !strings.Contains(got[field].Fix, zero) {
			t.Errorf("%s fix %q does not say %q", field, got[field].Fix, zero)
		}
	}
}

// A struct not made by DefaultConfig would silently turn off retries,
// heartbeats and reconnects: it is refused, with the fix.
func TestStructLiteralNeedsDefaultConfig(t *testing.T) {
	_, err := NewSourceFromConfig(Config{Hostname: "h", Username: "u", DatabaseList: []string{"db"}})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0].Fix, "DefaultConfig()") {
		t.Fatalf("a struct literal: want one problem whose fix names DefaultConfig(), got %v", err)
	}
	cfg := DefaultConfig()
	cfg.Hostname, cfg.Username, cfg.DatabaseList = "h", "u", []string{"db"}
	src, err := NewSourceFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// What Config returns builds again.
	if _, err := NewSourceFromConfig(src.Config()); err != nil {
		t.Fatal(err)
	}
}

// ConnectMaxRetries(0) is one attempt and no wait; 1 is two attempts.
func TestConnectMaxRetriesZeroIsOneAttempt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens: every attempt is refused at once
	for _, c := range []struct {
		retries  int
		attempts string
		max      time.Duration
	}{
		{0, "after 1 attempt ", 900 * time.Millisecond},
		{1, "after 2 attempts ", 5 * time.Second},
	} {
		src, err := NewSource().Hostname("127.0.0.1").Port(port).Username("u").DatabaseList("db").
			ConnectTimeout(2 * time.Second).ConnectMaxRetries(c.retries).Build()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		began := time.Now()
		err = src.Run(ctx, cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })))
		took := time.Since(began)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.attempts+"(ConnectMaxRetries "+strconv.Itoa(c.retries)+")") {
			t.Errorf("ConnectMaxRetries(%d): want %q in the error, got %v", c.retries, c.attempts, err)
		}
		if took > c.max {
			t.Errorf("ConnectMaxRetries(%d): Run took %s, want under %s", c.retries, took, c.max)
		}
	}
}
