package deploy

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/rtdw/rtdw/deploy/internal/check"
)

// RenderHostsFile renders a one-host-per-line file: Flink's masters ("host:webui-port") and workers, HBase's
// regionservers and backup-masters. Every entry is checked (a host name or IP, optionally ":port").
func RenderHostsFile(name string, hosts []string) (File, error) {
	ps := invalid(name)
	seen := map[string]bool{}
	var b bytes.Buffer
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		check.HostPort(ps, name, h)
		if seen[h] {
			ps.Add(name, h, "listed twice; list every host once")
		}
		seen[h] = true
		b.WriteString(h)
		b.WriteByte('\n')
	}
	if err := ps.Err(); err != nil {
		return File{}, err
	}
	return File{Path: name, Mode: ConfigFileMode, Data: b.Bytes()}, nil
}

// ParseHostsFile reads a hosts file back: one entry per line, '#' comments and blank lines ignored, as HBase's
// and Flink's scripts read them.
func ParseHostsFile(data []byte) []string {
	var hosts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			hosts = append(hosts, line)
		}
	}
	return hosts
}
