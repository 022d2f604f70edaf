package hbaseconf_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rtdw/rtdw/deploy/hbaseconf"
	"github.com/rtdw/rtdw/deploy/internal/testkit"
)

func seedHBaseConfig() hbaseconf.Config {
	return hbaseconf.Config{
		RootDir:                 "hdfs://hadoop102:8020/hbase",
		ZooKeeperQuorum:         []string{"hadoop102", "hadoop103", "hadoop104"},
		MaxClockSkew:            180 * time.Second,
		PhoenixNamespaceMapping: true,
		Extra:                   map[string]string{"hbase.wal.provider": "filesystem"},
		JavaHome:                "/opt/module/jdk1.8.0_212",
		Env:                     map[string]string{"HBASE_HEAPSIZE": "2G", "HBASE_OPTS": "-XX:+UseG1GC -Dhbase.tmp=\"x y\""},
		RegionServers:           []string{"hadoop102", "hadoop103", "hadoop104"},
		BackupMasters:           []string{"hadoop103"},
	}
}

func TestHBaseFilesGoldenAndRoundTrip(t *testing.T) {
	cfg := seedHBaseConfig()
	files, err := cfg.Files()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	var all strings.Builder
	for _, f := range files {
		byName[f.Path] = f.Data
		fmt.Fprintf(&all, "==> %s (%04o)\n%s", f.Path, f.Mode, f.Data)
	}
	client, err := cfg.PhoenixClientSite()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&all, "==> phoenix client %s\n%s", client.Path, client.Data)
	testkit.Golden(t, "hbase-conf.golden", []byte(all.String()))

	back, err := hbaseconf.Parse(byName)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, cfg)
	}
	clientProps, err := hbaseconf.ParseHadoopXML(client.Data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range clientProps {
		got[p.Name] = p.Value
	}
	if got[hbaseconf.PropPhoenixNamespaceMap] != "true" || got[hbaseconf.PropPhoenixMapSystemTable] != "true" || got[hbaseconf.PropHBaseZooKeeperQuorum] != "hadoop102,hadoop103,hadoop104" {
		t.Errorf("Phoenix client site: %v", got)
	}
}

func TestHBaseConfigProblems(t *testing.T) {
	err := hbaseconf.Config{
		RootDir: "/hbase", MaxClockSkew: -time.Second, JavaHome: "jdk",
		Extra: map[string]string{hbaseconf.PropHBaseRootDir: "x"}, RegionServers: []string{"hadoop102", "hadoop102"},
	}.Validate()
	ps := testkit.Problems(t, err)
	for _, k := range []string{hbaseconf.PropHBaseRootDir, hbaseconf.PropHBaseZooKeeperQuorum, hbaseconf.PropHBaseMaxClockSkew, "JAVA_HOME", hbaseconf.RegionServersFile} {
		if _, ok := testkit.FindProblem(ps, k); !ok {
			t.Errorf("no problem for %s in %v", k, err)
		}
	}
}
