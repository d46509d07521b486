#!/usr/bin/env bash
# bench/generate/run.sh: `exp.generate` of an ensemble of MEMBERS members (default 1000), each with a
# 1 KiB tagged file (configured: ;x; replaced by the member's value) and a SIZE_MIB MiB copied file
# (default 10), against a shell loop running `cp` of the same two files into the same directory layout
# (exp/ens/ens_<i>/), interleaved, ROUNDS times (default 3, the order alternating), each output removed
# before the next. Prints median wall times and the ratio (issue 14: ssrun within 2x of cp).
#
#   MEMBERS=1000 SIZE_MIB=10 ROUNDS=3 bash bench/generate/run.sh      (make bench-generate)
#
# SSRUN names the binary (default ./ssrun, built by make). Everything goes under a temporary directory
# on the file system of TMPDIR (the same for both sides), removed at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ssrun=${SSRUN:-$root/ssrun}
members=${MEMBERS:-1000}
size=${SIZE_MIB:-10}
rounds=${ROUNDS:-3}
[[ -x $ssrun ]] || { echo "bench/generate: $ssrun not found (make build, or set SSRUN)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/bench/generate/generate.star" "$work/"
head -c $((size << 20)) /dev/urandom >"$work/data.bin"
{ echo "x = ;x;"; head -c 1010 /dev/zero | tr '\0' 'a'; echo; } >"$work/in.txt"

# cp_loop: the baseline, the same copies into the same layout as generate's.
cp_loop() {
  mkdir -p "$work/cp/ens"
  for ((i = 0; i < members; i++)); do
    mkdir "$work/cp/ens/ens_$i"
    cp "$work/in.txt" "$work/data.bin" "$work/cp/ens/ens_$i/"
  done
}

ms() { echo $(($(date +%s%N) / 1000000)); }
for ((r = 1; r <= rounds; r++)); do
  for side in $( ((r % 2)) && echo "ssrun cp" || echo "cp ssrun"); do
    sync
    t0=$(ms)
    if [[ $side == ssrun ]]; then
      (cd "$work" && "$ssrun" -q -D n="$members" generate.star) || exit 1
    else
      cp_loop
    fi
    echo $(($(ms) - t0)) >>"$work/$side.t"
    # check what was made, then remove it
    if [[ $side == ssrun ]]; then out=$work/gen/ens; else out=$work/cp/ens; fi
    last=$out/ens_$((members - 1))
    cmp -s "$work/data.bin" "$last/data.bin" || { echo "bench/generate: $side: $last/data.bin differs" >&2; exit 1; }
    [[ $side == cp ]] || grep -qx "x = $((members - 1))" "$last/in.txt" || { echo "bench/generate: $last/in.txt not configured" >&2; exit 1; }
    rm -rf "$work/gen" "$work/cp"
  done
done

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
s=$(median <"$work/ssrun.t")
c=$(median <"$work/cp.t")
echo "members: $members, copied file: $size MiB, tagged file: $(stat -c %s "$work/in.txt") B, rounds: $rounds (medians);" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(df -T "$work" | awk 'NR==2 {print $2}') file system"
printf '%-40s %8d ms   (rounds: %s)\n' "ssrun exp.generate" "$s" "$(tr '\n' ' ' <"$work/ssrun.t")"
printf '%-40s %8d ms   (rounds: %s)\n' "shell loop of cp, same copies" "$c" "$(tr '\n' ' ' <"$work/cp.t")"
awk -v s="$s" -v c="$c" 'BEGIN { printf "ratio ssrun/cp: %.2f (goal <= 2)\n", (c > 0 ? s / c : 0) }'
