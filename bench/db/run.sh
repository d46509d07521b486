#!/usr/bin/env bash
# bench/db/run.sh: `ssrun db` against Debian's redis-server, side by side in one run (make bench-db).
#
# Three servers run at once on free loopback ports: redis-server (--save '' --appendonly no), ssrun db
# with GOMAXPROCS=2 ("ssrun/2") and with GOMAXPROCS=1 ("ssrun/1", one core like redis-server's command
# thread). Every case is run against the three in turn, ROUNDS times (the order rotating each round), and
# the table gives medians: ops/s, p50 and p99 latency in ms, and the ratios ssrun/redis (ops/s: above 1
# is faster; latency: below 1 is faster). On a shared machine single runs swing widely; medians of
# interleaved rounds do not remove the noise, they keep it from favouring one server.
#
# Cases:
#   SET/GET of 3 B, 4 KiB, 64 KiB and 1 MiB values at -P 1 and -P 16, 50 clients (redis-benchmark);
#   AI.TENSORSET / AI.TENSORGET META BLOB of 4 KiB, 64 KiB, 1 MiB and 16 MiB float32 tensors on ssrun
#   against SET / GET of the same bytes on redis-server (bench/db/load, 16 clients, -P 1).
#
# Environment: ROUNDS (default 3); BASELINE=PATH adds a fourth server, that ssrun binary (an earlier build)
# at GOMAXPROCS=2 ("base/2"), to every round, and a table of ssrun/2 against it; BENCH_SMOKE=1 runs tiny sizes once (CI checks that the benchmark
# still runs: `make bench-smoke`); SSRUN (a binary with a `db` subcommand) or SSRUN_DB (a binary taking
# `ssrun db`'s flags itself, such as orchestrator/testdata/ssrundb); otherwise ./ssrun or a fresh build.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench/db: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done

smoke=${BENCH_SMOKE:-0}
rounds=${ROUNDS:-3}
[[ $smoke == 1 ]] && rounds=1

work=$(mktemp -d)
db_cmd=()
if [[ -n "${SSRUN_DB:-}" ]]; then
  db_cmd=("$SSRUN_DB")
elif [[ -n "${SSRUN:-}" ]]; then
  db_cmd=("$SSRUN" db)
elif [[ -x ./ssrun ]] && ./ssrun db --help >/dev/null 2>&1; then
  db_cmd=(./ssrun db)
else
  go build -o "$work/ssrun" . && db_cmd=("$work/ssrun" db)
fi
load="$work/load"
go build -o "$load" ./bench/db/load

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

declare -A port
port[ssrun/2]=$(free_port)
GOMAXPROCS=2 "${db_cmd[@]}" --port "${port[ssrun/2]}" --name bench2 >"$work/ssrun2.out" 2>"$work/ssrun2.err" &
pids+=($!)
port[ssrun/1]=$(free_port)
GOMAXPROCS=1 "${db_cmd[@]}" --port "${port[ssrun/1]}" --name bench1 >"$work/ssrun1.out" 2>"$work/ssrun1.err" &
pids+=($!)
port[redis]=$(free_port)
redis-server --bind 127.0.0.1 --port "${port[redis]}" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
servers=(redis ssrun/2 ssrun/1)
if [[ -n "${BASELINE:-}" ]]; then
  port[base/2]=$(free_port)
  GOMAXPROCS=2 "$BASELINE" db --port "${port[base/2]}" --name base2 >"$work/base2.out" 2>"$work/base2.err" &
  pids+=($!)
  servers+=(base/2)
fi
for s in "${servers[@]}"; do wait_ping "${port[$s]}"; done
grep -q '^SSRUN_DB_READY ' "$work/ssrun2.out" || { echo "bench/db: ssrun db printed no ready line" >&2; exit 1; }

results="$work/results" # lines: CASE SERVER RPS P50 P99
: >"$results"

# bench_kv CASE SERVER redis-benchmark-args...: one SET and one GET line per run.
bench_kv() {
  local case=$1 server=$2; shift 2
  redis-benchmark -p "${port[$server]}" --csv -c 50 -t set,get "$@" 2>/dev/null | tail -n +2 | tr -d '"' |
    awk -F, -v c="$case" -v s="$server" '{print c "_" $1, s, $2, $5, $7}' >>"$results"
}

# bench_tensor CASE SERVER OP SIZE N: ssrun gets the AI.TENSOR* op, redis-server plain SET/GET.
bench_tensor() {
  local case=$1 server=$2 op=$3 size=$4 n=$5
  if [[ $server == redis ]]; then op=${op#tensor}; fi
  echo "$case $server $("$load" -addr "127.0.0.1:${port[$server]}" -op "$op" -size "$size" -c 16 -n "$n")" >>"$results"
  redis-cli -p "${port[$server]}" flushall >/dev/null
}

# servers_for ROUND: the servers, rotated by the round number.
servers_for() {
  local n=${#servers[@]} r=$1
  echo "${servers[@]:r%n}" "${servers[@]:0:r%n}"
}

if [[ $smoke == 1 ]]; then
  kv_sizes=(3 4096); tensor_sizes=(4096)
else
  kv_sizes=(3 4096 65536 1048576); tensor_sizes=(4096 65536 1048576 16777216)
fi
# requests N for a value size and pipeline: enough for a second or more per run on this machine, and a
# bounded number of bytes for large values.
requests() {
  local size=$1 p=$2
  if [[ $smoke == 1 ]]; then echo 2000; return; fi
  case $size in
    3) [[ $p == 1 ]] && echo 150000 || echo 200000 ;;
    4096) echo 100000 ;;
    65536) echo 10000 ;;
    # -P 16: five batches of 16 per client. One batch each (800) measured a single burst of 50 clients
    # sending 16 MiB at once, whose rate swung 250-900 req/s between runs of the same build.
    *) [[ $p == 1 ]] && echo 1000 || echo 4000 ;;
  esac
}
tensor_requests() {
  if [[ $smoke == 1 ]]; then echo 160; return; fi
  case $1 in 4096) echo 20000 ;; 65536) echo 10000 ;; 1048576) echo 1000 ;; *) echo 64 ;; esac
}

label() { # a value size as 3B, 4KiB, 64KiB, 1MiB, 16MiB
  local b=$1
  if ((b >= 1048576)); then echo "$((b / 1048576))MiB"; elif ((b >= 1024)); then echo "$((b / 1024))KiB"; else echo "${b}B"; fi
}

echo "bench/db: $rounds round(s), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for ((r = 0; r < rounds; r++)); do
  for size in "${kv_sizes[@]}"; do
    for p in 1 16; do
      for s in $(servers_for "$r"); do
        bench_kv "$(label "$size")_-P$p" "$s" -d "$size" -P "$p" -n "$(requests "$size" "$p")"
      done
    done
  done
  for size in "${tensor_sizes[@]}"; do
    for op in tensorset tensorget; do
      for s in $(servers_for "$r"); do
        bench_tensor "$(label "$size")_${op^^}" "$s" "$op" "$size" "$(tensor_requests "$size")"
      done
    done
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: compare ratios, not absolute figures)"
echo "medians of $rounds round(s); ratio = ssrun / redis-server (ops/s: >1 faster; p50/p99: <1 faster);"
echo "TENSOR rows: AI.TENSORSET / AI.TENSORGET META BLOB on ssrun vs SET / GET of the same bytes on redis-server"
# median_awk: the median of the space-separated values vals[key] (awk has no sort of its own).
median_awk='
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }'
# median over rounds, then one line per case in the order first seen.
awk "$median_awk"'
  { if (!($1 in seen)) { seen[$1] = 1; order[++ncase] = $1 }
    for (f = 3; f <= 5; f++) { k = $1 SUBSEP $2 SUBSEP f; vals[k] = (k in vals ? vals[k] " " : "") $f } }
  END {
    printf "%-16s %9s %9s %9s %7s %7s | %-20s %-20s | %s\n", "case", "redis", "ssrun/2", "ssrun/1",
      "ratio/2", "ratio/1", "p50 ms redis/s2/s1", "p99 ms redis/s2/s1", "p50, p99 ratio/2"
    for (i = 1; i <= ncase; i++) {
      c = order[i]
      for (f = 3; f <= 5; f++) { r[f] = median(c SUBSEP "redis" SUBSEP f); s2[f] = median(c SUBSEP "ssrun/2" SUBSEP f); s1[f] = median(c SUBSEP "ssrun/1" SUBSEP f) }
      printf "%-16s %9.1f %9.1f %9.1f %7.2f %7.2f | %6.2f/%6.2f/%6.2f %6.2f/%6.2f/%6.2f | %5.2f, %5.2f\n", c,
        r[3], s2[3], s1[3], (r[3] > 0 ? s2[3] / r[3] : 0), (r[3] > 0 ? s1[3] / r[3] : 0),
        r[4], s2[4], s1[4], r[5], s2[5], s1[5],
        (r[4] > 0 ? s2[4] / r[4] : 0), (r[5] > 0 ? s2[5] / r[5] : 0)
    }
  }' "$results"
if [[ -n "${BASELINE:-}" ]]; then
  echo
  echo "ssrun/2 against the baseline build at GOMAXPROCS=2 ($BASELINE), medians: ops/s ratio above 1 is faster"
  awk "$median_awk"'
    { if (!($1 in seen)) { seen[$1] = 1; order[++ncase] = $1 }
      k = $1 SUBSEP $2; vals[k] = (k in vals ? vals[k] " " : "") $3 }
    END {
      printf "%-16s %9s %9s %7s\n", "case", "base/2", "ssrun/2", "ratio"
      for (i = 1; i <= ncase; i++) {
        c = order[i]; b = median(c SUBSEP "base/2"); n = median(c SUBSEP "ssrun/2")
        printf "%-16s %9.1f %9.1f %7.2f\n", c, b, n, (b > 0 ? n / b : 0)
      }
    }' "$results"
fi
