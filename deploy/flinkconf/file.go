package flinkconf

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v2"

	"github.com/rtdw/rtdw/deploy"
)

// Render validates the configuration and writes it in the format its Version reads: flink-conf.yaml (flat
// "key: value" lines, Flink up to 1.18) or config.yaml (standard nested YAML, 1.19 and later). The file's Path
// is the bare file name, relative to Flink's conf directory.
func (c Config) Render() (deploy.File, error) {
	entries, err := c.Entries()
	if err != nil {
		return deploy.File{}, err
	}
	v := c.Version.OrDefault()
	if v.StandardYAML() {
		data, err := renderConfigYAML(v, entries)
		if err != nil {
			return deploy.File{}, err
		}
		return deploy.File{Path: ConfigYAMLFile, Mode: deploy.ConfigFileMode, Data: data}, nil
	}
	return deploy.File{Path: FlinkConfYAMLFile, Mode: deploy.ConfigFileMode, Data: renderFlinkConfYAML(v, entries)}, nil
}

func renderFlinkConfYAML(v Version, entries []Entry) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Flink %s configuration (flat flink-conf.yaml), written by github.com/rtdw/rtdw/deploy.\n", v)
	for _, e := range entries {
		b.WriteString(e.Key)
		b.WriteString(": ")
		b.WriteString(e.Value)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// configNode is one dotted segment of a key in the config.yaml tree.
type configNode struct {
	name     string
	entry    *Entry
	children []*configNode
}

func (n *configNode) child(name string) *configNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	c := &configNode{name: name}
	n.children = append(n.children, c)
	return c
}

// yamlScalar returns the value as the YAML scalar its option type reads best as: integers and booleans
// native, everything else a string (quoted by the encoder when it would otherwise read as another type).
func yamlScalar(e *Entry) any {
	switch e.Type {
	case TypeInteger, TypeLong:
		if n, err := strconv.ParseInt(e.Value, 10, 64); err == nil {
			return n
		}
	case TypeBoolean:
		if b, err := strconv.ParseBool(strings.ToLower(e.Value)); err == nil {
			return b
		}
	}
	return e.Value
}

// mapSlice renders the node's children as an ordered YAML map. A key that is both a value and a prefix of
// other keys (high-availability and high-availability.storageDir) cannot nest; its descendants are written as
// dotted keys beside it, which Flink flattens to the same names.
func (n *configNode) mapSlice() yaml.MapSlice {
	var out yaml.MapSlice
	for _, c := range n.children {
		switch {
		case c.entry != nil && len(c.children) == 0:
			out = append(out, yaml.MapItem{Key: c.name, Value: yamlScalar(c.entry)})
		case c.entry == nil:
			out = append(out, yaml.MapItem{Key: c.name, Value: c.mapSlice()})
		default:
			out = append(out, yaml.MapItem{Key: c.name, Value: yamlScalar(c.entry)})
			c.flatten(c.name, &out)
		}
	}
	return out
}

func (n *configNode) flatten(prefix string, out *yaml.MapSlice) {
	for _, c := range n.children {
		key := prefix + "." + c.name
		if c.entry != nil {
			*out = append(*out, yaml.MapItem{Key: key, Value: yamlScalar(c.entry)})
		}
		c.flatten(key, out)
	}
}

func renderConfigYAML(v Version, entries []Entry) ([]byte, error) {
	root := &configNode{}
	for i := range entries {
		n := root
		for _, seg := range strings.Split(entries[i].Key, ".") {
			n = n.child(seg)
		}
		n.entry = &entries[i]
	}
	body, err := yaml.Marshal(root.mapSlice())
	if err != nil {
		return nil, fmt.Errorf("flinkconf: encoding config.yaml: %w", err)
	}
	header := fmt.Sprintf("# Flink %s configuration (config.yaml, standard YAML), written by github.com/rtdw/rtdw/deploy.\n", v)
	return append([]byte(header), body...), nil
}

// Parse reads a flink-conf.yaml or config.yaml (chosen by name's base name) back into a
// [Config] for version: keys with a typed field (current or deprecated spelling) fill the field, every
// other key lands in Extra. flink-conf.yaml is read with Flink's own line rules, and a line Flink would skip
// (no ": " separator, empty key or value) is reported rather than dropped silently. The result is not
// validated; call [Config.Validate].
func Parse(version Version, name string, data []byte) (Config, error) {
	var (
		pairs []Entry
		ps    = invalid(name)
	)
	switch path.Base(name) {
	case FlinkConfYAMLFile:
		pairs = parseFlatConfig(ps, data)
	case ConfigYAMLFile:
		pairs = parseNestedConfig(ps, data)
	default:
		return Config{}, fmt.Errorf("flinkconf: %q is neither %s nor %s", name, FlinkConfYAMLFile, ConfigYAMLFile)
	}
	c := configFromEntries(version, pairs, ps)
	return c, ps.Err()
}

// parseFlatConfig follows GlobalConfiguration.loadYAMLResource of Flink 1.x: '#' starts a comment anywhere on a
// line, the first ": " splits key from value, both are trimmed.
func parseFlatConfig(ps *deploy.ConfigError, data []byte) []Entry {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(text) == "" {
			continue
		}
		key, value, ok := strings.Cut(text, ": ")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" || value == "" {
			ps.Add(fmt.Sprintf("line %d", line), strings.TrimSpace(text), "Flink skips this line: write \"key: value\" with a space after the colon and a non-empty value")
			continue
		}
		out = append(out, Entry{Key: key, Value: value})
	}
	if err := sc.Err(); err != nil {
		ps.Add("file", "", "cannot read: %v", err)
	}
	return out
}

// parseNestedConfig reads standard YAML and flattens nested maps to dotted keys, as Flink 1.19+ does; lists
// become Flink's ';'-separated list syntax.
func parseNestedConfig(ps *deploy.ConfigError, data []byte) []Entry {
	var doc yaml.MapSlice
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.Add("file", "", "not valid YAML: %v", err)
		return nil
	}
	var out []Entry
	seen := map[string]bool{}
	var walk func(prefix string, m yaml.MapSlice)
	walk = func(prefix string, m yaml.MapSlice) {
		for _, item := range m {
			key := fmt.Sprint(item.Key)
			if prefix != "" {
				key = prefix + "." + key
			}
			if sub, ok := item.Value.(yaml.MapSlice); ok {
				walk(key, sub)
				continue
			}
			value, err := yamlValueText(item.Value)
			if err != nil {
				ps.Add(key, "", "%v", err)
				continue
			}
			if seen[key] {
				ps.Add(key, value, "set twice after flattening nested keys; keep one")
				continue
			}
			seen[key] = true
			out = append(out, Entry{Key: key, Value: value})
		}
	}
	walk("", doc)
	return out
}

func yamlValueText(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", fmt.Errorf("has no value; give one or remove the key")
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case uint64:
		return strconv.FormatUint(t, 10), nil
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), nil
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			if _, isMap := e.(yaml.MapSlice); isMap {
				return "", fmt.Errorf("lists of maps are not supported here; write the option as a string")
			}
			s, err := yamlValueText(e)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ";"), nil
	default:
		return fmt.Sprint(t), nil
	}
}

// configFromEntries fills typed fields from their keys (current or deprecated spelling) and puts the rest
// in Extra, reporting keys set twice.
func configFromEntries(version Version, pairs []Entry, ps *deploy.ConfigError) Config {
	c := Config{Version: version.OrDefault()}
	owned := fieldKeys(c.Version)
	setBy := map[string]string{} // field -> key that set it
	for _, p := range pairs {
		f, ok := owned[p.Key]
		if !ok {
			if prev, dup := c.Extra[p.Key]; dup {
				ps.Add(p.Key, p.Value, "set twice (first %q); keep one", prev)
				continue
			}
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[p.Key] = p.Value
			continue
		}
		if prevKey, dup := setBy[f.field]; dup {
			ps.Add(p.Key, p.Value, "sets the same option as %s; keep one", prevKey)
			continue
		}
		setBy[f.field] = p.Key
		if err := f.set(&c, p.Value); err != nil {
			ps.Add(p.Key, p.Value, "%v", err)
		}
	}
	return c
}

// FromMap reads key: value pairs (a FlinkDeployment's spec.flinkConfiguration, -D options) into a [Config] for
// version the way [Parse] reads a file: typed keys, current or deprecated spelling, fill typed fields and the
// rest land in Extra. The result is not validated; call [Config.Validate].
func FromMap(version Version, m map[string]string) (Config, error) {
	pairs := make([]Entry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		pairs = append(pairs, Entry{Key: k, Value: m[k]})
	}
	ps := invalid("flinkConfiguration")
	c := configFromEntries(version, pairs, ps)
	return c, ps.Err()
}
