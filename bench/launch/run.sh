#!/usr/bin/env bash
# run.sh — the launch benchmark (`make bench-launch`):
#  1. launchers/local against `xargs -P2`, `xargs -P0` and bare os/exec on 1,000 `true` members
#     (BenchmarkLaunch1000), and the OS threads held while 300 members are alive (BenchmarkThreads300);
#  2. when SSRUN_BENCH_CMD is set, the full stack through compare.sh, e.g.
#       SSRUN_BENCH_CMD="./ssrun examples/bench_ensemble.star" make bench-launch
# BENCHTIME (default 3x) sets the iterations of step 1.
set -euo pipefail
cd "$(dirname "$0")/../.."

go test -run '^$' -bench 'Launch1000' -benchtime "${BENCHTIME:-3x}" ./bench/launch/
go test -run '^$' -bench 'Threads300' -benchtime 1x ./bench/launch/

if [[ -n "${SSRUN_BENCH_CMD:-}" ]]; then
	bash bench/launch/compare.sh "$SSRUN_BENCH_CMD"
fi
