// Command pipeline-run runs a Flink CDC 3.x pipeline definition file
// embedded, without a JVM: the source, sink, route, transform and pipeline
// blocks are loaded by package cdc/pipeline/definition, with this
// program's registry of connectors (type: mysql for the cdc/mysql source;
// type: clickhouse, type: phoenix and type: values for sinks), and run by package
// cdc/pipeline until Ctrl-C, which stops it cleanly: the sources deliver
// what they read, the sinks flush, the checkpoints are stored in -state, and
// a rerun resumes from them.
//
//	go run ./examples/pipeline-run -f examples/pipeline-run/gmall.yaml
//	go run ./examples/pipeline-run -f my-flink-cdc-job.yaml -state /var/lib/rtdw -check
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
)

func main() {
	file := flag.String("f", "", "the Flink CDC pipeline definition (YAML) to run")
	state := flag.String("state", ".rtdw-state", "directory for the sources' checkpoints (created if missing)")
	every := flag.Duration("progress", 5*time.Second, "how often to log the progress (0: never)")
	check := flag.Bool("check", false, "only load and validate the definition, then exit")
	verbose := flag.Bool("v", false, "log Debug records too")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "usage: pipeline-run -f pipeline.yaml [-state dir] [-check] [-v]")
		os.Exit(2)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, logger, os.Stdout, *file, *state, *every, *check); err != nil {
		log.Fatalf("pipeline-run: %v", err)
	}
}

// run loads the definition and runs it until ctx ends.
func run(ctx context.Context, logger *slog.Logger, stdout io.Writer, file, state string, every time.Duration, check bool) (err error) {
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	var opened closers
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err = errors.Join(err, opened.closeAll(ctx))
	}()
	cfg, err := definition.LoadFile(file, definition.Options{Registry: newRegistry(&opened), CheckpointDir: state, Logger: logger, Stdout: stdout})
	if err != nil {
		return err
	}
	p, err := pipeline.NewFromConfig(cfg)
	if err != nil {
		return err
	}
	if check {
		fmt.Fprintf(stdout, "%s: pipeline %q is valid: %d source(s), %d route(s), %d transform(s), %d sink(s)\n",
			file, cfg.Name, len(cfg.Sources), len(cfg.Routes), len(cfg.Transforms), len(cfg.Sinks))
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-done:
			logProgress(logger, p.Progress())
			return err
		case <-tick:
			logProgress(logger, p.Progress())
		}
	}
}

func logProgress(logger *slog.Logger, pr pipeline.Progress) {
	for _, t := range pr.Tables {
		logger.Info("progress", "table", t.Table.String(), "snapshot", t.SnapshotRows, "inserts", t.Inserts,
			"updates", t.Updates, "deletes", t.Deletes, "filtered", t.Filtered, "skipped", t.Skipped)
	}
	logger.Info("progress", "events_in", pr.EventsIn, "events_out", pr.EventsOut, "lag", pr.Lag.Round(time.Millisecond),
		"flush_lag", pr.FlushLag.Round(time.Millisecond))
}
