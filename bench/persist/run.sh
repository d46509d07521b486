#!/usr/bin/env bash
# bench/persist/run.sh: ssrun db's persistence against Debian's redis-server, side by side in one run
# (make bench-persist).
#
# 1. SET throughput with the append-only log on, appendfsync everysec and always: redis-benchmark
#    (-t set, 50 clients, 3-byte values) against each server in turn, ROUNDS times, medians.
# 2. A background snapshot of GIB GiB (default 1) of 4 MiB values (AI.TENSORSET tensors on ssrun, SET
#    strings on redis-server, bench/persist/snapshot): its duration, the longest and p99 latency of a
#    client writing during it (the pause), and the server's latest_fork_usec.
# 3. Load time of that snapshot: from process start to the first PONG.
# Ratios are ssrun/redis: throughput above 1 and times below 1 favour ssrun. On a shared machine single
# runs swing widely: compare within one run only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "bench/persist: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
rounds=${ROUNDS:-3}
gib=${GIB:-1}
requests=${REQUESTS:-50000}
ssrun=${SSRUN:-}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [[ -z $ssrun ]]; then go build -o "$work/ssrun" . && ssrun=$work/ssrun; fi
go build -o "$work/snapshot" ./bench/persist/snapshot

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitpong() { # port: seconds until PONG
  local start=$(date +%s.%N)
  until [[ $(redis-cli -p "$1" PING 2>/dev/null) == PONG ]]; do sleep 0.01; done
  echo "$(date +%s.%N) - $start" | bc
}
start_server() { # engine port dir extra...
  local engine=$1 port=$2 dir=$3; shift 3
  mkdir -p "$dir"
  if [[ $engine == redis ]]; then
    redis-server --port "$port" --dir "$dir" --dbfilename dump.rdb "$@" >"$dir/log" 2>&1 &
  else
    "$ssrun" db --port "$port" --dir "$dir" "$@" >"$dir/log" 2>&1 &
  fi
  pids+=($!)
  waitpong "$port" >/dev/null
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# bench/persist: ssrun db vs redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "## SET throughput with appendonly yes (redis-benchmark -t set -c 50 -n $requests, median of $rounds)"
echo "| appendfsync | redis-server ops/s | ssrun db ops/s | ssrun/redis |"
echo "|---|---|---|---|"
rp=$(freeport); sp=$(freeport)
start_server redis "$rp" "$work/aof-redis" --save "" --appendonly yes
start_server ssrun "$sp" "$work/aof-ssrun" --save "" --appendonly yes
for policy in everysec always; do
  redis-cli -p "$rp" CONFIG SET appendfsync $policy >/dev/null
  redis-cli -p "$sp" CONFIG SET appendfsync $policy >/dev/null
  r=(); s=()
  for ((i = 0; i < rounds; i++)); do
    r+=("$(redis-benchmark -p "$rp" -t set -c 50 -n "$requests" -r 100000 -q | grep -o '[0-9.]* requests per second' | cut -d' ' -f1)")
    s+=("$(redis-benchmark -p "$sp" -t set -c 50 -n "$requests" -r 100000 -q | grep -o '[0-9.]* requests per second' | cut -d' ' -f1)")
  done
  rm=$(printf '%s\n' "${r[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
  echo "| $policy | $rm | $sm | $(echo "scale=2; $sm / $rm" | bc) |"
done
redis-cli -p "$rp" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
redis-cli -p "$sp" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
sleep 0.5

echo
echo "## BGSAVE of $gib GiB of 4 MiB values while a client writes, then loading it"
echo "| | redis-server | ssrun db | ssrun/redis |"
echo "|---|---|---|---|"
declare -A res
for engine in redis ssrun; do
  port=$(freeport)
  start_server $engine "$port" "$work/snap-$engine" --save "" --appendonly no
  read -r took maxw p99w n fork < <("$work/snapshot" -addr 127.0.0.1:"$port" -engine $engine -gib "$gib")
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  sleep 1
  load=$(
    if [[ $engine == redis ]]; then redis-server --port "$port" --dir "$work/snap-$engine" --dbfilename dump.rdb --save "" >/dev/null 2>&1 &
    else "$ssrun" db --port "$port" --dir "$work/snap-$engine" >/dev/null 2>&1 & fi
    echo $! >"$work/pid-$engine"
    waitpong "$port"
  )
  pids+=("$(cat "$work/pid-$engine")")
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  res[$engine]="$took $maxw $p99w $fork $load"
done
read -r rt rmax rp99 rfork rload <<<"${res[redis]}"
read -r st smax sp99 sfork sload <<<"${res[ssrun]}"
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "| snapshot time (s) | $rt | $st | $(ratio "$st" "$rt") |"
echo "| longest write during it (ms) | $rmax | $smax | $(ratio "$smax" "$rmax") |"
echo "| p99 write during it (ms) | $rp99 | $sp99 | $(ratio "$sp99" "$rp99") |"
echo "| latest_fork_usec | $rfork | $sfork | |"
echo "| load time (s) | $rload | $sload | $(ratio "$sload" "$rload") |"
