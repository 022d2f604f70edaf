package flinkconf

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Flink release line, major.minor ("1.18", "2.0"). Its zero value means [DefaultVersion].
type Version struct {
	Major, Minor int
}

// DefaultVersion is the release a zero [Version] stands for: 1.20, the long-term-support line of 1.x.
var DefaultVersion = Version{Major: 1, Minor: 20}

// oldestFlinkVersion is the oldest release whose option names flinkconf knows (its key list is 1.12.1's).
var oldestFlinkVersion = Version{Major: 1, Minor: 12}

// flink118 is the first release whose key list flinkconf holds after 1.13's; 1.14 to 1.17 fall between.
var flink118 = Version{Major: 1, Minor: 18}

// ParseVersion reads "1.18", "1.18.1", "2.0" or the operator's spelling "v1_18".
func ParseVersion(s string) (Version, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "v") && strings.Contains(t, "_") {
		t = strings.ReplaceAll(t[1:], "_", ".")
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("flinkconf: Flink version %q: want major.minor, e.g. 1.20", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("flinkconf: Flink version %q: want major.minor, e.g. 1.20", s)
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1]}, nil
}

// OrDefault returns v, or [DefaultVersion] when v is the zero value.
func (v Version) OrDefault() Version {
	if v == (Version{}) {
		return DefaultVersion
	}
	return v
}

// String returns "major.minor"; the zero value prints as the default version it stands for.
func (v Version) String() string {
	v = v.OrDefault()
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Less reports whether v is an older release than w.
func (v Version) Less(w Version) bool {
	v, w = v.OrDefault(), w.OrDefault()
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AtLeast reports whether v is w or newer.
func (v Version) AtLeast(w Version) bool { return !v.Less(w) }

// OperatorVersion is the spelling the Flink Kubernetes Operator uses in FlinkDeployment.spec.flinkVersion ("v1_20").
func (v Version) OperatorVersion() string {
	v = v.OrDefault()
	return fmt.Sprintf("v%d_%d", v.Major, v.Minor)
}

// ConfigFileName is the name of the configuration file the release reads from its conf directory: flink-conf.yaml
// (flat "key: value" lines) up to 1.18, config.yaml (standard, nested YAML) from 1.19 on. 1.19 and 1.20 still
// read a legacy flink-conf.yaml when no config.yaml exists; 2.0 reads only config.yaml.
func (v Version) ConfigFileName() string {
	if v.StandardYAML() {
		return ConfigYAMLFile
	}
	return FlinkConfYAMLFile
}

// StandardYAML reports whether the release reads config.yaml (1.19 and later).
func (v Version) StandardYAML() bool { return v.AtLeast(Version{Major: 1, Minor: 19}) }

// The two Flink configuration file names.
const (
	FlinkConfYAMLFile = "flink-conf.yaml"
	ConfigYAMLFile    = "config.yaml"
)

// Keys returns the documented configuration keys of the release, from Flink's own generated option tables:
// 1.12.1's for 1.12, 1.13.3's for 1.13, 1.18's for 1.18, 1.20's for 1.19 and 1.20, 2.3's for every 2.x. No
// table of 1.14 to 1.17 is held, so for those a key documented by 1.13 or by 1.18 is accepted (the releases
// in between renamed few keys and kept the old names as deprecated fallbacks). Releases older than 1.12 are not
// covered.
func (v Version) Keys() (*KeyCatalog, error) {
	v = v.OrDefault()
	catalogOnce.Do(loadCatalogs)
	if catalogErr != nil {
		return nil, catalogErr
	}
	switch {
	case v.Less(oldestFlinkVersion):
		return nil, fmt.Errorf("flinkconf: Flink %s is older than %s, the oldest release whose keys flinkconf knows", v, oldestFlinkVersion)
	case v.Major == 1 && v.Minor <= 13:
		return catalogs[v.String()], nil
	case v.Less(flink118):
		return catalogs["1.13+1.18"], nil
	case v.Major == 1 && v.Minor == 18:
		return catalogs["1.18"], nil
	case v.Major == 1:
		return catalogs["1.20"], nil
	case v.Major == 2:
		return catalogs["2.3"], nil
	default:
		return nil, fmt.Errorf("flinkconf: Flink %s is newer than any release whose keys flinkconf knows (2.x)", v)
	}
}
