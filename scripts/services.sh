#!/usr/bin/env bash
# Local servers for rtdw's integration tests and examples: Oracle MySQL 9.7 (plus a second one replicating from it),
# MariaDB 10.11, ClickHouse and ZooKeeper 3.8, bound to 127.0.0.1 on non-default ports, with their data under .services/ of this
# checkout.
#
#   scripts/services.sh up       install what is missing, then start what is not running and wait until each answers
#   scripts/services.sh down     stop them by their pid files
#   scripts/services.sh status   say what runs
#   scripts/services.sh env      print the variables that point tests at the servers (eval-able)
#   scripts/services.sh who-listens PORT   say which process listens on a TCP port (exit 1: none); sshd.sh uses it
#
# `up` is idempotent: a server already running from this state dir is checked and reused. It installs every package
# before starting any server, and refuses to start a server on a port that another process holds, naming the
# process and the variable that moves the port. After a start it checks that what answers is the server it started
# (its pid still runs and listens, its port and data dir are the ones asked for), so a stranger on the port is never
# taken for a ready server. Concurrent `up`s on one state dir take turns (flock).
#
# Installing needs root and Debian's apt. MariaDB and ClickHouse come from the system's suite; Oracle MySQL comes
# from Debian's sid suite, downloaded with a private apt state and unpacked into .services/mysql-root, never
# installed over the system's libraries: mysqld runs through sid's own dynamic loader.
#
# Settings (environment):
#   RTDW_MYSQL_PORT (13306)  RTDW_MYSQL_REPLICA_PORT (13308)  RTDW_MARIADB_PORT (13307)  RTDW_SSHD_PORT (2222)
#   RTDW_CLICKHOUSE_PORT (19000, native)  RTDW_CLICKHOUSE_HTTP_PORT (18123)  RTDW_CLICKHOUSE_INTERSERVER_PORT (http + 1)
#   RTDW_ZOOKEEPER_PORT (12181, client)
#   RTDW_MYSQL_BINLOG / RTDW_MARIADB_BINLOG   "off" starts that server without a binlog (to see the smoke test fail;
#                                             mysql-replica needs mysql's binlog: leave it out of RTDW_SERVICES then)
#   RTDW_SERVICES                             which servers: "mysql mysql-replica mariadb clickhouse zookeeper sshd"
#                                             (default all six; mysql-replica is a second MySQL 9.7, a GTID replica of mysql
#                                             for failover tests; sshd is scripts/sshd.sh, the OpenSSH server of
#                                             deploy's SSH tests)
#   RTDW_SERVICES_DIR                         where data, logs and pid files go (default .services of the checkout;
#                                             the unpacked MySQL binaries stay in the checkout's .services/mysql-root)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state=${RTDW_SERVICES_DIR:-$top/.services}
password="rtdw-test-pw"
mysql_port=${RTDW_MYSQL_PORT:-13306}
mysql_replica_port=${RTDW_MYSQL_REPLICA_PORT:-13308}
mariadb_port=${RTDW_MARIADB_PORT:-13307}
ch_port=${RTDW_CLICKHOUSE_PORT:-19000}
ch_http_port=${RTDW_CLICKHOUSE_HTTP_PORT:-18123}
ch_interserver_port=${RTDW_CLICKHOUSE_INTERSERVER_PORT:-$((ch_http_port + 1))}
sshd_port=${RTDW_SSHD_PORT:-2222}
zk_port=${RTDW_ZOOKEEPER_PORT:-12181}
zk_jar=/usr/share/java/zookeeper.jar
all_services="mysql mysql-replica mariadb clickhouse zookeeper sshd"
services=${RTDW_SERVICES:-$all_services}

log() { printf '%s\n' "$*" >&2; }
die() { log "services: $*"; exit 1; }

alive() { # pid -> 0 when that process runs (an exited one awaiting its parent does not count)
  local stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

have_pid() { # pidfile -> 0 when the process in it runs
  [[ -s $1 ]] && alive "$(cat "$1")"
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
# With "unlogged" the statements stay out of the binlog: a replica's own transactions would be GTIDs its source
# never had.
write_init_sql() { # file [unlogged]
  {
    if [[ ${2:-} == unlogged ]]; then echo "SET SESSION sql_log_bin = 0;"; fi
    cat <<EOS
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
EOS
  } >"$1"
}

binlog_args() { # off|on flavor dir server-id
  if [[ $1 == off ]]; then
    if [[ $2 == mysql ]]; then echo "--disable-log-bin"; else echo "--skip-log-bin"; fi
    return
  fi
  local a="--binlog-format=ROW --binlog-row-image=FULL --server-id=$4"
  if [[ $2 == mysql ]]; then
    echo "$a --log-bin=$3/binlog --gtid-mode=ON --enforce-gtid-consistency=ON"
  else
    # MariaDB always has GTIDs; binlog_annotate_row_events carries the statement (Debezium's source.query).
    echo "$a --log-bin=$3/mysql-bin --log-slave-updates --binlog-annotate-row-events=ON"
  fi
}

sql() { # port statements -> tab-separated rows, as root over TCP (the bookworm client speaks to MySQL 9.7 too)
  mariadb --no-defaults --skip-ssl -uroot -p"$password" -h127.0.0.1 -P"$1" -N -B -e "$2"
}

# ---------------------------------------------------------------------------- ports
# The ports a service listens on, one "port variable" a line.
service_ports() { # service
  case $1 in
  mysql) echo "$mysql_port RTDW_MYSQL_PORT" ;;
  mysql-replica) echo "$mysql_replica_port RTDW_MYSQL_REPLICA_PORT" ;;
  mariadb) echo "$mariadb_port RTDW_MARIADB_PORT" ;;
  clickhouse)
    echo "$ch_port RTDW_CLICKHOUSE_PORT"
    echo "$ch_http_port RTDW_CLICKHOUSE_HTTP_PORT"
    echo "$ch_interserver_port RTDW_CLICKHOUSE_INTERSERVER_PORT"
    ;;
  zookeeper) echo "$zk_port RTDW_ZOOKEEPER_PORT" ;;
  sshd) echo "$sshd_port RTDW_SSHD_PORT" ;;
  esac
}

pidfile_of() { # service
  if [[ $1 == sshd ]]; then echo "$state/sshd/sshd.pid"; else echo "$state/$1/pid"; fi
}

# who_listens port: prints who listens on the TCP port on any address ("pid 12 (mariadbd) on 127.0.0.1:13307");
# status 1 when nothing does.
who_listens() {
  if command -v ss >/dev/null; then
    local lines addr who
    lines=$(ss -Hltnp "sport = :$1" 2>/dev/null) || lines=
    [[ -n $lines ]] || return 1
    addr=$(awk 'NR == 1 { print $4 }' <<<"$lines")
    who=$(sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\),.*/pid \2 (\1)/p' <<<"$lines" | head -1)
    echo "${who:-a process that ss cannot name} on $addr"
    return 0
  fi
  # Without ss (iproute2) only a listener on loopback shows, by accepting a connection.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
  echo "a process on 127.0.0.1 (install iproute2 for ss to see which)"
}

# listens port pid: 0 unless ss shows that the port's listener is another process than pid.
listens() {
  command -v ss >/dev/null || return 0
  local lines
  lines=$(ss -Hltnp "sport = :$1" 2>/dev/null) || return 0
  [[ $lines == *"pid=$2,"* ]]
}

# check_ports services...: before anything is installed or started, every port of a service that does not
# already run from this state dir must be free, and no two services may share one.
check_ports() {
  local s port var who
  local -A asked=()
  for s in "$@"; do
    have_pid "$(pidfile_of "$s")" && continue
    while read -r port var; do
      if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "$s: $var=$port is not a TCP port"; fi
      [[ -z ${asked[$port]:-} ]] || die "$s: port $port ($var) is also asked for by ${asked[$port]}: give each its own port"
      asked[$port]="$s ($var)"
      if who=$(who_listens "$port"); then
        die "$s cannot start: port $port is in use by $who; stop that or choose another port with $var=<port>"
      fi
    done < <(service_ports "$s")
  done
}

# await what pid seconds command...: wait until command succeeds, as long as the started process pid runs.
await() {
  local what=$1 pid=$2 secs=$3
  shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    alive "$pid" || { log "services: $what (pid $pid) exited while starting"; return 1; }
    ((SECONDS < deadline)) || { log "services: $what (pid $pid) did not answer within $secs s"; return 1; }
    sleep 0.2
  done
}

# running_here what pid port: a server already running from this state dir is reused only on the port asked for.
running_here() {
  log "services: $1 already runs (pid $2)"
  command -v ss >/dev/null || return 0
  listens "$3" "$2" && return 0
  local ports
  ports=$(ss -Hltnp 2>/dev/null | grep "pid=$2," | awk '{ print $4 }' | sort -u | paste -sd' ') || true
  [[ -z $ports ]] || # else it may still be starting: the caller waits for it
    die "$1: the one running from $state (pid $2) listens on $ports, not on port $3; stop it (scripts/services.sh down) or ask for its port"
}

# start_failed what pid log message: stop what this run started, show its log, fail.
start_failed() {
  if alive "$2"; then kill "$2" 2>/dev/null || true; fi
  tail -20 "$3" >&2 2>/dev/null || true
  die "$1: $4; log: $3"
}

# mysql_is_ours what port dir pid: the server answering on port is pid, started on the data dir of dir.
mysql_is_ours() {
  local got want
  want="$2 $(realpath "$3/data")/"
  got=$(sql "$2" "SELECT CONCAT(@@port, ' ', @@datadir)" 2>&1) ||
    { log "services: $1: 127.0.0.1:$2 answers, but not to this script's root login (another server?): $got"; return 1; }
  [[ $got == "$want" ]] ||
    { log "services: $1: 127.0.0.1:$2 answers from another server: its port and data dir are \"$got\", not \"$want\""; return 1; }
  [[ $(cat "$3/pid" 2>/dev/null) == "$4" ]] ||
    { log "services: $1: its pid file $3/pid does not hold the started pid $4"; return 1; }
  alive "$4" || { log "services: $1 (pid $4) exited"; return 1; }
  listens "$2" "$4" || { log "services: $1: port $2 is held by $(who_listens "$2"), not by pid $4"; return 1; }
}

# ---------------------------------------------------------------------------- installing
# Every package is installed before any server starts, so that no server's start or readiness check depends on
# the install step of another (MySQL's readiness ping uses mariadb-admin, which only MariaDB's packages bring).
install_all() { # services...
  local want=()
  for s in "$@"; do
    case $s in
    mysql | mysql-replica) command -v mariadb-admin >/dev/null || want+=(mariadb-client) ;; # the ping client; mysqld is unpacked below
    mariadb) command -v mariadbd >/dev/null || want+=(mariadb-server); command -v mariadb-admin >/dev/null || want+=(mariadb-client) ;;
    clickhouse) command -v clickhouse-server >/dev/null || want+=(clickhouse-server); command -v clickhouse-client >/dev/null || want+=(clickhouse-client) ;;
    zookeeper) [[ -f $zk_jar ]] && command -v java >/dev/null || want+=(zookeeper) ;; # its dependencies bring a JRE
    esac
  done
  if ((${#want[@]} > 0)); then
    # shellcheck disable=SC2207
    want=($(printf '%s\n' "${want[@]}" | sort -u))
    apt_install "${want[@]}"
  fi
  for s in "$@"; do
    case $s in
    mysql | mysql-replica) mysql_unpack ;;
    sshd) "$top/scripts/sshd.sh" install ;;
    esac
  done
}

# ---------------------------------------------------------------------------- MariaDB
mariadb_ping() { mariadb-admin --no-defaults -uroot -p"$password" -h127.0.0.1 -P"$mariadb_port" ping; }

mariadb_up() {
  local dir="$state/mariadb" pid
  if have_pid "$dir/pid"; then
    pid=$(cat "$dir/pid")
    running_here mariadb "$pid" "$mariadb_port"
    { await mariadb "$pid" 60 mariadb_ping && mysql_is_ours mariadb "$mariadb_port" "$dir" "$pid"; } ||
      die "mariadb: the one running from $dir (pid $pid) is not the server on 127.0.0.1:$mariadb_port; stop it with scripts/services.sh down"
    return
  fi
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
    $(binlog_args "${RTDW_MARIADB_BINLOG:-on}" mariadb "$dir" 1) </dev/null >>"$dir/stdout.log" 2>&1 &
  pid=$!
  { await mariadb "$pid" 60 mariadb_ping && mysql_is_ours mariadb "$mariadb_port" "$dir" "$pid"; } ||
    start_failed mariadb "$pid" "$dir/error.log" "it did not come up as the server on 127.0.0.1:$mariadb_port"
  log "services: mariadb is ready (pid $pid, 127.0.0.1:$mariadb_port)"
}

# ---------------------------------------------------------------------------- Oracle MySQL 9.7 (sid, unpacked)
mysql_root="$top/.services/mysql-root" # binaries, shared by every state dir

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
  mapfile -t pkgs < <(apt-cache "${o[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances --no-pre-depends mysql-server-core mysql-client-core |
    grep -v '^ ' | grep -v '^<' | grep -Ev '^(perl|libperl|perl-base|perl-modules|debconf|dpkg)' | sort -u)
  (cd "$apt/debs" && apt-get "${o[@]}" download "${pkgs[@]}" >/dev/null) || die "downloading the sid packages failed"
  local rootnew="$mysql_root.new"
  rm -rf "$rootnew" && mkdir -p "$rootnew"
  for d in "$apt"/debs/*.deb; do dpkg -x "$d" "$rootnew"; done
  [[ -x $rootnew/usr/sbin/mysqld ]] || die "the sid packages held no usr/sbin/mysqld"
  mv "$rootnew" "$mysql_root"
}

# mysqld_command dir: sets the array mysqld to Oracle MySQL on dir's data, run through sid's loader (so the
# loader's pid is mysqld's pid).
mysqld_command() {
  mysqld=("$mysql_root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$mysql_root/usr/lib/x86_64-linux-gnu"
    "$mysql_root/usr/sbin/mysqld" --no-defaults --basedir="$mysql_root/usr"
    --lc-messages-dir="$mysql_root/usr/share/mysql" --character-sets-dir="$mysql_root/usr/share/mysql/charsets"
    --plugin-dir="$mysql_root/usr/lib/mysql/plugin" --datadir="$1/data" --tmpdir="$1/tmp"
    --secure-file-priv="$1/files" --user=root)
}

mysql_ping() { mariadb-admin --no-defaults --skip-ssl -uroot -p"$password" -h127.0.0.1 -P"$1" ping; }

# mysql_server_up what dir port init-sql-mode args...: start Oracle MySQL on dir (initialised on first use) and
# port, or reuse the one running from dir; wait until it answers as itself.
mysql_server_up() {
  local what=$1 dir=$2 port=$3 init_mode=$4 pid
  shift 4
  if have_pid "$dir/pid"; then
    pid=$(cat "$dir/pid")
    running_here "$what" "$pid" "$port"
    { await "$what" "$pid" 60 mysql_ping "$port" && mysql_is_ours "$what" "$port" "$dir" "$pid"; } ||
      die "$what: the one running from $dir (pid $pid) is not the server on 127.0.0.1:$port; stop it with scripts/services.sh down"
    return
  fi
  mysql_unpack
  local mysqld
  mysqld_command "$dir"
  mkdir -p "$dir/tmp" "$dir/files"
  if [[ ! -d $dir/data/mysql ]]; then
    rm -rf "$dir/data"
    "${mysqld[@]}" --initialize-insecure --log-error="$dir/init.log" || { cat "$dir/init.log" >&2; die "$what: mysqld --initialize-insecure failed"; }
  fi
  write_init_sql "$dir/init.sql" "$init_mode"
  "${mysqld[@]}" --bind-address=127.0.0.1 --port="$port" --socket="$dir/sock" --mysqlx=OFF \
    --log-error="$dir/error.log" --pid-file="$dir/pid" --init-file="$dir/init.sql" --skip-name-resolve \
    --max-connections=500 --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 "$@" </dev/null >>"$dir/stdout.log" 2>&1 &
  pid=$!
  { await "$what" "$pid" 60 mysql_ping "$port" && mysql_is_ours "$what" "$port" "$dir" "$pid"; } ||
    start_failed "$what" "$pid" "$dir/error.log" "it did not come up as the server on 127.0.0.1:$port"
  log "services: $what is ready (pid $pid, 127.0.0.1:$port)"
}

mysql_up() {
  local dir="$state/mysql"
  # shellcheck disable=SC2046
  mysql_server_up mysql "$dir" "$mysql_port" logged --innodb-buffer-pool-size=512M \
    $(binlog_args "${RTDW_MYSQL_BINLOG:-on}" mysql "$dir" 1)
}

# ---------------------------------------------------------------------------- MySQL 9.7 replica of mysql (GTID)
# A second Oracle MySQL following mysql by GTID auto-position, for failover tests: the same transactions under the
# same GTIDs, in binlog files and positions of its own. Its root login and replication settings stay out of its
# binlog, so it holds no transaction the primary lacks. replica_exec_mode=IDEMPOTENT keeps it applying when a
# test's bulk load bypassed the primary's binlog (testenv's ExecSession) and a later logged change touches those
# rows: such rows are missing here and the change is skipped instead of stopping the replica for everyone.
mysql_replica_up() {
  local dir="$state/mysql-replica"
  have_pid "$state/mysql/pid" ||
    die "mysql-replica replicates from the mysql of $state, which does not run: start both (RTDW_SERVICES='mysql mysql-replica ...')"
  [[ $(sql "$mysql_port" "SELECT CONCAT(@@log_bin, ' ', @@gtid_mode)" 2>/dev/null) == "1 ON" ]] ||
    die "mysql-replica needs mysql on 127.0.0.1:$mysql_port with its binlog and GTIDs on (RTDW_MYSQL_BINLOG=off leaves them out): leave mysql-replica out of RTDW_SERVICES"
  # shellcheck disable=SC2046
  mysql_server_up mysql-replica "$dir" "$mysql_replica_port" unlogged --innodb-buffer-pool-size=128M \
    $(binlog_args on mysql "$dir" 2) --log-replica-updates=ON --relay-log="$dir/relay-bin" --replica-exec-mode=IDEMPOTENT \
    --log-error-suppression-list=MY-010584 # the warning for each change so skipped
  replication_up
}

replica_status() { # field -> its value in SHOW REPLICA STATUS (empty when no source is set)
  mariadb --no-defaults --skip-ssl -uroot -p"$password" -h127.0.0.1 -P"$mysql_replica_port" -E -e "SHOW REPLICA STATUS" |
    sed -n "s/^ *$1: //p"
}

replica_running() { [[ $(replica_status Replica_IO_Running) == Yes && $(replica_status Replica_SQL_Running) == Yes ]]; }

# replication_up: point the replica at mysql (once, or again when mysql's port changed), start both replication
# threads if they are not running, and wait until both run.
replication_up() {
  local source_port
  source_port=$(replica_status Source_Port)
  if [[ $source_port != "$mysql_port" ]]; then
    # The replication settings stay out of the binlog anyway; CHANGE ... SOURCE needs the threads stopped.
    sql "$mysql_replica_port" "STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=$mysql_port,
      SOURCE_USER='root', SOURCE_PASSWORD='$password', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1,
      SOURCE_CONNECT_RETRY=1" || die "mysql-replica: CHANGE REPLICATION SOURCE failed"
    log "services: mysql-replica follows mysql on 127.0.0.1:$mysql_port by GTID auto-position"
  fi
  local err
  if ! replica_running && ! err=$(sql "$mysql_replica_port" "START REPLICA" 2>&1); then
    # Its relay logs are unusable (renamed, or lost in a crash): with GTID auto-position they are only a cache,
    # so drop them (RESET REPLICA keeps the source settings) and fetch again what the replica lacks.
    log "services: mysql-replica: START REPLICA failed (${err##*$'\n'}); resetting its relay logs and starting again"
    sql "$mysql_replica_port" "RESET REPLICA; START REPLICA" || die "mysql-replica: START REPLICA failed; log: $state/mysql-replica/error.log"
  fi
  local deadline=$((SECONDS + 60))
  until replica_running; do
    if ((SECONDS >= deadline)); then
      die "mysql-replica: its replication threads do not run (IO: $(replica_status Replica_IO_Running), SQL: $(replica_status Replica_SQL_Running)); last IO error: $(replica_status Last_IO_Error); last SQL error: $(replica_status Last_SQL_Error); log: $state/mysql-replica/error.log"
    fi
    sleep 0.2
  done
  log "services: mysql-replica is replicating from 127.0.0.1:$mysql_port (both threads run)"
}

# ---------------------------------------------------------------------------- ClickHouse
# clickhouse_is_ours dir pid: the server answering on the native port is pid, on the data of dir, and it holds the
# HTTP and interserver ports too.
clickhouse_is_ours() {
  local got want port
  want="$(realpath "$1/data")/data/system/"
  got=$(clickhouse-client --host=127.0.0.1 --port="$ch_port" --query="SELECT data_path FROM system.databases WHERE name = 'system'" 2>&1) ||
    { log "services: clickhouse: 127.0.0.1:$ch_port answers, but not to a query: $got"; return 1; }
  [[ $got == "$want" ]] ||
    { log "services: clickhouse: 127.0.0.1:$ch_port answers from another server: its data path is \"$got\", not \"$want\""; return 1; }
  grep -qx "PID: $2" "$1/data/status" 2>/dev/null ||
    { log "services: clickhouse: $1/data/status does not name the started pid $2"; return 1; }
  alive "$2" || { log "services: clickhouse (pid $2) exited"; return 1; }
  for port in "$ch_port" "$ch_http_port" "$ch_interserver_port"; do
    listens "$port" "$2" || { log "services: clickhouse: port $port is held by $(who_listens "$port"), not by pid $2"; return 1; }
  done
}

clickhouse_ping() { clickhouse-client --host=127.0.0.1 --port="$ch_port" --query="SELECT 1"; }

clickhouse_up() {
  local dir="$state/clickhouse" pid
  if have_pid "$dir/pid"; then
    pid=$(cat "$dir/pid")
    running_here clickhouse "$pid" "$ch_port"
    { await clickhouse "$pid" 60 clickhouse_ping && clickhouse_is_ours "$dir" "$pid"; } ||
      die "clickhouse: the one running from $dir (pid $pid) is not the server on 127.0.0.1:$ch_port; stop it with scripts/services.sh down"
    return
  fi
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
  pid=$!
  echo "$pid" >"$dir/pid"
  { await clickhouse "$pid" 60 clickhouse_ping && clickhouse_is_ours "$dir" "$pid"; } || {
    rm -f "$dir/pid"
    start_failed clickhouse "$pid" "$dir/log/clickhouse-server.err.log" "it did not come up as the server on 127.0.0.1:$ch_port"
  }
  log "services: clickhouse is ready (pid $pid, 127.0.0.1:$ch_port)"
}

# ---------------------------------------------------------------------------- ZooKeeper 3.8
# Debian's zookeeper package, run as a standalone server from its jar (not its init script): client port on
# 127.0.0.1 only, no AdminServer (it would take 8080), and the four-letter words srvr (readiness: `ruok` answers
# before the server serves) and conf (which data dir the answering server has).
zk_word() { # word -> the server's answer on the client port
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf %s "$2" >&3 && cat <&3' _ "$zk_port" "$1"
}

zk_ping() { [[ $(zk_word srvr 2>/dev/null) == *"Mode: standalone"* ]]; }

# zookeeper_is_ours dir pid: the server answering on the client port is pid, on the data of dir.
zookeeper_is_ours() {
  local got want
  want="dataDir=$(realpath "$1/data")/version-2" # the server reports its snapshot dir
  got=$(zk_word conf 2>&1) || { log "services: zookeeper: 127.0.0.1:$zk_port does not answer conf: $got"; return 1; }
  grep -qxF "$want" <<<"$got" ||
    { log "services: zookeeper: 127.0.0.1:$zk_port answers from another server: its conf lacks \"$want\""; return 1; }
  alive "$2" || { log "services: zookeeper (pid $2) exited"; return 1; }
  listens "$zk_port" "$2" || { log "services: zookeeper: port $zk_port is held by $(who_listens "$zk_port"), not by pid $2"; return 1; }
}

zookeeper_up() {
  local dir="$state/zookeeper" pid
  if have_pid "$dir/pid"; then
    pid=$(cat "$dir/pid")
    running_here zookeeper "$pid" "$zk_port"
    { await zookeeper "$pid" 60 zk_ping && zookeeper_is_ours "$dir" "$pid"; } ||
      die "zookeeper: the one running from $dir (pid $pid) is not the server on 127.0.0.1:$zk_port; stop it with scripts/services.sh down"
    return
  fi
  mkdir -p "$dir/data"
  cat >"$dir/zoo.cfg" <<EOC
tickTime=2000
dataDir=$(realpath "$dir/data")
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,conf
EOC
  java -Dzookeeper.log.dir="$dir" -cp "$zk_jar" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pid"
  { await zookeeper "$pid" 60 zk_ping && zookeeper_is_ours "$dir" "$pid"; } || {
    rm -f "$dir/pid"
    start_failed zookeeper "$pid" "$dir/stdout.log" "it did not come up as the server on 127.0.0.1:$zk_port"
  }
  log "services: zookeeper is ready (pid $pid, 127.0.0.1:$zk_port)"
}

# ---------------------------------------------------------------------------- OpenSSH (deploy's tests)
sshd_up() { "$top/scripts/sshd.sh" up >/dev/null; }

# ---------------------------------------------------------------------------- down / status / env
stop_pid() { # name pidfile
  local pidfile=$2
  if ! have_pid "$pidfile"; then rm -f "$pidfile"; return; fi
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
  if alive "$pid"; then log "services: $1 (pid $pid) ignored TERM for 30 s, killing it"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "services: $1 stopped"
}

env_lines() {
  echo "export RTDW_TEST_MYSQL='root:$password@tcp(127.0.0.1:$mysql_port)/'"
  echo "export RTDW_TEST_MYSQL_REPLICA='root:$password@tcp(127.0.0.1:$mysql_replica_port)/'"
  echo "export RTDW_TEST_MARIADB='root:$password@tcp(127.0.0.1:$mariadb_port)/'"
  echo "export RTDW_TEST_CLICKHOUSE='127.0.0.1:$ch_port'"
  echo "export RTDW_TEST_ZOOKEEPER='127.0.0.1:$zk_port'"
  if [[ " $services " == *" sshd "* ]]; then
    "$top/scripts/sshd.sh" status 2>/dev/null | sed -n "s/^\(RTDW_[A-Z_]*\)=\(.*\)$/export \1='\2'/p"
  fi
}

status() {
  local rc=0
  for s in mysql mysql-replica mariadb clickhouse zookeeper; do
    if have_pid "$state/$s/pid"; then echo "$s: running (pid $(cat "$state/$s/pid"))"; else echo "$s: stopped"; rc=1; fi
  done
  if "$top/scripts/sshd.sh" status >/dev/null 2>&1; then echo "sshd: running"; else echo "sshd: stopped"; rc=1; fi
  return $rc
}

for s in $services; do
  [[ " $all_services " == *" $s "* ]] || die "RTDW_SERVICES names \"$s\"; the services are: $all_services"
done

case ${1:-} in
up)
  mkdir -p "$state"
  if [[ -z ${RTDW_SERVICES_UP_LOCKED:-} ]] && command -v flock >/dev/null; then
    # One `up` at a time per state dir (two `make test`s at once): the second waits, then reuses what the first
    # started. -o: the servers started below do not inherit the lock.
    RTDW_SERVICES_UP_LOCKED=1 exec flock -o "$state/.up.lock" "$0" "$@"
  fi
  # shellcheck disable=SC2086
  check_ports $services
  # shellcheck disable=SC2086
  install_all $services
  for s in $services; do "${s//-/_}_up"; done
  log "services: reach them with:"
  env_lines
  ;;
down)
  for s in zookeeper clickhouse mariadb mysql-replica mysql; do stop_pid "$s" "$state/$s/pid"; done
  if [[ " $services " == *" sshd "* ]]; then "$top/scripts/sshd.sh" down; fi
  ;;
status) status ;;
env) env_lines ;;
who-listens)
  [[ ${2:-} =~ ^[0-9]+$ ]] || die "usage: scripts/services.sh who-listens PORT"
  who_listens "$2"
  ;;
*) die "usage: scripts/services.sh up|down|status|env|who-listens PORT" ;;
esac
