package flinkclient_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

// smallJar builds a minimal jar in memory.
func smallJar() *bytes.Reader {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	_, _ = w.Write([]byte("Manifest-Version: 1.0\r\nMain-Class: com.atguigu.wc.StreamWordCount\r\n"))
	_ = zw.Close()
	return bytes.NewReader(buf.Bytes())
}

// The seed's flow: upload, run, savepoint, cancel, restore — here against the in-process fake.
func Example() {
	jm, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.20"})
	if err != nil {
		panic(err)
	}
	defer jm.Close()
	ctx := context.Background()
	c, err := flinkclient.New(jm.URL())
	if err != nil {
		panic(err)
	}

	jar, err := c.UploadJar(ctx, "FlinkTutorial-1.0-SNAPSHOT.jar", smallJar(), flinkclient.UploadJarOptions{})
	if err != nil {
		panic(err)
	}
	jobID, err := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{EntryClass: "com.atguigu.wc.StreamWordCount", Parallelism: 2})
	if err != nil {
		panic(err)
	}
	op, err := c.TriggerSavepoint(ctx, jobID, flinkclient.SavepointRequest{TargetDirectory: "hdfs:///flink/savepoints"})
	if err != nil {
		panic(err)
	}
	location, err := op.Wait(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("savepoint written:", strings.HasPrefix(location, "hdfs:///flink/savepoints/savepoint-"))

	if err := c.CancelJob(ctx, jobID); err != nil {
		panic(err)
	}
	state, err := c.WaitForJobState(ctx, jobID, flinkclient.JobCanceled)
	fmt.Println("first job:", state, err)

	restored, err := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{SavepointPath: location, ClaimMode: flinkclient.ClaimModeNoClaim})
	if err != nil {
		panic(err)
	}
	state, err = c.JobStatus(ctx, restored)
	fmt.Println("restored job:", state, err)
	// Output:
	// savepoint written: true
	// first job: CANCELED <nil>
	// restored job: RUNNING <nil>
}

// Errors carry Flink's answer; sentinels classify the common ones.
func ExampleError() {
	jm, _ := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "2.0"})
	defer jm.Close()
	c, _ := flinkclient.New(jm.URL())

	_, err := c.JobStatus(context.Background(), "00000000000000000000000000000000")
	var fe *flinkclient.Error
	fmt.Println(errors.Is(err, flinkclient.ErrJobNotFound), errors.As(err, &fe), fe.Status)
	// Output: true true 404
}

func ExampleParseVersion() {
	v, err := flinkclient.ParseVersion("1.20.1")
	fmt.Println(v, err, v.AtLeast(flinkclient.Flink118), v.AtLeast(flinkclient.Flink20))
	// Output: 1.20.1 <nil> true false
}

// The tutorial's Flink 1.13: bin/flink savepoint, stop and run -s are one call each, and a field
// 1.13 lacks is refused before anything is sent.
func ExampleClient_Savepoint() {
	jm, _ := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.13"})
	defer jm.Close()
	ctx := context.Background()
	c, _ := flinkclient.New(jm.URL())
	jar, _ := c.UploadJar(ctx, "FlinkTutorial-1.0-SNAPSHOT.jar", smallJar(), flinkclient.UploadJarOptions{})
	jobID, _ := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{Parallelism: 2})

	location, err := c.Savepoint(ctx, jobID, flinkclient.SavepointRequest{TargetDirectory: "hdfs:///sp"})
	fmt.Println("savepoint:", strings.HasPrefix(location, "hdfs:///sp/savepoint-"), err)

	_, err = c.Savepoint(ctx, jobID, flinkclient.SavepointRequest{Format: flinkclient.SavepointNative})
	fmt.Println(err)

	restored, _ := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{SavepointPath: location})
	final, err := c.Stop(ctx, restored, flinkclient.StopRequest{TargetDirectory: "hdfs:///sp"})
	fmt.Println("stopped with a final savepoint:", final != "", err)
	// Output:
	// savepoint: true <nil>
	// flinkclient: invalid SavepointRequest: Format = "NATIVE": not supported by Flink 1.13 (needs 1.15); leave it empty for the canonical format
	// stopped with a final savepoint: true <nil>
}

// Back pressure is measured on request: wait for current figures.
func ExampleClient_WaitBackPressure() {
	jm, _ := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: "1.13"})
	defer jm.Close()
	ctx := context.Background()
	c, _ := flinkclient.New(jm.URL())
	jar, _ := c.UploadJar(ctx, "FlinkTutorial-1.0-SNAPSHOT.jar", smallJar(), flinkclient.UploadJarOptions{})
	jobID, _ := c.RunJar(ctx, jar.ID, flinkclient.RunJarRequest{Parallelism: 2})
	details, _ := c.JobDetails(ctx, jobID)
	vertex := details.Vertices[0].ID

	bp, err := c.WaitBackPressure(ctx, jobID, vertex, flinkclient.WaitOptions{})
	fmt.Println(bp.Level, len(bp.Subtasks), err)
	wms, err := c.Watermarks(ctx, jobID, vertex)
	fmt.Println(wms[0].ID, err)
	restarts, err := c.JobMetrics(ctx, jobID, "numRestarts")
	fmt.Println(restarts, err)
	// Output:
	// ok 2 <nil>
	// 0.currentInputWatermark <nil>
	// [{numRestarts 0}] <nil>
}
