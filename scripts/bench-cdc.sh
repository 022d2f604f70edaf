#!/usr/bin/env bash
# cdc source throughput and memory, each beside its baseline in the same run, on MariaDB and on MySQL:
#   BenchmarkSnapshot  the SnapshotOnly snapshot (rows/s) beside `mariadb --quick -e 'SELECT * FROM t' > /dev/null`
#                      (plain-rows/s), ratio = rows/s / plain-rows/s, and heap-peak-MiB, for 200k and 2M rows
#   BenchmarkBinlog    the source from SpecificOffset (events/s) beside go-mysql's bare BinlogSyncer (bare-events/s)
#                      over the same 1M row changes (500k inserts, 500k updates), ratio = events/s / bare-events/s
# The tables are loaded once per run in fresh databases that are dropped afterwards. Metrics are medians over the
# iterations (RTDW_BENCH_ITERS, default 3; each iteration is logged). Sizes: RTDW_BENCH_SNAPSHOT_ROWS
# (default 200000,2000000), RTDW_BENCH_BINLOG_ROWS (default 1000000). Which: RTDW_BENCH (a -bench regexp).
# Starts nothing: it needs the servers of `scripts/services.sh up` and the mariadb client. Extra arguments go to
# go test (for example -cpuprofile cpu.out).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$top/scripts/services.sh" env)"
cd "$top"
exec go test ./cdc/mysql/ -run '^$' -bench "${RTDW_BENCH:-BenchmarkSnapshot|BenchmarkBinlog}" \
  -benchtime "${RTDW_BENCH_ITERS:-3}x" -count 1 -timeout 60m "$@"
