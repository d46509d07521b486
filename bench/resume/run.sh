#!/usr/bin/env bash
# run.sh — resume of an ensemble whose members all completed (`make bench-resume`), side by side with
# baselines in the same run: the first real run of the same ensemble, a dry run (plan only) of it, and
# sha256sum of the bytes a resume must read (every member's configured input, the manifest and the
# journal). N (default 10000) members; REPS (default 3) repetitions of each timed step (best and median
# shown); CPU time (user+sys) beside wall time, since a shared machine stretches wall time.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-10000}
REPS=${REPS:-3}
SSRUN=${SSRUN:-$PWD/ssrun}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp bench/resume/resume.star bench/resume/in.txt "$work/"
cd "$work"

now() { date +%s.%N; }
timeit() { local t0 t1; t0=$(now); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err"; exit 1; }; t1=$(now); echo "$t1 - $t0" | bc; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "best %.3f s, median %.3f s", a[1], a[int((NR+1)/2)]}'; }
# cputime prints the user+sys seconds of the command (GNU time).
cputime() { /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err"; exit 1; }; awk '{printf "%.3f\n", $1 + $2}' "$work/cpu"; }

first=$(timeit "$SSRUN" -q resume.star -D n="$N")
echo "first run ($N members launched):      $(printf '%.3f' "$first") s"
dry=$(for _ in $(seq "$REPS"); do timeit "$SSRUN" -q --dry-run --plan-format json resume.star -D n="$N"; done | stats)
echo "baseline dry run (plan only):          $dry"
res=$(for _ in $(seq "$REPS"); do timeit "$SSRUN" -q --resume resume.star -D n="$N"; done | stats)
echo "resume (all $N skipped):              $res"
rescpu=$(for _ in $(seq "$REPS"); do cputime "$SSRUN" -q --resume resume.star -D n="$N"; done | stats)
echo "resume CPU (user+sys):                 $rescpu"
inputs() { find resume-bench/ens -name in.txt -print0 | xargs -0 sha256sum; sha256sum resume-bench/.smartsim/telemetry/manifest.json resume-bench/.smartsim/telemetry/journal.jsonl; }
hash=$(for _ in $(seq "$REPS"); do timeit bash -c "$(declare -f inputs); inputs"; done | stats)
echo "baseline sha256sum of what it reads:   $hash"
lines=$(wc -l < resume-bench/.smartsim/telemetry/journal.jsonl)
size=$(du -k resume-bench/.smartsim/telemetry/journal.jsonl | cut -f1)
echo "journal: $lines records, ${size} KiB"
