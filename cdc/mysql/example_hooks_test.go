package mysql_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
)

// status is a hook: it implements the Hook interfaces of the events it
// wants, here phase changes, the end of the snapshot and reconnects.
type status struct{}

func (status) OnPhaseChange(e mysql.PhaseChange) {
	fmt.Printf("hook: %s -> %s (err: %v)\n", e.From, e.To, e.Err)
}

func (status) OnSnapshotDone(e mysql.SnapshotDone) {
	fmt.Printf("hook: snapshot of %d rows in %d chunks took %s\n", e.Rows, e.Chunks, e.Duration)
}

func (status) OnReconnect(e mysql.Reconnect) {
	fmt.Printf("hook: binlog connection back after %s (%v)\n", e.Downtime, e.Cause)
}

// A source that logs through log/slog and tells a hook what happens. The
// logger takes go-mysql's logs too (component=go-mysql); the hook is called
// on Run's goroutine at each event, so nothing polls Progress. Here Run's
// context has ended already, so Run stops at once: starting, then stopped.
func ExampleSourceBuilder_Hooks() {
	// Logs without their time, so that the output below stays the same;
	// a program would use slog.NewTextHandler(os.Stderr, nil).
	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))

	src, err := mysql.NewSource().
		Hostname("127.0.0.1").Port(3306).Username("cdc").Password(os.Getenv("MYSQL_PASSWORD")).
		DatabaseList("gmall_config").
		Logger(logger).
		Hooks(status{}).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = src.Run(ctx, cdc.Unbuffered(cdc.HandlerFunc(func(context.Context, []cdc.Event) error { return nil })))
	fmt.Println("Run:", err)
	// Output:
	// level=INFO msg="mysql source: starting" name=mysql_binlog_source server=127.0.0.1:3306 startup=initial
	// level=INFO msg="mysql source: stopped" from=starting snapshot_rows=0 binlog_events=0 offset=""
	// hook: starting -> stopped (err: <nil>)
	// Run: <nil>
}
