package launch_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/launch"
	"github.com/rtdw/rtdw/deploy/remote"
)

func seedStandalone() launch.StandaloneCluster {
	return launch.StandaloneCluster{
		FlinkHome:    "/opt/module/flink",
		Config:       testkit.SeedFlinkConfig(flinkconf.Version{Major: 1, Minor: 18}),
		JobManagers:  []string{"hadoop102"},
		TaskManagers: []string{"hadoop103", "hadoop104"},
	}
}

func TestStandalonePlansGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*launch.StandaloneCluster)
		golden  string
		nowhere []string
	}{
		{"session", func(*launch.StandaloneCluster) {}, "standalone-session.golden", nil},
		{"per-host", func(s *launch.StandaloneCluster) { s.StartPerHost = true }, "standalone-per-host.golden", []string{"start-cluster.sh"}},
		{"application", func(s *launch.StandaloneCluster) {
			s.Application = &launch.StandaloneApplication{JobClassName: "com.example.CdcToClickHouse", JobID: "00000000000000000000000000000001",
				Restore: launch.Restore{Path: "hdfs://hadoop102:8020/flink/savepoints/sp-1", AllowNonRestoredState: true}, Args: []string{"--table", "orders"}}
		}, "standalone-application.golden", []string{"start-cluster.sh"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := seedStandalone()
			tc.mutate(&s)
			p, err := s.Plan()
			if err != nil {
				t.Fatal(err)
			}
			text := p.DryRun()
			testkit.Golden(t, tc.golden, []byte(text))
			for _, s := range tc.nowhere {
				if strings.Contains(text, s) {
					t.Errorf("%s plan mentions %s", tc.name, s)
				}
			}
		})
	}
}

// TestStandalonePlanMaterialisesPerHostFiles runs the file steps of a plan through the local executor into a
// scratch root and reads the per-host configurations back.
func TestStandalonePlanMaterialisesPerHostFiles(t *testing.T) {
	s := seedStandalone()
	p, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	var files remote.Plan
	for _, step := range p.Steps {
		if step.File != nil {
			files.Steps = append(files.Steps, step)
		}
	}
	root := t.TempDir()
	conn := remote.ConnectorFunc(func(ctx context.Context, host string) (remote.Executor, error) {
		return &remote.LocalExecutor{Name: host, Root: filepath.Join(root, host)}, nil
	})
	if err := files.Execute(context.Background(), conn, remote.ExecuteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"hadoop102", "hadoop103", "hadoop104"} {
		data, err := os.ReadFile(filepath.Join(root, host, "opt/module/flink/conf/flink-conf.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 18}, "flink-conf.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		want := host
		if host == "hadoop102" {
			want = "" // the JobManager-only host runs no TaskManager
		}
		if got := cfg.Extra["taskmanager.host"]; got != want {
			t.Errorf("%s: taskmanager.host = %q, want %q", host, got, want)
		}
		workers, _ := os.ReadFile(filepath.Join(root, host, "opt/module/flink/conf/workers"))
		if got := deploy.ParseHostsFile(workers); strings.Join(got, ",") != "hadoop103,hadoop104" {
			t.Errorf("%s: workers %v", host, got)
		}
		masters, _ := os.ReadFile(filepath.Join(root, host, "opt/module/flink/conf/masters"))
		if got := deploy.ParseHostsFile(masters); strings.Join(got, ",") != "hadoop102:8081" {
			t.Errorf("%s: masters %v", host, got)
		}
	}
}

func TestStandaloneClusterProblems(t *testing.T) {
	s := launch.StandaloneCluster{FlinkHome: "flink", JobManagers: []string{"hadoop102", "hadoop103"},
		Config:       flinkconf.Config{TaskSlots: 0, Extra: map[string]string{"taskmanager.host": "hadoop103"}},
		TaskManagers: []string{"hadoop103", "hadoop104"}, Application: &launch.StandaloneApplication{}}
	ps := testkit.Problems(t, s.Validate())
	for _, k := range []string{"FlinkHome", "JobManagers", "taskmanager.host", "Application.JobClassName"} {
		if _, ok := testkit.FindProblem(ps, k); !ok {
			t.Errorf("no problem for %s: %v", k, ps)
		}
	}
}

func TestPlanValidateAndDryRunRedaction(t *testing.T) {
	var p remote.Plan
	p.AddFile("h", deploy.File{Path: "conf/x", Data: []byte("a: b\n")}, "")
	p.Steps = append(p.Steps, remote.Step{Host: "h"})
	p.AddCommand("", remote.Command{}, "")
	ps := testkit.Problems(t, p.Validate())
	if len(ps) < 3 {
		t.Errorf("problems %v", ps)
	}
	if err := p.Execute(context.Background(), remote.LocalConnector(t.TempDir()), remote.ExecuteOptions{}); err == nil {
		t.Error("an invalid plan ran")
	}
	var secret remote.Plan
	secret.AddFile("h", deploy.File{Path: "/c/flink-conf.yaml", Data: []byte("security.ssl.rest.keystore-password: hunter2\nrest.port: 8081\n")}, "")
	secret.AddFile("h", deploy.File{Path: "/c/config.yaml", Data: []byte("security:\n  ssl:\n    rest:\n      keystore-password: hunter2\nrest:\n  port: 8081\n")}, "")
	secret.AddFile("h", deploy.File{Path: "/c/hbase-site.xml", Data: []byte("<property>\n  <name>hbase.rest.ssl.keystore.password</name>\n  <value>hunter2</value>\n</property>\n")}, "")
	secret.AddFile("h", deploy.File{Path: "/c/hbase-env.sh", Data: []byte("export AWS_SECRET_ACCESS_KEY=hunter2\n")}, "")
	secret.AddCommand("h", remote.Command{Args: []string{"flink", "-Dsecurity.ssl.rest.truststore-password=hunter2"}, Env: []string{"API_TOKEN=hunter2"}}, "")
	out := secret.DryRun()
	if strings.Contains(out, "hunter2") {
		t.Errorf("a secret appears in the dry run:\n%s", out)
	}
	if strings.Count(out, "<redacted>") != 6 || !strings.Contains(out, "rest.port: 8081") || !strings.Contains(out, "port: 8081") {
		t.Errorf("dry run:\n%s", out)
	}
}
