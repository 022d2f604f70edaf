package launch_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/launch"
	"github.com/rtdw/rtdw/deploy/remote"
)

func readOutput(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "output", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLaunchCommandLinesGolden(t *testing.T) {
	v118 := flinkconf.Version{Major: 1, Minor: 18}
	v120 := flinkconf.Version{Major: 1, Minor: 20}
	var lines []string
	add := func(name string, cmd remote.Command, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines = append(lines, "# "+name, cmd.String(), "")
	}
	session, err := launch.YARNSessionCluster{
		FlinkHome: "/opt/module/flink", Name: "rtdw session", Queue: "default",
		Config: flinkconf.Config{Version: v118, JobManagerMemory: "1600m", TaskManagerMemory: "1728m", TaskSlots: 2},
		Env:    []string{"HADOOP_CLASSPATH=/opt/module/hadoop/etc/hadoop:/opt/module/hadoop/share/hadoop/common/*"},
	}.Command()
	add("YARN session (Flink 1.18)", session, err)
	perJob, err := launch.YARNJob{
		FlinkHome: "/opt/module/flink", Target: launch.YARNPerJob, Name: "cdc-to-clickhouse",
		Config: flinkconf.Config{Version: v118, Parallelism: 2},
		Jar:    "/opt/module/jobs/rtdw-jobs.jar", EntryClass: "com.example.CdcToClickHouse", Args: []string{"--table", "order info"},
		Restore: launch.Restore{Path: "hdfs://hadoop102:8020/flink/savepoints/savepoint-0a1b2c-1234", AllowNonRestoredState: true},
	}.Command()
	add("YARN per-job (Flink 1.18)", perJob, err)
	app, err := launch.YARNJob{
		FlinkHome: "/opt/module/flink", Name: "cdc-to-clickhouse",
		Config: flinkconf.Config{Version: v120, JobManagerMemory: "1600m", TaskManagerMemory: "1728m",
			Extra: map[string]string{"yarn.provided.lib.dirs": "hdfs://hadoop102:8020/flink-dist"}},
		Jar: "hdfs://hadoop102:8020/jobs/rtdw-jobs.jar", EntryClass: "com.example.CdcToClickHouse",
		Restore: launch.Restore{Path: "hdfs://hadoop102:8020/flink/savepoints/savepoint-0a1b2c-1234"},
	}.Command()
	add("YARN application (Flink 1.20)", app, err)
	add("yarn application -list", launch.YARNListCommand("", true), nil)
	kill, err := launch.YARNKillCommand("", "application_1721441234567_0005")
	add("yarn application -kill", kill, err)
	add("flink list", launch.FlinkJobsCommand("/opt/module/flink", launch.YARNApplication, "application_1721441234567_0005"), nil)
	add("flink cancel", launch.FlinkCancelCommand("/opt/module/flink", launch.YARNApplication, "application_1721441234567_0005", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"), nil)
	k8s := launch.KubernetesCluster{FlinkHome: "/opt/module/flink", ClusterID: "rtdw-session", Namespace: "flink",
		ServiceAccount: "flink", Config: flinkconf.Config{Version: v120, TaskSlots: 2,
			Extra: map[string]string{"security.ssl.rest.keystore-password": "not-for-your-eyes"}}}
	ks, err := k8s.SessionCommand()
	add("Kubernetes session (Flink 1.20)", ks, err)
	k8s.ClusterID, k8s.Image = "cdc-to-clickhouse", "registry.example.com/rtdw/jobs:1.4.0"
	ka, err := k8s.ApplicationCommand("local:///opt/flink/usrlib/rtdw-jobs.jar", "com.example.CdcToClickHouse", []string{"--mode", "upsert"}, launch.Restore{})
	add("Kubernetes application (Flink 1.20)", ka, err)
	// The tutorials' releases: 1.13 names the image kubernetes.container.image and restores with
	// execution.savepoint.path.
	v113 := flinkconf.Version{Major: 1, Minor: 13}
	perJob113, err := launch.YARNJob{
		FlinkHome: "/opt/module/flink-1.13.0", Target: launch.YARNPerJob, Name: "cdc-to-clickhouse",
		Config: flinkconf.Config{Version: v113, Parallelism: 2, StateBackend: "rocksdb"},
		Jar:    "/opt/module/jobs/rtdw-jobs.jar", EntryClass: "com.example.CdcToClickHouse",
		Restore: launch.Restore{Path: "hdfs://hadoop102:8020/flink/savepoints/savepoint-0a1b2c-1234"},
	}.Command()
	add("YARN per-job (Flink 1.13)", perJob113, err)
	k113 := launch.KubernetesCluster{FlinkHome: "/opt/module/flink-1.13.0", ClusterID: "cdc-to-clickhouse", Namespace: "flink",
		Image: "flink:1.13.6-scala_2.12", Config: flinkconf.Config{Version: v113, TaskSlots: 2}}
	ka113, err := k113.ApplicationCommand("local:///opt/flink/usrlib/rtdw-jobs.jar", "", nil, launch.Restore{})
	add("Kubernetes application (Flink 1.13)", ka113, err)
	text := strings.Join(lines, "\n")
	testkit.Golden(t, "commands.golden", []byte(text))
	if strings.Contains(text, "not-for-your-eyes") {
		t.Error("a keystore password appears in the printed command")
	}
	if !strings.Contains(ks.Shell(), "not-for-your-eyes") {
		t.Error("the command actually run lost the password")
	}
}

func TestLaunchRejectsBadInput(t *testing.T) {
	_, err := launch.YARNJob{FlinkHome: "/opt/flink", Target: launch.YARNPerJob, Jar: "/x.jar",
		Config: flinkconf.Config{Version: flinkconf.Version{Major: 2, Minor: 0}}}.Command()
	if _, ok := testkit.FindProblem(testkit.Problems(t, err), "Target"); !ok {
		t.Errorf("per-job on Flink 2.0 accepted: %v", err)
	}
	_, err = launch.YARNJob{FlinkHome: "opt/flink"}.Command()
	ps := testkit.Problems(t, err)
	if _, ok := testkit.FindProblem(ps, "FlinkHome"); !ok {
		t.Errorf("relative FlinkHome accepted: %v", err)
	}
	if _, ok := testkit.FindProblem(ps, "Jar"); !ok {
		t.Errorf("missing jar accepted: %v", err)
	}
	_, err = launch.KubernetesCluster{FlinkHome: "/opt/flink", ClusterID: "My_Cluster"}.ApplicationCommand("job.jar", "", nil, launch.Restore{})
	ps = testkit.Problems(t, err)
	for _, k := range []string{"kubernetes.cluster-id", "kubernetes.container.image.ref", "jarURI"} {
		if _, ok := testkit.FindProblem(ps, k); !ok {
			t.Errorf("no problem for %s: %v", k, err)
		}
	}
	if _, err := launch.YARNKillCommand("", "application_1; rm -rf /"); err == nil {
		t.Error("a malformed application id was accepted")
	}
	// Dynamic options go through the same key check as config files.
	_, err = launch.YARNSessionCluster{FlinkHome: "/opt/flink", Config: flinkconf.Config{Extra: map[string]string{"yarn.application.nmae": "x"}}}.Command()
	if p, ok := testkit.FindProblem(testkit.Problems(t, err), "yarn.application.nmae"); !ok || !strings.Contains(p.Fix, "yarn.application.name") {
		t.Errorf("typo in a dynamic option: %v", err)
	}
}

func TestParseYARNSubmissions(t *testing.T) {
	for _, tc := range []struct {
		file string
		want launch.YARNSubmission
	}{
		{"yarn-session.txt", launch.YARNSubmission{ApplicationID: "application_1721441234567_0003", WebInterface: "http://hadoop104:41237"}},
		{"yarn-per-job.txt", launch.YARNSubmission{ApplicationID: "application_1721441234567_0004", WebInterface: "http://hadoop102:37985", JobID: "7c4a8e1f0b2d4e6f8a9b0c1d2e3f4a5b"}},
		{"yarn-application.txt", launch.YARNSubmission{ApplicationID: "application_1721441234567_0005", WebInterface: "http://hadoop103:44621"}},
	} {
		got, err := launch.ParseYARNSubmission(readOutput(t, tc.file))
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.file, got, err, tc.want)
		}
	}
	if _, err := launch.ParseYARNSubmission("Exception in thread \"main\" java.lang.NoClassDefFoundError: org/apache/hadoop/yarn/exceptions/YarnException"); !errors.Is(err, launch.ErrNoApplicationID) {
		t.Errorf("failed submission: %v", err)
	}
}

func TestParseYARNApplicationListAndFlinkList(t *testing.T) {
	apps, err := launch.ParseYARNApplicationList(readOutput(t, "yarn-application-list.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 || apps[1].ID != "application_1721441234567_0005" || apps[1].Name != "cdc-to-clickhouse" ||
		apps[1].State != "RUNNING" || apps[1].TrackingURL != "http://hadoop103:44621" || apps[0].Type != "Apache Flink" {
		t.Errorf("apps = %+v", apps)
	}
	jobs := launch.ParseFlinkList(readOutput(t, "flink-list.txt"))
	if len(jobs) != 2 || jobs[0].JobID != "0a1b2c3d4e5f60718293a4b5c6d7e8f9" || jobs[0].State != "RUNNING" ||
		jobs[1].Name != "Flink Streaming Job" || jobs[1].State != "CANCELED" || jobs[0].Started != "20.07.2026 11:30:58" {
		t.Errorf("jobs = %+v", jobs)
	}
}

func TestParseKubernetesSubmissions(t *testing.T) {
	s, err := launch.ParseKubernetesSubmission(readOutput(t, "kubernetes-session.txt"))
	if err != nil || s.ClusterID != "rtdw-session" || s.WebInterface != "http://192.168.49.2:30817" {
		t.Errorf("session: %+v %v", s, err)
	}
	a, err := launch.ParseKubernetesSubmission(readOutput(t, "kubernetes-application.txt"))
	if err != nil || a.ClusterID != "cdc-to-clickhouse" || a.WebInterface != "http://10.96.45.17:8081" {
		t.Errorf("application: %+v %v", a, err)
	}
	if _, err := launch.ParseKubernetesSubmission("Error from server (Forbidden)"); err == nil {
		t.Error("no error for a failed submission")
	}
}
