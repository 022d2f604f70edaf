// Package deploy renders, validates and launches the configuration of a real-time data warehouse cluster:
// Apache Flink, HBase with Phoenix, and ClickHouse. It replaces editing flink-conf.yaml, workers and
// hbase-site.xml by hand, copying them to every host and typing start commands, with typed Go values that
// other programs compose and check before anything runs.
//
// This package holds the vocabulary the others share: a rendered [File], [ShellQuote] for scripts and
// command lines, the one-host-per-line files ([RenderHostsFile]: masters, workers, regionservers) and
// [ConfigError], the error every validation returns (it matches [ErrInvalidConfig] and lists every problem at
// once, secrets redacted). The work is in its sub-packages, one per concern:
//
//	deploy/flinkconf       Flink's configuration: flink-conf.yaml / config.yaml, key lists per release (1.12-2.x),
//	                       memory sizes, near-miss suggestions for misspelt keys
//	deploy/hbaseconf       HBase and Phoenix: hbase-site.xml, hbase-env.sh, regionservers, backup-masters
//	deploy/clickhouseconf  a clickhouse-server config.d override
//	deploy/hostprep        host limits (limits.d) and the check of what a host lacks (ulimits, java, commands)
//	deploy/remote          plans (ordered steps on hosts), run locally or over SSH with SFTP file copy
//	deploy/launch          standalone, YARN and native Kubernetes launchers, and waiting for the JobManager
//	deploy/k8s             FlinkDeployment resources for the Flink Kubernetes Operator, checked against its CRD
//
// The usual flow: build a [github.com/rtdw/rtdw/deploy/flinkconf.Config] (and an HBase or ClickHouse one),
// hand it to a launcher such as [github.com/rtdw/rtdw/deploy/launch.StandaloneCluster], print the
// [github.com/rtdw/rtdw/deploy/remote.Plan] it returns with DryRun, then Execute it through an SSH connector.
// examples/deploy-standalone does exactly that for a three-host cluster.
//
// Dependencies point one way. Of the deploy packages, flinkconf, hbaseconf, clickhouseconf and remote import
// only this one; hostprep and launch build plans with remote; launch and k8s render flinkconf configurations
// (launch also hbaseconf's); launch alone talks to a JobManager, through package flinkclient. Nothing outside
// deploy/ imports these packages except programs such as the examples.
package deploy
