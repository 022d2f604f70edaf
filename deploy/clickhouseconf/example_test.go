package clickhouseconf_test

import (
	"fmt"

	"github.com/rtdw/rtdw/deploy/clickhouseconf"
)

// An override that moves the data directory and opens the server to every interface.
func ExampleConfig_Render() {
	f, err := clickhouseconf.Config{ListenHosts: []string{"0.0.0.0"}, Path: "/data/clickhouse/", HTTPPort: 8123}.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n%s", f.Path, f.Data)
	// Output:
	// config.d/rtdw.xml
	// <?xml version="1.0" encoding="UTF-8"?>
	// <!-- ClickHouse config.d override, written by github.com/rtdw/rtdw/deploy. -->
	// <clickhouse>
	//     <listen_host>0.0.0.0</listen_host>
	//     <path>/data/clickhouse/</path>
	//     <http_port>8123</http_port>
	// </clickhouse>
}
