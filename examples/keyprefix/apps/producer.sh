#!/bin/sh
# producer.sh: the seed's "Application Producer Script". Every producer puts the same tensor under the
# same name; with key prefixing on (SSKEYOUT=<member name>) the keys do not collide: producer_0.tensor,
# producer_1.tensor. Uses `ssrun client` (set SSRUN to an ssrun binary when it is not on PATH).
set -eu
"${SSRUN:-ssrun}" client put-tensor tensor --dtype INT64 1 2 3 4
echo "put tensor (SSKEYOUT=${SSKEYOUT-})"
