#!/usr/bin/env bash
# ClickHouse sink throughput beside the plain pipe, in one benchmark run:
#   mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'
# versus
#   BenchmarkSnapshotToClickHouse: the cdc source's snapshot of the same MariaDB table into clickhouse.Sink
#     (and into a no-op handler, the source's own ceiling)
#   BenchmarkSinkVsPipe: the sink alone, fed synthetic snapshot events prepared before the timer
# Both report pipe-rows/s, rows/s, ratio (rows/s / pipe-rows/s), heap-peak-MiB and live-peak-MiB (the peak
# HeapInuse and live heap during the sink's run, above the heap before it).
# Rows: RTDW_BENCH_ROWS (default 2000000); runs: RTDW_BENCH_COUNT (default 3); benchmarks: RTDW_BENCH (a -bench
# pattern). Further arguments go to go test, for example -cpuprofile cpu.prof. Needs scripts/services.sh up.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$top/scripts/services.sh" env)"
cd "$top"
exec go test ./clickhouse/ -run '^$' -bench "${RTDW_BENCH:-BenchmarkSnapshotToClickHouse|BenchmarkSinkVsPipe}" -benchtime 1x -count "${RTDW_BENCH_COUNT:-3}" -benchmem -timeout 30m "$@"
