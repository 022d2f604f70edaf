package definition_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/definition"
)

// schema.change.behavior becomes the sink's SchemaChanges: IGNORE drops
// the change before the values sink, EXCEPTION stops the pipeline with a
// *cdc.SchemaChangeError, LENIENT prints it.
func TestSchemaChangeBehavior(t *testing.T) {
	t.Parallel()
	before, after := orders("orders_1"), orders("orders_1")
	after.Columns = append(after.Columns[:3:3], cdc.Column{Name: "note", Type: cdc.ColumnType{Kind: cdc.KindVarChar, Length: 8, Raw: "varchar(8)"}})
	ddl := cdc.Event{Op: cdc.OpSchemaChange, Table: before.Table, Schema: after, DDL: "ALTER TABLE orders_1 ADD note VARCHAR(8)",
		Changes: []cdc.SchemaChange{{Kind: cdc.ChangeAddColumn, Table: before.Table, Column: "note", Before: before, After: after}}}
	row := cdc.Event{Op: cdc.OpCreate, Table: before.Table, Schema: before, After: cdc.Row{int64(1), "tea", int64(30)}}
	reg := definition.NewRegistry()
	reg.RegisterSource("ddl", definition.SourceType{New: func(*definition.Block) (pipeline.Source, error) {
		return &fixedSource{events: []cdc.Event{row, ddl}}, nil
	}})
	for behavior, want := range map[string]string{"ignore": "", "lenient": "DDL", "exception": "error"} {
		var out bytes.Buffer
		cfg, err := definition.Load([]byte("source:\n  type: ddl\nsink:\n  type: values\npipeline:\n  schema.change.behavior: "+behavior+"\n"),
			definition.Options{Registry: reg, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if p := cfg.Sinks[0].SchemaChanges; p == nil || !strings.EqualFold(string(p.Behavior), behavior) {
			t.Fatalf("%s: the sink's SchemaChanges is %+v", behavior, p)
		}
		p, err := pipeline.NewFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Run(context.Background())
		var sce *cdc.SchemaChangeError
		switch want {
		case "error":
			if !errors.As(err, &sce) || sce.Change.Column != "note" {
				t.Errorf("%s: Run = %v, want a SchemaChangeError", behavior, err)
			}
		default:
			if err != nil {
				t.Fatalf("%s: %v", behavior, err)
			}
			if got := strings.Contains(out.String(), "DDL"); got != (want == "DDL") {
				t.Errorf("%s: printed %q", behavior, out.String())
			}
		}
	}
}
