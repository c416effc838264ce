#!/bin/bash
# CPU per round trip of a two-process 1-byte ping-pong (issue 16), two
# usctp-peer binaries A and B in interleaved pairs (A B, B A, A B, ...), so
# that this VM's slow drifts hit both alike. Each run: a pong process and a
# ping process for 2 s on 127.0.0.1; CPU = user + system time of both
# (/usr/bin/time), divided by the round trips the ping counted.
#
#   bench/scripts/pingpong-cpu-ab.sh A_PEER B_PEER [PAIRS]
#
# Prints one line per run and, at the end, the median CPU µs per round
# trip of each binary and the median of the per-pair ratios B/A.
set -u
a=$1 b=$2 pairs=${3:-12}

run() { # run BIN: prints "round_trips cpu_seconds"
	local bin=$1 udp=$((30000 + RANDOM % 20000)) port=$((6100 + RANDOM % 800))
	local pt st po
	pt=$(mktemp) st=$(mktemp) po=$(mktemp)
	/usr/bin/time -f "%U %S" -o "$pt" "$bin" -role pong -api conn -udp $udp -addr 127.0.0.1:$port >"$po" 2>&1 &
	local pp=$!
	for _ in $(seq 100); do # until the pong says READY (at most 5 s)
		grep -q READY "$po" && break
		sleep 0.05
	done
	local n
	n=$(/usr/bin/time -f "%U %S" -o "$st" "$bin" -role ping -api conn -remote-udp $udp -addr 127.0.0.1:$port -t 2s -l 1 2>/dev/null |
		awk '/^RESULT/ {n = $2} END {print n + 0}')
	kill -INT $(pgrep -P $pp) 2>/dev/null
	wait $pp 2>/dev/null
	echo "$n $(cat "$pt" "$st" | awk '{s += $1 + $2} END {print s}')"
	rm -f "$pt" "$st" "$po"
}

out=$(mktemp)
for i in $(seq 1 "$pairs"); do
	order="A B"
	[ $((i % 2)) = 0 ] && order="B A"
	for v in $order; do
		bin=$a
		[ "$v" = B ] && bin=$b
		read -r n cpu < <(run "$bin")
		us=$(awk -v n="$n" -v c="$cpu" 'BEGIN {if (n > 0) printf "%.1f", c * 1e6 / n; else print "nan"}')
		echo "pair $i $v round_trips $n cpu_us_per_rt $us" | tee -a "$out"
	done
done
awk '
	function median(arr, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (arr[j] < arr[i]) {t = arr[i]; arr[i] = arr[j]; arr[j] = t}
		return k % 2 ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
	}
	$3 == "A" {na++; A[na] = $7; pa[$2] = $7}
	$3 == "B" {nb++; B[nb] = $7; pb[$2] = $7}
	END {
		for (p in pa) if (p in pb) {nr++; R[nr] = pb[p] / pa[p]}
		printf "A median %.1f µs/RT, B median %.1f µs/RT, B/A per pair median %.3f (%d pairs)\n", median(A, na), median(B, nb), median(R, nr), nr
	}' "$out"
rm -f "$out"
