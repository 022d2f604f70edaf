package flinkclient_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in   string
		want flinkclient.Version
		ok   bool
	}{
		{"1.20", flinkclient.Version{Major: 1, Minor: 20}, true},
		{"1.20.1", flinkclient.Version{Major: 1, Minor: 20, Patch: 1}, true},
		{"v2.0.0", flinkclient.Version{Major: 2}, true},
		{"2.3-SNAPSHOT", flinkclient.Version{Major: 2, Minor: 3, Suffix: "-SNAPSHOT"}, true},
		{" 1.18.1-rc2 ", flinkclient.Version{Major: 1, Minor: 18, Patch: 1, Suffix: "-rc2"}, true},
		{"1", flinkclient.Version{}, false},
		{"1.", flinkclient.Version{}, false},
		{"1.2.3.4", flinkclient.Version{}, false},
		{"", flinkclient.Version{}, false},
		{"latest", flinkclient.Version{}, false},
		{"1..2", flinkclient.Version{}, false},
		{"99999999999999999999.1", flinkclient.Version{}, false},
	}
	for _, c := range cases {
		got, err := flinkclient.ParseVersion(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.20", "1.20.1", "v2.0.0", "2.3-SNAPSHOT", "1.18.1-rc2", "1.", "", "..", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := flinkclient.ParseVersion(s)
		if err != nil {
			return
		}
		if v.Major < 0 || v.Minor < 0 || v.Patch < 0 {
			t.Fatalf("ParseVersion(%q) = %+v: negative part", s, v)
		}
		// Formatting and parsing again is stable.
		again, err := flinkclient.ParseVersion(v.String())
		if err != nil || again.Major != v.Major || again.Minor != v.Minor || again.Patch != v.Patch {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, v, v.String(), again, err)
		}
	})
}

// TestVersionDetection checks that the client learns every version from GET /config, and from
// GET /overview when /config is refused (a proxy that blocks the web UI's routes).
func TestVersionDetection(t *testing.T) {
	eachVersion(t, func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client) {
		ctx := context.Background()
		v, err := c.FlinkVersion(ctx)
		if err != nil || v.String() != jm.FlinkVersion() && v.String() != jm.FlinkVersion()+"-SNAPSHOT" {
			t.Fatalf("FlinkVersion = %v, %v; want %s", v, err, jm.FlinkVersion())
		}
		jm.InjectFault("GET /config", flinktest.Fault{Status: 404})
		fresh, _ := flinkclient.New(jm.URL(), fastRetry)
		v, err = fresh.FlinkVersion(ctx)
		if err != nil || jm.Requests("GET /overview") != 1 {
			t.Fatalf("FlinkVersion with /config refused = %v, %v after %d /overview requests", v, err, jm.Requests("GET /overview"))
		}
		if mm := strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor); mm != jm.FlinkVersion() {
			t.Fatalf("FlinkVersion from /overview = %v, want %s", v, jm.FlinkVersion())
		}
		jm.InjectFault("GET /overview", flinktest.Fault{Status: 404})
		blind, _ := flinkclient.New(jm.URL(), fastRetry)
		if _, err := blind.FlinkVersion(ctx); err == nil || !strings.Contains(err.Error(), "/config") {
			t.Fatalf("FlinkVersion with both refused = %v, want /config's error", err)
		}
	})
}

// TestVersionsBetween checks that a cluster between two supported versions is spoken to in the
// older one's shapes: 1.14 (played by the 1.13 fake) gets no trigger ID, 1.17 (the 1.15 fake)
// gets one, so a retried trigger after a lost answer takes one savepoint.
func TestVersionsBetween(t *testing.T) {
	for _, c := range []struct{ plays, reports string }{{"1.13", "1.14.6"}, {"1.15", "1.17.2"}, {"2.0", "2.1.0"}} {
		jm := flinktest.NewTestJobManager(t, flinktest.JobManagerConfig{FlinkVersion: c.plays, ReportedVersion: c.reports})
		client, _ := flinkclient.New(jm.URL(), fastRetry)
		ctx := context.Background()
		job, _ := runWordCount(t, client)
		jm.InjectFault("POST /jobs/{jobid}/savepoints", flinktest.Fault{DropAnswer: true, Times: 1})
		_, err := client.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{TargetDirectory: "/sp"})
		idempotent := c.reports != "1.14.6"
		if (err == nil) != idempotent || jm.Requests("POST /jobs/{jobid}/savepoints") != 1+btoi(idempotent) {
			t.Errorf("%s: lost trigger answer: %v after %d requests (idempotent %v)", c.reports, err, jm.Requests("POST /jobs/{jobid}/savepoints"), idempotent)
		}
		_, err = client.TriggerSavepoint(ctx, job, flinkclient.SavepointRequest{Format: flinkclient.SavepointNative, TargetDirectory: "/sp"})
		if refused := errors.Is(err, flinkclient.ErrInvalidRequest); refused != !idempotent || (refused && !strings.Contains(err.Error(), c.reports)) {
			t.Errorf("%s: Format NATIVE = %v", c.reports, err)
		}
	}
}
