#!/bin/bash
# Short transfers and the delayed SACK (issue 11, RFC 7053): sctpcat
# connect -n 101 -l 1000 into sctpcat listen -mode discard on 127.0.0.1,
# timed to the end of the graceful shutdown (which waits for the SACK of
# the last DATA). Two sctpcat binaries, interleaved, ROUNDS rounds each.
#
#   bench/scripts/shutdown-tail.sh OLD_SCTPCAT NEW_SCTPCAT [ROUNDS]
set -u
a=$1 b=$2 rounds=${3:-20}
for r in $(seq 1 "$rounds"); do
	for v in A B; do
		bin=$a
		[ "$v" = B ] && bin=$b
		port=$((6100 + RANDOM % 800))
		udp=$((30000 + RANDOM % 20000))
		log=$(mktemp)
		"$bin" listen -udp $udp -mode discard -count 1 127.0.0.1:$port 2>"$log" &
		lp=$!
		for _ in $(seq 100); do # until listen says it listens (at most 10 s)
			grep -q "listening on" "$log" && break
			sleep 0.1
		done
		t=$( { /usr/bin/time -f "%e" "$bin" connect -n 101 -l 1000 -remote-udp $udp 127.0.0.1:$port >/dev/null; } 2>&1 | tail -1)
		echo "$v $t"
		wait $lp 2>/dev/null
		rm -f "$log"
	done
done
