#!/usr/bin/env bash
# bench/torch/run.sh: the TORCH backend benchmark (make bench-torch). Starts ssrun db with the TORCH
# backend and ONNX Runtime on a free loopback port (one queue worker, one intra-op thread), runs
# bench/torch (the small CNN at batch 1 and 32 through the server vs in-process libtorch vs its ONNX
# export), prints the table and saves it under bench/results/. The server is stopped on exit.
# DURATION (default 1s) is the measuring time per cell and round, ROUNDS (default 3) the rounds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
torch_lib=${SSRUN_TORCH_BACKEND:-$root/.torch-backend/libssrun_torch.so}
ort_lib=${SSRUN_ONNXRUNTIME_LIB:-$root/.onnxruntime/lib/libonnxruntime.so}
[[ -f "$torch_lib" ]] || { echo "bench/torch: no TORCH backend at $torch_lib (make torch-backend)" >&2; exit 1; }
[[ -f "$ort_lib" ]] || { echo "bench/torch: no ONNX Runtime at $ort_lib (make onnxruntime)" >&2; exit 1; }
go build -o /tmp/ssrun-bench-torch-db .
go build -o /tmp/ssrun-bench-torch ./bench/torch

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
[[ -n "$port" ]] || { echo "bench/torch: no free port" >&2; exit 1; }

/tmp/ssrun-bench-torch-db db --port "$port" --name bench-torch --torch "$torch_lib" --onnxruntime "$ort_lib" \
  --threads-per-queue 1 --intra-op-threads 1 >"$work/db.out" 2>"$work/db.err" &
pid=$!
for _ in $(seq 200); do
  grep -q SSRUN_DB_READY "$work/db.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/db.err" >&2; exit 1; }
  sleep 0.05
done

mkdir -p bench/results
{
  echo "# bench/torch $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; ssrun db and in-process runs: 1 queue worker, 1 intra-op thread; mean time per call, median of ${ROUNDS:-3} rounds"
  /tmp/ssrun-bench-torch --addr "127.0.0.1:$port" --torch "$torch_lib" --onnxruntime "$ort_lib" \
    --duration "${DURATION:-1s}" --rounds "${ROUNDS:-3}"
} | tee bench/results/torch.md
