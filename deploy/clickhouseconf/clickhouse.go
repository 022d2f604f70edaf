package clickhouseconf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/internal/check"
)

// OverrideFile is the default name of the override under config.d/.
const OverrideFile = "config.d/rtdw.xml"

// Config is a config.d override for clickhouse-server: where it listens, where it keeps data and
// logs, and its ports. ClickHouse merges every file in config.d over config.xml, so the packaged config.xml
// stays untouched. Zero values are left out (the packaged config.xml's values apply).
type Config struct {
	// ListenHosts are the listen_host entries, e.g. ["0.0.0.0"] or ["::"] for every interface.
	ListenHosts []string
	// Path is the data directory (<path>); ClickHouse requires the trailing slash.
	Path string
	// TmpPath is <tmp_path> for temporary data of large queries; trailing slash required.
	TmpPath string
	// UserFilesPath is <user_files_path> for the file() table function; trailing slash required.
	UserFilesPath string
	// Log is <logger><log>, the server log file.
	Log string
	// ErrorLog is <logger><errorlog>.
	ErrorLog string
	// LogLevel is <logger><level>: trace, debug, information, warning, error...
	LogLevel string
	// HTTPPort, TCPPort, InterserverHTTPPort and MySQLPort are the server's ports (8123, 9000, 9009, 9004 by
	// default in config.xml); 0 leaves them.
	HTTPPort, TCPPort, InterserverHTTPPort, MySQLPort int
	// LegacyRoot writes the root element <yandex> instead of <clickhouse>, for servers older than 22.x
	// (Debian's 18.16 among them); newer servers read both.
	LegacyRoot bool
}

type clickHouseXML struct {
	XMLName             xml.Name
	ListenHosts         []string          `xml:"listen_host"`
	Path                string            `xml:"path,omitempty"`
	TmpPath             string            `xml:"tmp_path,omitempty"`
	UserFilesPath       string            `xml:"user_files_path,omitempty"`
	Logger              *clickHouseLogger `xml:"logger"`
	HTTPPort            int               `xml:"http_port,omitempty"`
	TCPPort             int               `xml:"tcp_port,omitempty"`
	InterserverHTTPPort int               `xml:"interserver_http_port,omitempty"`
	MySQLPort           int               `xml:"mysql_port,omitempty"`
}

type clickHouseLogger struct {
	Level    string `xml:"level,omitempty"`
	Log      string `xml:"log,omitempty"`
	ErrorLog string `xml:"errorlog,omitempty"`
}

// Validate checks the override and returns one [deploy.ConfigError] listing every problem, or nil.
func (c Config) Validate() error {
	ps := invalid("ClickHouse configuration")
	for _, h := range c.ListenHosts {
		if net.ParseIP(h) == nil && !check.ValidHost(h) {
			ps.Add("listen_host", h, "give an IP address (0.0.0.0, ::, 127.0.0.1) or a host name")
		}
	}
	for _, d := range []struct{ key, value string }{{"path", c.Path}, {"tmp_path", c.TmpPath}, {"user_files_path", c.UserFilesPath}} {
		if d.value == "" {
			continue
		}
		if !path.IsAbs(d.value) {
			ps.Add(d.key, d.value, "give an absolute directory, e.g. /data/clickhouse/")
		} else if !strings.HasSuffix(d.value, "/") {
			ps.Add(d.key, d.value, "ClickHouse requires the trailing slash: %s/", d.value)
		}
	}
	for _, f := range []struct{ key, value string }{{"logger/log", c.Log}, {"logger/errorlog", c.ErrorLog}} {
		if f.value != "" && (!path.IsAbs(f.value) || strings.HasSuffix(f.value, "/")) {
			ps.Add(f.key, f.value, "give an absolute file path, e.g. /var/log/clickhouse-server/clickhouse-server.log")
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "", "none", "fatal", "critical", "error", "warning", "notice", "information", "debug", "trace", "test":
	default:
		ps.Add("logger/level", c.LogLevel, "use one of trace, debug, information, warning, error")
	}
	seen := map[int]string{}
	for _, p := range []struct {
		key  string
		port int
	}{{"http_port", c.HTTPPort}, {"tcp_port", c.TCPPort}, {"interserver_http_port", c.InterserverHTTPPort}, {"mysql_port", c.MySQLPort}} {
		check.Port(ps, p.key, p.port)
		if p.port == 0 {
			continue
		}
		if other, dup := seen[p.port]; dup {
			ps.Add(p.key, strconv.Itoa(p.port), "the same port as %s; give each its own", other)
		}
		seen[p.port] = p.key
	}
	return ps.Err()
}

// Render validates and writes the override as config.d/rtdw.xml.
func (c Config) Render() (deploy.File, error) {
	if err := c.Validate(); err != nil {
		return deploy.File{}, err
	}
	root := "clickhouse"
	if c.LegacyRoot {
		root = "yandex"
	}
	doc := clickHouseXML{
		XMLName:     xml.Name{Local: root},
		ListenHosts: c.ListenHosts, Path: c.Path, TmpPath: c.TmpPath, UserFilesPath: c.UserFilesPath,
		HTTPPort: c.HTTPPort, TCPPort: c.TCPPort, InterserverHTTPPort: c.InterserverHTTPPort, MySQLPort: c.MySQLPort,
	}
	if c.Log != "" || c.ErrorLog != "" || c.LogLevel != "" {
		doc.Logger = &clickHouseLogger{Level: c.LogLevel, Log: c.Log, ErrorLog: c.ErrorLog}
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<!-- ClickHouse config.d override, written by github.com/rtdw/rtdw/deploy. -->\n")
	enc := xml.NewEncoder(&b)
	enc.Indent("", "    ")
	if err := enc.Encode(doc); err != nil {
		return deploy.File{}, fmt.Errorf("clickhouseconf: encoding ClickHouse XML: %w", err)
	}
	b.WriteByte('\n')
	return deploy.File{Path: OverrideFile, Mode: deploy.ConfigFileMode, Data: b.Bytes()}, nil
}

// Parse reads an override written by Render (or by hand, with the same elements) back.
func Parse(data []byte) (Config, error) {
	var doc clickHouseXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return Config{}, fmt.Errorf("clickhouseconf: not a ClickHouse configuration file: %w", err)
	}
	c := Config{
		ListenHosts: doc.ListenHosts, Path: doc.Path, TmpPath: doc.TmpPath, UserFilesPath: doc.UserFilesPath,
		HTTPPort: doc.HTTPPort, TCPPort: doc.TCPPort, InterserverHTTPPort: doc.InterserverHTTPPort, MySQLPort: doc.MySQLPort,
	}
	switch doc.XMLName.Local {
	case "yandex":
		c.LegacyRoot = true
	case "clickhouse":
	default:
		return Config{}, fmt.Errorf("clickhouseconf: ClickHouse configuration root is <%s>, want <clickhouse> or <yandex>", doc.XMLName.Local)
	}
	if doc.Logger != nil {
		c.Log, c.ErrorLog, c.LogLevel = doc.Logger.Log, doc.Logger.ErrorLog, doc.Logger.Level
	}
	return c, nil
}
