package launch

import (
	"fmt"
	"maps"
	"path"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
)

// dynamicOptions validates cfg with the extra keys added and returns "-Dkey=value" arguments for every entry,
// the form Flink's CLIs (flink, yarn-session.sh, kubernetes-session.sh) take dynamic properties in.
func dynamicOptions(what string, cfg flinkconf.Config, extra map[string]string) ([]string, error) {
	c := cfg.Clone()
	if c.Extra == nil {
		c.Extra = map[string]string{}
	}
	for k, v := range extra {
		if v == "" {
			continue
		}
		if _, set := c.Extra[k]; set {
			ps := invalid(what)
			ps.Add(k, c.Extra[k], "set by the launcher's own field; remove it from Config.Extra")
			return nil, ps
		}
		c.Extra[k] = v
	}
	entries, err := c.Entries()
	if err != nil {
		return nil, err
	}
	args := make([]string, 0, len(entries))
	for _, e := range entries {
		args = append(args, "-D"+e.Key+"="+e.Value)
	}
	return args, nil
}

// savepointKeys returns the keys that restore a job from a savepoint, by release: execution.savepoint.* up to
// 1.19, execution.state-recovery.* from 1.20.
func savepointKeys(v flinkconf.Version) (pathKey, ignoreKey string) {
	if v.AtLeast(flinkconf.Version{Major: 1, Minor: 20}) {
		return "execution.state-recovery.path", "execution.state-recovery.ignore-unclaimed-state"
	}
	return "execution.savepoint.path", "execution.savepoint.ignore-unclaimed-state"
}

// Restore says which savepoint or retained checkpoint a job starts from.
type Restore struct {
	// Path is the savepoint or checkpoint directory; "" starts without state.
	Path string
	// AllowNonRestoredState skips state that no longer maps to an operator.
	AllowNonRestoredState bool
}

func (r Restore) options(v flinkconf.Version) map[string]string {
	if r.Path == "" {
		return nil
	}
	p, ignore := savepointKeys(v)
	m := map[string]string{p: r.Path}
	if r.AllowNonRestoredState {
		m[ignore] = "true"
	}
	return m
}

func checkFlinkHome(ps *deploy.ConfigError, home string) {
	if home == "" || !path.IsAbs(home) {
		ps.Add("FlinkHome", home, "give the absolute Flink installation directory, e.g. /opt/module/flink")
	}
}

func mergeOptions(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

func restURL(host string, port int) string {
	if port == 0 {
		port = 8081
	}
	return fmt.Sprintf("http://%s:%d", host, port)
}
