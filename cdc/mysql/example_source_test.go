package mysql_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/rtdw/rtdw/cdc"
	"github.com/rtdw/rtdw/cdc/mysql"
)

// A MySQL source built the way a Flink CDC job builds MySqlSource: snapshot
// gmall_config.t_user, then stream its binlog, keeping the offset in a file
// so that the next run resumes where this one stopped.
func ExampleNewSource() {
	src, err := mysql.NewSource().
		Hostname("127.0.0.1").Port(3306).
		DatabaseList("gmall_config").TableList(`gmall_config\.t_user`).
		Username("root").Password(os.Getenv("MYSQL_PASSWORD")).
		ServerID("5400-5403").
		StartupOptions(mysql.Initial()).
		OffsetStore(cdc.NewFileOffsetStore("t_user.offset.json")).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = src.Run(ctx, cdc.Unbuffered(cdc.HandlerFunc(func(ctx context.Context, events []cdc.Event) error {
		for _, e := range events {
			fmt.Println(e.Op, e.Table, e.Before, e.After, e.Source.File, e.Source.Pos)
		}
		return nil
	})))
	if err != nil {
		fmt.Println(err)
	}
}

// Build reports every invalid option at once.
func ExampleSourceBuilder_Build() {
	_, err := mysql.NewSource().Port(0x10000).DatabaseList("gmall_config").Build()
	fmt.Println(err)
	// Output:
	// mysql: invalid source configuration: 3 problems:
	//   - Hostname: set the server's host name or IP address, for example Hostname("127.0.0.1")
	//   - Port = 65536: use a TCP port from 1 to 65535 (MySQL's default is 3306)
	//   - Username: set the user the source logs in as; it needs SELECT, REPLICATION SLAVE and REPLICATION CLIENT
}
