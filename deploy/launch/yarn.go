package launch

import (
	"bufio"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/remote"
)

// YARNTarget is a Flink deployment target on YARN.
type YARNTarget string

// The YARN targets. Per-job mode is deprecated since Flink 1.15 and gone in 2.0; prefer application mode.
const (
	YARNApplication YARNTarget = "yarn-application"
	YARNPerJob      YARNTarget = "yarn-per-job"
	YARNSession     YARNTarget = "yarn-session"
)

// YARNSessionCluster starts a long-running Flink session on YARN with bin/yarn-session.sh.
type YARNSessionCluster struct {
	// FlinkHome is the Flink directory on the submitting host.
	FlinkHome string
	// Name is the YARN application name (-nm).
	Name string
	// Queue is the YARN queue (-qu).
	Queue string
	// Attached keeps the client in the foreground; zero submits detached (-d), as a plan needs.
	Attached bool
	// Config is passed as -D dynamic properties (memory, slots, checkpoints...).
	Config flinkconf.Config
	// Env is added to the client's environment, e.g. "HADOOP_CLASSPATH=..." (the output of `hadoop classpath`),
	// which Flink needs to find Hadoop.
	Env []string
}

// Command returns the yarn-session.sh command line.
func (s YARNSessionCluster) Command() (remote.Command, error) {
	ps := invalid("YARN session")
	checkFlinkHome(ps, s.FlinkHome)
	if err := ps.Err(); err != nil {
		return remote.Command{}, err
	}
	dyn, err := dynamicOptions("YARN session", s.Config, nil)
	if err != nil {
		return remote.Command{}, err
	}
	args := []string{path.Join(s.FlinkHome, "bin", "yarn-session.sh")}
	if !s.Attached {
		args = append(args, "-d")
	}
	if s.Name != "" {
		args = append(args, "-nm", s.Name)
	}
	if s.Queue != "" {
		args = append(args, "-qu", s.Queue)
	}
	args = append(args, dyn...)
	return remote.Command{Args: args, Env: append([]string(nil), s.Env...)}, nil
}

// YARNJob submits a jar to YARN in application mode (flink run-application -t yarn-application) or per-job
// mode (flink run -t yarn-per-job), each job in its own Flink cluster.
type YARNJob struct {
	// FlinkHome is the Flink directory on the submitting host.
	FlinkHome string
	// Target is YARNApplication (the zero value means it) or YARNPerJob.
	Target YARNTarget
	// Name and Queue set yarn.application.name and yarn.application.queue.
	Name, Queue string
	// Config is passed as -D dynamic properties.
	Config flinkconf.Config
	// Jar is the job jar: a local path, or for application mode also a remote one (hdfs://...).
	Jar string
	// EntryClass is the main class (-c); "" uses the jar manifest's.
	EntryClass string
	// Args are the job's own arguments.
	Args []string
	// Restore starts the job from a savepoint.
	Restore Restore
	// Attached keeps a per-job client in the foreground; zero submits detached.
	Attached bool
	// Env is added to the client's environment (HADOOP_CLASSPATH).
	Env []string
}

// Command returns the flink CLI command line.
func (j YARNJob) Command() (remote.Command, error) {
	ps := invalid("YARN job")
	checkFlinkHome(ps, j.FlinkHome)
	target := j.Target
	if target == "" {
		target = YARNApplication
	}
	v := j.Config.Version.OrDefault()
	switch {
	case target != YARNApplication && target != YARNPerJob:
		ps.Add("Target", string(target), "use yarn-application or yarn-per-job (a session is YARNSessionCluster)")
	case target == YARNPerJob && v.Major >= 2:
		ps.Add("Target", string(target), "Flink 2.x removed per-job mode; use yarn-application")
	}
	if j.Jar == "" {
		ps.Add("Jar", "", "give the job jar")
	} else if target == YARNPerJob && strings.Contains(j.Jar, "://") && !strings.HasPrefix(j.Jar, "file://") {
		ps.Add("Jar", j.Jar, "per-job mode submits a local jar; remote jars need application mode")
	}
	if err := ps.Err(); err != nil {
		return remote.Command{}, err
	}
	extra := mergeOptions(map[string]string{"yarn.application.name": j.Name, "yarn.application.queue": j.Queue}, j.Restore.options(v))
	dyn, err := dynamicOptions("YARN job", j.Config, extra)
	if err != nil {
		return remote.Command{}, err
	}
	flink := path.Join(j.FlinkHome, "bin", "flink")
	var args []string
	if target == YARNApplication {
		args = []string{flink, "run-application", "-t", string(target)}
	} else {
		args = []string{flink, "run", "-t", string(target)}
		if !j.Attached {
			args = append(args, "-d")
		}
	}
	args = append(args, dyn...)
	if j.EntryClass != "" {
		args = append(args, "-c", j.EntryClass)
	}
	args = append(args, j.Jar)
	args = append(args, j.Args...)
	return remote.Command{Args: args, Env: append([]string(nil), j.Env...)}, nil
}

// YARNSubmission is what a YARN submission printed: the application id, the JobManager's web address and, for
// per-job mode, the job id.
type YARNSubmission struct {
	ApplicationID string
	WebInterface  string // "http://host:port"
	JobID         string // empty unless the client printed one
}

// ErrNoApplicationID is returned by [ParseYARNSubmission] when the output names no YARN application.
var ErrNoApplicationID = errors.New("launch: no YARN application id in the output")

var (
	appIDPattern      = regexp.MustCompile(`\bapplication_\d+_\d+\b`)
	submittedApp      = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)
	foundWebInterface = regexp.MustCompile(`Found Web Interface (\S+):(\d+) of application '(application_\d+_\d+)'`)
	webInterfaceURL   = regexp.MustCompile(`JobManager Web Interface: (https?://\S+)`)
	jobIDPattern      = regexp.MustCompile(`(?:Job has been submitted with JobID|JobID) ([0-9a-f]{32})\b`)
)

// ParseYARNSubmission reads the application id and the JobManager web address from the console output of
// yarn-session.sh, flink run -t yarn-per-job or flink run-application -t yarn-application (standard output and
// error together, log lines included).
func ParseYARNSubmission(output string) (YARNSubmission, error) {
	var s YARNSubmission
	if m := submittedApp.FindStringSubmatch(output); m != nil {
		s.ApplicationID = m[1]
	}
	if m := foundWebInterface.FindStringSubmatch(output); m != nil {
		s.WebInterface = "http://" + m[1] + ":" + m[2]
		if s.ApplicationID == "" {
			s.ApplicationID = m[3]
		}
	}
	if m := webInterfaceURL.FindStringSubmatch(output); m != nil {
		s.WebInterface = strings.TrimRight(m[1], ".,")
	}
	if s.ApplicationID == "" {
		s.ApplicationID = appIDPattern.FindString(output)
	}
	if m := jobIDPattern.FindStringSubmatch(output); m != nil {
		s.JobID = m[1]
	}
	if s.ApplicationID == "" {
		return s, ErrNoApplicationID
	}
	return s, nil
}

// YARNApplicationReport is one row of `yarn application -list`.
type YARNApplicationReport struct {
	ID, Name, Type, User, Queue, State, FinalState, Progress, TrackingURL string
}

// YARNListCommand returns `yarn application -list` (running, accepted and submitted applications), optionally
// limited to Flink's application type.
func YARNListCommand(yarnBin string, flinkOnly bool) remote.Command {
	if yarnBin == "" {
		yarnBin = "yarn"
	}
	args := []string{yarnBin, "application", "-list"}
	if flinkOnly {
		args = append(args, "-appTypes", "Apache Flink")
	}
	return remote.Command{Args: args}
}

// YARNKillCommand returns `yarn application -kill ID`.
func YARNKillCommand(yarnBin, applicationID string) (remote.Command, error) {
	if !appIDPattern.MatchString(applicationID) || appIDPattern.FindString(applicationID) != applicationID {
		ps := invalid("YARN kill")
		ps.Add("applicationID", applicationID, "give an id like application_1700000000000_0001")
		return remote.Command{}, ps
	}
	if yarnBin == "" {
		yarnBin = "yarn"
	}
	return remote.Command{Args: []string{yarnBin, "application", "-kill", applicationID}}, nil
}

// ParseYARNApplicationList reads the table `yarn application -list` prints (tab-separated, after a
// "Total number of applications" line and a header row).
func ParseYARNApplicationList(output string) ([]YARNApplicationReport, error) {
	var out []YARNApplicationReport
	sc := bufio.NewScanner(strings.NewReader(output))
	header := false
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "Application-Id") && strings.Contains(line, "Application-Name") {
			header = true
			continue
		}
		if !header || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 9 {
			return out, fmt.Errorf("launch: yarn application -list row has %d columns, want 9: %q", len(cols), line)
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		out = append(out, YARNApplicationReport{ID: cols[0], Name: cols[1], Type: cols[2], User: cols[3], Queue: cols[4],
			State: cols[5], FinalState: cols[6], Progress: cols[7], TrackingURL: cols[8]})
	}
	if !header {
		return nil, errors.New("launch: no application table in the output of yarn application -list")
	}
	return out, nil
}

// FlinkJobsCommand returns `flink list -t TARGET -Dyarn.application.id=ID`, listing the jobs of a Flink
// cluster on YARN.
func FlinkJobsCommand(flinkHome string, target YARNTarget, applicationID string) remote.Command {
	return remote.Command{Args: []string{path.Join(flinkHome, "bin", "flink"), "list", "-t", string(target), "-Dyarn.application.id=" + applicationID}}
}

// FlinkCancelCommand returns `flink cancel -t TARGET -Dyarn.application.id=ID JOBID`.
func FlinkCancelCommand(flinkHome string, target YARNTarget, applicationID, jobID string) remote.Command {
	return remote.Command{Args: []string{path.Join(flinkHome, "bin", "flink"), "cancel", "-t", string(target), "-Dyarn.application.id=" + applicationID, jobID}}
}

// FlinkJobListing is one job line of `flink list`.
type FlinkJobListing struct {
	Started string // as printed, e.g. "20.07.2026 10:15:02"
	JobID   string
	Name    string
	State   string
}

var flinkListLine = regexp.MustCompile(`^(.+?) : ([0-9a-f]{32}) : (.*) \(([A-Z_]+)\)\s*$`)

// ParseFlinkList reads the job lines of `flink list` output (running, scheduled and terminated sections alike).
func ParseFlinkList(output string) []FlinkJobListing {
	var out []FlinkJobListing
	for _, line := range strings.Split(output, "\n") {
		if m := flinkListLine.FindStringSubmatch(strings.TrimRight(line, "\r")); m != nil {
			out = append(out, FlinkJobListing{Started: m[1], JobID: m[2], Name: m[3], State: m[4]})
		}
	}
	return out
}
