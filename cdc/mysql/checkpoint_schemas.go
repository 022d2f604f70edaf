package mysql

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rtdw/rtdw/cdc"
)

// storedTable is one table of the schema history as a checkpoint stores it
// (state version 3).
type storedTable struct {
	Table      cdc.TableID    `json:"table"`
	Columns    []storedColumn `json:"columns"`
	PrimaryKey []string       `json:"primary_key,omitempty"`
	// Charset is the table's default character set, when known.
	Charset string `json:"charset,omitempty"`
	// Shadow marks a shadow table of an online schema change tool.
	Shadow bool `json:"shadow,omitempty"`
}

// storedColumn is one column of a storedTable.
type storedColumn struct {
	Name string `json:"name"`
	// Type is the column type's text (cdc.ColumnType.Raw), parsed again
	// with cdc.ParseColumnType; Kind is kept for a kind the text does not
	// say (MariaDB's JSON is a longtext).
	Type     string         `json:"type"`
	Kind     string         `json:"kind"`
	Charset  string         `json:"charset,omitempty"`
	Nullable bool           `json:"nullable,omitempty"`
	Default  *storedDefault `json:"default,omitempty"`
}

// storedDefault is a column's DEFAULT clause: a literal as text (nil for
// NULL), or an expression.
type storedDefault struct {
	Literal    *string `json:"literal,omitempty"`
	Expression string  `json:"expression,omitempty"`
}

// encodeHistory turns a history into its stored form, sorted by table.
func encodeHistory(h *schemaHistory) []storedTable {
	out := make([]storedTable, 0, len(h.tables))
	for id, t := range h.tables {
		st := storedTable{Table: id, PrimaryKey: t.schema.PrimaryKey, Charset: t.charset, Shadow: t.shadow}
		for _, c := range t.schema.Columns {
			sc := storedColumn{Name: c.Name, Type: c.Type.Raw, Kind: c.Type.Kind.String(), Charset: c.Type.Charset, Nullable: c.Nullable}
			if d := c.Default; d != nil {
				sd := &storedDefault{Expression: d.Expression}
				if d.Expression == "" && d.Value != nil {
					text, ok := formatDefault(&c, d.Value)
					if !ok {
						sd = nil // a value without a text form here: stored as none
					} else {
						sd.Literal = &text
					}
				}
				sc.Default = sd
			}
			st.Columns = append(st.Columns, sc)
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b storedTable) int { return strings.Compare(a.Table.String(), b.Table.String()) })
	return out
}

// decodeHistory rebuilds a history from its stored form.
func decodeHistory(tables []storedTable) (*schemaHistory, error) {
	h := &schemaHistory{tables: make(map[cdc.TableID]historyTable, len(tables))}
	for _, st := range tables {
		s := &cdc.TableSchema{Table: st.Table, PrimaryKey: st.PrimaryKey}
		for _, sc := range st.Columns {
			ct, err := cdc.ParseColumnType(sc.Type, sc.Charset)
			if err != nil {
				return nil, fmt.Errorf("table %s column %s: %w", st.Table, sc.Name, err)
			}
			if ct.Kind.String() != sc.Kind {
				k, ok := kindNamed(sc.Kind)
				if !ok {
					return nil, fmt.Errorf("table %s column %s: unknown kind %q", st.Table, sc.Name, sc.Kind)
				}
				ct.Kind = k
			}
			col := cdc.Column{Name: sc.Name, Type: ct, Nullable: sc.Nullable}
			if d := sc.Default; d != nil {
				col.Default = &cdc.ColumnDefault{Expression: d.Expression}
				if d.Literal != nil {
					v, err := decodeText(&col, []byte(*d.Literal), time.UTC)
					if err != nil {
						return nil, fmt.Errorf("table %s column %s default: %w", st.Table, sc.Name, err)
					}
					col.Default.Value = v
				}
			}
			s.Columns = append(s.Columns, col)
		}
		h.tables[st.Table] = historyTable{schema: s, charset: st.Charset, shadow: st.Shadow}
	}
	return h, nil
}

// kindNamed returns the kind whose String is name.
func kindNamed(name string) (cdc.Kind, bool) {
	for k := cdc.KindUnknown; k < math.MaxUint8; k++ {
		if k.String() == name {
			return k, true
		}
	}
	return 0, false
}

// formatDefault renders a canonical default value as the text decodeText
// reads back.
func formatDefault(col *cdc.Column, v any) (string, bool) {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		if col.Type.Kind == cdc.KindBit {
			return "", false // decodeText reads BIT as bytes
		}
		return strconv.FormatUint(v, 10), true
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case decimal.Decimal:
		return v.String(), true
	case string:
		return v, true
	case []byte:
		return string(v), true
	case cdc.JSON:
		return string(v), true
	case time.Time:
		if col.Type.Kind == cdc.KindDate {
			return v.UTC().Format("2006-01-02"), true
		}
		return v.UTC().Format("2006-01-02 15:04:05.999999"), true
	case time.Duration:
		sign := ""
		if v < 0 {
			sign, v = "-", -v
		}
		h, m, s := v/time.Hour, v%time.Hour/time.Minute, v%time.Minute/time.Second
		us := v % time.Second / time.Microsecond
		return fmt.Sprintf("%s%02d:%02d:%02d.%06d", sign, h, m, s, us), true
	}
	return "", false
}
