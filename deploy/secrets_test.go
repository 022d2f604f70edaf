package deploy_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/hbaseconf"
)

// A secret set in a configuration appears in no error, no %v or %+v of the
// configuration (nor of one that holds it) and no log line that prints them.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "hunter2-S3CRET"
	flink := flinkconf.Config{
		Version: flinkconf.Version{Major: 1, Minor: 20}, TaskManagerMemory: "1.5g",
		Extra: map[string]string{"metrics.reporter.influx.password": secret, "security.ssl.rest.keystore-password": secret},
	}
	hbase := hbaseconf.Config{Extra: map[string]string{"hbase.rest.ssl.keystore.password": secret}, Env: map[string]string{"AWS_SECRET_ACCESS_KEY": secret}}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	log.Info("deploying", "flink", flink, "hbase", hbase)
	out := fmt.Sprintf("%v\n%+v\n%#v\n%v\n%+v\n%v\n%v\n%s", flink, flink, flink, hbase, hbase, flink.Validate(), hbase.Validate(), logs.String())
	if strings.Contains(out, secret) {
		t.Fatalf("a secret is printed:\n%s", out)
	}
	if !strings.Contains(out, "<redacted>") || !strings.Contains(out, "1.5g") {
		t.Fatalf("the configuration is not printed:\n%s", out)
	}
	if flink.Extra["metrics.reporter.influx.password"] != secret {
		t.Fatal("printing changed the caller's map")
	}
}
