package flinkconf_test

import (
	"fmt"

	"github.com/rtdw/rtdw/deploy/flinkconf"
)

// A configuration is checked as a whole; the error names every bad key, its value and the fix.
func ExampleConfig_Validate() {
	cfg := flinkconf.Config{
		Version:           flinkconf.Version{Major: 1, Minor: 18},
		TaskManagerMemory: "1.5g",
		HighAvailability:  flinkconf.HighAvailability{Type: "zookeeper", ZooKeeperQuorum: []string{"hadoop102:2181"}},
		Extra:             map[string]string{"taskmanager.numberOfTaskSlot": "2"},
	}
	fmt.Println(cfg.Validate())
	// Output:
	// flinkconf: invalid Flink 1.18 configuration: 3 problems:
	//   - taskmanager.memory.process.size = "1.5g": write a whole number with an optional unit b, k, m, g or t (e.g. 1600m, 2g, "1024 mb"): not a Flink memory size: unit ".5g" is not one of b|bytes, k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes
	//   - high-availability.storageDir: high availability needs a storage dir every JobManager can reach; set HighAvailability.StorageDir, e.g. hdfs://hadoop102:8020/flink/ha
	//   - taskmanager.numberOfTaskSlot = "2": unknown key for Flink 1.18; did you mean taskmanager.numberOfTaskSlots?
}

// Flink 1.19 and later read a nested config.yaml.
func ExampleConfig_Render() {
	f, err := flinkconf.Config{
		Version:           flinkconf.Version{Major: 2, Minor: 0},
		JobManagerAddress: "hadoop102",
		TaskSlots:         2,
		StateBackend:      "rocksdb",
		CheckpointDir:     "hdfs://hadoop102:8020/flink/checkpoints",
	}.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n%s", f.Path, f.Data)
	// Output:
	// config.yaml
	// # Flink 2.0 configuration (config.yaml, standard YAML), written by github.com/rtdw/rtdw/deploy.
	// jobmanager:
	//   rpc:
	//     address: hadoop102
	// taskmanager:
	//   numberOfTaskSlots: 2
	// state:
	//   backend:
	//     type: rocksdb
	// execution:
	//   checkpointing:
	//     dir: hdfs://hadoop102:8020/flink/checkpoints
}

func ExampleParseMemorySize() {
	for _, s := range []string{"1600m", "1024 mb", "2G", "1.5g"} {
		m, err := flinkconf.ParseMemorySize(s)
		fmt.Println(s, "->", int64(m), err != nil)
	}
	// Output:
	// 1600m -> 1677721600 false
	// 1024 mb -> 1073741824 false
	// 2G -> 2147483648 false
	// 1.5g -> 0 true
}

// The tutorials' Flink 1.13 reads high-availability, not high-availability.type (a 1.18 name it silently
// ignores), so a file mixing the two is read into typed fields and the newer spelling is reported.
func ExampleParse() {
	conf := []byte(`jobmanager.rpc.address: hadoop102
high-availability: zookeeper
high-availability.zookeeper.quorum: hadoop102:2181,hadoop103:2181,hadoop104:2181
high-availability.storageDir: hdfs://hadoop102:8020/flink/ha/
state.backend.type: rocksdb
taskmanager.numberOfTaskSlot: 2
`)
	cfg, err := flinkconf.Parse(flinkconf.Version{Major: 1, Minor: 13}, "conf/flink-conf.yaml", conf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.HighAvailability.Type, cfg.HighAvailability.ZooKeeperQuorum)
	fmt.Println(cfg.Validate())
	// Output:
	// zookeeper [hadoop102:2181 hadoop103:2181 hadoop104:2181]
	// flinkconf: invalid Flink 1.13 configuration: 2 problems:
	//   - state.backend.type = "rocksdb": Flink 1.13 has no state.backend.type and silently ignores it; its name in 1.13 is state.backend (the typed field Config.StateBackend writes it)
	//   - taskmanager.numberOfTaskSlot = "2": unknown key for Flink 1.13; did you mean taskmanager.numberOfTaskSlots?
}
