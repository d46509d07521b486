#!/usr/bin/env bash
# bench/status/run.sh: `ssrun status` on an experiment of MEMBERS members (default 100000), this build
# beside a baseline build (BASE, default the commit before the scanning readers) and `jq length` on
# the same manifest, interleaved, RUNS times (default 3); medians and ratios, and whether both builds
# printed the same bytes.
#
#   MEMBERS=100000 RUNS=3 bash bench/status/run.sh      (make bench-status)
#
# The experiment is not run at that size (100,000 `true` members take both cores for 20 minutes): a
# real driver runs SOURCE members (default 1000) of the ensemble bench/ensemble runs, and
# bench/status/fixture replicates its manifest and journal to MEMBERS members, each entry encoded as
# the runtime encodes it. Two states are timed: "finished" (the manifest saw every end) and "stale"
# (the manifest still shows the last half Running; their ends are only in the journal, as after a
# killed driver or between two of the manifest's paced rewrites).
#
# SSRUN names this build (default ./ssrun, built by make); SSRUN_BASE a baseline binary instead of
# building BASE. Needs git (for BASE) and jq (else its column is left out). Everything goes under a
# temporary directory, removed at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ssrun=${SSRUN:-$root/ssrun}
members=${MEMBERS:-100000}
src_members=${SOURCE:-1000}
runs=${RUNS:-3}
base=${BASE:-34fb63b017b51ceb7ef42bf3ea8b0d12b482339d}
go=${GO:-go}
[[ -x $ssrun ]] || { echo "bench/status: $ssrun not found (make build, or set SSRUN)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -n ${SSRUN_BASE:-} ]]; then
  ssrun_base=$SSRUN_BASE
  echo "baseline: $ssrun_base"
else
  echo "baseline: $(git -C "$root" log --oneline -1 "$base" | cut -c1-100)"
  mkdir "$work/base"
  git -C "$root" archive "$base" | tar -x -C "$work/base"
  (cd "$work/base" && CGO_ENABLED=0 "$go" build -o "$work/ssrun-base" .)
  ssrun_base=$work/ssrun-base
fi
(cd "$root" && "$go" build -o "$work/fixture" ./bench/status/fixture)
have_jq=1
command -v jq >/dev/null || { have_jq=0; echo "jq not installed: its column is left out (apt-get install jq)"; }

# The real run the fixture replicates: the ensemble of bench/ensemble.
cat >"$work/bench.star" <<STAR
exp = Experiment("bench", launcher="local")
rs = exp.create_run_settings(exe="true")
ens = exp.create_ensemble("ens", replicas=$src_members, run_settings=rs)
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
STAR
(cd "$work" && "$ssrun" -q bench.star)
src=$work/bench/.smartsim/telemetry
echo "source: a real run of $src_members members: manifest $(($(stat -c %s "$src/manifest.json") / src_members)) B/member, journal $(($(stat -c %s "$src/journal.jsonl") / src_members)) B/member"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

echo "members: $members, runs: $runs (medians), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf '%-9s %-7s %10s %10s %10s %9s %9s %s\n' state output "this" "base" "jq length" "this/base" "this/jq" "same bytes"
for state in finished stale; do
  stale=0
  [[ $state == stale ]] && stale=0.5
  exp=$work/exp-$state
  "$work/fixture" -stale "$stale" "$work/bench" "$members" "$exp"
  m=$exp/.smartsim/telemetry/manifest.json
  for output in table json; do
    flag=()
    [[ $output == json ]] && flag=(--json)
    "$ssrun" status "$exp" "${flag[@]}" >"$work/new.out"
    "$ssrun_base" status "$exp" "${flag[@]}" >"$work/base.out"
    same=no
    cmp -s "$work/new.out" "$work/base.out" && same=yes
    : >"$work/new.t"; : >"$work/base.t"; : >"$work/jq.t"
    for ((i = 1; i <= runs; i++)); do
      ms "$ssrun" status "$exp" "${flag[@]}" >>"$work/new.t"
      ms "$ssrun_base" status "$exp" "${flag[@]}" >>"$work/base.t"
      if ((have_jq)); then ms jq length "$m" >>"$work/jq.t"; fi
    done
    a=$(median <"$work/new.t"); b=$(median <"$work/base.t")
    j=-
    ((have_jq)) && j=$(median <"$work/jq.t")
    printf '%-9s %-7s %7d ms %7d ms %7s ms %9s %9s %s\n' "$state" "$output" "$a" "$b" "$j" "$(ratio "$a" "$b")" \
      "$(ratio "$a" "${j/-/0}")" "$same"
  done
  j=$exp/.smartsim/telemetry/journal.jsonl
  echo "  ($state: manifest $(($(stat -c %s "$m") >> 20)) MiB = $(($(stat -c %s "$m") / members)) B/member, journal $(($(stat -c %s "$j") >> 20)) MiB = $(($(stat -c %s "$j") / members)) B/member)"
  rm -rf "$exp"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
