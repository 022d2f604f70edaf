package hbaseconf_test

import (
	"fmt"
	"time"

	"github.com/rtdw/rtdw/deploy/hbaseconf"
)

// The seed's HBase: external ZooKeeper on three hosts, Phoenix schemas mapped to HBase namespaces.
func ExampleConfig_Files() {
	files, err := hbaseconf.Config{
		RootDir:                 "hdfs://hadoop102:8020/hbase",
		ZooKeeperQuorum:         []string{"hadoop102", "hadoop103", "hadoop104"},
		MaxClockSkew:            3 * time.Minute,
		PhoenixNamespaceMapping: true,
		RegionServers:           []string{"hadoop102", "hadoop103", "hadoop104"},
	}.Files()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(f.Path)
	}
	props, _ := hbaseconf.ParseHadoopXML(files[0].Data)
	for _, p := range props {
		fmt.Printf("%s = %s\n", p.Name, p.Value)
	}
	// Output:
	// hbase-site.xml
	// hbase-env.sh
	// regionservers
	// hbase.rootdir = hdfs://hadoop102:8020/hbase
	// hbase.cluster.distributed = true
	// hbase.zookeeper.quorum = hadoop102,hadoop103,hadoop104
	// hbase.master.maxclockskew = 180000
	// phoenix.schema.isNamespaceMappingEnabled = true
	// phoenix.schema.mapSystemTablesToNamespace = true
}
