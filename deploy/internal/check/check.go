// Package check holds the field rules more than one deploy package applies: host names, host:port entries,
// ports, list splitting and Kubernetes DNS labels. Every check adds its finding to a problems list rather than
// returning on the first one, so a caller reports everything wrong with a configuration at once.
package check

import (
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/internal/problems"
)

// ValidHost reports whether h is a bare host name or IP address: no scheme, port or spaces.
func ValidHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Host adds a problem when host is not a bare host name or IP address.
func Host(ps *problems.Error, key, host string) {
	if !ValidHost(host) {
		ps.Add(key, host, "give a bare host name or IP address, without scheme, port or spaces")
	}
}

// HostPort adds a problem when hp is neither host nor host:port with a port from 1 to 65535.
func HostPort(ps *problems.Error, key, hp string) {
	host, port := hp, ""
	if h, p, err := net.SplitHostPort(hp); err == nil {
		host, port = h, p
	}
	if !ValidHost(host) {
		ps.Add(key, hp, "write host or host:port, e.g. hadoop102:2181")
		return
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			ps.Add(key, hp, "the port after ':' must be between 1 and 65535")
		}
	}
}

// Port adds a problem when port is outside 0..65535; 0 means "the product's default".
func Port(ps *problems.Error, key string, port int) {
	if port < 0 || port > 65535 {
		ps.Add(key, strconv.Itoa(port), "a port is between 1 and 65535 (0 leaves the default)")
	}
}

// SplitList splits s at sep and drops empty, space-only entries.
func SplitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// dnsLabel is RFC 1123's label as Kubernetes checks it (IsDNS1123Label), starting with a letter as Flink's
// cluster ids and Service names must.
var dnsLabel = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// DNSLabel reports whether s is a lowercase DNS label that starts with a letter and holds at most max
// characters (Kubernetes allows 63; Flink's native cluster ids 45, because it appends suffixes).
func DNSLabel(s string, max int) bool { return len(s) <= max && dnsLabel.MatchString(s) }
