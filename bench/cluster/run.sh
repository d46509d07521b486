#!/usr/bin/env bash
# run.sh — databases on the three-node Slurm of ci/setup-slurm.sh (`make bench-cluster`):
#  1. time from exp.start(db) until every shard answers PING, for 1 and 3 shards inside an allocation
#     (one MPMD srun, and one srun per shard) and for a 3-shard batch database (sbatch submission
#     included), REPEAT times each (default 5), median and max; SmartSim's own start waits
#     SMARTSIM_JM_INTERVAL (10 s) between its checks, so it reports a database ready after 10 s at best;
#  2. wall time of a MEMBERS-member (default 100) batch ensemble whose members each put a tensor into
#     a 3-shard batch database, from `ssrun` start to the database stopped.
#  3. the baseline of 2.: the same number of srun steps (of true) in one hand-written sbatch job,
#     followed with squeue every 0.2 s (ssrun polls every SSRUN_WLM_INTERVAL, 200 ms here).
# Needs ./ssrun built and the cluster up (ci/setup-slurm.sh as root).
set -euo pipefail
cd "$(dirname "$0")"
ssrun="$(cd ../.. && pwd)/ssrun"
repeat="${REPEAT:-5}"
members="${MEMBERS:-100}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp db_start.star ensemble_db.star "$work/"
cd "$work"
export SSRUN_WLM_INTERVAL="${SSRUN_WLM_INTERVAL:-200ms}"
port=$((20000 + RANDOM % 20000))

ready_time() { grep -o 'all answering PING [0-9.]* s' | awk '{print $4}'; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "median %.3f s, max %.3f s (n=%d)\n", a[int((NR+1)/2)], a[NR], NR}'; }

measure() { # label, salloc nodes (0: none), vars...
	local label="$1" nodes="$2"; shift 2
	for _ in $(seq "$repeat"); do
		port=$((port + 1))
		if [ "$nodes" -gt 0 ]; then
			salloc -Q -N "$nodes" "$ssrun" -D port=$port "$@" db_start.star 2>&1 | ready_time
		else
			"$ssrun" -D port=$port "$@" db_start.star 2>&1 | ready_time
		fi
	done | stats | sed "s/^/$label: /"
}

echo "== time from exp.start(db) to every shard answering PING"
measure "1 shard in allocation      " 1 -D shards=1
measure "3 shards, one MPMD srun    " 3 -D shards=3 -D single=1
measure "3 shards, one srun each    " 3 -D shards=3 -D single=0
measure "3 shards, batch (sbatch)   " 0 -D shards=3 -D batch=1

echo "== $members-member batch ensemble + 3-shard batch database, whole driver"
port=$((port + 1))
start=$(date +%s.%N)
"$ssrun" -D port=$port -D members="$members" -D ssrun="$ssrun" ensemble_db.star 2>&1 | grep -E "completed:|Error" || true
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN {printf "wall time: %.2f s\n", e - s}'

echo "== baseline: the same $members srun steps (of true) in one hand-written sbatch job, squeue every 0.2 s"
{
	echo '#!/bin/bash'
	echo '#SBATCH --nodes=3'
	echo '#SBATCH --output=/dev/null'
	for i in $(seq "$members"); do echo "srun --nodes=1 --ntasks=1 --overlap true &"; done
	echo wait
} > baseline.sh
start=$(date +%s.%N)
id=$(sbatch --parsable baseline.sh)
until squeue -h -t all -j "$id" -o %T | grep -qE 'COMPLETED|FAILED|CANCELLED'; do sleep 0.2; done
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN {printf "wall time: %.2f s\n", e - s}'
