package hostprep_test

import (
	"fmt"

	"github.com/rtdw/rtdw/deploy/hostprep"
)

// The limits drop-in every host of the cluster gets, for the daemons' user.
func ExampleLimits_File() {
	f, err := hostprep.Limits{Domain: "atguigu"}.File()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n%s", f.Path, f.Data)
	// Output:
	// /etc/security/limits.d/99-rtdw.conf
	// # Resource limits for Flink, HBase and ZooKeeper, written by github.com/rtdw/rtdw/deploy.
	// # <domain> <type> <item> <value>
	// atguigu  soft  nofile  65536
	// atguigu  hard  nofile  131072
	// atguigu  soft  nproc   65536
	// atguigu  hard  nproc   131072
}
