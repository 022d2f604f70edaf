// Package deploy renders, validates and launches the configuration of a real-time data warehouse cluster:
// Apache Flink, HBase with Phoenix, and ClickHouse. It replaces editing flink-conf.yaml, workers and
// hbase-site.xml by hand, copying them to every host and typing start commands, with typed Go values that
// other programs compose and check before anything runs.
//
// # Configuration files
//
// [FlinkConfig] holds the settings a cluster needs as typed fields (JobManager address and memory, TaskManager
// memory and slots, parallelism, [HighAvailability], state backend, checkpoint and savepoint directories, REST
// address, JVM options) and any other documented key in Extra. [FlinkConfig.Validate] reports every problem in
// one [ConfigError]: memory sizes in Flink's own syntax ([ParseMemorySize] accepts exactly what Flink does) and
// large enough for Flink's fixed memory components, slots and parallelism of at least 1, high availability
// with both its quorum and its storage directory, and keys unknown to the release, with the nearest
// documented key as a suggestion ([KeyCatalog.Suggest]). The key lists are Flink's own generated option
// tables for 1.18, 1.20 and 2.x ([FlinkVersion.Keys]). [FlinkConfig.Render] writes flink-conf.yaml for Flink
// up to 1.18 and the nested config.yaml from 1.19 on; [ParseFlinkConfig] reads both back, deprecated key
// spellings included.
//
// [HBaseConfig] renders hbase-site.xml (root dir, distributed mode, ZooKeeper quorum, clock skew and the
// Phoenix namespace mapping that servers and clients must agree on, see [HBaseConfig.PhoenixClientSite]),
// hbase-env.sh, regionservers and backup-masters, and [ParseHBaseConfig] reads them back. [ClickHouseConfig]
// renders a config.d override for clickhouse-server. [HostLimits] renders the open-files and process limits
// the daemons need, and [CheckHost] reports what a host lacks.
//
// # Plans and executors
//
// A [Plan] is an ordered list of [Step]s, each writing a [File] or running a [Command] on one host.
// [StandaloneCluster.Plan] and [HBaseCluster.Plan] build them for the usual layouts; [Plan.DryRun] prints one
// as deterministic text with secrets redacted; [Plan.Execute] runs it through a [Connector]: [LocalConnector]
// for local processes, or [NewSSHConnector] for SSH with SFTP file copy, verifying host keys with
// [KnownHosts] (accepting any key only when InsecureIgnoreHostKey is set explicitly). A failing step stops
// the plan with a [*PlanError] that names the host and the step and lists what already ran; connection
// failures match [ErrHostUnreachable], [ErrAuthFailed] or [ErrHostKeyRejected].
//
// # Launching Flink
//
// Besides standalone sessions and applications, [YARNSessionCluster] and [YARNJob] build yarn-session.sh,
// flink run -t yarn-per-job and flink run-application -t yarn-application command lines, and
// [ParseYARNSubmission] reads the application id and JobManager web address from what they print.
// [YARNListCommand], [YARNKillCommand], [FlinkJobsCommand] and [FlinkCancelCommand] list and stop them by
// application id. [KubernetesCluster] builds native Kubernetes session and application command lines, and
// [FlinkDeployment] renders a resource for the Flink Kubernetes Operator that is checked against the
// operator's published CRD schema ([ValidateFlinkDeploymentYAML]). Every -D option goes through the same key
// validation as the configuration files. After a launch, [WaitForJobManager] polls the JobManager's REST API
// through package flinkclient until it answers.
package deploy
