package mysql

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	pmysql "github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/rtdw/rtdw/cdc"
)

// columnDef is a column definition of a parsed DDL statement, turned into
// the model's column.
type columnDef struct {
	col cdc.Column
	// primaryKey is set for a column-level PRIMARY KEY.
	primaryKey bool
}

// displayWidthRE matches an integer type's display width, such as the
// (11) of int(11).
var displayWidthRE = regexp.MustCompile(`^([a-z]+)\(\d+\)`)

// columnFromDef turns a parsed column definition into a column, its text
// columns taking tableCharset when they name no character set.
func columnFromDef(def *ast.ColumnDef, tableCharset string) (columnDef, error) {
	name := def.Name.Name.O
	tp := def.Tp
	typeText := tp.InfoSchemaStr()
	charset := tp.GetCharset()
	out := columnDef{col: cdc.Column{Name: name, Nullable: true}}
	jsonCheck := false
	for _, o := range def.Options {
		switch o.Tp {
		case ast.ColumnOptionComment:
			if v, ok := o.Expr.(*test_driver.ValueExpr); ok {
				if s, ok := v.GetValue().(string); ok && strings.HasPrefix(s, spatialMarker) {
					typeText = strings.TrimPrefix(s, spatialMarker)
					charset = ""
				}
			}
		case ast.ColumnOptionCollate:
			if charset == "" || charset == "binary" && o.StrValue != "binary" {
				charset = charsetOfCollation(o.StrValue)
			}
		case ast.ColumnOptionCheck:
			if isJSONValidExpr(o.Expr, name) {
				jsonCheck = true
			}
		}
	}
	switch tp.GetType() {
	case pmysql.TypeYear:
		typeText = "year"
	case pmysql.TypeBlob, pmysql.TypeTinyBlob, pmysql.TypeMediumBlob, pmysql.TypeLongBlob:
		if tp.GetType() == pmysql.TypeBlob && tp.GetFlen() > 0 {
			typeText = sizedBlob(typeText, tp.GetFlen(), charset, tableCharset)
		}
	}
	if charset == "" {
		charset = tableCharset
	}
	ct, err := cdc.ParseColumnType(typeText, charset)
	if err != nil {
		return out, fmt.Errorf("column %s: %w", name, err)
	}
	if ct.Kind.IsInteger() && tp.GetFlen() < 0 {
		// No display width written: MySQL 8+ reports none either.
		ct.Length = 0
		ct.Raw = displayWidthRE.ReplaceAllString(ct.Raw, "$1")
	}
	if jsonCheck && ct.Kind == cdc.KindLongText {
		ct.Kind = cdc.KindJSON // MariaDB's JSON, as its CREATE TABLE … SELECT logs it
	}
	out.col.Type = ct
	for _, o := range def.Options {
		switch o.Tp {
		case ast.ColumnOptionNotNull:
			out.col.Nullable = false
		case ast.ColumnOptionNull:
			out.col.Nullable = true
		case ast.ColumnOptionPrimaryKey:
			out.col.Nullable = false
			out.primaryKey = true
		case ast.ColumnOptionDefaultValue:
			out.col.Default = columnDefault(&out.col, o.Expr)
		}
	}
	return out, nil
}

// sizedBlob picks the TEXT or BLOB type MySQL makes of TEXT(n) or BLOB(n):
// the smallest that holds n characters (bytes for BLOB).
func sizedBlob(typeText string, n int, charset, tableCharset string) string {
	text := strings.HasPrefix(typeText, "text")
	bytes := n
	if text {
		cs := charset
		if cs == "" {
			cs = tableCharset
		}
		bytes = n * maxBytesPerChar(cs)
	}
	size := "long"
	switch {
	case bytes < 1<<8:
		size = "tiny"
	case bytes < 1<<16:
		size = ""
	case bytes < 1<<24:
		size = "medium"
	}
	if text {
		return size + "text"
	}
	return size + "blob"
}

// maxBytesPerChar is the longest character of the common character sets.
func maxBytesPerChar(charset string) int {
	switch strings.ToLower(charset) {
	case "utf8mb4", "utf16", "utf16le", "utf32":
		return 4
	case "utf8", "utf8mb3", "ujis", "eucjpms":
		return 3
	case "big5", "gbk", "gb2312", "sjis", "cp932", "euckr", "ucs2":
		return 2
	case "gb18030":
		return 4
	}
	return 1
}

// charsetOfCollation returns the character set a collation belongs to:
// its name up to the first underscore (latin1_swedish_ci is latin1's,
// utf8mb4_uca1400_ai_ci utf8mb4's), as MySQL and MariaDB name them.
func charsetOfCollation(collation string) string {
	c := strings.ToLower(collation)
	if i := strings.IndexByte(c, '_'); i > 0 {
		return c[:i]
	}
	return c
}

// isJSONValidExpr reports whether e is json_valid(`col`), MariaDB's check of
// a JSON column.
func isJSONValidExpr(e ast.ExprNode, col string) bool {
	f, ok := e.(*ast.FuncCallExpr)
	if !ok || !strings.EqualFold(f.FnName.O, "json_valid") || len(f.Args) != 1 {
		return false
	}
	c, ok := f.Args[0].(*ast.ColumnNameExpr)
	return ok && strings.EqualFold(c.Name.Name.O, col)
}

// columnDefault turns a DEFAULT clause into the model's default: a literal
// as the canonical value of the column's type, anything else as its SQL
// text.
func columnDefault(col *cdc.Column, e ast.ExprNode) *cdc.ColumnDefault {
	if text, ok := literalText(e); ok {
		if text == nil {
			return &cdc.ColumnDefault{}
		}
		if expr, ok := strings.CutPrefix(*text, defaultExprMarker); ok {
			return &cdc.ColumnDefault{Expression: expr} // see parseDDL
		}
		if v, err := decodeText(col, []byte(*text), time.UTC); err == nil {
			return &cdc.ColumnDefault{Value: v}
		}
	}
	return &cdc.ColumnDefault{Expression: restoreSQL(e)}
}

// literalText returns the text of a literal (nil for NULL), or false when
// e is not a literal.
func literalText(e ast.ExprNode) (*string, bool) {
	switch e := e.(type) {
	case *test_driver.ValueExpr:
		v := e.GetValue()
		switch v := v.(type) {
		case nil:
			return nil, true
		case string:
			return &v, true
		case int64, uint64, float64, float32:
			s := fmt.Sprint(v)
			return &s, true
		case *test_driver.MyDecimal:
			s := v.String()
			return &s, true
		}
		return nil, false
	case *ast.UnaryOperationExpr:
		if s, ok := literalText(e.V); ok && s != nil && e.Op.String() == "minus" {
			neg := "-" + *s
			return &neg, true
		}
	}
	return nil, false
}

// restoreSQL renders an expression as SQL text.
func restoreSQL(n ast.Node) string {
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags|format.RestoreStringWithoutCharset, &b)); err != nil {
		return ""
	}
	return b.String()
}
