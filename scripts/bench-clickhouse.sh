#!/usr/bin/env bash
# Sink throughput beside the plain pipe, in one benchmark run:
#   mariadb --quick -e 'SELECT ...' | clickhouse-client --query 'INSERT ... FORMAT TabSeparated'
# versus clickhouse.Sink writing the same rows as cdc snapshot events.
# Rows: RTDW_BENCH_ROWS (default 2000000). Needs scripts/services.sh up.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$top/scripts/services.sh" env)"
cd "$top"
exec go test ./clickhouse/ -run '^$' -bench 'BenchmarkSinkVsPipe' -benchtime 1x -count "${RTDW_BENCH_COUNT:-3}" -benchmem "$@"
