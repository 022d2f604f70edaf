package remote_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/rtdw/rtdw/deploy"
	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/remote"
)

func TestSSHPlanWritesFilesAndRunsCommandsOnTwoHosts(t *testing.T) {
	target := testkit.SSH(t)
	dir := t.TempDir() // the server runs on this machine, so its files are ours to read
	cfg := flinkconf.Config{Version: flinkconf.Version{Major: 1, Minor: 18}, JobManagerAddress: "hadoop102", TaskSlots: 2}
	conf, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	var plan remote.Plan
	for _, host := range []string{"hadoop102", "hadoop103"} {
		f := conf
		f.Path = filepath.Join(dir, host, "conf", conf.Path)
		plan.AddFile(host, f, "")
		plan.AddFile(host, deploy.File{Path: filepath.Join(dir, host, "bin", "hello.sh"), Mode: deploy.ScriptFileMode,
			Data: []byte("#!/bin/sh\necho \"hello from $1 in $(pwd) with $GREETING\" > \"$2\"\n")}, "")
		plan.AddCommand(host, remote.Command{
			Dir:  filepath.Join(dir, host),
			Env:  []string{"GREETING=it's a test"},
			Args: []string{"bin/hello.sh", host, filepath.Join(dir, host, "out file.txt")},
		}, "say hello")
	}
	var events []remote.StepEvent
	err = plan.Execute(context.Background(), target.Connector(t, "hadoop102", "hadoop103"), remote.ExecuteOptions{
		Progress: func(e remote.StepEvent) { events = append(events, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2*len(plan.Steps) {
		t.Errorf("%d progress events for %d steps", len(events), len(plan.Steps))
	}
	for _, host := range []string{"hadoop102", "hadoop103"} {
		got, err := os.ReadFile(filepath.Join(dir, host, "conf", conf.Path))
		if err != nil || !bytes.Equal(got, conf.Data) {
			t.Errorf("%s: uploaded config differs (%v)", host, err)
		}
		st, err := os.Stat(filepath.Join(dir, host, "bin", "hello.sh"))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: script mode %v, %v", host, st.Mode(), err)
		}
		out, err := os.ReadFile(filepath.Join(dir, host, "out file.txt"))
		want := fmt.Sprintf("hello from %s in %s with it's a test\n", host, filepath.Join(dir, host))
		if err != nil || string(out) != want {
			t.Errorf("%s: command output %q, %v; want %q", host, out, err, want)
		}
	}
	// No temporary upload files are left behind.
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", "conf", ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestSSHExecutorReportsExitStatusAndStderr(t *testing.T) {
	target := testkit.SSH(t)
	ex, err := target.Connector(t, "h").Connect(context.Background(), "h")
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	res, err := ex.Run(context.Background(), remote.Command{Args: []string{"sh", "-c", "echo out; echo broken >&2; exit 3"}})
	var exitErr *remote.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode != 3 || exitErr.Stderr != "broken" || exitErr.Host != "h" {
		t.Fatalf("err = %#v", err)
	}
	if string(res.Stdout) != "out\n" {
		t.Errorf("stdout %q", res.Stdout)
	}
	// Cancelling the context ends a long command.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = ex.Run(ctx, remote.Command{Args: []string{"sleep", "30"}})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("cancelled run: %v after %v", err, time.Since(start))
	}
}

func TestSSHRefusedKeyStopsThePlanAtThatHost(t *testing.T) {
	target := testkit.SSH(t)
	good := target.Connector(t, "hadoop102")
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	strangerSigner, err := ssh.NewSignerFromKey(stranger)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := remote.NewSSHConnector(remote.SSHConfig{User: target.User, Signers: []ssh.Signer{strangerSigner},
		HostKeyCallback: target.HostKeys, Addresses: map[string]string{"hadoop103": target.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	route := remote.ConnectorFunc(func(ctx context.Context, host string) (remote.Executor, error) {
		if host == "hadoop103" {
			return bad.Connect(ctx, host)
		}
		return good.Connect(ctx, host)
	})
	dir := t.TempDir()
	var plan remote.Plan
	plan.AddFile("hadoop102", deploy.File{Path: filepath.Join(dir, "a", "workers"), Mode: 0o644, Data: []byte("hadoop103\n")}, "")
	plan.AddCommand("hadoop102", remote.Command{Args: []string{"touch", filepath.Join(dir, "a", "ran")}}, "")
	plan.AddFile("hadoop103", deploy.File{Path: filepath.Join(dir, "b", "workers"), Mode: 0o644, Data: []byte("x\n")}, "")
	plan.AddCommand("hadoop102", remote.Command{Args: []string{"touch", filepath.Join(dir, "a", "never")}}, "")

	err = plan.Execute(context.Background(), route, remote.ExecuteOptions{})
	var pe *remote.PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *PlanError", err)
	}
	if pe.Host != "hadoop103" || pe.Step != 3 || len(pe.Completed) != 2 || pe.NotRun != 1 {
		t.Errorf("PlanError = host %s step %d completed %v not run %d", pe.Host, pe.Step, pe.Completed, pe.NotRun)
	}
	if !errors.Is(err, remote.ErrAuthFailed) {
		t.Errorf("errors.Is(err, ErrAuthFailed) is false: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"step 3 on hadoop103", "SSH key refused for user " + target.User, "already done (2)",
		"[1] hadoop102: write " + filepath.Join(dir, "a", "workers"), "[2] hadoop102: run touch", "not run: 1 more step"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "ran")); err != nil {
		t.Errorf("step 2 did not run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "never")); err == nil {
		t.Error("the step after the failure ran")
	}
}

func TestSSHHostKeyMismatchIsRejected(t *testing.T) {
	target := testkit.SSH(t)
	// A known_hosts file that lists another key for the server's address.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherSigner, _ := ssh.NewSignerFromKey(other)
	file := filepath.Join(t.TempDir(), "known_hosts")
	host, port, _ := strings.Cut(target.Addr, ":")
	line := fmt.Sprintf("[%s]:%s %s", host, port, ssh.MarshalAuthorizedKey(otherSigner.PublicKey()))
	if err := os.WriteFile(file, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	cb, err := remote.KnownHosts(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.NewSSHConnector(remote.SSHConfig{User: target.User, Signers: []ssh.Signer{target.Signer}, HostKeyCallback: cb,
		Addresses: map[string]string{"h": target.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background(), "h")
	if !errors.Is(err, remote.ErrHostKeyRejected) {
		t.Errorf("err = %v, want ErrHostKeyRejected", err)
	}
}

func TestUnreachableHostStopsThePlan(t *testing.T) {
	// A loopback port nobody listens on: refused at once, no server needed.
	_, private, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(private)
	c, err := remote.NewSSHConnector(remote.SSHConfig{User: "root", Signers: []ssh.Signer{signer},
		InsecureIgnoreHostKey: true, Addresses: map[string]string{"hadoop104": "127.0.0.1:1"}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	local := remote.LocalConnector(t.TempDir())
	route := remote.ConnectorFunc(func(ctx context.Context, host string) (remote.Executor, error) {
		if host == "hadoop104" {
			return c.Connect(ctx, host)
		}
		return local.Connect(ctx, host)
	})
	var plan remote.Plan
	plan.AddFile("hadoop102", deploy.File{Path: "/opt/module/flink/conf/workers", Mode: 0o644, Data: []byte("hadoop104\n")}, "")
	plan.AddFile("hadoop104", deploy.File{Path: "/opt/module/flink/conf/workers", Mode: 0o644, Data: []byte("hadoop104\n")}, "")
	err = plan.Execute(context.Background(), route, remote.ExecuteOptions{})
	if !errors.Is(err, remote.ErrHostUnreachable) {
		t.Fatalf("err = %v, want ErrHostUnreachable", err)
	}
	var pe *remote.PlanError
	if !errors.As(err, &pe) || pe.Host != "hadoop104" || len(pe.Completed) != 1 || pe.Completed[0].Host != "hadoop102" {
		t.Errorf("PlanError = %+v", pe)
	}
	if !strings.Contains(err.Error(), "hadoop104 (127.0.0.1:1): host unreachable") {
		t.Errorf("message: %v", err)
	}
}

func TestSSHConfigNeedsAHostKeyPolicyAndHidesKeys(t *testing.T) {
	_, private, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(private)
	_, err := remote.NewSSHConnector(remote.SSHConfig{Signers: []ssh.Signer{signer}})
	if p, ok := testkit.FindProblem(testkit.Problems(t, err), "SSHConfig.HostKeyCallback"); !ok || !strings.Contains(p.Fix, "InsecureIgnoreHostKey") {
		t.Errorf("no host key policy: %v", err)
	}
	cfg := remote.SSHConfig{User: "root", Signers: []ssh.Signer{signer}, InsecureIgnoreHostKey: true}
	seed := fmt.Sprintf("%x", private.Seed())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, cfg); strings.Contains(s, seed) || strings.Contains(strings.ToLower(s), fmt.Sprintf("%v", private[:8])) {
			t.Errorf("%s prints key material: %s", format, s)
		}
	}
	if s := fmt.Sprintf("%+v", cfg); !strings.Contains(s, "redacted") {
		t.Errorf("%%+v = %s", s)
	}
}

func TestLocalExecutorRunsAndWritesUnderRoot(t *testing.T) {
	root := t.TempDir()
	ex := &remote.LocalExecutor{Name: "hadoop102", Root: root}
	if err := ex.WriteFile(context.Background(), "/opt/module/flink/conf/masters", []byte("hadoop102:8081\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(root, "opt/module/flink/conf/masters"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st, err)
	}
	if err := ex.WriteFile(context.Background(), "relative/path", nil, 0o644); err == nil {
		t.Error("relative path accepted")
	}
	_, err = ex.Run(context.Background(), remote.Command{Args: []string{"sh", "-c", "echo nope >&2; exit 7"}})
	var exitErr *remote.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode != 7 || exitErr.Stderr != "nope" {
		t.Errorf("err = %v", err)
	}
	if _, err := exec.LookPath("sh"); err == nil {
		res, err := ex.Run(context.Background(), remote.Command{Args: []string{"sh", "-c", "echo $X"}, Env: []string{"X=1 2"}})
		if err != nil || string(res.Stdout) != "1 2\n" {
			t.Errorf("env: %q %v", res.Stdout, err)
		}
	}
}
