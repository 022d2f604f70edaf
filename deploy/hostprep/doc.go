// Package hostprep prepares hosts for the daemons: [Limits] renders the open-files and process limits
// Flink, HBase and ZooKeeper need as a limits.d drop-in, [PreparePlan] writes it to every host, and [Check]
// reports what a host lacks (ulimits, a Java runtime, commands) through any
// [github.com/rtdw/rtdw/deploy/remote.Executor], local or over SSH.
package hostprep
