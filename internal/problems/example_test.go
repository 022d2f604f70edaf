package problems_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rtdw/rtdw/internal/problems"
)

var errInvalidConfig = errors.New("example: invalid configuration")

// A validation records every problem and returns one error naming them all; the error matches
// the package's sentinel, and a secret's value is never shown.
func Example() {
	ps := problems.New("example", "configuration", errInvalidConfig)
	ps.Add("Hostname", "", "set the server's host name")
	ps.Add("Database", "shop-db", "use letters, digits and underscores")
	ps.Add("Port", 70000, "use a TCP port from 1 to 65535")
	ps.Add("Timeout", -time.Second, "use a positive duration, or 0 for none")
	ps.Add("Password", "hunter2", "use at most %d characters", 32)

	err := ps.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, errInvalidConfig))
	// Output:
	// example: invalid configuration: 5 problems:
	//   - Hostname: set the server's host name
	//   - Database = "shop-db": use letters, digits and underscores
	//   - Port = 70000: use a TCP port from 1 to 65535
	//   - Timeout = -1s: use a positive duration, or 0 for none
	//   - Password = "<redacted>": use at most 32 characters
	// true
}
