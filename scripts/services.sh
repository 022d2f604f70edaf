#!/usr/bin/env bash
# Local servers for rtdw's integration tests and examples: Oracle MySQL 9.7 (plus a second one replicating from it),
# MariaDB 10.11, ClickHouse, ZooKeeper 3.8 and OpenSSH, bound to 127.0.0.1 on non-default ports, with their data
# under .services/ of this checkout.
#
#   scripts/services.sh up       install what is missing, then start what is not running and wait until each answers
#   scripts/services.sh down     stop them by their pid files
#   scripts/services.sh status   say what runs
#   scripts/services.sh env      print the variables that point tests at the servers (eval-able)
#   scripts/services.sh who-listens PORT   say which process listens on a TCP port (exit 1: none); sshd.sh uses it
#
# A thin wrapper: the servers are started, checked and stopped by the Go package rtdwtest (its command
# rtdwtest/cmd/rtdwtest), the same code the tests of a downstream repository use; this script only fixes this
# checkout's state dir and ports, and adds the OpenSSH server of deploy's tests (scripts/sshd.sh).
#
# `up` is idempotent: a server already running from this state dir is checked and reused. It installs every package
# (openssh-server first, then the Debian packages the servers need, then Oracle MySQL unpacked from sid) before
# starting any server, and refuses to start a server on a port that another process holds, naming the process and
# the variable that moves the port. After a start it checks that what answers is the server it started (its pid
# still runs and listens, its port and data dir are the ones asked for), so a stranger on the port is never taken
# for a ready server. Concurrent `up`s on one state dir take turns (a lock on .up.lock of the state dir).
#
# Installing needs root and Debian's apt. MariaDB, ClickHouse and ZooKeeper come from the system's suite; Oracle
# MySQL comes from Debian's sid suite, downloaded with a private apt state and unpacked into .services/mysql-root,
# never installed over the system's libraries: mysqld runs through sid's own dynamic loader.
#
# Settings (environment):
#   RTDW_MYSQL_PORT (13306)  RTDW_MYSQL_REPLICA_PORT (13308)  RTDW_MARIADB_PORT (13307)  RTDW_SSHD_PORT (2222)
#   RTDW_CLICKHOUSE_PORT (19000, native)  RTDW_CLICKHOUSE_HTTP_PORT (18123)  RTDW_CLICKHOUSE_INTERSERVER_PORT (http + 1)
#   RTDW_ZOOKEEPER_PORT (12181, client)
#   RTDW_MYSQL_BINLOG / RTDW_MARIADB_BINLOG   "off" starts that server without a binlog (to see the smoke test fail;
#                                             mysql-replica needs mysql's binlog: leave it out of RTDW_SERVICES then)
#   RTDW_SERVICES                             which servers: "mysql mysql-replica mariadb clickhouse zookeeper sshd"
#                                             (default all six; mysql-replica is a second MySQL 9.7, a GTID replica of
#                                             mysql for failover tests, and brings mysql along; sshd is scripts/sshd.sh,
#                                             the OpenSSH server of deploy's SSH tests)
#   RTDW_SERVICES_DIR                         where data, logs and pid files go (default .services of the checkout;
#                                             the unpacked MySQL binaries stay in the checkout's .services/mysql-root)
#   RTDW_TEST_INSTALL                         "0": install nothing (a missing package is an error naming it)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export RTDW_SERVICES_DIR=${RTDW_SERVICES_DIR:-$top/.services}
export RTDW_MYSQL_ROOT=${RTDW_MYSQL_ROOT:-$top/.services/mysql-root}
export RTDW_MYSQL_PORT=${RTDW_MYSQL_PORT:-13306}
export RTDW_MYSQL_REPLICA_PORT=${RTDW_MYSQL_REPLICA_PORT:-13308}
export RTDW_MARIADB_PORT=${RTDW_MARIADB_PORT:-13307}
export RTDW_CLICKHOUSE_PORT=${RTDW_CLICKHOUSE_PORT:-19000}
export RTDW_CLICKHOUSE_HTTP_PORT=${RTDW_CLICKHOUSE_HTTP_PORT:-18123}
export RTDW_CLICKHOUSE_INTERSERVER_PORT=${RTDW_CLICKHOUSE_INTERSERVER_PORT:-$((RTDW_CLICKHOUSE_HTTP_PORT + 1))}
export RTDW_ZOOKEEPER_PORT=${RTDW_ZOOKEEPER_PORT:-12181}
all_services="mysql mysql-replica mariadb clickhouse zookeeper sshd"
services=${RTDW_SERVICES:-$all_services}

die() { printf 'services: %s\n' "$*" >&2; exit 1; }

servers= # the services rtdwtest runs: all but sshd
sshd=
for s in $services; do
  [[ " $all_services " == *" $s "* ]] || die "RTDW_SERVICES names \"$s\"; the services are: $all_services"
  if [[ $s == sshd ]]; then sshd=1; else servers+="$s "; fi
done

rtdwtest() { # the Go command, built from this checkout (go's build cache makes repeats cheap)
  (cd "$top" && go run ./rtdwtest/cmd/rtdwtest "$@")
}

case ${1:-} in
up)
  mkdir -p "$RTDW_SERVICES_DIR"
  if [[ -n $sshd ]]; then "$top/scripts/sshd.sh" install; fi # every package before any server starts
  if [[ -n $servers ]]; then RTDW_SERVICES=$servers rtdwtest up >/dev/null; fi
  if [[ -n $sshd ]]; then
    # One sshd `up` at a time per state dir; -o: the server does not inherit the lock.
    if command -v flock >/dev/null; then flock -o "$RTDW_SERVICES_DIR/.sshd.lock" "$top/scripts/sshd.sh" up >/dev/null
    else "$top/scripts/sshd.sh" up >/dev/null; fi
  fi
  "$0" env
  ;;
down)
  if [[ -n $servers ]]; then RTDW_SERVICES=$servers rtdwtest down; fi
  if [[ -n $sshd ]]; then "$top/scripts/sshd.sh" down; fi
  ;;
status)
  rc=0
  RTDW_SERVICES="mysql mysql-replica mariadb clickhouse zookeeper" rtdwtest status || rc=1
  if "$top/scripts/sshd.sh" status >/dev/null 2>&1; then echo "sshd: running"; else echo "sshd: stopped"; rc=1; fi
  exit $rc
  ;;
env)
  RTDW_SERVICES= rtdwtest env
  if [[ -n $sshd ]]; then
    "$top/scripts/sshd.sh" status 2>/dev/null | sed -n "s/^\(RTDW_[A-Z_]*\)=\(.*\)$/export \1='\2'/p"
  fi
  ;;
who-listens)
  [[ ${2:-} =~ ^[0-9]+$ ]] || die "usage: scripts/services.sh who-listens PORT"
  # Exit status 1 when nothing listens; go run's own "exit status 1" line on stderr would only be noise.
  rtdwtest who-listens "$2" 2>/dev/null
  ;;
*) die "usage: scripts/services.sh up|down|status|env|who-listens PORT" ;;
esac
