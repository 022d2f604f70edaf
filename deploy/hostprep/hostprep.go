package hostprep

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/remote"
)

// LimitsFile is where [Limits.File] puts the limits: a drop-in read by pam_limits after limits.conf.
const LimitsFile = "/etc/security/limits.d/99-rtdw.conf"

// Limits are the per-user resource limits big-data daemons need (HBase and Flink open many files and
// threads), in /etc/security/limits.conf syntax. Zero fields mean the defaults below.
type Limits struct {
	// Domain is the user, @group or "*" the limits apply to; "" means "*".
	Domain string
	// NoFileSoft and NoFileHard are the open-files limits; 0 means 65536 and 131072.
	NoFileSoft, NoFileHard int
	// NProcSoft and NProcHard are the process/thread limits; 0 means 65536 and 131072.
	NProcSoft, NProcHard int
}

// LimitEntry is one line of limits.conf: domain, type (soft, hard or -), item and value.
type LimitEntry struct {
	Domain, Type, Item, Value string
}

func (l Limits) withDefaults() Limits {
	if l.Domain == "" {
		l.Domain = "*"
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.NoFileSoft, 65536)
	def(&l.NoFileHard, 131072)
	def(&l.NProcSoft, 65536)
	def(&l.NProcHard, 131072)
	return l
}

// Entries returns the limits as limits.conf entries.
func (l Limits) Entries() []LimitEntry {
	l = l.withDefaults()
	return []LimitEntry{
		{l.Domain, "soft", "nofile", strconv.Itoa(l.NoFileSoft)},
		{l.Domain, "hard", "nofile", strconv.Itoa(l.NoFileHard)},
		{l.Domain, "soft", "nproc", strconv.Itoa(l.NProcSoft)},
		{l.Domain, "hard", "nproc", strconv.Itoa(l.NProcHard)},
	}
}

// Validate checks that soft limits do not exceed hard ones and that values are positive.
func (l Limits) Validate() error {
	l2 := l.withDefaults()
	ps := invalid("host limits")
	if strings.ContainsAny(l2.Domain, " \t\n") {
		ps.Add("Domain", l2.Domain, "a user name, @group or *")
	}
	for _, p := range []struct {
		key        string
		soft, hard int
	}{{"nofile", l2.NoFileSoft, l2.NoFileHard}, {"nproc", l2.NProcSoft, l2.NProcHard}} {
		if p.soft < 0 || p.hard < 0 {
			ps.Add(p.key, fmt.Sprintf("%d/%d", p.soft, p.hard), "limits are positive (0 means the default)")
		} else if p.soft > p.hard {
			ps.Add(p.key, fmt.Sprintf("soft %d > hard %d", p.soft, p.hard), "the soft limit cannot exceed the hard limit")
		}
	}
	return ps.Err()
}

// File renders the limits as a limits.d drop-in (root-owned, 0644). Limits apply to new login sessions.
func (l Limits) File() (deploy.File, error) {
	if err := l.Validate(); err != nil {
		return deploy.File{}, err
	}
	var b bytes.Buffer
	b.WriteString("# Resource limits for Flink, HBase and ZooKeeper, written by github.com/rtdw/rtdw/deploy.\n")
	b.WriteString("# <domain> <type> <item> <value>\n")
	for _, e := range l.Entries() {
		fmt.Fprintf(&b, "%-8s %-5s %-7s %s\n", e.Domain, e.Type, e.Item, e.Value)
	}
	return deploy.File{Path: LimitsFile, Mode: deploy.ConfigFileMode, Data: b.Bytes()}, nil
}

// ParseLimits reads limits.conf syntax: four whitespace-separated fields per line, '#' comments.
func ParseLimits(data []byte) ([]LimitEntry, error) {
	var out []LimitEntry
	ps := invalid("limits file")
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 {
			ps.Add(fmt.Sprintf("line %d", line), strings.TrimSpace(text), "want <domain> <type> <item> <value>")
			continue
		}
		out = append(out, LimitEntry{f[0], f[1], f[2], f[3]})
	}
	return out, ps.Err()
}

// Requirements says what [Check] expects of a host. The zero value checks the [Limits] defaults'
// soft limits and that java is on the PATH.
type Requirements struct {
	// NoFile and NProc are the minimum soft limits; 0 means Limits' defaults (65536 each).
	NoFile, NProc int
	// SkipJava leaves out the java check (for ClickHouse-only hosts).
	SkipJava bool
	// JavaMajor is the minimum Java feature version, e.g. 11 for Flink 2.x; 0 accepts any.
	JavaMajor int
	// Commands lists other programs that must be on the PATH (e.g. "hadoop" for YARN deployments).
	Commands []string
}

// Finding is the result of one check on a host.
type Finding struct {
	Check string // "open files (ulimit -n)", "java", ...
	Want  string
	Got   string
	OK    bool
	Fix   string // empty when OK
}

// Report is what [Check] found on one host.
type Report struct {
	Host     string
	Findings []Finding
}

// Lacks returns the failed findings.
func (r Report) Lacks() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.OK {
			out = append(out, f)
		}
	}
	return out
}

// OK reports whether every check passed.
func (r Report) OK() bool { return len(r.Lacks()) == 0 }

// String lists the findings, one per line, failures with their fix.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", r.Host)
	for _, f := range r.Findings {
		mark := "ok  "
		if !f.OK {
			mark = "LACK"
		}
		fmt.Fprintf(&b, "\n  %s %s: have %s, want %s", mark, f.Check, f.Got, f.Want)
		if !f.OK && f.Fix != "" {
			fmt.Fprintf(&b, " (%s)", f.Fix)
		}
	}
	return b.String()
}

// checkScript prints one "key=value" line per fact; it only reads, never changes the host. It runs under any
// POSIX sh: dash spells the process limit -p where bash spells it -u.
const checkScript = `echo "nofile=$(ulimit -Sn)"
echo "nproc=$(ulimit -Su 2>/dev/null || ulimit -Sp 2>/dev/null)"
if command -v java >/dev/null 2>&1; then
  echo "java=$(command -v java)"
  echo "javaversion=$(java -version 2>&1 | head -n 1)"
else
  echo "java="
fi
for c in "$@"; do
  if command -v "$c" >/dev/null 2>&1; then echo "cmd:$c=$(command -v "$c")"; else echo "cmd:$c="; fi
done
`

var javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// Check runs a read-only shell script through ex and reports what the host lacks against req: the soft
// open-files and process limits of the executor's session, java on the PATH (and its version), and any other
// commands. The error is for failing to run the check at all; what the host lacks is in the report.
func Check(ctx context.Context, ex remote.Executor, req Requirements) (Report, error) {
	def := Limits{}.withDefaults()
	if req.NoFile == 0 {
		req.NoFile = def.NoFileSoft
	}
	if req.NProc == 0 {
		req.NProc = def.NProcSoft
	}
	args := append([]string{"sh", "-c", checkScript, "rtdw-check"}, req.Commands...)
	res, err := ex.Run(ctx, remote.Command{Args: args})
	if err != nil {
		return Report{Host: ex.Host()}, fmt.Errorf("hostprep: checking %s: %w", ex.Host(), err)
	}
	facts := map[string]string{}
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			facts[k] = strings.TrimSpace(v)
		}
	}
	r := Report{Host: ex.Host()}
	limit := func(check, key string, want int, item string) {
		got := facts[key]
		ok := got == "unlimited"
		if n, err := strconv.Atoi(got); err == nil {
			ok = n >= want
		}
		f := Finding{Check: check, Want: fmt.Sprintf(">= %d", want), Got: got, OK: ok}
		if !ok {
			f.Fix = fmt.Sprintf("raise the %s limit: write Limits.File() to %s and log in again", item, LimitsFile)
		}
		r.Findings = append(r.Findings, f)
	}
	limit("open files (ulimit -n)", "nofile", req.NoFile, "nofile")
	limit("processes (ulimit -u)", "nproc", req.NProc, "nproc")
	if !req.SkipJava {
		path := facts["java"]
		f := Finding{Check: "java", Want: "on the PATH", Got: path, OK: path != ""}
		if path == "" {
			f.Got = "not found"
			f.Fix = "install a JDK (apt-get install -y openjdk-17-jdk-headless) or put its bin/ on the PATH"
		}
		r.Findings = append(r.Findings, f)
		if req.JavaMajor > 0 && path != "" {
			major := 0
			if m := javaVersion.FindStringSubmatch(facts["javaversion"]); m != nil {
				major, _ = strconv.Atoi(m[1])
				if major == 1 && m[2] != "" { // "1.8.0_212" is Java 8
					major, _ = strconv.Atoi(m[2])
				}
			}
			vf := Finding{Check: "java version", Want: fmt.Sprintf(">= %d", req.JavaMajor), Got: facts["javaversion"], OK: major >= req.JavaMajor}
			if !vf.OK {
				vf.Fix = fmt.Sprintf("install Java %d or newer", req.JavaMajor)
			}
			r.Findings = append(r.Findings, vf)
		}
	}
	for _, c := range req.Commands {
		p := facts["cmd:"+c]
		f := Finding{Check: c, Want: "on the PATH", Got: p, OK: p != ""}
		if p == "" {
			f.Got = "not found"
			f.Fix = "install " + c + " or put it on the PATH"
		}
		r.Findings = append(r.Findings, f)
	}
	return r, nil
}

// PreparePlan writes the resource limits drop-in to every host.
func PreparePlan(hosts []string, limits Limits) (remote.Plan, error) {
	f, err := limits.File()
	if err != nil {
		return remote.Plan{}, err
	}
	var p remote.Plan
	for _, h := range hosts {
		p.AddFile(h, f, "open files and processes for Flink, HBase, ZooKeeper")
	}
	return p, nil
}
