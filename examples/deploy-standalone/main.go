// Command deploy-standalone prints, and on request executes, the plan that stands up the seed's three-host
// cluster: Flink standalone (JobManager on hadoop102, TaskManagers on hadoop103 and hadoop104) and HBase with
// Phoenix (master on hadoop102, region servers on all three) over an external ZooKeeper on all three hosts.
//
// Without flags it prints a dry run. With -execute it runs the plan over SSH, showing a progress bar.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/crypto/ssh"

	"github.com/rtdw/rtdw/deploy/flinkconf"
	"github.com/rtdw/rtdw/deploy/hbaseconf"
	"github.com/rtdw/rtdw/deploy/hostprep"
	"github.com/rtdw/rtdw/deploy/launch"
	"github.com/rtdw/rtdw/deploy/remote"
)

var hosts = []string{"hadoop102", "hadoop103", "hadoop104"}

// clusterPlan builds the whole plan for the Flink release: OS limits on every host, then Flink, then HBase.
func clusterPlan(version flinkconf.Version) (remote.Plan, error) {
	var plan remote.Plan
	prep, err := hostprep.PreparePlan(hosts, hostprep.Limits{})
	if err != nil {
		return plan, err
	}
	plan.Append(prep)

	flink := launch.StandaloneCluster{
		FlinkHome: "/opt/module/flink",
		Config: flinkconf.Config{
			Version:           version,
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
			RESTBindAddress: "0.0.0.0",
			Extra: map[string]string{
				"jobmanager.bind-host":  "0.0.0.0",
				"taskmanager.bind-host": "0.0.0.0",
			},
		},
		JobManagers:  []string{"hadoop102"},
		TaskManagers: []string{"hadoop103", "hadoop104"},
	}
	fp, err := flink.Plan()
	if err != nil {
		return plan, err
	}
	plan.Append(fp)

	hbase := launch.HBaseCluster{
		HBaseHome: "/opt/module/hbase",
		Master:    "hadoop102",
		Config: hbaseconf.Config{
			RootDir:                 "hdfs://hadoop102:8020/hbase",
			ZooKeeperQuorum:         hosts,
			MaxClockSkew:            180 * time.Second,
			PhoenixNamespaceMapping: true,
			JavaHome:                "/opt/module/jdk1.8.0_212",
			RegionServers:           hosts,
		},
		PhoenixClientConfDir: "/opt/module/phoenix/bin",
	}
	hp, err := hbase.Plan()
	if err != nil {
		return plan, err
	}
	plan.Append(hp)
	return plan, nil
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("deploy-standalone", flag.ContinueOnError)
	execute := fs.Bool("execute", false, "run the plan over SSH instead of printing it")
	user := fs.String("user", "", "SSH user (default: the local user)")
	keyFile := fs.String("key", os.Getenv("HOME")+"/.ssh/id_ed25519", "SSH private key")
	knownHosts := fs.String("known-hosts", os.Getenv("HOME")+"/.ssh/known_hosts", "known_hosts file that lists every host's key")
	flinkVersion := fs.String("flink", "1.13", "the Flink release on the hosts (1.12, 1.13, 1.18, 1.20, 2.0, ...): it picks the file (flink-conf.yaml or config.yaml) and the key names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	version, err := flinkconf.ParseVersion(*flinkVersion)
	if err != nil {
		return err
	}
	plan, err := clusterPlan(version)
	if err != nil {
		return err
	}
	if !*execute {
		return plan.WriteDryRun(stdout)
	}
	signer, err := remote.LoadPrivateKey(*keyFile)
	if err != nil {
		return err
	}
	hostKeys, err := remote.KnownHosts(*knownHosts)
	if err != nil {
		return err
	}
	conn, err := remote.NewSSHConnector(remote.SSHConfig{User: *user, Signers: []ssh.Signer{signer}, HostKeyCallback: hostKeys})
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions(len(plan.Steps), progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
		progressbar.OptionSetDescription("deploying"))
	err = plan.Execute(ctx, conn, remote.ExecuteOptions{Progress: func(e remote.StepEvent) {
		if e.Done {
			bar.Describe(e.Step.Host)
			bar.Add(1)
		}
	}})
	bar.Finish()
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "cluster started; the JobManager answers at http://hadoop102:8081 once it is up")
	return launch.WaitForJobManager(ctx, "http://hadoop102:8081", launch.WaitOptions{})
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
}
