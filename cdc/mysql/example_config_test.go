package mysql_test

import (
	"errors"
	"fmt"

	"github.com/rtdw/rtdw/cdc/mysql"
)

// The plain-struct alternative to the builder: start from DefaultConfig,
// which holds every default, and set what you need. Where zero is a setting
// (ConnectMaxRetries 0: a single attempt, no retry) it means that; where it
// never is (a chunk of no rows) it means the default, applied to a copy.
// Config reports the values in effect; the password is never printed.
func ExampleNewSourceFromConfig() {
	cfg := mysql.DefaultConfig()
	cfg.Hostname = "127.0.0.1"
	cfg.Username = "cdc"
	cfg.Password = "s3cret"
	cfg.DatabaseList = []string{"gmall_config"}
	cfg.TableList = []string{`gmall_config\.t_user`}
	cfg.ServerID = "5400-5403"
	cfg.ConnectMaxRetries = 0                  // one attempt
	cfg.SplitSize = 0                          // the default
	src, err := mysql.NewSourceFromConfig(cfg) // no I/O
	if err != nil {
		fmt.Println(err)
		return
	}
	got := src.Config()
	fmt.Println(src)
	fmt.Println("port:", got.Port, "split size:", got.SplitSize, "fetch size:", got.FetchSize)
	fmt.Println("connect timeout:", got.ConnectTimeout, "retries:", got.ConnectMaxRetries, "heartbeat:", got.HeartbeatInterval)
	fmt.Println("reconnect for:", got.MaxReconnectDuration, "shutdown timeout:", got.ShutdownTimeout)
	fmt.Println("name:", got.Name, "time zone:", got.ServerTimeZone)
	fmt.Println("snapshot parallelism:", got.SnapshotParallelism, "(one reader per server id, at most 4)")
	fmt.Println("caller's SplitSize still:", cfg.SplitSize)
	fmt.Println(got)

	// A struct literal would take zero retries, no heartbeat and no
	// reconnect without saying so: it is refused.
	_, err = mysql.NewSourceFromConfig(mysql.Config{Hostname: "127.0.0.1", Username: "cdc", DatabaseList: []string{"gmall_config"}})
	fmt.Println(errors.Is(err, mysql.ErrInvalidConfig))
	// Output:
	// mysql.Source{cdc@127.0.0.1:3306 initial}
	// port: 3306 split size: 8096 fetch size: 1024
	// connect timeout: 30s retries: 0 heartbeat: 30s
	// reconnect for: 30s shutdown timeout: 30s
	// name: mysql_binlog_source time zone: UTC
	// snapshot parallelism: 4 (one reader per server id, at most 4)
	// caller's SplitSize still: 0
	// mysql.Config{Name:"mysql_binlog_source" Hostname:"127.0.0.1" Port:3306 Username:"cdc" Password:"<redacted>" DatabaseList:["gmall_config"] TableList:["gmall_config\\.t_user"] ServerID:"5400-5403" StartupOptions:initial}
	// true
}

// Every invalid option at once, each with its field, its value and the fix;
// a program can also walk the problems.
func ExampleConfigError() {
	_, err := mysql.NewSource().
		Hostname("127.0.0.1").Port(3306).Username("cdc").Password("s3cret").
		DatabaseList("gmall_(config").
		TableList("t_user").
		ServerID("5400-5401").SnapshotParallelism(4).
		SplitSize(-1).
		ServerTimeZone("Mars/Olympus").
		Build()
	fmt.Println(err)
	fmt.Println(errors.Is(err, mysql.ErrInvalidConfig))
	var ce *mysql.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Print(p.Field, " ")
		}
		fmt.Println()
	}
	// Output:
	// mysql: invalid source configuration: 5 problems:
	//   - DatabaseList = "gmall_(config": not a valid regular expression: error parsing regexp: missing closing ): `^(?:gmall_(config)$`
	//   - TableList = "t_user": patterns match "database.table": write it as db.table, for example gmall_config.t_user
	//   - ServerTimeZone = "Mars/Olympus": use an IANA zone name such as "UTC" or "Asia/Shanghai"
	//   - SplitSize = -1: use a positive number of rows per chunk, or 0 for the default (8096)
	//   - ServerID = "5400-5401": SnapshotParallelism 4 needs a range of at least 4 server ids, for example "5400-5403"
	// true
	// DatabaseList TableList ServerTimeZone SplitSize ServerID
}
