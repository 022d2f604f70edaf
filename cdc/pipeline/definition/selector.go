package definition

import (
	"fmt"
	"strings"
)

// SelectorPattern turns a Flink CDC table selector, as the source-table of
// a route or transform and the tables option of the MySQL source write it,
// into the regular expression over the whole "database.table" that package
// cdc/pipeline and cdc/mysql take.
//
// In Flink CDC's selectors a comma separates alternatives, an unescaped dot
// separates the database from the table, and each part is a regular
// expression in which `\.` stands for regex's `.`: "app_db.\.*" selects
// every table of app_db, "gmall.order_info_\d+" the order shards of gmall,
// "db1.a, db2.b" two tables. MySQL tables have a database and a table, so a
// selector of one part, or of three (a namespace), selects none of them and
// is an error.
func SelectorPattern(selector string) (string, error) {
	var alts []string
	for _, sel := range splitOutside(selector, ',') {
		sel = strings.TrimSpace(sel)
		if sel == "" {
			return "", fmt.Errorf("empty selector between commas in %q", selector)
		}
		parts := splitOutside(sel, '.')
		if len(parts) != 2 {
			return "", fmt.Errorf("selector %q has %d part(s); name the database and the table as database.table (an escaped \\. inside a part means any character)", sel, len(parts))
		}
		for i, p := range parts {
			if p == "" {
				return "", fmt.Errorf("selector %q has an empty %s", sel, [2]string{"database", "table"}[i])
			}
			parts[i] = strings.ReplaceAll(p, `\.`, ".")
		}
		alts = append(alts, "(?:"+parts[0]+`)\.(?:`+parts[1]+")")
	}
	return strings.Join(alts, "|"), nil
}

// splitOutside splits s at sep where sep is not escaped by a backslash
// and not inside a regex's {…}, […] or (…).
func splitOutside(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++ // the escaped character is part of the pattern
		case c == '{' || c == '[' || c == '(':
			depth++
		case c == '}' || c == ']' || c == ')':
			if depth > 0 {
				depth--
			}
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// SelectorDatabases returns the database part of each alternative of a
// Flink CDC table selector, as a regular expression over the whole
// database name (for a source's database list, such as cdc/mysql's
// DatabaseList).
func SelectorDatabases(selector string) ([]string, error) {
	if _, err := SelectorPattern(selector); err != nil {
		return nil, err
	}
	var dbs []string
	for _, sel := range splitOutside(selector, ',') {
		db := splitOutside(strings.TrimSpace(sel), '.')[0]
		dbs = append(dbs, strings.ReplaceAll(db, `\.`, "."))
	}
	return dbs, nil
}
