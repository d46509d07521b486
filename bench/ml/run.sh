#!/usr/bin/env bash
# bench/ml/run.sh: ML serving through `ssrun db` (make bench-ml). Starts ssrun db with ONNX Runtime on
# a free loopback port (one queue worker, one intra-op thread), runs bench/ml (MLP 256→512→10 at batch
# 1 from 1, 8 and 32 clients: batching off, static, opportunistic and adaptive batching, and the
# in-process onnxruntime_go limit), prints the table and saves it under bench/results/. Beside it,
# redis-server (--save '' --appendonly no) runs on another free port as the baseline of the request
# pattern table: 32 clients doing SmartRedis's put_tensor / run_model / unpack_tensor on ssrun db
# against the same clients doing three SET/GET round trips of the same sizes on redis-server, and, as
# the ceiling of batching, the pattern on a model of the MLP's shapes that costs nothing. The
# servers are stopped on exit. DURATION (default 2s) is the measuring time per cell and round, ROUNDS
# (default 3) the rounds, TABLES (default "cost,pattern,modelexecute") the tables, PATTERN_CLIENTS (32) the
# clients of the pattern table. SSRUN_CPUPROFILE=PATH profiles ssrun db over the whole run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
lib=${SSRUN_ONNXRUNTIME_LIB:-$root/.onnxruntime/lib/libonnxruntime.so}
[[ -f "$lib" ]] || { echo "bench/ml: no ONNX Runtime at $lib (make onnxruntime)" >&2; exit 1; }

db_cmd=()
if [[ -n "${SSRUN_DB:-}" ]]; then # a binary that is `ssrun db` itself (orchestrator/testdata/ssrundb)
  db_cmd=("$SSRUN_DB")
elif [[ -n "${SSRUN:-}" ]]; then
  db_cmd=("$SSRUN" db)
elif [[ -x ./ssrun ]] && ./ssrun db --help 2>&1 | grep -q onnxruntime; then
  db_cmd=(./ssrun db)
else
  db_cmd=(build-db)
fi

command -v redis-server >/dev/null || { echo "bench/ml: redis-server not found (apt-get install redis-server)" >&2; exit 1; }

work=$(mktemp -d)
pid=
rpid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -n "$rpid" ]] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if [[ "${db_cmd[0]}" == build-db ]]; then
  go build -o "$work/ssrundb" ./orchestrator/testdata/ssrundb
  db_cmd=("$work/ssrundb")
fi
go build -o "$work/bench-ml" ./bench/ml

free_port() {
  for _ in $(seq 100); do
    local p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo "bench/ml: no free port" >&2; exit 1
}
port=$(free_port)
# start_redis: redis-server on a free port, answering PING. A port found free can be taken by another
# process before redis-server binds it (make test runs packages side by side): then it exits, and the
# next try takes another port.
start_redis() {
  for _ in 1 2 3 4 5; do
    rport=$(free_port)
    [[ "$rport" != "$port" ]] || continue
    redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    rpid=$!
    for _ in $(seq 400); do
      [[ "$(redis-cli -p "$rport" ping 2>/dev/null)" == PONG ]] && return 0
      kill -0 "$rpid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; rpid=""
  done
  echo "bench/ml: redis-server did not answer PING:" >&2; cat "$work/redis.log" >&2; exit 1
}
start_redis

GOMAXPROCS=${DB_GOMAXPROCS:-${GOMAXPROCS:-}} "${db_cmd[@]}" --port "$port" --name bench-ml --onnxruntime "$lib" --threads-per-queue 1 \
  --intra-op-threads 1 >"$work/db.out" 2>"$work/db.err" &
pid=$!
for _ in $(seq 200); do
  grep -q SSRUN_DB_READY "$work/db.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/db.err" >&2; exit 1; }
  sleep 0.05
done

results=${RESULTS:-bench/results/ml.md}
mkdir -p "$(dirname "$results")"
{
  echo "# bench/ml $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; ssrun db: 1 queue worker, 1 intra-op thread"
  echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') (--save '' --appendonly no); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  "$work/bench-ml" --addr "127.0.0.1:$port" --redis "127.0.0.1:$rport" --onnxruntime "$lib" \
    --duration "${DURATION:-2s}" --rounds "${ROUNDS:-3}" --tables "${TABLES:-cost,pattern,modelexecute}" \
    --pattern-clients "${PATTERN_CLIENTS:-32}" --modes "${MODES:-}" --ssrun-pid "$pid" --redis-pid "$rpid"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results"
