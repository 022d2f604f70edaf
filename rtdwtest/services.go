package rtdwtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// The servers a [Services] manages, by the names Up, Down and the rtdwtest
// command take.
const (
	ServiceMySQL        = "mysql"         // Oracle MySQL 9.7, binlog ROW/FULL, GTIDs on
	ServiceMySQLReplica = "mysql-replica" // a second MySQL 9.7, a GTID replica of ServiceMySQL
	ServiceMariaDB      = "mariadb"       // MariaDB 10.11, binlog ROW/FULL
	ServiceClickHouse   = "clickhouse"    // ClickHouse, native protocol
	ServiceZooKeeper    = "zookeeper"     // ZooKeeper 3.8, standalone
)

// AllServices names every server a [Services] can start, in start order.
var AllServices = []string{ServiceMySQL, ServiceMySQLReplica, ServiceMariaDB, ServiceClickHouse, ServiceZooKeeper}

// Password is the root password of the MySQL and MariaDB servers a Services
// starts (for root@127.0.0.1 over TCP). They are test servers on loopback.
const Password = "rtdw-test-pw"

// Ports are the TCP ports of the servers on 127.0.0.1. A zero port is chosen
// at the server's first start (a free one) and remembered in the state
// directory, so later runs find the server on it; a port set here is
// required, and Up refuses it when another process holds it.
type Ports struct {
	MySQL                 int // RTDW_MYSQL_PORT
	MySQLReplica          int // RTDW_MYSQL_REPLICA_PORT
	MariaDB               int // RTDW_MARIADB_PORT
	ClickHouse            int // RTDW_CLICKHOUSE_PORT, native protocol
	ClickHouseHTTP        int // RTDW_CLICKHOUSE_HTTP_PORT
	ClickHouseInterserver int // RTDW_CLICKHOUSE_INTERSERVER_PORT
	ZooKeeper             int // RTDW_ZOOKEEPER_PORT, client port
}

// portSlot is one port of one service, with the variable that sets it.
type portSlot struct {
	service, variable, key string
	ptr                    *int
}

func (p *Ports) slots() []portSlot {
	return []portSlot{
		{ServiceMySQL, "RTDW_MYSQL_PORT", "mysql", &p.MySQL},
		{ServiceMySQLReplica, "RTDW_MYSQL_REPLICA_PORT", "mysql-replica", &p.MySQLReplica},
		{ServiceMariaDB, "RTDW_MARIADB_PORT", "mariadb", &p.MariaDB},
		{ServiceClickHouse, "RTDW_CLICKHOUSE_PORT", "clickhouse", &p.ClickHouse},
		{ServiceClickHouse, "RTDW_CLICKHOUSE_HTTP_PORT", "clickhouse-http", &p.ClickHouseHTTP},
		{ServiceClickHouse, "RTDW_CLICKHOUSE_INTERSERVER_PORT", "clickhouse-interserver", &p.ClickHouseInterserver},
		{ServiceZooKeeper, "RTDW_ZOOKEEPER_PORT", "zookeeper", &p.ZooKeeper},
	}
}

// PortsFromEnv reads the ports set in the environment (RTDW_MYSQL_PORT and
// the others named on [Ports]); unset ones stay zero.
func PortsFromEnv() (Ports, error) {
	var p Ports
	var problems []string
	for _, s := range p.slots() {
		v := os.Getenv(s.variable)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a TCP port: set a number from 1 to 65535", s.variable, v))
			continue
		}
		*s.ptr = n
	}
	if len(problems) > 0 {
		return p, errors.New(strings.Join(problems, "; "))
	}
	return p, nil
}

// Services starts, finds and stops local test servers under one state
// directory. Every process that uses the same Dir shares the same servers:
// Up takes a lock on the directory, reuses a server already running from it
// (after checking that what answers on its port is that server), and starts
// the rest. Servers run detached: they outlive the process that started them
// until Down stops them.
type Services struct {
	// Dir holds the servers' data, logs, pid files and remembered ports.
	// Default: rtdw under os.UserCacheDir (~/.cache/rtdw).
	Dir string
	// MySQLRoot is where Oracle MySQL is unpacked from Debian's sid packages.
	// Default: Dir/mysql-root.
	MySQLRoot string
	// Ports of the servers; zero ones are chosen and remembered.
	Ports Ports
	// Install lets Up install missing Debian packages with apt-get (needs
	// root). Without it, a missing package is an error naming the
	// apt-get command.
	Install bool
	// NoMySQLBinlog and NoMariaDBBinlog start that server without a binlog
	// (to see a CDC test fail the way a misconfigured server makes it fail).
	NoMySQLBinlog, NoMariaDBBinlog bool
	// Logf receives progress lines ("mariadb is ready (pid 12, 127.0.0.1:13307)").
	// Default: none.
	Logf func(format string, args ...any)
}

// DefaultDir is the state directory of servers started without an explicit
// one: rtdw under the user's cache directory.
func DefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("rtdwtest: no user cache directory for the servers' state (%w): set %s to a directory", err, EnvServicesDir)
	}
	return filepath.Join(cache, "rtdw"), nil
}

func (s *Services) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func (s *Services) dir() (string, error) {
	if s.Dir != "" {
		return filepath.Abs(s.Dir)
	}
	return DefaultDir()
}

func (s *Services) mysqlRoot(dir string) string {
	if s.MySQLRoot != "" {
		return s.MySQLRoot
	}
	return filepath.Join(dir, "mysql-root")
}

// pidFile is where the server's pid is kept.
func pidFile(dir, service string) string { return filepath.Join(dir, service, "pid") }

// withDeps adds what a service needs to run (the replica needs its primary)
// and orders the names as AllServices.
func withDeps(names []string) ([]string, error) {
	want := map[string]bool{}
	for _, n := range names {
		if !slices.Contains(AllServices, n) {
			return nil, fmt.Errorf("rtdwtest: no service %q; the services are: %s", n, strings.Join(AllServices, " "))
		}
		want[n] = true
		if n == ServiceMySQLReplica {
			want[ServiceMySQL] = true
		}
	}
	var out []string
	for _, n := range AllServices {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Up makes the named servers run (all of them when none is named): it
// installs what is missing, every package before any server starts, then
// starts each server that does not run from Dir and waits until it answers
// as itself. On return s.Ports holds every port in use.
func (s *Services) Up(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		names = AllServices
	}
	names, err := withDeps(names)
	if err != nil {
		return err
	}
	dir, err := s.dir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rtdwtest: state directory: %w", err)
	}
	// One Up at a time per state dir (parallel test binaries, two make tests):
	// the next waits, then reuses what the first started.
	lock, err := lockFile(filepath.Join(dir, ".up.lock"), syscall.LOCK_EX)
	if err != nil {
		return fmt.Errorf("rtdwtest: %w", err)
	}
	defer lock.unlock()

	if err := s.resolvePorts(dir, names); err != nil {
		return err
	}
	if err := s.install(ctx, dir, names); err != nil {
		return err
	}
	for _, n := range names {
		var err error
		switch n {
		case ServiceMySQL:
			err = s.mysqlUp(ctx, dir)
		case ServiceMySQLReplica:
			err = s.replicaUp(ctx, dir)
		case ServiceMariaDB:
			err = s.mariadbUp(ctx, dir)
		case ServiceClickHouse:
			err = s.clickhouseUp(ctx, dir)
		case ServiceZooKeeper:
			err = s.zookeeperUp(ctx, dir)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// resolvePorts fills the zero ports of the named services (those remembered
// in Dir, else free ones), checks that the ports of every service that is
// not running yet are free and distinct, and remembers them.
func (s *Services) resolvePorts(dir string, names []string) error {
	remembered := readPorts(dir)
	asked := map[int]string{}
	for _, slot := range s.Ports.slots() {
		if !slices.Contains(names, slot.service) {
			continue
		}
		running := runningPid(pidFile(dir, slot.service)) != 0
		explicit := *slot.ptr != 0
		if !explicit {
			if p := remembered[slot.key]; p != 0 && (running || !busy(p)) {
				*slot.ptr = p
			} else if running {
				return fmt.Errorf("rtdwtest: %s runs from %s but its port is not remembered there: set %s, or stop it (rtdwtest down)", slot.service, dir, slot.variable)
			} else {
				p, err := freePort(asked)
				if err != nil {
					return fmt.Errorf("rtdwtest: choosing a port for %s: %w", slot.service, err)
				}
				*slot.ptr = p
			}
		}
		port := *slot.ptr
		if running {
			continue
		}
		if other, ok := asked[port]; ok {
			return fmt.Errorf("%s: port %d (%s) is also asked for by %s: give each its own port", slot.service, port, slot.variable, other)
		}
		asked[port] = fmt.Sprintf("%s (%s)", slot.service, slot.variable)
		if who, ok := WhoListens(port); ok {
			return fmt.Errorf("%s cannot start: port %d is in use by %s; stop that or choose another port with %s=<port>", slot.service, port, who, slot.variable)
		}
	}
	for _, slot := range s.Ports.slots() {
		if *slot.ptr != 0 && slices.Contains(names, slot.service) {
			remembered[slot.key] = *slot.ptr
		}
	}
	return writePorts(dir, remembered)
}

// busy reports whether something listens on port.
func busy(port int) bool {
	_, ok := WhoListens(port)
	return ok
}

// freePort picks a port nothing listens on, below Linux's ephemeral range
// (32768 and up), so that no outgoing connection of another test can hold it
// by chance when the server binds it. Ports already asked for are skipped.
func freePort(taken map[int]string) (int, error) {
	for range 200 {
		p := 20000 + mrand.IntN(12000)
		if _, ok := taken[p]; ok || busy(p) {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		return p, nil
	}
	return 0, errors.New("no free port between 20000 and 32000 after 200 tries")
}

func readPorts(dir string) map[string]int {
	m := map[string]int{}
	if b, err := os.ReadFile(filepath.Join(dir, "ports.json")); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func writePorts(dir string, m map[string]int) error {
	b, _ := json.MarshalIndent(m, "", "  ")
	tmp := filepath.Join(dir, "ports.json.new")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("rtdwtest: remembering ports: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "ports.json"))
}

// known fills the zero ports from those remembered in Dir, for Env and the
// tests' lookups of servers started by another process.
func (s *Services) known(dir string) {
	remembered := readPorts(dir)
	for _, slot := range s.Ports.slots() {
		if *slot.ptr == 0 {
			*slot.ptr = remembered[slot.key]
		}
	}
}

// Down stops the named servers (all when none is named) that run from Dir,
// each by its pid file: TERM, and KILL after 30 s.
func (s *Services) Down(names ...string) error {
	if len(names) == 0 {
		names = AllServices
	}
	dir, err := s.dir()
	if err != nil {
		return err
	}
	for _, n := range names {
		if !slices.Contains(AllServices, n) {
			return fmt.Errorf("rtdwtest: no service %q; the services are: %s", n, strings.Join(AllServices, " "))
		}
	}
	// Reverse start order: the replica before its primary.
	for i := len(AllServices) - 1; i >= 0; i-- {
		if n := AllServices[i]; slices.Contains(names, n) {
			stopPid(pidFile(dir, n), s.logf, n)
		}
	}
	return nil
}

// Running returns the pid of each named server that runs from Dir (0 for one
// that does not).
func (s *Services) Running(names ...string) (map[string]int, error) {
	if len(names) == 0 {
		names = AllServices
	}
	dir, err := s.dir()
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, n := range names {
		m[n] = runningPid(pidFile(dir, n))
	}
	return m, nil
}

// Env returns the variables that point tests at the servers of Dir, as
// NAME=value: RTDW_TEST_MYSQL, RTDW_TEST_MYSQL_REPLICA, RTDW_TEST_MARIADB
// (go-sql-driver DSNs), RTDW_TEST_CLICKHOUSE and RTDW_TEST_ZOOKEEPER
// (host:port), for each server whose port is known.
func (s *Services) Env() ([]string, error) {
	dir, err := s.dir()
	if err != nil {
		return nil, err
	}
	s.known(dir)
	var env []string
	add := func(name string, port int, value string) {
		if port != 0 {
			env = append(env, name+"="+value)
		}
	}
	add(EnvMySQL, s.Ports.MySQL, mysqlDSN(s.Ports.MySQL))
	add(EnvMySQLReplica, s.Ports.MySQLReplica, mysqlDSN(s.Ports.MySQLReplica))
	add(EnvMariaDB, s.Ports.MariaDB, mysqlDSN(s.Ports.MariaDB))
	add(EnvClickHouse, s.Ports.ClickHouse, fmt.Sprintf("127.0.0.1:%d", s.Ports.ClickHouse))
	add(EnvZooKeeper, s.Ports.ZooKeeper, fmt.Sprintf("127.0.0.1:%d", s.Ports.ZooKeeper))
	return env, nil
}

func mysqlDSN(port int) string {
	return fmt.Sprintf("root:%s@tcp(127.0.0.1:%d)/", Password, port)
}
