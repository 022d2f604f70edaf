package rtdwtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// alive reports whether the process pid runs; one that exited and awaits its
// parent (a zombie) does not count.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndex(s, ") ")
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// readPid returns the pid in a pid file, or 0.
func readPid(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// runningPid returns the pid of a pid file when that process runs, else 0.
func runningPid(file string) int {
	if pid := readPid(file); alive(pid) {
		return pid
	}
	return 0
}

// listener is one process holding a listening TCP socket.
type listener struct {
	pid  int // 0 when the owner cannot be seen (another user's process)
	comm string
	addr string
}

// String reads as "pid 12 (mariadbd) on 127.0.0.1:13307".
func (l listener) String() string {
	if l.pid == 0 {
		return "a process this user cannot name on " + l.addr
	}
	return fmt.Sprintf("pid %d (%s) on %s", l.pid, l.comm, l.addr)
}

// listeners returns who listens on TCP port on any address, from
// /proc/net/tcp{,6} and the processes' file descriptors.
func listeners(port int) []listener {
	inodes := map[string]string{} // socket inode -> local address
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			hostHex, portHex, ok := strings.Cut(fields[1], ":")
			if !ok {
				continue
			}
			if p, err := strconv.ParseUint(portHex, 16, 16); err != nil || int(p) != port {
				continue
			}
			inodes[fields[9]] = procAddr(hostHex) + ":" + strconv.Itoa(port)
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return nil
	}
	var found []listener
	seen := map[string]bool{}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range procs {
		fds, err := os.ReadDir(dir + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(dir + "/fd/" + fd.Name())
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			inode := strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")
			addr, ok := inodes[inode]
			if !ok {
				continue
			}
			pid, _ := strconv.Atoi(filepath.Base(dir))
			comm, _ := os.ReadFile(dir + "/comm")
			found = append(found, listener{pid: pid, comm: strings.TrimSpace(string(comm)), addr: addr})
			seen[inode] = true
		}
	}
	for inode, addr := range inodes {
		if !seen[inode] {
			found = append(found, listener{addr: addr})
		}
	}
	return found
}

// procAddr turns /proc/net/tcp's hex address into text (IPv4 and IPv6, both
// stored as little-endian 32-bit words).
func procAddr(h string) string {
	b := make([]byte, 0, 16)
	for i := 0; i+8 <= len(h); i += 8 {
		w, err := strconv.ParseUint(h[i:i+8], 16, 32)
		if err != nil {
			return h
		}
		b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
	}
	switch len(b) {
	case 4:
		return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3])
	case 16:
		if string(b[:12]) == "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff" {
			return fmt.Sprintf("[::ffff:%d.%d.%d.%d]", b[12], b[13], b[14], b[15])
		}
		var parts []string
		for i := 0; i < 16; i += 2 {
			parts = append(parts, strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
		}
		return "[" + strings.Join(parts, ":") + "]"
	}
	return h
}

// WhoListens says which process listens on the TCP port ("pid 12 (mariadbd)
// on 127.0.0.1:13307"); ok is false when none does.
func WhoListens(port int) (who string, ok bool) {
	ls := listeners(port)
	if len(ls) == 0 {
		return "", false
	}
	return ls[0].String(), true
}

// listensOn reports whether the process pid holds a listening socket on port.
func listensOn(port, pid int) bool {
	for _, l := range listeners(port) {
		if l.pid == pid {
			return true
		}
	}
	return false
}

// portsOf lists the addresses pid listens on, for a message.
func portsOf(pid int) []string {
	var addrs []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			if _, portHex, ok := strings.Cut(fields[1], ":"); ok {
				if p, err := strconv.ParseUint(portHex, 16, 16); err == nil && listensOn(int(p), pid) {
					addrs = append(addrs, strconv.FormatUint(p, 10))
				}
			}
		}
	}
	return addrs
}

// spawn starts a server in a session of its own, detached from this process
// (it outlives a test binary), with its output appended to logFile.
func spawn(logFile string, argv []string, extraEnv ...string) (int, error) {
	out, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Dir = filepath.Dir(logFile) // not the starting test's directory, which may go away
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { _ = cmd.Wait() }() // reap it if it exits while this process lives
	return cmd.Process.Pid, nil
}

// stopPid stops the process of a pid file: TERM, up to 30 s, then KILL.
func stopPid(pidFile string, logf func(string, ...any), name string) {
	pid := readPid(pidFile)
	if !alive(pid) {
		os.Remove(pidFile)
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		logf("%s (pid %d) ignored TERM for 30 s, killing it", name, pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; i < 50 && alive(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	os.Remove(pidFile)
	logf("%s stopped", name)
}

// fileLock holds an flock(2) lock on a file.
type fileLock struct{ f *os.File }

// lockFile takes an exclusive lock on path (created when missing), waiting
// for whoever holds it. Children started while it is held do not inherit it
// (Go opens files close-on-exec).
func lockFile(path string, how int) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &fileLock{f: f}, nil
}

func (l *fileLock) unlock() {
	if l != nil && l.f != nil {
		_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
		l.f.Close()
		l.f = nil
	}
}
