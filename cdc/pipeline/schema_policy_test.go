package pipeline_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
)

// policySink is a print sink with a schema-change policy of its own.
type policySink struct {
	*pipeline.PrintSink
	policy cdc.SchemaChangePolicy
}

func (s policySink) SchemaChangePolicy() cdc.SchemaChangePolicy { return s.policy }

func addColumn(s *cdc.TableSchema, col string) cdc.Event {
	after := schema(s.Table.Database, s.Table.Table, append(columnNames(s), col)...)
	return cdc.Event{Op: cdc.OpSchemaChange, Table: s.Table, Schema: after, DDL: "ALTER TABLE t ADD " + col + " BIGINT",
		Changes: []cdc.SchemaChange{{Kind: cdc.ChangeAddColumn, Table: s.Table, Column: col, Before: s, After: after}},
		Source:  cdc.Source{Database: s.Table.Database, Table: s.Table.Table}}
}

func columnNames(s *cdc.TableSchema) []string {
	var out []string
	for _, c := range s.Columns {
		out = append(out, c.Name)
	}
	return out
}

func TestSchemaChangesPerSink(t *testing.T) {
	orders := schema("shop", "orders", "id", "v")
	batch := []cdc.Event{insert(orders, int64(1), int64(1)), addColumn(orders, "note"), insert(orders, int64(2), int64(2))}
	var ignored, passed bytes.Buffer
	p, err := pipeline.New("ddl").From(&sliceSource{batches: [][]cdc.Event{batch}, stopAtEnd: true}).
		To(pipeline.NewPrintSink(&ignored, pipeline.PrintReadable), pipeline.SinkName("ignore"),
			pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: cdc.BehaviorIgnore})).
		To(pipeline.NewPrintSink(&passed, pipeline.PrintReadable), pipeline.SinkName("lenient"),
			pipeline.SchemaChanges(cdc.SchemaChangePolicy{})).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ignored.String(), "DDL") || strings.Count(ignored.String(), "+I") != 2 {
		t.Errorf("the IGNORE sink printed:\n%s", ignored.String())
	}
	if !strings.Contains(passed.String(), "DDL") || strings.Count(passed.String(), "+I") != 2 {
		t.Errorf("the LENIENT sink printed:\n%s", passed.String())
	}

	// EXCEPTION for one kind stops the pipeline naming the change; the
	// rows before it were delivered.
	var out bytes.Buffer
	p, err = pipeline.New("ddl").From(&sliceSource{batches: [][]cdc.Event{batch[:1], batch[1:]}, stopAtEnd: true}).
		To(pipeline.NewPrintSink(&out, pipeline.PrintReadable),
			pipeline.SchemaChanges(cdc.SchemaChangePolicy{PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{cdc.ChangeAddColumn: cdc.BehaviorException}})).
		Restart(pipeline.RestartPolicy{MaxAttempts: 3}).Build()
	if err != nil {
		t.Fatal(err)
	}
	err = run(t, p)
	var sce *cdc.SchemaChangeError
	if !errors.As(err, &sce) || sce.Change.Column != "note" || sce.Behavior != cdc.BehaviorException {
		t.Fatalf("Run = %v, want a SchemaChangeError naming the added column", err)
	}
	if !strings.Contains(err.Error(), "add.column shop.orders.note") {
		t.Errorf("the error does not name the change: %v", err)
	}
	if strings.Count(out.String(), "+I") != 1 || strings.Contains(out.String(), "DDL") {
		t.Errorf("the sink printed:\n%s", out.String())
	}
}

func TestSchemaChangesDisagreeingWithTheSink(t *testing.T) {
	evolve := cdc.SchemaChangePolicy{Behavior: cdc.BehaviorEvolve}
	sink := policySink{pipeline.NewPrintSink(&bytes.Buffer{}, pipeline.PrintReadable), cdc.SchemaChangePolicy{}}
	_, err := pipeline.New("p").From(&sliceSource{}).To(sink, pipeline.SinkName("ch"), pipeline.SchemaChanges(evolve)).Build()
	if err == nil || !strings.Contains(err.Error(), `Sinks[0].SchemaChanges`) || !strings.Contains(err.Error(), "pipeline EVOLVE, sink LENIENT") {
		t.Fatalf("Build = %v, want the disagreement named", err)
	}
	same := policySink{sink.PrintSink, evolve}
	if _, err := pipeline.New("p").From(&sliceSource{}).To(same, pipeline.SchemaChanges(evolve)).Build(); err != nil {
		t.Errorf("agreeing policies: %v", err)
	}
	// EXCEPTION acts before the sink: its own policy does not matter;
	// IGNORE is the sink's to apply, so it must agree.
	if _, err := pipeline.New("p").From(&sliceSource{}).To(sink, pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: cdc.BehaviorException})).Build(); err != nil {
		t.Errorf("EXCEPTION over a lenient sink: %v", err)
	}
	_, err = pipeline.New("p").From(&sliceSource{}).To(sink, pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: cdc.BehaviorIgnore})).Build()
	if err == nil || !strings.Contains(err.Error(), "pipeline IGNORE, sink LENIENT") {
		t.Errorf("IGNORE over a lenient sink: Build = %v", err)
	}
	_, err = pipeline.New("p").From(&sliceSource{}).To(sink, pipeline.SchemaChanges(cdc.SchemaChangePolicy{Behavior: "sometimes"})).Build()
	if err == nil || !strings.Contains(err.Error(), `Behavior "sometimes"`) {
		t.Errorf("an unknown behavior: Build = %v", err)
	}
}
