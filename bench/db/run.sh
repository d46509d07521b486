#!/usr/bin/env bash
# bench/db/run.sh: `ssrun db` against Debian's redis-server, side by side in one run (make bench-db).
#
# 1. redis-benchmark -t set,get -n 200000 at -P 1 and -P 16, and SET/GET of 1 MiB values
#    (-d 1048576 -n 2000), against both servers, printing ops/s and the ratio ssrun/redis per line.
# 2. Go benchmarks: AI.TENSORSET/AI.TENSORGET of a 1 MiB FLOAT tensor through go-redis against ssrun db,
#    with SET/GET of the same bytes on redis-server as the baseline; and the RESP codec against redcon's.
#
# The ssrun binary is $SSRUN if set, else ./ssrun (built by `make bench`), else `go build -o
# /tmp/ssrun-bench .`; if that binary has no `db` subcommand yet, orchestrator/testdata/ssrundb (the
# same orchestrator.Main) is built instead. Both servers bind 127.0.0.1 on free ports and are stopped
# on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench/db: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done

db_cmd=()
if [[ -n "${SSRUN:-}" ]]; then
  db_cmd=("$SSRUN" db)
elif [[ -x ./ssrun ]] && ./ssrun db --help >/dev/null 2>&1; then
  db_cmd=(./ssrun db)
elif go build -o /tmp/ssrun-bench . 2>/dev/null && /tmp/ssrun-bench db --help >/dev/null 2>&1; then
  db_cmd=(/tmp/ssrun-bench db)
else
  go build -o /tmp/ssrun-bench-db ./orchestrator/testdata/ssrundb
  db_cmd=(/tmp/ssrun-bench-db)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo "bench/db: no free port found" >&2; exit 1
}

wait_ping() {
  for _ in $(seq 200); do
    [[ "$(redis-cli -p "$1" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "bench/db: server on port $1 did not answer PING" >&2; exit 1
}

ssrun_port=$(free_port)
"${db_cmd[@]}" --port "$ssrun_port" --name bench >"$work/ssrun.out" 2>"$work/ssrun.err" &
pids+=($!)
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
wait_ping "$ssrun_port"
wait_ping "$redis_port"
grep -q '^SSRUN_DB_READY ' "$work/ssrun.out" || { echo "bench/db: ssrun db printed no ready line" >&2; exit 1; }

# rps PORT ARGS...: requests per second of each test, as "TEST RPS" lines (redis-benchmark --csv).
rps() {
  local port=$1; shift
  redis-benchmark -p "$port" --csv "$@" 2>/dev/null | tail -n +2 | tr -d '"' | awk -F, '{print $1, $2}'
}

printf '%-34s %14s %14s %8s\n' "benchmark" "ssrun ops/s" "redis ops/s" "ratio"
run_case() {
  local label=$1; shift
  local r s
  # redis first, then ssrun, for each case: alternating keeps slow drifts of a shared machine fair.
  r=$(rps "$redis_port" "$@")
  s=$(rps "$ssrun_port" "$@")
  while read -r test srps; do
    rrps=$(awk -v t="$test" '$1 == t {print $2}' <<<"$r")
    awk -v l="$label $test" -v s="$srps" -v r="$rrps" 'BEGIN { printf "%-34s %14.0f %14.0f %8.2f\n", l, s, r, (r > 0 ? s / r : 0) }'
  done <<<"$s"
}
run_case "-P 1  -n 200000" -t set,get -n 200000 -P 1
run_case "-P 16 -n 200000" -t set,get -n 200000 -P 16
run_case "1 MiB values -n 2000" -t set,get -d 1048576 -n 2000

echo
echo "Go benchmarks (1 MiB through go-redis; codec vs redcon):"
go test -run '^$' -bench 'AITensor1MiB|RedisTensor1MiB|RequestParsing' -benchtime 2s ./orchestrator/ |
  awk '/^Benchmark/ {print}
       /AITensor1MiB\/TENSORSET/ {ts=$3} /AITensor1MiB\/TENSORGET/ {tg=$3}
       /RedisTensor1MiB\/SET/ {rs=$3} /RedisTensor1MiB\/GET/ {rg=$3}
       END { if (rs > 0 && rg > 0) printf "ratio redis-time/ssrun-time: TENSORSET vs SET %.2f, TENSORGET vs GET %.2f\n", rs/ts, rg/tg }'
