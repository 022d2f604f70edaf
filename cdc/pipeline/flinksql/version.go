package flinksql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Target is the Flink release a script is rendered for and the Flink CDC
// release whose connectors (mysql-cdc, sqlserver-cdc) it runs with.
type Target struct {
	// Flink is the Flink release: "1.13", "1.18", "1.20" or "2.2" (a patch
	// such as "1.20.1" is accepted). It decides the statement-set syntax and
	// the configuration key of the savepoint to resume from.
	Flink string
	// CDC is the Flink CDC release of the connectors, such as "2.4.2" or
	// "3.6.0"; "" means the newest release built for Flink (see
	// [DefaultCDC]). It decides which connector options exist: an option the
	// release lacks is an error at render time naming the release that has it.
	CDC string
}

// DefaultCDC maps the Flink releases Render knows to the Flink CDC release
// each defaults to: the newest one whose connectors are built for it (Flink
// CDC's own table of supported Flink versions).
var DefaultCDC = map[string]string{
	"1.13": "2.4.2", // com.ververica:flink-sql-connector-mysql-cdc:2.4.2 (Flink 1.13-1.17)
	"1.18": "3.2.1", // org.apache.flink:flink-sql-connector-mysql-cdc:3.2.1 (Flink 1.17-1.20)
	"1.20": "3.6.0", // org.apache.flink:flink-sql-connector-mysql-cdc:3.6.0 (Flink 1.20, 2.2)
	"2.2":  "3.6.0",
}

// cdcFlink lists, per Flink CDC minor release, the Flink minor releases its
// connectors are built for (docs/content/docs/connectors/flink-sources/overview.md).
var cdcFlink = map[string][]string{
	"2.2": {"1.13", "1.14"},
	"2.3": {"1.13", "1.14", "1.15", "1.16"},
	"2.4": {"1.13", "1.14", "1.15", "1.16", "1.17"},
	"3.0": {"1.14", "1.15", "1.16", "1.17", "1.18"},
	"3.1": {"1.16", "1.17", "1.18", "1.19"},
	"3.2": {"1.17", "1.18", "1.19", "1.20"},
	"3.3": {"1.19", "1.20"},
	"3.4": {"1.19", "1.20"},
	"3.5": {"1.19", "1.20"},
	"3.6": {"1.20", "2.2"},
}

// target is a resolved Target.
type target struct {
	flink string // major.minor
	cdc   version
}

type version [3]int

func parseVersion(s string) (version, bool) {
	var v version
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v version) less(w version) bool { return slices.Compare(v[:], w[:]) < 0 }
func (v version) String() string      { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }
func (v version) minor() string       { return fmt.Sprintf("%d.%d", v[0], v[1]) }

// atLeast reports whether the connectors are release since or newer.
func (t target) atLeast(since string) bool {
	v, _ := parseVersion(since)
	return !t.cdc.less(v)
}

func (t target) flinkAtLeast(minor string) bool {
	a, _ := parseVersion(t.flink)
	b, _ := parseVersion(minor)
	return !a.less(b)
}

// resolve checks t and fills in the default Flink CDC release.
func (t Target) resolve() (target, error) {
	fv, ok := parseVersion(t.Flink)
	if !ok {
		return target{}, fmt.Errorf("Target.Flink %q: want one of 1.13, 1.18, 1.20, 2.2", t.Flink)
	}
	flink := fv.minor()
	def, ok := DefaultCDC[flink]
	if !ok {
		return target{}, fmt.Errorf("Target.Flink %q: rtdw renders for Flink 1.13, 1.18, 1.20 and 2.2", t.Flink)
	}
	cdcText := t.CDC
	if cdcText == "" {
		cdcText = def
	}
	cv, ok := parseVersion(cdcText)
	if !ok {
		return target{}, fmt.Errorf("Target.CDC %q: want a Flink CDC release such as %s", t.CDC, def)
	}
	flinks, ok := cdcFlink[cv.minor()]
	if !ok {
		return target{}, fmt.Errorf("Target.CDC %q: rtdw knows the options of Flink CDC 2.2 to 3.6", t.CDC)
	}
	if !slices.Contains(flinks, flink) {
		return target{}, fmt.Errorf("Target.CDC %q: Flink CDC %s is built for Flink %s, not %s; use %s", t.CDC, cv.minor(), strings.Join(flinks, ", "), flink, def)
	}
	return target{flink: flink, cdc: cv}, nil
}

// optionSince is the first Flink CDC release whose table connector accepts
// an option (or a value of one), read from each release's
// MySqlTableSourceFactory / SqlServerTableFactory and connector docs in
// apache/flink-cdc (release-2.2.1 to release-3.6.0). Options absent here are
// in every release rtdw renders for (2.2 on).
var optionSince = map[string]string{
	// mysql-cdc
	"scan.startup.mode=earliest-offset":          "2.3.0", // 2.2's incremental source refuses it
	"scan.startup.mode=specific-offset":          "2.3.0",
	"scan.startup.mode=timestamp":                "2.3.0",
	"scan.startup.mode=snapshot":                 "3.1.0",
	"scan.startup.specific-offset.file":          "2.3.0",
	"scan.startup.specific-offset.pos":           "2.3.0",
	"scan.startup.specific-offset.gtid-set":      "2.3.0",
	"scan.startup.specific-offset.skip-events":   "2.3.0",
	"scan.startup.specific-offset.skip-rows":     "2.3.0",
	"scan.startup.timestamp-millis":              "2.3.0",
	"scan.incremental.snapshot.chunk.key-column": "2.3.0",
	"scan.read-changelog-as-append-only.enabled": "3.4.0",
	"metadata row_kind":                          "3.1.0",
	// sqlserver-cdc
	"sqlserver-cdc scan.incremental.snapshot.enabled":          "2.4.0",
	"sqlserver-cdc scan.incremental.snapshot.chunk.size":       "2.4.0",
	"sqlserver-cdc scan.incremental.snapshot.chunk.key-column": "2.4.0",
	"sqlserver-cdc scan.read-changelog-as-append-only.enabled": "3.4.0",
}

// check returns an error when the connectors of t lack option.
func (t target) check(option string) error {
	since, ok := optionSince[option]
	if !ok || t.atLeast(since) {
		return nil
	}
	if since == "99.0.0" {
		return fmt.Errorf("%s is in no Flink CDC release (up to 3.6)", option)
	}
	return fmt.Errorf("%s is not in Flink CDC %s: it needs Flink CDC %s or newer (Target.CDC)", option, t.cdc, since)
}

// savepointKey is the configuration key a job resumes from: Flink 1.20
// renamed execution.savepoint.path to execution.state-recovery.path.
func (t target) savepointKey() string {
	if t.flinkAtLeast("1.20") {
		return "execution.state-recovery.path"
	}
	return "execution.savepoint.path"
}
