#!/usr/bin/env bash
# bench/db/evloop/run.sh [redis-benchmark args]: the two prototype network designs (goroutine per
# connection, gnet event loops) against ssrun db ($SSRUN_DB, a binary taking `ssrun db` flags, default
# a build of orchestrator/testdata/ssrundb) and redis-server, GOMAXPROCS=$GMP (default 1), ROUNDS
# interleaved rounds (default 5). Prints one line per server and round; compare medians.
#   bash bench/db/evloop/run.sh -t set,get -n 100000 -P 1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
(cd "$here" && go build -o "$work/evloop" .)
db=${SSRUN_DB:-}
if [[ -z $db ]]; then (cd "$here/../../.." && go build -o "$work/ssrundb" ./orchestrator/testdata/ssrundb); db=$work/ssrundb; fi
GMP=${GMP:-1}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
GOMAXPROCS=$GMP "$work/evloop" -mode goroutine -addr 127.0.0.1:6401 & pids+=($!)
GOMAXPROCS=$GMP "$work/evloop" -mode gnet -addr 127.0.0.1:6402 >/dev/null & pids+=($!)
GOMAXPROCS=$GMP "$db" --port 6403 >/dev/null & pids+=($!)
redis-server --port 6404 --save '' --appendonly no >/dev/null & pids+=($!)
sleep 1
declare -A name=([6401]=goroutine-proto [6402]=gnet-proto [6403]=ssrun-db [6404]=redis-server)
for r in $(seq "${ROUNDS:-5}"); do
  for port in 6401 6402 6403 6404; do
    echo "${name[$port]} $(redis-benchmark -p $port -c 50 "$@" --csv 2>/dev/null | tail -n +2 | tr -d '"' | awk -F, '{printf "%s %s p50=%s ", $1, $2, $5}')"
  done
done | sort
