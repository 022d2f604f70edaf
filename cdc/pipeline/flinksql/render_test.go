package flinksql_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The Flink releases rendered for, each with its default Flink CDC release.
var flinkVersions = []string{"1.13", "1.18", "1.20", "2.2"}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering (go test -update rewrites it):\n%s", path, got)
	}
}

func TestRenderJDBCGolden(t *testing.T) {
	t.Parallel()
	for _, v := range flinkVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			sink := &flinksql.JDBCSink{URL: "jdbc:mysql://ods.internal:3306/ods", Username: "ods", Password: testPassword, BufferFlushMaxRows: 500, BufferFlushInterval: 2 * time.Second}
			cfg := gmallPipeline(t, sink, mysql.Initial())
			cfg.Restart = pipeline.RestartPolicy{MaxAttempts: 5, Backoff: 2 * time.Second}
			script, err := flinksql.Render(cfg, flinksql.Options{
				Target: flinksql.Target{Flink: v}, Parallelism: 4, CheckpointInterval: 30 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "jdbc-flink-"+v+".sql", script.String())
			assertRedacted(t, script)
		})
	}
}

func TestRenderClickHouseGolden(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1.20", "2.2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			sink := &flinksql.ClickHouseSink{URL: "clickhouse://ch.internal:8123", Username: "default", Password: testPassword, BatchSize: 5000, FlushInterval: time.Second}
			cfg := gmallPipeline(t, sink, mysql.Initial())
			cfg.Sinks = append(cfg.Sinks, pipeline.SinkSpec{Name: "console", Sink: pipeline.NewPrintSink(os.Stdout, pipeline.PrintReadable), OnlyRouted: true})
			cfg.Routes = append(cfg.Routes, pipeline.Route{SourceTable: `gmall\.user_info`, SinkTable: "debug.user_info", Sink: "console"})
			cfg.Routes[0].Sink = "warehouse"
			epoch, err := flinksql.EpochAfter(mysql.Offset{File: "mysql-bin.000012", Pos: 4711})
			if err != nil {
				t.Fatal(err)
			}
			script, err := flinksql.Render(cfg, flinksql.Options{
				Target: flinksql.Target{Flink: v}, CheckpointInterval: 10 * time.Second, Epoch: epoch,
				StartOffset: mysql.Offset{File: "mysql-bin.000012", Pos: 4711, GTIDSet: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-23"},
			})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "clickhouse-flink-"+v+".sql", script.String())
			assertRedacted(t, script)
		})
	}
}

func assertRedacted(t *testing.T, script *flinksql.Script) {
	t.Helper()
	if strings.Contains(script.String(), "s3cr3t") {
		t.Errorf("String() shows the password")
	}
	if !strings.Contains(strings.Join(script.Statements(), "\n"), "'s3cr3t-Pw''d'") {
		t.Errorf("Statements() lack the password, quoted")
	}
}

// Options the connectors of a Flink CDC release lack are errors naming the
// option and the release that has it.
func TestRenderRefusesWhatTheConnectorLacks(t *testing.T) {
	t.Parallel()
	jdbc := &flinksql.JDBCSink{URL: "jdbc:mysql://ods:3306/ods"}
	ch := &flinksql.ClickHouseSink{URL: "clickhouse://ch:8123"}
	for _, tc := range []struct {
		name  string
		cfg   pipeline.Config
		opts  flinksql.Options
		wants []string
	}{
		{"specific offset on CDC 2.2", gmallPipeline(t, jdbc, mysql.SpecificOffset("mysql-bin.000003", 154)),
			flinksql.Options{Target: flinksql.Target{Flink: "1.13", CDC: "2.2.1"}},
			[]string{"scan.startup.mode=specific-offset is not in Flink CDC 2.2.1: it needs Flink CDC 2.3.0"}},
		{"ClickHouse before CDC 3.4", gmallPipeline(t, ch, mysql.Initial()),
			flinksql.Options{Target: flinksql.Target{Flink: "1.18"}, Epoch: 1 << 45},
			[]string{"scan.read-changelog-as-append-only.enabled is not in Flink CDC 3.2.1: it needs Flink CDC 3.4.0"}},
		{"ClickHouse without epoch", gmallPipeline(t, ch, mysql.Initial()),
			flinksql.Options{Target: flinksql.Target{Flink: "1.20"}},
			[]string{"Options.Epoch", "EpochAfter"}},
		{"row_kind on CDC 3.0", func() pipeline.Config {
			c := gmallPipeline(t, jdbc, mysql.Initial())
			c.Transforms[1].Projection = "*, __data_event_type__ AS kind"
			return c
		}(), flinksql.Options{Target: flinksql.Target{Flink: "1.18", CDC: "3.0.1"}},
			[]string{"metadata row_kind is not in Flink CDC 3.0.1: it needs Flink CDC 3.1.0"}},
		{"CDC not built for the Flink release", gmallPipeline(t, jdbc, mysql.Initial()),
			flinksql.Options{Target: flinksql.Target{Flink: "2.2", CDC: "3.2.1"}},
			[]string{"Flink CDC 3.2 is built for Flink 1.17, 1.18, 1.19, 1.20, not 2.2"}},
		{"Go func", func() pipeline.Config {
			c := gmallPipeline(t, jdbc, mysql.Initial())
			c.Transforms[0].Funcs = append(c.Transforms[0].Funcs, func(*cdc.Event) (bool, error) { return true, nil })
			return c
		}(), flinksql.Options{Target: flinksql.Target{Flink: "1.20"}},
			[]string{`Transforms[0].Funcs = "gmall\\.orders_\\d+": a Go function cannot run on Flink`}},
		{"embedded sink", gmallPipeline(t, nopSink{}, mysql.Initial()),
			flinksql.Options{Target: flinksql.Target{Flink: "1.20"}},
			[]string{"Sinks[0] (warehouse)", "flinksql_test.nopSink", "*flinksql.ClickHouseSink"}},
		{"skip on error", func() pipeline.Config {
			c := gmallPipeline(t, jdbc, mysql.Initial())
			c.OnTransformError = pipeline.SkipOnError
			return c
		}(), flinksql.Options{Target: flinksql.Target{Flink: "1.20"}},
			[]string{`Config.OnTransformError = "skip": a Flink SQL job cannot skip`}},
		{"unknown Flink", gmallPipeline(t, jdbc, mysql.Initial()),
			flinksql.Options{Target: flinksql.Target{Flink: "1.9"}},
			[]string{"Options.Target", "1.13, 1.18, 1.20 and 2.2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flinksql.Render(tc.cfg, tc.opts)
			if !errors.Is(err, flinksql.ErrInvalidPipeline) {
				t.Fatalf("err = %v, want ErrInvalidPipeline", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// A filter naming a column the projection computes filters the projected
// rows (Flink SQL's WHERE sees only the FROM's columns), keeping the source
// columns and metadata it reads; for ClickHouse, row_kind and op_ts too.
func TestRenderFilterOnComputedColumnGolden(t *testing.T) {
	t.Parallel()
	sink := &flinksql.ClickHouseSink{URL: "clickhouse://ch.internal:8123"}
	cfg := gmallPipeline(t, sink, mysql.Latest())
	cfg.Transforms[0].Projection = "id, amount * 100 AS cents, UPPER(sku) AS sku"
	cfg.Transforms[0].Filter = "cents > 1000 AND status <> 'cancelled' AND __schema_name__ = 'gmall'"
	script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}, Epoch: 1 << 45})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "computed-filter-flink-1.20.sql", script.String())
}

// Each parallel mysql-cdc reader needs a server id of its own.
func TestRenderServerIDsPerParallelReader(t *testing.T) {
	t.Parallel()
	cfg := gmallPipeline(t, &flinksql.JDBCSink{URL: "jdbc:mysql://ods:3306/ods"}, mysql.Initial()) // 12 ids, 3 tables
	if _, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}, Parallelism: 4}); err != nil {
		t.Fatalf("4 ids per table for parallelism 4: %v", err)
	}
	_, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}, Parallelism: 5})
	if err == nil || !strings.Contains(err.Error(), `Sources[0].ServerID = "5400-5411": each of the 3 captured tables gets 4 server ids, fewer than Options.Parallelism 5`) {
		t.Errorf("err = %v", err)
	}
}

// What mysql-cdc itself would refuse when the job starts is refused here.
func TestRenderRefusesWhatMySQLCDCRefuses(t *testing.T) {
	t.Parallel()
	jdbc := &flinksql.JDBCSink{URL: "jdbc:mysql://ods:3306/ods"}
	cfg := gmallPipeline(t, jdbc, mysql.Initial())
	noKey := *cfg.Schemas[2]
	noKey.PrimaryKey = nil
	cfg.Schemas[2] = &noKey
	_, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}})
	if err == nil || !strings.Contains(err.Error(), "table gmall.user_info has no primary key: mysql-cdc's incremental snapshot needs one, or a ChunkKeyColumn") {
		t.Errorf("no key: %v", err)
	}
	src, err := mysql.NewSource().Hostname("h").Username("u").DatabaseList("gmall").TableList(`gmall\.orders_\d+`, `gmall\.user_info`).
		SplitSize(1).ServerID("5400-5402").Build()
	if err != nil {
		t.Fatal(err)
	}
	cfg = gmallPipeline(t, jdbc, mysql.Initial())
	cfg.Sources[0] = src
	_, err = flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: "1.20"}})
	if err == nil || !strings.Contains(err.Error(), "SplitSize 1: mysql-cdc's scan.incremental.snapshot.chunk.size must be larger than 1") {
		t.Errorf("split size 1: %v", err)
	}
}
