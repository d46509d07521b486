#!/usr/bin/env bash
# bench/ml/run.sh: ML serving through `ssrun db` (make bench-ml). Starts ssrun db with ONNX Runtime on
# a free loopback port (one queue worker, one intra-op thread), runs bench/ml (MLP 256→512→10 at batch
# 1 from 1, 8 and 32 clients: batching off, static, opportunistic and adaptive batching, and the
# in-process onnxruntime_go limit), prints the table and saves it under bench/results/. The server is
# stopped on exit. DURATION (default 2s) is the measuring time per cell and round, ROUNDS (default 3) the rounds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
lib=${SSRUN_ONNXRUNTIME_LIB:-$root/.onnxruntime/lib/libonnxruntime.so}
[[ -f "$lib" ]] || { echo "bench/ml: no ONNX Runtime at $lib (make onnxruntime)" >&2; exit 1; }

db_cmd=()
if [[ -n "${SSRUN:-}" ]]; then
  db_cmd=("$SSRUN" db)
elif [[ -x ./ssrun ]] && ./ssrun db --help 2>&1 | grep -q onnxruntime; then
  db_cmd=(./ssrun db)
else
  go build -o /tmp/ssrun-bench-db ./orchestrator/testdata/ssrundb
  db_cmd=(/tmp/ssrun-bench-db)
fi
go build -o /tmp/ssrun-bench-ml ./bench/ml

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=
for _ in $(seq 100); do
  p=$((20000 + RANDOM % 30000))
  if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || { echo "bench/ml: no free port" >&2; exit 1; }

"${db_cmd[@]}" --port "$port" --name bench-ml --onnxruntime "$lib" --threads-per-queue 1 \
  --intra-op-threads 1 >"$work/db.out" 2>"$work/db.err" &
pid=$!
for _ in $(seq 200); do
  grep -q SSRUN_DB_READY "$work/db.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/db.err" >&2; exit 1; }
  sleep 0.05
done

mkdir -p bench/results
{
  echo "# bench/ml $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; ssrun db: 1 queue worker, 1 intra-op thread"
  /tmp/ssrun-bench-ml --addr "127.0.0.1:$port" --onnxruntime "$lib" --duration "${DURATION:-2s}" --rounds "${ROUNDS:-3}"
} | tee bench/results/ml.md
