package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/clickhouse"
	"github.com/rtdw/rtdw/internal/testenv"
)

// The pipeline's schema-change behaviour before the real ClickHouse sink,
// from a real MySQL ALTER TABLE: IGNORE leaves the ClickHouse table as it
// was while rows keep arriving, EVOLVE (agreeing with the sink's own)
// adds the column, EXCEPTION stops Run naming the change; a policy that
// disagrees with the sink's is refused by Build.
func TestSchemaChangesIntoClickHouse(t *testing.T) {
	t.Parallel()
	src := testenv.NewSource(t, testenv.MySQL)
	ch := testenv.NewClickHouse(t)
	client, err := clickhouse.Open("clickhouse://" + ch.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	lenient, err := clickhouse.NewSink(client, clickhouse.SinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pipeline.New("p").From(&sliceSource{}).To(lenient, pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve})).Build()
	if err == nil || !strings.Contains(err.Error(), "pipeline EVOLVE, sink LENIENT") {
		t.Errorf("a policy disagreeing with the ClickHouse sink's: Build = %v", err)
	}

	for _, b := range []cdc.SchemaChangeBehavior{cdc.BehaviorIgnore, cdc.BehaviorEvolve, cdc.BehaviorException} {
		table := "t_" + strings.ToLower(string(b))
		src.Exec(t, fmt.Sprintf("CREATE TABLE %s (id INT PRIMARY KEY, v INT)", table), fmt.Sprintf("INSERT INTO %s VALUES (1,1)", table))
		sink, err := clickhouse.NewSink(client, clickhouse.SinkConfig{FlushInterval: 100 * time.Millisecond,
			SchemaChanges: cdc.SchemaChangePolicy{Behavior: b}})
		if err != nil {
			t.Fatal(err)
		}
		base := 70000 + rand.IntN(100000)
		s, err := mysql.NewSource().Hostname(src.Host).Port(src.Port).Username(src.User).Password(src.Password).
			DatabaseList(src.Database).TableList(src.Database + `\.` + table).ServerID(fmt.Sprintf("%d-%d", base, base+3)).IncludeSchemaChanges(true).Build()
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New("ddl").From(s).To(sink, pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: b})).
			Route(src.Database+`\.`+table, ch.Database+"."+table).Build()
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		done := make(chan error, 1)
		go func() { done <- p.Run(runCtx) }()
		waitFor(t, fmt.Sprintf("%s: the snapshot row in ClickHouse", b), func() bool { return sink.Stats().RowsWritten >= 1 }, done)
		src.Exec(t, fmt.Sprintf("ALTER TABLE %s ADD COLUMN note VARCHAR(8)", table), fmt.Sprintf("INSERT INTO %s VALUES (2,2,'x')", table))
		switch b {
		case cdc.BehaviorException:
			var sce *cdc.SchemaChangeError
			if err := <-done; !errors.As(err, &sce) || sce.Change.Kind != cdc.ChangeAddColumn || !strings.Contains(err.Error(), "note") {
				t.Errorf("EXCEPTION: Run = %v, want a SchemaChangeError naming the added column", err)
			}
		default:
			waitFor(t, fmt.Sprintf("%s: the row after the ALTER in ClickHouse", b), func() bool { return sink.Stats().RowsWritten >= 2 }, done)
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		cancel()
		s.Close()
		_ = sink.Close(ctx)
		rows, err := ch.Conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", ch.Database, table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if has := slices.Contains(cols, "note"); has != (b == cdc.BehaviorEvolve) {
			t.Errorf("%s: ClickHouse's columns are %v", b, cols)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool, done <-chan error) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("waiting for %s, Run returned %v", what, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}
