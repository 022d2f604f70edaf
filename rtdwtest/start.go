package rtdwtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// await waits until check succeeds, as long as the started process pid runs,
// for at most limit.
func await(ctx context.Context, name string, pid int, limit time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(limit)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if !alive(pid) {
			return fmt.Errorf("%s (pid %d) exited while starting", name, pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s (pid %d) did not answer within %s: %v", name, pid, limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// reuse checks a server already running from the state dir before it is
// reused: it must listen on the port asked for (or still be starting), then
// answer as itself within a minute.
func (s *Services) reuse(ctx context.Context, dir, name string, pid, port int, ours func(context.Context) error) error {
	s.logf("%s already runs (pid %d)", name, pid)
	if !listensOn(port, pid) {
		if addrs := portsOf(pid); len(addrs) > 0 {
			return fmt.Errorf("%s: the one running from %s (pid %d) listens on %s, not on port %d; stop it (rtdwtest down, or scripts/services.sh down) or ask for its port",
				name, dir, pid, strings.Join(addrs, " "), port)
		}
		// else it may still be starting: wait for it below
	}
	if err := await(ctx, name, pid, time.Minute, ours); err != nil {
		return fmt.Errorf("%s: the one running from %s (pid %d) is not the server on 127.0.0.1:%d (%v); stop it with rtdwtest down (scripts/services.sh down)", name, dir, pid, port, err)
	}
	return nil
}

// startFailed stops what this run started, and returns an error with the
// tail of its log.
func startFailed(name string, pid int, logFile string, err error) error {
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for i := 0; i < 100 && alive(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	b, _ := os.ReadFile(logFile)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return fmt.Errorf("%s: %v; log: %s\n%s", name, err, logFile, strings.Join(lines, "\n"))
}

// checkOwn is the part of every "is it ours" check that needs no protocol: the
// pid runs and holds each port.
func checkOwn(name string, pid int, ports ...int) error {
	if !alive(pid) {
		return fmt.Errorf("%s (pid %d) exited", name, pid)
	}
	for _, port := range ports {
		if !listensOn(port, pid) {
			who, _ := WhoListens(port)
			if who == "" {
				who = "nothing"
			}
			return fmt.Errorf("%s: port %d is held by %s, not by pid %d", name, port, who, pid)
		}
	}
	return nil
}
