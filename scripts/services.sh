#!/usr/bin/env bash
# Local servers for rtdw's integration tests and examples: Oracle MySQL 9.7, MariaDB 10.11 and ClickHouse,
# bound to 127.0.0.1 on non-default ports, with their data under .services/ of this checkout.
#
#   scripts/services.sh up       install what is missing, start what is not running, wait until each answers
#   scripts/services.sh down     stop them by their pid files
#   scripts/services.sh status   say what runs
#   scripts/services.sh env      print the variables that point tests at the servers (eval-able)
#
# Installing needs root and Debian's apt. MariaDB and ClickHouse come from the system's suite; Oracle MySQL comes
# from Debian's sid suite, downloaded with a private apt state and unpacked into .services/mysql-root, never
# installed over the system's libraries: mysqld runs through sid's own dynamic loader.
#
# Settings (environment):
#   RTDW_MYSQL_PORT (13306)  RTDW_MARIADB_PORT (13307)  RTDW_CLICKHOUSE_PORT (19000, native)  RTDW_CLICKHOUSE_HTTP_PORT (18123)
#   RTDW_MYSQL_BINLOG / RTDW_MARIADB_BINLOG   "off" starts that server without a binlog (to see the smoke test fail)
#   RTDW_SERVICES                             which servers: "mysql mariadb clickhouse sshd" (default all four;
#                                             sshd is scripts/sshd.sh, the OpenSSH server of deploy's SSH tests)
#   RTDW_SERVICES_DIR                         where data, logs and pid files go (default .services of the checkout)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state=${RTDW_SERVICES_DIR:-$top/.services}
password="rtdw-test-pw"
mysql_port=${RTDW_MYSQL_PORT:-13306}
mariadb_port=${RTDW_MARIADB_PORT:-13307}
ch_port=${RTDW_CLICKHOUSE_PORT:-19000}
ch_http_port=${RTDW_CLICKHOUSE_HTTP_PORT:-18123}
ch_interserver_port=$((ch_http_port + 1))
services=${RTDW_SERVICES:-mysql mariadb clickhouse sshd}

log() { printf '%s\n' "$*" >&2; }
die() { log "services: $*"; exit 1; }

have_pid() { # pidfile -> 0 when the process in it runs
  [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_for() { # what seconds command...
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  log "services: $what is ready"
}

apt_updated=
apt_install() {
  [[ $(id -u) == 0 ]] || die "installing $* needs root (or install them yourself: apt-get install -y $*)"
  if [[ -z $apt_updated ]]; then
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  log "services: installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}

# Init-file that gives root a password over TCP on 127.0.0.1 (MySQL and MariaDB read the same statements).
write_init_sql() { # file
  cat >"$1" <<EOF
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
EOF
}

binlog_args() { # off|on flavor dir
  if [[ $1 == off ]]; then
    if [[ $2 == mysql ]]; then echo "--disable-log-bin"; else echo "--skip-log-bin"; fi
    return
  fi
  local a="--binlog-format=ROW --binlog-row-image=FULL --server-id=1"
  if [[ $2 == mysql ]]; then
    echo "$a --log-bin=$3/binlog --gtid-mode=ON --enforce-gtid-consistency=ON"
  else
    # MariaDB always has GTIDs; binlog_annotate_row_events carries the statement (Debezium's source.query).
    echo "$a --log-bin=$3/mysql-bin --log-slave-updates --binlog-annotate-row-events=ON"
  fi
}

# ---------------------------------------------------------------------------- installing
# Every package is installed before any server starts, so that no server's start or readiness check depends on
# the install step of another (MySQL's readiness ping uses mariadb-admin, which only MariaDB's packages bring).
install_all() { # services...
  local want=()
  for s in "$@"; do
    case $s in
    mysql) command -v mariadb-admin >/dev/null || want+=(mariadb-client) ;; # the ping client; mysqld is unpacked below
    mariadb) command -v mariadbd >/dev/null || want+=(mariadb-server); command -v mariadb-admin >/dev/null || want+=(mariadb-client) ;;
    clickhouse) command -v clickhouse-server >/dev/null || want+=(clickhouse-server); command -v clickhouse-client >/dev/null || want+=(clickhouse-client) ;;
    esac
  done
  if ((${#want[@]} > 0)); then
    # shellcheck disable=SC2207
    want=($(printf '%s\n' "${want[@]}" | sort -u))
    apt_install "${want[@]}"
  fi
  for s in "$@"; do
    case $s in
    mysql) mysql_unpack ;;
    sshd) "$top/scripts/sshd.sh" install ;;
    esac
  done
}

# ---------------------------------------------------------------------------- MariaDB
mariadb_up() {
  local dir="$state/mariadb"
  if have_pid "$dir/pid"; then log "services: mariadb already runs (pid $(cat "$dir/pid"))"; return; fi
  mkdir -p "$dir/tmp"
  if [[ ! -d $dir/data/mysql ]]; then
    mariadb-install-db --no-defaults --user=root --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  write_init_sql "$dir/init.sql"
  # shellcheck disable=SC2046
  mariadbd --no-defaults --user=root --datadir="$dir/data" --bind-address=127.0.0.1 --port="$mariadb_port" \
    --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/error.log" --skip-name-resolve --tmpdir="$dir/tmp" \
    --init-file="$dir/init.sql" --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --max-connections=500 --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 \
    $(binlog_args "${RTDW_MARIADB_BINLOG:-on}" mariadb "$dir") </dev/null >>"$dir/stdout.log" 2>&1 &
  wait_for mariadb 60 mariadb-admin --no-defaults -uroot -p"$password" -h127.0.0.1 -P"$mariadb_port" ping ||
    { tail -20 "$dir/error.log" >&2; die "mariadb did not answer on 127.0.0.1:$mariadb_port; log: $dir/error.log"; }
}

# ---------------------------------------------------------------------------- Oracle MySQL 9.7 (sid, unpacked)
mysql_root="$top/.services/mysql-root" # binaries, shared by every state dir
mysql_loader() { echo "$mysql_root/usr/lib64/ld-linux-x86-64.so.2 --library-path $mysql_root/usr/lib/x86_64-linux-gnu"; }

mysql_unpack() {
  [[ -x $mysql_root/usr/sbin/mysqld ]] && return
  command -v apt-get >/dev/null || die "Oracle MySQL is unpacked from Debian's sid packages and needs apt-get"
  local apt="$top/.services/mysql-apt"
  mkdir -p "$apt/lists/partial" "$apt/debs" "$apt/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" >"$apt/sources.list"
  local o=(-o "Dir::State::Lists=$apt/lists" -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "Dir::Cache::Archives=$apt/archives" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  log "services: fetching Oracle MySQL from Debian sid (private apt state in $apt)"
  apt-get "${o[@]}" update -qq || die "apt-get update of the sid suite failed"
  local pkgs
  pkgs=$(apt-cache "${o[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances --no-pre-depends mysql-server-core mysql-client-core |
    grep -v '^ ' | grep -v '^<' | grep -Ev '^(perl|libperl|perl-base|perl-modules|debconf|dpkg)' | sort -u)
  (cd "$apt/debs" && apt-get "${o[@]}" download $pkgs >/dev/null) || die "downloading the sid packages failed"
  local rootnew="$mysql_root.new"
  rm -rf "$rootnew" && mkdir -p "$rootnew"
  for d in "$apt"/debs/*.deb; do dpkg -x "$d" "$rootnew"; done
  [[ -x $rootnew/usr/sbin/mysqld ]] || die "the sid packages held no usr/sbin/mysqld"
  mv "$rootnew" "$mysql_root"
}

mysqld_run() { # args...
  # shellcheck disable=SC2046
  $(mysql_loader) "$mysql_root/usr/sbin/mysqld" --no-defaults --basedir="$mysql_root/usr" \
    --lc-messages-dir="$mysql_root/usr/share/mysql" --character-sets-dir="$mysql_root/usr/share/mysql/charsets" \
    --plugin-dir="$mysql_root/usr/lib/mysql/plugin" --datadir="$state/mysql/data" --tmpdir="$state/mysql/tmp" \
    --secure-file-priv="$state/mysql/files" --user=root "$@"
}

mysql_up() {
  local dir="$state/mysql"
  if have_pid "$dir/pid"; then log "services: mysql already runs (pid $(cat "$dir/pid"))"; return; fi
  mysql_unpack
  mkdir -p "$dir/tmp" "$dir/files"
  if [[ ! -d $dir/data/mysql ]]; then
    rm -rf "$dir/data"
    mysqld_run --initialize-insecure --log-error="$dir/init.log" || { cat "$dir/init.log" >&2; die "mysqld --initialize-insecure failed"; }
  fi
  write_init_sql "$dir/init.sql"
  # shellcheck disable=SC2046
  mysqld_run --bind-address=127.0.0.1 --port="$mysql_port" --socket="$dir/sock" --mysqlx=OFF \
    --log-error="$dir/error.log" --pid-file="$dir/pid" --init-file="$dir/init.sql" --skip-name-resolve \
    --max-connections=500 --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
    $(binlog_args "${RTDW_MYSQL_BINLOG:-on}" mysql "$dir") </dev/null >>"$dir/stdout.log" 2>&1 &
  wait_for mysql 60 mariadb-admin --no-defaults --skip-ssl -uroot -p"$password" -h127.0.0.1 -P"$mysql_port" ping ||
    { tail -20 "$dir/error.log" >&2; die "mysql did not answer on 127.0.0.1:$mysql_port; log: $dir/error.log"; }
}

# ---------------------------------------------------------------------------- ClickHouse
clickhouse_up() {
  local dir="$state/clickhouse"
  if have_pid "$dir/pid"; then log "services: clickhouse already runs (pid $(cat "$dir/pid"))"; return; fi
  mkdir -p "$dir/data" "$dir/log"
  sed -e "s#/var/lib/clickhouse/#$dir/data/#g" -e "s#/var/log/clickhouse-server/#$dir/log/#g" \
    -e '/<listen_host>::1<\/listen_host>/d' \
    -e "s#<tcp_port>9000</tcp_port>#<tcp_port>$ch_port</tcp_port>#" \
    -e "s#<http_port>8123</http_port>#<http_port>$ch_http_port</http_port>#" \
    -e "s#<interserver_http_port>9009</interserver_http_port>#<interserver_http_port>$ch_interserver_port</interserver_http_port>#" \
    -e "s#<users_config>users.xml</users_config>#<users_config>$dir/users.xml</users_config>#" \
    /etc/clickhouse-server/config.xml >"$dir/config.xml"
  cp /etc/clickhouse-server/users.xml "$dir/users.xml"
  # This ClickHouse writes no pid file of its own when not daemonised: record the background job's pid.
  clickhouse-server --config-file="$dir/config.xml" </dev/null >>"$dir/log/stdout.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_for clickhouse 60 clickhouse-client --host=127.0.0.1 --port="$ch_port" --query="SELECT 1" ||
    { tail -20 "$dir/log/clickhouse-server.err.log" >&2 || true; die "clickhouse did not answer on 127.0.0.1:$ch_port"; }
}

# ---------------------------------------------------------------------------- OpenSSH (deploy's tests)
sshd_up() { "$top/scripts/sshd.sh" up >/dev/null; }

# ---------------------------------------------------------------------------- down / status / env
stop_pid() { # name pidfile
  local pidfile=$2
  if ! have_pid "$pidfile"; then rm -f "$pidfile"; return; fi
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "services: $1 (pid $pid) ignored TERM for 30 s, killing it"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "services: $1 stopped"
}

env_lines() {
  echo "export RTDW_TEST_MYSQL='root:$password@tcp(127.0.0.1:$mysql_port)/'"
  echo "export RTDW_TEST_MARIADB='root:$password@tcp(127.0.0.1:$mariadb_port)/'"
  echo "export RTDW_TEST_CLICKHOUSE='127.0.0.1:$ch_port'"
  if [[ " $services " == *" sshd "* ]]; then
    "$top/scripts/sshd.sh" status 2>/dev/null | sed -n "s/^\(RTDW_[A-Z_]*\)=\(.*\)$/export \1='\2'/p"
  fi
}

status() {
  local rc=0
  for s in mysql mariadb clickhouse; do
    if have_pid "$state/$s/pid"; then echo "$s: running (pid $(cat "$state/$s/pid"))"; else echo "$s: stopped"; rc=1; fi
  done
  if "$top/scripts/sshd.sh" status >/dev/null 2>&1; then echo "sshd: running"; else echo "sshd: stopped"; rc=1; fi
  return $rc
}

case ${1:-} in
up)
  mkdir -p "$state"
  # shellcheck disable=SC2086
  install_all $services
  for s in $services; do "${s}_up"; done
  log "services: reach them with:"
  env_lines
  ;;
down)
  for s in clickhouse mariadb mysql; do stop_pid "$s" "$state/$s/pid"; done
  # sshd keeps its state in the checkout's .services/sshd whatever RTDW_SERVICES_DIR says: stop it only when asked.
  if [[ " $services " == *" sshd "* ]]; then "$top/scripts/sshd.sh" down; fi
  ;;
status) status ;;
env) env_lines ;;
*) die "usage: scripts/services.sh up|down|status|env" ;;
esac
