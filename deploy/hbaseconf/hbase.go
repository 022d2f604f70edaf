package hbaseconf

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/internal/check"
	"github.com/rtdw/rtdw/internal/redact"
)

// File names in HBase's conf directory.
const (
	HBaseSiteFile     = "hbase-site.xml"
	HBaseEnvFile      = "hbase-env.sh"
	RegionServersFile = "regionservers"
	BackupMastersFile = "backup-masters"
)

// HBase and Phoenix property names deploy sets from typed fields.
const (
	PropHBaseRootDir          = "hbase.rootdir"
	PropHBaseDistributed      = "hbase.cluster.distributed"
	PropHBaseZooKeeperQuorum  = "hbase.zookeeper.quorum"
	PropHBaseZooKeeperPort    = "hbase.zookeeper.property.clientPort"
	PropHBaseMaxClockSkew     = "hbase.master.maxclockskew"
	PropPhoenixNamespaceMap   = "phoenix.schema.isNamespaceMappingEnabled"
	PropPhoenixMapSystemTable = "phoenix.schema.mapSystemTablesToNamespace"
)

// Config is an HBase cluster's configuration directory: hbase-site.xml (with the Phoenix settings that
// must agree between servers and clients), hbase-env.sh, regionservers and backup-masters. Zero values leave
// HBase's defaults, except that a zero Standalone means a distributed cluster, which is what deploy is for.
type Config struct {
	// RootDir is hbase.rootdir, e.g. "hdfs://hadoop102:8020/hbase". Required for a distributed cluster.
	RootDir string
	// Standalone turns hbase.cluster.distributed off (single JVM, local files); zero means distributed.
	Standalone bool
	// ZooKeeperQuorum is hbase.zookeeper.quorum: ZooKeeper hosts (host or host:port).
	ZooKeeperQuorum []string
	// ZooKeeperClientPort is hbase.zookeeper.property.clientPort; 0 leaves HBase's 2181.
	ZooKeeperClientPort int
	// MaxClockSkew is hbase.master.maxclockskew (written in milliseconds); 0 leaves HBase's 30 s. Raise it
	// when region servers abort with ClockOutOfSyncException on hosts without NTP.
	MaxClockSkew time.Duration
	// PhoenixNamespaceMapping sets phoenix.schema.isNamespaceMappingEnabled and
	// phoenix.schema.mapSystemTablesToNamespace to true, so Phoenix schemas become HBase namespaces. Both
	// the servers' and the clients' hbase-site.xml must say the same ([Config.PhoenixClientSite]).
	PhoenixNamespaceMapping bool
	// Extra holds any other hbase-site.xml properties, written sorted by name.
	Extra map[string]string

	// JavaHome is JAVA_HOME in hbase-env.sh.
	JavaHome string
	// ManagesZooKeeper is HBASE_MANAGES_ZK; zero (false) means HBase uses an external ZooKeeper.
	ManagesZooKeeper bool
	// Env holds other hbase-env.sh variables (HBASE_HEAPSIZE, HBASE_LOG_DIR, ...), written sorted.
	Env map[string]string

	// RegionServers lists the region server hosts (the regionservers file).
	RegionServers []string
	// BackupMasters lists standby masters (the backup-masters file); written only when not empty.
	BackupMasters []string
}

// Format prints the configuration as fmt would with any verb, but with the values of secret-looking Extra
// properties and Env variables ([deploy.IsSensitiveKey]) redacted.
func (c Config) Format(f fmt.State, verb rune) {
	type fields Config // no methods: printing it does not come back here
	c.Extra, c.Env = redact.Map(c.Extra), redact.Map(c.Env)
	fmt.Fprintf(f, fmt.FormatString(f, verb), fields(c))
}

var shellName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks the configuration and returns one [deploy.ConfigError] listing every problem, or nil.
func (c Config) Validate() error {
	ps := invalid("HBase configuration")
	if !c.Standalone {
		switch {
		case c.RootDir == "":
			ps.Add(PropHBaseRootDir, "", "a distributed cluster needs a shared root dir; set RootDir, e.g. hdfs://hadoop102:8020/hbase")
		case !strings.Contains(c.RootDir, "://"):
			ps.Add(PropHBaseRootDir, c.RootDir, "give a URI with a scheme, e.g. hdfs://hadoop102:8020/hbase")
		case strings.HasPrefix(c.RootDir, "file:"):
			ps.Add(PropHBaseRootDir, c.RootDir, "a local root dir cannot be shared by region servers; use hdfs://...")
		}
		if len(c.ZooKeeperQuorum) == 0 {
			ps.Add(PropHBaseZooKeeperQuorum, "", "a distributed cluster needs ZooKeeper; set ZooKeeperQuorum, e.g. [hadoop102 hadoop103 hadoop104]")
		}
		if len(c.RegionServers) == 0 {
			ps.Add(RegionServersFile, "", "list at least one region server host")
		}
	}
	for _, hp := range c.ZooKeeperQuorum {
		check.HostPort(ps, PropHBaseZooKeeperQuorum, hp)
	}
	check.Port(ps, PropHBaseZooKeeperPort, c.ZooKeeperClientPort)
	if c.MaxClockSkew < 0 || c.MaxClockSkew%time.Millisecond != 0 {
		ps.Add(PropHBaseMaxClockSkew, c.MaxClockSkew.String(), "use a positive whole number of milliseconds, e.g. 180 * time.Second")
	}
	owned := map[string]string{PropHBaseRootDir: "RootDir", PropHBaseDistributed: "Standalone", PropHBaseZooKeeperQuorum: "ZooKeeperQuorum",
		PropHBaseZooKeeperPort: "ZooKeeperClientPort", PropHBaseMaxClockSkew: "MaxClockSkew",
		PropPhoenixNamespaceMap: "PhoenixNamespaceMapping", PropPhoenixMapSystemTable: "PhoenixNamespaceMapping"}
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		if f, ok := owned[k]; ok {
			ps.Add(k, c.Extra[k], "set the typed field Config.%s instead of Extra", f)
		} else if k == "" || strings.ContainsAny(k, " \t\r\n<>&") {
			ps.Add(fmt.Sprintf("%q", k), c.Extra[k], "property names have no spaces or XML markup")
		}
	}
	if c.JavaHome != "" && !path.IsAbs(c.JavaHome) {
		ps.Add("JAVA_HOME", c.JavaHome, "give an absolute path, e.g. /opt/module/jdk1.8.0_212")
	}
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		switch {
		case !shellName.MatchString(k):
			ps.Add(k, c.Env[k], "environment variable names are letters, digits and '_'")
		case k == "JAVA_HOME" || k == "HBASE_MANAGES_ZK":
			ps.Add(k, c.Env[k], "set the typed field (JavaHome / ManagesZooKeeper) instead of Env")
		case strings.ContainsAny(c.Env[k], "\r\n"):
			ps.Add(k, c.Env[k], "hbase-env.sh values are single lines")
		}
	}
	for _, name := range []struct {
		file  string
		hosts []string
	}{{RegionServersFile, c.RegionServers}, {BackupMastersFile, c.BackupMasters}} {
		if _, err := deploy.RenderHostsFile(name.file, name.hosts); err != nil {
			ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
		}
	}
	return ps.Err()
}

// siteProperties returns hbase-site.xml's properties: typed ones first, then Extra sorted.
func (c Config) siteProperties() []Property {
	var props []Property
	add := func(name, value string) { props = append(props, Property{Name: name, Value: value}) }
	if c.RootDir != "" {
		add(PropHBaseRootDir, c.RootDir)
	}
	add(PropHBaseDistributed, strconv.FormatBool(!c.Standalone))
	if len(c.ZooKeeperQuorum) > 0 {
		add(PropHBaseZooKeeperQuorum, strings.Join(c.ZooKeeperQuorum, ","))
	}
	if c.ZooKeeperClientPort != 0 {
		add(PropHBaseZooKeeperPort, strconv.Itoa(c.ZooKeeperClientPort))
	}
	if c.MaxClockSkew != 0 {
		add(PropHBaseMaxClockSkew, strconv.FormatInt(c.MaxClockSkew.Milliseconds(), 10))
	}
	props = append(props, c.phoenixProperties()...)
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		add(k, c.Extra[k])
	}
	return props
}

func (c Config) phoenixProperties() []Property {
	if !c.PhoenixNamespaceMapping {
		return nil
	}
	return []Property{{Name: PropPhoenixNamespaceMap, Value: "true"}, {Name: PropPhoenixMapSystemTable, Value: "true"}}
}

// Files validates the configuration and renders HBase's conf directory: hbase-site.xml, hbase-env.sh,
// regionservers and (when there are standby masters) backup-masters. Paths are relative to the conf dir.
func (c Config) Files() ([]deploy.File, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	site, err := renderHadoopXML("hbase-site.xml, written by github.com/rtdw/rtdw/deploy", c.siteProperties())
	if err != nil {
		return nil, err
	}
	files := []deploy.File{
		{Path: HBaseSiteFile, Mode: deploy.ConfigFileMode, Data: site},
		{Path: HBaseEnvFile, Mode: deploy.ScriptFileMode, Data: c.renderEnv()},
	}
	rs, _ := deploy.RenderHostsFile(RegionServersFile, c.RegionServers)
	files = append(files, rs)
	if len(c.BackupMasters) > 0 {
		bm, _ := deploy.RenderHostsFile(BackupMastersFile, c.BackupMasters)
		files = append(files, bm)
	}
	return files, nil
}

// PhoenixClientSite renders the hbase-site.xml a Phoenix client (sqlline, the thick JDBC driver, the Query
// Server) needs on its classpath: the ZooKeeper quorum and, when enabled, the same namespace-mapping settings
// as the servers. A mismatch makes Phoenix refuse to connect ("Inconsistent namespace mapping properties").
func (c Config) PhoenixClientSite() (deploy.File, error) {
	ps := invalid("Phoenix client configuration")
	if len(c.ZooKeeperQuorum) == 0 {
		ps.Add(PropHBaseZooKeeperQuorum, "", "the client finds HBase through ZooKeeper; set ZooKeeperQuorum")
	}
	for _, hp := range c.ZooKeeperQuorum {
		check.HostPort(ps, PropHBaseZooKeeperQuorum, hp)
	}
	if err := ps.Err(); err != nil {
		return deploy.File{}, err
	}
	props := []Property{{Name: PropHBaseZooKeeperQuorum, Value: strings.Join(c.ZooKeeperQuorum, ",")}}
	if c.ZooKeeperClientPort != 0 {
		props = append(props, Property{Name: PropHBaseZooKeeperPort, Value: strconv.Itoa(c.ZooKeeperClientPort)})
	}
	props = append(props, c.phoenixProperties()...)
	data, err := renderHadoopXML("Phoenix client hbase-site.xml, written by github.com/rtdw/rtdw/deploy", props)
	if err != nil {
		return deploy.File{}, err
	}
	return deploy.File{Path: HBaseSiteFile, Mode: deploy.ConfigFileMode, Data: data}, nil
}

func (c Config) renderEnv() []byte {
	var b bytes.Buffer
	b.WriteString("# hbase-env.sh, written by github.com/rtdw/rtdw/deploy.\n")
	if c.JavaHome != "" {
		fmt.Fprintf(&b, "export JAVA_HOME=%s\n", deploy.ShellQuote(c.JavaHome))
	}
	fmt.Fprintf(&b, "export HBASE_MANAGES_ZK=%t\n", c.ManagesZooKeeper)
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		fmt.Fprintf(&b, "export %s=%s\n", k, deploy.ShellQuote(c.Env[k]))
	}
	return b.Bytes()
}

// Parse reads an HBase conf directory back from its files, keyed by file name (hbase-site.xml,
// hbase-env.sh, regionservers, backup-masters; missing files are skipped). Properties without a typed field
// land in Extra, other hbase-env.sh variables in Env.
func Parse(files map[string][]byte) (Config, error) {
	var c Config
	ps := invalid("HBase configuration files")
	if data, ok := files[HBaseSiteFile]; ok {
		props, err := ParseHadoopXML(data)
		if err != nil {
			return Config{}, err
		}
		nsMap, sysMap := "", ""
		for _, p := range props {
			v := strings.TrimSpace(p.Value)
			switch p.Name {
			case PropHBaseRootDir:
				c.RootDir = v
			case PropHBaseDistributed:
				b, err := strconv.ParseBool(v)
				if err != nil {
					ps.Add(p.Name, v, "write true or false")
				}
				c.Standalone = !b
			case PropHBaseZooKeeperQuorum:
				c.ZooKeeperQuorum = check.SplitList(v, ",")
			case PropHBaseZooKeeperPort:
				n, err := strconv.Atoi(v)
				if err != nil {
					ps.Add(p.Name, v, "write a port number")
				}
				c.ZooKeeperClientPort = n
			case PropHBaseMaxClockSkew:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					ps.Add(p.Name, v, "write milliseconds as a whole number")
				}
				c.MaxClockSkew = time.Duration(n) * time.Millisecond
			case PropPhoenixNamespaceMap:
				nsMap = v
			case PropPhoenixMapSystemTable:
				sysMap = v
			default:
				if c.Extra == nil {
					c.Extra = map[string]string{}
				}
				c.Extra[p.Name] = p.Value
			}
		}
		switch {
		case nsMap == "true" && sysMap == "true":
			c.PhoenixNamespaceMapping = true
		case nsMap == "" && sysMap == "":
		default:
			// Only the combination deploy writes is typed; keep any other one verbatim.
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			if nsMap != "" {
				c.Extra[PropPhoenixNamespaceMap] = nsMap
			}
			if sysMap != "" {
				c.Extra[PropPhoenixMapSystemTable] = sysMap
			}
		}
	}
	if data, ok := files[HBaseEnvFile]; ok {
		for k, v := range parseShellExports(data) {
			switch k {
			case "JAVA_HOME":
				c.JavaHome = v
			case "HBASE_MANAGES_ZK":
				c.ManagesZooKeeper = v == "true"
			default:
				if c.Env == nil {
					c.Env = map[string]string{}
				}
				c.Env[k] = v
			}
		}
	}
	if data, ok := files[RegionServersFile]; ok {
		c.RegionServers = deploy.ParseHostsFile(data)
	}
	if data, ok := files[BackupMastersFile]; ok {
		c.BackupMasters = deploy.ParseHostsFile(data)
	}
	return c, ps.Err()
}

// parseShellExports reads "export NAME=value" and "NAME=value" lines, undoing single and double quotes.
func parseShellExports(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok || !shellName.MatchString(name) {
			continue
		}
		out[name] = shellUnquote(value)
	}
	return out
}

// shellUnquote undoes [deploy.ShellQuote] and simple double quoting.
func shellUnquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				b.WriteString(s[i+1:])
				return b.String()
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case ' ', '\t', '#':
			return b.String() // a trailing comment or a second word ends the value
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
