package flinkconf_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
)

func TestFlinkConfigRenderGoldenAndRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		version flinkconf.Version
		file    string
	}{
		{flinkconf.Version{Major: 1, Minor: 13}, "flink-1.13-flink-conf.yaml.golden"},
		{flinkconf.Version{Major: 1, Minor: 18}, "flink-1.18-flink-conf.yaml.golden"},
		{flinkconf.Version{Major: 1, Minor: 20}, "flink-1.20-config.yaml.golden"},
		{flinkconf.Version{Major: 2, Minor: 0}, "flink-2.0-config.yaml.golden"},
	} {
		t.Run(tc.version.String(), func(t *testing.T) {
			cfg := testkit.SeedFlinkConfig(tc.version)
			f, err := cfg.Render()
			if err != nil {
				t.Fatal(err)
			}
			if f.Path != tc.version.ConfigFileName() {
				t.Errorf("Path = %q, want %q", f.Path, tc.version.ConfigFileName())
			}
			testkit.Golden(t, tc.file, f.Data)

			back, err := flinkconf.Parse(tc.version, f.Path, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, cfg) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", back, cfg)
			}
		})
	}
}

func TestFlinkConfigRenderDoesNotMutateCaller(t *testing.T) {
	cfg := testkit.SeedFlinkConfig(flinkconf.Version{})
	before := testkit.SeedFlinkConfig(flinkconf.Version{})
	if _, err := cfg.Render(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, before) {
		t.Errorf("Render changed its receiver's data: %+v", cfg)
	}
}

func TestFlinkConfigZeroVersionIsDefault(t *testing.T) {
	f, err := flinkconf.Config{JobManagerAddress: "jm"}.Render()
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != flinkconf.DefaultVersion.ConfigFileName() || !strings.Contains(string(f.Data), "Flink "+flinkconf.DefaultVersion.String()) {
		t.Errorf("zero Version rendered %s:\n%s", f.Path, f.Data)
	}
}

func TestFlinkConfigUnknownKeySuggestsNearMiss(t *testing.T) {
	for _, tc := range []struct {
		version    flinkconf.Version
		key, wants string
	}{
		{flinkconf.Version{Major: 1, Minor: 18}, "taskmanager.numberOfTaskSlot", "taskmanager.numberOfTaskSlots"},
		{flinkconf.Version{Major: 1, Minor: 20}, "jobmanager.memory.proces.size", "jobmanager.memory.process.size"},
		{flinkconf.Version{Major: 2, Minor: 0}, "execution.checkpointing.intervall", "execution.checkpointing.interval"},
		{flinkconf.Version{Major: 1, Minor: 20}, "rest.bind-adress", "rest.bind-address"},
	} {
		cfg := flinkconf.Config{Version: tc.version, Extra: map[string]string{tc.key: "1"}}
		ps := testkit.Problems(t, cfg.Validate())
		p, ok := testkit.FindProblem(ps, tc.key)
		if !ok {
			t.Fatalf("%s: no problem for %s in %v", tc.version, tc.key, ps)
		}
		if !strings.Contains(p.Fix, "did you mean "+tc.wants+"?") {
			t.Errorf("%s: fix %q does not suggest %s", tc.version, p.Fix, tc.wants)
		}
	}
	// Nothing close: no made-up suggestion.
	cfg := flinkconf.Config{Extra: map[string]string{"completely.unrelated.thing": "x"}}
	p, _ := testkit.FindProblem(testkit.Problems(t, cfg.Validate()), "completely.unrelated.thing")
	if strings.Contains(p.Fix, "did you mean") {
		t.Errorf("suggested something for a far-off key: %q", p.Fix)
	}
}

func TestFlinkConfigKnowsTemplatedAndVersionedKeys(t *testing.T) {
	ok := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 18}, Extra: map[string]string{
		"metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
		"metrics.reporter.prom.port":          "9250-9260",
		"flink.hadoop.dfs.replication":        "2",
		"state.backend.incremental":           "true",
		"state.checkpoint-storage":            "filesystem",
	}}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid 1.18 configuration rejected: %v", err)
	}
	// execution.checkpointing.dir does not exist in 1.18; 2.x no longer reads state.backend.
	bad := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 18}, Extra: map[string]string{"execution.checkpointing.dir": "hdfs:///x"}}
	if _, found := testkit.FindProblem(testkit.Problems(t, bad.Validate()), "execution.checkpointing.dir"); !found {
		t.Error("1.18 accepted execution.checkpointing.dir")
	}
	// A deprecated spelling of a typed field belongs in the field.
	alias := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 18}, Extra: map[string]string{"env.java.opts": "-Xss2m"}}
	if p, found := testkit.FindProblem(testkit.Problems(t, alias.Validate()), "env.java.opts"); !found || !strings.Contains(p.Fix, "JavaOptions") {
		t.Errorf("env.java.opts in Extra: %+v", p)
	}
	v2 := flinkconf.Config{Version: flinkconf.Version{Major: 2, Minor: 1}, Extra: map[string]string{"state.checkpoint-storage": "filesystem"}}
	p, found := testkit.FindProblem(testkit.Problems(t, v2.Validate()), "state.checkpoint-storage")
	if !found || !strings.Contains(p.Fix, "execution.checkpointing.storage") {
		t.Errorf("2.1 state.checkpoint-storage: %+v", p)
	}
}

func TestFlinkConfigRejectsMemorySizesFlinkRejects(t *testing.T) {
	cfg := flinkconf.Config{
		JobManagerMemory:  "1.5g",
		TaskManagerMemory: "1600 MiB",
		Extra:             map[string]string{"taskmanager.memory.managed.size": "lots"},
	}
	ps := testkit.Problems(t, cfg.Validate())
	for _, key := range []string{"jobmanager.memory.process.size", "taskmanager.memory.process.size", "taskmanager.memory.managed.size"} {
		p, ok := testkit.FindProblem(ps, key)
		if !ok {
			t.Errorf("no problem for %s in %v", key, ps)
			continue
		}
		if !strings.Contains(p.Fix, "1600m") {
			t.Errorf("%s fix %q does not show an example", key, p.Fix)
		}
	}
}

func TestFlinkConfigRejectsProcessSizesTooSmallForFlink(t *testing.T) {
	ps := testkit.Problems(t, flinkconf.Config{JobManagerMemory: "512m", TaskManagerMemory: "900m"}.Validate())
	if _, ok := testkit.FindProblem(ps, "jobmanager.memory.process.size"); !ok {
		t.Errorf("512m JobManager accepted: %v", ps)
	}
	if _, ok := testkit.FindProblem(ps, "taskmanager.memory.process.size"); !ok {
		t.Errorf("900m TaskManager accepted: %v", ps)
	}
	if err := (flinkconf.Config{JobManagerMemory: "576m", TaskManagerMemory: "1g"}).Validate(); err != nil {
		t.Errorf("smallest sizes Flink starts with rejected: %v", err)
	}
	// With fine-grained memory keys the user has taken over the derivation: no second-guessing.
	fine := flinkconf.Config{TaskManagerMemory: "900m", Extra: map[string]string{"taskmanager.memory.managed.fraction": "0.1"}}
	if err := fine.Validate(); err != nil {
		t.Errorf("fine-grained memory rejected: %v", err)
	}
}

func TestFlinkConfigHighAvailabilityNeedsStorageDirAndQuorum(t *testing.T) {
	cfg := flinkconf.Config{HighAvailability: flinkconf.HighAvailability{Type: "zookeeper"}}
	ps := testkit.Problems(t, cfg.Validate())
	if _, ok := testkit.FindProblem(ps, "high-availability.storageDir"); !ok {
		t.Errorf("HA without storage dir accepted: %v", ps)
	}
	if _, ok := testkit.FindProblem(ps, "high-availability.zookeeper.quorum"); !ok {
		t.Errorf("ZooKeeper HA without quorum accepted: %v", ps)
	}
	half := flinkconf.Config{HighAvailability: flinkconf.HighAvailability{StorageDir: "hdfs:///ha"}}
	if _, ok := testkit.FindProblem(testkit.Problems(t, half.Validate()), "high-availability.type"); !ok {
		t.Error("storage dir without HA type accepted")
	}
	k8s := flinkconf.Config{HighAvailability: flinkconf.HighAvailability{Type: "kubernetes", StorageDir: "s3://b/ha"}}
	if err := k8s.Validate(); err != nil {
		t.Errorf("Kubernetes HA rejected: %v", err)
	}
}

func TestFlinkConfigOneErrorListsEveryProblem(t *testing.T) {
	cfg := flinkconf.Config{
		Version:          flinkconf.Version{Major: 1, Minor: 18},
		TaskSlots:        -1,
		RESTPort:         70000,
		JobManagerMemory: "1600x",
		HighAvailability: flinkconf.HighAvailability{Type: "zookeeper", ZooKeeperQuorum: []string{"hadoop102:2181"}},
		Extra: map[string]string{
			"taskmanager.numberOfTaskSlots": "3",          // belongs to a typed field
			"web.submit.enable":             "yes",        // not a Boolean
			"parallelism.defualt":           "2",          // typo
			"env.log.dir":                   "/opt/#logs", // '#' is a comment in flink-conf.yaml
		},
	}
	err := cfg.Validate()
	ps := testkit.Problems(t, err)
	want := []string{"taskmanager.numberOfTaskSlots", "rest.port", "jobmanager.memory.process.size",
		"high-availability.storageDir", "web.submit.enable", "parallelism.defualt", "env.log.dir"}
	for _, k := range want {
		if _, ok := testkit.FindProblem(ps, k); !ok {
			t.Errorf("missing problem for %s", k)
		}
	}
	msg := err.Error()
	for _, fragment := range []string{"Flink 1.18 configuration", "did you mean parallelism.default?", `"1600x"`, `"70000"`} {
		if !strings.Contains(msg, fragment) {
			t.Errorf("error text lacks %q:\n%s", fragment, msg)
		}
	}
}

func TestFlinkConfigSecretsStayOutOfErrors(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	cfg := flinkconf.Config{Extra: map[string]string{
		"security.ssl.internal.keystore-pasword": secret, // a typo, so it is reported
		"metrics.reporter.influxdb.password":     secret + "#",
	}, Version: flinkconf.Version{Major: 1, Minor: 18}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("secret leaked into the error: %v", err)
	}
}

func TestParseFlatConfigReportsLinesFlinkSkips(t *testing.T) {
	data := []byte("jobmanager.rpc.address: hadoop102\n" +
		"taskmanager.numberOfTaskSlots:2\n" + // no space after the colon: Flink ignores the line
		"# a comment\n" +
		"rest.port: 8081 # trailing comment\n" +
		"parallelism.default: \n")
	cfg, err := flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 18}, "conf/flink-conf.yaml", data)
	ps := testkit.Problems(t, err)
	if len(ps) != 2 || ps[0].Field != "line 2" || ps[1].Field != "line 5" {
		t.Errorf("problems = %v", ps)
	}
	if cfg.JobManagerAddress != "hadoop102" || cfg.RESTPort != 8081 || cfg.TaskSlots != 0 {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestParseConfigYAMLFlattensAndReadsDeprecatedKeys(t *testing.T) {
	data := []byte(`
jobmanager:
  rpc:
    address: hadoop102
  memory.process.size: 2g
high-availability: zookeeper
high-availability.storageDir: hdfs:///ha
high-availability.zookeeper.quorum: zk1:2181,zk2:2181
classloader:
  parent-first-patterns:
    additional: [com.example., org.example.]
rest.port: 8082
`)
	cfg, err := flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 20}, "config.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := flinkconf.Config{
		Version:           flinkconf.Version{Major: 1, Minor: 20},
		JobManagerAddress: "hadoop102",
		JobManagerMemory:  "2g",
		RESTPort:          8082,
		HighAvailability: flinkconf.HighAvailability{Type: "zookeeper", StorageDir: "hdfs:///ha",
			ZooKeeperQuorum: []string{"zk1:2181", "zk2:2181"}},
		Extra: map[string]string{"classloader.parent-first-patterns.additional": "com.example.;org.example."},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("parsed configuration does not validate: %v", err)
	}
	// The same option under two spellings is a conflict, not a silent overwrite.
	_, err = flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 20}, "config.yaml",
		[]byte("state.backend: rocksdb\nstate.backend.type: hashmap\n"))
	if p, ok := testkit.FindProblem(testkit.Problems(t, err), "state.backend.type"); !ok || !strings.Contains(p.Fix, "state.backend") {
		t.Errorf("double spelling: %v", err)
	}
}

func TestConfigYAMLKeyThatIsAlsoAPrefix(t *testing.T) {
	cfg := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 20}, Extra: map[string]string{
		"metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
		"metrics.reporters":                   "prom",
		"metrics.reporter.prom.port":          "9249",
	}}
	f, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	back, err := flinkconf.Parse(cfg.Version, f.Path, f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Extra, cfg.Extra) {
		t.Errorf("round trip of %s:\n%s\ngot %v", f.Path, f.Data, back.Extra)
	}
}

// The tutorials' Flink 1.12 and 1.13 flink-conf.yaml reads into typed fields under the names those releases
// use (high-availability, state.backend, env.java.opts), validates, and renders back under the same names.
func TestSeedFlinkConfOf112And113(t *testing.T) {
	data, err := os.ReadFile("testdata/seed-1.13-flink-conf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []flinkconf.Version{{Major: 1, Minor: 12}, {Major: 1, Minor: 13}} {
		t.Run(v.String(), func(t *testing.T) {
			if got := v.ConfigFileName(); got != flinkconf.FlinkConfYAMLFile {
				t.Fatalf("ConfigFileName = %s, want flink-conf.yaml", got)
			}
			cfg, err := flinkconf.Parse(v, "conf/flink-conf.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HighAvailability.Type != "zookeeper" || cfg.StateBackend != "filesystem" || cfg.JavaOptions != "-XX:+UseG1GC" ||
				len(cfg.HighAvailability.ZooKeeperQuorum) != 3 || cfg.CheckpointDir != "hdfs://hadoop102:8020/flink/checkpoints" {
				t.Errorf("typed fields not filled: %+v", cfg)
			}
			if _, inExtra := cfg.Extra["high-availability"]; inExtra {
				t.Error("high-availability landed in Extra")
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			f, err := cfg.Render()
			if err != nil {
				t.Fatal(err)
			}
			text := string(f.Data)
			for _, want := range []string{"\nhigh-availability: zookeeper\n", "\nstate.backend: filesystem\n", "\nenv.java.opts: -XX:+UseG1GC\n", "\nstate.checkpoints.dir: "} {
				if !strings.Contains(text, want) {
					t.Errorf("rendered file lacks %q:\n%s", want, text)
				}
			}
			for _, never := range []string{"high-availability.type", "state.backend.type", "env.java.opts.all", "execution.checkpointing.dir"} {
				if strings.Contains(text, never) {
					t.Errorf("rendered file for %s holds %s, which that release ignores:\n%s", v, never, text)
				}
			}
			back, err := flinkconf.Parse(v, f.Path, f.Data)
			if err != nil || !reflect.DeepEqual(back, cfg) {
				t.Errorf("round trip: %v\n got %+v\nwant %+v", err, back, cfg)
			}
		})
	}
}

// A newer spelling in a 1.12 or 1.13 configuration is silently ignored by those releases, so it is an error
// that names the spelling they read; misspelt keys get suggestions from those releases' own key lists.
func TestFlinkConf112And113Keys(t *testing.T) {
	for _, v := range []flinkconf.Version{{Major: 1, Minor: 12}, {Major: 1, Minor: 13}} {
		cfg := flinkconf.Config{Version: v, Extra: map[string]string{
			"high-availability.type":         "zookeeper",
			"state.backend.type":             "rocksdb",
			"taskmanager.numberOfTaskSlot":   "2",
			"high-availability.storagedir":   "hdfs:///ha",
			"kubernetes.container.image.ref": "flink:1.13",
		}}
		ps := testkit.Problems(t, cfg.Validate())
		for key, want := range map[string]string{
			"high-availability.type":         "has no high-availability.type and silently ignores it; its name in " + v.String() + " is high-availability (the typed field Config.HighAvailability.Type writes it)",
			"state.backend.type":             "its name in " + v.String() + " is state.backend (the typed field Config.StateBackend writes it)",
			"taskmanager.numberOfTaskSlot":   "did you mean taskmanager.numberOfTaskSlots?",
			"high-availability.storagedir":   "did you mean high-availability.storageDir?",
			"kubernetes.container.image.ref": "did you mean kubernetes.container.image?",
		} {
			p, ok := testkit.FindProblem(ps, key)
			if !ok || !strings.Contains(p.Fix, want) {
				t.Errorf("%s: %s: got %q, want it to contain %q", v, key, p.Fix, want)
			}
		}
	}
	// Keys 1.13 added are unknown to 1.12; hashmap came with 1.13.
	old := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 12}, StateBackend: "hashmap",
		Extra: map[string]string{"state.checkpoint-storage": "filesystem"}}
	ps := testkit.Problems(t, old.Validate())
	if p, ok := testkit.FindProblem(ps, "state.backend"); !ok || !strings.Contains(p.Fix, "came with 1.13") {
		t.Errorf("1.12 hashmap: %+v in %v", p, ps)
	}
	if _, ok := testkit.FindProblem(ps, "state.checkpoint-storage"); !ok {
		t.Errorf("1.12 accepted state.checkpoint-storage: %v", ps)
	}
	ok13 := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 13}, StateBackend: "hashmap",
		Extra: map[string]string{"state.checkpoint-storage": "filesystem", "metrics.reporter.prom.class": "org.apache.flink.metrics.prometheus.PrometheusReporter"}}
	if err := ok13.Validate(); err != nil {
		t.Errorf("valid 1.13 configuration rejected: %v", err)
	}
	// 1.14 to 1.17 have no list of their own: a key of 1.13's or 1.18's list is accepted, others are not.
	mid := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 15}, Extra: map[string]string{
		"high-availability.type": "zookeeper", "high-availability.zookeeper.quorum": "zk:2181", "high-availability.storageDir": "hdfs:///ha",
	}}
	if err := mid.Validate(); err == nil || !strings.Contains(err.Error(), "Config.HighAvailability") {
		// high-availability.zookeeper.quorum belongs to a typed field
		t.Errorf("1.15: %v", err)
	}
	if err := (flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 15}, Extra: map[string]string{"state.backend.incremental": "true", "execution.checkpointing.interval": "1 min"}}).Validate(); err != nil {
		t.Errorf("1.15: %v", err)
	}
	if _, err := (flinkconf.Version{Major: 1, Minor: 11}).Keys(); err == nil {
		t.Error("1.11 has a key list")
	}
}

// Between the lists (1.14 to 1.17) both spellings are documented, so a newer one in Extra is the typed field's;
// in 1.13 a file's high-availability.type stays out of the typed field, where Validate reports it.
func TestNewerSpellingsBelongToTheFieldOnlyWhereKnown(t *testing.T) {
	mid := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 16}, Extra: map[string]string{"state.backend.type": "rocksdb"}}
	if p, ok := testkit.FindProblem(testkit.Problems(t, mid.Validate()), "state.backend.type"); !ok || !strings.Contains(p.Fix, "Config.StateBackend") {
		t.Errorf("1.16 state.backend.type in Extra: %+v", p)
	}
	cfg, err := flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 13}, "flink-conf.yaml", []byte("high-availability.type: zookeeper\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HighAvailability.Type != "" || cfg.Extra["high-availability.type"] != "zookeeper" {
		t.Errorf("1.13 read high-availability.type into the typed field: %+v", cfg)
	}
	if p, ok := testkit.FindProblem(testkit.Problems(t, cfg.Validate()), "high-availability.type"); !ok || !strings.Contains(p.Fix, "silently ignores") {
		t.Errorf("1.13: %+v", p)
	}
}

// TestKeyCatalogStripsExecutionModes: Flink's generated tables of table
// options name the execution modes after the key ("table.local-time-zone Batch
// Streaming"); the catalog knows the key by its name alone.
func TestKeyCatalogStripsExecutionModes(t *testing.T) {
	for _, v := range []string{"1.12", "1.13", "1.18", "1.20"} {
		ver, err := flinkconf.ParseVersion(v)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := ver.Keys()
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"table.local-time-zone", "table.exec.resource.default-parallelism"} {
			if _, ok := keys.Lookup(key); !ok {
				t.Errorf("Flink %s: Lookup(%q) found nothing", v, key)
			}
			if _, ok := keys.Lookup(key + " Batch Streaming"); ok {
				t.Errorf("Flink %s: Lookup found %q with its modes", v, key+" Batch Streaming")
			}
		}
	}
}
