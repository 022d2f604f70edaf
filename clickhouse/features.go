package clickhouse

import (
	"fmt"
	"strconv"
	"strings"
)

// ServerVersion is a ClickHouse server's release number, such as 23.8.2.
type ServerVersion struct {
	Major, Minor, Patch int
}

// ParseServerVersion parses the text of SELECT version(), such as "18.16.1"
// or "24.3.2.23".
func ParseServerVersion(s string) (ServerVersion, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 {
		return ServerVersion{}, fmt.Errorf("clickhouse: server version %q: want major.minor[.patch...]", s)
	}
	var nums [3]int
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return ServerVersion{}, fmt.Errorf("clickhouse: server version %q: part %q is not a number", s, parts[i])
		}
		nums[i] = n
	}
	return ServerVersion{Major: nums[0], Minor: nums[1], Patch: nums[2]}, nil
}

// AtLeast reports whether v is major.minor or newer.
func (v ServerVersion) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// String returns "major.minor.patch".
func (v ServerVersion) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Features are the server capabilities the type mapping and DDL depend on.
// [FeaturesFor] derives them from the server version; a [Client] detects the
// version once, on first use.
type Features struct {
	// Version is the server version the features were derived from.
	Version ServerVersion
	// LowCardinality: LowCardinality(String) without the experimental
	// setting (19.3, ClickHouse PR #4323). ENUM columns use it.
	LowCardinality bool
	// DateTime64: DateTime64(precision, timezone) (20.1, PR #7170).
	// DATETIME(fsp>0) and TIMESTAMP(fsp>0) use it; without it they are
	// stored as text.
	DateTime64 bool
	// Decimal256: Decimal(P,S) with P up to 76 without the experimental
	// setting (21.6, PR #23631 made big integers and Decimal256 production
	// ready). DECIMAL(P>38) uses it; without it such columns are text.
	Decimal256 bool
	// Bool: the Bool type (21.12). BIT(1) uses it.
	Bool bool
	// IsDeleted: ReplacingMergeTree(version, is_deleted) (23.2, PR #41005).
	// Without it the table is ReplacingMergeTree(version) and readers filter
	// deleted rows themselves, as [Client.ReadTable] does.
	IsDeleted bool
	// RenameColumn: ALTER TABLE ... RENAME COLUMN (20.4, PR #9948). Without
	// it the sink renames a column by adding the new one, copying the
	// values with ALTER TABLE ... UPDATE and dropping the old one.
	RenameColumn bool
	// AddColumnFirst: ALTER TABLE ... ADD COLUMN ... FIRST (20.7, PR
	// #12073). Without it a column MySQL added FIRST is added last.
	AddColumnFirst bool
}

// FeaturesFor returns the features of a server of version v.
func FeaturesFor(v ServerVersion) Features {
	return Features{
		Version:        v,
		LowCardinality: v.AtLeast(19, 3),
		DateTime64:     v.AtLeast(20, 1),
		Decimal256:     v.AtLeast(21, 6),
		Bool:           v.AtLeast(21, 12),
		IsDeleted:      v.AtLeast(23, 2),
		RenameColumn:   v.AtLeast(20, 4),
		AddColumnFirst: v.AtLeast(20, 7),
	}
}
