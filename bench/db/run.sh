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
# The same server held to one core, like redis-server's single command thread: on a small machine the
# load generator needs the other cores.
ssrun1_port=$(free_port)
GOMAXPROCS=1 "${db_cmd[@]}" --port "$ssrun1_port" --name bench1 >"$work/ssrun1.out" 2>"$work/ssrun1.err" &
pids+=($!)
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
wait_ping "$ssrun_port"
wait_ping "$ssrun1_port"
wait_ping "$redis_port"
grep -q '^SSRUN_DB_READY ' "$work/ssrun.out" || { echo "bench/db: ssrun db printed no ready line" >&2; exit 1; }

# rps PORT ARGS...: requests per second of each test, as "TEST RPS" lines (redis-benchmark --csv).
rps() {
  local port=$1; shift
  redis-benchmark -p "$port" --csv "$@" 2>/dev/null | tail -n +2 | tr -d '"' | awk -F, '{print $1, $2}'
}

echo "ssrun: all cores (GOMAXPROCS default $(nproc)); ssrun/1: GOMAXPROCS=1; ratio = ssrun ops/s / redis ops/s"
printf '%-30s %12s %12s %12s %7s %9s\n' "benchmark" "ssrun" "ssrun/1" "redis" "ratio" "ratio/1"
run_case() {
  local label=$1; shift
  local r s s1
  # The three servers in turn for each case, so slow drifts of a shared machine hit them alike.
  r=$(rps "$redis_port" "$@")
  s=$(rps "$ssrun_port" "$@")
  s1=$(rps "$ssrun1_port" "$@")
  while read -r test srps; do
    rrps=$(awk -v t="$test" '$1 == t {print $2}' <<<"$r")
    s1rps=$(awk -v t="$test" '$1 == t {print $2}' <<<"$s1")
    awk -v l="$label $test" -v s="$srps" -v s1="$s1rps" -v r="$rrps" 'BEGIN {
      printf "%-30s %12.0f %12.0f %12.0f %7.2f %9.2f\n", l, s, s1, r, (r > 0 ? s / r : 0), (r > 0 ? s1 / r : 0) }'
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
