#!/usr/bin/env bash
# The embedded pipeline's figures beside the plain pipe, in one benchmark run (cdc/pipeline/bench_test.go):
#   BenchmarkPipelineSnapshot: a MariaDB table of RTDW_BENCH_ROWS rows (default 2000000) copied into ClickHouse by
#     mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'   (pipe-rows/s)
#     the pipeline into a sink that drops the rows                                                  (source-rows/s)
#     the pipeline into the clickhouse sink                                                         (rows/s, ratio)
#     the same with a projection and a filter                                        (transformed-rows/s, -ratio)
#     and heap-MiB, the peak HeapInuse of the plain run.
#   BenchmarkPipelineBinlog: range UPDATEs at RTDW_BENCH_RATE row changes/s (default 20000) for RTDW_BENCH_SECONDS
#     (default 15) while the pipeline streams them: written-rows/s (what the server sustained), delivered-rows/s, and
#     p50/p99/max lag from each row's commit to its ClickHouse insert returning.
# Runs: RTDW_BENCH_COUNT (default 1); benchmarks: RTDW_BENCH (a -bench pattern). Needs scripts/services.sh up.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$top/scripts/services.sh" env)"
cd "$top"
exec go test ./cdc/pipeline/ -run '^$' -bench "${RTDW_BENCH:-BenchmarkPipelineSnapshot|BenchmarkPipelineBinlog}" -benchtime 1x -count "${RTDW_BENCH_COUNT:-1}" -timeout 30m "$@"
