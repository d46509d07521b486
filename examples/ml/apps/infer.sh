#!/bin/sh
# infer.sh: the application of the ML examples, doing what a SmartRedis client does: put an input
# tensor, run the model or script function stored in the database on it, get and print the result.
#   infer.sh model NAME SHAPE        e.g. infer.sh model cnn 1,1,8,8
#   infer.sh script NAME FN SHAPE    e.g. infer.sh script prep normalize 2,3
# The input holds 1, 2, ..., n (FLOAT). Uses `ssrun client` (SSRUN names the binary when ssrun is not
# on PATH) with the database the experiment gives it in SSDB.
set -eu
SSRUN=${SSRUN:-ssrun}
kind=$1
name=$2
fn=
if [ "$kind" = script ]; then fn=$3; shape=$4; else shape=$3; fi
n=1
for d in $(echo "$shape" | tr , ' '); do n=$((n * d)); done
"$SSRUN" client put-tensor input --dtype FLOAT --shape "$shape" $(seq 1 "$n")
if [ "$kind" = script ]; then
	"$SSRUN" client run-script "$name" --fn "$fn" --inputs input --outputs output
	echo "script $name, function $fn, on 1..$n (shape $shape):"
else
	"$SSRUN" client run-model "$name" --inputs input --outputs output
	echo "model $name on 1..$n (shape $shape):"
fi
"$SSRUN" client get-tensor output --format json
