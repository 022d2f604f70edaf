package hostprep_test

import (
	"context"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rtdw/rtdw/deploy/hostprep"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
	"github.com/rtdw/rtdw/deploy/remote"
)

func TestHostLimitsFileGoldenAndRoundTrip(t *testing.T) {
	l := hostprep.Limits{Domain: "atguigu"}
	f, err := l.File()
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != hostprep.LimitsFile {
		t.Errorf("path %s", f.Path)
	}
	testkit.Golden(t, "limits.golden", f.Data)
	entries, err := hostprep.ParseLimits(f.Data)
	if err != nil || !reflect.DeepEqual(entries, l.Entries()) {
		t.Errorf("round trip: %v, %v", entries, err)
	}
	if _, err := (hostprep.Limits{NoFileSoft: 200000}).File(); err == nil {
		t.Error("soft limit above hard limit accepted")
	}
}

func TestCheckHostReportsWhatTheHostLacks(t *testing.T) {
	var nofile, nproc syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Getrlimit(6 /* RLIMIT_NPROC */, &nproc); err != nil {
		t.Fatal(err)
	}
	ex := &remote.LocalExecutor{Name: "this-host"}
	// Ask for one more than the host has: the check must notice.
	req := hostprep.Requirements{NoFile: int(nofile.Cur) + 1, NProc: 1, Commands: []string{"sh", "rtdw-no-such-command"}}
	r, err := hostprep.Check(context.Background(), ex, req)
	if err != nil {
		t.Fatal(err)
	}
	byCheck := map[string]hostprep.Finding{}
	for _, f := range r.Findings {
		byCheck[f.Check] = f
	}
	if f := byCheck["open files (ulimit -n)"]; f.OK || f.Got != strconv.FormatUint(nofile.Cur, 10) || !strings.Contains(f.Fix, hostprep.LimitsFile) {
		t.Errorf("open files: %+v (host has %d)", f, nofile.Cur)
	}
	if f := byCheck["processes (ulimit -u)"]; !f.OK {
		t.Errorf("processes: %+v", f)
	}
	_, javaErr := exec.LookPath("java")
	if f := byCheck["java"]; f.OK != (javaErr == nil) {
		t.Errorf("java: %+v, LookPath says %v", f, javaErr)
	}
	if f := byCheck["sh"]; !f.OK {
		t.Errorf("sh: %+v", f)
	}
	if f := byCheck["rtdw-no-such-command"]; f.OK || f.Got != "not found" {
		t.Errorf("missing command: %+v", f)
	}
	if r.OK() || len(r.Lacks()) < 2 || !strings.Contains(r.String(), "LACK open files") {
		t.Errorf("report:\n%s", r)
	}
}

func TestCheckHostOverSSH(t *testing.T) {
	target := testkit.SSH(t)
	ex, err := target.Connector(t, "hadoop102").Connect(context.Background(), "hadoop102")
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	r, err := hostprep.Check(context.Background(), ex, hostprep.Requirements{NoFile: 1, NProc: 1, SkipJava: true, Commands: []string{"sh"}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Host != "hadoop102" {
		t.Errorf("report:\n%s", r)
	}
}
