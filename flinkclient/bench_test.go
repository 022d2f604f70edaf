package flinkclient_test

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// generatedJar streams a valid jar of about size bytes (one stored entry of pseudo-random
// bytes) through a pipe: nothing but small buffers is ever in memory.
func generatedJar(size int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		zw := zip.NewWriter(pw)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "data.bin", Method: zip.Store})
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		buf := make([]byte, 64<<10)
		x := uint64(88172645463325252)
		for i := range buf {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			buf[i] = byte(x)
		}
		for left := size; left > 0; left -= int64(len(buf)) {
			n := int64(len(buf))
			if left < n {
				n = left
			}
			if _, err := w.Write(buf[:n]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(zw.Close())
	}()
	return pr
}

// BenchmarkUploadJar256MiB uploads a generated 256 MiB jar to the fake and reports how much the
// heap grew (HeapInuse after minus before, peak sampled during the upload) and the bytes
// allocated per upload. The claim: the heap grows by less than 16 MiB.
func BenchmarkUploadJar256MiB(b *testing.B) {
	const size = 256 << 20
	jm := flinktest.NewTestJobManager(b, flinktest.JobManagerConfig{FlinkVersion: "1.20"})
	c, _ := flinkclient.New(jm.URL())
	ctx := context.Background()
	var peak uint64
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var samples int
		progress := func(sent, total int64) {
			// Sample the heap every 16 MiB sent.
			if sent>>24 != int64(samples) {
				samples = int(sent >> 24)
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > before.HeapInuse && m.HeapInuse-before.HeapInuse > peak {
					peak = m.HeapInuse - before.HeapInuse
				}
			}
		}
		up, err := c.UploadJar(ctx, "big.jar", generatedJar(size), flinkclient.UploadJarOptions{Progress: progress})
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if d := int64(after.HeapInuse) - int64(before.HeapInuse); d > 0 && uint64(d) > peak {
			peak = uint64(d)
		}
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "MiB-alloc/op")
		if err := c.DeleteJar(ctx, up.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-heap-growth-peak")
	if peak >= 16<<20 {
		b.Errorf("heap grew by %.1f MiB during a 256 MiB upload, want < 16 MiB", float64(peak)/(1<<20))
	}
}

// BenchmarkJobStatus measures the client's per-call overhead beside a bare net/http GET of the
// same URL, against the same fake (whose spec validation dominates both).
func BenchmarkJobStatus(b *testing.B) {
	jm := flinktest.NewTestJobManager(b, flinktest.JobManagerConfig{FlinkVersion: "1.20"})
	c, _ := flinkclient.New(jm.URL())
	ctx := context.Background()
	up, err := c.UploadJar(ctx, "a.jar", generatedJar(1024), flinkclient.UploadJarOptions{})
	if err != nil {
		b.Fatal(err)
	}
	job, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{EntryClass: "a.B"})
	if err != nil {
		b.Fatal(err)
	}
	url := jm.URL() + "/jobs/" + job + "/status"
	b.Run("bare-net-http", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			resp, err := hc.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
	b.Run("flinkclient", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			st, err := c.JobStatus(ctx, job)
			if err != nil || st != flinkclient.JobRunning {
				b.Fatal(st, err)
			}
		}
	})
}
