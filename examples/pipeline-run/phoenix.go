package main

import (
	"context"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
	"github.com/rtdw/rtdw/phoenix"
)

// phoenixKeys are the options of rtdw's Phoenix sink (Flink CDC has no
// Phoenix pipeline sink): the Phoenix Query Server's address and
// credentials (phoenix.Config), where the tables go and how they are
// declared (phoenix.TableOptions), and the batch size.
var phoenixKeys = []string{
	"url", "username", "password", "authentication", "timeout",
	"namespace-mapping", "map-system-tables-to-namespace",
	"schema", "layout", "column-family", "salt-buckets", "compression", "ttl", "versions",
	"sink.buffer-flush.max-rows",
}

// newPhoenixSink maps a type: phoenix block onto phoenix.Config and
// phoenix.SinkConfig; pipeline.schema.change.behavior is the sink's
// SchemaChanges.
func newPhoenixSink(b *definition.Block, c *closers) (cdc.Sink, error) {
	url := b.Required("url", "the Phoenix Query Server's address, such as http://pqs:8765")
	cfg := phoenix.DefaultConfig(url)
	cfg.Username = b.String("username", "")
	cfg.Password = b.String("password", "")
	switch a := strings.ToUpper(b.String("authentication", "")); a {
	case "", "NONE":
	case "BASIC", "DIGEST":
		cfg.Authentication = phoenix.Authentication(a)
	default:
		b.Problem("authentication", a, "want none, basic or digest (PQS's avatica.authentication)")
	}
	cfg.Timeout = b.Duration("timeout", cfg.Timeout)
	cfg.NamespaceMapping = b.Bool("namespace-mapping", false)
	cfg.MapSystemTablesToNamespace = b.Bool("map-system-tables-to-namespace", false)
	cfg.Logger = b.Logger

	sc := phoenix.SinkConfig{
		TableOptions: phoenix.TableOptions{
			Schema:       b.String("schema", ""),
			ColumnFamily: b.String("column-family", ""),
			SaltBuckets:  b.Int("salt-buckets", 0),
			Compression:  b.String("compression", ""),
			TTL:          b.Duration("ttl", 0),
			Versions:     b.Int("versions", 0),
		},
		MaxRows:       b.Int("sink.buffer-flush.max-rows", 0),
		SchemaChanges: cdc.SchemaChangePolicy{Behavior: b.Pipeline.SchemaChangeBehavior},
		Logger:        b.Logger,
	}
	switch l := strings.ToLower(b.String("layout", "typed")); l {
	case "typed":
	case "all-varchar":
		sc.Layout = phoenix.LayoutAllVarchar
	default:
		b.Problem("layout", l, "want typed or all-varchar")
	}
	if url == "" {
		return nil, nil // the problem is recorded
	}
	client, err := phoenix.Open(cfg)
	if err != nil {
		return nil, err
	}
	sink, err := phoenix.NewSink(client, sc)
	if err != nil {
		client.Close()
		return nil, err
	}
	c.add(func(context.Context) error { return client.Close() })
	c.add(sink.Close)
	return sink, nil
}
