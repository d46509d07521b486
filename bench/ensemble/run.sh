#!/usr/bin/env bash
# bench/ensemble/run.sh: an ensemble of MEMBERS `true` members on the local launcher (generate + start +
# wait, the whole `ssrun` driver) against `xargs -P2` running the same MEMBERS commands, interleaved,
# RUNS times; then `ssrun status` on the experiment just run. Prints median wall times, the ratio, and
# the driver's peak RSS against the goal of 30 MiB + 4 KiB per member (issue 14).
#
#   MEMBERS=10000 RUNS=3 bash bench/ensemble/run.sh      (make bench-ensemble)
#
# SSRUN names the binary (default ./ssrun, built by make). Experiments go under a temporary directory,
# removed at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ssrun=${SSRUN:-$root/ssrun}
members=${MEMBERS:-10000}
runs=${RUNS:-3}
[[ -x $ssrun ]] || { echo "bench/ensemble: $ssrun not found (make build, or set SSRUN)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench/ensemble: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/bench.star" <<STAR
exp = Experiment("bench", launcher="local")
rs = exp.create_run_settings(exe="true")
ens = exp.create_ensemble("ens", replicas=$members, run_settings=rs)
exp.generate(ens, overwrite=True)
exp.start(ens, block=True)
STAR

# timed OUT CMD...: runs CMD, writes "ms peak_kib" to OUT.
timed() {
  local out=$1; shift
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $(tail -1 "$work/rss")" >>"$out"
}
xargs_true() { seq "$members" | xargs -P2 -I{} true; }
export -f xargs_true 2>/dev/null || true

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for ((i = 1; i <= runs; i++)); do
  (cd "$work" && timed "$work/ssrun.t" "$ssrun" -q bench.star)
  timed "$work/xargs.t" bash -c "seq $members | xargs -P2 -I{} true"
  (cd "$work" && timed "$work/status.t" "$ssrun" status bench)
done
s_ms=$(cut -d' ' -f1 "$work/ssrun.t" | median)
s_rss=$(cut -d' ' -f2 "$work/ssrun.t" | median)
x_ms=$(cut -d' ' -f1 "$work/xargs.t" | median)
st_ms=$(cut -d' ' -f1 "$work/status.t" | median)
st_rss=$(cut -d' ' -f2 "$work/status.t" | median)
echo "members: $members, runs: $runs (medians), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf '%-34s %8d ms  peak RSS %7.1f MiB (goal %.1f MiB: 30 MiB + 4 KiB/member)\n' "ssrun generate+start+wait" "$s_ms" \
  "$(awk -v k="$s_rss" 'BEGIN{print k/1024}')" "$(awk -v m="$members" 'BEGIN{print 30 + m*4/1024}')"
printf '%-34s %8d ms\n' "xargs -P2, same commands" "$x_ms"
printf '%-34s %8d ms  peak RSS %7.1f MiB\n' "ssrun status" "$st_ms" "$(awk -v k="$st_rss" 'BEGIN{print k/1024}')"
awk -v s="$s_ms" -v x="$x_ms" 'BEGIN { printf "ratio ssrun/xargs-P2: %.2f (goal <= 1.5)\n", (x > 0 ? s / x : 0) }'
