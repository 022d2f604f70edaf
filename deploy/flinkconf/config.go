package flinkconf

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/internal/check"
	"github.com/rtdw/rtdw/internal/redact"
)

// Config is a Flink cluster configuration: typed fields for the settings a standalone, YARN or
// Kubernetes cluster needs, and Extra for any other documented key. The zero value of every field means
// "leave the key out", so Flink applies its own default.
//
// [Config.Validate] checks everything before any file is written: memory sizes in Flink's syntax and large
// enough for Flink's fixed memory components, slots and parallelism at least 1, ports in range, high
// availability settings that need each other, and every Extra key against the release's documented keys, with
// a near-miss suggestion for typos. [Config.Render] writes flink-conf.yaml or config.yaml depending on
// Version, and [Parse] reads either back.
type Config struct {
	// Version is the Flink release the configuration is for; zero means [DefaultVersion]. It picks the
	// file format, the option names and the key list unknown keys are checked against.
	Version Version

	// JobManagerAddress is jobmanager.rpc.address: the host TaskManagers and clients reach the JobManager on.
	JobManagerAddress string
	// JobManagerPort is jobmanager.rpc.port (Flink's default 6123).
	JobManagerPort int
	// JobManagerMemory is jobmanager.memory.process.size in Flink's memory syntax, e.g. "1600m".
	JobManagerMemory string
	// TaskManagerMemory is taskmanager.memory.process.size in Flink's memory syntax, e.g. "1728m".
	TaskManagerMemory string
	// TaskSlots is taskmanager.numberOfTaskSlots (Flink's default 1).
	TaskSlots int
	// Parallelism is parallelism.default (Flink's default 1).
	Parallelism int

	// HighAvailability holds the high-availability.* settings.
	HighAvailability HighAvailability

	// StateBackend is state.backend.type (state.backend before 1.18): "hashmap" (from 1.13) or "rocksdb"
	// ("forst" too from 2.0; "filesystem" and "jobmanager" up to 1.x), or a factory class.
	StateBackend string
	// CheckpointDir is the checkpoint directory URI (state.checkpoints.dir up to 1.19,
	// execution.checkpointing.dir from 1.20).
	CheckpointDir string
	// SavepointDir is the default savepoint directory URI (state.savepoints.dir up to 1.19,
	// execution.checkpointing.savepoint-dir from 1.20).
	SavepointDir string

	// RESTAddress is rest.address: the address clients use to reach the REST API and web UI.
	RESTAddress string
	// RESTPort is rest.port (Flink's default 8081).
	RESTPort int
	// RESTBindAddress is rest.bind-address, e.g. "0.0.0.0" to serve the web UI on every interface.
	RESTBindAddress string

	// JavaOptions is env.java.opts.all (env.java.opts before 1.18): JVM options for every Flink process.
	JavaOptions string

	// Extra holds any other key: value pairs, checked against the release's documented keys.
	Extra map[string]string
}

// Format prints the configuration as fmt would with any verb, but with the values of secret-looking Extra
// keys ([deploy.IsSensitiveKey]) redacted.
func (c Config) Format(f fmt.State, verb rune) {
	type fields Config // no methods: printing it does not come back here
	c.Extra = redact.Map(c.Extra)
	fmt.Fprintf(f, fmt.FormatString(f, verb), fields(c))
}

// HighAvailability is the high-availability.* part of a [Config].
type HighAvailability struct {
	// Type is high-availability.type (high-availability before 1.18, which is all 1.12 and 1.13 read): "" or
	// "NONE" (off), "zookeeper", "kubernetes", or a factory class name.
	Type string
	// ZooKeeperQuorum is high-availability.zookeeper.quorum as host or host:port entries.
	ZooKeeperQuorum []string
	// StorageDir is high-availability.storageDir: a file system URI all JobManagers share (hdfs://...).
	StorageDir string
	// ClusterID is high-availability.cluster-id; YARN and Kubernetes set it themselves.
	ClusterID string
	// ZooKeeperRoot is high-availability.zookeeper.path.root (Flink's default /flink).
	ZooKeeperRoot string
}

// Entry is one rendered key: value pair.
type Entry struct {
	Key   string
	Value string
	// Type is the documented option type, used to write native YAML scalars in config.yaml.
	Type OptionType
}

// flinkField binds a typed Config field to its Flink key.
type flinkField struct {
	field   string               // Go field path, for messages
	key     func(Version) string // the key the release documents
	aliases []string             // other spellings read back into the field (newer ones only where known)
	typ     OptionType
	get     func(*Config) string // "" when unset
	set     func(*Config, string) error
}

func fixedKey(k string) func(Version) string { return func(Version) string { return k } }

// byVersion returns newKey from release since on, oldKey before.
func byVersion(since Version, oldKey, newKey string) func(Version) string {
	return func(v Version) string {
		if v.AtLeast(since) {
			return newKey
		}
		return oldKey
	}
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func setInt(dst *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*dst = n
		return nil
	}
}

var flink120 = Version{Major: 1, Minor: 20}

// flinkFields lists the typed fields in the order they are rendered.
var flinkFields = []flinkField{
	{"JobManagerAddress", fixedKey("jobmanager.rpc.address"), nil, TypeString,
		func(c *Config) string { return c.JobManagerAddress },
		func(c *Config, s string) error { c.JobManagerAddress = s; return nil }},
	{"JobManagerPort", fixedKey("jobmanager.rpc.port"), nil, TypeInteger,
		func(c *Config) string { return intText(c.JobManagerPort) },
		func(c *Config, s string) error { return setInt(&c.JobManagerPort)(s) }},
	{"JobManagerMemory", fixedKey("jobmanager.memory.process.size"), nil, TypeMemorySize,
		func(c *Config) string { return c.JobManagerMemory },
		func(c *Config, s string) error { c.JobManagerMemory = s; return nil }},
	{"TaskManagerMemory", fixedKey("taskmanager.memory.process.size"), nil, TypeMemorySize,
		func(c *Config) string { return c.TaskManagerMemory },
		func(c *Config, s string) error { c.TaskManagerMemory = s; return nil }},
	{"TaskSlots", fixedKey("taskmanager.numberOfTaskSlots"), nil, TypeInteger,
		func(c *Config) string { return intText(c.TaskSlots) },
		func(c *Config, s string) error { return setInt(&c.TaskSlots)(s) }},
	{"Parallelism", fixedKey("parallelism.default"), nil, TypeInteger,
		func(c *Config) string { return intText(c.Parallelism) },
		func(c *Config, s string) error { return setInt(&c.Parallelism)(s) }},
	{"HighAvailability.Type", byVersion(flink118, "high-availability", "high-availability.type"), []string{"high-availability", "high-availability.type", "recovery.mode"}, TypeString,
		func(c *Config) string { return c.HighAvailability.Type },
		func(c *Config, s string) error { c.HighAvailability.Type = s; return nil }},
	{"HighAvailability.ZooKeeperQuorum", fixedKey("high-availability.zookeeper.quorum"), []string{"recovery.zookeeper.quorum"}, TypeString,
		func(c *Config) string { return strings.Join(c.HighAvailability.ZooKeeperQuorum, ",") },
		func(c *Config, s string) error {
			c.HighAvailability.ZooKeeperQuorum = check.SplitList(s, ",")
			return nil
		}},
	{"HighAvailability.StorageDir", fixedKey("high-availability.storageDir"), []string{"high-availability.zookeeper.storageDir", "recovery.zookeeper.storageDir"}, TypeString,
		func(c *Config) string { return c.HighAvailability.StorageDir },
		func(c *Config, s string) error { c.HighAvailability.StorageDir = s; return nil }},
	{"HighAvailability.ClusterID", fixedKey("high-availability.cluster-id"), []string{"high-availability.zookeeper.path.namespace"}, TypeString,
		func(c *Config) string { return c.HighAvailability.ClusterID },
		func(c *Config, s string) error { c.HighAvailability.ClusterID = s; return nil }},
	{"HighAvailability.ZooKeeperRoot", fixedKey("high-availability.zookeeper.path.root"), []string{"recovery.zookeeper.path.root"}, TypeString,
		func(c *Config) string { return c.HighAvailability.ZooKeeperRoot },
		func(c *Config, s string) error { c.HighAvailability.ZooKeeperRoot = s; return nil }},
	{"StateBackend", byVersion(flink118, "state.backend", "state.backend.type"), []string{"state.backend", "state.backend.type"}, TypeString,
		func(c *Config) string { return c.StateBackend },
		func(c *Config, s string) error { c.StateBackend = s; return nil }},
	{"CheckpointDir", byVersion(flink120, "state.checkpoints.dir", "execution.checkpointing.dir"), []string{"state.checkpoints.dir", "execution.checkpointing.dir", "state.backend.fs.checkpointdir"}, TypeString,
		func(c *Config) string { return c.CheckpointDir },
		func(c *Config, s string) error { c.CheckpointDir = s; return nil }},
	{"SavepointDir", byVersion(flink120, "state.savepoints.dir", "execution.checkpointing.savepoint-dir"), []string{"state.savepoints.dir", "execution.checkpointing.savepoint-dir", "savepoints.state.backend.fs.dir"}, TypeString,
		func(c *Config) string { return c.SavepointDir },
		func(c *Config, s string) error { c.SavepointDir = s; return nil }},
	{"RESTAddress", fixedKey("rest.address"), nil, TypeString,
		func(c *Config) string { return c.RESTAddress },
		func(c *Config, s string) error { c.RESTAddress = s; return nil }},
	{"RESTPort", fixedKey("rest.port"), nil, TypeInteger,
		func(c *Config) string { return intText(c.RESTPort) },
		func(c *Config, s string) error { return setInt(&c.RESTPort)(s) }},
	{"RESTBindAddress", fixedKey("rest.bind-address"), nil, TypeString,
		func(c *Config) string { return c.RESTBindAddress },
		func(c *Config, s string) error { c.RESTBindAddress = s; return nil }},
	{"JavaOptions", byVersion(flink118, "env.java.opts", "env.java.opts.all"), []string{"env.java.opts", "env.java.opts.all"}, TypeString,
		func(c *Config) string { return c.JavaOptions },
		func(c *Config, s string) error { c.JavaOptions = s; return nil }},
}

// deprecatedKeys maps option names Flink 1.x still reads (as deprecated keys) to their current names. They are
// accepted in Extra for 1.x; for 2.x, which dropped most of them, they are reported with the current name.
var deprecatedKeys = map[string]string{
	"high-availability":                      "high-availability.type",
	"recovery.mode":                          "high-availability.type",
	"high-availability.zookeeper.storageDir": "high-availability.storageDir",
	"state.backend":                          "state.backend.type",
	"env.java.opts":                          "env.java.opts.all",
	"state.checkpoints.dir":                  "execution.checkpointing.dir",
	"state.savepoints.dir":                   "execution.checkpointing.savepoint-dir",
	"state.checkpoint-storage":               "execution.checkpointing.storage",
	"jobmanager.heap.size":                   "jobmanager.memory.heap.size",
	"taskmanager.heap.size":                  "taskmanager.memory.flink.size",
}

// withDefaults returns a copy whose Version is filled in; the caller's Extra map is copied, never shared.
func (c Config) withDefaults() Config {
	c.Version = c.Version.OrDefault()
	c.Extra = maps.Clone(c.Extra)
	c.HighAvailability.ZooKeeperQuorum = slices.Clone(c.HighAvailability.ZooKeeperQuorum)
	return c
}

// Clone returns a copy that shares no map or slice with c, for callers that add keys before rendering.
func (c Config) Clone() Config {
	c.Extra = maps.Clone(c.Extra)
	c.HighAvailability.ZooKeeperQuorum = slices.Clone(c.HighAvailability.ZooKeeperQuorum)
	return c
}

// fieldKeys returns, for the release, every key a typed field owns (current names and aliases) mapped to the field.
// A newer spelling (high-availability.type) belongs to the field only in releases that know it: 1.13 silently
// ignores high-availability.type, so reading it into HighAvailability.Type would hide that.
func fieldKeys(v Version) map[string]*flinkField {
	catalog, _ := v.Keys()
	newer := map[string]bool{}
	for _, current := range deprecatedKeys {
		newer[current] = true
	}
	m := make(map[string]*flinkField, 2*len(flinkFields))
	for i := range flinkFields {
		f := &flinkFields[i]
		m[f.key(v)] = f
		for _, a := range f.aliases {
			if newer[a] && catalog != nil {
				if _, known := catalog.Lookup(a); !known {
					continue
				}
			}
			m[a] = f
		}
	}
	return m
}

// Entries returns the configuration as ordered key: value pairs, typed fields first (in a fixed order), then
// Extra sorted by key. It validates first and returns the [deploy.ConfigError] when the configuration is invalid.
func (c Config) Entries() ([]Entry, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.withDefaults()
	return d.entries(), nil
}

func (c *Config) entries() []Entry {
	out := make([]Entry, 0, len(flinkFields)+len(c.Extra))
	for i := range flinkFields {
		f := &flinkFields[i]
		if v := f.get(c); v != "" {
			out = append(out, Entry{Key: f.key(c.Version), Value: strings.TrimSpace(v), Type: f.typ})
		}
	}
	catalog, _ := c.Version.Keys()
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		e := Entry{Key: k, Value: strings.TrimSpace(c.Extra[k]), Type: TypeString}
		if catalog != nil {
			if info, ok := catalog.Lookup(k); ok {
				e.Type = info.Type
			}
		}
		out = append(out, e)
	}
	return out
}

// Map returns the rendered key: value pairs as a map (for FlinkDeployment.spec.flinkConfiguration or -D options).
func (c Config) Map() (map[string]string, error) {
	entries, err := c.Entries()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		m[e.Key] = e.Value
	}
	return m, nil
}

// Validate checks the whole configuration and returns one [deploy.ConfigError] naming every bad key, its value and the
// fix, or nil. It does no I/O.
func (c Config) Validate() error {
	c = c.withDefaults()
	ps := invalid("Flink " + c.Version.String() + " configuration")
	catalog, err := c.Version.Keys()
	if err != nil {
		ps.Add("Version", c.Version.String(), "use a Flink release from %s to 2.x: %v", oldestFlinkVersion, err)
		return ps.Err()
	}
	v := c.Version
	owned := fieldKeys(v)

	// Typed fields.
	if c.JobManagerAddress != "" {
		check.Host(ps, "jobmanager.rpc.address", c.JobManagerAddress)
	}
	check.Port(ps, "jobmanager.rpc.port", c.JobManagerPort)
	check.Port(ps, "rest.port", c.RESTPort)
	if c.RESTAddress != "" {
		check.Host(ps, "rest.address", c.RESTAddress)
	}
	if c.RESTBindAddress != "" {
		check.Host(ps, "rest.bind-address", c.RESTBindAddress)
	}
	if c.TaskSlots < 0 {
		ps.Add("taskmanager.numberOfTaskSlots", strconv.Itoa(c.TaskSlots), "a TaskManager needs at least 1 slot; set TaskSlots to 1 or more (0 leaves Flink's default of 1)")
	}
	if c.Parallelism < 0 {
		ps.Add("parallelism.default", strconv.Itoa(c.Parallelism), "set Parallelism to 1 or more (0 leaves Flink's default of 1)")
	}
	fineMemory := false
	for k := range c.Extra {
		if strings.HasPrefix(k, "jobmanager.memory.") || strings.HasPrefix(k, "taskmanager.memory.") {
			fineMemory = true
		}
	}
	if c.JobManagerMemory != "" {
		if size, ok := checkMemory(ps, "jobmanager.memory.process.size", c.JobManagerMemory); ok && !fineMemory {
			if fix := JobManagerProcessFits(size); fix != "" {
				ps.Add("jobmanager.memory.process.size", c.JobManagerMemory, "%s", fix)
			}
		}
	}
	if c.TaskManagerMemory != "" {
		if size, ok := checkMemory(ps, "taskmanager.memory.process.size", c.TaskManagerMemory); ok && !fineMemory {
			if fix := TaskManagerProcessFits(size); fix != "" {
				ps.Add("taskmanager.memory.process.size", c.TaskManagerMemory, "%s", fix)
			}
		}
	}
	checkHighAvailability(ps, v, flinkFields[fieldIndex("HighAvailability.Type")].key(v), c.HighAvailability)
	checkStateBackend(ps, v, flinkFields[fieldIndex("StateBackend")].key(v), c.StateBackend)
	for _, d := range []struct{ key, value string }{
		{flinkFields[fieldIndex("CheckpointDir")].key(v), c.CheckpointDir},
		{flinkFields[fieldIndex("SavepointDir")].key(v), c.SavepointDir},
	} {
		if d.value != "" && strings.TrimRight(uriPath(d.value), "/") == "" {
			ps.Add(d.key, d.value, "Flink refuses the root directory; use a sub-directory such as hdfs://namenode:8020/flink/checkpoints")
		}
	}
	if !v.StandardYAML() {
		for i := range flinkFields {
			f := &flinkFields[i]
			checkLegacyValue(ps, f.key(v), f.get(&c))
		}
	}

	// Extra keys: documented, not shadowing a typed field, and well-formed for their type.
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		value := c.Extra[k]
		if f, ok := owned[k]; ok {
			ps.Add(k, value, "this is %s, the typed field Config.%s; set it there and remove it from Extra", f.key(v), f.field)
			continue
		}
		if strings.TrimSpace(k) != k || k == "" {
			ps.Add(fmt.Sprintf("%q", k), value, "keys may not be empty or carry surrounding spaces")
			continue
		}
		info, known := catalog.Lookup(k)
		if !known {
			if current, ok := deprecatedKeys[k]; ok {
				if v.Major >= 2 {
					ps.Add(k, value, "Flink 2.x no longer reads this pre-2.0 name; use %s", current)
					continue
				}
				if _, hasCurrent := catalog.Lookup(current); hasCurrent {
					if !v.StandardYAML() {
						checkLegacyValue(ps, k, value)
					}
					continue
				}
			}
			if old, ok := olderSpelling(catalog, k); ok {
				hint := ""
				if f, typed := owned[old]; typed {
					hint = fmt.Sprintf(" (the typed field Config.%s writes it)", f.field)
				}
				ps.Add(k, value, "Flink %s has no %s and silently ignores it; its name in %s is %s%s", v, k, v, old, hint)
				continue
			}
			if s, ok := catalog.Suggest(k); ok {
				if deploy.IsSensitiveKey(s) {
					value = redact.Placeholder // a misspelt secret key is still a secret
				}
				ps.Add(k, value, "unknown key for Flink %s; did you mean %s?", v, s)
			} else {
				ps.Add(k, value, "unknown key for Flink %s (not in its documented options); check the spelling or remove it", v)
			}
			continue
		}
		checkTyped(ps, k, value, info.Type)
		if !v.StandardYAML() {
			checkLegacyValue(ps, k, value)
		}
	}
	return ps.Err()
}

func fieldIndex(name string) int {
	for i := range flinkFields {
		if flinkFields[i].field == name {
			return i
		}
	}
	panic("flinkconf: no field " + name) // programming error in this file, never input-dependent
}

// checkTyped applies Flink's parsing rule for the option type to value.
func checkTyped(ps *deploy.ConfigError, key, value string, typ OptionType) {
	v := strings.TrimSpace(value)
	switch typ {
	case TypeMemorySize:
		checkMemory(ps, key, value)
	case TypeInteger:
		if _, err := strconv.ParseInt(v, 10, 32); err != nil {
			ps.Add(key, value, "Flink expects a 32-bit integer here")
		} else if key == "taskmanager.numberOfTaskSlots" || key == "parallelism.default" {
			if n, _ := strconv.Atoi(v); n < 1 {
				ps.Add(key, value, "must be at least 1")
			}
		}
	case TypeLong:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			ps.Add(key, value, "Flink expects an integer here")
		}
	case TypeDouble, TypeFloat:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			ps.Add(key, value, "Flink expects a decimal number here")
		}
	case TypeBoolean:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			ps.Add(key, value, "Flink expects true or false")
		}
	case TypeDuration:
		if _, err := parseFlinkDuration(v); err != nil {
			ps.Add(key, value, "Flink expects a duration such as \"30 s\", \"5 min\" or \"500 ms\" (%v)", err)
		}
	}
}

// checkLegacyValue enforces what flink-conf.yaml's line parser can carry: everything after '#' is a comment,
// one line per key, and an empty value makes Flink skip the line.
func checkLegacyValue(ps *deploy.ConfigError, key, value string) {
	switch {
	case strings.Contains(value, "#"):
		ps.Add(key, value, "flink-conf.yaml treats everything after '#' as a comment; remove the '#' or use Flink 1.19+ (config.yaml)")
	case strings.ContainsAny(value, "\r\n"):
		ps.Add(key, value, "flink-conf.yaml holds one key per line; remove the line break")
	}
}

func checkMemory(ps *deploy.ConfigError, key, value string) (MemorySize, bool) {
	size, err := ParseMemorySize(value)
	if err != nil {
		ps.Add(key, value, "write a whole number with an optional unit b, k, m, g or t (e.g. 1600m, 2g, \"1024 mb\"): %v", err)
		return 0, false
	}
	if size == 0 {
		ps.Add(key, value, "a process needs more than 0 bytes; e.g. 1600m")
		return 0, false
	}
	return size, true
}

// Flink's defaults for the fixed parts of a process's memory (JobManager and TaskManager alike).
const (
	defaultMetaspace       = 256 * Mebibyte
	minJVMOverhead         = 192 * Mebibyte
	maxJVMOverhead         = 1 * Gibibyte
	jvmOverheadFraction    = 0.1
	jobManagerOffHeap      = 128 * Mebibyte
	frameworkHeap          = 128 * Mebibyte
	frameworkOffHeap       = 128 * Mebibyte
	managedFraction        = 0.4
	networkFraction        = 0.1
	minNetwork             = 64 * Mebibyte
	maxNetwork             = 1 * Gibibyte
	jobManagerMinProcess   = defaultMetaspace + minJVMOverhead + jobManagerOffHeap
	processOverheadAtLeast = defaultMetaspace + minJVMOverhead
)

func fraction(total MemorySize, f float64, lo, hi MemorySize) MemorySize {
	return min(max(MemorySize(float64(total)*f), lo), hi)
}

// JobManagerProcessFits repeats Flink's JobManager memory derivation with default settings for a process of
// size bytes (jobmanager.memory.process.size, or a Kubernetes pod's memory, which the operator writes there):
// the process must hold the JVM metaspace (256m), the JVM overhead (10%, at least 192m) and the JobManager's
// off-heap memory (128m). It returns the fix when it does not, "" when it does.
func JobManagerProcessFits(size MemorySize) string {
	overhead := fraction(size, jvmOverheadFraction, minJVMOverhead, maxJVMOverhead)
	if flinkMem := size - defaultMetaspace - overhead; flinkMem < jobManagerOffHeap {
		return fmt.Sprintf("Flink needs at least %s for JVM metaspace (256m), JVM overhead (192m) and off-heap memory (128m); use e.g. 1600m", jobManagerMinProcess)
	}
	return ""
}

// TaskManagerProcessFits repeats Flink's TaskExecutor memory derivation with default settings for a process of
// size bytes: after JVM metaspace and overhead, the framework heap and off-heap (128m each), managed (40%) and
// network (10%, 64m to 1g) memory must fit. It returns the fix when they do not, "" when they do.
func TaskManagerProcessFits(size MemorySize) string {
	overhead := fraction(size, jvmOverheadFraction, minJVMOverhead, maxJVMOverhead)
	flinkMem := size - defaultMetaspace - overhead
	if flinkMem <= 0 {
		return fmt.Sprintf("Flink needs more than %s for JVM metaspace (256m) and JVM overhead (at least 192m) alone; use e.g. 1728m", processOverheadAtLeast)
	}
	managed := MemorySize(float64(flinkMem) * managedFraction)
	network := fraction(flinkMem, networkFraction, minNetwork, maxNetwork)
	if frameworkHeap+frameworkOffHeap+managed+network > flinkMem {
		return "too small for Flink's framework heap and off-heap (128m each), managed (40%) and network (at least 64m) memory; use at least 1g, e.g. 1728m"
	}
	return ""
}

// olderSpelling returns the name a release reads for key when key is a newer spelling it does not know
// (high-availability.type is high-availability in 1.13).
func olderSpelling(catalog *KeyCatalog, key string) (string, bool) {
	for _, old := range slices.Sorted(maps.Keys(deprecatedKeys)) {
		if deprecatedKeys[old] != key {
			continue
		}
		if _, ok := catalog.Lookup(old); ok {
			return old, true
		}
	}
	return "", false
}

// KubernetesHAFactory is the class that selects Kubernetes high availability in releases without the
// "kubernetes" shortcut (1.12 and 1.13 know only NONE and ZOOKEEPER and take anything else as a class name).
const KubernetesHAFactory = "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory"

func checkHighAvailability(ps *deploy.ConfigError, v Version, typeKey string, ha HighAvailability) {
	typ := strings.ToLower(strings.TrimSpace(ha.Type))
	switch typ {
	case "", "none":
		if len(ha.ZooKeeperQuorum) > 0 || ha.StorageDir != "" {
			ps.Add(typeKey, ha.Type, "a ZooKeeper quorum or storage dir is set but high availability is off; set HighAvailability.Type to \"zookeeper\" (or drop the quorum and storage dir)")
		}
		return
	case "zookeeper":
		if len(ha.ZooKeeperQuorum) == 0 {
			ps.Add("high-availability.zookeeper.quorum", "", "ZooKeeper high availability needs the quorum; set HighAvailability.ZooKeeperQuorum, e.g. [hadoop102:2181 hadoop103:2181 hadoop104:2181]")
		}
		for _, hp := range ha.ZooKeeperQuorum {
			check.HostPort(ps, "high-availability.zookeeper.quorum", hp)
		}
	case "kubernetes":
		if v.Less(Version{Major: 1, Minor: 14}) {
			ps.Add(typeKey, ha.Type, "Flink %s has no \"kubernetes\" shortcut and would load it as a class; use %s", v, KubernetesHAFactory)
			return
		}
	default:
		if !strings.Contains(typ, ".") {
			ps.Add(typeKey, ha.Type, "use \"zookeeper\", \"kubernetes\", \"NONE\" or the fully qualified class name of a HighAvailabilityServicesFactory")
			return
		}
	}
	if ha.StorageDir == "" {
		ps.Add("high-availability.storageDir", "", "high availability needs a storage dir every JobManager can reach; set HighAvailability.StorageDir, e.g. hdfs://hadoop102:8020/flink/ha")
	}
}

func checkStateBackend(ps *deploy.ConfigError, v Version, key, backend string) {
	b := strings.ToLower(strings.TrimSpace(backend))
	flink113 := Version{Major: 1, Minor: 13}
	switch {
	case b == "" || b == "rocksdb" || strings.Contains(b, "."):
	case b == "hashmap" && v.AtLeast(flink113):
	case b == "hashmap":
		ps.Add(key, backend, "Flink %s has no hashmap backend (it came with 1.13); use \"filesystem\" (state on the heap, checkpoints in the checkpoint dir) or \"rocksdb\"", v)
	case b == "forst" && v.Major >= 2:
	case (b == "filesystem" || b == "jobmanager") && v.Major < 2:
	case b == "filesystem" || b == "jobmanager":
		ps.Add(key, backend, "Flink 2.x removed this backend; use \"hashmap\" (with a checkpoint dir) or \"rocksdb\"")
	case !v.AtLeast(flink113):
		ps.Add(key, backend, "use \"filesystem\", \"jobmanager\" or \"rocksdb\" (or a StateBackendFactory class name)")
	default:
		ps.Add(key, backend, "use \"hashmap\" or \"rocksdb\" (or a StateBackendFactory class name)")
	}
}

// uriPath returns the path part of a URI-like directory ("hdfs://nn:8020/a" -> "/a"; "/a" -> "/a").
func uriPath(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return ""
	}
	return s
}
