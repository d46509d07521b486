#!/usr/bin/env bash
# bench/dashboard/run.sh: the dashboard and `ssrun status` at scale, side by side with a baseline built
# in the same run (BASE, default the last commit before the paged dashboard: one server-rendered page
# with every member's row and one timeline bar per member).
#
#   MEMBERS=1000,10000,100000 RUNS=3 bash bench/dashboard/run.sh      (make bench-dashboard)
#
# 1. `ssrun status` (this build and BASE) and `jq length` on the same manifest of 10,000 and 100,000
#    members (dashboard/scalefixture, written without running them): median wall time of RUNS.
# 2. BenchmarkBrowser (dashboard/browser_bench_test.go) in headless Chromium, both builds, each size:
#    first contentful paint, first rows of the member table, DOMContentLoaded, load, page size, how
#    long a status change on disk takes to show, the server's peak RSS; then `ssrun report`: time to
#    write, size, paint. Medians of RUNS loads (one load when it took over 20 s).
#
# SSRUN names this build (default ./ssrun, built by make). Needs chromium (ci/setup-chromium.sh), jq.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ssrun=${SSRUN:-$root/ssrun}
base=${BASE:-25ae66d17da55e6478614fa96efd594a88c83659}
members=${MEMBERS:-1000,10000,100000}
runs=${RUNS:-3}
go=${GO:-go}
[[ -x $ssrun ]] || { echo "bench/dashboard: $ssrun not found (make build, or set SSRUN)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench/dashboard: jq not found (apt-get install jq)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "baseline: $(git -C "$root" log --oneline -1 "$base" | cut -c1-90)"
mkdir "$work/base"
git -C "$root" archive "$base" | tar -x -C "$work/base"
(cd "$work/base" && CGO_ENABLED=0 "$go" build -o "$work/ssrun-base" .)
(cd "$root" && "$go" build -o "$work/manifest" ./bench/dashboard/manifest)

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "== ssrun status (median of $runs), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf '%-9s %10s %14s %14s %12s %12s\n' members "jq length" "status (this)" "status (base)" "this/jq" "this/base"
for n in 10000 100000; do
  exp=$work/exp-$n
  "$work/manifest" "$n" "$exp"
  m=$exp/.smartsim/telemetry/manifest.json
  : >"$work/jq.t"; : >"$work/new.t"; : >"$work/base.t"
  for ((i = 1; i <= runs; i++)); do
    ms jq length "$m" >>"$work/jq.t"
    ms "$ssrun" status "$exp" >>"$work/new.t"
    ms "$work/ssrun-base" status "$exp" >>"$work/base.t"
  done
  j=$(median <"$work/jq.t"); a=$(median <"$work/new.t"); b=$(median <"$work/base.t")
  printf '%-9s %8d ms %11d ms %11d ms %12.2f %12.2f\n' "$n" "$j" "$a" "$b" "$(awk -v a="$a" -v j="$j" 'BEGIN{print a/j}')" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
  rm -rf "$exp"
done

echo "== dashboard and report in headless Chromium (ms since navigation start; medians of $runs)"
cd "$root"
SSRUN_BENCH_BINS="this=$ssrun,base=$work/ssrun-base" SSRUN_BENCH_MEMBERS=$members SSRUN_BENCH_RUNS=$runs \
  "$go" test -run '^$' -bench Browser -benchtime 1x -timeout 3h ./dashboard | grep -E '^Benchmark|no first rows|did not show'
