package flinksql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/expr"
	"github.com/rtdw/rtdw/internal/redact"
)

// quoteIdent quotes a Flink SQL identifier.
func quoteIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// quoteString quotes a Flink SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func setStatement(key, value string) string {
	return "SET " + quoteString(key) + " = " + quoteString(value)
}

func redactAll(s string, secrets []string) string { return redact.String(s, secrets...) }

// duration renders a duration as Flink reads one ("30 s", "500 ms").
func duration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// option is one key of a WITH clause.
type option struct{ key, value string }

// with renders a WITH clause.
func with(opts []option) string {
	var b strings.Builder
	b.WriteString(") WITH (\n")
	for i, o := range opts {
		fmt.Fprintf(&b, "  %s = %s", quoteString(o.key), quoteString(o.value))
		if i < len(opts)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	return b.String()
}

// columnsDDL renders the column list of a table, its metadata columns and
// its primary key.
func columnsDDL(schema *cdc.TableSchema, metadata []string, metadataFrom map[string]string, withKey bool) (string, error) {
	var lines []string
	for _, c := range schema.Columns {
		ft, err := flinkType(c)
		if err != nil {
			return "", err
		}
		lines = append(lines, "  "+quoteIdent(c.Name)+" "+ft)
	}
	for _, m := range metadata {
		if schema.ColumnIndex(m) >= 0 {
			return "", fmt.Errorf("table %s has a column %s, which the metadata column of the same name would hide: rename it in a projection", schema.Table, m)
		}
		from := m
		if f, ok := metadataFrom[m]; ok {
			from = f
		}
		lines = append(lines, fmt.Sprintf("  %s %s METADATA FROM %s VIRTUAL", quoteIdent(m), metadataType[m], quoteString(from)))
	}
	if withKey && len(schema.PrimaryKey) > 0 {
		keys := make([]string, len(schema.PrimaryKey))
		for i, k := range schema.PrimaryKey {
			keys[i] = quoteIdent(k)
		}
		lines = append(lines, "  PRIMARY KEY ("+strings.Join(keys, ", ")+") NOT ENFORCED")
	}
	return strings.Join(lines, ",\n") + "\n", nil
}

// metadataType is the Flink type of each metadata column of Flink CDC's
// mysql-cdc and sqlserver-cdc tables.
var metadataType = map[string]string{
	"database_name": "STRING NOT NULL",
	"table_name":    "STRING NOT NULL",
	"schema_name":   "STRING NOT NULL",
	"op_ts":         "TIMESTAMP_LTZ(3) NOT NULL",
	"row_kind":      "STRING NOT NULL",
}

func (r *renderer) renderSettings() {
	s := r.script
	if r.cfg.Name != "" {
		s.settings = append(s.settings, [2]string{"pipeline.name", r.cfg.Name})
	}
	if r.opts.Parallelism < 0 {
		r.errs.Add("Options.Parallelism", r.opts.Parallelism, "use 0 for the cluster's default or a positive parallelism")
	} else if r.opts.Parallelism > 0 {
		s.settings = append(s.settings, [2]string{"parallelism.default", strconv.Itoa(r.opts.Parallelism)})
	}
	if r.opts.CheckpointInterval < 0 {
		r.errs.Add("Options.CheckpointInterval", r.opts.CheckpointInterval, "use 0 for the cluster's setting or a positive interval")
	} else if r.opts.CheckpointInterval > 0 {
		s.settings = append(s.settings, [2]string{"execution.checkpointing.interval", duration(r.opts.CheckpointInterval)})
	}
	s.settings = append(s.settings, r.restartSettings()...)
	if r.cfg.TimeZone != nil {
		s.settings = append(s.settings, [2]string{"table.local-time-zone", r.cfg.TimeZone.String()})
	}
	keys := make([]string, 0, len(r.opts.Settings))
	for k := range r.opts.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s.settings = append(s.settings, [2]string{k, r.opts.Settings[k]})
	}
}

// assignServerIDs splits each MySQL source's server-id range among its
// Flink source tables: each mysql-cdc table is a binlog client of its own,
// and two with one id would drop each other's connection.
func (r *renderer) assignServerIDs() {
	for i, src := range r.cfg.Sources {
		ms, ok := src.(*mysql.Source)
		if !ok || ms.Config().ServerID == "" {
			continue
		}
		var tables []*sourceTable
		for _, st := range r.sources {
			if st.source == i {
				tables = append(tables, st)
			}
		}
		ids, err := mysql.ParseServerIDRange(ms.Config().ServerID)
		if err != nil {
			r.errs.Add(fmt.Sprintf("Sources[%d].ServerID", i), ms.Config().ServerID, "%v", err)
			continue
		}
		if len(ids) < len(tables) {
			r.errs.Add(fmt.Sprintf("Sources[%d].ServerID", i), ms.Config().ServerID, "the Flink runtime reads each of the %d captured tables with its own binlog client: give a range of at least %d ids, such as %d-%d", len(tables), len(tables), ids[0], int(ids[0])+len(tables)-1)
			continue
		}
		per := len(ids) / max(len(tables), 1)
		if p := r.opts.Parallelism; p > 0 && per < p {
			r.errs.Add(fmt.Sprintf("Sources[%d].ServerID", i), ms.Config().ServerID, "each of the %d captured tables gets %d server ids, fewer than Options.Parallelism %d: mysql-cdc needs one id per parallel reader; give a range of at least %d ids", len(tables), per, p, p*len(tables))
			continue
		}
		for k, st := range tables {
			lo, hi := ids[k*per], ids[k*per+per-1]
			if lo == hi {
				st.serverID = strconv.FormatUint(uint64(lo), 10)
			} else {
				st.serverID = fmt.Sprintf("%d-%d", lo, hi)
			}
		}
	}
}

func (r *renderer) renderSources() {
	for _, st := range r.sources {
		field := fmt.Sprintf("Sources[%d]", st.source)
		var opts []option
		var err error
		var metadataFrom map[string]string
		connector := ""
		switch src := r.cfg.Sources[st.source].(type) {
		case *mysql.Source:
			opts, err = r.mysqlOptions(src.Config(), st)
		case *SQLServerSource:
			opts, err = r.sqlServerOptions(src, st)
			// A SQL Server table's TableID.Database is its schema, which
			// __schema_name__ names.
			metadataFrom = map[string]string{"database_name": "schema_name"}
			connector = "sqlserver-cdc "
		}
		if err == nil && st.appendOnly {
			opts = append(opts, option{"scan.read-changelog-as-append-only.enabled", "true"})
			err = r.t.check(connector + "scan.read-changelog-as-append-only.enabled")
		}
		if err == nil {
			for _, m := range st.metadata {
				if m == "row_kind" && err == nil {
					err = r.t.check(connector + "metadata row_kind")
				}
			}
		}
		var cols string
		if err == nil {
			cols, err = columnsDDL(st.schema, st.metadata, metadataFrom, true)
		}
		if err != nil {
			r.errs.Add(field, st.schema.Table.String(), "%v", err)
			continue
		}
		r.script.tables = append(r.script.tables, "CREATE TEMPORARY TABLE "+quoteIdent(st.name)+" (\n"+cols+with(opts))
	}
}

// mysqlOptions renders a MySQL source's configuration as mysql-cdc options.
func (r *renderer) mysqlOptions(c mysql.Config, st *sourceTable) ([]option, error) {
	opts := []option{
		{"connector", "mysql-cdc"},
		{"hostname", c.Hostname},
		{"port", strconv.Itoa(cmp0(c.Port, 3306))},
		{"username", c.Username},
		{"password", c.Password},
		{"database-name", regexp.QuoteMeta(st.schema.Table.Database)},
		{"table-name", regexp.QuoteMeta(st.schema.Table.Table)},
	}
	if c.Password != "" {
		r.script.addSecret(c.Password)
	}
	// mysql-cdc's own checks (MySqlTableSourceFactory), made here before
	// any I/O.
	for _, n := range []struct {
		field, key string
		v          int
	}{{"SplitSize", "scan.incremental.snapshot.chunk.size", c.SplitSize}, {"FetchSize", "scan.snapshot.fetch.size", c.FetchSize}, {"ConnectionPoolSize", "connection.pool.size", c.ConnectionPoolSize}} {
		if n.v == 1 {
			return nil, fmt.Errorf("%s 1: mysql-cdc's %s must be larger than 1", n.field, n.key)
		}
	}
	if len(st.schema.PrimaryKey) == 0 && c.ChunkKeyColumn[st.schema.Table.String()] == "" {
		return nil, fmt.Errorf("table %s has no primary key: mysql-cdc's incremental snapshot needs one, or a ChunkKeyColumn for the table", st.schema.Table)
	}
	if st.serverID != "" {
		opts = append(opts, option{"server-id", st.serverID})
	}
	opts = append(opts, option{"server-time-zone", cmpS(c.ServerTimeZone, "UTC")})
	if c.SplitSize != 0 {
		opts = append(opts, option{"scan.incremental.snapshot.chunk.size", strconv.Itoa(c.SplitSize)})
	}
	if c.FetchSize != 0 {
		opts = append(opts, option{"scan.snapshot.fetch.size", strconv.Itoa(c.FetchSize)})
	}
	if col := c.ChunkKeyColumn[st.schema.Table.String()]; col != "" {
		opts = append(opts, option{"scan.incremental.snapshot.chunk.key-column", col})
	}
	// Zero means no timeout of its own to the embedded source; mysql-cdc
	// refuses a connect.timeout under 250 ms, so zero keeps its default.
	if c.ConnectTimeout > 0 {
		opts = append(opts, option{"connect.timeout", duration(max(c.ConnectTimeout, 250*time.Millisecond))})
	}
	opts = append(opts, option{"connect.max-retries", strconv.Itoa(c.ConnectMaxRetries)})
	if c.ConnectionPoolSize != 0 {
		opts = append(opts, option{"connection.pool.size", strconv.Itoa(c.ConnectionPoolSize)})
	}
	{
		opts = append(opts, option{"heartbeat.interval", duration(c.HeartbeatInterval)})
	}
	opts = append(opts, r.startupOptions(c.StartupOptions)...)
	for _, o := range opts {
		key := o.key
		if key == "scan.startup.mode" {
			key += "=" + o.value
		}
		if err := r.t.check(key); err != nil {
			return nil, err
		}
	}
	return opts, nil
}

// startupOptions renders where capture starts: Options.StartOffset when set,
// else the source's StartupOptions.
func (r *renderer) startupOptions(so mysql.StartupOptions) []option {
	if o := r.opts.StartOffset; !o.IsZero() {
		return offsetOptions(o)
	}
	mode := so.Mode()
	opts := []option{{"scan.startup.mode", mode}}
	switch mode {
	case "specific-offset":
		file, pos, gtid := so.SpecificPosition()
		if gtid != "" {
			return append(opts, option{"scan.startup.specific-offset.gtid-set", gtid})
		}
		return append(opts, option{"scan.startup.specific-offset.file", file}, option{"scan.startup.specific-offset.pos", strconv.FormatUint(pos, 10)})
	case "timestamp":
		return append(opts, option{"scan.startup.timestamp-millis", strconv.FormatInt(so.TimestampMillis(), 10)})
	}
	return opts
}

// offsetOptions renders a stored binlog position as specific-offset
// options: the GTID set when the offset has one (it means the same on
// every server of a topology), else the file and position; the events and
// rows to skip when the offset is inside a transaction.
func offsetOptions(o mysql.Offset) []option {
	opts := []option{{"scan.startup.mode", "specific-offset"}}
	if o.GTIDSet != "" {
		opts = append(opts, option{"scan.startup.specific-offset.gtid-set", o.GTIDSet})
	} else {
		opts = append(opts, option{"scan.startup.specific-offset.file", o.File}, option{"scan.startup.specific-offset.pos", strconv.FormatUint(o.Pos, 10)})
	}
	if o.Events != 0 {
		opts = append(opts, option{"scan.startup.specific-offset.skip-events", strconv.FormatInt(o.Events, 10)})
	}
	if o.Rows != 0 {
		opts = append(opts, option{"scan.startup.specific-offset.skip-rows", strconv.FormatInt(o.Rows, 10)})
	}
	return opts
}

// sqlServerOptions renders a SQL Server source as sqlserver-cdc options.
func (r *renderer) sqlServerOptions(s *SQLServerSource, st *sourceTable) ([]option, error) {
	if s.Hostname == "" || s.Database == "" || s.Username == "" {
		return nil, fmt.Errorf("SQLServerSource needs Hostname, Username and Database")
	}
	if s.Password != "" {
		r.script.addSecret(s.Password)
	}
	opts := []option{
		{"connector", "sqlserver-cdc"},
		{"hostname", s.Hostname},
		{"port", strconv.Itoa(cmp0(s.Port, 1433))},
		{"username", s.Username},
		{"password", s.Password},
		{"database-name", s.Database},
	}
	// Before Flink CDC 2.4 the schema had an option of its own.
	if r.t.atLeast("2.4.0") {
		opts = append(opts, option{"table-name", regexp.QuoteMeta(st.schema.Table.Database) + `\.` + regexp.QuoteMeta(st.schema.Table.Table)})
	} else {
		opts = append(opts, option{"schema-name", st.schema.Table.Database}, option{"table-name", st.schema.Table.Table})
	}
	if s.ServerTimeZone != "" {
		opts = append(opts, option{"server-time-zone", s.ServerTimeZone})
	}
	mode := cmpS(s.StartupMode, "initial")
	switch mode {
	case "initial", "latest-offset":
	case "snapshot":
		if err := r.t.check("scan.startup.mode=snapshot"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("SQLServerSource.StartupMode %q: use initial, latest-offset or snapshot", s.StartupMode)
	}
	opts = append(opts, option{"scan.startup.mode", mode})
	if s.ChunkSize != 0 {
		opts = append(opts, option{"scan.incremental.snapshot.chunk.size", strconv.Itoa(s.ChunkSize)})
	}
	if col := s.ChunkKeyColumn[st.schema.Table.String()]; col != "" {
		opts = append(opts, option{"scan.incremental.snapshot.chunk.key-column", col})
	}
	if s.ConnectTimeout != 0 {
		opts = append(opts, option{"connect.timeout", duration(s.ConnectTimeout)})
	}
	if s.ConnectMaxRetries != 0 {
		opts = append(opts, option{"connect.max-retries", strconv.Itoa(s.ConnectMaxRetries)})
	}
	for _, o := range opts {
		if err := r.t.check("sqlserver-cdc " + o.key); err != nil {
			return nil, err
		}
	}
	return opts, nil
}

func (r *renderer) renderSinks() {
	for _, sk := range r.sinks {
		field := fmt.Sprintf("Sinks[%d] (%s)", sk.sink, sinkName(r.cfg, sk.sink))
		schema := sk.schema
		var opts []option
		withKey := true
		switch s := r.cfg.Sinks[sk.sink].Sink.(type) {
		case *ClickHouseSink:
			withKey = false // written append-only: each change is a row
			cols := append(slices.Clone(schema.Columns),
				cdc.Column{Name: "_version", Type: cdc.ColumnType{Kind: cdc.KindBigInt}},
				cdc.Column{Name: "_is_deleted", Type: cdc.ColumnType{Kind: cdc.KindTinyInt}},
			)
			schema = &cdc.TableSchema{Table: schema.Table, Columns: cols, PrimaryKey: schema.PrimaryKey}
			opts = []option{
				{"connector", "clickhouse"},
				{"url", s.URL},
				{"database-name", cmpS(cmpS(sk.table.Database, s.Database), "default")},
				{"table-name", sk.table.Table},
			}
			if s.Username != "" {
				opts = append(opts, option{"username", s.Username})
			}
			if s.Password != "" {
				opts = append(opts, option{"password", s.Password})
				r.script.addSecret(s.Password)
			}
			if p := redact.DSNPassword(s.URL); p != "" {
				r.script.addSecret(p)
			}
			if s.BatchSize != 0 {
				opts = append(opts, option{"sink.batch-size", strconv.Itoa(s.BatchSize)})
			}
			if s.FlushInterval != 0 {
				opts = append(opts, option{"sink.flush-interval", duration(s.FlushInterval)})
			}
			if s.MaxRetries != 0 {
				opts = append(opts, option{"sink.max-retries", strconv.Itoa(s.MaxRetries)})
			}
		case *JDBCSink:
			opts = []option{{"connector", "jdbc"}, {"url", s.URL}, {"table-name", sk.table.String()}}
			if s.Driver != "" {
				opts = append(opts, option{"driver", s.Driver})
			}
			if s.Username != "" {
				opts = append(opts, option{"username", s.Username})
			}
			if s.Password != "" {
				opts = append(opts, option{"password", s.Password})
				r.script.addSecret(s.Password)
			}
			if s.BufferFlushMaxRows != 0 {
				opts = append(opts, option{"sink.buffer-flush.max-rows", strconv.Itoa(s.BufferFlushMaxRows)})
			}
			if s.BufferFlushInterval != 0 {
				opts = append(opts, option{"sink.buffer-flush.interval", duration(s.BufferFlushInterval)})
			}
			if s.MaxRetries != 0 {
				opts = append(opts, option{"sink.max-retries", strconv.Itoa(s.MaxRetries)})
			}
		case *pipeline.PrintSink:
			withKey = false
			opts = []option{{"connector", "print"}, {"print-identifier", sk.table.String()}}
		}
		cols, err := columnsDDL(schema, nil, nil, withKey)
		if err != nil {
			r.errs.Add(field, sk.table.String(), "%v", err)
			continue
		}
		r.script.tables = append(r.script.tables, "CREATE TEMPORARY TABLE "+quoteIdent(sk.name)+" (\n"+cols+with(opts))
	}
}

func (r *renderer) renderInserts() {
	for _, in := range r.jobs {
		sql, err := r.selectOf(in)
		if err != nil {
			field := "Config"
			if in.transform >= 0 {
				field = fmt.Sprintf("Transforms[%d]", in.transform)
			}
			r.errs.Add(field, in.from.schema.Table.String(), "%v", err)
			continue
		}
		r.script.inserts = append(r.script.inserts, "INSERT INTO "+quoteIdent(in.to.name)+"\n"+sql)
	}
}

// selectOf renders the SELECT of one INSERT: the projection and filter of
// the transform, rendered from their syntax trees, and for a ClickHouse sink
// the run's _version and the _is_deleted of each row of the append-only
// changelog.
func (r *renderer) selectOf(in insert) (string, error) {
	list := "*"
	if in.proj != nil {
		s, err := expr.FlinkSQLSelect(*in.proj, in.from.schema)
		if err != nil {
			return "", err
		}
		list = s
	} else {
		cols := make([]string, len(in.from.schema.Columns))
		for i, c := range in.from.schema.Columns {
			cols[i] = quoteIdent(c.Name)
		}
		list = strings.Join(cols, ", ")
	}
	from := quoteIdent(in.from.name)
	var where string
	if in.filter != nil {
		cond, err := expr.FlinkSQLCondition(in.filter)
		if err != nil {
			return "", err
		}
		where = cond
		if computed := computedNames(in.proj, in.from.schema, in.filter); len(computed) > 0 {
			// The filter names columns the projection computes: filter the
			// projection's rows, keeping the source's columns it reads too.
			inner := list
			for _, n := range expr.ColumnNames(in.filter) {
				if in.from.schema.ColumnIndex(n) >= 0 && !projects(in.proj, in.from.schema, n) {
					inner += ", " + quoteIdent(n)
				}
			}
			for _, n := range usedMetadata(nil, in.filter) {
				inner += ", " + quoteIdent(n)
			}
			if in.from.appendOnly {
				inner += ", " + quoteIdent("row_kind") + ", " + quoteIdent("op_ts")
			}
			from = "(SELECT " + inner + " FROM " + from + ")"
			list = outputList(in.to.schema)
		}
	}
	if in.from.appendOnly {
		// Snapshot rows (op_ts 0, as Flink CDC documents) get the epoch and
		// binlog changes the epoch + 1: a snapshot row written late by one
		// subtask never hides a change another subtask wrote before it.
		list += fmt.Sprintf(",\n  CAST(%d + CASE WHEN `op_ts` = TO_TIMESTAMP_LTZ(0, 3) THEN 0 ELSE 1 END AS BIGINT) AS `_version`,\n  CAST(CASE WHEN `row_kind` IN ('-U', '-D') THEN 1 ELSE 0 END AS TINYINT) AS `_is_deleted`", r.opts.Epoch)
	}
	sql := "SELECT " + list + "\nFROM " + from
	if where != "" {
		sql += "\nWHERE " + where
	}
	return sql, nil
}

func outputList(schema *cdc.TableSchema) string {
	cols := make([]string, len(schema.Columns))
	for i, c := range schema.Columns {
		cols[i] = quoteIdent(c.Name)
	}
	return strings.Join(cols, ", ")
}

// projects reports whether the projection outputs name.
func projects(p *expr.Projection, schema *cdc.TableSchema, name string) bool {
	if p == nil {
		return schema.ColumnIndex(name) >= 0
	}
	for _, it := range p.Items {
		if it.Star && schema.ColumnIndex(name) >= 0 || !it.Star && it.Name() == name {
			return true
		}
	}
	return false
}

// computedNames returns the names the filter reads that the projection
// computes (an item that is not the bare column of its name).
func computedNames(p *expr.Projection, schema *cdc.TableSchema, filter expr.Expr) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, n := range expr.ColumnNames(filter) {
		for _, it := range p.Items {
			if it.Star || it.Name() != n {
				continue
			}
			if c, ok := it.Expr.(*expr.Column); !ok || c.Name != n {
				out = append(out, n)
			}
		}
	}
	return out
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func cmpS(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// restartSettings renders the pipeline's RestartPolicy as Flink's restart
// strategy: from Flink 1.20, exponential-delay with its backoffs and
// MaxAttempts failures in a row; before, whose exponential-delay has no
// bound on attempts, fixed-delay with MaxAttempts attempts Backoff apart.
// A zero policy leaves the cluster's strategy (with checkpoints on, Flink
// restarts a failed job without end), rather than failing at the first
// error as the embedded runner does.
func (r *renderer) restartSettings() [][2]string {
	p := r.cfg.Restart
	if p.MaxAttempts <= 0 {
		return nil
	}
	backoff, maxBackoff := p.Backoff, p.MaxBackoff
	if backoff == 0 {
		backoff = time.Second
	}
	if maxBackoff == 0 {
		maxBackoff = 30 * time.Second
	}
	typeKey := "restart-strategy.type"
	if !r.t.flinkAtLeast("1.18") {
		typeKey = "restart-strategy"
	}
	if r.t.flinkAtLeast("1.20") {
		return [][2]string{
			{typeKey, "exponential-delay"},
			{"restart-strategy.exponential-delay.initial-backoff", duration(backoff)},
			{"restart-strategy.exponential-delay.max-backoff", duration(maxBackoff)},
			{"restart-strategy.exponential-delay.attempts-before-reset-backoff", strconv.Itoa(p.MaxAttempts)},
		}
	}
	return [][2]string{
		{typeKey, "fixed-delay"},
		{"restart-strategy.fixed-delay.attempts", strconv.Itoa(p.MaxAttempts)},
		{"restart-strategy.fixed-delay.delay", duration(backoff)},
	}
}
