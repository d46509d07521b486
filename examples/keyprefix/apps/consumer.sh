#!/bin/sh
# consumer.sh: the seed's "Application Consumer Script". SSKEYIN lists the producers registered as
# incoming entities; for each, set the data source and poll for "tensor" (100 tries, 100 ms apart, as
# client.poll_tensor("tensor", 100, 100)), then read it.
set -u
SSRUN=${SSRUN:-ssrun}
echo "SSKEYIN=${SSKEYIN-}"
status=0
for source in producer_0 producer_1; do
	if "$SSRUN" client poll tensor --source "$source" --interval 100ms --tries 100; then
		echo "$source.tensor was found: True"
		"$SSRUN" client get-tensor tensor --source "$source" --format json
	else
		echo "$source.tensor was found: False"
		status=1
	fi
done
exit $status
