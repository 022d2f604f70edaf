package flinksql

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
)

// checkKinds refuses sources, sinks and transforms the Flink runtime has no
// counterpart of.
func (r *renderer) checkKinds() {
	for i, s := range r.cfg.Sources {
		switch s.(type) {
		case *mysql.Source, *SQLServerSource:
		default:
			r.errs.Add(fmt.Sprintf("Sources[%d]", i), fmt.Sprintf("%T", s), "the Flink runtime renders *mysql.Source and *flinksql.SQLServerSource only")
		}
	}
	epochReported := false
	for i, s := range r.cfg.Sinks {
		switch s.Sink.(type) {
		case *ClickHouseSink, *JDBCSink, *pipeline.PrintSink:
		default:
			r.errs.Add(fmt.Sprintf("Sinks[%d] (%s)", i, sinkName(r.cfg, i)), fmt.Sprintf("%T", s.Sink), "the Flink runtime renders *flinksql.ClickHouseSink, *flinksql.JDBCSink and *pipeline.PrintSink; give the pipeline one of those in place of the embedded sink")
		}
		if ch, ok := s.Sink.(*ClickHouseSink); ok {
			if ch.URL == "" {
				r.errs.Add(fmt.Sprintf("Sinks[%d].URL", i), nil, "set the ClickHouse HTTP address, such as clickhouse://ch1:8123")
			}
			if (r.opts.Epoch == 0 || r.opts.Epoch > 1<<63-2) && !epochReported {
				epochReported = true
				r.errs.Add("Options.Epoch", r.opts.Epoch, "a ClickHouse sink needs the run's row version, above every version the embedded runtime wrote: use flinksql.EpochAfter of the embedded source's last offset")
			}
			if err := r.t.check("scan.read-changelog-as-append-only.enabled"); err != nil {
				r.errs.Add(fmt.Sprintf("Sinks[%d] (%s)", i, sinkName(r.cfg, i)), "ClickHouseSink", "%v; the ClickHouse sink writes deletes as _is_deleted rows from the append-only changelog", err)
			}
		}
		if j, ok := s.Sink.(*JDBCSink); ok && j.URL == "" {
			r.errs.Add(fmt.Sprintf("Sinks[%d].URL", i), nil, "set the JDBC URL, such as jdbc:mysql://db:3306/ods")
		}
	}
	if r.cfg.OnTransformError == pipeline.SkipOnError {
		r.errs.Add("Config.OnTransformError", r.cfg.OnTransformError.String(), "a Flink SQL job cannot skip a row whose expression fails (it fails, or the function returns NULL): use StopOnError, or run the pipeline embedded")
	}
	for i, tr := range r.cfg.Transforms {
		if len(tr.Funcs) > 0 {
			r.errs.Add(fmt.Sprintf("Transforms[%d].Funcs", i), tr.SourceTable, "a Go function cannot run on Flink: write the transform as Projection and Filter expressions, or run the pipeline embedded")
		}
	}
}

// sinkName is the name of sink i, as the pipeline names it.
func sinkName(cfg pipeline.Config, i int) string {
	if n := cfg.Sinks[i].Name; n != "" {
		return n
	}
	if len(cfg.Sinks) == 1 {
		return "sink"
	}
	return fmt.Sprintf("sink%d", i)
}

func fullMatch(pattern, s string) bool {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	return err == nil && re.MatchString(s)
}

// captures reports whether source i captures table id.
func (r *renderer) captures(i int, id cdc.TableID) bool {
	switch s := r.cfg.Sources[i].(type) {
	case *mysql.Source:
		c := s.Config()
		db := false
		for _, p := range c.DatabaseList {
			db = db || fullMatch(p, id.Database)
		}
		if !db {
			return false
		}
		if len(c.TableList) == 0 {
			return true
		}
		for _, p := range c.TableList {
			if fullMatch(p, id.String()) {
				return true
			}
		}
	case *SQLServerSource:
		if len(s.Tables) == 0 {
			return true
		}
		for _, p := range s.Tables {
			if fullMatch(p, id.String()) {
				return true
			}
		}
	}
	return false
}

// plan decides the source tables, sink tables and INSERTs: for each captured
// table, its transform, then its routes (or the sinks of unrouted tables).
func (r *renderer) plan() {
	sinkTables := map[string]*sinkTable{}
	sourceTables := map[string]*sourceTable{}
	for si, schema := range r.cfg.Schemas {
		src := -1
		for i := range r.cfg.Sources {
			if r.captures(i, schema.Table) {
				src = i
				break
			}
		}
		if src < 0 {
			r.errs.Add(fmt.Sprintf("Schemas[%d]", si), schema.Table.String(), "no source captures this table: remove its schema or widen a source's table list")
			continue
		}
		ti, proj, filter, out := r.transformOf(schema)
		if out == nil {
			continue
		}
		for _, tgt := range r.targetsOf(schema.Table) {
			_, toClickHouse := r.cfg.Sinks[tgt.sink].Sink.(*ClickHouseSink)
			key := fmt.Sprintf("%s|%v", schema.Table, toClickHouse)
			st := sourceTables[key]
			if st == nil {
				st = &sourceTable{name: tableName("src", schema.Table.Database, schema.Table.Table), source: src, schema: schema, appendOnly: toClickHouse}
				if toClickHouse {
					st.name += "_append"
					st.addMetadata(expr.FlinkMetadataColumns[expr.FieldDataEventType])
					st.addMetadata(expr.FlinkMetadataColumns[expr.MetadataOpTs])
				}
				sourceTables[key] = st
				r.sources = append(r.sources, st)
				if !toClickHouse {
					if r.script.sourceNames == nil {
						r.script.sourceNames = map[cdc.TableID]string{}
					}
					r.script.sourceNames[schema.Table] = st.name
				}
			}
			for _, name := range usedMetadata(proj, filter) {
				st.addMetadata(name)
			}
			skey := fmt.Sprintf("%d|%s", tgt.sink, tgt.table)
			sk := sinkTables[skey]
			if sk == nil {
				routed := *out
				routed.Table = tgt.table
				sk = &sinkTable{name: tableName("sink", sinkName(r.cfg, tgt.sink), tgt.table.Database, tgt.table.Table), sink: tgt.sink, table: tgt.table, schema: &routed}
				sinkTables[skey] = sk
				r.sinks = append(r.sinks, sk)
			} else if !sameColumns(sk.schema, out) {
				r.errs.Add(fmt.Sprintf("Schemas[%d]", si), schema.Table.String(), "routed into %s of sink %s with other columns than the tables routed there before: merged tables need the same columns (project them alike)", tgt.table, sinkName(r.cfg, tgt.sink))
			}
			r.jobs = append(r.jobs, insert{from: st, to: sk, transform: ti, proj: proj, filter: filter})
		}
	}
	for _, st := range r.sinks {
		r.script.sinks = append(r.script.sinks, st.schema)
	}
}

func (st *sourceTable) addMetadata(name string) {
	for _, m := range st.metadata {
		if m == name {
			return
		}
	}
	st.metadata = append(st.metadata, name)
}

// usedMetadata returns the Flink metadata columns the expressions read.
func usedMetadata(proj *expr.Projection, filter expr.Expr) []string {
	var names []string
	add := func(e expr.Expr) {
		for _, n := range expr.ColumnNames(e) {
			if m, ok := expr.FlinkMetadataColumns[n]; ok {
				names = append(names, m)
			}
		}
	}
	if proj != nil {
		for _, it := range proj.Items {
			if !it.Star {
				add(it.Expr)
			}
		}
	}
	if filter != nil {
		add(filter)
	}
	return names
}

func sameColumns(a, b *cdc.TableSchema) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i].Name != b.Columns[i].Name || a.Columns[i].Type.Kind != b.Columns[i].Type.Kind {
			return false
		}
	}
	return true
}

// transformOf compiles the transform of a table (the first whose pattern
// matches it) and returns its index (-1 for none), its parsed parts and
// the output schema; nil output after a problem.
func (r *renderer) transformOf(schema *cdc.TableSchema) (int, *expr.Projection, expr.Expr, *cdc.TableSchema) {
	for i, tr := range r.cfg.Transforms {
		if !fullMatch(tr.SourceTable, schema.Table.String()) {
			continue
		}
		field := fmt.Sprintf("Transforms[%d]", i)
		var proj *expr.Projection
		var filter expr.Expr
		if tr.Projection != "" {
			p, err := expr.ParseProjection(tr.Projection)
			if err != nil {
				r.errs.Add(field+".Projection", tr.Projection, "%v", err)
				return i, nil, nil, nil
			}
			proj = &p
		}
		if tr.Filter != "" {
			f, err := expr.ParseFilter(tr.Filter)
			if err != nil {
				r.errs.Add(field+".Filter", tr.Filter, "%v", err)
				return i, nil, nil, nil
			}
			filter = f
		}
		opts := expr.Options{TimeZone: r.cfg.TimeZone, SourceMetadata: []string{expr.MetadataOpTs}}
		ct, err := expr.CompileTransform(schema, proj, filter, opts)
		if err != nil {
			r.errs.Add(field, tr.SourceTable, "%s: %v", schema.Table, err)
			return i, nil, nil, nil
		}
		out := *ct.Schema()
		out.Columns = append([]cdc.Column(nil), out.Columns...)
		if len(tr.PrimaryKeys) > 0 {
			out.PrimaryKey = append([]string(nil), tr.PrimaryKeys...)
		}
		return i, proj, filter, &out
	}
	return -1, nil, nil, schema
}

// target is one sink table a captured table goes to.
type routeTarget struct {
	sink  int
	table cdc.TableID
}

// targetsOf follows the routes as the embedded runner does: every matching
// route (or the first, in RouteFirstMatch), or, for a table no route
// matches, every sink that takes unrouted tables, under its own name.
func (r *renderer) targetsOf(id cdc.TableID) []routeTarget {
	var out []routeTarget
	for _, rt := range r.cfg.Routes {
		if !fullMatch(rt.SourceTable, id.String()) {
			continue
		}
		name := rt.SinkTable
		if rt.ReplaceSymbol != "" {
			name = strings.ReplaceAll(name, rt.ReplaceSymbol, id.Table)
		}
		table, err := cdc.ParseTableID(name)
		if err != nil {
			r.errs.Add("Routes", rt.SinkTable, "%v", err)
			continue
		}
		sink := 0
		for i := range r.cfg.Sinks {
			if rt.Sink != "" && sinkName(r.cfg, i) == rt.Sink {
				sink = i
			}
		}
		out = append(out, routeTarget{sink, table})
		if r.cfg.RouteMode == pipeline.RouteFirstMatch {
			break
		}
	}
	if len(out) > 0 {
		return out
	}
	for i, s := range r.cfg.Sinks {
		if !s.OnlyRouted {
			out = append(out, routeTarget{i, id})
		}
	}
	return out
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// tableName joins parts into a Flink table name of letters, digits and
// underscores.
func tableName(parts ...string) string {
	for i, p := range parts {
		parts[i] = nonIdent.ReplaceAllString(p, "_")
	}
	return strings.Join(parts, "_")
}
