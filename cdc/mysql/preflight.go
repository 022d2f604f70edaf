package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/rtdw/rtdw/cdc"
)

// detectServer reads the server's version and flavour.
func (r *runner) detectServer(ctx context.Context) error {
	var version string
	if err := r.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return sourceErr("preflight", nil, err, "", "read the server version")
	}
	s := serverInfo{version: version, flavor: gomysql.MySQLFlavor}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		s.flavor = gomysql.MariaDBFlavor
	}
	parts := strings.SplitN(version, ".", 3)
	if len(parts) >= 2 {
		s.major, _ = strconv.Atoi(parts[0])
		s.minor, _ = strconv.Atoi(parts[1])
	}
	s.statusQuery = "SHOW MASTER STATUS"
	if s.flavor == gomysql.MySQLFlavor && (s.major > 8 || (s.major == 8 && s.minor >= 2)) {
		s.statusQuery = "SHOW BINARY LOG STATUS"
	}
	r.server = s
	r.serverDetected()
	return nil
}

// checkBinlogSettings checks log_bin, binlog_format, binlog_row_image and
// (MySQL) binlog_row_value_options.
func (r *runner) checkBinlogSettings(ctx context.Context) error {
	rows, err := r.db.QueryContext(ctx, `SHOW GLOBAL VARIABLES WHERE Variable_name IN
('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_value_options', 'gtid_mode')`)
	if err != nil {
		return sourceErr("preflight", nil, err, "", "read the server's binlog settings")
	}
	defer rows.Close()
	vars := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		vars[strings.ToLower(k)] = strings.ToUpper(strings.TrimSpace(v))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.server.gtidMode = vars["gtid_mode"] == "ON"
	var probs []string
	var fixes []string
	if v := vars["log_bin"]; v != "ON" && v != "1" {
		probs = append(probs, "log_bin is "+orNone(v))
		fixes = append(fixes, "start the server with --log-bin (and a --server-id)")
	}
	if v, ok := vars["binlog_format"]; ok && v != "ROW" {
		probs = append(probs, "binlog_format is "+v)
		fixes = append(fixes, "SET GLOBAL binlog_format = 'ROW' (and binlog_format=ROW in the server's config)")
	}
	if v, ok := vars["binlog_row_image"]; ok && v != "FULL" {
		probs = append(probs, "binlog_row_image is "+v)
		fixes = append(fixes, "SET GLOBAL binlog_row_image = 'FULL' (and binlog_row_image=FULL in the server's config)")
	}
	if v := vars["binlog_row_value_options"]; v != "" {
		probs = append(probs, "binlog_row_value_options is "+v)
		fixes = append(fixes, "SET GLOBAL binlog_row_value_options = '' so JSON updates are logged whole")
	}
	if len(probs) > 0 {
		return sourceErr("preflight", ErrServerConfig, nil, strings.Join(fixes, "; "),
			"%s: change capture needs the binary log on, in ROW format with FULL row images", strings.Join(probs, ", "))
	}
	return nil
}

func orNone(v string) string {
	if v == "" {
		return "OFF"
	}
	return v
}

// privilege is one privilege the source needs.
type privilege int

const (
	privSelect privilege = iota
	privReplSlave
	privReplClient
)

// name is the privilege's name on the server's flavour.
func (p privilege) name(flavor string) string {
	switch p {
	case privSelect:
		return "SELECT"
	case privReplSlave:
		return "REPLICATION SLAVE"
	}
	if flavor == gomysql.MariaDBFlavor {
		return "BINLOG MONITOR"
	}
	return "REPLICATION CLIENT"
}

func (r *runner) grantFix(p privilege) string {
	on := "*.*"
	if p == privSelect {
		on = "`db`.* for each captured database"
	}
	return fmt.Sprintf("GRANT %s ON %s TO the source's user (%q)", p.name(r.server.flavor), on, r.cfg.Username)
}

var grantRE = regexp.MustCompile(`(?is)^GRANT\s+(.*?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE)\s+)?(\S+)\s+TO\s`)

// checkGrants reads SHOW GRANTS and reports the first missing privilege. A
// user that holds roles may get privileges SHOW GRANTS does not list; then
// the check passes and a missing privilege shows when it is first used.
func (r *runner) checkGrants(ctx context.Context, databases []string) error {
	rows, err := r.db.QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		return nil // some proxies refuse SHOW GRANTS; the server will tell later
	}
	defer rows.Close()
	global := map[string]bool{}
	dbSelect := []string{} // database patterns with SELECT
	hasRoles := false
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil
		}
		m := grantRE.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(line)), "GRANT ") {
				hasRoles = true
			}
			continue
		}
		privs := parsePrivileges(m[1])
		target := m[2]
		dbPart, tablePart, _ := strings.Cut(target, ".")
		switch {
		case target == "*.*":
			for _, p := range privs {
				global[p] = true
			}
		case tablePart == "*" || tablePart == "`*`":
			if slices.Contains(privs, "SELECT") || slices.Contains(privs, "ALL PRIVILEGES") || slices.Contains(privs, "ALL") {
				dbSelect = append(dbSelect, unquoteIdent(dbPart))
			}
		}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if global[n] {
				return true
			}
		}
		return global["ALL PRIVILEGES"] || global["ALL"]
	}
	if hasRoles {
		return nil
	}
	missing := func(p privilege, what string) error {
		return sourceErr("preflight", ErrMissingPrivilege, nil, r.grantFix(p),
			"user %q lacks the %s privilege, needed to %s", r.cfg.Username, p.name(r.server.flavor), what)
	}
	if !has("REPLICATION SLAVE", "REPLICATION REPLICA") {
		return missing(privReplSlave, "read the binlog")
	}
	if !has("REPLICATION CLIENT", "BINLOG MONITOR", "SUPER") {
		return missing(privReplClient, "read binlog positions (SHOW BINARY LOGS, SHOW MASTER STATUS)")
	}
	if !has("SELECT") {
		for _, db := range databases {
			ok := false
			for _, pat := range dbSelect {
				if likeMatch(pat, db) {
					ok = true
				}
			}
			if !ok {
				return sourceErr("preflight", ErrMissingPrivilege, nil, fmt.Sprintf("GRANT SELECT ON `%s`.* TO the source's user (%q)", db, r.cfg.Username),
					"user %q lacks the SELECT privilege on database %s, needed to read schemas and snapshot rows", r.cfg.Username, db)
			}
		}
	}
	return nil
}

// parsePrivileges splits "SELECT, INSERT (a, b), REPLICATION SLAVE" into
// upper-case privilege names, dropping column lists.
func parsePrivileges(s string) []string {
	var out []string
	depth := 0
	var cur strings.Builder
	flush := func() {
		if p := strings.ToUpper(strings.Join(strings.Fields(cur.String()), " ")); p != "" {
			out = append(out, p)
		}
		cur.Reset()
	}
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			flush()
		case depth == 0:
			cur.WriteRune(c)
		}
	}
	flush()
	return out
}

func unquoteIdent(s string) string {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}

// likeMatch matches a database name against a grant's LIKE pattern.
func likeMatch(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

// discoverTables lists the server's databases and tables and applies the
// filters. Every DatabaseList and TableList pattern must match something.
func (r *runner) discoverTables(ctx context.Context) ([]cdc.TableID, []string, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")
	if err != nil {
		return nil, nil, sourceErr("preflight", nil, err, "", "list databases")
	}
	var all []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, nil, err
		}
		all = append(all, s)
	}
	rows.Close()
	var dbs []string
	for _, s := range all {
		if r.cfg.matchDatabase(s) {
			dbs = append(dbs, s)
		}
	}
	for i, re := range r.cfg.databases {
		if !slices.ContainsFunc(dbs, re.MatchString) {
			return nil, nil, sourceErr("preflight", ErrUnknownDatabase, nil,
				"create the database, correct DatabaseList, or GRANT SELECT on it to the user",
				"DatabaseList pattern %q matches no database the user can see", r.cfg.DatabaseList[i])
		}
	}
	tables, err := ListTables(ctx, r.db, dbs)
	if err != nil {
		return nil, nil, sourceErr("preflight", nil, err, "", "list tables")
	}
	var out []cdc.TableID
	for _, t := range tables {
		if r.cfg.matchTable(t) {
			out = append(out, t)
		}
	}
	for i, re := range r.cfg.tables {
		if !slices.ContainsFunc(out, func(t cdc.TableID) bool { return re.MatchString(t.String()) }) {
			return nil, nil, sourceErr("preflight", ErrUnknownTable, nil,
				"create the table, or correct TableList (patterns match whole \"database.table\" names in captured databases)",
				"TableList pattern %q matches no table", r.cfg.TableList[i])
		}
	}
	return out, dbs, nil
}

// binaryLogs lists SHOW BINARY LOGS.
func (r *runner) binaryLogs(ctx context.Context) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		if isAccessDenied(err) {
			return nil, sourceErr("binlog files", ErrMissingPrivilege, err, r.grantFix(privReplClient),
				"SHOW BINARY LOGS needs the %s privilege", privReplClient.name(r.server.flavor))
		}
		return nil, sourceErr("binlog files", ErrServerConfig, err, "start the server with --log-bin", "SHOW BINARY LOGS failed")
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var files []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		files = append(files, string(vals[0]))
	}
	return files, rows.Err()
}

// checkNotPurged fails with ErrBinlogPurged when off's file is gone.
func (r *runner) checkNotPurged(ctx context.Context, off Offset, what string) error {
	if off.File == "" {
		return nil
	}
	files, err := r.binaryLogs(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(files, off.File) {
		return nil
	}
	oldest := "none"
	if len(files) > 0 {
		oldest = files[0]
	}
	return sourceErr("start", ErrBinlogPurged, nil,
		"delete the checkpoint to take a new snapshot (StartupOptions Initial), and keep binlogs longer (binlog_expire_logs_seconds / expire_logs_days)",
		"%s needs binlog file %s, which the server no longer has (oldest: %s)", what, off.File, oldest)
}
