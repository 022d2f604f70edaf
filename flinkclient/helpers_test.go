package flinkclient_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// testJar returns a small valid jar whose manifest names mainClass.
func testJar(t testing.TB, mainClass string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("Manifest-Version: 1.0\r\nMain-Class: " + mainClass + "\r\n"))
	w, _ = zw.Create("com/example/Main.class")
	_, _ = w.Write([]byte("\xca\xfe\xba\xbe not really a class"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeJar(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, testJar(t, "com.atguigu.wc.StreamWordCount"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fast makes retries and the fake quick, so failure paths do not slow the suite.
var fastRetry = flinkclient.WithRetry(flinkclient.RetryPolicy{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})

var fastWait = flinkclient.WaitOptions{InitialInterval: 2 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

// eachVersion runs f against a fresh fake JobManager of every supported Flink version.
func eachVersion(t *testing.T, f func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client)) {
	eachVersionWith(t, flinktest.JobManagerConfig{}, f)
}

// eachVersionWith is eachVersion with a custom fake configuration (its FlinkVersion is set
// for each run).
func eachVersionWith(t *testing.T, cfg flinktest.JobManagerConfig, f func(t *testing.T, jm *flinktest.JobManager, c *flinkclient.Client)) {
	for _, v := range flinktest.JobManagerVersions() {
		t.Run("flink-"+v, func(t *testing.T) {
			t.Parallel()
			cfg := cfg
			cfg.FlinkVersion = v
			jm := flinktest.NewTestJobManager(t, cfg)
			c, err := flinkclient.New(jm.URL(), fastRetry)
			if err != nil {
				t.Fatal(err)
			}
			f(t, jm, c)
		})
	}
}

// atLeast reports whether the fake plays Flink min or later.
func atLeast(jm *flinktest.JobManager, min string) bool {
	v, err := flinkclient.ParseVersion(jm.FlinkVersion())
	m, err2 := flinkclient.ParseVersion(min)
	if err != nil || err2 != nil {
		panic("bad version in test: " + jm.FlinkVersion() + ", " + min)
	}
	return v.AtLeast(m)
}
