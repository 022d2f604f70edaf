package flinkclient

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Flink release version such as 1.20.1 or 2.3-SNAPSHOT.
type Version struct {
	Major, Minor, Patch int
	// Suffix is what follows the numbers, e.g. "-SNAPSHOT" or "-rc1", verbatim.
	Suffix string
}

// Versions the client knows the REST shapes of, oldest first.
var (
	Flink112 = Version{Major: 1, Minor: 12}
	Flink113 = Version{Major: 1, Minor: 13}
	Flink115 = Version{Major: 1, Minor: 15}
	Flink118 = Version{Major: 1, Minor: 18}
	Flink120 = Version{Major: 1, Minor: 20}
	Flink20  = Version{Major: 2, Minor: 0}
	Flink23  = Version{Major: 2, Minor: 3}
)

// SupportedVersions returns the Flink versions whose REST API shapes the client implements and
// is tested against. A version between two of them (1.14, 1.17, 2.1) is spoken to as the older
// one, a newer cluster as the newest, and one before 1.12 as 1.12 (untested).
func SupportedVersions() []Version {
	return []Version{Flink112, Flink113, Flink115, Flink118, Flink120, Flink20, Flink23}
}

// ParseVersion parses "1.20", "1.20.1", "v2.0.0", "2.3-SNAPSHOT" or "1.18.1-rc2".
func ParseVersion(s string) (Version, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	end := len(s)
	for i, c := range s {
		if !(c >= '0' && c <= '9') && c != '.' {
			end = i
			break
		}
	}
	nums, suffix := s[:end], s[end:]
	parts := strings.Split(nums, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("flinkclient: %q is not a Flink version (want major.minor[.patch], e.g. 1.20.1)", orig)
	}
	var v [3]int
	for i, p := range parts {
		if p == "" || len(p) > 6 {
			return Version{}, fmt.Errorf("flinkclient: %q is not a Flink version (want major.minor[.patch], e.g. 1.20.1)", orig)
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return Version{}, fmt.Errorf("flinkclient: %q is not a Flink version: %v", orig, err)
		}
		v[i] = n
	}
	if strings.HasSuffix(nums, ".") {
		return Version{}, fmt.Errorf("flinkclient: %q is not a Flink version (trailing dot)", orig)
	}
	return Version{Major: v[0], Minor: v[1], Patch: v[2], Suffix: suffix}, nil
}

// String formats the version as major.minor[.patch][suffix].
func (v Version) String() string {
	s := strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
	if v.Patch != 0 {
		s += "." + strconv.Itoa(v.Patch)
	}
	return s + v.Suffix
}

// AtLeast reports whether v is at or after major.minor (patch and suffix ignored).
func (v Version) AtLeast(o Version) bool {
	if v.Major != o.Major {
		return v.Major > o.Major
	}
	return v.Minor >= o.Minor
}

// IsZero reports whether v is the zero Version (unknown).
func (v Version) IsZero() bool { return v == Version{} }

// shapes returns the newest supported version at or below v: the REST shapes the client uses.
// A version older than the oldest supported one is spoken to as that one.
func (v Version) shapes() Version {
	out := Flink112
	for _, s := range SupportedVersions() {
		if v.AtLeast(s) {
			out = s
		}
	}
	return out
}
