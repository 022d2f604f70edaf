package clickhouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/rtdw/rtdw/cdc"
)

// TestSecretsNeverPrinted needs no server: the password of a DSN appears
// in no error (a DSN that does not parse, inserts to a server that is not
// there), no log line of the sink, and no printed client or configuration.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "pw-SECRET-1"
	_, err := Open("clickhouse://default:" + secret + "@127.0.0.1:1/db?dial_timeout=bogus")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("Open of a bad DSN = %v", err)
	}
	c, err := Open("clickhouse://default:" + secret + "@127.0.0.1:1/db?dial_timeout=50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetFeatures(FeaturesFor(ServerVersion{24, 8, 1}))
	var logs bytes.Buffer
	cfg := SinkConfig{FlushInterval: -1, ManualTables: true, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Retry: RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}}
	sink, err := NewSink(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	schema := kvSchema("shop")
	seedTable(t, sink, schema)
	ctx := context.Background()
	if err := sink.HandleEvents(ctx, insertEvents(schema, []cdc.Row{{int64(1), uint64(1), int64(2), "a"}})); err != nil {
		t.Fatal(err)
	}
	flushErr := sink.Flush(ctx)
	if flushErr == nil {
		t.Fatal("Flush wrote to a server that is not there")
	}
	_ = sink.Close(ctx)
	out := fmt.Sprintf("%v\n%+v\n%v\n%+v\n%#v\n%s", flushErr, flushErr, c, sink.Config(), sink.Config(), logs.String())
	if strings.Contains(out, secret) {
		t.Fatalf("the password is printed:\n%s", out)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no retry logged:\n%s", logs.String())
	}
	var ce *ConfigError
	_, err = New(&clickhouse.Options{Protocol: clickhouse.HTTP, Auth: clickhouse.Auth{Password: secret}})
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) || strings.Contains(err.Error(), secret) {
		t.Fatalf("New with HTTP = %v", err)
	}
}
