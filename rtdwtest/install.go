package rtdwtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// zookeeperJar is the server jar of Debian's zookeeper package.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

// missingPackages lists the Debian packages the named services need and this
// machine lacks. MySQL needs none: it is unpacked privately (mysqlUnpack).
func missingPackages(names []string) []string {
	var want []string
	has := func(prog string) bool { _, err := exec.LookPath(prog); return err == nil }
	for _, n := range names {
		switch n {
		case ServiceMariaDB:
			if !has("mariadbd") || !has("mariadb-install-db") {
				want = append(want, "mariadb-server")
			}
		case ServiceClickHouse:
			if !has("clickhouse-server") {
				want = append(want, "clickhouse-server")
			}
		case ServiceZooKeeper:
			if _, err := os.Stat(zookeeperJar); err != nil || !has("java") {
				want = append(want, "zookeeper") // its dependencies bring a JRE
			}
		}
	}
	sort.Strings(want)
	return slices.Compact(want)
}

// install installs every package the named services lack and unpacks Oracle
// MySQL, all before any server starts, so that no server's start depends on
// another's install step.
func (s *Services) install(ctx context.Context, dir string, names []string) error {
	if pkgs := missingPackages(names); len(pkgs) > 0 {
		if !s.Install {
			return fmt.Errorf("rtdwtest: %s not installed: install with `apt-get install -y %s`, or let rtdwtest install as root (%s=1)",
				strings.Join(pkgs, ", "), strings.Join(pkgs, " "), EnvInstall)
		}
		if os.Geteuid() != 0 {
			return fmt.Errorf("rtdwtest: installing %s needs root (or install them yourself: apt-get install -y %s)", strings.Join(pkgs, " "), strings.Join(pkgs, " "))
		}
		if _, err := exec.LookPath("apt-get"); err != nil {
			return fmt.Errorf("rtdwtest: %s are missing and this machine has no apt-get: install them, or name running servers with %s, %s and %s",
				strings.Join(pkgs, ", "), EnvMySQL, EnvMariaDB, EnvClickHouse)
		}
		if err := run(ctx, nil, "apt-get", "update", "-qq"); err != nil {
			return fmt.Errorf("rtdwtest: apt-get update: %w", err)
		}
		s.logf("installing %s from Debian", strings.Join(pkgs, " "))
		args := append([]string{"install", "-y", "-qq", "--no-install-recommends"}, pkgs...)
		if err := run(ctx, []string{"DEBIAN_FRONTEND=noninteractive"}, "apt-get", args...); err != nil {
			return fmt.Errorf("rtdwtest: apt-get install %s: %w", strings.Join(pkgs, " "), err)
		}
	}
	if slices.Contains(names, ServiceMySQL) || slices.Contains(names, ServiceMySQLReplica) {
		return s.mysqlUnpack(ctx, dir)
	}
	return nil
}

// run runs a command and returns an error holding its output's tail.
func run(ctx context.Context, env []string, name string, args ...string) error {
	_, err := output(ctx, env, name, args...)
	return err
}

func output(ctx context.Context, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tail := strings.TrimSpace(errb.String())
		if len(tail) > 2000 {
			tail = "…" + tail[len(tail)-2000:]
		}
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail)
	}
	return out.String(), nil
}

// mysqlUnpack unpacks Oracle MySQL 9.7 and its libraries from Debian's sid
// suite into MySQLRoot, with a private apt state, never installing them: the
// packages' libc would replace the system's. mysqld runs through sid's own
// dynamic loader (mysqldCommand).
func (s *Services) mysqlUnpack(ctx context.Context, dir string) error {
	root := s.mysqlRoot(dir)
	if _, err := os.Stat(filepath.Join(root, "usr", "sbin", "mysqld")); err == nil {
		return nil
	}
	if !s.Install {
		return fmt.Errorf("rtdwtest: Oracle MySQL is not unpacked in %s: let rtdwtest fetch it from Debian sid (%s=1)", root, EnvInstall)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("rtdwtest: Oracle MySQL is unpacked from Debian's sid packages and needs apt-get: name a running MySQL with %s", EnvMySQL)
	}
	apt := filepath.Join(filepath.Dir(root), filepath.Base(root)+"-apt")
	for _, d := range []string{"lists/partial", "debs", "archives/partial"} {
		if err := os.MkdirAll(filepath.Join(apt, d), 0o755); err != nil {
			return err
		}
	}
	sources := "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main\n"
	if err := os.WriteFile(filepath.Join(apt, "sources.list"), []byte(sources), 0o644); err != nil {
		return err
	}
	o := []string{
		"-o", "Dir::State::Lists=" + filepath.Join(apt, "lists"), "-o", "Dir::Etc::SourceList=" + filepath.Join(apt, "sources.list"),
		"-o", "Dir::Etc::SourceParts=/dev/null", "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
		"-o", "Dir::Cache::Archives=" + filepath.Join(apt, "archives"), "-o", "Debug::NoLocking=1",
	}
	if os.Geteuid() == 0 {
		o = append(o, "-o", "APT::Sandbox::User=root")
	}
	s.logf("fetching Oracle MySQL from Debian sid (private apt state in %s)", apt)
	if err := run(ctx, nil, "apt-get", append(o, "update", "-qq")...); err != nil {
		return fmt.Errorf("rtdwtest: apt-get update of the sid suite: %w", err)
	}
	deps, err := output(ctx, nil, "apt-cache", append(o, "depends", "--recurse", "--no-recommends", "--no-suggests",
		"--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", "--no-pre-depends", "mysql-server-core", "mysql-client-core")...)
	if err != nil {
		return fmt.Errorf("rtdwtest: resolving Oracle MySQL's packages: %w", err)
	}
	var pkgs []string
	for _, line := range strings.Split(deps, "\n") {
		if line == "" || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "<") {
			continue
		}
		switch {
		case line == "perl", line == "perl-base", line == "debconf", line == "dpkg",
			strings.HasPrefix(line, "libperl"), strings.HasPrefix(line, "perl-modules"):
			continue // the server needs no perl; debconf and dpkg are install machinery
		}
		pkgs = append(pkgs, line)
	}
	sort.Strings(pkgs)
	pkgs = slices.Compact(pkgs)
	debs := filepath.Join(apt, "debs")
	cmd := exec.CommandContext(ctx, "apt-get", append(append(o, "download"), pkgs...)...)
	cmd.Dir = debs
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("rtdwtest: downloading the sid packages: %w: %s", err, tail(out))
	}
	fresh := root + ".new"
	_ = os.RemoveAll(fresh)
	if err := os.MkdirAll(fresh, 0o755); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(debs, "*.deb"))
	for _, f := range files {
		if err := run(ctx, nil, "dpkg", "-x", f, fresh); err != nil {
			return fmt.Errorf("rtdwtest: unpacking %s: %w", filepath.Base(f), err)
		}
	}
	if _, err := os.Stat(filepath.Join(fresh, "usr", "sbin", "mysqld")); err != nil {
		return fmt.Errorf("rtdwtest: the sid packages held no usr/sbin/mysqld")
	}
	return os.Rename(fresh, root)
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
