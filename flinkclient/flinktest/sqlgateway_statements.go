package flinktest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/flinkclient/sqlgateway"
)

var sgSpaces = regexp.MustCompile(`\s+`)

// sgNormalize trims, drops a trailing ";", collapses white space and
// upper-cases, so registered statements match however they are typed.
func sgNormalize(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	return strings.ToUpper(sgSpaces.ReplaceAllString(s, " "))
}

var (
	sgStringType = sqlgateway.LogicalType{Root: sqlgateway.TypeVarchar, Length: math.MaxInt32, Nullable: true}
	sgOKColumns  = []sqlgateway.Column{{Name: "result", Type: sgStringType}}
	sgOKResult   = SQLResult{Kind: sqlgateway.KindSuccess, Columns: sgOKColumns, Rows: []sqlgateway.Row{{Kind: sqlgateway.Insert, Values: []any{"OK"}}}}

	sgSetRe         = regexp.MustCompile(`(?is)^SET\s+('(?:[^']|'')*'|[^\s=]+)\s*=\s*('(?:[^']|'')*'|.+)$`)
	sgResetKeyRe    = regexp.MustCompile(`(?is)^RESET\s+('(?:[^']|'')*'|\S+)$`)
	sgUseCatalogRe  = regexp.MustCompile(`(?is)^USE\s+CATALOG\s+(\S+)$`)
	sgUseDatabaseRe = regexp.MustCompile(`(?is)^USE\s+(\S+)$`)
	sgCreateRe      = regexp.MustCompile(`(?is)^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.` + "`" + `]+)`)
	sgDropRe        = regexp.MustCompile(`(?is)^DROP\s+(?:TEMPORARY\s+)?TABLE\s+(IF\s+EXISTS\s+)?([\w.` + "`" + `]+)`)
	sgOtherDDLRe    = regexp.MustCompile(`(?is)^(CREATE|DROP|ALTER|LOAD|UNLOAD|ADD\s+JAR)\b`)
	sgSelectRe      = regexp.MustCompile(`(?is)^SELECT\s+(.+)$`)
)

func sgUnquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

func sgUnquoteIdent(s string) string {
	return strings.ReplaceAll(strings.Trim(s, "`"), "``", "`")
}

// run executes a statement in s (the gateway lock is held) and returns its
// result, or the "Caused by" line of its failure.
func (g *SQLGateway) run(s *sgSession, statement string) (*SQLResult, string) {
	stmt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(statement), ";"))
	norm := sgNormalize(stmt)
	if msg, ok := g.failures[norm]; ok {
		return nil, msg
	}
	if r, ok := g.results[norm]; ok {
		return &r, ""
	}
	switch {
	case norm == "SET":
		keys := make([]string, 0, len(s.props))
		for k := range s.props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		notNull := sgStringType
		notNull.Nullable = false
		r := &SQLResult{Columns: []sqlgateway.Column{{Name: "key", Type: notNull}, {Name: "value", Type: notNull}}}
		for _, k := range keys {
			r.Rows = append(r.Rows, sqlgateway.Row{Kind: sqlgateway.Insert, Values: []any{k, s.props[k]}})
		}
		return r, ""
	case sgSetRe.MatchString(stmt):
		m := sgSetRe.FindStringSubmatch(stmt)
		s.props[sgUnquote(m[1])] = sgUnquote(strings.TrimSpace(m[2]))
		return &sgOKResult, ""
	case norm == "RESET":
		s.props = g.defaultProperties()
		return &sgOKResult, ""
	case sgResetKeyRe.MatchString(stmt):
		key := sgUnquote(sgResetKeyRe.FindStringSubmatch(stmt)[1])
		if def, ok := g.defaultProperties()[key]; ok {
			s.props[key] = def
		} else {
			delete(s.props, key)
		}
		return &sgOKResult, ""
	case norm == "SHOW CATALOGS":
		return g.listResult("catalog name", sgKeys(g.cfg.Catalogs)), ""
	case norm == "SHOW DATABASES":
		return g.listResult("database name", sgKeys(g.cfg.Catalogs[s.catalog])), ""
	case norm == "SHOW TABLES":
		return g.listResult("table name", s.tables[s.catalog+"."+s.database]), ""
	case norm == "SHOW CURRENT CATALOG":
		return g.listResult("current catalog name", []string{s.catalog}), ""
	case norm == "SHOW CURRENT DATABASE":
		return g.listResult("current database name", []string{s.database}), ""
	case sgUseCatalogRe.MatchString(stmt):
		c := sgUnquoteIdent(sgUseCatalogRe.FindStringSubmatch(stmt)[1])
		if _, ok := g.cfg.Catalogs[c]; !ok {
			return nil, fmt.Sprintf("org.apache.flink.table.catalog.exceptions.CatalogException: A catalog with name [%s] does not exist.", c)
		}
		s.catalog = c
		s.database, _ = sgFirstKey(g.cfg.Catalogs[c])
		return &sgOKResult, ""
	case sgUseDatabaseRe.MatchString(stmt):
		db := sgUnquoteIdent(sgUseDatabaseRe.FindStringSubmatch(stmt)[1])
		if _, ok := g.cfg.Catalogs[s.catalog][db]; !ok {
			return nil, fmt.Sprintf("org.apache.flink.table.catalog.exceptions.CatalogException: A database with name [%s] does not exist in the catalog: [%s].", db, s.catalog)
		}
		s.database = db
		return &sgOKResult, ""
	case sgCreateRe.MatchString(stmt):
		name := sgLastPart(sgCreateRe.FindStringSubmatch(stmt)[1])
		key := s.catalog + "." + s.database
		if !slices.Contains(s.tables[key], name) {
			s.tables[key] = append(s.tables[key], name)
		}
		return &sgOKResult, ""
	case sgDropRe.MatchString(stmt):
		m := sgDropRe.FindStringSubmatch(stmt)
		name, key := sgLastPart(m[2]), s.catalog+"."+s.database
		i := slices.Index(s.tables[key], name)
		if i < 0 && m[1] == "" {
			return nil, fmt.Sprintf("org.apache.flink.table.api.ValidationException: Table with identifier '%s.%s.%s' does not exist.", s.catalog, s.database, name)
		}
		if i >= 0 {
			s.tables[key] = slices.Delete(s.tables[key], i, i+1)
		}
		return &sgOKResult, ""
	case sgOtherDDLRe.MatchString(stmt):
		return &sgOKResult, ""
	case sgSelectRe.MatchString(stmt):
		if r, err := g.selectLiterals(sgSelectRe.FindStringSubmatch(stmt)[1]); err == "" {
			return r, ""
		}
	}
	word, _, _ := strings.Cut(stmt, " ")
	return nil, fmt.Sprintf("org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered \"%s\" at line 1, column 1.", word)
}

func sgLastPart(qualified string) string {
	parts := strings.Split(qualified, ".")
	return sgUnquoteIdent(parts[len(parts)-1])
}

func sgKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sgFirstKey[V any](m map[string]V) (string, bool) {
	keys := sgKeys(m)
	if len(keys) == 0 {
		return "", false
	}
	return keys[0], true
}

func (g *SQLGateway) listResult(column string, values []string) *SQLResult {
	t := sgStringType
	t.Nullable = false
	r := &SQLResult{Columns: []sqlgateway.Column{{Name: column, Type: t}}}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	for _, v := range sorted {
		r.Rows = append(r.Rows, sqlgateway.Row{Kind: sqlgateway.Insert, Values: []any{v}})
	}
	return r
}

var (
	sgIntLit     = regexp.MustCompile(`^-?\d+$`)
	sgDecimalLit = regexp.MustCompile(`^-?(\d*)\.(\d+)$`)
	sgAliasRe    = regexp.MustCompile(`(?is)^(.+?)\s+AS\s+(\w+|` + "`[^`]+`" + `)$`)
)

// selectLiterals answers SELECT 1, 'a' AS b, TRUE, 2.50, NULL as Flink
// types them. It returns a non-empty reason when the list is not literals.
func (g *SQLGateway) selectLiterals(list string) (*SQLResult, string) {
	items, ok := sgSplitList(list)
	if !ok {
		return nil, "unbalanced quotes"
	}
	g.jobCounter++
	r := &SQLResult{Query: true, JobID: fmt.Sprintf("%032x", g.jobCounter)}
	values := make([]any, 0, len(items))
	for i, item := range items {
		item = strings.TrimSpace(item)
		name := fmt.Sprintf("EXPR$%d", i)
		if m := sgAliasRe.FindStringSubmatch(item); m != nil {
			item, name = strings.TrimSpace(m[1]), sgUnquoteIdent(m[2])
		}
		var t sqlgateway.LogicalType
		var v any
		switch up := strings.ToUpper(item); {
		case up == "TRUE" || up == "FALSE":
			t, v = sqlgateway.LogicalType{Root: sqlgateway.TypeBoolean}, up == "TRUE"
		case up == "NULL":
			t, v = sqlgateway.LogicalType{Root: sqlgateway.TypeNull, Nullable: true}, nil
		case sgIntLit.MatchString(item):
			n, err := strconv.ParseInt(item, 10, 64)
			if err != nil {
				return nil, "integer out of range"
			}
			t = sqlgateway.LogicalType{Root: sqlgateway.TypeInteger}
			if n != int64(int32(n)) {
				t.Root = sqlgateway.TypeBigint
			}
			v = n
		case sgDecimalLit.MatchString(item):
			m := sgDecimalLit.FindStringSubmatch(item)
			intDigits := len(strings.TrimLeft(m[1], "0"))
			scale := len(m[2])
			t = sqlgateway.LogicalType{Root: sqlgateway.TypeDecimal, Precision: max(intDigits+scale, 1), Scale: scale}
			v = json.Number(strings.Replace(item, "-.", "-0.", 1))
			if strings.HasPrefix(item, ".") {
				v = json.Number("0" + item)
			}
		case len(item) >= 2 && item[0] == '\'' && item[len(item)-1] == '\'':
			s := sgUnquote(item)
			t, v = sqlgateway.LogicalType{Root: sqlgateway.TypeChar, Length: len([]rune(s))}, s
		default:
			return nil, "not a literal: " + item
		}
		r.Columns = append(r.Columns, sqlgateway.Column{Name: name, Type: t})
		values = append(values, v)
	}
	r.Rows = []sqlgateway.Row{{Kind: sqlgateway.Insert, Values: values}}
	return r, ""
}

// sgSplitList splits a select list on commas outside quotes.
func sgSplitList(s string) ([]string, bool) {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if inQuote {
		return nil, false
	}
	return append(out, s[start:]), true
}

// sgEncodeRows writes rows as Flink's ResultInfo "data" array: one object per
// row with "kind" and "fields", values by column type (JSON) or as text.
func sgEncodeRows(cols []sqlgateway.Column, rows []sqlgateway.Row, format sqlgateway.RowFormat) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(rows))
	var buf []byte
	for i, r := range rows {
		if len(r.Values) != len(cols) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", i, len(r.Values), len(cols))
		}
		kind := r.Kind
		if kind == "" {
			kind = sqlgateway.Insert
		}
		buf = append(buf[:0], `{"kind":"`...)
		buf = append(buf, kind...)
		buf = append(buf, `","fields":[`...)
		for j, v := range r.Values {
			if j > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = sgAppendValue(buf, &cols[j].Type, v, format); err != nil {
				return nil, fmt.Errorf("row %d column %q: %w", i, cols[j].Name, err)
			}
		}
		buf = append(buf, "]}"...)
		out = append(out, json.RawMessage(slices.Clone(buf)))
	}
	return out, nil
}

func sgAppendValue(buf []byte, t *sqlgateway.LogicalType, v any, format sqlgateway.RowFormat) ([]byte, error) {
	if v == nil {
		return append(buf, "null"...), nil
	}
	if format == sqlgateway.RowFormatPlainText {
		return sgAppendJSONString(buf, sgPlainText(t, v)), nil
	}
	switch x := v.(type) {
	case string:
		return sgAppendJSONString(buf, x), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case float32:
		return strconv.AppendFloat(buf, float64(x), 'g', -1, 32), nil
	case float64:
		return strconv.AppendFloat(buf, x, 'g', -1, 64), nil
	case json.Number:
		return append(buf, x...), nil
	case []byte:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, x)
		return append(buf, '"'), nil
	case time.Time:
		switch t.Root {
		case sqlgateway.TypeDate:
			return sgAppendJSONString(buf, x.Format(time.DateOnly)), nil
		case sqlgateway.TypeTimestampWithLocalTimeZone, sqlgateway.TypeTimestampWithTimeZone:
			return sgAppendJSONString(buf, x.UTC().Format("2006-01-02T15:04:05.999999999Z")), nil
		default:
			return sgAppendJSONString(buf, x.Format("2006-01-02T15:04:05.999999999")), nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(buf, b...), nil
}

func sgPlainText(t *sqlgateway.LogicalType, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return fmt.Sprintf("x'%x'", x)
	case time.Time:
		if t.Root == sqlgateway.TypeDate {
			return x.Format(time.DateOnly)
		}
		return x.Format("2006-01-02 15:04:05.999999999")
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	}
	return fmt.Sprint(v)
}

func sgAppendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}
