package flinkconf_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/rtdw/rtdw/deploy/flinkconf"
)

// FuzzParseRenderRoundTrip feeds flink-conf.yaml and config.yaml text to Parse for the releases with a key list
// of their own. Whatever parses and validates must render, and the rendered file must read back to the same
// configuration: the renderer never writes what the parser would read differently.
func FuzzParseRenderRoundTrip(f *testing.F) {
	seed, err := os.ReadFile("testdata/seed-1.13-flink-conf.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), seed)
	f.Add(uint8(3), []byte("jobmanager:\n  rpc:\n    address: hadoop102\nhigh-availability:\n  type: zookeeper\n"))
	f.Add(uint8(1), []byte("high-availability.type: zookeeper\nstate.backend: hashmap\nenv.java.opts: -Xss2m\n"))
	f.Add(uint8(2), []byte("rest.port: 8081 # web\nparallelism.default:2\n"))
	versions := []flinkconf.Version{{Major: 1, Minor: 12}, {Major: 1, Minor: 13}, {Major: 1, Minor: 18}, {Major: 1, Minor: 20}, {Major: 2, Minor: 0}}
	f.Fuzz(func(t *testing.T, pick uint8, data []byte) {
		v := versions[int(pick)%len(versions)]
		cfg, err := flinkconf.Parse(v, v.ConfigFileName(), data)
		if err != nil || cfg.Validate() != nil {
			return
		}
		file, err := cfg.Render()
		if err != nil {
			t.Fatalf("valid configuration does not render: %v\n%+v", err, cfg)
		}
		back, err := flinkconf.Parse(v, file.Path, file.Data)
		if err != nil {
			t.Fatalf("rendered file does not parse: %v\n%s", err, file.Data)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Fatalf("round trip differs:\n got %+v\nwant %+v\n%s", back, cfg, file.Data)
		}
	})
}
