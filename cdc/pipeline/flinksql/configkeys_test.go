package flinksql_test

import (
	"testing"
	"time"

	"github.com/rtdw/rtdw/cdc/mysql"
	"github.com/rtdw/rtdw/cdc/pipeline"
	"github.com/rtdw/rtdw/cdc/pipeline/flinksql"
	"github.com/rtdw/rtdw/deploy/flinkconf"
)

// Every key a script SETs is documented by the Flink release it is rendered
// for (Flink's generated option tables, as package deploy/flinkconf holds
// them; 2.3's for 2.2, the nearest kept).
func TestSettingsAreFlinkKeysOfTheRelease(t *testing.T) {
	t.Parallel()
	for _, v := range flinkVersions {
		cfg := gmallPipeline(t, &flinksql.JDBCSink{URL: "jdbc:mysql://ods:3306/ods"}, mysql.Initial())
		cfg.Restart = pipeline.RestartPolicy{MaxAttempts: 3}
		cfg.TimeZone = time.FixedZone("Asia/Shanghai", 8*3600)
		script, err := flinksql.Render(cfg, flinksql.Options{Target: flinksql.Target{Flink: v}, Parallelism: 2, CheckpointInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		keysOf := v
		if v == "2.2" {
			keysOf = "2.3"
		}
		fv, err := flinkconf.ParseVersion(keysOf)
		if err != nil {
			t.Fatal(err)
		}
		catalog, err := fv.Keys()
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range script.Settings() {
			if !documented(catalog, kv[0]) {
				t.Errorf("Flink %s: %s is not a documented key", v, kv[0])
			}
		}
		for _, key := range []string{"execution.savepoint.path", "execution.state-recovery.path"} {
			ok := documented(catalog, key)
			want := (key == "execution.savepoint.path") == (v == "1.13" || v == "1.18")
			if ok != want {
				t.Errorf("Flink %s documents %s: %v; the resume key chosen assumes %v", v, key, ok, want)
			}
		}
	}
}

// documented looks key up. The 1.12 and 1.13 lists keep the badges Flink's
// table option docs printed after a key ("table.local-time-zone Batch
// Streaming"), so a table key is looked up with them too.
func documented(c *flinkconf.KeyCatalog, key string) bool {
	for _, suffix := range []string{"", " Batch Streaming", " Streaming", " Batch"} {
		if _, ok := c.Lookup(key + suffix); ok {
			return true
		}
	}
	return false
}
