package cdc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/cdc"
)

func TestSchemaChangePolicyFor(t *testing.T) {
	var zero cdc.SchemaChangePolicy
	for _, k := range cdc.SchemaChangeKinds {
		if got := zero.For(k); got != cdc.BehaviorLenient {
			t.Errorf("zero policy For(%s) = %s, want LENIENT", k, got)
		}
	}
	p := cdc.SchemaChangePolicy{
		Behavior: cdc.BehaviorEvolve,
		PerKind:  map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{cdc.ChangeDropTable: cdc.BehaviorIgnore},
	}
	if got := p.For(cdc.ChangeDropTable); got != cdc.BehaviorIgnore {
		t.Errorf("For(drop.table) = %s, want IGNORE", got)
	}
	if got := p.For(cdc.ChangeAddColumn); got != cdc.BehaviorEvolve {
		t.Errorf("For(add.column) = %s, want EVOLVE", got)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestSchemaChangePolicyValidateNamesEveryProblem(t *testing.T) {
	p := cdc.SchemaChangePolicy{
		Behavior: "evolve",
		PerKind: map[cdc.SchemaChangeKind]cdc.SchemaChangeBehavior{
			"add.colum":             cdc.BehaviorEvolve,
			cdc.ChangeTruncateTable: "SOMETIMES",
			cdc.ChangeRenameTable:   cdc.BehaviorTryEvolve,
		},
	}
	err := p.Validate()
	if err == nil {
		t.Fatal("Validate accepted a policy with three problems")
	}
	for _, want := range []string{`Behavior "evolve"`, `PerKind["add.colum"]`, `PerKind["truncate.table"] = "SOMETIMES"`, "TRY_EVOLVE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), `PerKind["rename.table"]`) {
		t.Errorf("error %q names a valid entry", err)
	}
}

func TestParseSchemaChangeBehavior(t *testing.T) {
	for in, want := range map[string]cdc.SchemaChangeBehavior{
		"": cdc.BehaviorLenient, "lenient": cdc.BehaviorLenient, "try_evolve": cdc.BehaviorTryEvolve,
		" EXCEPTION ": cdc.BehaviorException, "Ignore": cdc.BehaviorIgnore, "EVOLVE": cdc.BehaviorEvolve,
	} {
		got, err := cdc.ParseSchemaChangeBehavior(in)
		if err != nil || got != want {
			t.Errorf("ParseSchemaChangeBehavior(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := cdc.ParseSchemaChangeBehavior("strict"); err == nil || !strings.Contains(err.Error(), `"strict"`) {
		t.Errorf("ParseSchemaChangeBehavior(strict) = %v, want an error naming the value", err)
	}
}

func TestSchemaChangeString(t *testing.T) {
	id := cdc.TableID{Database: "gmall", Table: "orders"}
	for _, c := range []struct {
		ch   cdc.SchemaChange
		want string
	}{
		{cdc.SchemaChange{Kind: cdc.ChangeAddColumn, Table: id, Column: "state"}, "add.column gmall.orders.state"},
		{cdc.SchemaChange{Kind: cdc.ChangeRenameColumn, Table: id, Column: "a", NewColumn: "b"}, "rename.column gmall.orders.a to b"},
		{cdc.SchemaChange{Kind: cdc.ChangeRenameTable, Table: id, NewTable: cdc.TableID{Database: "gmall", Table: "_orders_old"}}, "rename.table gmall.orders to gmall._orders_old"},
		{cdc.SchemaChange{Kind: cdc.ChangeTruncateTable, Table: id}, "truncate.table gmall.orders"},
	} {
		if got := c.ch.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestSchemaChangeErrorUnwraps(t *testing.T) {
	cause := errors.New("ALTER failed")
	err := error(&cdc.SchemaChangeError{Change: cdc.SchemaChange{Kind: cdc.ChangeAlterColumnType, Table: cdc.TableID{Database: "d", Table: "t"}, Column: "c"}, DDL: "ALTER TABLE t MODIFY c INT", Behavior: cdc.BehaviorEvolve, Err: cause})
	if !errors.Is(err, cause) {
		t.Error("SchemaChangeError does not unwrap to its cause")
	}
	var sce *cdc.SchemaChangeError
	if !errors.As(err, &sce) || !strings.Contains(err.Error(), "alter.column.type d.t.c") || !strings.Contains(err.Error(), "EVOLVE") {
		t.Errorf("error %q does not name the change and the behavior", err)
	}
	refused := (&cdc.SchemaChangeError{Change: cdc.SchemaChange{Kind: cdc.ChangeDropTable, Table: cdc.TableID{Database: "d", Table: "t"}}, DDL: "DROP TABLE t", Behavior: cdc.BehaviorException}).Error()
	if !strings.Contains(refused, "EXCEPTION") || !strings.Contains(refused, "DROP TABLE t") {
		t.Errorf("refusal %q does not name the behavior and the statement", refused)
	}
}
