// Command rtdwtest starts, stops and shows the local test servers of package
// rtdwtest from a shell, sharing their state with the tests:
//
//	rtdwtest up [service...]     install what is missing, start what does not run, wait until each answers
//	rtdwtest down [service...]   stop them
//	rtdwtest status              say what runs
//	rtdwtest env                 print the variables that point tests at them (eval-able)
//	rtdwtest who-listens PORT    say which process listens on a TCP port (exit 1: none)
//
// The services are mysql, mysql-replica, mariadb, clickhouse and zookeeper
// (default: all, or those RTDW_SERVICES names). State goes to
// RTDW_SERVICES_DIR, else rtdw under the user's cache directory; ports come
// from RTDW_MYSQL_PORT and the others, else are remembered there or chosen.
//
//	go run github.com/rtdw/rtdw/rtdwtest/cmd/rtdwtest up
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/rtdw/rtdw/rtdwtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "rtdwtest: %s\n", strings.TrimPrefix(err.Error(), "rtdwtest: "))
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return usage()
	}
	s, err := rtdwtest.Default()
	if err != nil {
		return err
	}
	s.Logf = func(format string, a ...any) { fmt.Fprintf(os.Stderr, "rtdwtest: "+format+"\n", a...) }
	names := args[1:]
	if len(names) == 0 {
		names = strings.Fields(os.Getenv("RTDW_SERVICES"))
	}
	switch args[0] {
	case "up":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := s.Up(ctx, names...); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "rtdwtest: reach them with:")
		return printEnv(s)
	case "down":
		return s.Down(names...)
	case "status":
		running, err := s.Running(names...)
		if err != nil {
			return err
		}
		stopped := 0
		for _, n := range rtdwtest.AllServices {
			pid, ok := running[n]
			switch {
			case !ok:
			case pid != 0:
				fmt.Printf("%s: running (pid %d)\n", n, pid)
			default:
				fmt.Printf("%s: stopped\n", n)
				stopped++
			}
		}
		if stopped > 0 {
			os.Exit(1)
		}
		return nil
	case "env":
		return printEnv(s)
	case "who-listens":
		port, err := strconv.Atoi(strings.Join(names, ""))
		if err != nil || len(args) != 2 {
			return fmt.Errorf("usage: rtdwtest who-listens PORT")
		}
		who, ok := rtdwtest.WhoListens(port)
		if !ok {
			os.Exit(1)
		}
		fmt.Println(who)
		return nil
	}
	return usage()
}

func printEnv(s *rtdwtest.Services) error {
	env, err := s.Env()
	if err != nil {
		return err
	}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		fmt.Printf("export %s='%s'\n", name, value)
	}
	return nil
}

func usage() error {
	return fmt.Errorf("usage: rtdwtest up|down|status|env [service...] | who-listens PORT (services: %s)", strings.Join(rtdwtest.AllServices, " "))
}
