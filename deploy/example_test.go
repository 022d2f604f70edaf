package deploy_test

import (
	"errors"
	"fmt"

	"github.com/rtdw/rtdw/deploy"
)

// Hosts files list one host per line; every entry is checked before anything is written.
func ExampleRenderHostsFile() {
	f, err := deploy.RenderHostsFile("workers", []string{"hadoop103", "hadoop104"})
	fmt.Printf("%s\n%s", f, f.Data)
	_, err = deploy.RenderHostsFile("workers", []string{"hadoop103", "hadoop 104", "hadoop103"})
	fmt.Println(err, errors.Is(err, deploy.ErrInvalidConfig))
	// Output:
	// workers (20 bytes, mode 0644)
	// hadoop103
	// hadoop104
	// deploy: invalid workers: 2 problems:
	//   - workers = "hadoop 104": write host or host:port, e.g. hadoop102:2181
	//   - workers = "hadoop103": listed twice; list every host once true
}
