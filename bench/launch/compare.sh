#!/usr/bin/env bash
# compare.sh "<command>" — time a command that runs an N-member ensemble of `true` (for instance
# `./ssrun bench/launch/ensemble.star -D members=1000`) against `xargs -P2` and `xargs -P0` running the
# same N `true` commands, in the same run, and print the median wall times and the ratios.
#
#   RUNS=5 MEMBERS=1000 bash bench/launch/compare.sh "./ssrun my_ensemble.star"
#
# RUNS (default 3) is the number of timed runs of each; MEMBERS (default 1000) must match what the
# command launches, so the baselines do the same work. The command runs through `bash -c`, from the
# current directory; its stdout goes to /dev/null unless VERBOSE=1. A failing run aborts the script.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
	echo "usage: $0 \"<command that runs an ensemble of MEMBERS x true>\"" >&2
	exit 2
fi
command=$1
runs=${RUNS:-3}
members=${MEMBERS:-1000}

# now_ns prints a monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# time_ms CMD... runs CMD once and prints its wall time in milliseconds.
time_ms() {
	local start end
	start=$(now_ns)
	if [[ ${VERBOSE:-0} == 1 ]]; then
		"$@"
	else
		"$@" >/dev/null
	fi
	end=$(now_ns)
	echo $(((end - start) / 1000000))
}

# median reads numbers on stdin and prints their median (lower middle for an even count).
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

xargs_true() { seq "$members" | xargs -P "$1" -I{} true; }

declare -A samples
for ((i = 1; i <= runs; i++)); do
	# Interleave the contenders so a busy neighbour slows all of them alike.
	samples[command]+="$(time_ms bash -c "$command") "
	samples[xargs2]+="$(time_ms xargs_true 2) "
	samples[xargs0]+="$(time_ms xargs_true 0) "
done

cmd_ms=$(tr ' ' '\n' <<<"${samples[command]}" | grep . | median)
x2_ms=$(tr ' ' '\n' <<<"${samples[xargs2]}" | grep . | median)
x0_ms=$(tr ' ' '\n' <<<"${samples[xargs0]}" | grep . | median)

printf 'members: %d, runs: %d (median wall time)\n' "$members" "$runs"
printf '%-12s %8d ms   %s\n' "command" "$cmd_ms" "$command"
printf '%-12s %8d ms\n' "xargs -P2" "$x2_ms"
printf '%-12s %8d ms\n' "xargs -P0" "$x0_ms"
awk -v c="$cmd_ms" -v a="$x2_ms" -v b="$x0_ms" 'BEGIN {
	printf "ratio command/xargs-P2: %.3f\n", (a > 0 ? c / a : 0)
	printf "ratio command/xargs-P0: %.3f\n", (b > 0 ? c / b : 0)
}'
