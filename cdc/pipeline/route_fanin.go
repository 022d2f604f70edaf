package pipeline

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/rtdw/rtdw/cdc"
)

// sourceTable is one captured table of one source: two servers' tables of
// the same name are two source tables.
type sourceTable struct {
	source int
	table  cdc.TableID
}

// feed records that source table s routes to sink table t.
func (p *Pipeline) feed(t target, s sourceTable) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := p.feeders[sinkTable(t)]
	if seen == nil {
		seen = map[sourceTable]struct{}{}
		p.feeders[sinkTable(t)] = seen
	}
	seen[s] = struct{}{}
}

// merged reports whether sink table t is (or may be) fed by source tables
// other than s: another has been routed to it, or the routes let more than
// one table reach it.
func (p *Pipeline) merged(t target, s sourceTable) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for other := range p.feeders[sinkTable(t)] {
		if other != s {
			return true
		}
	}
	return !p.oneToOne(t, s.table)
}

// oneToOne reports whether the routes let only table src reach sink table
// t: each route of t's sink that can write t matches src's name alone (a
// pattern without wildcards, such as `gmall\.orders`, or one database's
// tables each under its own name, such as `gmall\.orders_\d+` to
// "ods.<>" with ReplaceSymbol "<>"). Tables that reach t
// by other ways (a table of the same name on another source, a table that
// goes unrouted under its own name) are counted by merged once their first
// event has been routed.
func (p *Pipeline) oneToOne(t target, src cdc.TableID) bool {
	for i := range p.routes {
		r := &p.routes[i]
		if r.sink != t.sink || !r.canWrite(t.table) {
			continue
		}
		if !r.injective(src) {
			return false
		}
	}
	return true
}

// injective reports whether the route sends src, and no other table, to
// src's sink table: its pattern matches src's name alone, or it matches
// tables of src's database only and puts each one's name in the sink table
// (ReplaceSymbol).
func (r *compiledRoute) injective(src cdc.TableID) bool {
	re, err := regexp.Compile(r.SourceTable)
	if err != nil || !r.re.MatchString(src.String()) {
		return false
	}
	lit, whole := re.LiteralPrefix()
	if whole {
		return lit == src.String()
	}
	return r.ReplaceSymbol != "" && strings.Contains(r.SinkTable, r.ReplaceSymbol) &&
		strings.HasPrefix(lit, src.Database+".")
}

// canWrite reports whether the route can write sink table t.
func (r *compiledRoute) canWrite(t cdc.TableID) bool {
	want := t.String()
	if r.ReplaceSymbol == "" || !strings.Contains(r.SinkTable, r.ReplaceSymbol) {
		got, err := cdc.ParseTableID(r.SinkTable)
		return err == nil && got == t
	}
	parts := strings.Split(r.SinkTable, r.ReplaceSymbol)
	if !strings.HasPrefix(want, parts[0]) || !strings.HasSuffix(want, parts[len(parts)-1]) {
		return false
	}
	return len(want) >= len(parts[0])+len(parts[len(parts)-1])
}

// policyOf is the sink's schema-change policy: the pipeline's for it
// ([SinkSpec.SchemaChanges]), else the one it applies changes under
// ([SchemaChangeSink]), else the zero policy, LENIENT for every kind.
func (s *sinkState) policyOf() cdc.SchemaChangePolicy {
	if s.spec.SchemaChanges != nil {
		return *s.spec.SchemaChanges
	}
	if own, ok := s.spec.Sink.(SchemaChangeSink); ok {
		return own.SchemaChangePolicy()
	}
	return cdc.SchemaChangePolicy{}
}

// shardTableChange decides what becomes of change c (a drop, truncate or
// rename of source table src) bound for sink table t, which other source
// tables feed too: passed on, it would empty, drop or rename the other
// shards' rows with it. Under the sink's IGNORE and LENIENT (as Flink CDC's
// LENIENT does) and TRY_EVOLVE it is dropped with a warning; under
// EVOLVE and EXCEPTION the pipeline stops with a *cdc.SchemaChangeError.
func (d *delivery) shardTableChange(src cdc.TableID, c cdc.SchemaChange, ddl string, t target) error {
	sk := d.p.sinks[t.sink]
	b := sk.policyOf().For(c.Kind)
	switch b {
	case cdc.BehaviorEvolve, cdc.BehaviorException:
		c.Table = t.table
		return &cdc.SchemaChangeError{Change: c, DDL: ddl, Behavior: b, Err: &ShardChangeError{
			Shard: src, Sink: sk.spec.Name, SinkTable: t.table, Kind: c.Kind}}
	}
	d.p.log.Warn("pipeline: schema change of one shard not passed on: the sink table holds other source tables' rows too",
		slog.String("table", src.String()), slog.String("change", string(c.Kind)), slog.String("sink", sk.spec.Name),
		slog.String("sink_table", t.table.String()), slog.String("behavior", string(b)))
	return nil
}

// ShardChangeError is why a drop, truncate or rename of one source table
// cannot be applied to a sink table that several source tables are merged
// into: it would take the other tables' rows with it. It is the Err of the
// *cdc.SchemaChangeError the pipeline stops with when the sink's policy for
// the kind is EVOLVE or EXCEPTION.
type ShardChangeError struct {
	// Shard is the source table the change is of.
	Shard cdc.TableID
	// Sink names the sink; SinkTable is the merged table in it.
	Sink      string
	SinkTable cdc.TableID
	// Kind is the change's kind.
	Kind cdc.SchemaChangeKind
}

// Error names the shard, the sink table and the fixes.
func (e *ShardChangeError) Error() string {
	return fmt.Sprintf("pipeline: %s of %s cannot be applied to sink %q table %s: other source tables are routed into it too, whose rows it would take; "+
		"delete %s's rows there by hand (project __table_name__ to tell them apart), then set the sink's schema change behavior for %s to LENIENT or IGNORE to drop the change and restart, "+
		"or route %s to a table of its own",
		e.Kind, e.Shard, e.Sink, e.SinkTable, e.Shard, e.Kind, e.Shard)
}
