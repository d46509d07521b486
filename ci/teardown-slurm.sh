#!/usr/bin/env bash
# Stops the daemons ci/setup-slurm.sh started, by the pids they wrote under $SSRUN_SLURM_DIR.
set -uo pipefail
dir="${SSRUN_SLURM_DIR:-/tmp/ssrun-slurm}"
for f in "$dir"/slurmd*.pid "$dir/slurmctld.pid" "$dir/munged.pid"; do
  [ -s "$f" ] || continue
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$f"
done
exit 0
