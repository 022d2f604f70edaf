package launch

import (
	"net"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/hbaseconf"
	"github.com/rtdw/rtdw/deploy/remote"
)

// StandaloneCluster is a Flink standalone cluster on fixed hosts: the same configuration on every host (with
// taskmanager.host set to each TaskManager's own name), the masters and workers files, and the start commands.
// It runs a session cluster, or one application when Application is set.
type StandaloneCluster struct {
	// FlinkHome is the Flink directory on every host, e.g. /opt/module/flink.
	FlinkHome string
	// Config is written to conf/flink-conf.yaml or conf/config.yaml on every host. Its JobManagerAddress
	// defaults to the first JobManager.
	Config flinkconf.Config
	// JobManagers are the JobManager hosts; more than one needs high availability.
	JobManagers []string
	// TaskManagers are the TaskManager hosts (the workers file).
	TaskManagers []string
	// StartPerHost starts every process on its own host (jobmanager.sh / taskmanager.sh) instead of running
	// start-cluster.sh on the first JobManager, which needs passwordless SSH from it to every host.
	StartPerHost bool
	// Application, when set, runs one job in application mode (standalone-job.sh) instead of a session.
	Application *StandaloneApplication
}

// StandaloneApplication is the job a standalone application cluster runs; its jar must be in lib/ or usrlib/.
type StandaloneApplication struct {
	// JobClassName is the job's main class (--job-classname).
	JobClassName string
	// JobID fixes the job id (--job-id), which keeps HA state stable across restarts.
	JobID string
	// Restore starts from a savepoint (--fromSavepoint, --allowNonRestoredState).
	Restore Restore
	// Args are passed to the job's main method.
	Args []string
}

func (s StandaloneCluster) config() flinkconf.Config {
	c := s.Config.Clone()
	if c.JobManagerAddress == "" && len(s.JobManagers) > 0 {
		c.JobManagerAddress = s.JobManagers[0]
	}
	return c
}

// Hosts returns the JobManagers then the TaskManagers not already listed.
func (s StandaloneCluster) Hosts() []string {
	var hosts []string
	for _, h := range append(slices.Clone(s.JobManagers), s.TaskManagers...) {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// RESTURL is the first JobManager's REST address, for [WaitForJobManager].
func (s StandaloneCluster) RESTURL() string {
	c := s.config()
	host := c.RESTAddress
	if host == "" {
		host = c.JobManagerAddress
	}
	return restURL(host, c.RESTPort)
}

// Validate checks the layout and the configuration and returns one [deploy.ConfigError], or nil.
func (s StandaloneCluster) Validate() error {
	ps := invalid("standalone Flink cluster")
	checkFlinkHome(ps, s.FlinkHome)
	if len(s.JobManagers) == 0 {
		ps.Add("JobManagers", "", "name at least one JobManager host")
	}
	if len(s.TaskManagers) == 0 {
		ps.Add("TaskManagers", "", "name at least one TaskManager host")
	}
	c := s.config()
	if len(s.JobManagers) > 1 && (c.HighAvailability.Type == "" || strings.EqualFold(c.HighAvailability.Type, "none")) {
		ps.Add("JobManagers", strings.Join(s.JobManagers, ","), "several JobManagers need high availability; set Config.HighAvailability (zookeeper, quorum, storage dir)")
	}
	if _, set := c.Extra["taskmanager.host"]; set && len(s.TaskManagers) > 1 {
		ps.Add("taskmanager.host", c.Extra["taskmanager.host"], "each TaskManager needs its own; leave it out and the plan sets it per host")
	}
	if a := s.Application; a != nil && a.JobClassName == "" {
		ps.Add("Application.JobClassName", "", "name the job's main class (--job-classname)")
	}
	for _, f := range []struct {
		name  string
		hosts []string
	}{{"masters", s.JobManagers}, {"workers", s.TaskManagers}} {
		if _, err := deploy.RenderHostsFile(f.name, f.hosts); err != nil {
			ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
		}
	}
	if err := c.Validate(); err != nil {
		ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
	}
	return ps.Err()
}

// Files returns the files for one host: the Flink configuration (with taskmanager.host for TaskManagers),
// masters and workers, with absolute paths under FlinkHome/conf.
func (s StandaloneCluster) Files(host string) ([]deploy.File, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := s.config()
	if slices.Contains(s.TaskManagers, host) {
		if _, set := c.Extra["taskmanager.host"]; !set {
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra["taskmanager.host"] = host
		}
	}
	conf, err := c.Render()
	if err != nil {
		return nil, err
	}
	var masters []string
	for _, jm := range s.JobManagers {
		masters = append(masters, net.JoinHostPort(jm, strconv.Itoa(defaultPort(c.RESTPort))))
	}
	m, _ := deploy.RenderHostsFile("masters", masters)
	w, _ := deploy.RenderHostsFile("workers", s.TaskManagers)
	confDir := path.Join(s.FlinkHome, "conf")
	files := []deploy.File{conf, m, w}
	for i := range files {
		files[i].Path = path.Join(confDir, files[i].Path)
	}
	return files, nil
}

func defaultPort(p int) int {
	if p == 0 {
		return 8081
	}
	return p
}

func (s StandaloneCluster) bin(script string) string { return path.Join(s.FlinkHome, "bin", script) }

// Plan writes the files to every host, then starts the cluster: start-cluster.sh on the first JobManager, or
// per host (jobmanager.sh or standalone-job.sh, then taskmanager.sh) with StartPerHost or Application.
func (s StandaloneCluster) Plan() (remote.Plan, error) {
	if err := s.Validate(); err != nil {
		return remote.Plan{}, err
	}
	var p remote.Plan
	for _, h := range s.Hosts() {
		files, err := s.Files(h)
		if err != nil {
			return remote.Plan{}, err
		}
		for _, f := range files {
			p.AddFile(h, f, "")
		}
	}
	switch {
	case s.Application != nil:
		a := s.Application
		for _, jm := range s.JobManagers {
			args := []string{s.bin("standalone-job.sh"), "start", "--job-classname", a.JobClassName}
			if a.JobID != "" {
				args = append(args, "--job-id", a.JobID)
			}
			if a.Restore.Path != "" {
				args = append(args, "--fromSavepoint", a.Restore.Path)
				if a.Restore.AllowNonRestoredState {
					args = append(args, "--allowNonRestoredState")
				}
			}
			args = append(args, a.Args...)
			p.AddCommand(jm, remote.Command{Args: args}, "start the application's JobManager")
		}
		for _, tm := range s.TaskManagers {
			p.AddCommand(tm, remote.Command{Args: []string{s.bin("taskmanager.sh"), "start"}}, "start a TaskManager")
		}
	case s.StartPerHost:
		for _, jm := range s.JobManagers {
			p.AddCommand(jm, remote.Command{Args: []string{s.bin("jobmanager.sh"), "start"}}, "start a JobManager")
		}
		for _, tm := range s.TaskManagers {
			p.AddCommand(tm, remote.Command{Args: []string{s.bin("taskmanager.sh"), "start"}}, "start a TaskManager")
		}
	default:
		p.AddCommand(s.JobManagers[0], remote.Command{Args: []string{s.bin("start-cluster.sh")}}, "starts the JobManagers in masters and, over SSH, the TaskManagers in workers")
	}
	return p, nil
}

// StopPlan stops what Plan started, TaskManagers first.
func (s StandaloneCluster) StopPlan() (remote.Plan, error) {
	if err := s.Validate(); err != nil {
		return remote.Plan{}, err
	}
	var p remote.Plan
	if !s.StartPerHost && s.Application == nil {
		p.AddCommand(s.JobManagers[0], remote.Command{Args: []string{s.bin("stop-cluster.sh")}}, "")
		return p, nil
	}
	for _, tm := range s.TaskManagers {
		p.AddCommand(tm, remote.Command{Args: []string{s.bin("taskmanager.sh"), "stop"}}, "")
	}
	script := "jobmanager.sh"
	if s.Application != nil {
		script = "standalone-job.sh"
	}
	for _, jm := range s.JobManagers {
		p.AddCommand(jm, remote.Command{Args: []string{s.bin(script), "stop"}}, "")
	}
	return p, nil
}

// HBaseCluster is an HBase cluster on fixed hosts, optionally with Phoenix.
type HBaseCluster struct {
	// HBaseHome is the HBase directory on every host, e.g. /opt/module/hbase.
	HBaseHome string
	// Master is the host start-hbase.sh runs on (the active master).
	Master string
	// Config is the conf directory written to every host.
	Config hbaseconf.Config
	// PhoenixClientConfDir, when set, receives the Phoenix client hbase-site.xml on the master host
	// (e.g. /opt/module/phoenix/bin, where sqlline.py looks).
	PhoenixClientConfDir string
}

// Hosts returns the master, backup masters and region servers, each once.
func (h HBaseCluster) Hosts() []string {
	var hosts []string
	for _, x := range append(append([]string{h.Master}, h.Config.BackupMasters...), h.Config.RegionServers...) {
		if !slices.Contains(hosts, x) {
			hosts = append(hosts, x)
		}
	}
	return hosts
}

// Plan writes the conf directory to every host and runs start-hbase.sh on the master.
func (h HBaseCluster) Plan() (remote.Plan, error) {
	ps := invalid("HBase cluster")
	if h.HBaseHome == "" || !path.IsAbs(h.HBaseHome) {
		ps.Add("HBaseHome", h.HBaseHome, "give the absolute HBase directory, e.g. /opt/module/hbase")
	}
	if h.Master == "" {
		ps.Add("Master", "", "name the master host")
	}
	if h.PhoenixClientConfDir != "" && !path.IsAbs(h.PhoenixClientConfDir) {
		ps.Add("PhoenixClientConfDir", h.PhoenixClientConfDir, "give an absolute directory")
	}
	if err := h.Config.Validate(); err != nil {
		ps.Problems = append(ps.Problems, err.(*deploy.ConfigError).Problems...)
	}
	if err := ps.Err(); err != nil {
		return remote.Plan{}, err
	}
	files, err := h.Config.Files()
	if err != nil {
		return remote.Plan{}, err
	}
	var p remote.Plan
	for _, host := range h.Hosts() {
		for _, f := range files {
			f.Path = path.Join(h.HBaseHome, "conf", f.Path)
			p.AddFile(host, f, "")
		}
	}
	if h.PhoenixClientConfDir != "" {
		f, err := h.Config.PhoenixClientSite()
		if err != nil {
			return remote.Plan{}, err
		}
		f.Path = path.Join(h.PhoenixClientConfDir, f.Path)
		p.AddFile(h.Master, f, "Phoenix client side: must agree with the servers on namespace mapping")
	}
	p.AddCommand(h.Master, remote.Command{Args: []string{path.Join(h.HBaseHome, "bin", "start-hbase.sh")}},
		"starts the master here, backup masters and region servers over SSH")
	return p, nil
}
