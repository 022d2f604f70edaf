// Package testkit holds what the tests of several deploy packages share: golden files and the loopback
// OpenSSH server that scripts/sshd.sh starts. It is imported only by tests.
package testkit

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/remote"
	"github.com/rtdw/rtdw/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files from the current output")

// Golden compares got with testdata/name, or rewrites the file when the test runs with -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test -run %s -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, t.Name(), got, want)
	}
}

// The variables scripts/sshd.sh up prints.
const (
	EnvSSH           = "RTDW_TEST_SSH"
	EnvSSHKey        = "RTDW_TEST_SSH_KEY"
	EnvSSHKnownHosts = "RTDW_TEST_SSH_KNOWN_HOSTS"
)

// SSHTarget is the test server from the environment.
type SSHTarget struct {
	User, Addr string
	Signer     ssh.Signer
	HostKeys   ssh.HostKeyCallback
}

// SSH returns the loopback test server, skipping the test when its variables are unset (failing instead
// under RTDW_REQUIRE_SERVICES=1).
func SSH(t testing.TB) SSHTarget {
	t.Helper()
	target, keyFile := os.Getenv(EnvSSH), os.Getenv(EnvSSHKey)
	if target == "" || keyFile == "" {
		msg := fmt.Sprintf("%s and %s are not set; run scripts/sshd.sh up and export what it prints", EnvSSH, EnvSSHKey)
		if testenv.Required() {
			t.Fatalf("%s (RTDW_REQUIRE_SERVICES=1)", msg)
		}
		t.Skip(msg)
	}
	user, addr, ok := strings.Cut(target, "@")
	if !ok {
		t.Fatalf("%s=%q: want user@host:port", EnvSSH, target)
	}
	signer, err := remote.LoadPrivateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	known := os.Getenv(EnvSSHKnownHosts)
	if known == "" {
		known = filepath.Join(filepath.Dir(keyFile), "known_hosts")
	}
	hostKeys, err := remote.KnownHosts(known)
	if err != nil {
		t.Fatalf("%v (scripts/sshd.sh up writes it)", err)
	}
	return SSHTarget{User: user, Addr: addr, Signer: signer, HostKeys: hostKeys}
}

// Connector routes the given plan host names to the test server.
func (s SSHTarget) Connector(t testing.TB, hosts ...string) *remote.SSHConnector {
	t.Helper()
	addrs := map[string]string{}
	for _, h := range hosts {
		addrs[h] = s.Addr
	}
	c, err := remote.NewSSHConnector(remote.SSHConfig{
		User: s.User, Signers: []ssh.Signer{s.Signer}, HostKeyCallback: s.HostKeys,
		Addresses: addrs, DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Problems returns the problems of a [deploy.ConfigError], failing the test for nil or any other error.
func Problems(t testing.TB, err error) []deploy.Problem {
	t.Helper()
	if err == nil {
		t.Fatal("want a ConfigError, got nil")
	}
	if !errors.Is(err, deploy.ErrInvalidConfig) {
		t.Fatalf("error %v does not match ErrInvalidConfig", err)
	}
	var ce *deploy.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T is not a *ConfigError", err)
	}
	return ce.Problems
}

// FindProblem returns the problem about field.
func FindProblem(ps []deploy.Problem, field string) (deploy.Problem, bool) {
	for _, p := range ps {
		if p.Field == field {
			return p, true
		}
	}
	return deploy.Problem{}, false
}

// SeedFlinkConfig is the three-host layout of the seed: JobManager on hadoop102, ZooKeeper HA on all three.
func SeedFlinkConfig(v flinkconf.Version) flinkconf.Config {
	return flinkconf.Config{
		Version:           v,
		JobManagerAddress: "hadoop102",
		JobManagerMemory:  "1600m",
		TaskManagerMemory: "1728m",
		TaskSlots:         2,
		Parallelism:       1,
		HighAvailability: flinkconf.HighAvailability{
			Type:            "zookeeper",
			ZooKeeperQuorum: []string{"hadoop102:2181", "hadoop103:2181", "hadoop104:2181"},
			StorageDir:      "hdfs://hadoop102:8020/flink/ha",
		},
		StateBackend:    "hashmap",
		CheckpointDir:   "hdfs://hadoop102:8020/flink/checkpoints",
		SavepointDir:    "hdfs://hadoop102:8020/flink/savepoints",
		RESTAddress:     "hadoop102",
		RESTPort:        8081,
		RESTBindAddress: "0.0.0.0",
		JavaOptions:     "-XX:+UseG1GC -Dfile.encoding=UTF-8",
		Extra: map[string]string{
			"jobmanager.bind-host":             "0.0.0.0",
			"taskmanager.bind-host":            "0.0.0.0",
			"execution.checkpointing.interval": "30 s",
			"web.submit.enable":                "true",
		},
	}
}
