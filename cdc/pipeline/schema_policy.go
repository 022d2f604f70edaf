package pipeline

import (
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/internal/problems"
)

// SchemaChangeSink is a sink that applies schema changes under a policy of
// its own, such as the clickhouse and phoenix sinks (their
// SinkConfig.SchemaChanges). When a [SinkSpec] sets SchemaChanges too, Build
// checks that the two agree on every kind the pipeline passes on: all but
// EXCEPTION's. IGNORE is passed on to such a sink, which keeps its tables'
// schemas under it: dropped before it, the change would leave the sink to
// meet rows of a new shape without it, and take their schema for the
// table's.
type SchemaChangeSink interface {
	cdc.Sink
	SchemaChangePolicy() cdc.SchemaChangePolicy
}

// SchemaChanges sets [SinkSpec.SchemaChanges]: what the pipeline does with
// schema changes before the sink, per kind, as Flink CDC's
// schema.change.behavior.
func SchemaChanges(p cdc.SchemaChangePolicy) SinkOption {
	return func(s *SinkSpec) { s.SchemaChanges = &p }
}

// validateSchemaChanges checks each sink's policy, and that it agrees with
// the sink's own where the sink applies the changes.
func validateSchemaChanges(cfg *Config, ps *problems.Error) {
	for i, s := range cfg.Sinks {
		if s.SchemaChanges == nil {
			continue
		}
		field := fmt.Sprintf("Sinks[%d].SchemaChanges", i)
		p := *s.SchemaChanges
		if err := p.Validate(); err != nil {
			ps.Add(field, fmt.Sprintf("%+v", p), "%s", strings.TrimPrefix(err.Error(), "cdc: schema change policy: "))
			continue
		}
		own, ok := s.Sink.(SchemaChangeSink)
		if !ok {
			continue
		}
		sp := own.SchemaChangePolicy()
		var differ []string
		for _, k := range cdc.SchemaChangeKinds {
			// EXCEPTION is the pipeline's: the sink never sees those changes.
			if b := p.For(k); b != cdc.BehaviorException {
				if sb := sp.For(k); sb != b {
					differ = append(differ, fmt.Sprintf("%s: pipeline %s, sink %s", k, b, sb))
				}
			}
		}
		if len(differ) > 0 {
			ps.Add(field, fmt.Sprintf("%+v", p), "the sink %q applies schema changes under a policy of its own that disagrees (%s): give the sink the same policy (its SchemaChanges), or leave the pipeline's unset",
				s.Name, strings.Join(differ, "; "))
		}
	}
}

// schemaChangesFor applies a sink's policy to a schema-change event bound
// for it: a change of a kind under EXCEPTION is a *cdc.SchemaChangeError,
// and, unless the sink applies IGNORE itself (passIgnored), the changes of
// the kinds it ignores are dropped (keep is false when none is left).
func schemaChangesFor(policy *cdc.SchemaChangePolicy, passIgnored bool, e *cdc.Event) (keep bool, err error) {
	if policy == nil || e.Op != cdc.OpSchemaChange {
		return true, nil
	}
	if len(e.Changes) == 0 { // a statement the source did not parse
		switch b := policy.Behavior; b {
		case cdc.BehaviorIgnore:
			return passIgnored, nil
		case cdc.BehaviorException:
			return false, &cdc.SchemaChangeError{Change: cdc.SchemaChange{Table: e.Table}, DDL: e.DDL, Behavior: b}
		}
		return true, nil
	}
	kept := e.Changes[:0:0]
	for _, c := range e.Changes {
		switch b := policy.For(c.Kind); b {
		case cdc.BehaviorIgnore:
			if !passIgnored {
				continue
			}
		case cdc.BehaviorException:
			return false, &cdc.SchemaChangeError{Change: c, DDL: e.DDL, Behavior: b}
		}
		kept = append(kept, c)
	}
	if len(kept) == 0 {
		return false, nil
	}
	if len(kept) < len(e.Changes) {
		e.Changes = kept
	}
	return true, nil
}
