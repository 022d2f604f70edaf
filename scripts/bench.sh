#!/usr/bin/env bash
# MySQL/MariaDB into ClickHouse beside the plain ways of doing it, each figure printed beside its baseline from the
# same run (`make bench`):
#   BenchmarkSnapshotToClickHouse  the SnapshotOnly snapshot into the ClickHouse sink (rows/s, cpu-ns/row,
#       rss-peak-MiB) beside `mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT
#       TabSeparated'` (pipe-rows/s, pipe-cpu-ns/row), on a 5-column table (bench) and the 8-column one of issue 15
#       (wide), RTDW_BENCH_ROWS rows (default 2000000); also the ClickHouse and MariaDB servers' CPU per row in each
#       (ch-cpu-ns/row, db-cpu-ns/row, pipe-ch-cpu-ns/row, pipe-db-cpu-ns/row)
#   BenchmarkBinlogToClickHouse    a live UPDATE of RTDW_BENCH_BINLOG_ROWS rows (default 1000000) through the source
#       into the sink (s, rows/s, cpu-ns/row) beside go-mysql's bare BinlogSyncer with a batch insert (bare-s,
#       bare-rows/s, bare-cpu-ns/row)
#   BenchmarkSmallTable            the fixed cost before the first row of a 100-row table (first-row-ms, ms) beside the
#       pipe (pipe-ms)
#   BenchmarkSinkBuffer, BenchmarkDecodeSnapshotRow  the hot paths' ns and allocs per row, no server needed
#   BenchmarkSelectChunk           one snapshot chunk (8096 rows of bench and of wide) read from MariaDB on a reader's
#       go-mysql connection beside the database/sql path it replaced (cpu-ns/row, allocs/op)
#   BenchmarkSnapshotCheckpoint    the checkpoint's cost per chunk of a 250- and a 2,500-chunk snapshot, beside saving
#       before every chunk (each-chunk), no server needed
# The server benchmarks run RTDW_BENCH_COUNT times (default 3) and log the load average; RTDW_BENCH (a -bench regexp)
# runs only the server benchmarks it names. Needs `scripts/services.sh up`; installs the mariadb and clickhouse-client
# programs when they are missing (as root; RTDW_TEST_INSTALL=0 refuses). Extra arguments go to go test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$top/scripts/services.sh" env)"
cd "$top"
# The pipe's programs (program:Debian package); clickhouse-client is not among the servers' packages. Installed as
# rtdwtest installs the servers' (apt-get update first: a fresh machine has no package lists).
missing=()
for pair in clickhouse-client:clickhouse-client mariadb:mariadb-client; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  if [[ ${RTDW_TEST_INSTALL:-1} == 0 || $(id -u) != 0 ]]; then
    echo "bench.sh: missing Debian packages ${missing[*]}: install them (apt-get install ${missing[*]})" >&2; exit 1
  fi
  echo "# installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The servers' pids, for their CPU time per row beside the pipe's.
sd=${RTDW_SERVICES_DIR:-.services}
if [[ -r $sd/clickhouse/pid && -r $sd/mariadb/pid ]]; then
  RTDW_BENCH_CH_PID=$(cat "$sd/clickhouse/pid") RTDW_BENCH_DB_PID=$(cat "$sd/mariadb/pid")
  export RTDW_BENCH_CH_PID RTDW_BENCH_DB_PID
fi
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -z "${RTDW_BENCH:-}" ]]; then
  go test ./cdc/mysql/ -run '^$' -bench 'BenchmarkDecodeSnapshotRow|BenchmarkSelectChunk|BenchmarkSnapshotCheckpoint' -benchmem -count 1
  go test ./clickhouse/ -run '^$' -bench 'BenchmarkSinkBuffer' -benchmem -count 1
fi
exec go test ./clickhouse/ -run '^$' \
  -bench "${RTDW_BENCH:-BenchmarkSmallTable|BenchmarkSnapshotToClickHouse|BenchmarkBinlogToClickHouse}" \
  -benchtime 1x -count "${RTDW_BENCH_COUNT:-3}" -benchmem -timeout 60m "$@"
