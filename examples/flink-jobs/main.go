// Command flink-jobs runs the seed's Flink workflow through flinkclient, each bin/flink command
// of the tutorial as one call: upload FlinkTutorial-1.0-SNAPSHOT.jar and run
// com.atguigu.wc.StreamWordCount (flink run -p 2 -c …), list the jobs (flink list), take a
// savepoint (flink savepoint), cancel (flink cancel), run again from the savepoint (flink run -s),
// and stop with a final savepoint (flink stop).
//
// With -url it talks to a real JobManager; without, to an in-process fake (flinktest) of the
// Flink version -version names (1.12, 1.13, 1.15, 1.18, 1.20, 2.0, 2.3), using a small generated
// jar when -jar does not exist.
package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rtdw/rtdw/flinkclient"
	"github.com/rtdw/rtdw/flinkclient/flinktest"
)

func main() {
	url := flag.String("url", "", "JobManager REST URL, e.g. http://hadoop102:8081 (empty: an in-process fake)")
	jar := flag.String("jar", "FlinkTutorial-1.0-SNAPSHOT.jar", "jar to upload")
	entry := flag.String("entry-class", "com.atguigu.wc.StreamWordCount", "entry class")
	parallelism := flag.Int("parallelism", 2, "job parallelism")
	savepointDir := flag.String("savepoint-dir", "hdfs://hadoop102:8020/flink/savepoints", "savepoint target directory")
	fakeVersion := flag.String("version", "1.20", "Flink version the fake plays when -url is empty (1.12, 1.13, 1.15, 1.18, 1.20, 2.0, 2.3)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *url, *jar, *entry, *parallelism, *savepointDir, *fakeVersion); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, url, jar, entry string, parallelism int, savepointDir, fakeVersion string) (err error) {
	if url == "" {
		jm, err := flinktest.NewJobManager(flinktest.JobManagerConfig{FlinkVersion: fakeVersion})
		if err != nil {
			return err
		}
		defer func() {
			// A request or answer outside Flink's spec fails the run, so the example's test catches it.
			if cerr := jm.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("the fake JobManager saw spec violations: %w", cerr)
			}
		}()
		url = jm.URL()
		fmt.Printf("no -url: using an in-process fake Flink %s JobManager at %s\n", fakeVersion, url)
		if _, err := os.Stat(jar); errors.Is(err, fs.ErrNotExist) {
			tmp, err := os.MkdirTemp("", "flink-jobs-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			jar = filepath.Join(tmp, filepath.Base(jar))
			if err := writeDemoJar(jar, entry); err != nil {
				return err
			}
			fmt.Printf("%s not found: generated a small jar at %s\n", filepath.Base(jar), jar)
		}
	}
	c, err := flinkclient.New(url)
	if err != nil {
		return err
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Flink %s\n", v)

	st, err := os.Stat(jar)
	if err != nil {
		return err
	}
	bar := progressbar.DefaultBytes(st.Size(), "uploading "+filepath.Base(jar))
	up, err := c.UploadJarFile(ctx, jar, func(sent, total int64) { _ = bar.Set64(sent) })
	_ = bar.Finish()
	if err != nil {
		return err
	}
	fmt.Printf("uploaded as %s\n", up.ID)

	// flink run -p 2 -c com.atguigu.wc.StreamWordCount FlinkTutorial-1.0-SNAPSHOT.jar
	jobID, err := c.RunJar(ctx, up.ID, flinkclient.RunJarRequest{EntryClass: entry, Parallelism: parallelism})
	if err != nil {
		return err
	}
	if _, err := c.WaitForJobState(ctx, jobID, flinkclient.JobRunning); err != nil {
		return err
	}
	fmt.Printf("started job %s (parallelism %d)\n", jobID, parallelism)

	// flink list
	if err := listJobs(ctx, c); err != nil {
		return err
	}

	// flink savepoint <jobID> <dir>
	location, err := c.Savepoint(ctx, jobID, flinkclient.SavepointRequest{TargetDirectory: savepointDir})
	if err != nil {
		return err
	}
	fmt.Printf("savepoint: %s\n", location)

	// flink cancel <jobID>
	if err := c.CancelJob(ctx, jobID); err != nil {
		return err
	}
	if _, err := c.WaitForJobState(ctx, jobID, flinkclient.JobCanceled); err != nil {
		return err
	}
	fmt.Printf("cancelled job %s\n", jobID)

	// flink run -s <savepoint> -p 2 -c … FlinkTutorial-1.0-SNAPSHOT.jar
	restore := flinkclient.RunJarRequest{EntryClass: entry, Parallelism: parallelism, SavepointPath: location}
	if v.AtLeast(flinkclient.Flink115) {
		restore.ClaimMode = flinkclient.ClaimModeNoClaim // -restoreMode no_claim; Flink before 1.15 has no such option
	}
	restored, err := c.RunJar(ctx, up.ID, restore)
	if err != nil {
		return err
	}
	if _, err := c.WaitForJobState(ctx, restored, flinkclient.JobRunning); err != nil {
		return err
	}
	fmt.Printf("restarted from the savepoint as job %s\n", restored)
	if err := listJobs(ctx, c); err != nil {
		return err
	}

	// flink stop -p <dir> <jobID>
	final, err := c.Stop(ctx, restored, flinkclient.StopRequest{TargetDirectory: savepointDir})
	if err != nil {
		return err
	}
	if _, err := c.WaitForJobState(ctx, restored, flinkclient.JobFinished); err != nil {
		return err
	}
	fmt.Printf("stopped job %s with a final savepoint: %s\n", restored, final)
	return nil
}

func listJobs(ctx context.Context, c *flinkclient.Client) error {
	jobs, err := c.JobsOverview(ctx)
	if err != nil {
		return err
	}
	fmt.Println("jobs:")
	for _, j := range jobs {
		fmt.Printf("  %s  %-10s  %s  started %s\n", j.ID, j.State, j.Name, time.UnixMilli(j.StartTime).Format(time.TimeOnly))
	}
	return nil
}

// writeDemoJar writes a minimal jar whose manifest names entry, for the fake.
func writeDemoJar(path, entry string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err == nil {
		_, err = fmt.Fprintf(w, "Manifest-Version: 1.0\r\nMain-Class: %s\r\n", entry)
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
