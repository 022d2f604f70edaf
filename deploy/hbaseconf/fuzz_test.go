package hbaseconf_test

import (
	"reflect"
	"testing"

	"github.com/rtdw/rtdw/deploy/hbaseconf"
)

// FuzzParseFilesRoundTrip: a conf directory that parses and validates renders to files that read back to the
// same configuration (hbase-site.xml and hbase-env.sh quoting included).
func FuzzParseFilesRoundTrip(f *testing.F) {
	files, err := seedHBaseConfig().Files()
	if err != nil {
		f.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, file := range files {
		byName[file.Path] = file.Data
	}
	f.Add(byName[hbaseconf.HBaseSiteFile], byName[hbaseconf.HBaseEnvFile], byName[hbaseconf.RegionServersFile])
	f.Add([]byte("<configuration><property><name>hbase.rootdir</name><value>hdfs://nn/hbase</value></property></configuration>"),
		[]byte("export HBASE_OPTS='-Da=b c'\nexport JAVA_HOME=\"/opt/jdk\"\n"), []byte("h1\n# comment\nh2:16020\n"))
	f.Fuzz(func(t *testing.T, site, env, regionServers []byte) {
		cfg, err := hbaseconf.Parse(map[string][]byte{
			hbaseconf.HBaseSiteFile: site, hbaseconf.HBaseEnvFile: env, hbaseconf.RegionServersFile: regionServers,
		})
		if err != nil || cfg.Validate() != nil {
			return
		}
		files, err := cfg.Files()
		if err != nil {
			t.Fatalf("a valid configuration does not render: %v\n%+v", err, cfg)
		}
		byName := map[string][]byte{}
		for _, file := range files {
			byName[file.Path] = file.Data
		}
		back, err := hbaseconf.Parse(byName)
		if err != nil {
			t.Fatalf("rendered files do not parse: %v", err)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", back, cfg)
		}
	})
}
