package phoenix

import (
	"fmt"
	"strings"
)

// QuoteIdentifier quotes name the Phoenix way: in double quotes, so that its
// case is kept and a reserved word or a character such as '-' is allowed.
// Unquoted, Phoenix upper-cases a name (t_user becomes T_USER) and rejects
// words like ORDER. name must not contain a double quote or NUL (see
// [CheckIdentifier]).
func QuoteIdentifier(name string) string { return `"` + name + `"` }

// CheckIdentifier reports what is wrong with name as a Phoenix column name:
// empty, or holding a double quote or NUL, which Phoenix's quoted identifiers
// cannot carry.
func CheckIdentifier(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.ContainsAny(name, "\"\x00"):
		return fmt.Errorf("name %q contains a double quote or NUL, which a Phoenix identifier cannot hold; rename it", name)
	}
	return nil
}

// CheckTableName reports what is wrong with name as a Phoenix table or
// schema name. Phoenix names the HBase table after it (SCHEMA.TABLE, or
// SCHEMA:TABLE with namespace mapping), so it must also be a legal HBase
// name: letters, digits, '_', '-' and '.', not starting with '.' or '-'.
func CheckTableName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("name %q starts with %q, which HBase refuses; rename it", name, name[0])
	}
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			continue
		}
		return fmt.Errorf("name %q holds %q: Phoenix names the HBase table after it, and HBase allows only letters, digits, '_', '-' and '.'", name, r)
	}
	return nil
}

// TableRef names a Phoenix table: its schema (empty for the default schema)
// and its name, both case-sensitive as written.
type TableRef struct {
	Schema string
	Table  string
}

// String returns the quoted, qualified name as it appears in SQL, such as
// "GMALL"."dim_user_info".
func (t TableRef) String() string {
	if t.Schema == "" {
		return QuoteIdentifier(t.Table)
	}
	return QuoteIdentifier(t.Schema) + "." + QuoteIdentifier(t.Table)
}

// HBaseName returns the name of the HBase table Phoenix keeps t in: with
// namespace mapping (phoenix.schema.isNamespaceMappingEnabled) the schema is
// an HBase namespace ("GMALL:dim_user_info"); without, the table's name is
// "GMALL.dim_user_info" in HBase's default namespace.
func (t TableRef) HBaseName(namespaceMapping bool) string {
	switch {
	case t.Schema == "":
		return t.Table
	case namespaceMapping:
		return t.Schema + ":" + t.Table
	default:
		return t.Schema + "." + t.Table
	}
}

func (t TableRef) check() error {
	if t.Schema != "" {
		if err := CheckTableName(t.Schema); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	if err := CheckTableName(t.Table); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}
