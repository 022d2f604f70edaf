package deploy

import (
	"fmt"
	"strconv"
	"strings"
)

// FlinkVersion is a Flink release line, major.minor ("1.18", "2.0"). Its zero value means [DefaultFlinkVersion].
type FlinkVersion struct {
	Major, Minor int
}

// DefaultFlinkVersion is the release a zero [FlinkVersion] stands for: 1.20, the long-term-support line of 1.x.
var DefaultFlinkVersion = FlinkVersion{Major: 1, Minor: 20}

// oldestFlinkVersion is the oldest release whose option names deploy knows (its key list is 1.18's).
var oldestFlinkVersion = FlinkVersion{Major: 1, Minor: 18}

// ParseFlinkVersion reads "1.18", "1.18.1", "2.0" or the operator's spelling "v1_18".
func ParseFlinkVersion(s string) (FlinkVersion, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "v") && strings.Contains(t, "_") {
		t = strings.ReplaceAll(t[1:], "_", ".")
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return FlinkVersion{}, fmt.Errorf("deploy: Flink version %q: want major.minor, e.g. 1.20", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return FlinkVersion{}, fmt.Errorf("deploy: Flink version %q: want major.minor, e.g. 1.20", s)
		}
		nums[i] = n
	}
	return FlinkVersion{Major: nums[0], Minor: nums[1]}, nil
}

// orDefault returns v, or DefaultFlinkVersion when v is the zero value.
func (v FlinkVersion) orDefault() FlinkVersion {
	if v == (FlinkVersion{}) {
		return DefaultFlinkVersion
	}
	return v
}

// String returns "major.minor"; the zero value prints as the default version it stands for.
func (v FlinkVersion) String() string {
	v = v.orDefault()
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Less reports whether v is an older release than w.
func (v FlinkVersion) Less(w FlinkVersion) bool {
	v, w = v.orDefault(), w.orDefault()
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AtLeast reports whether v is w or newer.
func (v FlinkVersion) AtLeast(w FlinkVersion) bool { return !v.Less(w) }

// OperatorVersion is the spelling the Flink Kubernetes Operator uses in FlinkDeployment.spec.flinkVersion ("v1_20").
func (v FlinkVersion) OperatorVersion() string {
	v = v.orDefault()
	return fmt.Sprintf("v%d_%d", v.Major, v.Minor)
}

// ConfigFileName is the name of the configuration file the release reads from its conf directory: flink-conf.yaml
// (flat "key: value" lines) up to 1.18, config.yaml (standard, nested YAML) from 1.19 on. 1.19 and 1.20 still
// read a legacy flink-conf.yaml when no config.yaml exists; 2.0 reads only config.yaml.
func (v FlinkVersion) ConfigFileName() string {
	if v.StandardYAML() {
		return ConfigYAMLFile
	}
	return FlinkConfYAMLFile
}

// StandardYAML reports whether the release reads config.yaml (1.19 and later).
func (v FlinkVersion) StandardYAML() bool { return v.AtLeast(FlinkVersion{Major: 1, Minor: 19}) }

// The two Flink configuration file names.
const (
	FlinkConfYAMLFile = "flink-conf.yaml"
	ConfigYAMLFile    = "config.yaml"
)

// Keys returns the documented configuration keys of the release: the list of 1.18 for 1.18, of 1.20 for 1.19
// and 1.20, of 2.3 for every 2.x. Releases older than 1.18 are not covered.
func (v FlinkVersion) Keys() (*KeyCatalog, error) {
	v = v.orDefault()
	catalogOnce.Do(loadCatalogs)
	if catalogErr != nil {
		return nil, catalogErr
	}
	switch {
	case v.Less(oldestFlinkVersion):
		return nil, fmt.Errorf("deploy: Flink %s is older than %s, the oldest release whose keys deploy knows", v, oldestFlinkVersion)
	case v.Major == 1 && v.Minor == 18:
		return catalogs["1.18"], nil
	case v.Major == 1:
		return catalogs["1.20"], nil
	case v.Major == 2:
		return catalogs["2.3"], nil
	default:
		return nil, fmt.Errorf("deploy: Flink %s is newer than any release whose keys deploy knows (2.x)", v)
	}
}
