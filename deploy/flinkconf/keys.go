package flinkconf

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
)

// The key lists are Flink's generated configuration documentation (docs/layouts/shortcodes/generated/*.html),
// one "key<TAB>default<TAB>type" line per documented option, for the newest release of each config-file era.
//
//go:embed configkeys/config-keys-*.tsv
var configKeyFiles embed.FS

// OptionType is the documented type of a Flink option: "MemorySize", "Integer", "Boolean", "Duration",
// "String", "Enum", "List<String>", "Map", ...
type OptionType string

// Option types whose values deploy checks with Flink's own syntax rules.
const (
	TypeMemorySize OptionType = "MemorySize"
	TypeInteger    OptionType = "Integer"
	TypeLong       OptionType = "Long"
	TypeBoolean    OptionType = "Boolean"
	TypeDuration   OptionType = "Duration"
	TypeDouble     OptionType = "Double"
	TypeFloat      OptionType = "Float"
	TypeString     OptionType = "String"
)

// KeyInfo describes one documented Flink configuration option.
type KeyInfo struct {
	// Key is the option's name; templated options keep their placeholder, e.g. "metrics.reporter.<name>.factory.class".
	Key string
	// Default is the documented default as the docs print it ("(none)" when there is none).
	Default string
	// Type is the documented type.
	Type OptionType
}

// KeyCatalog is the set of configuration keys one Flink version documents, with their types. Look one up with
// [Version.Keys].
type KeyCatalog struct {
	source   string // the list's file name, for messages
	listedAs string // the Flink version the list was generated from
	exact    map[string]KeyInfo
	names    []string // sorted exact keys, for suggestions
	patterns []keyPattern
}

type keyPattern struct {
	info KeyInfo
	re   *regexp.Regexp
}

var (
	catalogOnce sync.Once
	catalogs    map[string]*KeyCatalog // by list version, "1.12", "1.13", "1.18", "1.20", "2.3", and "1.13+1.18"
	catalogErr  error
)

func loadCatalogs() {
	catalogs = map[string]*KeyCatalog{}
	for _, v := range []string{"1.12", "1.13", "1.18", "1.20", "2.3"} {
		name := "configkeys/config-keys-" + v + ".tsv"
		data, err := configKeyFiles.ReadFile(name)
		if err != nil {
			catalogErr = err
			return
		}
		c, err := parseKeyCatalog(name, v, data)
		if err != nil {
			catalogErr = err
			return
		}
		catalogs[v] = c
	}
	catalogs["1.13+1.18"] = unionCatalog(catalogs["1.13"], catalogs["1.18"])
}

// unionCatalog holds every key of a and b, for the releases between two lists; a's entry wins for a key both
// hold.
func unionCatalog(a, b *KeyCatalog) *KeyCatalog {
	c := &KeyCatalog{source: a.source + " and " + b.source, listedAs: a.listedAs + "+" + b.listedAs, exact: map[string]KeyInfo{}}
	for _, from := range []*KeyCatalog{b, a} {
		maps.Copy(c.exact, from.exact)
		c.patterns = append(c.patterns, from.patterns...)
	}
	c.names = slices.Sorted(maps.Keys(c.exact))
	return c
}

// placeholder matches the <name>, <parameter>, <key>, ... segments of templated option names.
var placeholder = regexp.MustCompile(`<[A-Za-z_]+>`)

func parseKeyCatalog(source, version string, data []byte) (*KeyCatalog, error) {
	c := &KeyCatalog{source: source, listedAs: version, exact: map[string]KeyInfo{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("flinkconf: %s line %d: want 3 tab-separated fields, got %d", source, line, len(fields))
		}
		// Flink's generated table-option tables put the execution modes an
		// option applies to after its name ("table.local-time-zone Batch
		// Streaming"); the key is the name alone.
		key, modes, _ := strings.Cut(fields[0], " ")
		switch modes {
		case "", "Batch", "Streaming", "Batch Streaming":
		default:
			return nil, fmt.Errorf("flinkconf: %s line %d: key %q: want a name, optionally followed by Batch and/or Streaming", source, line, fields[0])
		}
		info := KeyInfo{Key: key, Default: fields[1], Type: OptionType(fields[2])}
		if placeholder.MatchString(info.Key) {
			// A placeholder stands for one dotted segment, except a trailing <parameter>/<key>, which may
			// itself be dotted (metrics.reporter.<name>.<parameter>, flink.hadoop.<key>).
			parts := placeholder.Split(info.Key, -1)
			var expr strings.Builder
			expr.WriteString("^")
			for i, p := range parts {
				expr.WriteString(regexp.QuoteMeta(p))
				if i < len(parts)-1 {
					if i == len(parts)-2 && parts[len(parts)-1] == "" {
						expr.WriteString(`.+`)
					} else {
						expr.WriteString(`[^.]+`)
					}
				}
			}
			expr.WriteString("$")
			c.patterns = append(c.patterns, keyPattern{info: info, re: regexp.MustCompile(expr.String())})
			continue
		}
		c.exact[info.Key] = info
		c.names = append(c.names, info.Key)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("flinkconf: %s: %w", source, err)
	}
	sort.Strings(c.names)
	return c, nil
}

// Version is the Flink release the list was generated from ("1.12", "1.13", "1.18", "1.20" or "2.3"; "1.13+1.18"
// for the union used for 1.14 to 1.17).
func (c *KeyCatalog) Version() string { return c.listedAs }

// Lookup returns the documented option for key, matching templated options (metrics.reporter.<name>.*) too.
func (c *KeyCatalog) Lookup(key string) (KeyInfo, bool) {
	if info, ok := c.exact[key]; ok {
		return info, true
	}
	// Exact entries win over templates: prefer the most specific template (the longest literal text).
	best, found := KeyInfo{}, false
	for _, p := range c.patterns {
		if p.re.MatchString(key) && (!found || len(p.info.Key) > len(best.Key)) {
			best, found = p.info, true
		}
	}
	return best, found
}

// Len is the number of documented options (templates included).
func (c *KeyCatalog) Len() int { return len(c.exact) + len(c.patterns) }

// Suggest returns the documented key closest to key by edit distance, when it is close enough to be a likely
// typo: at most a third of the key's length and at most 6 edits. ok is false when nothing is that close.
func (c *KeyCatalog) Suggest(key string) (suggestion string, ok bool) {
	limit := min(6, max(2, len(key)/3))
	bestDist := limit + 1
	lower := strings.ToLower(key)
	for _, name := range c.names {
		// Edit distance is at least the difference in length: skip hopeless candidates cheaply.
		if d := len(name) - len(key); d > limit || -d > limit {
			continue
		}
		d := levenshtein.ComputeDistance(lower, strings.ToLower(name))
		if d < bestDist || (d == bestDist && name < suggestion) {
			bestDist, suggestion = d, name
		}
	}
	return suggestion, bestDist <= limit
}
