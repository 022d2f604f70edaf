// Package flinkconf is Flink's cluster configuration as a typed, validated value.
//
// [Config] holds the settings a cluster needs as typed fields (JobManager address and memory, TaskManager
// memory and slots, parallelism, [HighAvailability], state backend, checkpoint and savepoint directories, REST
// address, JVM options) and any other documented key in Extra. [Config.Validate] reports every problem in one
// [github.com/rtdw/rtdw/deploy.ConfigError]: memory sizes in Flink's own syntax ([ParseMemorySize] accepts
// exactly what Flink does) and large enough for Flink's fixed memory components, slots and parallelism of at
// least 1, high availability with both its quorum and its storage directory, and keys unknown to the release,
// with the nearest documented key as a suggestion ([KeyCatalog.Suggest]).
//
// The key lists are Flink's own generated option tables of 1.12.1, 1.13.3, 1.18, 1.20 and 2.3 ([Version.Keys]).
// [Config.Render] writes flink-conf.yaml for Flink up to 1.18 and the nested config.yaml from 1.19 on; [Parse]
// reads both back, deprecated key spellings included, and [FromMap] reads -D options or a FlinkDeployment's
// flinkConfiguration.
//
// Each typed field is written under the name its release reads. The tutorials' releases, 1.12 and 1.13, read
// high-availability (not high-availability.type, which they do not know and silently ignore), state.backend
// (not state.backend.type) and env.java.opts (not env.java.opts.all), and 1.12 has no hashmap state backend;
// a newer spelling given to them in Extra is reported with the name they read.
package flinkconf
