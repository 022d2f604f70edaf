// Package launch starts Flink and HBase clusters and submits Flink jobs.
//
// [StandaloneCluster] and [HBaseCluster] turn a layout of hosts into a
// [github.com/rtdw/rtdw/deploy/remote.Plan]: configuration files for every host, then the start commands.
// [YARNSessionCluster] and [YARNJob] build yarn-session.sh, flink run -t yarn-per-job and flink
// run-application -t yarn-application command lines, and [ParseYARNSubmission] reads the application id and
// JobManager web address from what they print. [YARNListCommand], [YARNKillCommand], [FlinkJobsCommand] and
// [FlinkCancelCommand] list and stop them by application id. [KubernetesCluster] builds native Kubernetes
// session and application command lines. Every -D option goes through the same key validation as the
// configuration files, and command lines follow the release in Config.Version: for the tutorials' 1.12 and 1.13,
// kubernetes.container.image (not .ref), high-availability and state.backend (not their .type forms), and
// restores through execution.savepoint.path. After a launch, [WaitForJobManager] polls the JobManager's REST API through package
// flinkclient until it answers.
package launch
