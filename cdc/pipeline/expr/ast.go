package expr

import (
	"strconv"
	"strings"
)

// Expr is a node of the syntax tree that [ParseExpr] and [ParseProjection]
// build. The concrete types are the exported structs of this file; a switch
// over them sees every kind of node. The String method renders the node in
// the syntax it was parsed from, so that ParseExpr(e.String()) yields the
// same tree.
type Expr interface {
	// Pos is the byte offset of the node in the text it was parsed from.
	Pos() int
	// String renders the expression; parsing the result yields an equal tree.
	String() string
	exprNode()
}

// LiteralKind says what a [Literal] holds.
type LiteralKind uint8

// The kinds of literal.
const (
	LitNull      LiteralKind = iota // NULL
	LitBool                         // TRUE, FALSE
	LitInt                          // 42 (digits only)
	LitDecimal                      // 4.20 (digits with a point)
	LitFloat                        // 4.2E1 (with an exponent)
	LitString                       // 'text'
	LitDate                         // DATE '2024-01-31'
	LitTime                         // TIME '12:30:00'
	LitTimestamp                    // TIMESTAMP '2024-01-31 12:30:00'
)

// Literal is a constant. Text holds the value as written, without quotes
// for strings and typed literals ('it”s' is held as it's), and "TRUE" or
// "FALSE" for booleans.
type Literal struct {
	Kind     LiteralKind
	Text     string
	Position int
}

// Column names a column of the input table, a metadata field such as
// __table_name__, or, in a filter, a column the projection computes.
type Column struct {
	Name     string
	Position int
}

// Unary is a prefix operator: "-", "+" or "NOT".
type Unary struct {
	Op       string
	X        Expr
	Position int
}

// Binary is an infix operator: "OR", "AND", "=", "<>", "<", "<=", ">",
// ">=", "+", "-", "*", "/", "%" or "||". "!=" is read as "<>".
type Binary struct {
	Op       string
	L, R     Expr
	Position int
}

// Is is a postfix test: X IS [NOT] NULL, TRUE, FALSE or UNKNOWN.
type Is struct {
	X        Expr
	Not      bool
	What     string // "NULL", "TRUE", "FALSE" or "UNKNOWN"
	Position int
}

// DistinctFrom is L IS [NOT] DISTINCT FROM R.
type DistinctFrom struct {
	L, R     Expr
	Not      bool
	Position int
}

// Between is X [NOT] BETWEEN Low AND High.
type Between struct {
	X, Low, High Expr
	Not          bool
	Position     int
}

// In is X [NOT] IN (List...).
type In struct {
	X        Expr
	List     []Expr
	Not      bool
	Position int
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape], or, with Similar set,
// X [NOT] SIMILAR TO Pattern [ESCAPE Escape]. Escape is nil when absent.
type Like struct {
	X, Pattern, Escape Expr
	Not                bool
	Similar            bool
	Position           int
}

// When is one WHEN ... THEN ... arm of a [Case]. In a simple CASE (one with
// an operand) Conds are the values compared with the operand, and there may
// be several; in a searched CASE there is one condition.
type When struct {
	Conds []Expr
	Then  Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END. Operand and Else
// are nil when absent.
type Case struct {
	Operand  Expr
	Whens    []When
	Else     Expr
	Position int
}

// Cast is CAST(X AS Type), or TRY_CAST(X AS Type) with Try set.
type Cast struct {
	X        Expr
	Type     TypeName
	Try      bool
	Position int
}

// TypeName is the target of a CAST, as written: Name upper-cased (such as
// "STRING", "DECIMAL", "TIMESTAMP_LTZ") and up to two parameters.
type TypeName struct {
	Name   string
	Params []int
}

// String renders the type, such as DECIMAL(10, 2).
func (t TypeName) String() string {
	if len(t.Params) == 0 {
		return t.Name
	}
	var b strings.Builder
	b.WriteString(t.Name)
	b.WriteByte('(')
	for i, p := range t.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(p))
	}
	b.WriteByte(')')
	return b.String()
}

// Call is a function call. Name is upper-cased. The special forms of SQL
// are calls too, their arguments in a fixed order:
//
//	SUBSTRING(s FROM a [FOR n])             SUBSTRING(s, a[, n])
//	POSITION(a IN b [FROM n])               POSITION(a, b[, n])
//	TRIM([BOTH|LEADING|TRAILING] [c] FROM s) TRIM(s, c) with Unit set to the side
//	EXTRACT(unit FROM t)                    EXTRACT(t) with Unit set
//	OVERLAY(s PLACING r FROM a [FOR n])     OVERLAY(s, r, a[, n])
//	TIMESTAMPADD(unit, n, t)                TIMESTAMPADD(n, t) with Unit set
//	TIMESTAMPDIFF(unit, a, b)               TIMESTAMPDIFF(a, b) with Unit set
//	CURRENT_DATE, LOCALTIMESTAMP, ...       no arguments, Niladic set
type Call struct {
	Name     string
	Args     []Expr
	Unit     string // the time unit or TRIM side of the special forms, upper-cased
	Niladic  bool   // written without parentheses
	Position int
}

func (e *Literal) Pos() int      { return e.Position }
func (e *Column) Pos() int       { return e.Position }
func (e *Unary) Pos() int        { return e.Position }
func (e *Binary) Pos() int       { return e.Position }
func (e *Is) Pos() int           { return e.Position }
func (e *DistinctFrom) Pos() int { return e.Position }
func (e *Between) Pos() int      { return e.Position }
func (e *In) Pos() int           { return e.Position }
func (e *Like) Pos() int         { return e.Position }
func (e *Case) Pos() int         { return e.Position }
func (e *Cast) Pos() int         { return e.Position }
func (e *Call) Pos() int         { return e.Position }

func (*Literal) exprNode()      {}
func (*Column) exprNode()       {}
func (*Unary) exprNode()        {}
func (*Binary) exprNode()       {}
func (*Is) exprNode()           {}
func (*DistinctFrom) exprNode() {}
func (*Between) exprNode()      {}
func (*In) exprNode()           {}
func (*Like) exprNode()         {}
func (*Case) exprNode()         {}
func (*Cast) exprNode()         {}
func (*Call) exprNode()         {}

// Interval is an interval literal, INTERVAL 'Value' Unit [TO To], such as
// INTERVAL '8' HOUR or INTERVAL '1 02:03:04' DAY TO SECOND. It is an
// operand of + and - with a DATE, TIME or TIMESTAMP only.
type Interval struct {
	Value    string
	Unit     string // YEAR, MONTH, DAY, HOUR, MINUTE or SECOND
	To       string // the last unit of a compound interval, or ""
	Position int
}

func (e *Interval) Pos() int { return e.Position }

func (*Interval) exprNode() {}

// Projection is a parsed projection list, such as
// "id, UPPER(sku) AS sku, amount * 100 AS cents, *".
type Projection struct {
	Items []ProjectionItem
}

// ProjectionItem is one element of a [Projection]: either Star (all
// columns of the input table, in their order) or Expr with an optional
// Alias.
type ProjectionItem struct {
	Star  bool
	Expr  Expr
	Alias string // empty when not given
}

// Name is the output column's name: the alias, or the column's name for a
// bare column reference. It is empty for an unaliased computed item and for
// Star; compiling such an item fails and asks for an alias.
func (it ProjectionItem) Name() string {
	if it.Alias != "" {
		return it.Alias
	}
	if c, ok := it.Expr.(*Column); ok {
		return c.Name
	}
	return ""
}

// String renders the projection list; ParseProjection of the result yields
// an equal projection.
func (p Projection) String() string {
	var b strings.Builder
	for i, it := range p.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		if it.Star {
			b.WriteByte('*')
			continue
		}
		b.WriteString(it.Expr.String())
		if it.Alias != "" {
			b.WriteString(" AS ")
			b.WriteString(quoteIdent(it.Alias))
		}
	}
	return b.String()
}
